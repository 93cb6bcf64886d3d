package serialport

import (
	"context"
	"io"
	"time"
)

// Backoff bounds the wait between reconnection attempts; it doubles from Min to Max.
type Backoff struct {
	Min, Max time.Duration
}

// DefaultBackoff waits 0.5 s, then 1 s, 2 s … up to 10 s between attempts.
var DefaultBackoff = Backoff{Min: 500 * time.Millisecond, Max: 10 * time.Second}

// Opener opens the device's port.
type Opener func() (io.ReadWriteCloser, error)

// Opens returns an Opener for cfg.
func Opens(cfg Config) Opener {
	return func() (io.ReadWriteCloser, error) { return Open(cfg) }
}

// Session talks to a connected device until ctx ends or the device fails; it
// starts by (re-)initialising the device.
type Session func(ctx context.Context, rw io.ReadWriteCloser) error

// Supervise keeps a session running: it opens the port, runs session, closes the
// port when the session ends, waits and tries again until ctx ends. report is
// called on every change between connected and not (with the cause).
func Supervise(ctx context.Context, open Opener, b Backoff, session Session, report func(connected bool, err error)) {
	if b.Min <= 0 {
		b = DefaultBackoff
	}
	wait := b.Min
	connected := false
	first := true
	for ctx.Err() == nil {
		rw, err := open()
		if err != nil {
			if connected || first {
				report(false, err)
			}
			connected, first = false, false
		} else {
			connected, first = true, false
			report(true, nil)
			wait = b.Min
			done := make(chan struct{})
			go func() { // a session blocked in a read ends when its port closes
				select {
				case <-ctx.Done():
					rw.Close()
				case <-done:
				}
			}()
			err = session(ctx, rw)
			close(done)
			rw.Close()
			if ctx.Err() != nil {
				return
			}
			connected = false
			report(false, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(wait*2, b.Max)
	}
}
