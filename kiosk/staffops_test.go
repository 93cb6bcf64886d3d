package kiosk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/store"
)

// fakeClock is a clock that moves only when a test says so.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var t0 = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

// clockLane is a lane on a fake clock whose escalations run when tick is fed.
type clockLane struct {
	*testLane
	clock *fakeClock
	tick  chan time.Time
}

func startClockLane(t *testing.T, db *store.DB, edit func(*Config)) *clockLane {
	t.Helper()
	cl := &clockLane{clock: &fakeClock{t: t0}, tick: make(chan time.Time)}
	cl.testLane = startLaneWith(t, db, t0, func(c *Config) {
		c.Now, c.Tick = cl.clock.Now, cl.tick
		if edit != nil {
			edit(c)
		}
	})
	return cl
}

// tickAt sets the clock to at and has the lane check its escalations; it
// returns once the check is done (the second tick is taken only after the
// first was handled, and finds nothing new at the same time).
func (cl *clockLane) tickAt(at time.Time) {
	cl.clock.set(at)
	cl.tick <- at
	cl.tick <- at
}

var (
	anna  = Actor{ID: "anna", Role: RoleAttendant, Where: "handheld 10.0.0.5"}
	sven  = Actor{ID: "sven", Role: RoleSupervisor, Where: "handheld 10.0.0.6"}
	remo  = Actor{ID: "remo", Role: RoleRemote, Where: "office"}
	berta = Actor{ID: "berta", Role: RoleAttendant, Where: "lane screen"}
)

func (tl *testLane) staff(who Actor, a StaffAction) Result {
	tl.t.Helper()
	res, err := tl.Staff(context.Background(), who, a, "")
	if err != nil {
		tl.t.Fatalf("%s by %s: %v", a.Op, who.ID, err)
	}
	return res
}

// staffRefused checks that a staff action is refused with code and changes nothing.
func (tl *testLane) staffRefused(who Actor, a StaffAction, code string) {
	tl.t.Helper()
	before := tl.View()
	_, err := tl.Staff(context.Background(), who, a, "")
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		tl.t.Fatalf("%s by %s (%s): err = %v, want %s", a.Op, who.ID, who.Role, err, code)
	}
	if after := tl.View(); after.Seq != before.Seq {
		tl.t.Fatalf("%s was refused but changed the lane: seq %d -> %d", a.Op, before.Seq, after.Seq)
	}
	tl.journalMatches()
}

// lastEvent returns the body of the journal's last event of type typ.
func (tl *testLane) lastEvent(typ string) (Event, map[string]any) {
	tl.t.Helper()
	evs, err := tl.EventsAfter(context.Background(), 0, 10000)
	if err != nil {
		tl.t.Fatal(err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type == typ {
			var m map[string]any
			if err := json.Unmarshal(evs[i].Body, &m); err != nil {
				tl.t.Fatal(err)
			}
			return evs[i], m
		}
	}
	tl.t.Fatalf("no %s event in the journal", typ)
	return Event{}, nil
}

func (tl *testLane) count(typ string) int {
	tl.t.Helper()
	var n int
	if err := tl.db.R.QueryRow(`SELECT count(*) FROM journal WHERE type = ?`, typ).Scan(&n); err != nil {
		tl.t.Fatal(err)
	}
	return n
}

// Every alert type the lane raises has a policy: who resolves it, from
// where, when it escalates and to whom. raiseOn refuses a type not in the
// table, so a type raised without a policy fails the test of its path.
func TestAlertTable(t *testing.T) {
	raised := []string{AlertItemNotFound, AlertVoidRequest, AlertCancelRequest, AlertAgeCheck, AlertHelp, AlertTypedLabel,
		AlertScannerFault, AlertPrinterFault, AlertPrinterWarning, AlertScaleFault, AlertTerminalFault,
		AlertCashPayment, AlertPaymentFailed, AlertPaymentUnknown, AlertReceiptNotPrinted, AlertRefundDue,
		AlertBagUnexpected, AlertBagMismatch, AlertBagRemoved, AlertBagNotBagged, AlertHQBacklog}
	if len(AlertTypes) != len(raised) {
		t.Errorf("AlertTypes has %d types, the lane raises %d: list a new type here", len(AlertTypes), len(raised))
	}
	for _, typ := range raised {
		at, ok := AlertTypes[typ]
		switch {
		case !ok:
			t.Errorf("%s is raised but not in AlertTypes", typ)
		case at.Role != RoleAttendant && at.Role != RoleSupervisor:
			t.Errorf("%s: role %q", typ, at.Role)
		case at.Presence != PresenceLane && at.Presence != PresenceRemote:
			t.Errorf("%s: presence %q", typ, at.Presence)
		case at.EscalateAfter < 30*time.Second:
			t.Errorf("%s: escalates after %s", typ, at.EscalateAfter)
		case at.NextRole != RoleSupervisor:
			t.Errorf("%s: escalates to %q, want the supervisor", typ, at.NextRole)
		case at.Blocking && at.Presence != PresenceLane:
			t.Errorf("%s suspends the lane but is cleared remotely", typ)
		}
	}
	// Raising a type without a policy is refused (a lane not running: its
	// state is the test's).
	db := openTestDB(t)
	defer db.Close()
	l, err := Open(t.Context(), db, nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.stmt.close()
	w := &writer{l: l, ctx: t.Context(), st: &l.st, now: t0}
	if err := l.raise(w, "disk_full", AlertDetail{}); err == nil || !strings.Contains(err.Error(), "not in AlertTypes") {
		t.Errorf("raising a type without a policy: %v", err)
	}
	w.rollback()
	// What needs someone at the lane.
	for _, typ := range []string{AlertAgeCheck, AlertVoidRequest, AlertCancelRequest, AlertItemNotFound, AlertCashPayment} {
		if AlertTypes[typ].Presence != PresenceLane {
			t.Errorf("%s must need someone at the lane", typ)
		}
	}
}

// Who may clear what: the type's least role, supervisors everything, remote
// staff only what needs no one at the lane (age checks where the store allows).
func TestMayClear(t *testing.T) {
	for _, remoteAge := range []bool{false, true} {
		l := &Lane{cfg: Config{RemoteAgeChecks: remoteAge}}
		for typ, at := range AlertTypes {
			for _, who := range []Actor{anna, sven, remo} {
				err := l.mayClear(&who, typ)
				var want string
				switch {
				case who.Role == RoleSupervisor:
				case at.Role == RoleSupervisor:
					want = "staff.role"
				case who.Role == RoleRemote && at.Presence == PresenceLane && !(typ == AlertAgeCheck && remoteAge):
					want = "staff.presence"
				}
				var got string
				var e *Error
				if errors.As(err, &e) {
					got = e.Code
				}
				if got != want {
					t.Errorf("remoteAge %v, %s clears %s: %q, want %q", remoteAge, who.Role, typ, got, want)
				}
			}
		}
	}
}

// The required figure: an alert raised at T escalates at T+EscalateAfter
// exactly on the lane's clock, not a millisecond before, and again one
// EscalateAfter later; a restart keeps the level, the role and the deadline.
func TestEscalationOnFakeClock(t *testing.T) {
	db := openTestDB(t)
	defer db.Close()
	cl := startClockLane(t, db, nil)
	a := alertOf(t, cl.scan(unknown), AlertItemNotFound)
	after := AlertTypes[AlertItemNotFound].EscalateAfter // 60 s
	if a.Role != RoleAttendant || a.Level != 0 || a.Presence != PresenceLane || a.TxnID == "" ||
		a.EscalatesAt == nil || !a.EscalatesAt.Equal(t0.Add(after)) || a.ExpectedWaitS != 60 {
		t.Fatalf("new alert %+v", a)
	}
	cl.tickAt(t0.Add(after - time.Millisecond))
	if a := alertOf(t, cl.View(), AlertItemNotFound); a.Level != 0 || cl.count("alert_escalated") != 0 {
		t.Fatalf("escalated a millisecond early: %+v", a)
	}
	cl.tickAt(t0.Add(after))
	a = alertOf(t, cl.View(), AlertItemNotFound)
	if a.Level != 1 || a.Role != RoleSupervisor || !a.EscalatesAt.Equal(t0.Add(2*after)) {
		t.Fatalf("after %s: %+v", after, a)
	}
	ev, body := cl.lastEvent("alert_escalated")
	if !ev.At.Equal(t0.Add(after)) || body["level"] != 1.0 || body["role"] != RoleSupervisor || body["id"] != float64(a.ID) || body["type"] != AlertItemNotFound {
		t.Fatalf("escalation event at %s: %v", ev.At, body)
	}
	cl.tickAt(t0.Add(2*after - time.Millisecond))
	if n := cl.count("alert_escalated"); n != 1 {
		t.Fatalf("%d escalations before the second deadline", n)
	}
	cl.tickAt(t0.Add(2 * after))
	if a = alertOf(t, cl.View(), AlertItemNotFound); a.Level != 2 || cl.count("alert_escalated") != 2 {
		t.Fatalf("second escalation: %+v", a)
	}
	if ev, _ := cl.lastEvent("alert_escalated"); !ev.At.Equal(t0.Add(2 * after)) {
		t.Fatalf("second escalation at %s", ev.At)
	}
	cl.tickAt(t0.Add(3 * after)) // the last one
	cl.tickAt(t0.Add(10 * after))
	if a = alertOf(t, cl.View(), AlertItemNotFound); a.Level != MaxAlertLevel || a.EscalatesAt != nil || cl.count("alert_escalated") != MaxAlertLevel {
		t.Fatalf("escalations past the last level: %+v", a)
	}
	cl.stop()

	cl2 := startClockLane(t, db, nil)
	if b := alertOf(t, cl2.View(), AlertItemNotFound); b.Level != a.Level || b.Role != a.Role || b.EscalatesAt != nil {
		t.Fatalf("restart: %+v, was %+v", b, a)
	}
}

// Acknowledging restarts the clock once: the next role is called
// EscalateAfter after the first "on my way", and taps after it move nothing.
func TestAckPushesEscalationOnce(t *testing.T) {
	db := openTestDB(t)
	defer db.Close()
	cl := startClockLane(t, db, nil)
	a := alertOf(t, cl.scan(unknown), AlertItemNotFound)
	cl.clock.set(t0.Add(30 * time.Second))
	res := cl.staff(anna, StaffAction{Op: OpAck, AlertID: a.ID})
	v := alertOf(t, res.View, AlertItemNotFound)
	if v.AckedBy != "anna" || v.AckedAt == nil || !v.AckedAt.Equal(t0.Add(30*time.Second)) || !v.EscalatesAt.Equal(t0.Add(90*time.Second)) {
		t.Fatalf("acked: %+v", v)
	}
	if len(res.Events) != 1 || res.Events[0].Type != "alert_acknowledged" {
		t.Fatalf("events %+v", res.Events)
	}
	_, body := cl.lastEvent("alert_acknowledged")
	if body["by"] != "anna" || body["role"] != RoleAttendant || body["id"] != float64(a.ID) || body["type"] != AlertItemNotFound {
		t.Fatalf("ack event %v", body)
	}
	// The same staff member again: nothing.
	if res := cl.staff(anna, StaffAction{Op: OpAck, AlertID: a.ID}); len(res.Events) != 0 {
		t.Fatalf("second ack by the same: %+v", res.Events)
	}
	// Another takes it over: the journal says who; the clock does not move.
	cl.clock.set(t0.Add(50 * time.Second))
	v = alertOf(t, cl.staff(berta, StaffAction{Op: OpAck, AlertID: a.ID}).View, AlertItemNotFound)
	if v.AckedBy != "berta" || !v.AckedAt.Equal(t0.Add(30*time.Second)) || !v.EscalatesAt.Equal(t0.Add(90*time.Second)) {
		t.Fatalf("taken over: %+v", v)
	}
	cl.tickAt(t0.Add(60 * time.Second))
	if cl.count("alert_escalated") != 0 {
		t.Fatal("an acknowledged alert escalated at its first deadline")
	}
	cl.tickAt(t0.Add(90 * time.Second))
	if v = alertOf(t, cl.View(), AlertItemNotFound); v.Level != 1 {
		t.Fatalf("acknowledged but not resolved: %+v", v)
	}
	cl.stop()
	cl2 := startClockLane(t, db, nil)
	if b := alertOf(t, cl2.View(), AlertItemNotFound); b.AckedBy != "berta" || !b.AckedAt.Equal(*v.AckedAt) || b.Level != 1 || !b.EscalatesAt.Equal(*v.EscalatesAt) {
		t.Fatalf("restart: %+v, was %+v", b, v)
	}
	// Resolved with a reason: by whom, how, why.
	cl2.clock.set(t0.Add(100 * time.Second))
	cl2.staff(berta, StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "done", Reason: "set aside, no label"})
	_, body = cl2.lastEvent("alert_resolved")
	if body["by"] != "berta" || body["role"] != RoleAttendant || body["outcome"] != "done" || body["reason"] != "set aside, no label" {
		t.Fatalf("resolve event %v", body)
	}
	var by, how, why, at string
	db.R.QueryRow(`SELECT resolved_by, resolution, reason, resolved_at FROM alerts WHERE id = ?`, a.ID).Scan(&by, &how, &why, &at)
	if by != "berta" || how != "done" || why != "set aside, no label" || !store.ParseStamp(at).Equal(t0.Add(100*time.Second)) {
		t.Fatalf("alert row %q %q %q %q", by, how, why, at)
	}
	cl2.staffRefused(anna, StaffAction{Op: OpAck, AlertID: a.ID}, "alert.resolved")
	cl2.staffRefused(anna, StaffAction{Op: OpAck, AlertID: 999}, "alert.not_found")
	cl2.staffRefused(anna, StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "done"}, "alert.resolved")
}

// The wait a shopper is told is the median raise-to-ack time of the lane's
// last acknowledged alerts, 30..300 s, 60 s before any; a restart keeps it.
func TestExpectedWait(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		waits []time.Duration
		want  int
	}{
		{nil, 60},
		{[]time.Duration{10 * s}, 30},
		{[]time.Duration{100 * s}, 100},
		{[]time.Duration{1000 * s}, 300},
		{[]time.Duration{40 * s, 200 * s, 50 * s}, 50},
		{[]time.Duration{40 * s, 80 * s, 60 * s, 300 * s}, 70},
		{[]time.Duration{90*s + 1}, 91},
	} {
		if got := expectedWait(tc.waits); got != tc.want {
			t.Errorf("expectedWait(%v) = %d, want %d", tc.waits, got, tc.want)
		}
	}
	db := openTestDB(t)
	defer db.Close()
	cl := startClockLane(t, db, nil)
	for i, wait := range []time.Duration{100 * s, 120 * s, 140 * s} {
		start := t0.Add(time.Duration(i) * time.Hour)
		cl.clock.set(start)
		a := alertOf(t, cl.do(Command{Op: OpHelp}).View, AlertHelp)
		cl.clock.set(start.Add(wait))
		cl.staff(anna, StaffAction{Op: OpAck, AlertID: a.ID})
		cl.staff(anna, StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "done"})
	}
	if a := alertOf(t, cl.do(Command{Op: OpHelp}).View, AlertHelp); a.ExpectedWaitS != 120 {
		t.Fatalf("expected wait %d, want 120", a.ExpectedWaitS)
	}
	cl.stop()
	if a := alertOf(t, startClockLane(t, db, nil).View(), AlertHelp); a.ExpectedWaitS != 120 {
		t.Fatalf("after restart: expected wait %d, want 120", a.ExpectedWaitS)
	}
}

// Each staff action with a role that may and one that may not: the refused
// one changes nothing and says why.
func TestStaffRoles(t *testing.T) {
	type setup func(tl *testLane) StaffAction
	unknownItem := func(op Op) setup {
		return func(tl *testLane) StaffAction {
			a := alertOf(tl.t, tl.scan(unknown), AlertItemNotFound)
			return StaffAction{Op: op, AlertID: a.ID, Outcome: "done", Price: "2.49"}
		}
	}
	ageCheck := func(tl *testLane) StaffAction {
		a := alertOf(tl.t, tl.scan(vodka), AlertAgeCheck)
		return StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "approved"}
	}
	help := func(tl *testLane) StaffAction {
		a := alertOf(tl.t, tl.do(Command{Op: OpHelp}).View, AlertHelp)
		return StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "done"}
	}
	basket := func(a StaffAction) setup {
		return func(tl *testLane) StaffAction {
			tl.scan(milk)
			tl.scan(milk)
			return a
		}
	}
	cash := func(tl *testLane) StaffAction {
		tl.scan(milk)
		tl.do(Command{Op: OpCheckout})
		tl.do(Command{Op: OpPay, Method: MethodAttendant})
		return StaffAction{Op: OpCashTaken}
	}
	for _, tc := range []struct {
		name      string
		setup     setup
		remoteAge bool
		ok        []Actor
		refused   map[string]Actor // code → actor
	}{
		{"ack any alert", unknownItem(OpAck), false, []Actor{anna, sven, remo}, nil},
		{"resolve item not found", unknownItem(OpResolve), false, []Actor{anna, sven}, map[string]Actor{"staff.presence": remo}},
		{"resolve age check", ageCheck, false, []Actor{anna, sven}, map[string]Actor{"staff.presence": remo}},
		{"resolve age check, remote allowed", ageCheck, true, []Actor{anna, sven, remo}, nil},
		{"resolve help", help, false, []Actor{anna, sven, remo}, nil},
		{"sell unknown", unknownItem(OpSellUnknown), false, []Actor{anna, sven}, map[string]Actor{"staff.presence": remo}},
		{"staff void", basket(StaffAction{Op: OpStaffVoid, Line: 1, Qty: 1}), false, []Actor{anna, sven}, map[string]Actor{"staff.presence": remo}},
		{"price override", basket(StaffAction{Op: OpPriceOverride, Line: 1, Price: "0.99"}), false, []Actor{sven},
			map[string]Actor{"staff.role": anna}},
		{"price override remote", basket(StaffAction{Op: OpPriceOverride, Line: 1, Price: "0.99"}), false, nil,
			map[string]Actor{"staff.role": remo}},
		{"staff cancel", basket(StaffAction{Op: OpStaffCancel}), false, []Actor{anna, sven}, map[string]Actor{"staff.presence": remo}},
		{"cash taken", cash, false, []Actor{anna, sven}, map[string]Actor{"staff.presence": remo}},
		{"lane close", func(*testLane) StaffAction { return StaffAction{Op: OpLaneClose, Reason: "end of day"} }, false, []Actor{anna, sven, remo}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for code, who := range tc.refused {
				tl := newLaneWith(t, func(c *Config) { c.RemoteAgeChecks = tc.remoteAge })
				tl.staffRefused(who, tc.setup(tl), code)
			}
			for _, who := range tc.ok {
				tl := newLaneWith(t, func(c *Config) { c.RemoteAgeChecks = tc.remoteAge })
				a := tc.setup(tl)
				res := tl.staff(who, a)
				if len(res.Events) == 0 {
					t.Fatalf("%s by %s changed nothing", a.Op, who.Role)
				}
				var by string
				json.Unmarshal(res.Events[0].Body, &struct{ By *string }{&by})
				if by != who.ID {
					t.Fatalf("%s by %s: first event %s says by %q", a.Op, who.ID, res.Events[0].Type, by)
				}
			}
		})
	}
}

// Malformed actions and actors change nothing.
func TestStaffValidation(t *testing.T) {
	tl := newTestLane(t)
	a := alertOf(t, tl.scan(unknown), AlertItemNotFound)
	for _, tc := range []struct {
		name string
		who  Actor
		act  StaffAction
		code string
	}{
		{"no id", Actor{Role: RoleAttendant}, StaffAction{Op: OpAck, AlertID: a.ID}, "staff.actor"},
		{"unknown role", Actor{ID: "x", Role: "boss"}, StaffAction{Op: OpAck, AlertID: a.ID}, "staff.actor"},
		{"control in id", Actor{ID: "a\x1bb", Role: RoleAttendant}, StaffAction{Op: OpAck, AlertID: a.ID}, "staff.actor"},
		{"shopper op", anna, StaffAction{Op: OpScan}, "request.op"},
		{"tick", anna, StaffAction{Op: opTick}, "request.op"},
		{"no alert id", anna, StaffAction{Op: OpAck}, "request.alert"},
		{"long reason", anna, StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "done", Reason: strings.Repeat("x", MaxReason+1)}, "request.reason"},
		{"control in reason", anna, StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "done", Reason: "ok\nfine"}, "request.reason"},
		{"bad outcome", anna, StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "maybe"}, "request.outcome"},
		{"price 0", anna, StaffAction{Op: OpSellUnknown, AlertID: a.ID, Price: "0"}, "request.price"},
		{"price 10000", anna, StaffAction{Op: OpSellUnknown, AlertID: a.ID, Price: "10000"}, "request.price"},
		{"price 3 places", anna, StaffAction{Op: OpSellUnknown, AlertID: a.ID, Price: "1.234"}, "request.price"},
		{"price comma", anna, StaffAction{Op: OpSellUnknown, AlertID: a.ID, Price: "1,23"}, "request.price"},
		{"price negative", anna, StaffAction{Op: OpSellUnknown, AlertID: a.ID, Price: "-1"}, "request.price"},
		{"weight", anna, StaffAction{Op: OpSellUnknown, AlertID: a.ID, Price: "1.00", WeightG: MaxWeightG + 1}, "request.weight"},
		{"vat class", anna, StaffAction{Op: OpSellUnknown, AlertID: a.ID, Price: "1.00", VATClass: "luxury"}, "request.vat_class"},
		{"no such alert", anna, StaffAction{Op: OpSellUnknown, AlertID: a.ID + 100, Price: "1.00"}, "alert.not_found"},
		{"void qty", anna, StaffAction{Op: OpStaffVoid, Line: 1, Qty: MaxQty + 1}, "request.qty"},
		{"void no txn line", anna, StaffAction{Op: OpStaffVoid, Line: 1}, "line.not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) { tl.staffRefused(tc.who, tc.act, tc.code) })
	}
	// The shopper API cannot send staff actions.
	for _, op := range []Op{OpAck, OpStaffVoid, OpPriceOverride, OpSellUnknown, OpStaffCancel, OpLaneClose, OpLaneOpen, OpCashTaken, opTick} {
		tl.refused(Command{Op: op, AlertID: a.ID, Line: 1, By: "anna"}, KindInvalid, "request.op")
	}
	// sell_unknown is for an item not found only.
	tl.resolve(a.ID, "done")
	age := alertOf(t, tl.scan(vodka), AlertAgeCheck)
	tl.staffRefused(anna, StaffAction{Op: OpSellUnknown, AlertID: age.ID, Price: "1.00"}, "alert.type")
}

// A staff void takes the line down at once, says who, and settles a void
// request the shopper had open for it.
func TestStaffVoid(t *testing.T) {
	tl := newTestLane(t)
	tl.scan(milk)
	tl.scan(milk)
	tl.scan(milk)
	tl.scan(oatDrink)
	tl.staffRefused(anna, StaffAction{Op: OpStaffVoid, Line: 1, Qty: 3}, "request.qty")
	tl.staffRefused(anna, StaffAction{Op: OpStaffVoid, Line: 3}, "line.not_found")
	v := tl.staff(anna, StaffAction{Op: OpStaffVoid, Line: 1, Qty: 1, Reason: "double scan"}).View
	if v.Lines[0].Qty != 1 || v.Totals.Total != "2.88" {
		t.Fatalf("after void to 1: %+v %s", v.Lines[0], v.Totals.Total)
	}
	_, body := tl.lastEvent("quantity_changed")
	if body["by"] != "anna" || body["reason"] != "double scan" || body["toQty"] != 1.0 {
		t.Fatalf("event %v", body)
	}
	v = tl.do(Command{Op: OpVoid, Line: 2}).View // the shopper asks
	req := alertOf(t, v, AlertVoidRequest)
	v = tl.staff(sven, StaffAction{Op: OpStaffVoid, Line: 2}).View
	if !v.Lines[1].Voided || len(v.Alerts) != 0 || v.State != StateShopping {
		t.Fatalf("after void: %+v %+v %s", v.Lines[1], v.Alerts, v.State)
	}
	_, body = tl.lastEvent("alert_resolved")
	if body["id"] != float64(req.ID) || body["by"] != "sven" || body["reason"] != "staff_void" {
		t.Fatalf("void request settled as %v", body)
	}
	tl.staffRefused(anna, StaffAction{Op: OpStaffVoid, Line: 2}, "line.not_found")
}

// A price override re-prices the line, is kept across a restart, and a
// later scan of the product is a new line at the catalog price.
func TestPriceOverride(t *testing.T) {
	db := openTestDB(t)
	defer db.Close()
	tl := startLane(t, db)
	tl.scan(milk)
	tl.scan(milk)
	v := tl.staff(sven, StaffAction{Op: OpPriceOverride, Line: 1, Price: "0.99", Reason: "shelf price"}).View
	if l := v.Lines[0]; l.UnitPrice != "0.99" || l.Amount != "1.98" || v.Totals.Total != "1.98" {
		t.Fatalf("overridden: %+v %s", l, v.Totals.Total)
	}
	_, body := tl.lastEvent("price_overridden")
	if body["line"] != 1.0 || body["from"] != "1.19" || body["to"] != "0.99" || body["by"] != "sven" || body["reason"] != "shelf price" {
		t.Fatalf("event %v", body)
	}
	if v = tl.scan(milk); len(v.Lines) != 2 || v.Lines[1].UnitPrice != "1.19" {
		t.Fatalf("a later scan: %+v", v.Lines)
	}
	tl.stop()
	if v := startLane(t, db).View(); v.Lines[0].UnitPrice != "0.99" || v.Totals.Total != "3.17" {
		t.Fatalf("after restart: %+v %s", v.Lines[0], v.Totals.Total)
	}
}

// An item not found is sold at the price staff give, under no GTIN, with
// the scanned code kept and named; HQ learns of it.
func TestSellUnknown(t *testing.T) {
	for _, tc := range []struct {
		name   string
		act    StaffAction
		amount string
		soldBy string
		vat    string
	}{
		{"per piece", StaffAction{Op: OpSellUnknown, Price: "2.49"}, "2.49", "each", "standard"},
		{"by weight", StaffAction{Op: OpSellUnknown, Price: "10.00", WeightG: 250, VATClass: "reduced"}, "2.50", "weight", "reduced"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTestDB(t)
			defer db.Close()
			tl := startLane(t, db)
			tl.scan(milk)
			a := alertOf(t, tl.scan(unknown), AlertItemNotFound)
			act := tc.act
			act.AlertID = a.ID
			res := tl.staff(anna, act)
			v := res.View
			if v.State != StateShopping || len(v.Alerts) != 0 || len(v.Lines) != 2 {
				t.Fatalf("after sale: %s %+v %d lines", v.State, v.Alerts, len(v.Lines))
			}
			l := v.Lines[1]
			if l.GTIN != "" || l.Names.EN != "Item not found "+unknown || l.Names.DE != "Artikel nicht gefunden "+unknown ||
				l.Names.ES != "Artículo no encontrado "+unknown || l.Amount != tc.amount || string(l.SoldBy) != tc.soldBy || l.VATClass != tc.vat {
				t.Fatalf("line %+v", l)
			}
			types := []string{}
			for _, ev := range res.Events {
				types = append(types, ev.Type)
			}
			if !slices.Equal(types, []string{"alert_resolved", "item_added", "unknown_item_sold"}) {
				t.Fatalf("events %v", types)
			}
			_, body := tl.lastEvent("unknown_item_sold")
			if body["alert"] != float64(a.ID) || body["code"] != unknown || body["by"] != "anna" || body["vatClass"] != tc.vat || body["weightG"] != float64(act.WeightG) {
				t.Fatalf("event %v", body)
			}
			_, body = tl.lastEvent("alert_resolved")
			if body["outcome"] != "approved" {
				t.Fatalf("resolved %v", body)
			}
			var code string
			db.R.QueryRow(`SELECT code FROM lines WHERE line_no = 2`).Scan(&code)
			if code != unknown {
				t.Fatalf("line code %q", code)
			}
			tl.stop()
			tl = startLane(t, db)
			if v2 := tl.View(); v2.Totals.Total != v.Totals.Total || v2.Lines[1].Names != l.Names {
				t.Fatalf("after restart: %+v", v2.Lines)
			}
			r, err := tl.Receipt(t.Context(), v.Txn.ID) // a line without a GTIN prints
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(fmt.Sprint(r), "Item not found "+unknown) {
				t.Fatalf("receipt %+v", r)
			}
		})
	}
}

// Staff cancel a basket; not while the payment runs.
func TestStaffCancel(t *testing.T) {
	tl := newTestLane(t)
	tl.staffRefused(anna, StaffAction{Op: OpStaffCancel}, "txn.none")
	tl.scan(milk)
	tl.scan(unknown) // suspended: staff act whatever is open
	v := tl.staff(anna, StaffAction{Op: OpStaffCancel, Reason: "shopper left"}).View
	if v.State != StateIdle || v.Txn != nil || len(v.Alerts) != 0 {
		t.Fatalf("after cancel: %s %+v", v.State, v.Alerts)
	}
	_, body := tl.lastEvent("txn_cancelled")
	if body["by"] != "anna" || body["reason"] != "shopper left" || body["role"] != RoleAttendant {
		t.Fatalf("event %v", body)
	}
	tl.scan(milk)
	tl.do(Command{Op: OpCheckout})
	tl.do(Command{Op: OpPay, Method: MethodAttendant})
	tl.staffRefused(anna, StaffAction{Op: OpStaffCancel}, "payment.in_progress")
	tl.staffRefused(anna, StaffAction{Op: OpStaffVoid, Line: 1}, "payment.in_progress")
	tl.staff(anna, StaffAction{Op: OpCashTaken})
	tl.staffRefused(anna, StaffAction{Op: OpStaffCancel}, "payment.paid")
	tl.staffRefused(sven, StaffAction{Op: OpPriceOverride, Line: 1, Price: "0.10"}, "payment.paid")
}

// A closed lane starts nothing, keeps its open transaction to the end, shows
// closed when idle, and stays closed across a restart.
func TestLaneClosed(t *testing.T) {
	db := openTestDB(t)
	defer db.Close()
	tl := startLane(t, db)
	tl.scan(milk)
	v := tl.staff(remo, StaffAction{Op: OpLaneClose, Reason: "closing time"}).View
	if v.State != StateShopping || !v.Closed {
		t.Fatalf("open basket on a closed lane: %s, closed %v", v.State, v.Closed)
	}
	_, body := tl.lastEvent("lane_closed")
	if body["by"] != "remo" || body["reason"] != "closing time" {
		t.Fatalf("event %v", body)
	}
	if res := tl.staff(anna, StaffAction{Op: OpLaneClose}); len(res.Events) != 0 {
		t.Fatal("closing a closed lane journaled something")
	}
	tl.scan(yoghurt) // the basket goes on
	tl.stop()
	tl = startLane(t, db)
	tl.scan(milk)
	tl.staff(anna, StaffAction{Op: OpStaffCancel})
	if v := tl.View(); v.State != StateClosed {
		t.Fatalf("idle closed lane shows %s", v.State)
	}
	tl.refused(Command{Op: OpStart}, KindState, "lane.closed")
	tl.refused(Command{Op: OpScan, Code: milk}, KindState, "lane.closed")
	tl.stop()
	tl = startLane(t, db)
	if v := tl.View(); v.State != StateClosed {
		t.Fatalf("after restart: %s", v.State)
	}
	if v := tl.staff(anna, StaffAction{Op: OpLaneOpen}).View; v.State != StateIdle || v.Closed {
		t.Fatalf("opened: %s", v.State)
	}
	if _, body := tl.lastEvent("lane_opened"); body["by"] != "anna" {
		t.Fatalf("event %v", body)
	}
	tl.scan(milk)
}

// An age approval covers later items of the same or a lower limit; a higher
// limit asks again.
func TestAgeApprovalCoversLowerLimits(t *testing.T) {
	tl := newTestLane(t)
	a := alertOf(t, tl.scan(pils), AlertAgeCheck) // 16
	tl.staff(anna, StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "approved"})
	if v := tl.scan(pils); len(v.Alerts) != 0 {
		t.Fatalf("same limit asked again: %+v", v.Alerts)
	}
	v := tl.scan(vodka) // 18
	b := alertOf(t, v, AlertAgeCheck)
	var d AlertDetail
	json.Unmarshal(b.Detail, &d)
	if d.MinAge != 18 {
		t.Fatalf("new check for %d", d.MinAge)
	}
	tl.staff(sven, StaffAction{Op: OpResolve, AlertID: b.ID, Outcome: "approved"})
	if v := tl.scan(pils); len(v.Alerts) != 0 {
		t.Fatalf("lower limit asked again: %+v", v.Alerts)
	}
	if v := tl.scan(vodka); len(v.Alerts) != 0 {
		t.Fatalf("same limit asked again: %+v", v.Alerts)
	}
}

// Self-help opened in a basket that ends without a help alert is deflected;
// with a staff call it is not; outside a basket it is journaled only. A
// restart in between keeps what was opened and whether staff were called.
func TestHelpDeflection(t *testing.T) {
	for _, tc := range []struct {
		name      string
		run       func(tl *testLane)
		deflected []string // nil: no help_deflected
	}{
		{"two topics, no call", func(tl *testLane) {
			tl.do(Command{Op: OpHelpOpened, Topic: "weighing"})
			tl.do(Command{Op: OpHelpOpened, Topic: "own_bag"})
			tl.do(Command{Op: OpHelpOpened, Topic: "weighing"})
		}, []string{"weighing", "own_bag"}},
		{"then staff called", func(tl *testLane) {
			tl.do(Command{Op: OpHelpOpened, Topic: "paying"})
			tl.do(Command{Op: OpHelp})
		}, nil},
		{"staff called first", func(tl *testLane) {
			tl.resolve(alertOf(tl.t, tl.do(Command{Op: OpHelp}).View, AlertHelp).ID, "done")
			tl.do(Command{Op: OpHelpOpened, Topic: "age"})
		}, nil},
		{"no help", func(tl *testLane) {}, nil},
	} {
		for _, restart := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				db := openTestDB(t)
				defer db.Close()
				tl := startLane(t, db)
				tl.scan(milk)
				tc.run(tl)
				if restart {
					tl.stop()
					tl = startLane(t, db)
				}
				for _, a := range tl.View().Alerts {
					tl.resolve(a.ID, "done")
				}
				tl.staff(anna, StaffAction{Op: OpStaffCancel})
				n := tl.count("help_deflected")
				if tc.deflected == nil {
					if n != 0 {
						t.Fatal("deflection counted")
					}
					return
				}
				ev, body := tl.lastEvent("help_deflected")
				got := []string{}
				for _, x := range body["topics"].([]any) {
					got = append(got, x.(string))
				}
				if n != 1 || ev.Txn == "" || !slices.Equal(got, tc.deflected) {
					t.Fatalf("%d deflections, txn %q, topics %v", n, ev.Txn, got)
				}
			})
		}
	}
	tl := newTestLane(t)
	tl.refused(Command{Op: OpHelpOpened, Topic: "parking"}, KindInvalid, "request.topic")
	res := tl.do(Command{Op: OpHelpOpened, Topic: "not_scanning"}) // no basket
	if len(res.Events) != 1 || res.Events[0].Type != "help_opened" || res.Events[0].Txn != "" || res.View.Txn != nil {
		t.Fatalf("help outside a basket: %+v", res.Events)
	}
	tl.scan(milk)
	tl.staff(anna, StaffAction{Op: OpStaffCancel})
	if tl.count("help_deflected") != 0 {
		t.Fatal("help opened before the basket counted in it")
	}
}

// A staff badge read by the scanner is neither looked up nor journaled: the
// lane's screen gets a notice with the code.
func TestStaffBadge(t *testing.T) {
	const badge = "]C0STAFF-0042"
	tl := newLaneWith(t, func(c *Config) { c.StaffBadge = func(code string) bool { return code == badge } })
	ch, cancel := tl.Subscribe(8)
	defer cancel()
	tl.Device(devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, Scan: &devices.Scan{Data: badge}})
	u := <-ch
	if u.Notice == nil || u.Notice.Kind != "staff_badge" || u.Notice.Code != badge || u.View != nil {
		t.Fatalf("update %+v", u)
	}
	tl.Device(devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, Scan: &devices.Scan{Data: "]E0" + milk}})
	if u := <-ch; u.View == nil || len(u.View.Lines) != 1 {
		t.Fatalf("a product after the badge: %+v", u)
	}
	var n int
	tl.db.R.QueryRow(`SELECT count(*) FROM journal WHERE body LIKE '%STAFF-0042%'`).Scan(&n)
	if n != 0 {
		t.Fatal("the badge code is in the journal")
	}
	tl.journalMatches()
}

// A retry of a staff action under its key changes nothing; the key on
// another action is refused.
func TestStaffIdempotency(t *testing.T) {
	tl := newTestLane(t)
	a := alertOf(t, tl.scan(unknown), AlertItemNotFound)
	act := StaffAction{Op: OpSellUnknown, AlertID: a.ID, Price: "2.49"}
	first, err := tl.Staff(t.Context(), anna, act, "k1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := tl.Staff(t.Context(), anna, act, "k1")
	if err != nil || !again.Replayed || len(again.Events) != len(first.Events) || len(tl.View().Lines) != 1 {
		t.Fatalf("retry: %v %+v", err, again)
	}
	other := act
	other.Price = "0.01"
	if _, err := tl.Staff(t.Context(), anna, other, "k1"); err == nil || err.(*Error).Code != "request.idempotency_key_reused" {
		t.Fatalf("another action under the key: %v", err)
	}
	if _, err := tl.Staff(t.Context(), sven, act, "k1"); err == nil || err.(*Error).Code != "request.idempotency_key_reused" {
		t.Fatalf("another staff member under the key: %v", err)
	}
}

// An alert raised before escalations were kept (no role, no deadline in its
// row) is called from its type and escalates from its raise.
func TestAlertFromBeforeEscalations(t *testing.T) {
	db := openTestDB(t)
	defer db.Close()
	cl := startClockLane(t, db, nil)
	a := alertOf(t, cl.scan(unknown), AlertItemNotFound)
	cl.stop()
	if _, err := db.W.Exec(`UPDATE alerts SET role = NULL, escalates_at = NULL WHERE id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	cl = startClockLane(t, db, nil)
	b := alertOf(t, cl.View(), AlertItemNotFound)
	if b.Role != RoleAttendant || b.EscalatesAt == nil || !b.EscalatesAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("old alert loads as %+v", b)
	}
	cl.tickAt(t0.Add(time.Minute))
	if b := alertOf(t, cl.View(), AlertItemNotFound); b.Level != 1 {
		t.Fatalf("old alert did not escalate: %+v", b)
	}
}

// Staff prices are typed money: digits with at most two decimals, above 0
// and at most MaxStaffPrice. Nothing a float or integer parser would also
// read (exponents, hex, signs, spaces, other scripts' digits) gets through,
// for price_override as for sell_unknown; an attendant and remote staff may
// not override at all; and after the accepted ones the basket's total, the
// transaction row's and the sum of its lines agree.
func TestStaffPricesAreMoney(t *testing.T) {
	db := openTestDB(t)
	defer db.Close()
	tl := startLane(t, db)
	tl.scan(milk)
	tl.scan(milk)
	a := alertOf(t, tl.scan(unknown), AlertItemNotFound)
	for _, p := range []string{"", "0", "0.00", "0.0", "00", "-1", "-0.01", "+1", "1e9", "1e2", "1E2", "0x10", "0X1F", "0b1", "0o7",
		"10000", "10000.00", "99999", "9999.991", "1.234", "1.", ".5", ".", "1,50", "1 ", " 1", "1_000", "NaN", "Inf", "+Inf",
		"１", "٣", "1.5\x00", "9223372036854775807", "18446744073709551616", "1/2", "€1", "1.5€"} {
		t.Run("price "+strconv.Quote(p), func(t *testing.T) {
			tl.staffRefused(sven, StaffAction{Op: OpPriceOverride, Line: 1, Price: p}, "request.price")
			tl.staffRefused(anna, StaffAction{Op: OpSellUnknown, AlertID: a.ID, Price: p}, "request.price")
		})
	}
	tl.staffRefused(anna, StaffAction{Op: OpPriceOverride, Line: 1, Price: "0.01"}, "staff.role")
	tl.staffRefused(remo, StaffAction{Op: OpPriceOverride, Line: 1, Price: "0.01"}, "staff.role")
	tl.staffRefused(Actor{ID: "boss", Role: RoleRemote + "x"}, StaffAction{Op: OpPriceOverride, Line: 1, Price: "0.01"}, "staff.actor")

	tl.staff(anna, StaffAction{Op: OpSellUnknown, AlertID: a.ID, Price: "9999.99", WeightG: MaxWeightG})
	tl.staff(sven, StaffAction{Op: OpPriceOverride, Line: 1, Price: "0001.5"})
	v := tl.staff(sven, StaffAction{Op: OpPriceOverride, Line: 2, Price: "9999.99"}).View
	if v.Lines[0].Amount != "3.00" || v.Lines[1].Amount != "299999.70" {
		t.Fatalf("lines %+v", v.Lines)
	}
	var sum, row int64
	if err := db.R.QueryRow(`SELECT coalesce(sum(amount_minor), 0) FROM lines WHERE txn_id = ? AND voided = 0`, v.Txn.ID).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if err := db.R.QueryRow(`SELECT total_minor FROM transactions WHERE id = ?`, v.Txn.ID).Scan(&row); err != nil {
		t.Fatal(err)
	}
	if v.Totals.Total != "300002.70" || sum != 30000270 || row != sum {
		t.Fatalf("total %s, lines %d, transaction row %d", v.Totals.Total, sum, row)
	}
}
