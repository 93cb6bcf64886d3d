package kiosk

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/kiosk/bagging"
	"github.com/kiosk-sco/kiosk/store"
)

const catLitter = "4162419627622" // 5200 g, catalog: bagging heavy

// milkG is the demo catalog's milk: 1045 g, tolerance 25 g; the fixed
// tolerance is the largest of 25 g, 2 × 5 g and 5 % (53 g).
const milkG, milkTol = 1045, 53

// settle hands the lane a settled reading of the bagging scale and returns
// once the lane has run it.
func (tl *testLane) settle(g int) *View {
	tl.t.Helper()
	ev := devices.Event{Role: devices.RoleBaggingScale, Kind: devices.KindWeight, Weight: &devices.Weight{Grams: g}}
	if _, err := tl.do2(Command{Op: opBagging, dev: &ev}); err != nil {
		tl.t.Fatalf("settle %d g: %v", g, err)
	}
	return tl.View()
}

func (tl *testLane) do2(cmd Command) (Result, error) { return tl.Lane.do(context.Background(), cmd) }

func bagLane(t *testing.T, db *store.DB, edit func(*bagging.Settings)) *clockLane {
	t.Helper()
	if db == nil {
		db = openTestDB(t)
		t.Cleanup(func() { db.Close() })
	}
	s := bagging.Defaults()
	if edit != nil {
		edit(&s)
	}
	return startClockLane(t, db, func(c *Config) { c.Bagging = &s })
}

func openBagAlert(v *View) *AlertView {
	for i := range v.Alerts {
		if isBagAlert(v.Alerts[i].Type) {
			return &v.Alerts[i]
		}
	}
	return nil
}

// TestBaggingRules walks every rule through the lane: scans, settled weights
// of the bagging scale and the lane's clock, and what the shopper and staff
// see.
func TestBaggingRules(t *testing.T) {
	type step struct {
		scan   string // a code to scan
		settle int    // a settled reading, grams (0: none)
		empty  bool   // a settled reading of 0 g
		tick   time.Duration
		want   string // the open bagging alert after the step ("" none)
		refuse string // the scan is refused with this code
	}
	for _, tc := range []struct {
		name  string
		start string // bags: own or none
		steps []step
		ends  string // outcome of the last resolved bagging alert
	}{
		{"an item settles within its tolerance", "", []step{
			{scan: milk, settle: milkG + milkTol, want: ""},
			{scan: milk, settle: 2 * milkG, want: ""}, // 53 g under this time
		}, ""},
		{"one gram over the tolerance is a mismatch", "", []step{
			{scan: milk, settle: milkG + milkTol + 1, want: AlertBagMismatch},
		}, ""},
		{"an increase with no scan is an unexpected item, taken away it is corrected", "", []step{
			{settle: 500, want: AlertBagUnexpected},
			{scan: milk, want: AlertBagUnexpected, refuse: "scan.suspended"},
			{empty: true, want: ""},
			{scan: milk, settle: milkG, want: ""},
		}, "corrected"},
		{"a cheaper item scanned, a heavier one bagged: a mismatch", "", []step{
			{scan: yoghurt, settle: 1045, want: AlertBagMismatch},
			{empty: true, want: ""},
			{settle: 520, want: ""},
		}, "corrected"},
		{"a bagged item taken out before paying is removed; put back it is corrected", "", []step{
			{scan: milk, settle: milkG},
			{empty: true, want: AlertBagRemoved},
			{settle: milkG, want: ""},
		}, "corrected"},
		{"an item not bagged within the window, then bagged", "", []step{
			{scan: milk, tick: 20*time.Second - time.Nanosecond, want: ""},
			{tick: 20 * time.Second, want: AlertBagNotBagged},
			{scan: yoghurt, want: AlertBagNotBagged}, // it blocks paying, not scanning
			{settle: milkG + 520, want: ""},          // both bagged at once
		}, "corrected"},
		{"an own bag is tared before the first item", "own", []step{
			{settle: 180, want: ""},
			{scan: milk, settle: 180 + milkG, want: ""},
		}, ""},
		{"an own bag above the limit is an unexpected item", "own", []step{
			{settle: 1500, want: AlertBagUnexpected},
		}, ""},
		{"no bag is tared once items are in the area", "own", []step{
			{scan: milk, settle: milkG},
			{settle: milkG + 200, want: AlertBagUnexpected},
		}, ""},
		{"a heavy item is not checked", "", []step{
			{scan: catLitter, tick: time.Minute, want: ""},
		}, ""},
		{"noise is no change", "", []step{
			{settle: 5, want: ""},
		}, ""},
		{"the kind of an open mismatch follows the area", "", []step{
			{scan: milk, settle: milkG},
			{settle: milkG + 400, want: AlertBagUnexpected},
			{empty: true, want: AlertBagRemoved},
		}, "superseded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := bagLane(t, nil, nil)
			cl.do(Command{Op: OpStart, Bags: tc.start})
			for i, s := range tc.steps {
				if s.scan != "" {
					if s.refuse != "" {
						cl.refused(Command{Op: OpScan, Code: s.scan}, KindBusy, s.refuse)
					} else {
						cl.scan(s.scan)
					}
				}
				if s.settle != 0 || s.empty {
					cl.settle(s.settle)
				}
				if s.tick != 0 {
					cl.tickAt(t0.Add(s.tick))
				}
				v := cl.View()
				got := ""
				if a := openBagAlert(v); a != nil {
					got = a.Type
					if a.Blocking != AlertTypes[a.Type].Blocking {
						t.Errorf("step %d: %s blocking %v", i, a.Type, a.Blocking)
					}
				}
				if got != s.want {
					t.Fatalf("step %d (%+v): open bagging alert %q, want %q", i, s, got, s.want)
				}
			}
			if tc.ends != "" {
				_, body := cl.lastEvent("alert_resolved")
				if body["outcome"] != tc.ends || body["by"] == "" {
					t.Fatalf("last resolution %v, want outcome %s", body, tc.ends)
				}
			}
			cl.journalMatches()
		})
	}
}

// A heavy product is journaled as not checked, and nothing awaits it.
func TestBaggingHeavyItemNotChecked(t *testing.T) {
	cl := bagLane(t, nil, nil)
	v := cl.scan(catLitter)
	if v.Bagging == nil || v.Bagging.Awaited != 0 || cl.count("bag_not_checked") != 1 {
		t.Fatalf("bagging %+v, bag_not_checked %d", v.Bagging, cl.count("bag_not_checked"))
	}
}

// An item not bagged blocks paying, not scanning.
func TestBaggingNotBaggedBlocksPayment(t *testing.T) {
	cl := bagLane(t, nil, nil)
	cl.scan(milk)
	cl.tickAt(t0.Add(21 * time.Second))
	cl.refused(Command{Op: OpCheckout}, KindState, "checkout."+AlertBagNotBagged)
	cl.settle(milkG)
	cl.do(Command{Op: OpCheckout})
}

// Staff at the lane clear a mismatch: the area is taken as it is, and the
// weight they confirmed for the one item counts StaffWeight times.
func TestBaggingStaffClearTeachesTheWeight(t *testing.T) {
	cl := bagLane(t, nil, nil)
	cl.scan(milk)
	v := cl.settle(1120) // 75 g over: a heavier bottle than the catalog says
	a := openBagAlert(v)
	if a == nil || a.Type != AlertBagMismatch {
		t.Fatalf("alerts %+v", v.Alerts)
	}
	var d AlertDetail
	json.Unmarshal(a.Detail, &d)
	if d.Line != 1 || d.ExpectedG != milkG || d.DeltaG != 1120 {
		t.Fatalf("detail %+v", d)
	}
	// Remote staff cannot: someone must look at the bagging area.
	cl.staffRefused(remo, StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "done"}, "staff.presence")
	cl.staff(anna, StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "done", Reason: "bottle checked"})
	if openBagAlert(cl.View()) != nil {
		t.Fatal("still open")
	}
	st, ok, err := cl.LearnedWeight(t.Context(), "0"+milk)
	if err != nil || !ok || st.N != 1 || st.Weight != 5 || st.Mean != 1120 {
		t.Fatalf("learned %+v %v %v", st, ok, err)
	}
	// The area is as staff saw it, and the weight they confirmed counts
	// StaffWeight (5) observations, MinSamples (3) and more: the next milk
	// is expected at 1120 g.
	cl.scan(milk)
	if v := cl.settle(1120 + 1120); openBagAlert(v) != nil {
		t.Fatalf("alerts %+v", v.Alerts)
	}
	cl.journalMatches()
}

// Accepted single items teach the product's weight; after MinSamples the
// learned mean and tolerance are used, they survive a restart, and a
// transaction teaches at most PerTxn observations per product.
func TestBaggingLearnsAndRemembers(t *testing.T) {
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	cl := bagLane(t, db, nil)
	g := 0
	for txn := range 3 {
		cl.do(Command{Op: OpStart})
		for range 3 {
			cl.scan(milk)
			g += 1090 // the real bottle: 45 g over the catalog's weight
			cl.settle(g)
		}
		if txn < 2 {
			cl.do(Command{Op: OpCancel}) // an empty-handed end: staff approve it
			a := alertOf(t, cl.View(), AlertCancelRequest)
			cl.staff(anna, StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "approved"})
			g = 0
			cl.settle(0)
		}
	}
	st, _, _ := cl.LearnedWeight(t.Context(), "0"+milk)
	if st.N != 6 { // 3 transactions × PerTxn 2
		t.Fatalf("learned %d observations, want 6 (PerTxn)", st.N)
	}
	if st.Mean != 1090 {
		t.Fatalf("mean %v", st.Mean)
	}
	cl.stop()
	s := bagging.Defaults()
	e := s.Expect(bagging.Product{WeightG: milkG, ToleranceG: 25}, st)
	if !e.Lrnd || e.G != 1090 || e.TolG >= milkTol {
		t.Fatalf("expectation %+v: want the learned mean, tighter than the fixed %d g", e, milkTol)
	}

	// After a restart the learned figures are used: the bottle is expected
	// at 1090 g ± e.TolG.
	// Both are scanned before either is bagged, so both carry that
	// expectation (an item's is fixed when it is scanned).
	cl2 := bagLane(t, db, nil)
	cl2.scan(milk)
	cl2.scan(milk)
	if v := cl2.settle(g + 1090 + e.TolG); openBagAlert(v) != nil {
		t.Fatalf("learned expectation refused 1090 + %d g: %+v", e.TolG, v.Alerts)
	}
	if v := cl2.settle(g + 2*1090 + 2*e.TolG + 1); openBagAlert(v) == nil {
		t.Fatalf("1 g over the learned tolerance (%d g) was accepted", e.TolG)
	}
	cl2.journalMatches()
}

// A restart in the middle of a transaction keeps what the bagging area
// expects: the item scanned before is still awaited after.
func TestBaggingSurvivesRestart(t *testing.T) {
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	cl := bagLane(t, db, nil)
	cl.scan(milk)
	cl.settle(milkG)
	cl.scan(yoghurt)
	cl.stop()
	cl2 := bagLane(t, db, nil)
	if v := cl2.settle(milkG + 520); openBagAlert(v) != nil {
		t.Fatalf("the yoghurt scanned before the restart was not expected: %+v", v.Alerts)
	}
	cl2.settle(milkG + 520 + 300)
	if a := openBagAlert(cl2.View()); a == nil || a.Type != AlertBagUnexpected {
		t.Fatalf("alerts after restart %+v", cl2.View().Alerts)
	}
}

// Staff void a bagged item: it may leave the area; a unit not yet bagged is
// no longer expected.
func TestBaggingStaffVoid(t *testing.T) {
	cl := bagLane(t, nil, nil)
	cl.scan(milk)
	cl.settle(milkG)
	cl.scan(yoghurt)
	cl.staff(anna, StaffAction{Op: OpStaffVoid, Line: 1, Qty: 0, Reason: "changed mind"})
	cl.staff(anna, StaffAction{Op: OpStaffVoid, Line: 2, Qty: 0, Reason: "changed mind"})
	if v := cl.settle(0); openBagAlert(v) != nil {
		t.Fatalf("the voided milk leaving raised %+v", v.Alerts)
	}
	cl.tickAt(t0.Add(time.Minute))
	if v := cl.View(); openBagAlert(v) != nil {
		t.Fatalf("the voided yoghurt is still awaited: %+v", v.Alerts)
	}
}

// Once paid, the shopper takes their bags: no alert.
func TestBaggingAfterPaymentTakesBags(t *testing.T) {
	cl := bagLane(t, nil, nil)
	cl.scan(milk)
	cl.settle(milkG)
	cl.do(Command{Op: OpCheckout})
	cl.do(Command{Op: OpPay, Method: MethodAttendant})
	cl.staff(anna, StaffAction{Op: OpCashTaken})
	if v := cl.settle(0); openBagAlert(v) != nil || v.State != StatePaid {
		t.Fatalf("state %s alerts %+v", v.State, v.Alerts)
	}
}

// Without Config.Bagging the weights are only journaled.
func TestBaggingOffOnlyJournals(t *testing.T) {
	tl := newTestLane(t)
	tl.scan(milk)
	tl.scan(catLitter)
	tl.settle(5000)
	if v := tl.View(); openBagAlert(v) != nil || v.Bagging != nil {
		t.Fatalf("alerts %+v bagging %+v", v.Alerts, v.Bagging)
	}
	if n := tl.count("bag_not_checked"); n != 0 {
		t.Fatalf("%d bag_not_checked events on a lane without bagging rules", n)
	}
}

// A bagging scale that fails suspends the rules: the open mismatch closes,
// nothing is awaited (no "not bagged" for a scale that cannot weigh), and the
// scale's first settled reading after it recovers is the new reference —
// even one within the noise of the last.
func TestBaggingScaleFaultSuspends(t *testing.T) {
	cl := bagLane(t, nil, nil)
	cl.scan(milk)
	cl.settle(milkG)
	cl.settle(milkG + 400) // unexpected
	if a := openBagAlert(cl.View()); a == nil || a.Type != AlertBagUnexpected {
		t.Fatalf("alerts %+v", cl.View().Alerts)
	}
	cl.Device(status(devices.RoleBaggingScale, false, nil, nil))
	cl.waitFor("the scale fault", func(v *View) bool { return hasAlert(v, AlertScaleFault, devices.FaultUnplugged) != nil })
	if a := openBagAlert(cl.View()); a != nil {
		t.Fatalf("a bagging alert outlived the scale: %+v", a)
	}
	_, body := cl.lastEvent("alert_resolved")
	if body["outcome"] != "scale_fault" {
		t.Fatalf("closed as %v", body)
	}
	cl.scan(yoghurt) // not awaited: the scale cannot weigh it
	cl.tickAt(t0.Add(time.Minute))
	if a := openBagAlert(cl.View()); a != nil || cl.count("bag_not_checked") != 1 {
		t.Fatalf("alerts %+v, bag_not_checked %d", cl.View().Alerts, cl.count("bag_not_checked"))
	}
	cl.Device(status(devices.RoleBaggingScale, true, nil, nil))
	cl.waitFor("the scale back", func(v *View) bool { return hasAlert(v, AlertScaleFault, devices.FaultUnplugged) == nil })
	cl.settle(milkG + 400 + 3) // within the noise of the last reading: still the new reference
	if v := cl.scan(milk); v.Bagging.Awaited != 1 || cl.count("bag_not_checked") != 1 {
		t.Fatalf("the milk after recovery is not awaited: bagging %+v", v.Bagging)
	}
	if v := cl.settle(milkG + 403 + milkG); openBagAlert(v) != nil || v.Bagging.Awaited != 0 {
		t.Fatalf("after recovery: alerts %+v bagging %+v", v.Alerts, v.Bagging)
	}
	cl.journalMatches()
}

// A transaction started while the bagging scale is down awaits nothing.
func TestBaggingStartsSuspendedOnAFaultyScale(t *testing.T) {
	cl := bagLane(t, nil, nil)
	cl.Device(status(devices.RoleBaggingScale, true, []string{devices.FaultOverCapacity}, nil))
	cl.waitFor("the scale fault", func(v *View) bool { return hasAlert(v, AlertScaleFault, devices.FaultOverCapacity) != nil })
	cl.scan(milk)
	cl.tickAt(t0.Add(time.Minute))
	if a := openBagAlert(cl.View()); a != nil {
		t.Fatalf("%+v", a)
	}
}
