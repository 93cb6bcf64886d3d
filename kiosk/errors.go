package kiosk

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that a screen or an API can act on it.
type Kind string

const (
	KindInvalid  Kind = "invalid"   // bad input: nothing changed, fix the input
	KindNotFound Kind = "not_found" // no such line, alert or product
	KindState    Kind = "state"     // not allowed in the lane's current state
	KindBusy     Kind = "busy"      // the lane is suspended or shutting down
	KindInternal Kind = "internal"  // storage failed: nothing changed
)

// Error is a refused command. Code is a stable message key the screen translates
// (e.g. "scan.check_digit"); Detail is for logs and staff.
type Error struct {
	Kind   Kind
	Code   string
	Detail string
	Err    error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("kiosk: %s", e.Code)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Detail: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err, KindInternal for foreign errors.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// ErrClosed is returned by Do after the lane stopped.
var ErrClosed = &Error{Kind: KindBusy, Code: "lane.closed", Detail: "the lane is shutting down"}
