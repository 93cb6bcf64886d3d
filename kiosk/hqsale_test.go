package kiosk

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/hqwire"
)

// saleOf is the sale summary in the body of the journal's last txn_<outcome>.
func (tl *testLane) saleOf(outcome string) hqwire.Sale {
	tl.t.Helper()
	ev, _ := tl.lastEvent("txn_" + outcome)
	var body struct {
		Sale hqwire.Sale `json:"sale"`
	}
	if err := json.Unmarshal(ev.Body, &body); err != nil {
		tl.t.Fatal(err)
	}
	if body.Sale.Txn != ev.Txn || body.Sale.Outcome != outcome {
		tl.t.Fatalf("sale %s/%s in event of %s", body.Sale.Txn, body.Sale.Outcome, ev.Txn)
	}
	return body.Sale
}

func TestPaidSaleSummaryAndEffort(t *testing.T) {
	tl := payLane(t, nil, nil)
	tl.refused(Command{Op: OpEffort, Score: 4}, KindState, "effort.not_paid")
	tl.do(Command{Op: OpPay, Method: MethodAttendant})
	if _, err := tl.CashTaken(context.Background(), "anna", ""); err != nil {
		t.Fatal(err)
	}
	for _, score := range []int{0, 6, -1} {
		tl.refused(Command{Op: OpEffort, Score: score}, KindInvalid, "request.score")
	}
	v := tl.do(Command{Op: OpEffort, Score: 4}).View
	if v.Txn == nil || v.Txn.Effort != 4 {
		t.Fatalf("view after the answer: %+v", v.Txn)
	}
	tl.refused(Command{Op: OpEffort, Score: 1}, KindState, "effort.answered") // one answer per sale
	ev, body := tl.lastEvent("effort_answered")
	if body["txn"] != ev.Txn || body["score"] != 4.0 {
		t.Fatalf("effort_answered %v in %s", body, ev.Txn)
	}
	tl.do(Command{Op: OpReceipt, Choice: "none"})
	tl.do(Command{Op: OpFinish})
	tl.refused(Command{Op: OpEffort, Score: 5}, KindState, "effort.not_paid") // the next shopper cannot rate it

	s := tl.saleOf("paid")
	if len(s.Lines) != 2 || s.Items != 2 || s.TotalMinor != 288 || s.Currency != "EUR" || s.Started.After(s.Ended) {
		t.Fatalf("sale %+v", s)
	}
	var lines, tenders, gross, netTax int64
	for _, l := range s.Lines {
		lines += l.AmountMinor
	}
	for _, tn := range s.Tenders {
		tenders += tn.AmountMinor
	}
	for _, g := range s.VAT {
		gross += g.GrossMinor
		netTax += g.NetMinor + g.TaxMinor
	}
	if lines != 288 || tenders != 288 || gross != 288 || netTax != 288 || s.Tenders[0].Method != "cash" {
		t.Fatalf("lines %d tenders %d VAT gross %d net+tax %d: %+v", lines, tenders, gross, netTax, s)
	}
}

func TestCancelledSaleSummaryKeepsVoidedLines(t *testing.T) {
	tl := newLaneWith(t, nil)
	tl.scan(milk)
	tl.scan(oatDrink)
	tl.staff(Actor{ID: "sam", Role: RoleSupervisor}, StaffAction{Op: OpStaffVoid, Line: 1, Reason: "changed mind"})
	tl.staff(Actor{ID: "sam", Role: RoleSupervisor}, StaffAction{Op: OpStaffCancel, Reason: "left"})
	s := tl.saleOf("cancelled")
	if len(s.Lines) != 2 || !s.Lines[0].Voided || s.Lines[1].Voided || len(s.Tenders) != 0 || s.Items != 1 {
		t.Fatalf("cancelled sale %+v", s)
	}
	if s.TotalMinor != s.Lines[1].AmountMinor {
		t.Fatalf("total %d, the one line left %d", s.TotalMinor, s.Lines[1].AmountMinor)
	}
}

func TestHQBacklogAlertOncePerOutage(t *testing.T) {
	tl := newLaneWith(t, nil)
	ctx := context.Background()
	open := func() []Alert {
		var out []Alert
		for _, a := range tl.View().Alerts {
			if a.Type == AlertHQBacklog {
				out = append(out, Alert{ID: a.ID, Type: a.Type, Blocking: a.Blocking})
			}
		}
		return out
	}
	if err := tl.HQBacklog(ctx, true, 120, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	tl.scan(milk) // selling goes on: the alert blocks nothing
	if err := tl.HQBacklog(ctx, true, 130, 3*time.Hour); err != nil {
		t.Fatal(err)
	}
	raised := func() int {
		var n int
		if err := tl.db.R.QueryRow(`SELECT count(*) FROM journal WHERE type = 'alert_raised' AND json_extract(body, '$.type') = 'hq_backlog'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a := open(); len(a) != 1 || a[0].Blocking || raised() != 1 {
		t.Fatalf("open hq_backlog alerts %+v, raised %d", a, raised())
	}
	ev, body := tl.lastEvent("alert_raised")
	if d := body["detail"].(map[string]any); d["events"] != 120.0 || d["ageS"] != 7200.0 || body["txn"] != nil || ev.Txn != "" {
		t.Fatalf("alert_raised %v (in %q)", body, ev.Txn)
	}
	tl.cancelBasket() // a sale ending does not close it
	if len(open()) != 1 {
		t.Fatal("the sale's end closed the hq_backlog alert")
	}
	if err := tl.HQBacklog(ctx, false, 0, 0); err != nil {
		t.Fatal(err)
	}
	if _, body := tl.lastEvent("alert_resolved"); len(open()) != 0 || body["outcome"] != "recovered" || body["type"] != AlertHQBacklog {
		t.Fatalf("caught up: open %+v, resolved %v", open(), body)
	}
	if err := tl.HQBacklog(ctx, true, 5, time.Hour); err != nil { // the next outage
		t.Fatal(err)
	}
	if len(open()) != 1 || raised() != 2 {
		t.Fatal("no alert for the next outage")
	}
	if _, err := tl.Do(ctx, Command{Op: opHQBacklog}); err == nil {
		t.Fatal("the shopper API reached the HQ backlog command")
	}
}

func TestHQStatus(t *testing.T) {
	tl := newLaneWith(t, nil)
	tl.scan(unknown) // not a product: an open alert
	s := tl.HQStatus()
	if s.Lane != tl.ID() || s.Store == "" || s.OpenAlerts != len(tl.View().Alerts) || s.OpenAlerts == 0 || s.Closed || s.At.IsZero() {
		t.Fatalf("status %+v", s)
	}
}
