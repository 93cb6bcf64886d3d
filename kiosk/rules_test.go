package kiosk

import (
	"encoding/json"
	"strings"
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
	tl.scan(unknown) // suspended: a void waits for the staff member who comes
	tl.refused(Command{Op: OpVoid, Line: 1}, KindBusy, "lane.suspended")
	tl.resolve(alertOf(t, tl.View(), AlertItemNotFound).ID, "done")
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
		{"typed GS1 weight on a variable product, rejected", "(01)0" + gouda + "(3103)000001", "typed", "rejected", 0},
		{"typed GS1 weight on a variable product, approved", "(01)0" + gouda + "(3103)000785", "typed", "approved", 1},
		{"/sim page weight label, approved", weightLabel, "sim", "approved", 1},
		{"keyboard-wedge weight label, approved", weightLabel, "keyboard", "approved", 1},
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
// waitDevice waits until the lane has taken a status of role.
func (tl *testLane) waitDevice(role devices.Role) {
	tl.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		for _, d := range tl.Devices() {
			if d.Role == role {
				return
			}
		}
		if time.Now().After(deadline) {
			tl.t.Fatalf("the lane did not take the %s status", role)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

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
	tl.waitDevice(devices.RoleProduceScale) // device events are taken beside commands: wait for it
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
		{2200, false, "scale.same_load"}, // a nudge or an item added on top: not a new load
		{0, false, "scale.no_weight"},
		{2200, false, ""}, // emptied in between: a new load, even of the same weight
		{5, false, "scale.no_weight"},
		{800, false, ""},
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

// addProducts imports CSV rows (after the header) into the lane's catalog.
func (tl *testLane) addProducts(rows ...string) {
	tl.t.Helper()
	csv := "gtin,name_en,price,sold_by,vat_class\n" + strings.Join(rows, "\n") + "\n"
	if res, err := catalog.NewDB(tl.db).Import(tl.t.Context(), strings.NewReader(csv), catalog.ImportOptions{Rates: catalog.DefaultVATRates()}); err != nil {
		tl.t.Fatalf("%v: %+v", err, res.Errors)
	}
}

// A price, weight or count in a code counts only for products the catalog
// sells by their label; a fixed-price product keeps its catalog price. A GS1
// price in another currency is refused.
func TestEmbeddedValuesOnlyForVariableMeasure(t *testing.T) {
	de, _ := catalog.RCNPreset("DE")
	goudaLabel, _ := de[2].Build(gouda[:6], 785)
	for _, tc := range []struct {
		name, code  string
		amount      string
		refusedCode string
	}{
		{"GS1 price on a fixed-price bottle", "]C1\x1d010" + vodka + "3922001", "9.99", ""},
		{"GS1 weight on a fixed-price pack", "(01)0" + milk + "(3103)000001", "1.19", ""},
		{"GS1 count on a fixed-price pack", "(01)0" + milk + "(30)50", "1.19", ""},
		{"weight label on a variable product", goudaLabel, "10.13", ""},
		{"GS1 price in the store's currency", "(01)0" + gouda + "(3932)978499", "4.99", ""},
		{"GS1 price in another currency", "(01)0" + gouda + "(3932)840499", "", "scan.currency"},
		{"GS1 price in another currency on a fixed-price pack: ignored", "(01)0" + milk + "(3932)840001", "1.19", ""},
		{"a label of 100 pieces", "(01)0" + gouda + "(30)100", "", "scan.out_of_range"},
		{"a label of 31 kg", "(01)0" + gouda + "(3103)031000", "", "scan.out_of_range"},
		{"a label of 10,000.00", "(01)0" + gouda + "(3922)1000000", "", "scan.out_of_range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTestLane(t)
			if tc.refusedCode != "" {
				tl.refused(Command{Op: OpScan, Code: tc.code, Source: "scanner"}, KindInvalid, tc.refusedCode)
				return
			}
			res, err := tl.Do(t.Context(), Command{Op: OpScan, Code: tc.code, Source: "scanner"})
			if err != nil {
				t.Fatal(err)
			}
			if ln := res.View.Lines[0]; ln.Amount != tc.amount {
				t.Fatalf("amount %s, want %s (%+v)", ln.Amount, tc.amount, ln)
			}
		})
	}
}

// An 8-digit code valid as EAN-8 and as UPC-E is looked up under both
// readings; when the catalog has both, staff settle it.
func TestEightDigitsLookedUpBothWays(t *testing.T) {
	tl := newTestLane(t)
	tl.addProducts("123456000070,Mints (UPC-A),0.99,each,standard")
	v := tl.scan("12345670")
	if len(v.Lines) != 1 || v.Lines[0].GTIN != "00123456000070" {
		t.Fatalf("UPC-E reading not found: %+v", v.Lines)
	}
	tl.addProducts("12345670,Gum (EAN-8),1.49,each,standard")
	v = tl.do(Command{Op: OpScan, Code: "12345670"}).View
	a := alertOf(t, v, AlertItemNotFound)
	var d AlertDetail
	json.Unmarshal(a.Detail, &d)
	if d.GTIN != "00000012345670" || d.AltGTIN != "00123456000070" || len(v.Lines) != 1 {
		t.Fatalf("both readings known: alert %+v, lines %d", d, len(v.Lines))
	}
	// With a symbology identifier there is no doubt.
	tl.resolve(a.ID, "done")
	if v := tl.do(Command{Op: OpScan, Code: "]E412345670", Source: "scanner"}).View; v.Lines[1].GTIN != "00000012345670" {
		t.Fatalf("]E4 scan: %+v", v.Lines)
	}
}

// A typed code cannot carry the scanner's symbology identifier: with it, a
// shopper would choose between the two readings of an ambiguous code.
func TestTypedCodeWithoutSymbology(t *testing.T) {
	tl := newTestLane(t)
	tl.refused(Command{Op: OpScan, Code: "]E4" + "12345670", Source: "typed"}, KindInvalid, "scan.typed_symbology")
	tl.refused(Command{Op: OpScan, Code: "]E0" + milk, Source: "typed"}, KindInvalid, "scan.typed_symbology")
	tl.refused(Command{Op: OpScan, Code: "]E4" + "12345670", Source: "keyboard"}, KindInvalid, "scan.typed_symbology")
	tl.refused(Command{Op: OpScan, Code: "]E4" + "12345670", Source: "sim"}, KindInvalid, "scan.typed_symbology")
	if v := tl.do(Command{Op: OpScan, Code: "]E0" + milk, Source: "scanner"}).View; len(v.Lines) != 1 {
		t.Fatal("the scanner's ]E0 read was refused")
	}
}

// Transaction ids keep their width: after 9,999 transactions in a day the lane
// refuses a new one instead of numbering it 10000.
func TestTransactionsPerDayLimit(t *testing.T) {
	tl := newTestLane(t)
	prefix := "000101261124"
	if _, err := tl.db.W.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
		INSERT INTO transactions (id, lane_id, state, started_at, ended_at, end_reason, currency)
		SELECT ? || printf('%04d', i), '0001-01', 'cancelled', 't', 't', 'cancelled', 'EUR' FROM n`, prefix); err != nil {
		t.Fatal(err)
	}
	tl.refused(Command{Op: OpScan, Code: milk}, KindState, "txn.day_limit")
}

// The next shopper starts in the store's language.
func TestLanguageResetsAfterTheBasket(t *testing.T) {
	tl := newTestLane(t)
	tl.do(Command{Op: OpLang, Lang: "es"})
	tl.scan(milk)
	tl.cancelBasket()
	if v := tl.View(); v.Lang != "en" {
		t.Fatalf("language after the basket: %s", v.Lang)
	}
	if res := tl.do(Command{Op: OpLang, Lang: "en"}); res.Events == nil {
		t.Fatal("a no-op answers events null, not []")
	}
}

// A store whose currency the GS1 table lacks still sells; only a GS1 label
// with a price in a named currency (AI 393n) is then refused.
func TestCurrencyOutsideTheTable(t *testing.T) {
	tl := newLaneWith(t, func(c *Config) { c.Currency = "TRY" })
	tl.scan(milk)
	tl.refused(Command{Op: OpScan, Code: "(01)0" + gouda + "(3932)949499", Source: "scanner"}, KindInvalid, "scan.currency")
}
