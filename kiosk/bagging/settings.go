// Package bagging holds the bagging-area security rules of a lane — what a
// settled weight on the bagging scale means after the scans before it — and
// the per-product weight learning that keeps their tolerances honest.
//
// It does no I/O and reads no clock: the lane hands it scans, settled weights
// and the time, and journals what it says. The same code runs in the lane and
// in the synthetic store day (kiosk simulate-day).
//
// Grounding for the default tolerances: EU prepackage law (Directive
// 76/211/EEC, Annex I, the ℮ mark) lets a pack's content fall short of its
// nominal by a tolerable negative error of 9 % (5–50 g), 4.5 g (50–100 g),
// 4.5 % (100–200 g), 9 g (200–300 g), 3 % (300–500 g), 15 g (500 g–1 kg),
// 1.5 % (1–10 kg) and 150 g (10–15 kg); packaging adds its own spread, and
// bagging scales weigh in divisions of 2–5 g. A tolerance tighter than that is
// a false-alarm generator.
package bagging

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Settings are the bagging thresholds of a lane. The zero value of a field
// means its default (see Defaults); Settings.Check reports nonsense.
type Settings struct {
	// AbsG is the smallest tolerance in grams (default 10). A catalog row's
	// weight_tolerance_g replaces it for that product.
	AbsG int `json:"absG"`
	// DivisionG is the bagging scale's division in grams (default 5): it
	// shows weights in steps of this.
	DivisionG int `json:"divisionG"`
	// Divisions is the tolerance in scale divisions (default 2).
	Divisions int `json:"divisions"`
	// Pct is the tolerance in percent of the expected weight (default 5).
	Pct float64 `json:"pct"`
	// NoiseG: a settled change of at most this many grams is no change
	// (default 5): a touch, a bag settling.
	NoiseG int `json:"noiseG"`
	// Window is how long after a scan the item may take to settle in the
	// bagging area before it counts as not bagged (default 20 s: shoppers
	// who pack as they go take their time, and every alert for it is a false one).
	Window Duration `json:"windowS"`
	// OwnBagMaxG is the heaviest own bag that is tared at the start
	// (default 700 g: a cool bag; reusable bags weigh 30–600 g); heavier is
	// an unexpected item. An unscanned item lighter than this could pass as a
	// bag before the first scan, as at any lane that tares own bags.
	OwnBagMaxG int `json:"ownBagMaxG"`
	// Learn turns on the learned tolerances (default on; "learn": false
	// keeps the fixed ones, and nothing is learned).
	Learn *bool `json:"learn,omitempty"`
	// MinSamples is how many accepted observations a product needs before
	// its learned mean and tolerance are used (default 3; a weight confirmed
	// by staff counts StaffWeight).
	MinSamples int `json:"minSamples"`
	// Sigmas is the learned tolerance in standard deviations of the
	// product's learned spread (default 3).
	Sigmas float64 `json:"sigmas"`
	// MaxWeight bounds how much the past counts: older observations fade
	// once this many (weighted) are learned (default 50).
	MaxWeight float64 `json:"maxWeight"`
	// StaffWeight is how many observations a weight confirmed by staff
	// counts as (default 5).
	StaffWeight float64 `json:"staffWeight"`
	// BoundPct keeps a learned mean within this many percent of the
	// catalog's weight (default 25): no run of shoppers teaches the lane
	// that a bottle weighs nothing.
	BoundPct float64 `json:"boundPct"`
	// MaxWiden bounds a learned tolerance to this many times the fixed one
	// (default 3).
	MaxWiden float64 `json:"maxWiden"`
	// PerTxn is how many observations of one product one transaction may
	// teach (default 2).
	PerTxn int `json:"perTxn"`
}

// Duration is a time span written in whole or decimal seconds in JSON.
type Duration time.Duration

// MarshalJSON writes the span in seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(d)/float64(time.Second), 'f', -1, 64), nil
}

// UnmarshalJSON reads a span in seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s float64
	if _, err := fmt.Sscan(string(b), &s); err != nil || math.IsNaN(s) || s < 0 || s > 3600 {
		return fmt.Errorf("bagging: a duration is 0–3600 seconds, got %s", b)
	}
	*d = Duration(time.Duration(math.Round(s * float64(time.Second))))
	return nil
}

// Defaults are the thresholds a lane uses unless configured otherwise.
func Defaults() Settings {
	on := true
	return Settings{AbsG: 10, DivisionG: 5, Divisions: 2, Pct: 5, NoiseG: 5, Window: Duration(20 * time.Second),
		OwnBagMaxG: 700, Learn: &on, MinSamples: 3, Sigmas: 3, MaxWeight: 50, StaffWeight: 5, BoundPct: 25, MaxWiden: 3, PerTxn: 2}
}

// WithDefaults returns s with every zero field set to its default.
func (s Settings) WithDefaults() Settings {
	d := Defaults()
	if s.AbsG == 0 {
		s.AbsG = d.AbsG
	}
	if s.DivisionG == 0 {
		s.DivisionG = d.DivisionG
	}
	if s.Divisions == 0 {
		s.Divisions = d.Divisions
	}
	if s.Pct == 0 {
		s.Pct = d.Pct
	}
	if s.NoiseG == 0 {
		s.NoiseG = d.NoiseG
	}
	if s.Window == 0 {
		s.Window = d.Window
	}
	if s.OwnBagMaxG == 0 {
		s.OwnBagMaxG = d.OwnBagMaxG
	}
	if s.Learn == nil {
		s.Learn = d.Learn
	}
	if s.MinSamples == 0 {
		s.MinSamples = d.MinSamples
	}
	if s.Sigmas == 0 {
		s.Sigmas = d.Sigmas
	}
	if s.MaxWeight == 0 {
		s.MaxWeight = d.MaxWeight
	}
	if s.StaffWeight == 0 {
		s.StaffWeight = d.StaffWeight
	}
	if s.BoundPct == 0 {
		s.BoundPct = d.BoundPct
	}
	if s.MaxWiden == 0 {
		s.MaxWiden = d.MaxWiden
	}
	if s.PerTxn == 0 {
		s.PerTxn = d.PerTxn
	}
	return s
}

// Learning reports whether learned tolerances are on.
func (s Settings) Learning() bool { return s.Learn == nil || *s.Learn }

// Check reports a threshold out of its sensible range (after WithDefaults).
func (s Settings) Check() error {
	bad := func(name string, lo, hi float64, v float64) error {
		if math.IsNaN(v) || v < lo || v > hi {
			return fmt.Errorf("bagging: %s must be %g–%g, got %g", name, lo, hi, v)
		}
		return nil
	}
	for _, c := range []struct {
		name   string
		lo, hi float64
		v      float64
	}{
		{"absG", 1, 1000, float64(s.AbsG)},
		{"divisionG", 1, 100, float64(s.DivisionG)},
		{"divisions", 1, 20, float64(s.Divisions)},
		{"pct", 0.1, 50, s.Pct},
		{"noiseG", 1, 100, float64(s.NoiseG)},
		{"windowS", 1, 120, time.Duration(s.Window).Seconds()},
		{"ownBagMaxG", 1, 5000, float64(s.OwnBagMaxG)},
		{"minSamples", 2, 1000, float64(s.MinSamples)},
		{"sigmas", 1, 10, s.Sigmas},
		{"maxWeight", 2, 10000, s.MaxWeight},
		{"staffWeight", 1, 100, s.StaffWeight},
		{"boundPct", 1, 100, s.BoundPct},
		{"maxWiden", 1, 10, s.MaxWiden},
		{"perTxn", 1, 100, float64(s.PerTxn)},
	} {
		if err := bad(c.name, c.lo, c.hi, c.v); err != nil {
			return err
		}
	}
	if s.StaffWeight >= s.MaxWeight {
		return fmt.Errorf("bagging: staffWeight (%g) must be below maxWeight (%g)", s.StaffWeight, s.MaxWeight)
	}
	if s.NoiseG >= s.AbsG && s.NoiseG >= s.Divisions*s.DivisionG {
		return fmt.Errorf("bagging: noiseG (%d g) must be below the smallest tolerance (absG %d g or %d divisions of %d g)", s.NoiseG, s.AbsG, s.Divisions, s.DivisionG)
	}
	return nil
}

// FixedTolerance is the tolerance for an item expected to weigh expectedG:
// the largest of the absolute grams (the catalog's own tolerance when it has
// one, else AbsG), Divisions scale divisions and Pct percent.
func (s Settings) FixedTolerance(expectedG, catalogTolG int) int {
	abs := s.AbsG
	if catalogTolG > 0 {
		abs = catalogTolG
	}
	t := max(abs, s.Divisions*s.DivisionG)
	pct := int(math.Ceil(float64(expectedG) * s.Pct / 100))
	return max(t, pct)
}
