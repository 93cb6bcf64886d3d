package kiosk

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
)

// unplugTerm is a scripted terminal whose first payment loses its link
// before anything is charged and then stops answering (the cable is out);
// it answers again only once the next payment has been recorded (the cable
// went back in, the shopper paid again), so the first attempt's worker,
// still asking, sees the second attempt's approval.
type unplugTerm struct {
	*scriptTerm
	lifted   chan struct{} // closed once the terminal answers again
	asked    chan struct{} // one send per LastResult answered after that
	liftOnce sync.Once
}

func (u *unplugTerm) Pay(ctx context.Context, req devices.PaymentRequest, h devices.PaymentHooks) (devices.PaymentResult, error) {
	u.mu.Lock()
	first := u.pays == 0
	if first {
		u.pays++
		u.lastErr = errors.New("terminal unplugged")
	}
	u.mu.Unlock()
	if first {
		return devices.PaymentResult{}, errors.New("link lost before the card")
	}
	r, err := u.scriptTerm.Pay(ctx, req, h)
	u.mu.Lock()
	u.lastErr = nil
	u.mu.Unlock()
	u.liftOnce.Do(func() { close(u.lifted) })
	return r, err
}

func (u *unplugTerm) LastResult(ctx context.Context) (devices.PaymentResult, error) {
	r, err := u.scriptTerm.LastResult(ctx)
	if err == nil {
		select {
		case <-u.lifted:
			select {
			case u.asked <- struct{}{}:
			default:
			}
		default:
		}
	}
	return r, err
}

// An attempt whose outcome was unknown, settled by staff as not charged,
// keeps being asked after; when the shopper has meanwhile paid the next
// attempt, the terminal's last result is that attempt's approval: it is the
// sale's, and must never be taken for the first attempt's orphan and
// reversed (the shopper would leave with the goods, the store without the
// money).
func TestStaleEnquiryNeverReversesTheNextAttempt(t *testing.T) {
	term := &unplugTerm{scriptTerm: newScriptTerm(), lifted: make(chan struct{}), asked: make(chan struct{}, 1)}
	tl := payLane(t, term, func(c *Config) { c.Payment.EnquiryEvery = time.Millisecond })
	tl.do(Command{Op: OpPay, Method: MethodCard})
	v := tl.waitFor("unknown", func(v *View) bool { return v.Payment != nil && v.Payment.Status == "unknown" && len(v.Alerts) > 0 })
	v = tl.resolve(alertOf(t, v, AlertPaymentUnknown).ID, "rejected") // staff: the terminal shows nothing
	if v.State != StateReadyToPay {
		t.Fatalf("after staff rejected: %s", v.State)
	}
	tl.do(Command{Op: OpPay, Method: MethodCard})
	tl.waitFor("paid", func(v *View) bool { return v.State == StatePaid })
	<-term.asked // the first attempt's worker has seen the second approval
	// Its report reaches the lane at once; give it the time ten enquiry
	// pauses take (a fixed lane refuses it and journals nothing to wait for).
	for i := 0; i < 100; i++ {
		if _, _, rev := term.counts(); rev > 0 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	tl.stop()
	if _, charges, rev := term.counts(); charges != 1 || rev != 0 {
		t.Errorf("charges %d, reversals %d (receipts %v): the paid sale's approval was reversed", charges, rev, term.reverse)
	}
	rows := tl.paymentRows()
	if len(rows) != 2 || rows[1] != "2:card:approved:288" {
		t.Errorf("payments %v, want attempt 2 approved", rows)
	}
}

// recordThenHangTerm records its approval with the lane and then never
// finishes the payment (the lane stops before acknowledging it); after the
// restart it does not answer until released, and then reports that it
// reversed the approval (ZVT: a payment the cash register did not
// acknowledge is reversed by the terminal).
type recordThenHangTerm struct {
	*scriptTerm
	released chan struct{}
	answered chan struct{}
	once     sync.Once
}

func (r *recordThenHangTerm) Pay(ctx context.Context, req devices.PaymentRequest, h devices.PaymentHooks) (devices.PaymentResult, error) {
	r.mu.Lock()
	r.pays++
	res := r.charge(req.Amount, false)
	r.mu.Unlock()
	if err := h.Record(res); err != nil {
		return devices.PaymentResult{}, err
	}
	<-ctx.Done() // the lane stops before the acknowledgement
	r.mu.Lock()
	r.last = devices.PaymentResult{Reversal: true, ReversedTrace: res.Trace, ReceiptNo: res.ReceiptNo + 1, Amount: res.Amount}
	r.lastErr = errors.New("terminal busy reversing")
	r.mu.Unlock()
	return devices.PaymentResult{}, ctx.Err()
}

func (r *recordThenHangTerm) LastResult(ctx context.Context) (devices.PaymentResult, error) {
	select {
	case <-r.released:
		r.mu.Lock()
		r.lastErr = nil
		r.mu.Unlock()
	default:
	}
	res, err := r.scriptTerm.LastResult(ctx)
	if err == nil {
		r.once.Do(func() { close(r.answered) })
	}
	return res, err
}

// After a restart, an approval the terminal may have reversed is checked
// before the sale may end: the next shopper's start or scan must wait for
// the check like finish does, or a sale whose money the terminal gave back
// ends paid.
func TestUnverifiedApprovalCannotBeLeftBehind(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  Command
	}{
		{"start", Command{Op: OpStart}},
		{"scan", Command{Op: OpScan, Code: milk}},
		{"finish", Command{Op: OpFinish}},
		{"receipt", Command{Op: OpReceipt, Choice: "none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTestDB(t)
			t.Cleanup(func() { db.Close() })
			term := &recordThenHangTerm{scriptTerm: newScriptTerm(), released: make(chan struct{}), answered: make(chan struct{})}
			edit := func(c *Config) { c.Terminal = term; c.Payment.EnquiryEvery = time.Millisecond }
			tl := startLaneWith(t, db, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), edit)
			tl.scan(milk)
			tl.do(Command{Op: OpCheckout})
			tl.do(Command{Op: OpPay, Method: MethodCard})
			tl.waitFor("paid", func(v *View) bool { return v.State == StatePaid })
			tl.stop()

			tl2 := startLaneWith(t, db, tl.clock, edit)
			_, _ = tl2.Do(context.Background(), tc.cmd) // refused while the approval is checked, or not
			close(term.released)
			<-term.answered
			tl2.waitFor("settled", func(v *View) bool { return v.Receipt == nil || !v.Receipt.Verifying })
			tl2.stop()
			var ended int
			if err := db.R.QueryRow(`SELECT count(*) FROM transactions WHERE end_reason = 'paid'`).Scan(&ended); err != nil {
				t.Fatal(err)
			}
			rows := tl2.paymentRows()
			if ended != 0 || len(rows) != 1 || rows[0] != "1:card:reversed:119" {
				t.Fatalf("%s during the check: %d sale(s) ended paid, payments %v; the terminal reversed the only approval", tc.name, ended, rows)
			}
		})
	}
}

// lostOfflineTerm approves its first payment offline and loses the answer;
// the next payments follow the script.
type lostOfflineTerm struct{ *scriptTerm }

func (o lostOfflineTerm) Pay(ctx context.Context, req devices.PaymentRequest, h devices.PaymentHooks) (devices.PaymentResult, error) {
	o.mu.Lock()
	first := o.pays == 0
	if first {
		o.pays++
		o.charge(req.Amount, true)
	}
	o.mu.Unlock()
	if first {
		return devices.PaymentResult{}, errors.New("link lost after the approval")
	}
	return o.scriptTerm.Pay(ctx, req, h)
}

// A payment_unknown alert belongs to its attempt: once the lane has learnt
// that attempt's outcome (here an offline approval over the cap, reversed)
// the alert must be closed, and staff approving it must never mark the
// shopper's next attempt paid while that one still waits for the card.
func TestUnknownAlertNeverSettlesTheNextAttempt(t *testing.T) {
	none := int64(0)
	term := lostOfflineTerm{newScriptTerm("wait_card")}
	tl := payLane(t, term, func(c *Config) { c.Payment.OfflineMaxPerSale = &none; c.Payment.EnquiryEvery = time.Millisecond })
	tl.do(Command{Op: OpPay, Method: MethodCard})
	v := tl.waitFor("offline approval refused", func(v *View) bool {
		return v.State == StateReadyToPay && v.Payment != nil && v.Payment.Error == "payment.offline_limit"
	})
	var stale int64
	for _, a := range v.Alerts {
		if a.Type == AlertPaymentUnknown {
			stale = a.ID
			t.Errorf("payment_unknown alert %d still open after the attempt's outcome was learnt", a.ID)
		}
	}
	tl.do(Command{Op: OpPay, Method: MethodCard}) // attempt 2: waits for a card
	tl.waitFor("attempt 2 sent", func(v *View) bool { return v.Payment != nil && v.Payment.Status == "in_progress" })
	if stale == 0 {
		return
	}
	v = tl.resolve(stale, "approved")
	if v.State == StatePaid {
		t.Fatalf("staff settling attempt 1's alert marked the sale paid while attempt 2 waits for a card (payments %v)", tl.paymentRows())
	}
}

// reversedAfterTerm approves its first payment offline (over the lane's
// cap: the lane reverses it), then charges the next payment and loses the
// answer; the lane's reversal of the first, waiting for the terminal while
// the payment held it, takes it before the lane asks: the terminal's last
// result is that reversal, not the payment.
type reversedAfterTerm struct{ *scriptTerm }

func (r reversedAfterTerm) Pay(ctx context.Context, req devices.PaymentRequest, h devices.PaymentHooks) (devices.PaymentResult, error) {
	r.mu.Lock()
	n := r.pays
	r.mu.Unlock()
	if n == 0 {
		return r.scriptTerm.Pay(ctx, req, h) // "offline"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pays++
	first := r.ledger[0]
	r.charge(req.Amount, false)
	r.receipt++
	r.last = devices.PaymentResult{Approved: true, Reversal: true, ReversedTrace: first.Trace, ReceiptNo: r.receipt, Amount: first.Amount, Trace: r.receipt + 1000}
	return devices.PaymentResult{}, errors.New("link lost after the approval")
}

// The terminal's last result after a lost answer is the reversal of another
// payment the lane recorded: it says nothing about ours, which the terminal
// charged. Taking it for "not charged" sends the shopper to pay again:
// charged twice.
func TestEnquiryFindsAnotherPaymentsReversal(t *testing.T) {
	none := int64(0)
	term := reversedAfterTerm{newScriptTerm("offline")}
	tl := payLane(t, term, func(c *Config) { c.Payment.OfflineMaxPerSale = &none; c.Payment.EnquiryEvery = time.Millisecond })
	tl.do(Command{Op: OpPay, Method: MethodCard})
	tl.waitFor("offline approval refused", func(v *View) bool {
		return v.State == StateReadyToPay && v.Payment != nil && v.Payment.Error == "payment.offline_limit"
	})
	tl.do(Command{Op: OpPay, Method: MethodCard})
	var v *View
	for i := 0; ; i++ { // the enquiry's verdict: failed, inconclusive, or paid
		types := tl.journalTypes()
		failed := 0
		for _, typ := range types {
			if typ == "payment_failed" {
				failed++
			}
		}
		if v = tl.View(); v.Payment != nil && v.Payment.Status == "unknown" && len(v.Alerts) > 0 && slices.Contains(types, "payment_enquiry_inconclusive") ||
			failed == 2 || slices.Contains(types, "txn_paid_in_full") {
			v = tl.View()
			break
		}
		if i > 1000 {
			t.Fatalf("no verdict: %v", types)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if v.State == StateReadyToPay {
		t.Fatalf("charged (ledger %d), but the lane says %q and offers to pay again; payments %v", len(term.ledger), v.Payment.Error, tl.paymentRows())
	}
}

// stuckReverseTerm never finishes a reversal: the lane stops (crashes)
// while it waits.
type stuckReverseTerm struct {
	*scriptTerm
	release chan struct{}
}

func (s stuckReverseTerm) Reverse(ctx context.Context, receiptNo int, amount int64, h devices.PaymentHooks) (devices.PaymentResult, error) {
	<-s.release
	return devices.PaymentResult{}, errors.New("the lane was gone")
}

// An approval the lane recorded and must reverse (offline over the cap)
// is still reversed, or staff told, when the lane stopped before the
// reversal was done: otherwise the shopper pays another way and the card
// stays charged, and nobody knows.
func TestReversalOutlivesARestart(t *testing.T) {
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	none := int64(0)
	term := stuckReverseTerm{newScriptTerm("offline"), make(chan struct{})}
	t.Cleanup(func() { close(term.release) })
	tl := startLaneWith(t, db, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), func(c *Config) {
		c.Terminal = term
		c.Payment.OfflineMaxPerSale = &none
	})
	tl.scan(milk)
	tl.do(Command{Op: OpCheckout})
	tl.do(Command{Op: OpPay, Method: MethodCard})
	tl.waitFor("offline approval refused", func(v *View) bool {
		return v.State == StateReadyToPay && v.Payment != nil && v.Payment.Error == "payment.offline_limit"
	})
	tl.stop()

	term2 := newScriptTerm()
	term2.receipt, term2.last = 101, term.last // the same terminal, as the first lane left it
	tl2 := startLaneWith(t, db, tl.clock, func(c *Config) { c.Terminal = term2; c.Payment.OfflineMaxPerSale = &none })
	for i := 0; i < 500; i++ {
		if _, _, rev := term2.counts(); rev > 0 {
			return
		}
		for _, a := range tl2.View().Alerts {
			var d AlertDetail
			json.Unmarshal(a.Detail, &d)
			if a.Type == AlertPaymentFailed && d.Reason == "payment.reversal_failed" {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("after the restart the offline approval (receipt 101) is neither reversed nor reported: payments %v, alerts %+v", tl2.paymentRows(), tl2.View().Alerts)
}
