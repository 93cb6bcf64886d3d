// Package scalesim simulates a Mettler-Toledo 8217 (SASI) checkout scale on a
// pseudo-terminal, for tests and for running the kiosk without hardware.
package scalesim

import (
	"math"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/kiosk-sco/kiosk/devices/scale"
	"github.com/kiosk-sco/kiosk/devices/simport"
)

// Options tune a Sim; zero fields take the defaults.
type Options struct {
	Division    int              // display step in grams; default 5 (a 15 kg × 5 g checkout scale)
	Capacity    int              // grams; a heavier load reads over capacity; default 15000
	SettleDelay time.Duration    // motion after each Set; default 300 ms
	ZeroRange   int              // "Z" works within ± this many grams of the calibrated zero; default 2 % of Capacity
	Now         func() time.Time // default time.Now
}

// Sim is a simulated 8217 behind a stable path. It answers "W" with the reply
// the real scale would give for its state — the weight only when stable and in
// range, else a status reply — and "Z" by zeroing, which like the real scale it
// ignores while the load moves, is over capacity or lies outside the zero-capture
// range. Other commands are ignored.
// Its methods may be called from any goroutine.
type Sim struct {
	port *simport.Port
	opt  Options

	mu        sync.Mutex
	load      int       // grams on the platter
	zero      float64   // grams subtracted by the last zero, drift included
	settleAt  time.Time // motion until then
	motion    bool      // forced motion
	overload  bool      // forced over capacity
	underZero bool      // forced under zero
	rate      float64   // drift in grams per second
	drift     float64   // drift accumulated until driftAt
	driftAt   time.Time

	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New starts a simulated scale whose port the driver opens at link (a symlink
// to a pseudo-terminal, like /dev/serial/by-id/…). The platter is empty and stable.
func New(link string, opt Options) (*Sim, error) {
	if opt.Division <= 0 {
		opt.Division = 5
	}
	if opt.Capacity <= 0 {
		opt.Capacity = 15000
	}
	if opt.ZeroRange <= 0 {
		opt.ZeroRange = opt.Capacity / 50
	}
	if opt.SettleDelay <= 0 {
		opt.SettleDelay = 300 * time.Millisecond
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	p, err := simport.New(link)
	if err != nil {
		return nil, err
	}
	s := &Sim{port: p, opt: opt, driftAt: opt.Now(), done: make(chan struct{})}
	s.wg.Go(s.serve)
	return s, nil
}

// Path returns the path a driver opens.
func (s *Sim) Path() string { return s.port.Path() }

// Set puts a load of grams on the platter (0 empties it); the scale is in
// motion for Options.SettleDelay, then shows the new weight.
func (s *Sim) Set(grams int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load = grams
	s.settleAt = s.opt.Now().Add(s.opt.SettleDelay)
}

// Motion forces the load to keep moving (a hand on the platter) until turned off.
func (s *Sim) Motion(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.motion = on
}

// Overload forces an over-capacity status regardless of the load.
func (s *Sim) Overload(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overload = on
}

// UnderZero forces an under-zero status regardless of the load.
func (s *Sim) UnderZero(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.underZero = on
}

// Drift makes the reading creep by gramsPerSecond (0 stops it), as a load cell
// does with temperature: too slow for the scale's motion detector, so it shows
// as a slowly changing stable weight. A zero absorbs the drift so far.
func (s *Sim) Drift(gramsPerSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	s.drift = s.driftNow(now)
	s.driftAt = now
	s.rate = float64(gramsPerSecond)
}

func (s *Sim) driftNow(now time.Time) float64 {
	return s.drift + s.rate*now.Sub(s.driftAt).Seconds()
}

// Reading returns what the scale would answer to "W" now.
func (s *Sim) Reading() scale.Reading {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reading(s.opt.Now())
}

func (s *Sim) reading(now time.Time) scale.Reading {
	d := s.opt.Division
	raw := float64(s.load) + s.driftNow(now) - s.zero
	grams := int(math.Round(raw/float64(d))) * d
	r := scale.Reading{
		Motion:       s.motion || now.Before(s.settleAt),
		OverCapacity: s.overload || s.load > s.opt.Capacity+9*d,
		UnderZero:    s.underZero || grams < 0,
	}
	if !r.Motion && !r.OverCapacity && !r.UnderZero {
		return scale.Reading{Stable: true, Grams: grams}
	}
	r.CentreOfZero = !r.Motion && math.Abs(raw) <= float64(d)/4
	return r
}

// Zero does what "Z" or the zero key does: the weight shown becomes zero, unless
// the load moves, is over capacity or lies outside the zero-capture range.
func (s *Sim) Zero() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	r := s.reading(now)
	gross := float64(s.load) + s.driftNow(now)
	if r.Motion || r.OverCapacity || math.Abs(gross) > float64(s.opt.ZeroRange) {
		return
	}
	s.zero = gross
}

// Unplug pulls the cable: the path disappears and the driver's port hangs up.
func (s *Sim) Unplug() { s.pull(s.port.Unplug) }

// Replug puts the cable back, on a new pseudo-terminal behind the same path.
func (s *Sim) Replug() error { return s.port.Replug() }

// Close unplugs for good and stops the simulator; a second Close is a no-op.
func (s *Sim) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.pull(func() { s.port.Close() })
		s.wg.Wait()
	})
	return nil
}

// pull runs unplug and wakes serve from its read of the old master. The master
// of a pty is a blocking file: closing it while serve reads defers the real
// close — and the hang-up the driver should see — until that read returns, which
// a byte written on the slave side makes it do. The byte is no command.
func (s *Sim) pull(unplug func()) {
	f, err := os.OpenFile(s.port.Path(), os.O_WRONLY|syscall.O_NOCTTY, 0)
	unplug()
	if err == nil {
		f.Write([]byte{0})
		f.Close()
	}
}

// serve answers commands on whichever pseudo-terminal is plugged in.
func (s *Sim) serve() {
	buf := make([]byte, 64)
	for {
		select {
		case <-s.done:
			return
		default:
		}
		m, gen := s.port.Master()
		if m == nil {
			if !s.sleep() {
				return
			}
			continue
		}
		n, err := m.Read(buf)
		for _, c := range buf[:n] {
			switch c & 0x7F {
			case 'W':
				m.Write(scale.SASI{}.Reply(s.Reading()))
			case 'Z':
				s.Zero()
			}
		}
		if err != nil { // unplugged (or closed): wait for the next cable
			for {
				if _, g := s.port.Master(); g != gen && s.port.Plugged() {
					break
				}
				if !s.sleep() {
					return
				}
			}
		}
	}
}

// sleep waits a moment; false once the simulator is closed.
func (s *Sim) sleep() bool {
	select {
	case <-s.done:
		return false
	case <-time.After(5 * time.Millisecond):
		return true
	}
}
