package kiosk

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices"
)

func newLaneWith(t *testing.T, edit func(*Config)) *testLane {
	t.Helper()
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	return startLaneWith(t, db, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), edit)
}

// "+" raises a quantity only where the store's rule allows it: each further
// unit is scanned otherwise, and always for age-restricted items.
func TestPlusKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule PlusKeyRule
		code string
		to   int
		ok   bool
	}{
		{"no rule: milk is scanned again", PlusKeyRule{}, milk, 2, false},
		{"milk 1.19 under a 1.50 rule", PlusKeyRule{MaxUnitPrice: decimal.RequireFromString("1.50")}, milk, 2, true},
		{"milk 1.19 up to the rule's quantity", PlusKeyRule{MaxUnitPrice: decimal.RequireFromString("1.50"), MaxQty: 5}, milk, 5, true},
		{"milk 1.19 past the rule's quantity", PlusKeyRule{MaxUnitPrice: decimal.RequireFromString("1.50"), MaxQty: 5}, milk, 6, false},
		{"oat drink 1.69 over a 1.50 rule", PlusKeyRule{MaxUnitPrice: decimal.RequireFromString("1.50")}, oatDrink, 2, false},
		{"beer 0.99 is age-restricted", PlusKeyRule{MaxUnitPrice: decimal.RequireFromString("5")}, pils, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newLaneWith(t, func(c *Config) { c.PlusKey = tc.rule })
			v := tl.scan(tc.code)
			if v.Lines[0].CanAdd != tc.ok && tc.to == 2 {
				t.Fatalf("line says canAdd %v, want %v", v.Lines[0].CanAdd, tc.ok)
			}
			cmd := Command{Op: OpQuantity, Line: 1, Qty: tc.to}
			if !tc.ok {
				tl.refused(cmd, KindState, "line.scan_each")
				if v := tl.scan(tc.code); v.Lines[0].Qty != 2 {
					t.Fatalf("a second scan gives qty %d", v.Lines[0].Qty)
				}
				return
			}
			if v := tl.do(cmd).View; v.Lines[0].Qty != tc.to {
				t.Fatalf("qty %d, want %d", v.Lines[0].Qty, tc.to)
			}
		})
	}
}

// Thirty taps on "remove" raise one void request per line, not thirty.
func TestOneOpenVoidRequestPerLine(t *testing.T) {
	tl := newTestLane(t)
	tl.scan(milk)
	tl.scan(milk)
	tl.scan(yoghurt)
	for range 30 {
		tl.Do(t.Context(), Command{Op: OpVoid, Line: 1})
		tl.Do(t.Context(), Command{Op: OpQuantity, Line: 1, Qty: 1})
	}
	count := func() (n int) {
		tl.db.R.QueryRow(`SELECT count(*) FROM alerts WHERE type = ?`, AlertVoidRequest).Scan(&n)
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("%d void requests for one line", n)
	}
	// Another line is another request, once staff answered the first.
	tl.resolve(alertOf(t, tl.View(), AlertVoidRequest).ID, "rejected")
	tl.do(Command{Op: OpVoid, Line: 2})
	tl.Do(t.Context(), Command{Op: OpVoid, Line: 2})
	if n := count(); n != 2 {
		t.Fatalf("%d void requests, want 2", n)
	}
	tl.journalMatches()
}

func TestBasketLineLimit(t *testing.T) {
	tl := newLaneWith(t, func(c *Config) { c.MaxLines = 2 })
	tl.scan(milk)
	tl.scan(yoghurt)
	tl.refused(Command{Op: OpScan, Code: oatDrink}, KindState, "basket.full")
	if v := tl.scan(milk); v.Lines[0].Qty != 2 { // a repeat adds to its line: still allowed
		t.Fatalf("repeat scan in a full basket: %+v", v.Lines[0])
	}
	tl.refused(Command{Op: OpWeighed, PLU: bananas, WeightG: 500}, KindState, "basket.full")
}

// A code typed on the screen that carries a price, weight or count sells
// nothing by itself: staff check it, and their approval sells it. Scanned, the
// same label sells at once; typed, a plain EAN sells at once.
func TestTypedLabelAsksStaff(t *testing.T) {
	de, _ := catalog.RCNPreset("DE")
	weightLabel, err := de[2].Build(gouda[:6], 785) // 0.785 kg of gouda at 12.90/kg
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, code, source, outcome string
		lines                       int
	}{
		{"typed weight label, approved", weightLabel, "typed", "approved", 1},
		{"typed weight label, rejected", weightLabel, "typed", "rejected", 0},
		{"typed GS1 price on a bottle, rejected", "(01)0" + vodka + "(3922)001", "typed", "rejected", 0},
		{"scanned weight label", weightLabel, "scanner", "", 1},
		{"typed plain EAN", milk, "typed", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTestLane(t)
			v := tl.do(Command{Op: OpScan, Code: tc.code, Source: tc.source}).View
			if tc.outcome == "" {
				if len(v.Lines) != tc.lines || len(v.Alerts) != 0 {
					t.Fatalf("lines %d alerts %+v", len(v.Lines), v.Alerts)
				}
				return
			}
			a := alertOf(t, v, AlertTypedLabel)
			if len(v.Lines) != 0 || !a.Blocking || v.State != StateSuspended {
				t.Fatalf("typed label sold or did not suspend: %+v", v)
			}
			v = tl.resolve(a.ID, tc.outcome)
			if len(v.Lines) != tc.lines {
				t.Fatalf("after %s: %d lines", tc.outcome, len(v.Lines))
			}
			if tc.lines == 1 && (v.Lines[0].WeightG != 785 || v.Lines[0].Amount != "10.13") {
				t.Fatalf("line %+v", v.Lines[0])
			}
			tl.journalMatches()
		})
	}
}

// produceEvent feeds the lane a produce-scale report and waits until it took it.
func (tl *testLane) produceEvent(grams int, moving bool) {
	tl.t.Helper()
	tl.Device(devices.Event{Role: devices.RoleProduceScale, Kind: devices.KindWeight, Weight: &devices.Weight{Grams: grams, Moving: moving}})
	deadline := time.Now().Add(3 * time.Second)
	for {
		for _, d := range tl.Devices() {
			if d.Role == devices.RoleProduceScale && d.Moving == moving && (moving || *d.Grams == grams) {
				return
			}
		}
		if time.Now().After(deadline) {
			tl.t.Fatalf("the lane did not take the scale's %d g (moving %v): %+v", grams, moving, tl.Devices())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// With a produce scale, a weighed line takes only a settled reading of a new
// load; a typed weight is refused (it is for lanes without a scale).
func TestProduceScaleSellsEachLoadOnce(t *testing.T) {
	tl := newLaneWith(t, func(c *Config) { c.ProduceScale = true })
	tl.Device(status(devices.RoleProduceScale, true, nil, nil))
	apples := "4131"
	tl.refused(Command{Op: OpWeighed, PLU: bananas, WeightG: 1}, KindState, "weight.typed")
	tl.refused(Command{Op: OpWeighed, PLU: bananas}, KindState, "scale.no_weight")
	tl.produceEvent(1500, false)
	v := tl.do(Command{Op: OpWeighed, PLU: bananas}).View
	if v.Lines[0].WeightG != 1500 {
		t.Fatalf("line %+v", v.Lines[0])
	}
	steps := []struct {
		grams  int
		moving bool
		code   string // "" sells
	}{
		{0, false, "scale.same_load"}, // (no new report: the same 1.5 kg under another PLU)
		{1500, true, "scale.moving"},  // touched: moving
		{1503, false, "scale.same_load"},
		{2200, true, "scale.moving"},
		{2200, false, ""}, // a changed load sells
		{0, false, "scale.no_weight"},
		{2200, false, ""}, // emptied in between: the same weight is a new load
	}
	for i, s := range steps {
		if i > 0 {
			tl.produceEvent(s.grams, s.moving)
		}
		if s.code != "" {
			tl.refused(Command{Op: OpWeighed, PLU: apples}, KindState, s.code)
			continue
		}
		v := tl.do(Command{Op: OpWeighed, PLU: apples}).View
		if ln := v.Lines[len(v.Lines)-1]; ln.WeightG != s.grams {
			t.Fatalf("step %d: sold %d g, want %d", i, ln.WeightG, s.grams)
		}
	}
	evs, _ := tl.EventsAfter(t.Context(), 0, 100)
	for _, ev := range evs {
		var body struct{ Source string }
		json.Unmarshal(ev.Body, &body)
		if ev.Type == "item_added" && body.Source != "scale" {
			t.Errorf("item_added with source %q: %s", body.Source, ev.Body)
		}
	}
	if n := len(tl.View().Lines); n != 3 {
		t.Fatalf("%d lines, want 3", n)
	}
}

// A lane without a produce scale takes a typed weight, and says so.
func TestTypedWeightWithoutScale(t *testing.T) {
	tl := newTestLane(t)
	res := tl.do(Command{Op: OpWeighed, PLU: bananas, WeightG: 750})
	var body struct{ Source string }
	json.Unmarshal(res.Events[len(res.Events)-1].Body, &body)
	if res.View.Lines[0].WeightG != 750 || body.Source != "typed" {
		t.Fatalf("line %+v, source %q", res.View.Lines[0], body.Source)
	}
	tl.refused(Command{Op: OpWeighed, PLU: bananas}, KindState, "scale.none")
}

// A scanner line the driver refused reaches the screen as "scan again" with
// its reason; so does a scan while the lane waits for staff.
func TestScannerRefusalsReachTheScreen(t *testing.T) {
	tl := newTestLane(t)
	ch, cancel := tl.Subscribe(16)
	defer cancel()
	for _, reason := range []string{"control_byte", "non_ascii", "overlong", "no_aim"} {
		tl.Device(devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, Scan: &devices.Scan{Data: "4006\\x1b", Refused: reason}})
		u := <-ch
		if u.View != nil || u.Notice == nil || u.Notice.Kind != "scan_refused" || u.Notice.Code != "scan."+reason {
			t.Fatalf("%s: got %+v", reason, u)
		}
	}
	tl.scan(unknown) // item not found: suspended
	<-ch
	tl.Device(devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, Scan: &devices.Scan{Data: milk}})
	u := <-ch
	if u.Notice == nil || u.Notice.Code != "scan.suspended" {
		t.Fatalf("scan while suspended: got %+v", u)
	}
	if n := len(tl.View().Lines); n != 0 {
		t.Fatalf("%d lines", n)
	}
}

// After a restart the load of the last weighed line is still not new.
func TestProduceLoadSurvivesRestart(t *testing.T) {
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	clock := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	withScale := func(c *Config) { c.ProduceScale = true }
	tl := startLaneWith(t, db, clock, withScale)
	tl.Device(status(devices.RoleProduceScale, true, nil, nil))
	tl.produceEvent(1500, false)
	tl.do(Command{Op: OpWeighed, PLU: bananas})
	tl.stop()
	tl = startLaneWith(t, db, clock.Add(time.Minute), withScale)
	tl.Device(status(devices.RoleProduceScale, true, nil, nil))
	tl.produceEvent(1500, false) // the scale's first report after the restart
	tl.refused(Command{Op: OpWeighed, PLU: "4131"}, KindState, "scale.same_load")
}
