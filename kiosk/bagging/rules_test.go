package bagging

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

// step is one input to a Checker: a scan, a settled reading or a tick.
type step struct {
	scan   *Item // scanned at the step's time
	settle int   // grams (with set)
	set    bool
	at     time.Duration // the step's time after t0
	paid   bool
	// want: the open issue's kind after the step ("" none); corrected: the
	// step closed an issue as corrected.
	want      Kind
	corrected bool
	accepted  int // items the step accepted
}

func item(line, g, tol int) *Item {
	return &Item{Line: line, GTIN: "0400000000000" + string(rune('0'+line)), G: g, TolG: tol}
}

func TestCheckerRules(t *testing.T) {
	s := Defaults()
	for _, tc := range []struct {
		name   string
		ownBag bool
		steps  []step
	}{
		{"at the tolerance's edge accepted", false, []step{{scan: item(1, 500, 25)}, {settle: 525, set: true, accepted: 1}}},
		{"one gram past it a mismatch", false, []step{{scan: item(1, 500, 25)}, {settle: 526, set: true, want: Mismatch}}},
		{"below by the tolerance accepted", false, []step{{scan: item(1, 500, 25)}, {settle: 475, set: true, accepted: 1}}},
		{"two bagged together: root-sum-square tolerance", false, []step{
			{scan: item(1, 500, 30)}, {scan: item(2, 300, 40)}, {settle: 850, set: true, accepted: 2}}}, // |850-800| = 50 ≤ √(30²+40²)
		{"two together, just past it", false, []step{
			{scan: item(1, 500, 30)}, {scan: item(2, 300, 40)}, {settle: 851, set: true, want: Mismatch}}},
		{"an increase with no scan", false, []step{{settle: 200, set: true, want: Unexpected}}},
		{"taken away again: corrected", false, []step{{settle: 200, set: true, want: Unexpected}, {settle: 0, set: true, corrected: true}}},
		{"a decrease before payment", false, []step{{scan: item(1, 500, 25)}, {settle: 500, set: true, accepted: 1}, {settle: 0, set: true, want: Removed}}},
		{"after payment the bags go", false, []step{{scan: item(1, 500, 25)}, {settle: 500, set: true, accepted: 1}, {paid: true}, {settle: 0, set: true}}},
		{"not bagged exactly at the window's end", false, []step{
			{scan: item(1, 500, 25)}, {at: time.Duration(s.Window) - 1}, {at: time.Duration(s.Window), want: NotBagged},
			{at: time.Duration(s.Window) + time.Second, settle: 500, set: true, corrected: true, accepted: 1}}},
		{"an issue of another kind replaces the open one", false, []step{
			{scan: item(1, 500, 25)}, {settle: 500, set: true, accepted: 1}, {settle: 900, set: true, want: Unexpected}, {settle: 100, set: true, want: Removed}}},
		{"own bag tared", true, []step{{settle: 300, set: true}, {scan: item(1, 500, 25)}, {settle: 800, set: true, accepted: 1}}},
		{"own bag too heavy", true, []step{{settle: s.OwnBagMaxG + 1, set: true, want: Unexpected}}},
		{"no bag after the first item", true, []step{{scan: item(1, 500, 25)}, {settle: 500, set: true, accepted: 1}, {settle: 800, set: true, want: Unexpected}}},
		{"noise is no change", false, []step{{settle: s.NoiseG, set: true}}},
		{"an item of unknown weight takes any increase", false, []step{{scan: &Item{Line: 1}}, {settle: 1234, set: true, accepted: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Start(0, tc.ownBag)
			for i, st := range tc.steps {
				now := t0.Add(st.at)
				var v Verdict
				switch {
				case st.scan != nil:
					c.Scanned(s, *st.scan, now)
				case st.paid:
					v = c.PaidNow()
				case st.set:
					v = c.Settled(s, st.settle, now)
				default:
					v = c.Tick(now)
				}
				got := Kind("")
				if c.Issue != nil {
					got = c.Issue.Kind
				}
				if got != st.want || v.Corrected != st.corrected || len(v.Accepted) != st.accepted {
					t.Fatalf("step %d: issue %q corrected %v accepted %d; want %q %v %d", i, got, v.Corrected, len(v.Accepted), st.want, st.corrected, st.accepted)
				}
			}
		})
	}
}

// Staff clearing a one-item mismatch take the area as it is and give its
// weight to learn; a voided unit on its way is no longer expected; a credited
// one may leave.
func TestCheckerStaffAndVoids(t *testing.T) {
	s := Defaults()
	c := Start(0, false)
	c.Scanned(s, *item(1, 500, 25), t0)
	c.Settled(s, 560, t0)
	v := c.Cleared()
	if v.Closed == nil || v.Observed != 560 || len(v.Accepted) != 1 || c.RefG != 560 || len(c.Pending) != 0 {
		t.Fatalf("cleared: %+v, checker %+v", v, c)
	}
	c.Scanned(s, *item(2, 300, 20), t0)
	if !c.Unexpect(2) || c.Unexpect(2) || !c.NextDue().IsZero() {
		t.Fatalf("unexpect: %+v", c)
	}
	c.Credit(*item(1, 560, 25))
	if v := c.Settled(s, 0, t0); c.Issue != nil || v.Opened != nil || len(c.Credits) != 0 {
		t.Fatalf("credited removal: %+v %+v", v, c)
	}
}

// Clone shares nothing with the original.
func TestCheckerClone(t *testing.T) {
	s := Defaults()
	c := Start(0, false)
	c.Scanned(s, *item(1, 500, 25), t0)
	c.Credit(*item(2, 300, 20))
	c.Settled(s, 2000, t0)
	c.CountLearned("x")
	d := c.Clone()
	d.Pending[0].G, d.Credits[0].G, d.Issue.DeltaG = 1, 1, 1
	d.CountLearned("x")
	d.Learned["x"] = 7 // even written in place
	if c.Pending[0].G != 500 || c.Credits[0].G != 300 || c.Issue.DeltaG != 2000 || c.Learned["x"] != 1 {
		t.Fatalf("the clone changed the original: %+v", c)
	}
	b, _ := json.Marshal(c)
	var back Checker
	if err := json.Unmarshal(b, &back); err != nil || back.RefG != c.RefG || len(back.Pending) != 1 || back.Issue.Kind != Mismatch {
		t.Fatalf("JSON round trip: %v %+v", err, back)
	}
}

func TestFixedTolerance(t *testing.T) {
	s := Defaults()
	for _, tc := range []struct{ g, catalog, want int }{
		{100, 0, 10},   // absG and 2 × 5 g
		{1045, 0, 53},  // 5 %
		{1045, 25, 53}, // 5 % over the catalog's 25 g
		{200, 25, 25},  // the catalog's
		{5000, 0, 250}, // 5 %
		{0, 0, 10},     // nothing known: the floor
		{40, 300, 300}, // the catalog's, however wide
	} {
		if got := s.FixedTolerance(tc.g, tc.catalog); got != tc.want {
			t.Errorf("FixedTolerance(%d, %d) = %d, want %d", tc.g, tc.catalog, got, tc.want)
		}
	}
}

func TestSettingsCheck(t *testing.T) {
	if err := Defaults().Check(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range []struct {
		edit func(*Settings)
		want string
	}{
		{func(s *Settings) { s.AbsG = -1 }, "absG"},
		{func(s *Settings) { s.DivisionG = 500 }, "divisionG"},
		{func(s *Settings) { s.Divisions = 50 }, "divisions"},
		{func(s *Settings) { s.Pct = 60 }, "pct"},
		{func(s *Settings) { s.Window = Duration(10 * time.Minute) }, "windowS"},
		{func(s *Settings) { s.OwnBagMaxG = 9000 }, "ownBagMaxG"},
		{func(s *Settings) { s.MinSamples = 1 }, "minSamples"},
		{func(s *Settings) { s.Sigmas = 20 }, "sigmas"},
		{func(s *Settings) { s.MaxWeight = 1 }, "maxWeight"},
		{func(s *Settings) { s.StaffWeight = 500 }, "staffWeight"},
		{func(s *Settings) { s.BoundPct = 200 }, "boundPct"},
		{func(s *Settings) { s.MaxWiden = 0.5 }, "maxWiden"},
		{func(s *Settings) { s.PerTxn = 0 }, "perTxn"},
		{func(s *Settings) { s.NoiseG = 20 }, "noiseG"},
		{func(s *Settings) { s.StaffWeight, s.MaxWeight = 60, 50 }, "staffWeight"},
	} {
		s := Defaults()
		tc.edit(&s)
		if err := s.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v", tc.want, err)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	var d Duration
	if err := json.Unmarshal([]byte("12.5"), &d); err != nil || time.Duration(d) != 12500*time.Millisecond {
		t.Fatalf("%v %v", d, err)
	}
	if b, _ := json.Marshal(d); string(b) != "12.5" {
		t.Fatalf("%s", b)
	}
	// Decimal seconds are rounded to the nanosecond, not cut short.
	for _, sec := range []string{"1.005", "1.235", "0.001"} {
		var d Duration
		if err := json.Unmarshal([]byte(sec), &d); err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(d); string(b) != sec {
			t.Errorf("%s s read back as %s", sec, b)
		}
	}
	for _, bad := range []string{"-1", "4000", `"10"`, "NaN"} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// A verdict's opened issue is its own: a later reading of the same kind
// updates the checker's issue, not what an earlier verdict said.
func TestVerdictOwnsItsIssue(t *testing.T) {
	s := Defaults()
	c := Start(0, false)
	v := c.Settled(s, 300, t0)
	c.Settled(s, 700, t0)
	if v.Opened.DeltaG != 300 || c.Issue.DeltaG != 700 {
		t.Fatalf("verdict %+v, checker %+v", v.Opened, c.Issue)
	}
}

// A touch on the scale while an item is not bagged leaves the alert open:
// it is not corrected until the item arrives.
func TestNotBaggedSurvivesATouch(t *testing.T) {
	s := Defaults()
	c := Start(0, false)
	c.Scanned(s, *item(1, 500, 25), t0)
	due := t0.Add(time.Duration(s.Window))
	if v := c.Tick(due); v.Opened == nil || v.Opened.Kind != NotBagged {
		t.Fatalf("tick: %+v", v)
	}
	if v := c.Settled(s, s.NoiseG, due.Add(time.Second)); v.Closed != nil || c.Issue == nil {
		t.Fatalf("a touch closed it: %+v", v)
	}
	if v := c.Settled(s, 500, due.Add(2*time.Second)); !v.Corrected || len(v.Accepted) != 1 || c.Issue != nil {
		t.Fatalf("the item arriving: %+v", v)
	}
}

// A unit weighed for itself is expected at its own weight and not learned;
// any other at its product's expectation, under its GTIN.
func TestItemFor(t *testing.T) {
	s := Defaults()
	p := Product{WeightG: 1045, ToleranceG: 25}
	learned := Stats{N: 10, Weight: 10, Mean: 1090}
	if it := s.ItemFor(3, "04011", 512, p, learned); it.G != 512 || it.TolG != 26 || it.GTIN != "" || it.Line != 3 {
		t.Fatalf("weighed: %+v", it)
	}
	if it := s.ItemFor(4, "04063658814593", 0, p, learned); it.G != 1090 || !it.Lrnd || it.GTIN != "04063658814593" {
		t.Fatalf("packaged: %+v", it)
	}
}
