package kiosk

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
)

// scriptTerm is a card terminal at the lane's payment contract, scripted per
// payment: the lane's own rules (what is journaled when, what is asked after
// a lost answer) are tested against it deterministically. The ZVT driver and
// its simulator are tested end to end in devices/zvt and cmd/kiosk.
type scriptTerm struct {
	mu      sync.Mutex
	next    []string // behaviours, one per Pay: approve, decline, offline, not_sent, lost_after_charge, lost_and_silent, lost_before_charge, hang_after_charge, wait_card, mismatch
	ledger  []devices.PaymentResult
	last    devices.PaymentResult
	receipt int
	pays    int
	lastErr error // LastResult fails with this while set
	abort   chan struct{}
	reverse []int // receipt numbers reversed
	// reverseErr, when set, makes Reverse fail.
	reverseErr error
}

func newScriptTerm(next ...string) *scriptTerm {
	return &scriptTerm{next: next, receipt: 100, abort: make(chan struct{}, 1), last: devices.PaymentResult{ReceiptNo: 100, Approved: true, Amount: 500}}
}

func (s *scriptTerm) charge(amount int64, offline bool) devices.PaymentResult {
	s.receipt++
	r := devices.PaymentResult{Approved: true, Amount: amount, Trace: s.receipt + 1000, ReceiptNo: s.receipt, MaskedPAN: "476173******0010",
		CardName: "VISA", Offline: offline, TerminalID: "52500001", Receipt: []string{"KUNDENBELEG", "VISA", "BETRAG EUR"}}
	s.ledger = append(s.ledger, r)
	s.last = r
	return r
}

func (s *scriptTerm) Pay(ctx context.Context, req devices.PaymentRequest, h devices.PaymentHooks) (devices.PaymentResult, error) {
	s.mu.Lock()
	s.pays++
	b := "approve"
	if len(s.next) > 0 {
		b, s.next = s.next[0], s.next[1:]
	}
	s.mu.Unlock()
	if h.Progress != nil {
		h.Progress(devices.ProgressInsertCard, "")
	}
	switch b {
	case "not_sent":
		return devices.PaymentResult{}, devices.ErrNotSent
	case "lost_before_charge":
		return devices.PaymentResult{}, errors.New("link lost")
	case "wait_card":
		select {
		case <-s.abort:
			r := devices.PaymentResult{Result: 0x6C}
			s.mu.Lock()
			s.last = r
			s.mu.Unlock()
			return r, nil
		case <-ctx.Done():
			return devices.PaymentResult{}, ctx.Err()
		}
	case "decline":
		r := devices.PaymentResult{Result: 0x05}
		s.mu.Lock()
		s.last = r
		s.mu.Unlock()
		return r, h.Record(r)
	}
	s.mu.Lock()
	amount := req.Amount
	if b == "mismatch" {
		amount++
	}
	r := s.charge(amount, b == "offline")
	s.mu.Unlock()
	switch b {
	case "lost_after_charge":
		return devices.PaymentResult{}, errors.New("link lost after the approval")
	case "lost_and_silent": // charged, then the terminal stops answering
		s.mu.Lock()
		s.lastErr = errors.New("terminal does not answer")
		s.mu.Unlock()
		return devices.PaymentResult{}, errors.New("link lost after the approval")
	case "hang_after_charge":
		<-ctx.Done()
		return devices.PaymentResult{}, ctx.Err()
	}
	if err := h.Record(r); err != nil {
		return devices.PaymentResult{}, err
	}
	switch b {
	case "ack_lost": // recorded, but the acknowledgement never reached the terminal, which keeps the approval
		return devices.PaymentResult{}, errors.New("acknowledging the status information: link lost")
	case "ack_lost_reversed": // … and which reverses it by itself
		s.mu.Lock()
		s.receipt++
		s.last = devices.PaymentResult{Approved: true, Reversal: true, ReversedTrace: r.Trace, ReceiptNo: s.receipt, Amount: r.Amount}
		s.mu.Unlock()
		return devices.PaymentResult{}, errors.New("acknowledging the status information: link lost")
	}
	return r, nil
}

func (s *scriptTerm) LastResult(context.Context) (devices.PaymentResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastErr != nil {
		return devices.PaymentResult{}, s.lastErr
	}
	return s.last, nil
}

func (s *scriptTerm) Reverse(_ context.Context, receiptNo int, amount int64, _ devices.PaymentHooks) (devices.PaymentResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reverseErr != nil {
		return devices.PaymentResult{}, s.reverseErr
	}
	s.reverse = append(s.reverse, receiptNo)
	s.receipt++
	return devices.PaymentResult{Approved: true, ReceiptNo: s.receipt, Amount: amount}, nil
}

func (s *scriptTerm) Abort(context.Context) error {
	select {
	case s.abort <- struct{}{}:
	default:
	}
	return nil
}

func (s *scriptTerm) Status(context.Context) (devices.TerminalStatus, error) {
	return devices.TerminalStatus{Ready: true}, nil
}

func (s *scriptTerm) EndOfDay(context.Context) (devices.PaymentResult, error) {
	return devices.PaymentResult{Approved: true}, nil
}

func (s *scriptTerm) counts() (pays, charges, reversals int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pays, len(s.ledger), len(s.reverse)
}

// payLane is a lane with term as its card terminal and a basket of milk and
// oat drink (2.88) at the pay screen.
func payLane(t *testing.T, term devices.PaymentTerminal, edit func(*Config)) *testLane {
	t.Helper()
	tl := newLaneWith(t, func(c *Config) {
		c.Terminal = term
		if edit != nil {
			edit(c)
		}
	})
	tl.scan(milk)
	tl.scan(oatDrink)
	tl.do(Command{Op: OpCheckout})
	return tl
}

// paymentRows are the payments as attempt:method:state:amount.
func (tl *testLane) paymentRows() []string {
	tl.t.Helper()
	return tl.column(`SELECT attempt || ':' || method || ':' || state || ':' || amount_minor FROM payments ORDER BY txn_id, attempt`)
}

// journalTypes are the journal's event types in order.
func (tl *testLane) journalTypes() []string {
	tl.t.Helper()
	return tl.column(`SELECT type FROM journal ORDER BY seq`)
}

// column reads a query's one column as strings.
func (tl *testLane) column(q string) []string {
	tl.t.Helper()
	rows, err := tl.db.R.Query(q)
	if err != nil {
		tl.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

// waitJournal waits until the journal holds an event of type typ.
func (tl *testLane) waitJournal(typ string) {
	tl.t.Helper()
	for i := 0; i < 1000; i++ {
		if slices.Contains(tl.journalTypes(), typ) {
			return
		}
		time.Sleep(3 * time.Millisecond)
	}
	tl.t.Fatalf("no %s in the journal: %v", typ, tl.journalTypes())
}

// before reports whether event a comes before event b in types.
func before(types []string, a, b string) bool {
	ia, ib := -1, -1
	for i, s := range types {
		if s == a && ia < 0 {
			ia = i
		}
		if s == b && ib < 0 {
			ib = i
		}
	}
	return ia >= 0 && ib >= 0 && ia < ib
}

func TestCardPaymentToReceiptAndIdle(t *testing.T) {
	term := newScriptTerm("approve")
	tl := payLane(t, term, func(c *Config) { c.Receipt.URL = "https://receipts.example.com/r/{txn}" })
	tl.do(Command{Op: OpPay, Method: MethodCard})
	v := tl.waitFor("paid", func(v *View) bool { return v.State == StatePaid })
	if v.Receipt == nil || v.Receipt.Total != "2.88" || len(v.Receipt.Tenders) != 1 {
		t.Fatalf("receipt view %+v", v.Receipt)
	}
	if tn := v.Receipt.Tenders[0]; tn.Kind != "card" || tn.Amount != "2.88" || tn.MaskedPAN != "476173******0010" || tn.CardName != "VISA" {
		t.Fatalf("tender %+v", tn)
	}
	if v.Receipt.URL != "https://receipts.example.com/r/"+v.Txn.ID {
		t.Fatalf("receipt url %q", v.Receipt.URL)
	}
	tl.waitJournal("payment_completed") // the terminal finishes (its text) after its result
	types := tl.journalTypes()
	if !before(types, "payment_requested", "payment_result") || !before(types, "payment_started", "payment_requested") {
		t.Fatalf("journal order %v", types)
	}
	// The basket is frozen once paid.
	tl.refused(Command{Op: OpQuantity, Line: 1, Qty: 2}, KindState, "payment.paid")
	tl.refused(Command{Op: OpCancel}, KindState, "payment.paid")
	// Printed before the shopper leaves, the receipt is a paid one.
	if r, err := tl.Receipt(context.Background(), v.Txn.ID); err != nil || r.Status != "paid" {
		t.Fatalf("receipt of the paid, open sale: %q, %v", r.Status, err)
	}
	v = tl.do(Command{Op: OpReceipt, Choice: "qr"}).View
	if v.State != StateReceipt || v.Receipt.Choice != "qr" {
		t.Fatalf("after receipt choice: %s %+v", v.State, v.Receipt)
	}
	id := v.Txn.ID
	v = tl.do(Command{Op: OpFinish}).View
	if v.State != StateIdle {
		t.Fatalf("after finish: %s", v.State)
	}
	var reason string
	var total int64
	tl.db.R.QueryRow(`SELECT end_reason, total_minor FROM transactions WHERE id = ?`, id).Scan(&reason, &total)
	if reason != "paid" || total != 288 {
		t.Fatalf("transaction ended %q with total %d", reason, total)
	}
	if got := tl.paymentRows(); len(got) != 1 || got[0] != "1:card:approved:288" {
		t.Fatalf("payments %v", got)
	}
	if _, charges, _ := term.counts(); charges != 1 {
		t.Fatalf("%d charges", charges)
	}
	r, err := tl.Receipt(context.Background(), id)
	if err != nil || r.Status != "paid" {
		t.Fatalf("receipt status %q, %v", r.Status, err)
	}
	if len(r.Tenders) != 1 || r.Tenders[0].Card != "VISA 476173******0010" || r.Tenders[0].Terminal != "52500001" ||
		!r.Tenders[0].Amount.Equal(r.Total) || len(r.Tenders[0].Text) != 3 || r.Tenders[0].Text[0] != "KUNDENBELEG" {
		t.Fatalf("tenders %+v", r.Tenders)
	}
	tl.journalMatches()
}

func TestCardPaymentFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		script  []string
		errKey  string
		state   string
		charges int
	}{
		{"declined", []string{"decline"}, "payment.declined", "declined", 0},
		{"terminal did not take it", []string{"not_sent"}, "payment.terminal_unavailable", "not_charged", 0},
		{"answer lost before the charge", []string{"lost_before_charge"}, "payment.not_charged", "not_charged", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			term := newScriptTerm(tc.script...)
			tl := payLane(t, term, nil)
			tl.do(Command{Op: OpPay, Method: MethodCard})
			v := tl.waitFor("failed", func(v *View) bool { return v.State == StateReadyToPay && v.Payment != nil })
			if v.Payment.Status != "failed" || v.Payment.Error != tc.errKey {
				t.Fatalf("payment view %+v", v.Payment)
			}
			if tc.errKey != "payment.cancelled" {
				alertOf(t, v, AlertPaymentFailed)
			}
			if got := tl.paymentRows(); got[0] != "1:card:"+tc.state+":288" {
				t.Fatalf("payments %v", got)
			}
			// The shopper tries again: a second attempt that is approved.
			tl.do(Command{Op: OpPay, Method: MethodCard})
			tl.waitFor("paid", func(v *View) bool { return v.State == StatePaid })
			if pays, charges, _ := term.counts(); pays != 2 || charges != tc.charges+1 {
				t.Fatalf("pays %d charges %d", pays, charges)
			}
			if got := tl.paymentRows(); len(got) != 2 || got[1] != "2:card:approved:288" {
				t.Fatalf("payments %v", got)
			}
			tl.journalMatches()
		})
	}
}

// An approval whose answer is lost is found by asking the terminal, never by
// paying again.
func TestLostAnswerIsAskedNotPaidAgain(t *testing.T) {
	term := newScriptTerm("lost_after_charge")
	tl := payLane(t, term, nil)
	tl.do(Command{Op: OpPay, Method: MethodCard})
	v := tl.waitFor("paid", func(v *View) bool { return v.State == StatePaid })
	if pays, charges, _ := term.counts(); pays != 1 || charges != 1 {
		t.Fatalf("pays %d charges %d", pays, charges)
	}
	types := tl.journalTypes()
	if !before(types, "payment_outcome_unknown", "payment_result") {
		t.Fatalf("journal %v", types)
	}
	for _, a := range v.Alerts {
		if a.Type == AlertPaymentUnknown {
			t.Fatalf("payment_unknown still open after the terminal answered: %+v", v.Alerts)
		}
	}
}

// A terminal that does not answer the enquiry leaves the payment unknown
// and staff called; when it answers, the sale completes.
func TestUnknownOutcomeWaitsForTheTerminal(t *testing.T) {
	term := newScriptTerm("lost_and_silent")
	tl := payLane(t, term, func(c *Config) { c.Payment.EnquiryEvery = 5 * time.Millisecond })
	tl.do(Command{Op: OpPay, Method: MethodCard})
	v := tl.waitFor("unknown", func(v *View) bool { return v.Payment != nil && v.Payment.Status == "unknown" })
	alertOf(t, v, AlertPaymentUnknown)
	if v.Payment.CanCancel {
		t.Fatal("an unknown payment offered cancel")
	}
	tl.refused(Command{Op: OpScan, Code: milk}, KindState, "payment.in_progress")
	tl.refused(Command{Op: OpResume}, KindState, "payment.in_progress")
	term.mu.Lock()
	term.lastErr = nil
	term.mu.Unlock()
	tl.waitFor("paid", func(v *View) bool { return v.State == StatePaid })
	if pays, charges, _ := term.counts(); pays != 1 || charges != 1 {
		t.Fatalf("pays %d charges %d", pays, charges)
	}
}

// Staff settle an unknown outcome when the terminal cannot be asked; an
// approval the terminal reports later for it is reversed.
func TestStaffSettleAnUnknownOutcome(t *testing.T) {
	term := newScriptTerm("lost_and_silent")
	tl := payLane(t, term, func(c *Config) { c.Payment.EnquiryEvery = 5 * time.Millisecond })
	tl.do(Command{Op: OpPay, Method: MethodCard})
	v := tl.waitFor("unknown", func(v *View) bool { return v.Payment != nil && v.Payment.Status == "unknown" })
	v = tl.resolve(alertOf(t, v, AlertPaymentUnknown).ID, "rejected")
	if v.State != StateReadyToPay || v.Payment.Error != "payment.not_charged" {
		t.Fatalf("%s %+v", v.State, v.Payment)
	}
	term.mu.Lock()
	term.lastErr = nil // the terminal answers: it had charged
	term.mu.Unlock()
	for {
		if _, _, rev := term.counts(); rev == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	types := tl.journalTypes()
	for i := 0; i < 500 && !before(types, "payment_orphan_approval", "payment_reversed"); i++ {
		time.Sleep(2 * time.Millisecond)
		types = tl.journalTypes()
	}
	if !before(types, "payment_orphan_approval", "payment_reversed") {
		t.Fatalf("journal %v", types)
	}
}

// The lane stops while the terminal holds an approval it never answered:
// the next start asks the terminal and completes the sale, without paying
// again.
func TestRestartAsksTheTerminal(t *testing.T) {
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	term := newScriptTerm("hang_after_charge")
	edit := func(c *Config) { c.Terminal = term }
	tl := startLaneWith(t, db, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), edit)
	tl.scan(milk)
	tl.do(Command{Op: OpCheckout})
	tl.do(Command{Op: OpPay, Method: MethodCard})
	tl.waitFor("sent", func(v *View) bool { return v.Payment != nil && v.Payment.Status == "in_progress" })
	for {
		if _, charges, _ := term.counts(); charges == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	tl.stop()
	tl2 := startLaneWith(t, db, tl.clock, edit)
	tl2.waitFor("paid after restart", func(v *View) bool { return v.State == StatePaid })
	if pays, charges, _ := term.counts(); pays != 1 || charges != 1 {
		t.Fatalf("pays %d charges %d", pays, charges)
	}
}

// A payment that was never sent when the lane stopped is closed as
// interrupted: nothing was charged, the shopper pays again.
func TestRestartBeforeSendingClosesTheAttempt(t *testing.T) {
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	tl := startLaneWith(t, db, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), nil)
	tl.scan(milk)
	tl.do(Command{Op: OpCheckout})
	// A lane without terminal cannot start a card payment: write the
	// attempt as a lane that died right after the shopper's press leaves it.
	tl.stop()
	if _, err := db.W.Exec(`INSERT INTO payments (txn_id, attempt, lane_id, method, amount_minor, state, created_at, updated_at)
		SELECT id, 1, lane_id, 'card', 119, 'requested', started_at, started_at FROM transactions`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.Exec(`UPDATE transactions SET state = 'paying'`); err != nil {
		t.Fatal(err)
	}
	term := newScriptTerm()
	tl2 := startLaneWith(t, db, tl.clock, func(c *Config) { c.Terminal = term })
	v := tl2.waitFor("interrupted", func(v *View) bool { return v.State == StateReadyToPay && v.Payment != nil })
	if v.Payment.Error != "payment.interrupted" {
		t.Fatalf("payment %+v", v.Payment)
	}
	if pays, _, _ := term.counts(); pays != 0 {
		t.Fatalf("the interrupted payment was sent %d times", pays)
	}
}

func TestShopperCancelsBeforeTheCard(t *testing.T) {
	term := newScriptTerm("wait_card")
	tl := payLane(t, term, nil)
	tl.do(Command{Op: OpPay, Method: MethodCard})
	v := tl.waitFor("in progress", func(v *View) bool {
		return v.Payment != nil && v.Payment.Status == "in_progress" && v.Payment.Progress == devices.ProgressInsertCard
	})
	if !v.Payment.CanCancel {
		t.Fatal("cannot cancel while the terminal waits for the card")
	}
	tl.refused(Command{Op: OpScan, Code: milk}, KindState, "payment.in_progress")
	tl.do(Command{Op: OpPayCancel})
	v = tl.waitFor("cancelled", func(v *View) bool { return v.State == StateReadyToPay && v.Payment != nil })
	if v.Payment.Error != "payment.cancelled" {
		t.Fatalf("payment %+v", v.Payment)
	}
	for _, a := range v.Alerts {
		if a.Type == AlertPaymentFailed {
			t.Fatal("the shopper's own cancel called staff")
		}
	}
	// Back to scanning works after a cancelled payment.
	tl.do(Command{Op: OpResume})
	tl.scan(yoghurt)
}

func TestPayAtTheAttendant(t *testing.T) {
	tl := payLane(t, nil, nil)
	tl.refused(Command{Op: OpPay, Method: MethodCard}, KindState, "payment.no_terminal")
	v := tl.do(Command{Op: OpPay, Method: MethodAttendant}).View
	if v.State != StatePaying || v.Payment.Status != "waiting_staff" || !v.Payment.CanCancel {
		t.Fatalf("%s %+v", v.State, v.Payment)
	}
	if res := tl.do(Command{Op: OpPay, Method: MethodAttendant}); len(res.Events) != 0 { // pressed twice
		t.Fatalf("a second press: %+v", res.Events)
	}
	tl.refused(Command{Op: OpPay, Method: MethodCard}, KindState, "payment.in_progress")
	a := alertOf(t, v, AlertCashPayment)
	if _, err := tl.Do(context.Background(), Command{Op: OpCashTaken, By: "anna"}); err == nil {
		t.Fatal("the shopper API took cash")
	}
	if _, err := tl.Resolve(context.Background(), a.ID, "done", "anna", ""); err == nil {
		t.Fatal("cash_payment resolved as done")
	}
	res, err := tl.CashTaken(context.Background(), "anna", "")
	if err != nil {
		t.Fatal(err)
	}
	if v = res.View; v.State != StatePaid || v.Receipt.Tenders[0].Kind != "cash" || v.Receipt.Tenders[0].Amount != "2.88" {
		t.Fatalf("%s %+v", v.State, v.Receipt)
	}
	for _, al := range v.Alerts {
		if al.Type == AlertCashPayment {
			t.Fatal("cash_payment alert still open")
		}
	}
	if _, err := tl.CashTaken(context.Background(), "anna", ""); err == nil {
		t.Fatal("cash taken twice")
	}
	tl.do(Command{Op: OpReceipt, Choice: "none"})
	tl.do(Command{Op: OpFinish})
}

func TestAttendantRefusesOrShopperLeavesTheQueue(t *testing.T) {
	tl := payLane(t, nil, nil)
	v := tl.do(Command{Op: OpPay, Method: MethodAttendant}).View
	v = tl.resolve(alertOf(t, v, AlertCashPayment).ID, "rejected")
	if v.State != StateReadyToPay || v.Payment.Error != "payment.cash_refused" {
		t.Fatalf("%s %+v", v.State, v.Payment)
	}
	tl.do(Command{Op: OpPay, Method: MethodAttendant})
	v = tl.do(Command{Op: OpPayCancel}).View
	if v.State != StateReadyToPay || len(v.Alerts) != 1 || v.Alerts[0].Type != AlertPaymentFailed {
		t.Fatalf("%s %+v", v.State, v.Alerts)
	}
}

// An approval for another amount than asked is never a sale: it is reversed.
func TestAmountMismatchIsReversed(t *testing.T) {
	term := newScriptTerm("mismatch")
	tl := payLane(t, term, nil)
	tl.do(Command{Op: OpPay, Method: MethodCard})
	v := tl.waitFor("failed", func(v *View) bool { return v.State == StateReadyToPay && v.Payment != nil })
	if v.Payment.Error != "payment.amount_mismatch" {
		t.Fatalf("%+v", v.Payment)
	}
	for {
		if _, _, rev := term.counts(); rev == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	waitRow := func() []string {
		for i := 0; i < 500; i++ {
			if got := tl.paymentRows(); got[0] == "1:card:reversed:288" {
				return got
			}
			time.Sleep(2 * time.Millisecond)
		}
		return tl.paymentRows()
	}
	if got := waitRow(); got[0] != "1:card:reversed:288" {
		t.Fatalf("payments %v", got)
	}
}

// syncPrinter is a printer the print worker and the test share.
type syncPrinter struct {
	mu   sync.Mutex
	jobs int
	err  error
}

func (p *syncPrinter) Print(context.Context, []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.jobs++
	return nil
}

func (p *syncPrinter) Status() devices.Status { return devices.Status{Connected: true} }

func TestPaidReceiptPrintsOrFallsBackToQR(t *testing.T) {
	pr := &syncPrinter{}
	tl := payLane(t, newScriptTerm(), func(c *Config) { c.Printer = pr })
	tl.do(Command{Op: OpPay, Method: MethodCard})
	v := tl.waitFor("paid", func(v *View) bool { return v.State == StatePaid })
	if !v.Receipt.PrinterReady {
		t.Fatal("printer not offered")
	}
	tl.do(Command{Op: OpReceipt, Choice: "print"})
	tl.waitFor("printed", func(v *View) bool { return v.Receipt != nil && v.Receipt.Printed })
	tl.do(Command{Op: OpReceipt, Choice: "print"}) // a second press prints nothing more
	pr.mu.Lock()
	jobs := pr.jobs
	pr.mu.Unlock()
	if jobs != 1 {
		t.Fatalf("%d jobs", jobs)
	}
	// The next shopper's scan ends the paid sale.
	v = tl.scan(milk)
	if v.State != StateShopping || len(v.Lines) != 1 {
		t.Fatalf("%s %d lines", v.State, len(v.Lines))
	}

	// A printer that fails: the screen keeps the QR, staff are called, and
	// the alert outlives the sale so that they reprint.
	pr.mu.Lock()
	pr.err = &Error{Kind: KindState, Code: "printer.paper_end", Detail: "out of paper"}
	pr.mu.Unlock()
	tl.do(Command{Op: OpCheckout})
	tl.do(Command{Op: OpPay, Method: MethodCard})
	tl.waitFor("paid", func(v *View) bool { return v.State == StatePaid })
	tl.do(Command{Op: OpReceipt, Choice: "print"})
	v = tl.waitFor("print error", func(v *View) bool { return v.Receipt != nil && v.Receipt.PrintError != "" })
	a := alertOf(t, v, AlertReceiptNotPrinted)
	var d AlertDetail
	json.Unmarshal(a.Detail, &d)
	if d.Reason == "" {
		t.Fatalf("alert detail %s", a.Detail)
	}
	v = tl.do(Command{Op: OpFinish}).View
	alertOf(t, v, AlertReceiptNotPrinted)
}

func TestOfflineApprovalCaps(t *testing.T) {
	i64 := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name           string
		perSale, total *int64
		wantPaid       []bool // two sales of 2.88, each approved offline
	}{
		{"defaults allow small sales", nil, nil, []bool{true, true}},
		{"none offline", i64(0), nil, []bool{false, false}},
		{"per sale under the basket", i64(100), nil, []bool{false, false}},
		{"day total reached by the second sale", nil, i64(300), []bool{true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			term := newScriptTerm("offline", "offline")
			tl := payLane(t, term, func(c *Config) { c.Payment = PaymentConfig{OfflineMaxPerSale: tc.perSale, OfflineMaxTotal: tc.total} })
			for i, want := range tc.wantPaid {
				if i > 0 {
					tl.scan(milk)
					tl.scan(oatDrink)
					tl.do(Command{Op: OpCheckout})
				}
				tl.do(Command{Op: OpPay, Method: MethodCard})
				v := tl.waitFor("outcome", func(v *View) bool { return v.State == StatePaid || (v.State == StateReadyToPay && v.Payment != nil) })
				if paid := v.State == StatePaid; paid != want {
					t.Fatalf("sale %d: paid %v, want %v (%+v)", i+1, paid, want, v.Payment)
				}
				if !want {
					if v.Payment.Error != "payment.offline_limit" {
						t.Fatalf("sale %d: %+v", i+1, v.Payment)
					}
					for {
						if _, _, rev := term.counts(); rev >= 1 {
							break
						}
						time.Sleep(time.Millisecond)
					}
					tl.do(Command{Op: OpPay, Method: MethodAttendant})
					tl.CashTaken(context.Background(), "anna", "")
				}
				tl.do(Command{Op: OpFinish})
			}
		})
	}
}

func TestFailureKeys(t *testing.T) {
	for _, tc := range []struct {
		result    int
		cancelled bool
		want      string
	}{
		{0x05, false, "payment.declined"}, {0x51, false, "payment.declined"}, {0x63, false, "payment.declined"},
		{0x64, false, "payment.card_unreadable"}, {0x6C, true, "payment.cancelled"}, {0x6C, false, "payment.timeout"},
		{0xA0, false, "payment.terminal_unavailable"}, {0xCC, false, "payment.terminal_unavailable"}, {0xFF, false, "payment.terminal_unavailable"},
	} {
		if got := failureKey(tc.result, tc.cancelled); got != tc.want {
			t.Errorf("failureKey(%02X, %v) = %s, want %s", tc.result, tc.cancelled, got, tc.want)
		}
	}
}

func TestMaskPAN(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"476173******0010", "476173******0010"},
		{"4761739001010010", "476173******0010"}, // a terminal that sent it whole
		{"67EEEEEE1234", "67******1234"},         // E: a digit the terminal masked
		{"1234", "1234"},
		{"123456789", "*****6789"},
		{"", ""},
		{"4761-7390-0101-0010", "4761*7*********0010"}, // only digits are kept
	} {
		if got := maskPAN(tc.in); got != tc.want {
			t.Errorf("maskPAN(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The idle terminal is asked for its status; one that does not answer raises
// terminal_fault and the pay screen offers the attendant only, until it
// answers again.
func TestTerminalStatusWatch(t *testing.T) {
	term := &statusTerm{scriptTerm: newScriptTerm()}
	tl := payLane(t, term, func(c *Config) { c.Payment.StatusEvery = 5 * time.Millisecond })
	v := tl.View()
	if strings.Join(v.PayMethods, ",") != "card,attendant" {
		t.Fatalf("pay methods %v", v.PayMethods)
	}
	term.setErr(errors.New("no answer"))
	v = tl.waitFor("terminal fault", func(v *View) bool { return hasAlert(v, AlertTerminalFault, devices.FaultUnplugged) != nil })
	if strings.Join(v.PayMethods, ",") != "attendant" {
		t.Fatalf("pay methods with the terminal gone: %v", v.PayMethods)
	}
	term.setErr(nil)
	v = tl.waitFor("recovered", func(v *View) bool { return hasAlert(v, AlertTerminalFault, devices.FaultUnplugged) == nil })
	if strings.Join(v.PayMethods, ",") != "card,attendant" {
		t.Fatalf("pay methods after recovery %v", v.PayMethods)
	}
}

type statusTerm struct {
	*scriptTerm
	mu  sync.Mutex
	err error
}

func (s *statusTerm) setErr(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

func (s *statusTerm) Status(context.Context) (devices.TerminalStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return devices.TerminalStatus{Ready: s.err == nil}, s.err
}

// After a restart, a sent attempt whose baseline was unknown cannot be told
// from an earlier payment: staff are called and settle it; a terminal that
// does not answer calls staff too, while the lane keeps asking.
func TestRestartWithoutAnAnswerCallsStaff(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after string // the attempt's after_receipt
		term  func(*scriptTerm)
	}{
		{"baseline unknown", "NULL", func(*scriptTerm) {}},
		{"terminal silent", "100", func(s *scriptTerm) { s.lastErr = errors.New("no answer") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTestDB(t)
			t.Cleanup(func() { db.Close() })
			tl := startLaneWith(t, db, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), nil)
			tl.scan(milk)
			tl.do(Command{Op: OpCheckout})
			tl.stop()
			if _, err := db.W.Exec(`INSERT INTO payments (txn_id, attempt, lane_id, method, amount_minor, state, after_receipt, created_at, updated_at)
				SELECT id, 1, lane_id, 'card', 119, 'sent', ` + tc.after + `, started_at, started_at FROM transactions`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.W.Exec(`UPDATE transactions SET state = 'paying'`); err != nil {
				t.Fatal(err)
			}
			term := newScriptTerm()
			tc.term(term)
			tl2 := startLaneWith(t, db, tl.clock, func(c *Config) { c.Terminal = term; c.Payment.EnquiryEvery = 5 * time.Millisecond })
			v := tl2.waitFor("staff called", func(v *View) bool {
				return v.Payment != nil && v.Payment.Status == "unknown" && len(v.Alerts) > 0
			})
			alertOf(t, v, AlertPaymentUnknown)
			if pays, _, _ := term.counts(); pays != 0 {
				t.Fatalf("the payment was sent again (%d)", pays)
			}
			v = tl2.resolve(alertOf(t, v, AlertPaymentUnknown).ID, "approved")
			if v.State != StatePaid {
				t.Fatalf("after staff approved: %s", v.State)
			}
			// The terminal answers after all, with the approval staff saw:
			// it is the sale's, never reversed.
			term.mu.Lock()
			term.lastErr = nil
			term.last = devices.PaymentResult{Approved: true, ReceiptNo: 101, Amount: 119}
			term.mu.Unlock()
			time.Sleep(50 * time.Millisecond) // ten enquiry pauses
			if _, _, rev := term.counts(); rev != 0 {
				t.Fatalf("the approval staff confirmed was reversed")
			}
		})
	}
}

// fullPANTerm is a terminal that sends the whole card number (some do, to
// the cash register): the lane keeps only the masked one, everywhere.
type fullPANTerm struct{ *scriptTerm }

func (f fullPANTerm) Pay(ctx context.Context, req devices.PaymentRequest, h devices.PaymentHooks) (devices.PaymentResult, error) {
	r := devices.PaymentResult{Approved: true, Amount: req.Amount, Trace: 7, ReceiptNo: 101, MaskedPAN: "4761739001010010",
		CardName: "VISA", TerminalID: "52500001", Receipt: []string{"VISA", "4761739001010010"}}
	if err := h.Record(r); err != nil {
		return devices.PaymentResult{}, err
	}
	return r, nil
}

func TestAFullCardNumberIsNeverKept(t *testing.T) {
	tl := payLane(t, fullPANTerm{newScriptTerm()}, nil)
	tl.do(Command{Op: OpPay, Method: MethodCard})
	v := tl.waitFor("paid", func(v *View) bool { return v.State == StatePaid })
	tl.waitJournal("payment_completed")
	if got := v.Receipt.Tenders[0].MaskedPAN; got != "476173******0010" {
		t.Fatalf("view shows %q", got)
	}
	r, err := tl.Receipt(context.Background(), v.Txn.ID)
	if err != nil {
		t.Fatal(err)
	}
	paper, _ := json.Marshal(r)
	var dump strings.Builder
	dump.Write(paper)
	for _, q := range []string{`SELECT body FROM journal`, `SELECT coalesce(masked_pan, '') || coalesce(terminal_text, '') FROM payments`} {
		rows, err := tl.db.R.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			dump.WriteString(s)
		}
		rows.Close()
	}
	if strings.Contains(dump.String(), "4761739001010010") {
		t.Fatal("the full card number was kept")
	}
	if !strings.Contains(dump.String(), "476173******0010") {
		t.Fatal("the masked card number is missing: the check looked at nothing")
	}
}

// The acknowledgement of a recorded approval is lost: the paid sale waits
// while the terminal is asked whether the approval stands. A terminal that
// reversed it sends the shopper back to pay; one that kept it lets them go.
func TestLostAcknowledgementIsVerified(t *testing.T) {
	for _, tc := range []struct {
		script string
		paid   bool
	}{{"ack_lost", true}, {"ack_lost_reversed", false}} {
		t.Run(tc.script, func(t *testing.T) {
			term := newScriptTerm(tc.script)
			tl := payLane(t, term, nil)
			tl.do(Command{Op: OpPay, Method: MethodCard})
			tl.waitJournal("payment_verifying")
			v := tl.waitFor("verified", func(v *View) bool {
				return (v.State == StatePaid && v.Receipt != nil && !v.Receipt.Verifying) || v.State == StateReadyToPay
			})
			if paid := v.State == StatePaid; paid != tc.paid {
				t.Fatalf("state %s, want paid %v", v.State, tc.paid)
			}
			if !tc.paid && v.Payment.Error != "payment.not_charged" {
				t.Fatalf("payment %+v", v.Payment)
			}
		})
	}
}

// An offline approval over the cap whose reversal fails: the shopper pays at
// the attendant, the receipt and the end of the sale count only that tender,
// also after a restart, and staff keep a refund_due alert after the sale.
func TestFailedReversalIsNoTenderAndStaysWithStaff(t *testing.T) {
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	term := newScriptTerm("offline")
	term.reverseErr = errors.New("terminal refuses")
	zero := int64(0)
	edit := func(c *Config) { c.Terminal = term; c.Payment.OfflineMaxPerSale = &zero }
	tl := startLaneWith(t, db, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), edit)
	tl.scan(milk)
	tl.do(Command{Op: OpCheckout})
	tl.do(Command{Op: OpPay, Method: MethodCard})
	tl.waitFor("refund due", func(v *View) bool {
		for _, a := range v.Alerts {
			if a.Type == AlertRefundDue {
				return true
			}
		}
		return false
	})
	tl.do(Command{Op: OpPay, Method: MethodAttendant})
	if _, err := tl.CashTaken(context.Background(), "anna", ""); err != nil {
		t.Fatal(err)
	}
	id := tl.View().Txn.ID
	if r, err := tl.Receipt(context.Background(), id); err != nil || len(r.Tenders) != 1 || r.Tenders[0].Method != "cash" {
		t.Fatalf("receipt: %+v, %v", r.Tenders, err)
	}
	tl.stop()
	tl2 := startLaneWith(t, db, tl.clock, edit)
	v := tl2.do(Command{Op: OpFinish}).View
	if v.State != StateIdle {
		t.Fatalf("after finish: %s", v.State)
	}
	alertOf(t, v, AlertRefundDue)
}
