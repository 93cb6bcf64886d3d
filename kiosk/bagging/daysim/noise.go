package daysim

import (
	"math"
	"math/rand/v2"
)

// TNE is the tolerable negative error in grams for a nominal quantity of
// nominalG grams (Directive 76/211/EEC, Annex I). Below 5 g, where the
// directive has no figure, it is 15 %; above 15 kg 1 %.
func TNE(nominalG float64) float64 {
	q := nominalG
	switch {
	case q <= 0:
		return 0
	case q < 5:
		return q * 0.15
	case q <= 50:
		return q * 0.09
	case q <= 100:
		return 4.5
	case q <= 200:
		return q * 0.045
	case q <= 300:
		return 9
	case q <= 500:
		return q * 0.03
	case q <= 1000:
		return 15
	case q <= 10000:
		return q * 0.015
	case q <= 15000:
		return 150
	}
	return q * 0.01
}

// UnitSD is the spread of one unit's weight around its product's mean:
// half the TNE, at least 1 g.
func UnitSD(nominalG float64) float64 { return math.Max(TNE(nominalG)/2, 1) }

// Reading is what a scale of divisionG steps shows for a true load of
// grams, given noise already drawn (grams): the nearest division, halves
// away from zero.
func Reading(grams, noise float64, divisionG int) int {
	d := float64(max(divisionG, 1))
	return int(math.Round((grams+noise)/d) * d)
}

// bias draws a product's packaging bias b ~ N(0, 3 %) clipped to ±10 %.
func bias(r *rand.Rand) float64 {
	return math.Max(-0.10, math.Min(0.10, r.NormFloat64()*0.03))
}

// uniform draws from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// chance is true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// poisson draws a Poisson count of mean m (Knuth; m is small).
func poisson(r *rand.Rand, m float64) int {
	l, k, p := math.Exp(-m), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// lognormalMedian draws a lognormal of the given median and log-spread.
func lognormalMedian(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}
