package bagging

import (
	"math"
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"
)

// drawProduct draws a catalog product of 20 g to 5 kg, with or without its
// own tolerance.
func drawProduct(t *rapid.T) Product {
	w := rapid.IntRange(20, 5000).Draw(t, "weightG")
	tol := rapid.SampledFrom([]int{0, 0, rapid.IntRange(1, 200).Draw(t, "catalogTolG")}).Draw(t, "tol")
	return Product{WeightG: w, ToleranceG: tol}
}

func checkStats(t *rapid.T, s Settings, p Product, st Stats) {
	if st.Weight > s.MaxWeight+1e-9 || st.M2 < 0 || math.IsNaN(st.Mean) || math.IsNaN(st.M2) {
		t.Fatalf("stats out of shape: %+v", st)
	}
	if st.N > 0 {
		b := float64(p.WeightG) * s.BoundPct / 100
		if math.Abs(st.Mean-float64(p.WeightG)) > b+1e-9 {
			t.Fatalf("mean %.1f more than %.0f %% from the catalog's %d g", st.Mean, s.BoundPct, p.WeightG)
		}
	}
	e := s.Expect(p, st)
	fixed := s.FixedTolerance(p.WeightG, p.ToleranceG)
	floor := s.Divisions * s.DivisionG
	if e.Lrnd && (e.TolG < min(floor, int(s.MaxWiden*float64(fixed))) || e.TolG > int(s.MaxWiden*float64(fixed))) {
		t.Fatalf("learned tolerance %d g outside [%d, %d×%d]", e.TolG, floor, int(s.MaxWiden), fixed)
	}
	if !e.Lrnd && (e.G != p.WeightG || e.TolG != fixed) {
		t.Fatalf("unlearned expectation %+v, want the catalog's %d ± %d", e, p.WeightG, fixed)
	}
}

// Bounded: whatever is observed — any grams, any weights, staff's too — the
// learned mean stays within BoundPct of the catalog weight, the weight under
// MaxWeight, and the tolerance within its floor and MaxWiden × the fixed one.
func TestLearningIsBounded(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := Defaults()
		p := drawProduct(t)
		var st Stats
		n := rapid.IntRange(0, 300).Draw(t, "observations")
		for i := range n {
			g := rapid.OneOf(
				rapid.IntRange(math.MinInt32, math.MaxInt32),
				rapid.IntRange(p.WeightG*3/4, p.WeightG*5/4),
				rapid.IntRange(0, 2*p.WeightG),
			).Draw(t, "grams")
			w := rapid.SampledFrom([]float64{1, 1, 1, s.StaffWeight, 0, -1, math.NaN(), math.Inf(1)}).Draw(t, "weight")
			s.Observe(&st, p, g, w)
			_ = i
			checkStats(t, s, p, st)
		}
	})
}

// Outliers are ignored: once a product is learned, an observation outside its
// learned tolerance (not staff's) is refused and changes nothing.
func TestLearningIgnoresOutliers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := Defaults()
		p := drawProduct(t)
		var st Stats
		for range s.MinSamples + rapid.IntRange(0, 20).Draw(t, "extra") {
			if !s.Observe(&st, p, p.WeightG+rapid.IntRange(-2, 2).Draw(t, "jitter"), 1) {
				t.Fatal("a stable observation was refused")
			}
		}
		e := s.Expect(p, st)
		if !e.Lrnd {
			t.Fatalf("not learned after %d observations", st.N)
		}
		off := e.TolG + rapid.IntRange(1, p.WeightG).Draw(t, "beyond")
		if rapid.Bool().Draw(t, "below") {
			off = -off
		}
		before := st
		if s.Observe(&st, p, e.G+off, 1) {
			t.Fatalf("an outlier %+d g off %d ± %d was learned", off, e.G, e.TolG)
		}
		if st != before {
			t.Fatalf("a refused observation changed %+v to %+v", before, st)
		}
	})
}

// Converges: a stable product's observations from N(mu, sd) give a learned
// mean near mu and a tolerance of about Sigmas × sd (never below the floor,
// and leaning on the fixed tolerance only as PriorWeight observations).
func TestLearningConverges(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := Defaults()
		p := Product{WeightG: rapid.IntRange(100, 3000).Draw(t, "weightG")}
		mu := float64(p.WeightG) * (1 + rapid.Float64Range(-0.1, 0.1).Draw(t, "bias"))
		sd := rapid.Float64Range(0.5, float64(p.WeightG)*0.01).Draw(t, "sd")
		r := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1))
		var st Stats
		for range 400 {
			s.Observe(&st, p, int(math.Round(mu+sd*r.NormFloat64())), 1)
		}
		e := s.Expect(p, st)
		// The mean of the last ~MaxWeight observations: its error is about
		// sd/√50, plus rounding.
		if d := math.Abs(float64(e.G) - mu); d > 1+4*sd/math.Sqrt(s.MaxWeight) {
			t.Fatalf("learned %d g for a product of %.1f ± %.1f g", e.G, mu, sd)
		}
		fixed := float64(s.FixedTolerance(p.WeightG, 0))
		blended := math.Sqrt((s.MaxWeight*sd*sd + PriorWeight*math.Pow(fixed/s.Sigmas, 2)) / (s.MaxWeight + PriorWeight))
		hi := math.Max(s.Sigmas*blended*1.5, float64(s.Divisions*s.DivisionG)) + 1
		if e.TolG < s.Divisions*s.DivisionG || float64(e.TolG) > hi {
			t.Fatalf("tolerance %d g for sd %.1f g (fixed %.0f g): want %d–%.0f", e.TolG, sd, fixed, s.Divisions*s.DivisionG, hi)
		}
	})
}

// One shopper cannot teach: from a learned state, the PerTxn observations one
// transaction may add — each at the very edge of the tolerance — move the
// mean by at most PerTxn × tolerance × 1/(Weight+1) of the way, and the
// tolerance stays within MaxWiden × the fixed one.
func TestOneShopperCannotTeach(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := Defaults()
		p := drawProduct(t)
		var st Stats
		for range rapid.IntRange(s.MinSamples, 100).Draw(t, "history") {
			s.Observe(&st, p, p.WeightG, 1)
		}
		e := s.Expect(p, st)
		before := st
		dir := 1
		if rapid.Bool().Draw(t, "down") {
			dir = -1
		}
		for range s.PerTxn {
			cur := s.Expect(p, st)
			s.Observe(&st, p, cur.G+dir*cur.TolG, 1)
		}
		bound := float64(s.PerTxn) * float64(s.MaxWiden*float64(s.FixedTolerance(p.WeightG, p.ToleranceG))) / (before.Weight + 1)
		if moved := math.Abs(st.Mean - before.Mean); moved > bound+0.5 {
			t.Fatalf("%d observations at the edge (%d ± %d) moved the mean %.1f g, bound %.1f g", s.PerTxn, e.G, e.TolG, moved, bound)
		}
		checkStats(t, s, p, st)
	})
}

// A weight staff confirmed counts StaffWeight observations: one is enough to
// be used (MinSamples 3), and it may lie outside the current tolerance.
func TestStaffWeightCounts(t *testing.T) {
	s := Defaults()
	p := Product{WeightG: 1045, ToleranceG: 25}
	var st Stats
	if !s.Observe(&st, p, 1120, s.StaffWeight) || st.Weight != s.StaffWeight || st.N != 1 {
		t.Fatalf("staff observation: %+v", st)
	}
	if e := s.Expect(p, st); !e.Lrnd || e.G != 1120 {
		t.Fatalf("after one staff confirmation: %+v", e)
	}
	// Learned at 1120; staff confirm 1190, further than the tolerance: it counts.
	if e := s.Expect(p, st); 1190-e.G <= e.TolG {
		t.Fatalf("test needs 1190 outside %+v", e)
	}
	if !s.Observe(&st, p, 1190, s.StaffWeight) {
		t.Fatal("a staff-confirmed weight outside the tolerance was refused")
	}
	// A shopper's observation that far is not.
	if s.Observe(&st, p, 1400, 1) {
		t.Fatal("an outlier was learned")
	}
}

// A product without a catalog weight learns nothing and expects nothing.
func TestNoCatalogWeightNoLearning(t *testing.T) {
	s := Defaults()
	var st Stats
	for range 10 {
		if s.Observe(&st, Product{}, 480, 1) {
			t.Fatal("learned a product without a catalog weight")
		}
	}
	if e := s.Expect(Product{}, st); e != (Expectation{}) {
		t.Fatalf("expectation %+v", e)
	}
}

// Fading keeps the weight at MaxWeight: the last observations count most.
func TestLearningFades(t *testing.T) {
	s := Defaults()
	p := Product{WeightG: 1000}
	var st Stats
	for range 200 {
		s.Observe(&st, p, 1000, 1)
	}
	if st.Weight > s.MaxWeight+1e-9 || st.N != 200 {
		t.Fatalf("stats %+v", st)
	}
	// A new real weight within the tolerance (new packaging, 8 g heavier)
	// takes over after a few times MaxWeight observations.
	for range 300 {
		s.Observe(&st, p, 1008, 1)
	}
	if math.Abs(st.Mean-1008) > 1 {
		t.Fatalf("mean %.1f after the change", st.Mean)
	}
	// One further off (another supplier, 30 g heavier) is an outlier to
	// shoppers' observations; staff confirming it a few times teach it.
	for range 50 {
		s.Observe(&st, p, 1038, 1)
	}
	if math.Abs(st.Mean-1008) > 1 {
		t.Fatalf("shoppers' outliers moved the mean to %.1f", st.Mean)
	}
	for i := 0; math.Abs(float64(s.Expect(p, st).G)-1038) > float64(s.Expect(p, st).TolG); i++ {
		if i == 20 {
			t.Fatalf("20 staff confirmations did not teach 1038 g: %+v", s.Expect(p, st))
		}
		s.Observe(&st, p, 1038, s.StaffWeight)
	}
}
