package daysim

import (
	"math"
	"strconv"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk/bagging"
)

// SweepRow is the day with one threshold changed (Param "" : as configured).
type SweepRow struct {
	Param  string `json:"param,omitempty"`
	Value  string `json:"value,omitempty"`
	Report Report `json:"report"`
	Err    string `json:"error,omitempty"` // the value is out of range: not run
}

// knob is one threshold of bagging.Settings the sweep turns.
type knob struct {
	name string
	get  func(bagging.Settings) float64
	set  func(*bagging.Settings, float64)
	int  bool
}

var knobs = []knob{
	{"absG", func(s bagging.Settings) float64 { return float64(s.AbsG) }, func(s *bagging.Settings, v float64) { s.AbsG = int(v) }, true},
	{"divisionG", func(s bagging.Settings) float64 { return float64(s.DivisionG) }, func(s *bagging.Settings, v float64) { s.DivisionG = int(v) }, true},
	{"divisions", func(s bagging.Settings) float64 { return float64(s.Divisions) }, func(s *bagging.Settings, v float64) { s.Divisions = int(v) }, true},
	{"pct", func(s bagging.Settings) float64 { return s.Pct }, func(s *bagging.Settings, v float64) { s.Pct = v }, false},
	{"windowS", func(s bagging.Settings) float64 { return time.Duration(s.Window).Seconds() },
		func(s *bagging.Settings, v float64) { s.Window = bagging.Duration(secs(v)) }, false},
	{"ownBagMaxG", func(s bagging.Settings) float64 { return float64(s.OwnBagMaxG) }, func(s *bagging.Settings, v float64) { s.OwnBagMaxG = int(v) }, true},
	{"minSamples", func(s bagging.Settings) float64 { return float64(s.MinSamples) }, func(s *bagging.Settings, v float64) { s.MinSamples = int(v) }, true},
	{"sigmas", func(s bagging.Settings) float64 { return s.Sigmas }, func(s *bagging.Settings, v float64) { s.Sigmas = v }, false},
	{"staffWeight", func(s bagging.Settings) float64 { return s.StaffWeight }, func(s *bagging.Settings, v float64) { s.StaffWeight = v }, false},
	{"boundPct", func(s bagging.Settings) float64 { return s.BoundPct }, func(s *bagging.Settings, v float64) { s.BoundPct = v }, false},
	{"maxWiden", func(s bagging.Settings) float64 { return s.MaxWiden }, func(s *bagging.Settings, v float64) { s.MaxWiden = v }, false},
}

// SweepParams names the thresholds Sweep turns, in order.
func SweepParams() []string {
	var n []string
	for _, k := range knobs {
		n = append(n, k.name)
	}
	return n
}

// sweepValues are a knob's lower and higher values: half and twice the
// configured one (an integer rounded, a whole-number setting at least 1
// apart), at least 2 for minSamples and 1 for maxWiden.
func (k knob) values(base float64) []float64 {
	lo, hi := base/2, base*2
	if k.int {
		lo, hi = math.Floor(lo), math.Ceil(hi)
		if lo >= base {
			lo = base - 1
		}
	}
	switch k.name {
	case "minSamples":
		lo = max(lo, 2)
	case "maxWiden", "staffWeight", "sigmas":
		lo = max(lo, 1)
	}
	var vs []float64
	for _, v := range []float64{lo, hi} {
		if v != base && (len(vs) == 0 || vs[0] != v) {
			vs = append(vs, v)
		}
	}
	return vs
}

// Sweep runs the day as configured and then with each threshold at a lower
// and a higher value, every other threshold as configured; the first row is
// the day as configured. cfg.Progress hears of each day done.
func Sweep(cfg Config) []SweepRow {
	cfg = cfg.withDefaults()
	if cfg.Catalog == nil {
		cfg.Catalog = DemoCatalog()
	}
	type job struct {
		k knob
		v float64
	}
	jobs := []job{{}}
	for _, k := range knobs {
		for _, v := range k.values(k.get(cfg.Settings)) {
			jobs = append(jobs, job{k, v})
		}
	}
	rows := make([]SweepRow, 0, len(jobs))
	for i, j := range jobs {
		c := cfg
		row := SweepRow{}
		if j.k.name != "" {
			j.k.set(&c.Settings, j.v)
			row.Param, row.Value = j.k.name, strconv.FormatFloat(j.v, 'f', -1, 64)
		}
		if err := c.Settings.Check(); err != nil {
			row.Err = err.Error()
		} else {
			row.Report = Run(c)
		}
		rows = append(rows, row)
		if cfg.Progress != nil {
			cfg.Progress(i+1, len(jobs))
		}
	}
	return rows
}
