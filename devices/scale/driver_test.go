package scale_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/scale"
	"github.com/kiosk-sco/kiosk/devices/scale/scalesim"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// These tests run the real driver, serialport (tarm/serial) and the simulator
// over pseudo-terminals, with short timings.

// recorder collects events from the driver's goroutine.
type recorder struct {
	ch chan devices.Event
}

func (r *recorder) sink(e devices.Event) {
	select {
	case r.ch <- e:
	default:
		panic("scale test: event buffer full")
	}
}

// next returns the next event matching ok within timeout, skipping others.
func (r *recorder) next(t *testing.T, timeout time.Duration, what string, ok func(devices.Event) bool) devices.Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e := <-r.ch:
			if ok(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s within %v", what, timeout)
		}
	}
}

// none fails when an event matching ok arrives within d.
func (r *recorder) none(t *testing.T, d time.Duration, what string, ok func(devices.Event) bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case e := <-r.ch:
			if ok(e) {
				t.Fatalf("unexpected %s: %+v", what, describe(e))
			}
		case <-deadline:
			return
		}
	}
}

// drain drops what arrived so far.
func (r *recorder) drain() {
	for {
		select {
		case <-r.ch:
		default:
			return
		}
	}
}

func describe(e devices.Event) any {
	switch {
	case e.Weight != nil:
		return *e.Weight
	case e.Status != nil:
		return *e.Status
	}
	return e
}

// isWeight matches settled weights, isMoving the news that the load left one.
func isWeight(e devices.Event) bool { return e.Kind == devices.KindWeight && !e.Weight.Moving }

func isMoving(e devices.Event) bool { return e.Kind == devices.KindWeight && e.Weight.Moving }

func connected(e devices.Event) bool { return e.Kind == devices.KindStatus && e.Status.Connected }

func unplugged(e devices.Event) bool {
	return e.Kind == devices.KindStatus && !e.Status.Connected && e.Status.Has(devices.FaultUnplugged)
}

func hasFault(code string) func(devices.Event) bool {
	return func(e devices.Event) bool {
		return e.Kind == devices.KindStatus && e.Status.Connected && e.Status.Has(code)
	}
}

func statusOK(e devices.Event) bool { return e.Kind == devices.KindStatus && e.Status.OK() }

type rig struct {
	sim *scalesim.Sim
	drv *scale.Driver
	ev  *recorder
}

// start runs a simulated scale and a supervised driver on it; both stop at the
// end of the test. It returns once the driver reported the empty scale.
func start(t *testing.T) *rig {
	t.Helper()
	sim, err := scalesim.New(filepath.Join(t.TempDir(), "by-id", "usb-Mettler_Toledo_8217-if00"), scalesim.Options{SettleDelay: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })

	ev := &recorder{ch: make(chan devices.Event, 4096)}
	cfg := scale.Config{PollEvery: 50 * time.Millisecond, Settler: scale.Settler{Settle: 150 * time.Millisecond, MotionFault: 500 * time.Millisecond}}
	sink := func(e devices.Event) {
		t.Logf("event %s %+v", e.Kind, describe(e)) // shown when a test fails
		ev.sink(e)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	drv := scale.New(devices.RoleBaggingScale, scale.SASI{}, cfg, sink, time.Now, log)
	port := scale.SASI{}.SerialConfig()
	port.Path, port.ReadTimeout = sim.Path(), 100*time.Millisecond

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		scale.Run(ctx, serialport.Opens(port), serialport.Backoff{Min: 50 * time.Millisecond, Max: 400 * time.Millisecond}, drv)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})

	ev.next(t, 2*time.Second, "Connected=true", connected)
	if e := ev.next(t, 2*time.Second, "first weight", isWeight); e.Weight.Grams != 0 {
		t.Fatalf("empty scale weighs %d g", e.Weight.Grams)
	}
	return &rig{sim: sim, drv: drv, ev: ev}
}

func TestDriverWeighs(t *testing.T) {
	for _, grams := range []int{1250, 10, 14995} {
		t.Run(fmt.Sprintf("%d g", grams), func(t *testing.T) {
			r := start(t)
			r.sim.Set(grams)
			e := r.ev.next(t, 3*time.Second, "weight", isWeight)
			if e.Weight.Grams != grams || e.Role != devices.RoleBaggingScale || e.At.IsZero() {
				t.Fatalf("event %+v %+v, want %d g", e, *e.Weight, grams)
			}
			r.ev.none(t, 500*time.Millisecond, "second weight event", isWeight)
			if g, ok := r.drv.Current(); g != grams || !ok {
				t.Errorf("Current = %d, %v", g, ok)
			}
		})
	}
}

func TestDriverMotionThenSettle(t *testing.T) {
	r := start(t)
	r.sim.Motion(true)
	r.sim.Set(800)
	r.ev.next(t, 3*time.Second, "moving", isMoving)
	r.ev.next(t, 3*time.Second, "motion fault", func(e devices.Event) bool {
		if isWeight(e) {
			t.Fatalf("weight %d reported while moving", e.Weight.Grams)
		}
		return hasFault(devices.FaultMotion)(e)
	})
	if g, ok := r.drv.Current(); g != 0 || ok {
		t.Errorf("Current in motion = %d, %v; want the weight withheld", g, ok)
	}
	r.sim.Motion(false)
	r.ev.next(t, 3*time.Second, "motion cleared", statusOK)
	if e := r.ev.next(t, 3*time.Second, "weight", isWeight); e.Weight.Grams != 800 {
		t.Fatalf("settled at %d g, want 800", e.Weight.Grams)
	}
	r.ev.none(t, 300*time.Millisecond, "second weight event", isWeight)
}

func TestDriverFaults(t *testing.T) {
	for _, tc := range []struct {
		name         string
		raise, clear func(*scalesim.Sim)
		fault        string
	}{
		{"overload", func(s *scalesim.Sim) { s.Overload(true) }, func(s *scalesim.Sim) { s.Overload(false) }, devices.FaultOverCapacity},
		{"20 kg on a 15 kg scale", func(s *scalesim.Sim) { s.Set(20000) }, func(s *scalesim.Sim) { s.Set(0) }, devices.FaultOverCapacity},
		{"under zero", func(s *scalesim.Sim) { s.UnderZero(true) }, func(s *scalesim.Sim) { s.UnderZero(false) }, devices.FaultUnderZero},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t)
			tc.raise(r.sim)
			moved := false
			r.ev.next(t, 3*time.Second, tc.fault, func(e devices.Event) bool {
				if isWeight(e) {
					t.Fatalf("weight %d reported", e.Weight.Grams)
				}
				moved = moved || isMoving(e)
				return hasFault(tc.fault)(e)
			})
			tc.clear(r.sim)
			r.ev.next(t, 3*time.Second, "cleared", statusOK)
			if moved {
				// The load left the reported weight: its return is news.
				if e := r.ev.next(t, 3*time.Second, "weight", isWeight); e.Weight.Grams != 0 {
					t.Fatalf("settled at %d g after the fault, want 0", e.Weight.Grams)
				}
			}
			r.ev.none(t, 500*time.Millisecond, "weight event", isWeight)
		})
	}
}

// TestDriverZero zeroes a tare on the platter, lifts it (under zero) and zeroes
// again, through the real port.
func TestDriverZero(t *testing.T) {
	r := start(t)
	r.sim.Set(200)
	if e := r.ev.next(t, 3*time.Second, "weight", isWeight); e.Weight.Grams != 200 {
		t.Fatalf("weight %d", e.Weight.Grams)
	}
	r.drv.Zero()
	if e := r.ev.next(t, 3*time.Second, "weight after zero", isWeight); e.Weight.Grams != 0 {
		t.Fatalf("weight after zero %d", e.Weight.Grams)
	}
	r.sim.Set(0)
	r.ev.next(t, 3*time.Second, "under zero", hasFault(devices.FaultUnderZero))
	// Like the real scale, the simulator ignores Z while the load still moves:
	// wait for a stable status first.
	for {
		if rd := r.sim.Reading(); !rd.Motion {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.drv.Zero()
	r.ev.next(t, 3*time.Second, "cleared", statusOK)
	if g, ok := r.drv.Current(); g != 0 || !ok {
		t.Errorf("Current = %d, %v", g, ok)
	}
}

// TestDriverUnplugReplug pulls the cable 20 times: each unplug is reported
// within 2 s, each replug within 2 s, and the unchanged load is never reported
// again.
func TestDriverUnplugReplug(t *testing.T) {
	r := start(t)
	const cycles = 20
	for i := range cycles {
		r.ev.drain()
		r.sim.Unplug()
		r.ev.next(t, 2*time.Second, "Connected=false/unplugged", func(e devices.Event) bool {
			if isWeight(e) {
				t.Fatalf("cycle %d: weight %d", i, e.Weight.Grams)
			}
			return unplugged(e)
		})
		if g, ok := r.drv.Current(); g != 0 || ok {
			t.Errorf("cycle %d: Current while unplugged = %d, %v", i, g, ok)
		}
		time.Sleep(time.Duration(i%4) * 100 * time.Millisecond) // cable out a while: the backoff grows
		r.ev.drain()
		if err := r.sim.Replug(); err != nil {
			t.Fatal(err)
		}
		r.ev.next(t, 2*time.Second, "Connected=true", func(e devices.Event) bool {
			if isWeight(e) {
				t.Fatalf("cycle %d: weight %d", i, e.Weight.Grams)
			}
			return connected(e)
		})
	}
	// The load is said again after the replug (the lane was told the scale
	// was gone), once.
	if e := r.ev.next(t, 3*time.Second, "the load after the replug", isWeight); e.Weight.Grams != 0 {
		t.Fatalf("after the replug: %d g", e.Weight.Grams)
	}
	r.ev.none(t, 300*time.Millisecond, "second weight event", isWeight)
	if g, ok := r.drv.Current(); g != 0 || !ok {
		t.Errorf("Current after the last replug = %d, %v", g, ok)
	}
}
