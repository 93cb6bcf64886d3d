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

// PriorWeight is how many observations the fixed tolerance counts as in a
// learned spread: with few observations the spread leans on the fixed
// tolerance (a product learned from three identical readings is not taken to
// weigh exactly that), with many it is the product's own.
const PriorWeight = 2

// Expect returns what a unit of p should weigh with what is learned of it.
// With Learn on and observations weighing at least MinSamples (a weight staff
// confirmed counts StaffWeight), the learned mean and Sigmas × the learned
// spread are used: the spread of the readings (scale rounding included),
// blended with the fixed tolerance as PriorWeight observations, never
// narrower than Divisions scale divisions nor wider than MaxWiden × the fixed
// tolerance. Otherwise the catalog weight and the fixed tolerance. A product
// without a catalog weight has none (G 0: any settled increase is taken as
// it) and learns nothing: counter goods vary too much to be told by weight.
func (s Settings) Expect(p Product, st Stats) Expectation {
	if p.WeightG <= 0 {
		return Expectation{}
	}
	fixed := s.FixedTolerance(p.WeightG, p.ToleranceG)
	if s.Learning() && st.Weight >= float64(s.MinSamples) {
		sd0 := float64(fixed) / s.Sigmas
		sd := math.Sqrt((st.M2 + PriorWeight*sd0*sd0) / (st.Weight + PriorWeight))
		tol := int(math.Ceil(s.Sigmas * sd))
		tol = max(tol, s.Divisions*s.DivisionG)
		tol = min(tol, int(s.MaxWiden*float64(fixed)))
		return Expectation{G: int(math.Round(st.Mean)), TolG: tol, Lrnd: true}
	}
	return Expectation{G: p.WeightG, TolG: fixed}
}

// ItemFor is what one scanned unit of line should add to the bagging area: a
// unit whose weight is known for itself (weighed at the counter or on the
// produce scale, weighedG > 0) is expected at that weight with the fixed
// tolerance, not at its product's learned mean; any other at Expect of its
// product, under gtin, so that what it weighs can be learned.
func (s Settings) ItemFor(line int, gtin string, weighedG int, p Product, st Stats) Item {
	it := Item{Line: line}
	if weighedG > 0 {
		it.G, it.TolG = weighedG, s.FixedTolerance(weighedG, 0)
		return it
	}
	e := s.Expect(p, st)
	it.GTIN, it.G, it.TolG, it.Lrnd = gtin, e.G, e.TolG, e.Lrnd
	return it
}

// Observe takes one observation of grams with weight w (1, or StaffWeight
// for a weight staff confirmed) into st and reports whether it counted. An
// observation is refused when it is not positive, for a product without a
// catalog weight, when it lies outside the bounds around the catalog weight,
// or — once MinSamples are learned and it is
// not staff's — when it lies further from the learned mean than the learned
// tolerance (an outlier: a shopper who put two in at once, a hand on the
// scale).
func (s Settings) Observe(st *Stats, p Product, grams int, w float64) bool {
	if grams <= 0 || !(w > 0) || math.IsInf(w, 0) || p.WeightG <= 0 {
		return false
	}
	x := float64(grams)
	if b := float64(p.WeightG) * s.BoundPct / 100; math.Abs(x-float64(p.WeightG)) > b {
		return false
	}
	if st.Weight >= float64(s.MinSamples) && w < s.StaffWeight {
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
