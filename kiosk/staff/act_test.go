package staff

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/kiosk"
)

const (
	milk    = "4063658814593" // in the demo catalog
	unknown = "5901234123457" // valid EAN-13, not in it: item_not_found
)

// startLane runs a real lane on f's database with the demo catalog.
func (f *fixture) startLane() *kiosk.Lane {
	f.t.Helper()
	ctx := context.Background()
	if _, err := catalog.NewDB(f.db).EnsureDemo(ctx, catalog.DefaultVATRates()); err != nil {
		f.t.Fatal(err)
	}
	l, err := kiosk.Open(ctx, f.db, catalog.NewDB(f.db), kiosk.Config{Now: f.clk.Now})
	if err != nil {
		f.t.Fatal(err)
	}
	lctx, stop := context.WithCancel(ctx)
	go l.Run(lctx)
	f.t.Cleanup(func() { stop(); <-l.Done() })
	return l
}

// outcomeWant is what the audit must say of err: ok, or the refusal's code.
func outcomeWant(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return OutcomeOK
	}
	var ke *kiosk.Error
	if !errors.As(err, &ke) {
		t.Fatalf("the lane answered %T %v, not a *kiosk.Error", err, err)
	}
	return ke.Code
}

// TestActAudits: every staff action is audited with its outcome, whatever
// the lane answers (today's placeholder refuses all with staff.unsupported;
// the lane's own refusals, and ok, once it acts).
func TestActAudits(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	lane := f.startLane()
	f.add("anna", kiosk.RoleAttendant, "2580", "")
	sess, err := f.svc.Login(ctx, "anna", "2580", "handheld 10.0.0.7")
	if err != nil {
		t.Fatal(err)
	}
	res, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: unknown})
	if err != nil || len(res.View.Alerts) != 1 {
		t.Fatalf("scan unknown: %v", err)
	}
	alert := res.View.Alerts[0].ID
	txn := res.View.Txn.ID
	for _, tc := range []struct {
		name   string
		a      kiosk.StaffAction
		target string
		refuse bool // the lane must refuse it, placeholder or not
	}{
		{"ack", kiosk.StaffAction{Op: kiosk.OpAck, AlertID: alert}, "alert " + itoa(alert), false},
		{"no such alert", kiosk.StaffAction{Op: kiosk.OpAck, AlertID: 99999}, "alert 99999", true},
		{"unknown op", kiosk.StaffAction{Op: "frobnicate"}, "txn " + txn, true},
		{"void", kiosk.StaffAction{Op: kiosk.OpStaffVoid, Line: 7, Qty: 0, Reason: "double scan"}, "line 7", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Act(ctx, lane, sess, tc.a, "key-"+tc.name)
			if tc.refuse && err == nil {
				t.Fatal("the lane did it")
			}
			want := outcomeWant(t, err)
			e := f.last()
			if e.Action != string(tc.a.Op) || e.Actor != "anna" || e.Role != kiosk.RoleAttendant || e.Where != "handheld 10.0.0.7" ||
				e.Lane != lane.ID() || e.Target != tc.target || e.Outcome != want || e.Detail["txn"] != txn {
				t.Fatalf("audit %+v, want outcome %s", e, want)
			}
			if tc.a.Op == kiosk.OpStaffVoid && (e.Detail["qty"] != float64(0) || e.Detail["reason"] != "double scan") {
				t.Fatalf("detail %v", e.Detail)
			}
		})
	}

	// An ended session reaches no lane, and is audited.
	f.svc.Logout(ctx, sess.Token)
	seq := lane.View().Seq
	_, err = f.svc.Act(ctx, lane, sess, kiosk.StaffAction{Op: kiosk.OpLaneClose, Reason: "closing"}, "k2")
	if !errors.Is(err, ErrNoSession) || lane.View().Seq != seq {
		t.Fatalf("act after logout: %v", err)
	}
	if e := f.last(); e.Action != string(kiosk.OpLaneClose) || e.Outcome != "no_session" || e.Actor != "anna" {
		t.Fatalf("audit: %+v", e)
	}
	if _, err := f.svc.Act(ctx, lane, nil, kiosk.StaffAction{Op: kiosk.OpAck, AlertID: alert}, "k3"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("act without a session: %v", err)
	}
}

type fakePrinter struct{ jobs [][]byte }

func (p *fakePrinter) Print(_ context.Context, job []byte) error {
	p.jobs = append(p.jobs, job)
	return nil
}

func (p *fakePrinter) Status() devices.Status { return devices.Status{Connected: true} }

func TestReprintAudits(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	lane := f.startLane()
	f.add("sam", kiosk.RoleSupervisor, "1397", "")
	sess, _ := f.svc.Login(ctx, "sam", "1397", "handheld 10.0.0.8")
	p := &fakePrinter{}

	// No transaction yet: refused, audited.
	err := f.svc.Reprint(ctx, lane, p, sess, "")
	if e := f.last(); err == nil || e.Action != ActionReprint || e.Outcome != outcomeWant(t, err) || e.Target != "last" {
		t.Fatalf("reprint before any sale: %v, audit %+v", err, e)
	}
	res, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: milk})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Reprint(ctx, lane, p, sess, res.View.Txn.ID); err != nil || len(p.jobs) != 1 {
		t.Fatalf("reprint: %v, %d jobs", err, len(p.jobs))
	}
	if e := f.last(); e.Action != ActionReprint || e.Outcome != OutcomeOK || e.Actor != "sam" || e.Target != res.View.Txn.ID || e.Lane != lane.ID() {
		t.Fatalf("audit: %+v", e)
	}
	// No printer: the lane's refusal code.
	err = f.svc.Reprint(ctx, lane, nil, sess, "")
	if e := f.last(); e.Outcome != "printer.none" || err == nil {
		t.Fatalf("no printer: %v, audit %+v", err, e)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
