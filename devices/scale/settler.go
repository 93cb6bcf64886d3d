package scale

import (
	"time"

	"github.com/kiosk-sco/kiosk/devices"
)

// Settler defaults, applied to zero (or negative) fields.
const (
	DefaultBand        = 5 // grams
	DefaultSettle      = 500 * time.Millisecond
	DefaultCount       = 3
	DefaultMotionFault = 5 * time.Second
)

// Settler is the settle filter between a scale's readings and the lane: pure
// logic, fed readings with the time they were taken.
//
// A reading settles when Count identical stable readings span at least Settle.
// A settled reading is reported only when it leaves the band of ±Band grams
// around the last reported weight (the first one is always reported), so noise
// and slow creep within the band never reach the lane, and the reported weight
// never differs from a settled reading by more than Band (after NCR US6215078).
//
// Faults: motion once the scale has reported motion, without being quiet in
// between, for MotionFault or longer (quiet = Count readings without motion
// spanning Settle); over capacity and under zero once Count readings in a row
// say so. Each clears the same way it was raised: quiet again, or Count readings
// in a row without the flag.
//
// Once a weight was reported, a reading that leaves its band — motion, a
// stable weight outside it, over capacity or under zero — is reported as
// Moving, once, so that the lane stops trusting the reported weight; the next
// settled run is then reported even within the band, which ends the motion.
// So is the first settled run after a reconnect.
//
// The zero Settler is ready to use with the defaults. A Settler is not safe for
// concurrent use.
type Settler struct {
	Band        int           // grams around the last reported weight; default 5
	Settle      time.Duration // shortest span of a settled run; default 500 ms
	Count       int           // identical stable readings in a settled run; default 3
	MotionFault time.Duration // motion this long is a fault; default 5 s

	run      streak // identical stable readings
	quiet    streak // readings without motion
	moving   bool   // motion seen since the scale was last quiet
	movingAt time.Time
	over     flag
	under    flag
	faults   faultSet
	last     int // last reported weight
	hasLast  bool
	leaving  bool // reported Moving: the load left the last reported weight
}

// Change is what one reading changed.
type Change struct {
	Weight bool // a settled reading left the band: Grams is the new weight
	Grams  int
	// Moving: the load left the last reported weight and has not settled yet;
	// Grams is that last weight, no longer current.
	Moving bool

	Faults bool     // the set of faults changed: Active is the new set
	Active []string // devices.Fault* codes in a fixed order; nil when none
}

type streak struct {
	n       int
	grams   int
	since   time.Time
	settled bool // this run was already judged
}

// flag debounces a boolean: it flips after count observations in a row
// disagreeing with it.
type flag struct {
	on bool
	n  int
}

func (f *flag) observe(v bool, count int) bool {
	if v == f.on {
		f.n = 0
		return false
	}
	f.n++
	if f.n < count {
		return false
	}
	f.on, f.n = v, 0
	return true
}

type faultSet uint8

const (
	faultMotion faultSet = 1 << iota
	faultOver
	faultUnder
)

var faultCodes = []struct {
	bit  faultSet
	code string
}{
	{faultMotion, devices.FaultMotion},
	{faultOver, devices.FaultOverCapacity},
	{faultUnder, devices.FaultUnderZero},
}

func (f faultSet) codes() []string {
	var out []string
	for _, c := range faultCodes {
		if f&c.bit != 0 {
			out = append(out, c.code)
		}
	}
	return out
}

func (f *faultSet) set(bit faultSet, on bool) {
	if on {
		*f |= bit
	} else {
		*f &^= bit
	}
}

func (s *Settler) band() int {
	if s.Band <= 0 {
		return DefaultBand
	}
	return s.Band
}

func (s *Settler) settle() time.Duration {
	if s.Settle <= 0 {
		return DefaultSettle
	}
	return s.Settle
}

func (s *Settler) count() int {
	if s.Count <= 0 {
		return DefaultCount
	}
	return s.Count
}

func (s *Settler) motionFault() time.Duration {
	if s.MotionFault <= 0 {
		return DefaultMotionFault
	}
	return s.MotionFault
}

// Add takes one reading taken at at and returns what it changed.
func (s *Settler) Add(at time.Time, r Reading) Change {
	var ch Change
	before := s.faults
	count, settle := s.count(), s.settle()

	if r.Stable {
		if s.run.n > 0 && s.run.grams == r.Grams {
			s.run.n++
		} else {
			s.run = streak{n: 1, grams: r.Grams, since: at}
		}
		if !s.run.settled && s.run.n >= count && at.Sub(s.run.since) >= settle {
			s.run.settled = true
			if d := r.Grams - s.last; !s.hasLast || s.leaving || d > s.band() || -d > s.band() {
				s.last, s.hasLast, s.leaving = r.Grams, true, false
				ch.Weight, ch.Grams = true, r.Grams
			}
		}
	} else {
		s.run = streak{}
	}
	if s.hasLast && !s.leaving && !ch.Weight {
		// Anything but a stable reading inside the band — motion, a stable
		// weight outside it, over capacity, under zero — and the reported
		// weight is no longer known to be on the scale.
		if d := r.Grams - s.last; !r.Stable || d > s.band() || -d > s.band() {
			s.leaving = true
			ch.Moving, ch.Grams = true, s.last
		}
	}

	if r.Motion {
		s.quiet = streak{}
		if !s.moving {
			s.moving, s.movingAt = true, at
		}
		if at.Sub(s.movingAt) >= s.motionFault() {
			s.faults.set(faultMotion, true)
		}
	} else {
		if s.quiet.n == 0 {
			s.quiet.since = at
		}
		s.quiet.n++
		if s.quiet.n >= count && at.Sub(s.quiet.since) >= settle {
			s.moving = false
			s.faults.set(faultMotion, false)
		}
	}

	if s.over.observe(r.OverCapacity, count) {
		s.faults.set(faultOver, s.over.on)
	}
	if s.under.observe(r.UnderZero, count) {
		s.faults.set(faultUnder, s.under.on)
	}
	if s.faults != before {
		ch.Faults, ch.Active = true, s.faults.codes()
	}
	return ch
}

// Break tells the filter a reply could not be read: the runs of identical and
// quiet readings start again.
func (s *Settler) Break() {
	s.run = streak{}
	s.quiet = streak{}
}

// Faults returns the active fault codes in a fixed order, nil when none.
func (s *Settler) Faults() []string { return s.faults.codes() }

// Reported returns the last weight reported, ok false before the first.
func (s *Settler) Reported() (grams int, ok bool) { return s.last, s.hasLast }

// Disconnected forgets runs and faults — a reconnected scale starts from a clean
// status — and reports the first settled weight after the reconnect even when
// it is the one reported before: whoever listens has been told the scale was
// gone and needs to hear what is on it now (the bagging rules see a change of
// nothing and record nothing).
func (s *Settler) Disconnected() {
	s.run, s.quiet = streak{}, streak{}
	s.leaving = s.hasLast
	s.moving = false
	s.over, s.under = flag{}, flag{}
	s.faults = 0
}
