package kiosk

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/internal/crashpoint"
)

// cardJob is one card attempt the payment worker carries out.
type cardJob struct {
	txn     string
	attempt int
	amount  int64
	// resume: the request may have reached the terminal (the lane crashed or
	// lost the answer): only ask for the outcome, never send it again.
	resume bool
}

// enquiryBackoff is how long the worker waits between asking a terminal that
// does not answer for a lost payment's outcome (unless PaymentConfig.EnquiryEvery).
var enquiryBackoff = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second}

// startCard runs a card attempt on its own goroutine; the lane goroutine is
// never held up by the terminal. Called after the attempt was committed.
func (l *Lane) startCard(j cardJob) {
	ctx := l.runCtx
	l.workers.Add(1)
	go func() {
		defer l.workers.Done()
		l.runCard(ctx, j)
	}()
}

// tell hands the worker's news to the lane goroutine and waits for it to be
// committed.
func (l *Lane) tell(ctx context.Context, j cardJob, in payInput) error {
	in.attempt = j.attempt
	res, err := l.do(ctx, Command{Op: opPayment, pay: &in, payTxn: j.txn})
	if err == nil && slices.ContainsFunc(res.Events, func(e Event) bool { return e.Type == evOrphan }) {
		return errOrphan
	}
	return err
}

func (l *Lane) runCard(ctx context.Context, j cardJob) {
	term := l.cfg.Terminal
	log := l.cfg.Log.With("lane", l.id, "txn", j.txn, "attempt", j.attempt)
	if !j.resume {
		// The terminal's last receipt number before our request is what tells
		// our payment from an earlier one when the answer is lost.
		var after *int
		if last, err := term.LastResult(ctx); err == nil {
			n := last.ReceiptNo
			after = &n
		} else if errors.Is(err, devices.ErrNoResult) {
			after = new(int) // none yet: receipt number 0
		} else {
			log.Warn("payment: terminal's last result unknown before the request", "err", err)
		}
		if err := l.tell(ctx, j, payInput{kind: "sent", after: after}); err != nil {
			return // cancelled meanwhile, or the lane stopped: nothing was sent
		}
		crashpoint.Hit("payment.after_intent")
		var orphan *devices.PaymentResult
		recorded := false // the lane recorded an approval: the sale may be paid
		res, err := term.Pay(ctx, devices.PaymentRequest{Amount: j.amount, Currency: l.currencyNumeric}, devices.PaymentHooks{
			Progress: func(code, _ string) {
				_ = l.tell(ctx, j, payInput{kind: "progress", code: code})
			},
			Record: func(r devices.PaymentResult) error {
				crashpoint.Hit("payment.before_record")
				err := l.tell(ctx, j, payInput{kind: "result", res: &r})
				if errors.Is(err, errOrphan) {
					orphan, err = &r, nil // recorded as an orphan: acknowledge it, then reverse it
				}
				if err == nil {
					recorded = r.Approved && orphan == nil
					crashpoint.Hit("payment.before_ack")
				}
				return err
			},
		})
		switch {
		case err == nil:
			crashpoint.Hit("payment.after_ack")
			_ = l.tell(ctx, j, payInput{kind: "done", res: &res})
			if orphan != nil {
				l.reverse(ctx, j, orphan.ReceiptNo, orphan.Amount)
			}
			return
		case errors.Is(err, devices.ErrNotSent):
			log.Warn("payment: terminal did not take the request", "err", err)
			_ = l.tell(ctx, j, payInput{kind: "not_sent"})
			return
		case ctx.Err() != nil:
			return // the lane is stopping: its next start asks the terminal
		case recorded:
			// Recorded, but the terminal may not have heard it acknowledged
			// (and then reverses it): hold the sale until it says.
			log.Warn("payment: approval recorded, acknowledgement uncertain: asking the terminal", "err", err)
			if l.tell(ctx, j, payInput{kind: "verify"}) == nil {
				l.verify(ctx, j)
			}
			return
		}
		log.Warn("payment: outcome unknown, asking the terminal", "err", err)
		if err := l.tell(ctx, j, payInput{kind: "unknown"}); err != nil {
			return
		}
	}
	for i := 0; ; i++ {
		last, err := term.LastResult(ctx)
		if errors.Is(err, devices.ErrNoResult) {
			last, err = devices.PaymentResult{}, nil // no result at all: receipt number 0, nothing charged
		}
		if err == nil {
			err = l.tell(ctx, j, payInput{kind: "enquired", res: &last, reversal: last.Reversal})
			if errors.Is(err, errOrphan) {
				l.reverse(ctx, j, last.ReceiptNo, last.Amount)
			}
			return
		}
		log.Warn("payment: asking the terminal for the outcome", "err", err)
		if i == 0 && j.resume {
			// After a restart: staff hear of it while the lane keeps asking.
			if err := l.tell(ctx, j, payInput{kind: "unknown"}); err != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(l.enquiryPause(i)):
		}
	}
}

// reverse cancels an approval that belongs to no sale and records that it did.
func (l *Lane) reverse(ctx context.Context, j cardJob, receiptNo int, amount int64) {
	res, err := l.cfg.Terminal.Reverse(ctx, receiptNo, amount, devices.PaymentHooks{})
	if ctx.Err() != nil {
		return // stopping: the reversal is still due, and retried at the next start
	}
	in := payInput{kind: "reversed", attempt: j.attempt, res: &res, code: "ok"}
	if err != nil || !res.Approved {
		in.code = "failed"
		l.cfg.Log.Error("payment: reversal failed: staff must refund", "lane", l.id, "txn", j.txn, "receiptNo", receiptNo, "err", err)
	}
	in.after = &receiptNo
	_, _ = l.do(ctx, Command{Op: opPayment, pay: &in, payTxn: j.txn})
}

// startReversal reverses an approval the lane cannot use (charged another
// amount than asked).
func (l *Lane) startReversal(txn string, attempt, receiptNo int, amount int64) {
	ctx := l.runCtx
	l.workers.Add(1)
	go func() {
		defer l.workers.Done()
		l.reverse(ctx, cardJob{txn: txn, attempt: attempt}, receiptNo, amount)
	}()
}

// abortCard asks the terminal to stop the running payment; its answer comes
// back through the payment itself.
func (l *Lane) abortCard() {
	ctx := l.runCtx
	l.workers.Add(1)
	go func() {
		defer l.workers.Done()
		if err := l.cfg.Terminal.Abort(ctx); err != nil {
			l.cfg.Log.Warn("payment: abort refused", "lane", l.id, "err", err)
		}
	}()
}

// startPrint prints the paid receipt and tells the lane how it went.
func (l *Lane) startPrint(txn string) {
	ctx := l.runCtx
	l.workers.Add(1)
	go func() {
		defer l.workers.Done()
		err := l.PrintReceipt(ctx, l.cfg.Printer, txn, "shopper") // journals receipt_printed
		if err == nil {
			return
		}
		key := "printer.failed"
		var ke *Error
		if errors.As(err, &ke) {
			key = ke.Code
		}
		_, _ = l.do(ctx, Command{Op: opPrinted, payTxn: txn, Code: key})
	}()
}

// resumePayment is what Run does first: a card attempt whose outcome was not
// recorded before the lane stopped is asked for, never sent again; one that
// was never sent is closed as interrupted.
func (l *Lane) resumePayment(ctx context.Context) {
	l.resumeReversals(ctx)
	t := l.st.txn
	if t != nil && t.over() && l.cfg.Terminal != nil {
		for _, tn := range t.tenders {
			if tn.method == "card" && !tn.confirmed {
				t.verifying = true // no receipt, no leaving, until the terminal says
				l.startVerify(cardJob{txn: t.id, attempt: tn.attempt})
			}
		}
		l.view.Store(l.buildView(&l.st))
		return
	}
	if t == nil || t.phase != StatePaying || t.pay == nil || t.pay.method != "card" {
		return
	}
	p := *t.pay
	switch p.state {
	case payRequested:
		l.workers.Add(1)
		go func() {
			defer l.workers.Done()
			_ = l.tell(ctx, cardJob{txn: t.id, attempt: p.attempt}, payInput{kind: "interrupted"})
		}()
	case paySent, payUnknown:
		if l.cfg.Terminal == nil {
			return // staff decide through the payment_unknown alert
		}
		l.startCard(cardJob{txn: t.id, attempt: p.attempt, amount: p.amount, resume: true})
	}
}

func (l *Lane) enquiryPause(i int) time.Duration {
	if d := l.cfg.Payment.EnquiryEvery; d > 0 {
		return d
	}
	return enquiryBackoff[min(i, len(enquiryBackoff)-1)]
}

// startVerify asks the terminal whether an approval recorded just before the
// lane stopped still stands: a terminal that never heard it acknowledged may
// have reversed it (ZVT PA00P015 §2.2.8).
func (l *Lane) startVerify(j cardJob) {
	ctx := l.runCtx
	l.workers.Add(1)
	go func() {
		defer l.workers.Done()
		l.verify(ctx, j)
	}()
}

// verify asks the terminal until it answers whether j's approval stands.
func (l *Lane) verify(ctx context.Context, j cardJob) {
	{
		for i := 0; ; i++ {
			last, err := l.cfg.Terminal.LastResult(ctx)
			if errors.Is(err, devices.ErrNoResult) {
				last, err = devices.PaymentResult{}, nil // nothing to tell: the approval stands
			}
			if err == nil {
				_ = l.tell(ctx, j, payInput{kind: "verified", res: &last})
				return
			}
			l.cfg.Log.Warn("payment: asking the terminal whether an approval stands", "lane", l.id, "txn", j.txn, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(l.enquiryPause(i)):
			}
		}
	}
}

// resumeReversals reverses the approvals that were due to be reversed when
// the lane stopped (or whose reversal failed): money taken for no sale is
// never forgotten.
func (l *Lane) resumeReversals(ctx context.Context) {
	if l.cfg.Terminal == nil {
		return
	}
	rows, err := l.db.W.QueryContext(ctx, `SELECT txn_id, attempt, reverse_receipt, coalesce(reverse_minor, 0) FROM payments
		WHERE lane_id = ? AND reverse_receipt IS NOT NULL AND reversed_at IS NULL`, l.id)
	if err != nil {
		l.cfg.Log.Error("payment: reading the reversals due", "lane", l.id, "err", err)
		return
	}
	type due struct {
		txn          string
		attempt, rno int
		amount       int64
	}
	var all []due
	for rows.Next() {
		var d due
		if rows.Scan(&d.txn, &d.attempt, &d.rno, &d.amount) == nil {
			all = append(all, d)
		}
	}
	rows.Close()
	for _, d := range all {
		l.startReversal(d.txn, d.attempt, d.rno, d.amount)
	}
}
