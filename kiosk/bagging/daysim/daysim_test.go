package daysim

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestTNE checks the tolerable negative error against Directive 76/211/EEC,
// Annex I, at each band's edges and inside it.
func TestTNE(t *testing.T) {
	for _, tc := range []struct{ q, want float64 }{
		{0, 0},
		{4, 0.6},                        // below the table: 15 %
		{5, 0.45}, {20, 1.8}, {50, 4.5}, // 9 %
		{50.5, 4.5}, {75, 4.5}, {100, 4.5}, // 4.5 g
		{150, 6.75}, {200, 9}, // 4.5 %
		{250, 9}, {300, 9}, // 9 g
		{400, 12}, {500, 15}, // 3 %
		{750, 15}, {1000, 15}, // 15 g
		{1045, 15.675}, {2000, 30}, {10000, 150}, // 1.5 %
		{12000, 150}, {15000, 150}, // 150 g
		{20000, 200}, // beyond the table: 1 %
	} {
		if got := TNE(tc.q); abs(got-tc.want) > 1e-9 {
			t.Errorf("TNE(%g) = %g, want %g", tc.q, got, tc.want)
		}
	}
	for _, tc := range []struct{ q, want float64 }{{10, 1}, {100, 2.25}, {500, 7.5}, {1000, 7.5}, {5000, 37.5}} {
		if got := UnitSD(tc.q); abs(got-tc.want) > 1e-9 {
			t.Errorf("UnitSD(%g) = %g, want %g", tc.q, got, tc.want)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestReading: the scale shows the nearest division of load plus noise.
func TestReading(t *testing.T) {
	for _, tc := range []struct {
		g, noise  float64
		div, want int
	}{
		{0, 0, 5, 0}, {2.4, 0, 5, 0}, {2.5, 0, 5, 5}, {7.4, 0, 5, 5}, {7.6, 0, 5, 10},
		{100, 0.9, 2, 100}, {100, 1.1, 2, 102}, {1003, -1.2, 5, 1000}, {-3, 0, 5, -5},
		{451, 0, 10, 450}, {455, 0, 10, 460}, {12.3, 0, 1, 12}, {12.3, 0, 0, 12},
	} {
		if got := Reading(tc.g, tc.noise, tc.div); got != tc.want {
			t.Errorf("Reading(%g, %g, %d) = %d, want %d", tc.g, tc.noise, tc.div, got, tc.want)
		}
	}
}

// TestBiasClipped: the packaging bias stays within ±10 %, spread about 3 %.
func TestBiasClipped(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var sum2 float64
	const n = 20000
	for range n {
		b := bias(r)
		if b < -0.10 || b > 0.10 {
			t.Fatalf("bias %g", b)
		}
		sum2 += b * b
	}
	if sd := sum2 / n; sd < 0.025*0.025 || sd > 0.035*0.035 {
		t.Fatalf("bias variance %g", sd)
	}
}

// TestDeterministic: a seed is one day; another seed another.
func TestDeterministic(t *testing.T) {
	a := Run(Config{Seed: 42, Transactions: 60})
	b := Run(Config{Seed: 42, Transactions: 60})
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, two days:\n%+v\n%+v", a, b)
	}
	if c := Run(Config{Seed: 43, Transactions: 60}); reflect.DeepEqual(a.Fixed, c.Fixed) {
		t.Fatal("another seed, the same day")
	}
	if a.Fixed.Items != a.Learned.Items || a.Fixed.Transactions != 60 || a.Fixed.Catch[Swap].Acts != a.Learned.Catch[Swap].Acts {
		t.Fatalf("the modes saw different days: %+v %+v", a.Fixed, a.Learned)
	}
}

// TestNoTheftNoCatch: without thieves every alert is false and no act is counted.
func TestNoTheftNoCatch(t *testing.T) {
	r := Run(Config{Seed: 5, Transactions: 50, TheftShare: -1})
	for _, m := range []Mode{r.Fixed, r.Learned} {
		if m.Alerts != m.FalseAlerts {
			t.Errorf("%s: %d alerts, %d false", m.Name, m.Alerts, m.FalseAlerts)
		}
		for _, k := range Thefts {
			if m.Catch[k].Acts != 0 || m.Catch[k].Rate != 1 {
				t.Errorf("%s: %s %+v", m.Name, k, m.Catch[k])
			}
		}
	}
}

// TestTarget: learned tolerances raise at most half the false alerts per 100
// items of fixed ones, on the default day and over twenty days (fewer on a
// short day, mostly spent learning); over the twenty days (about 200 acts of each kind: a day holds about
// ten, too few to compare rates on) they catch as many swaps and removals as
// fixed ones. Unscanned items are held to within one act: fixed catches one
// (seed 17) only because that product's catalog weight is off, which is what
// learning corrects — the same error raises fixed's false alerts.
func TestTarget(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		days int
	}{{Config{Seed: 1}, 1}, {Config{Seed: 1, Transactions: 150}, 1}, {Config{Seed: 1}, 20}} {
		start := time.Now()
		r := Days(c.cfg, c.days)
		if c.cfg.Transactions != 0 && time.Since(start) > 5*time.Second {
			t.Errorf("the short day took %v", time.Since(start))
		}
		t.Logf("seed %d, %d days, %d transactions: fixed %.2f false/100 items, learned %.2f; caught fixed %v, learned %v",
			r.Seed, c.days, r.Transactions, r.Fixed.FalsePer100, r.Learned.FalsePer100, r.Fixed.Catch, r.Learned.Catch)
		if c.cfg.Transactions != 0 {
			// 150 transactions are mostly the learning phase: fewer, not half.
			if r.Learned.FalsePer100 >= r.Fixed.FalsePer100 {
				t.Errorf("short day: learned %.2f false alerts per 100 items, fixed %.2f", r.Learned.FalsePer100, r.Fixed.FalsePer100)
			}
			continue
		}
		if r.Learned.FalsePer100 > r.Fixed.FalsePer100/2 {
			t.Errorf("%d days: learned %.2f false alerts per 100 items, more than half of fixed %.2f", c.days, r.Learned.FalsePer100, r.Fixed.FalsePer100)
		}
		if c.days < 20 {
			continue
		}
		for _, k := range []Theft{Swap, Removed} {
			if r.Learned.Catch[k].Rate < r.Fixed.Catch[k].Rate {
				t.Errorf("%s: learned caught %+v, fixed %+v", k, r.Learned.Catch[k], r.Fixed.Catch[k])
			}
		}
		if l, f := r.Learned.Catch[Unscanned], r.Fixed.Catch[Unscanned]; l.Caught < f.Caught-1 {
			t.Errorf("unscanned: learned caught %+v, fixed %+v", l, f)
		}
	}
}

// Days adds the days up: the sum of the single days' counts.
func TestDaysAddUp(t *testing.T) {
	a, b := Run(Config{Seed: 5, Transactions: 40}), Run(Config{Seed: 6, Transactions: 40})
	sum := Days(Config{Seed: 5, Transactions: 40}, 2)
	if sum.Transactions != 80 || sum.Learned.Items != a.Learned.Items+b.Learned.Items ||
		sum.Fixed.FalseAlerts != a.Fixed.FalseAlerts+b.Fixed.FalseAlerts ||
		sum.Learned.Catch[Swap].Acts != a.Learned.Catch[Swap].Acts+b.Learned.Catch[Swap].Acts {
		t.Fatalf("sum %+v of %+v and %+v", sum.Learned, a.Learned, b.Learned)
	}
	if want := float64(sum.Fixed.FalseAlerts) * 100 / float64(sum.Fixed.Items); sum.Fixed.FalsePer100 != want {
		t.Fatalf("false/100 %v, want %v", sum.Fixed.FalsePer100, want)
	}
}

// TestSweepTurnsEveryThreshold: two values per threshold, each different
// from the configured one, each day run or refused by Settings.Check.
func TestSweepTurnsEveryThreshold(t *testing.T) {
	calls := 0
	rows := Sweep(Config{Seed: 3, Transactions: 15, Progress: func(done, total int) { calls++ }})
	if len(rows) != 1+2*len(knobs) || calls != len(rows) {
		t.Fatalf("%d rows, %d progress calls", len(rows), calls)
	}
	seen := map[string]int{}
	for _, r := range rows[1:] {
		seen[r.Param]++
		if r.Err == "" && r.Report.Fixed.Items != rows[0].Report.Fixed.Items {
			t.Errorf("%s %s: another basket (%d items)", r.Param, r.Value, r.Report.Fixed.Items)
		}
	}
	for _, p := range SweepParams() {
		if seen[p] != 2 {
			t.Errorf("%s: %d rows", p, seen[p])
		}
	}
}
