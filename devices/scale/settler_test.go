package scale_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/scale"
)

// A step is one reading at an offset from the start of a case, or a reply that
// could not be read (bad).
type step struct {
	at  time.Duration
	r   scale.Reading
	bad bool
}

const poll = 200 * time.Millisecond

func stable(g int) scale.Reading { return scale.Reading{Stable: true, Grams: g} }

var (
	motion = scale.Reading{Motion: true}
	over   = scale.Reading{OverCapacity: true}
	under  = scale.Reading{UnderZero: true}
)

// hold repeats r every poll from from (inclusive) to to (exclusive).
func hold(from, to time.Duration, r scale.Reading) []step {
	var out []step
	for at := from; at < to; at += poll {
		out = append(out, step{at: at, r: r})
	}
	return out
}

// each gives the readings of f(i) every poll from from to to.
func each(from, to time.Duration, f func(i int) scale.Reading) []step {
	var out []step
	i := 0
	for at := from; at < to; at += poll {
		out = append(out, step{at: at, r: f(i)})
		i++
	}
	return out
}

func seq(parts ...[]step) []step { return slices.Concat(parts...) }

const s = time.Second

// run feeds steps to st and logs what changed, as "1.2s weight 1250" and
// "5s faults [motion]".
func run(st *scale.Settler, steps []step) []string {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	var log []string
	for _, p := range steps {
		if p.bad {
			st.Break()
			continue
		}
		ch := st.Add(t0.Add(p.at), p.r)
		if ch.Faults {
			log = append(log, fmt.Sprintf("%v faults %v", p.at, ch.Active))
		}
		if ch.Weight {
			log = append(log, fmt.Sprintf("%v weight %d", p.at, ch.Grams))
		}
		if ch.Moving {
			log = append(log, fmt.Sprintf("%v moving from %d", p.at, ch.Grams))
		}
	}
	return log
}

func TestSettler(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []step
		want  []string
	}{
		{"first settled reading is reported after 3 readings over 500ms",
			hold(0, 2*s, stable(1000)),
			[]string{"600ms weight 1000"}},
		{"fewer than Count identical readings never settle",
			each(0, 3*s, func(i int) scale.Reading { return stable(1000 + 10*(i/2)) }),
			nil},
		{"noise inside the band gives no event",
			seq(hold(0, 1*s, stable(1000)),
				each(1*s, 3*s, func(i int) scale.Reading { return stable(1000 + []int{3, -2, 5, -5, 0}[i%5]) }),
				hold(3*s, 4*s, stable(1004)), hold(4*s, 5*s, stable(995))),
			[]string{"600ms weight 1000"}},
		{"step change gives one event after settling",
			seq(hold(0, 1*s, stable(0)), hold(1*s, 1600*time.Millisecond, motion), hold(1600*time.Millisecond, 3*s, stable(1250))),
			[]string{"600ms weight 0", "1s moving from 0", "2.2s weight 1250"}},
		{"step change settles only on identical readings",
			seq(hold(0, 1*s, stable(0)), []step{{at: 1 * s, r: stable(1240)}, {at: 1200 * time.Millisecond, r: stable(1245)}},
				hold(1400*time.Millisecond, 3*s, stable(1250))),
			[]string{"600ms weight 0", "1s moving from 0", "2s weight 1250"}},
		{"removal is reported as a decrease",
			seq(hold(0, 1*s, stable(1250)), hold(1*s, 2*s, stable(250))),
			[]string{"600ms weight 1250", "1s moving from 1250", "1.6s weight 250"}},
		{"slow drift inside the band gives no event until it leaves the band",
			each(0, 14*s, func(i int) scale.Reading { return stable(1000 + i/5) }), // +1 g a second
			[]string{"600ms weight 1000", "6s moving from 1000", "6.6s weight 1006", "12s moving from 1006", "12.6s weight 1012"}},
		{"an unreadable reply restarts the run",
			[]step{{at: 0, r: stable(700)}, {at: 200 * time.Millisecond, r: stable(700)}, {at: 300 * time.Millisecond, bad: true},
				{at: 400 * time.Millisecond, r: stable(700)}, {at: 600 * time.Millisecond, r: stable(700)},
				{at: 800 * time.Millisecond, r: stable(700)}, {at: 1000 * time.Millisecond, r: stable(700)}},
			[]string{"1s weight 700"}},
		{"motion over 5s is a fault that clears when quiet",
			seq(hold(0, 1*s, stable(0)), hold(1*s, 7*s, motion), hold(7*s, 8*s, stable(500))),
			[]string{"600ms weight 0", "1s moving from 0", "6s faults [motion]", "7.6s faults []", "7.6s weight 500"}},
		{"motion under 5s is no fault",
			seq(hold(0, 1*s, stable(0)), hold(1*s, 5800*time.Millisecond, motion), hold(5800*time.Millisecond, 7*s, stable(500))),
			[]string{"600ms weight 0", "1s moving from 0", "6.4s weight 500"}},
		{"motion interrupted by single stable readings still counts",
			seq(hold(0, 1*s, stable(0)), each(1*s, 7*s, func(i int) scale.Reading {
				if i%2 == 1 {
					return stable(300)
				}
				return motion
			}), hold(7*s, 8*s, stable(300))),
			[]string{"600ms weight 0", "1s moving from 0", "6.2s faults [motion]", "7.4s faults []", "7.4s weight 300"}},
		{"over capacity is a fault after 3 readings and clears after 3",
			seq(hold(0, 1*s, stable(1000)), hold(1*s, 2*s, over), hold(2*s, 3*s, stable(1000))),
			[]string{"600ms weight 1000", "1s moving from 1000", "1.4s faults [over_capacity]", "2.4s faults []", "2.6s weight 1000"}},
		{"a single over-capacity reply is no fault, but the weight is said again",
			seq(hold(0, 1*s, stable(1000)), hold(1*s, 1200*time.Millisecond, over), hold(1200*time.Millisecond, 3*s, stable(1000))),
			[]string{"600ms weight 1000", "1s moving from 1000", "1.8s weight 1000"}},
		{"under zero is a fault and clears with a new zero",
			seq(hold(0, 1*s, stable(200)), hold(1*s, 2*s, under), hold(2*s, 3*s, stable(0))),
			[]string{"600ms weight 200", "1s moving from 200", "1.4s faults [under_zero]", "2.4s faults []", "2.6s weight 0"}},
		{"a touch that resettles inside the band is reported again: the motion is over",
			seq(hold(0, 1*s, stable(1500)), hold(1*s, 1400*time.Millisecond, motion), hold(1400*time.Millisecond, 3*s, stable(1502))),
			[]string{"600ms weight 1500", "1s moving from 1500", "2s weight 1502"}},
		{"moving is said once per excursion",
			seq(hold(0, 1*s, stable(100)), hold(1*s, 2*s, motion), hold(2*s, 2400*time.Millisecond, stable(900)), hold(2400*time.Millisecond, 3*s, motion),
				hold(3*s, 4*s, stable(900))),
			[]string{"600ms weight 100", "1s moving from 100", "3.6s weight 900"}},
		{"faults are listed in a fixed order",
			seq(hold(0, 6*s, motion), hold(6*s, 7*s, scale.Reading{Motion: true, OverCapacity: true, UnderZero: true}),
				hold(7*s, 8*s, stable(10))),
			[]string{"5s faults [motion]", "6.4s faults [motion over_capacity under_zero]",
				"7.4s faults [motion]", "7.6s faults []", "7.6s weight 10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st scale.Settler
			if got := run(&st, tc.steps); !slices.Equal(got, tc.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
		})
	}
}

func TestSettlerSettings(t *testing.T) {
	st := scale.Settler{Band: 20, Settle: 150 * time.Millisecond, Count: 2, MotionFault: time.Second}
	steps := seq(hold(0, 1*s, stable(100)), hold(1*s, 2*s, stable(115)), hold(2*s, 3400*time.Millisecond, motion), hold(3400*time.Millisecond, 4*s, stable(130)))
	want := []string{"200ms weight 100", "2s moving from 100", "3s faults [motion]", "3.6s faults []", "3.6s weight 130"}
	if got := run(&st, steps); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSettlerDisconnected(t *testing.T) {
	var st scale.Settler
	if got := run(&st, seq(hold(0, 1*s, stable(1000)), hold(1*s, 2*s, over))); len(got) != 3 {
		t.Fatalf("setup: %q", got)
	}
	st.Disconnected()
	if f := st.Faults(); f != nil {
		t.Errorf("faults after Disconnected: %v", f)
	}
	if g, ok := st.Reported(); g != 1000 || !ok {
		t.Errorf("Reported = %d, %v; want the last weight kept", g, ok)
	}
	// After a reconnect the load is said again, once, even unchanged: the
	// listener was told the scale was gone.
	if got := run(&st, seq(hold(10*s, 11*s, stable(1000)), hold(11*s, 12*s, stable(400)))); !slices.Equal(got, []string{"10.6s weight 1000", "11s moving from 1000", "11.6s weight 400"}) {
		t.Errorf("after reconnect: %q", got)
	}
}
