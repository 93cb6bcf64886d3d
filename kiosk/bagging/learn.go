package bagging

import "math"

// Stats is what the lane learned of one product's weight in the bagging
// area: a weighted running mean and spread (West's weighted form of Welford's
// algorithm) of accepted observations. Weight is the sum of the observations'
// weights, capped at Settings.MaxWeight so that old observations fade; N
// counts observations (uncapped).
type Stats struct {
	N      int     `json:"n"`
	Weight float64 `json:"weight"`
	Mean   float64 `json:"mean"`
	M2     float64 `json:"m2"` // weighted sum of squared deviations
}

// Expectation is what one unit of a product should add to the bagging area.
type Expectation struct {
	G    int  // expected grams
	TolG int  // accepted deviation, grams
	Lrnd bool // from learned figures, not the catalog's
}

// Product is what the rules need of a catalog product.
type Product struct {
	WeightG    int // catalog weight, grams; 0: unknown
	ToleranceG int // catalog tolerance, grams; 0: the lane's
}

// SD is the learned standard deviation in grams.
func (st Stats) SD() float64 {
	if st.Weight <= 0 {
		return 0
	}
	return math.Sqrt(st.M2 / st.Weight)
}

// Expect returns what a unit of p should weigh with what is learned of it.
// With Learn on and at least MinSamples observations, the learned mean and
// Sigmas × the learned spread are used — never narrower than Divisions scale
// divisions (nor than AbsG when the catalog knows no weight), never wider than
// MaxWiden × the fixed tolerance. Otherwise the catalog weight and the fixed
// tolerance; a product without a catalog weight and too few observations has
// none (G 0): any settled increase is taken as it.
func (s Settings) Expect(p Product, st Stats) Expectation {
	fixed := s.FixedTolerance(p.WeightG, p.ToleranceG)
	if s.Learning() && st.N >= s.MinSamples {
		mean := int(math.Round(st.Mean))
		floor := s.Divisions * s.DivisionG
		if p.WeightG <= 0 {
			floor = max(floor, s.AbsG)
			fixed = s.FixedTolerance(mean, 0)
		}
		// Half a division of rounding on either reading comes on top.
		tol := int(math.Ceil(s.Sigmas*st.SD() + float64(s.DivisionG)))
		tol = max(tol, floor)
		tol = min(tol, int(s.MaxWiden*float64(fixed)))
		return Expectation{G: mean, TolG: tol, Lrnd: true}
	}
	if p.WeightG <= 0 {
		return Expectation{}
	}
	return Expectation{G: p.WeightG, TolG: fixed}
}

// Observe takes one observation of grams with weight w (1, or StaffWeight
// for a weight staff confirmed) into st and reports whether it counted. An
// observation is refused when it is not positive, when it lies outside the
// bounds around the catalog weight, or — once MinSamples are learned and it is
// not staff's — when it lies further from the learned mean than the learned
// tolerance (an outlier: a shopper who put two in at once, a hand on the
// scale).
func (s Settings) Observe(st *Stats, p Product, grams int, w float64) bool {
	if grams <= 0 || w <= 0 || math.IsNaN(w) {
		return false
	}
	x := float64(grams)
	if p.WeightG > 0 {
		b := float64(p.WeightG) * s.BoundPct / 100
		if math.Abs(x-float64(p.WeightG)) > b {
			return false
		}
	}
	if st.N >= s.MinSamples && w < s.StaffWeight {
		e := s.Expect(p, *st)
		if math.Abs(x-float64(e.G)) > float64(e.TolG) {
			return false
		}
	}
	if st.Weight > 0 && st.Weight+w > s.MaxWeight {
		// Fade the past: scale what is learned down so that the new
		// observation brings the weight back to the cap.
		f := math.Max(s.MaxWeight-w, 1) / st.Weight
		st.Weight *= f
		st.M2 *= f
	}
	st.N++
	st.Weight += w
	d := x - st.Mean
	st.Mean += d * w / st.Weight
	st.M2 += w * d * (x - st.Mean)
	if st.M2 < 0 {
		st.M2 = 0
	}
	return true
}
