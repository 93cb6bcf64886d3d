package kiosk

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/store"
)

// Demo catalog items the tests use.
const (
	milk     = "4063658814593" // 1.19, reduced 7 %
	yoghurt  = "4063658105806" // 0.89, reduced
	oatDrink = "4063658643438" // 1.69, standard 19 %
	pils     = "4375013194685" // 0.99, 16+
	vodka    = "4375013749236" // 9.99, 18+
	bananas  = "4011"          // PLU, 1.69 / kg
	gouda    = "2810010000000" // cheese counter, 12.90 / kg, German weight label prefix 28
	cake     = "2240010000005" // bakery counter, price label prefix 22
	unknown  = "5901234123457" // valid EAN-13, not in the catalog
)

type testLane struct {
	*Lane
	t      *testing.T
	db     *store.DB
	cancel context.CancelFunc
	clock  time.Time
}

func openTestDB(t *testing.T) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.NewDB(db).EnsureDemo(ctx, catalog.DefaultVATRates()); err != nil {
		t.Fatal(err)
	}
	return db
}

func startLane(t *testing.T, db *store.DB) *testLane {
	t.Helper()
	return startLaneWith(t, db, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), nil)
}

// startLaneWith starts a lane on the DE layouts whose clock starts at clock and
// ticks a second per reading; edit changes the configuration first.
func startLaneWith(t *testing.T, db *store.DB, clock time.Time, edit func(*Config)) *testLane {
	t.Helper()
	de, err := catalog.RCNPreset("DE")
	if err != nil {
		t.Fatal(err)
	}
	tl := &testLane{t: t, db: db, clock: clock}
	// The clock moves a second per reading; escalations are checked only
	// when a test feeds Tick (a 1 s ticker would read the clock at random).
	cfg := Config{Decode: catalog.DecodeOptions{RCN: de}, Now: func() time.Time { tl.clock = tl.clock.Add(time.Second); return tl.clock },
		Tick: make(chan time.Time)}
	if edit != nil {
		edit(&cfg)
	}
	l, err := Open(context.Background(), db, catalog.NewDB(db), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go l.Run(ctx)
	tl.Lane, tl.cancel = l, cancel
	t.Cleanup(tl.stop)
	return tl
}

func (tl *testLane) stop() {
	tl.cancel()
	<-tl.Done()
}

func newTestLane(t *testing.T) *testLane {
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	return startLane(t, db)
}

func (tl *testLane) do(cmd Command) Result {
	tl.t.Helper()
	res, err := tl.Do(context.Background(), cmd)
	if err != nil {
		tl.t.Fatalf("%s: %v", cmd.Op, err)
	}
	return res
}

func (tl *testLane) scan(code string) *View {
	tl.t.Helper()
	return tl.do(Command{Op: OpScan, Code: code}).View
}

func (tl *testLane) refused(cmd Command, kind Kind, code string) {
	tl.t.Helper()
	before := tl.View()
	_, err := tl.Do(context.Background(), cmd)
	var e *Error
	if !errors.As(err, &e) || e.Kind != kind || e.Code != code {
		tl.t.Fatalf("%s: err = %v, want %s %s", cmd.Op, err, kind, code)
	}
	if after := tl.View(); after.Seq != before.Seq {
		tl.t.Fatalf("%s was refused but changed the lane: seq %d -> %d", cmd.Op, before.Seq, after.Seq)
	}
	tl.journalMatches()
}

// journalMatches checks that the journal holds seq 1..view.Seq for the lane.
func (tl *testLane) journalMatches() {
	tl.t.Helper()
	var n, maxSeq int64
	if err := tl.db.R.QueryRow(`SELECT count(*), coalesce(max(seq), 0) FROM journal WHERE lane_id = ?`, tl.ID()).Scan(&n, &maxSeq); err != nil {
		tl.t.Fatal(err)
	}
	if v := tl.View(); n != v.Seq || maxSeq != v.Seq {
		tl.t.Fatalf("journal has %d events up to seq %d, view says seq %d", n, maxSeq, v.Seq)
	}
}

func alertOf(t *testing.T, v *View, typ string) AlertView {
	t.Helper()
	for _, a := range v.Alerts {
		if a.Type == typ {
			return a
		}
	}
	t.Fatalf("no %s alert in %+v", typ, v.Alerts)
	return AlertView{}
}

func (tl *testLane) resolve(id int64, outcome string) *View {
	tl.t.Helper()
	res, err := tl.Resolve(context.Background(), id, outcome, "anna", "")
	if err != nil {
		tl.t.Fatalf("resolve %d: %v", id, err)
	}
	return res.View
}

func TestScanAddsLinesWithTotalsAndVAT(t *testing.T) {
	tl := newTestLane(t)
	if v := tl.View(); v.State != StateIdle {
		t.Fatalf("new lane is %s", v.State)
	}
	tl.scan(milk)
	tl.scan(oatDrink)
	v := tl.scan(milk) // merges into line 1
	if v.State != StateShopping || len(v.Lines) != 2 {
		t.Fatalf("state %s, %d lines", v.State, len(v.Lines))
	}
	if l := v.Lines[0]; l.GTIN != "0"+milk || l.Qty != 2 || l.Amount != "2.38" {
		t.Fatalf("line 1 = %+v", l)
	}
	if v.Totals.Total != "4.07" || v.Totals.Items != 3 {
		t.Fatalf("totals = %+v", v.Totals)
	}
	want := []VATView{
		{Class: "standard", Rate: "19", Gross: "1.69", Net: "1.42", Tax: "0.27"},
		{Class: "reduced", Rate: "7", Gross: "2.38", Net: "2.22", Tax: "0.16"},
	}
	if len(v.Totals.VAT) != 2 || v.Totals.VAT[0] != want[0] || v.Totals.VAT[1] != want[1] {
		t.Fatalf("VAT = %+v, want %+v", v.Totals.VAT, want)
	}
	tl.journalMatches()
}

func TestMisreadsChangeNothing(t *testing.T) {
	tl := newTestLane(t)
	tl.scan(milk)
	for _, tc := range []struct{ code, want string }{
		{"4006381333932", "scan.check_digit"},
		{"", "scan.empty"},
		{"40063\x1b[A", "scan.control_byte"},
		{"12345", "scan.unknown_format"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			tl.refused(Command{Op: OpScan, Code: tc.code}, KindInvalid, tc.want)
		})
	}
}

func TestUnknownItemSuspendsUntilStaffResolve(t *testing.T) {
	tl := newTestLane(t)
	v := tl.scan(unknown)
	if v.State != StateSuspended {
		t.Fatalf("state %s, want suspended", v.State)
	}
	a := alertOf(t, v, AlertItemNotFound)
	var d AlertDetail
	json.Unmarshal(a.Detail, &d)
	if !a.Blocking || d.GTIN != "0"+unknown {
		t.Fatalf("alert %+v", a)
	}
	tl.refused(Command{Op: OpScan, Code: milk}, KindBusy, "scan.suspended")
	tl.refused(Command{Op: OpCheckout}, KindState, "checkout.empty")
	v = tl.resolve(a.ID, "done")
	if v.State != StateShopping || len(v.Alerts) != 0 {
		t.Fatalf("after resolve: %s %+v", v.State, v.Alerts)
	}
	if _, err := tl.Resolve(context.Background(), a.ID, "done", "anna", ""); KindOf(err) != KindState {
		t.Fatalf("second resolve: %v", err)
	}
	if v := tl.scan(milk); len(v.Lines) != 1 {
		t.Fatal("scan after resolve failed")
	}
	var by, how string
	tl.db.R.QueryRow(`SELECT resolved_by, resolution FROM alerts WHERE id = ?`, a.ID).Scan(&by, &how)
	if by != "anna" || how != "done" {
		t.Fatalf("alert row says %q %q", by, how)
	}
}

func TestVoidAndQuantityGoThroughStaff(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cmd      Command
		outcome  string
		wantQty  int
		wantVoid bool
		total    string
	}{
		{"void approved", Command{Op: OpVoid, Line: 1}, "approved", 3, true, "1.69"},
		{"void rejected", Command{Op: OpVoid, Line: 1}, "rejected", 3, false, "5.26"},
		{"fewer approved", Command{Op: OpQuantity, Line: 1, Qty: 1}, "approved", 1, false, "2.88"},
		{"fewer rejected", Command{Op: OpQuantity, Line: 1, Qty: 1}, "rejected", 3, false, "5.26"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTestLane(t)
			tl.scan(milk)
			tl.scan(milk)
			tl.scan(milk) // three on line 1
			v := tl.scan(oatDrink)
			if v.Totals.Total != "5.26" {
				t.Fatalf("total %s", v.Totals.Total)
			}
			v = tl.do(tc.cmd).View
			if v.State != StateSuspended {
				t.Fatalf("state %s, want suspended", v.State)
			}
			v = tl.resolve(alertOf(t, v, AlertVoidRequest).ID, tc.outcome)
			l := v.Lines[0]
			if l.Qty != tc.wantQty || l.Voided != tc.wantVoid || v.Totals.Total != tc.total || v.State != StateShopping {
				t.Fatalf("line %+v, total %s, state %s", l, v.Totals.Total, v.State)
			}
			tl.journalMatches()
		})
	}
}

func TestWeighedAndLabelledItems(t *testing.T) {
	de, _ := catalog.RCNPreset("DE")
	weightLabel, err := de[2].Build(gouda[:6], 785) // 0.785 kg
	if err != nil {
		t.Fatal(err)
	}
	priceLabel, err := de[0].Build(cake[:6], 349) // 3.49
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		cmd    Command
		amount string
		weight int
	}{
		{"bananas 1.234 kg", Command{Op: OpWeighed, PLU: bananas, WeightG: 1234}, "2.09", 1234},         // 1.69 × 1.234 = 2.08546
		{"gouda weight label", Command{Op: OpScan, Code: weightLabel, Source: "scanner"}, "10.13", 785}, // 12.90 × 0.785 = 10.1265
		{"cake price label", Command{Op: OpScan, Code: priceLabel, Source: "scanner"}, "3.49", 0},
		{"GS1 DataBar: 1.250 kg, 4.99 on the label", Command{Op: OpScan, Code: "]e0019001234567890831030012503922" + "00499", Source: "scanner"}, "4.99", 1250},
		{"GTIN-14 not in the catalog", Command{Op: OpScan, Code: "]e0019001234567891531030012503922" + "00499", Source: "scanner"}, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTestLane(t)
			v := tl.do(tc.cmd).View
			if tc.amount == "" { // not in the demo catalog: staff are called
				alertOf(t, v, AlertItemNotFound)
				return
			}
			l := v.Lines[0]
			if l.Amount != tc.amount || l.WeightG != tc.weight || v.Totals.Total != tc.amount {
				t.Fatalf("line %+v total %s", l, v.Totals.Total)
			}
		})
	}
	tl := newTestLane(t)
	tl.refused(Command{Op: OpWeighed, PLU: "9999", WeightG: 100}, KindNotFound, "plu.not_found")
	tl.refused(Command{Op: OpWeighed, PLU: bananas, WeightG: -1}, KindInvalid, "request.weight")
	tl.refused(Command{Op: OpWeighed, PLU: bananas}, KindState, "scale.none") // no produce scale
	// The counter item's own number reads as a label of 0 g: nothing to sell by.
	tl.refused(Command{Op: OpScan, Code: gouda, Source: "scanner"}, KindInvalid, "scan.out_of_range")
	tl.refused(Command{Op: OpScan, Code: cake, Source: "scanner"}, KindInvalid, "scan.out_of_range")
	tl.do(Command{Op: OpScan, Code: weightLabel, Source: "scanner"})
	tl.refused(Command{Op: OpQuantity, Line: 1, Qty: 2}, KindInvalid, "line.fixed_qty")
}

func TestAgeCheckBlocksPaymentNotScanning(t *testing.T) {
	tl := newTestLane(t)
	v := tl.scan(pils)
	age := alertOf(t, v, AlertAgeCheck)
	if age.Blocking || v.State != StateShopping {
		t.Fatalf("age check should not suspend scanning: %+v %s", age, v.State)
	}
	if v = tl.scan(vodka); len(v.Alerts) != 2 {
		t.Fatalf("want a second age check for 18+, got %+v", v.Alerts)
	}
	tl.refused(Command{Op: OpCheckout}, KindState, "checkout.age_check")
	for _, a := range v.Alerts {
		tl.resolve(a.ID, "approved")
	}
	if v = tl.scan(pils); len(v.Alerts) != 0 {
		t.Fatalf("approved age covers later items: %+v", v.Alerts)
	}
	if v = tl.do(Command{Op: OpCheckout}).View; v.State != StateReadyToPay {
		t.Fatalf("state %s", v.State)
	}
	if v = tl.scan(milk); v.State != StateShopping {
		t.Fatalf("a scan on the pay screen goes back to shopping, got %s", v.State)
	}

	// Refused age check: the restricted items leave the basket.
	tl2 := newTestLane(t)
	tl2.scan(milk)
	v = tl2.scan(vodka)
	v = tl2.resolve(alertOf(t, v, AlertAgeCheck).ID, "rejected")
	if !v.Lines[1].Voided || v.Lines[0].Voided || v.Totals.Total != "1.19" {
		t.Fatalf("after refusal: %+v", v.Lines)
	}
}

func TestCancel(t *testing.T) {
	tl := newTestLane(t)
	tl.refused(Command{Op: OpCancel}, KindState, "txn.none")
	tl.do(Command{Op: OpStart})
	if v := tl.do(Command{Op: OpCancel}).View; v.State != StateIdle {
		t.Fatalf("empty basket cancels at once, state %s", v.State)
	}
	tl.scan(milk)
	v := tl.do(Command{Op: OpCancel}).View
	a := alertOf(t, v, AlertCancelRequest)
	if v = tl.resolve(a.ID, "approved"); v.State != StateIdle || v.Txn != nil {
		t.Fatalf("after approved cancel: %s", v.State)
	}
	var reason string
	tl.db.R.QueryRow(`SELECT end_reason FROM transactions WHERE ended_at IS NOT NULL ORDER BY started_at DESC LIMIT 1`).Scan(&reason)
	if reason != "cancelled" {
		t.Fatalf("end reason %q", reason)
	}
	v = tl.scan(milk)
	if v.Txn == nil || len(v.Lines) != 1 {
		t.Fatal("a new transaction should start with the next scan")
	}
}

func TestIdempotencyKeySurvivesRestart(t *testing.T) {
	db := openTestDB(t)
	defer db.Close()
	tl := startLane(t, db)
	first := tl.do(Command{Op: OpScan, Code: milk, IdemKey: "tap-1"})
	again := tl.do(Command{Op: OpScan, Code: milk, IdemKey: "tap-1"})
	if !again.Replayed || again.View.Seq != first.View.Seq || len(tl.View().Lines) != 1 || tl.View().Lines[0].Qty != 1 {
		t.Fatalf("retry changed the lane: %+v", again.View)
	}
	tl.refused(Command{Op: OpScan, Code: milk, IdemKey: "bad\nkey"}, KindInvalid, "request.idempotency_key")
	// The same key with another command is not a retry: refused, not answered with the first result.
	tl.refused(Command{Op: OpScan, Code: yoghurt, IdemKey: "tap-1"}, KindState, "request.idempotency_key_reused")
	before := tl.View()
	tl.stop()

	tl2 := startLane(t, db)
	after := tl2.View()
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if string(b1) != string(b2) {
		t.Fatalf("restart changed the view:\n%s\n%s", b1, b2)
	}
	replay := tl2.do(Command{Op: OpScan, Code: milk, IdemKey: "tap-1"})
	if !replay.Replayed || tl2.View().Seq != before.Seq {
		t.Fatal("key not remembered across restart")
	}
	tl2.refused(Command{Op: OpScan, Code: yoghurt, IdemKey: "tap-1"}, KindState, "request.idempotency_key_reused")
}

func TestSubscribersSeeOnlyCommittedUpdates(t *testing.T) {
	tl := newTestLane(t)
	ch, cancel := tl.Subscribe(8)
	defer cancel()
	res := tl.do(Command{Op: OpScan, Code: milk})
	u := <-ch
	if u.View.Seq != res.View.Seq || len(u.Events) != 2 || u.Events[0].Type != "txn_started" || u.Events[1].Type != "item_added" {
		t.Fatalf("update %+v", u)
	}
	evs, err := tl.EventsAfter(context.Background(), 0, 100)
	if err != nil || len(evs) != 2 || evs[1].ID != u.Events[1].ID || evs[1].Seq != 2 {
		t.Fatalf("journal %+v %v", evs, err)
	}
	// A refused command publishes nothing.
	tl.Do(context.Background(), Command{Op: OpScan, Code: "123"})
	select {
	case u := <-ch:
		t.Fatalf("refused command published %+v", u)
	default:
	}
	// No-op commands publish nothing either.
	tl.do(Command{Op: OpHelp})
	<-ch
	tl.do(Command{Op: OpHelp})
	select {
	case u := <-ch:
		t.Fatalf("second help published %+v", u)
	default:
	}
}

func TestSlowSubscriberIsDropped(t *testing.T) {
	tl := newTestLane(t)
	ch, cancel := tl.Subscribe(1)
	defer cancel()
	tl.scan(milk)
	tl.scan(yoghurt) // buffer full: dropped, not blocking the lane
	<-ch
	if _, ok := <-ch; ok {
		t.Fatal("slow subscriber not dropped")
	}
}

func TestCommandValidation(t *testing.T) {
	tl := newTestLane(t)
	for _, tc := range []struct {
		name string
		cmd  Command
		code string
	}{
		{"unknown op", Command{Op: "pay-cash"}, "request.op"},
		{"resolve from shopper", Command{Op: OpResolve, AlertID: 1, Outcome: "done", By: "x"}, "request.op"},
		{"bad source", Command{Op: OpScan, Code: milk, Source: "usb"}, "request.source"},
		{"line 0", Command{Op: OpVoid}, "request.line"},
		{"qty 100", Command{Op: OpQuantity, Line: 1, Qty: 100}, "request.qty"},
		{"plu letters", Command{Op: OpWeighed, PLU: "40a1", WeightG: 10}, "request.plu"},
		{"lang fr", Command{Op: OpLang, Lang: "fr"}, "request.lang"},
	} {
		t.Run(tc.name, func(t *testing.T) { tl.refused(tc.cmd, KindInvalid, tc.code) })
	}
	tl.refused(Command{Op: OpVoid, Line: 1}, KindState, "txn.none")
	tl.scan(milk)
	tl.refused(Command{Op: OpVoid, Line: 2}, KindNotFound, "line.not_found")
	if v := tl.do(Command{Op: OpLang, Lang: "de"}).View; v.Lang != "de" {
		t.Fatal("language not switched")
	}
}

func TestResumeSurvivesRestart(t *testing.T) {
	db := openTestDB(t)
	defer db.Close()
	tl := startLane(t, db)
	tl.scan(milk)
	tl.do(Command{Op: OpCheckout})
	tl.do(Command{Op: OpResume})
	tl.scan(yoghurt)
	tl.stop()
	if v := startLane(t, db).View(); v.State != StateShopping || len(v.Lines) != 2 {
		t.Fatalf("after restart: %s with %d lines", v.State, len(v.Lines))
	}
}
