package devices

import (
	"slices"
	"time"
)

// Role names a device's job at the lane.
type Role string

const (
	RoleScanner      Role = "scanner"
	RoleProduceScale Role = "scale.produce" // weighs items sold by weight in the scan area
	RoleBaggingScale Role = "scale.bagging" // security scale under the bags
	RolePrinter      Role = "printer"
)

// Kind says what an Event carries.
type Kind string

const (
	KindScan   Kind = "scan"
	KindWeight Kind = "weight"
	KindStatus Kind = "status"
)

// Event is one report of a device.
type Event struct {
	Role   Role
	Kind   Kind
	At     time.Time
	Scan   *Scan
	Weight *Weight
	Status *Status
}

// Scan is one framed barcode read, AIM symbology prefix included when the scanner
// sends one: the catalog decodes it. A line the driver refused carries the
// reason in Refused (e.g. "control_byte") and, in Data, only an escaped,
// printable excerpt for staff: never a barcode to sell.
type Scan struct {
	Data    string
	Refused string
}

// Weight is a settled reading that left the band around the previous one, or,
// with Moving, the news that the load is changing: Grams is then the last
// settled weight, no longer current, and nothing may be sold by it until the
// next settled Weight.
type Weight struct {
	Grams  int // net grams, may be negative under zero
	Moving bool
}

// Fault and warning codes a Status may carry. Faults stop what depends on the
// device; warnings only tell staff.
const (
	FaultUnplugged    = "unplugged"
	FaultOffline      = "offline"
	FaultCoverOpen    = "cover_open"
	FaultPaperEnd     = "paper_end"
	FaultCutter       = "autocutter"
	FaultUnrecover    = "unrecoverable"
	FaultRecoverable  = "recoverable_error"
	FaultMotion       = "motion"        // scale unstable for too long
	FaultOverCapacity = "over_capacity" // scale overloaded
	FaultUnderZero    = "under_zero"
	WarnPaperNearEnd  = "paper_near_end"
)

// Status is the state of a device after a change. Connected false always comes
// with FaultUnplugged.
type Status struct {
	Connected bool
	Faults    []string
	Warnings  []string
}

// Has reports whether code is among the status's faults or warnings.
func (s Status) Has(code string) bool {
	return slices.Contains(s.Faults, code) || slices.Contains(s.Warnings, code)
}

// OK reports a connected device without faults.
func (s Status) OK() bool { return s.Connected && len(s.Faults) == 0 }

// Equal compares two statuses, order of codes included.
func (s Status) Equal(o Status) bool {
	return s.Connected == o.Connected && slices.Equal(s.Faults, o.Faults) && slices.Equal(s.Warnings, o.Warnings)
}

// Sink receives events; drivers call it from their own goroutine and it must not block long.
type Sink func(Event)
