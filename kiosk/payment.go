package kiosk

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/internal/panscan"
	"github.com/kiosk-sco/kiosk/kiosk/pricing"
	"github.com/kiosk-sco/kiosk/store"
)

// Payment methods a shopper may choose.
const (
	MethodCard      = "card"      // the lane's card terminal
	MethodAttendant = "attendant" // cash (or anything else) taken by staff
)

// Payment row states (table payments). A card attempt goes requested → sent
// → approved | declined | not_charged, or → unknown while its outcome is
// being asked of the terminal. A cash attempt waits in waiting_staff.
const (
	payRequested    = "requested"     // the shopper chose to pay; nothing sent yet
	paySent         = "sent"          // journaled just before the terminal is asked: the outcome must be learnt
	payUnknown      = "unknown"       // the answer was lost; the terminal is being asked
	payWaitingStaff = "waiting_staff" // pay at the attendant
	payApproved     = "approved"
	payReversing    = "reversing" // approved, but no sale stands on it: to be reversed
	payDeclined     = "declined"
	payNotCharged   = "not_charged"
	payReversed     = "reversed"
)

// PaymentConfig is how a lane takes payments.
type PaymentConfig struct {
	// OfflineMaxPerSale is the most one sale may be approved for offline (the
	// terminal's store-and-forward: the card issuer has not seen it yet), in
	// minor units; nil: DefaultOfflineMaxPerSale, 0: no offline approval. An
	// offline approval over a cap is reversed, and the shopper is asked to
	// pay another way.
	OfflineMaxPerSale *int64
	// OfflineMaxTotal caps the offline approvals of one store day, in minor
	// units; nil: DefaultOfflineMaxTotal, 0: none.
	OfflineMaxTotal *int64
	// StatusEvery is how often the lane asks an idle card terminal whether it
	// is ready (default a minute, as ZVT recommends).
	StatusEvery time.Duration
	// EnquiryEvery, when set, is the pause between asking a terminal that
	// does not answer for a lost payment's outcome; by default the pause
	// grows from 0.5 to 10 s.
	EnquiryEvery time.Duration
}

// Default offline caps: 50.00 per sale and 500.00 per day, in minor units.
const (
	DefaultOfflineMaxPerSale = 5000
	DefaultOfflineMaxTotal   = 50000
)

func (c PaymentConfig) caps() (perSale, total int64) {
	perSale, total = DefaultOfflineMaxPerSale, DefaultOfflineMaxTotal
	if c.OfflineMaxPerSale != nil {
		perSale = *c.OfflineMaxPerSale
	}
	if c.OfflineMaxTotal != nil {
		total = *c.OfflineMaxTotal
	}
	return perSale, total
}

// offlineAllowed reports whether an offline approval of amount fits the caps,
// with the lane's other offline approvals of the store day.
func (l *Lane) offlineAllowed(w *writer, amount int64) (bool, error) {
	perSale, total := l.cfg.Payment.caps()
	if amount > perSale {
		return false, nil
	}
	y, m, d := w.now.In(l.cfg.Location).Date()
	dayStart := time.Date(y, m, d, 0, 0, 0, 0, l.cfg.Location)
	if err := w.begin(); err != nil {
		return false, err
	}
	var sum int64
	if err := w.tx.QueryRowContext(w.ctx, `SELECT coalesce(sum(approved_minor), 0) FROM payments
		WHERE lane_id = ? AND offline = 1 AND state = 'approved' AND created_at >= ?`, l.id, store.Stamp(dayStart)).Scan(&sum); err != nil {
		return false, err
	}
	return sum+amount <= total, nil
}

// payState is the transaction's current (or last failed) payment attempt.
type payState struct {
	attempt  int
	method   string
	amount   int64 // minor units
	state    string
	progress string
	errKey   string
	after    *int // terminal's last receipt number before the request
	cancel   bool // the shopper asked to cancel; the terminal was told
}

// tender is an approved payment of the transaction.
type tender struct {
	attempt   int
	method    string
	amount    int64
	cardName  string
	maskedPAN string
	offline   bool
	receiptNo int
	trace     int
	termID    string
	text      []string
	// confirmed: the terminal finished the payment after the lane recorded
	// it (its answer was acknowledged). An approval recorded just before a
	// crash may not have been: the terminal may then have reversed it.
	confirmed bool
}

// receiptState is what became of the paid sale's receipt.
type receiptState struct {
	choice   string // print, qr, none
	printed  bool
	printErr string
}

// payInput is what the payment worker tells the lane (opPayment).
type payInput struct {
	kind     string // sent, progress, result, done, not_sent, unknown, enquired, reversed
	attempt  int
	after    *int
	res      *devices.PaymentResult
	code     string
	reversal bool // enquired: res is a reversal
}

// errStaleAttempt tells the worker that the lane has moved on from its
// attempt: it must not send anything more for it.
var errStaleAttempt = errorf(KindState, "payment.stale", "the payment attempt is no longer current")

// pay starts a payment of the transaction's total by the chosen method.
func (l *Lane) pay(w *writer, cmd Command) error {
	st := w.st
	t := st.txn
	if t == nil {
		return errorf(KindState, "txn.none", "no transaction is open")
	}
	switch t.phase {
	case StatePaying:
		if t.pay != nil && (t.pay.method == "cash") == (cmd.Method == MethodAttendant) {
			return nil // pressed twice
		}
		return errorf(KindState, "payment.in_progress", "a payment is in progress")
	case StatePaid, StateReceipt:
		return errorf(KindState, "payment.paid", "this sale is paid")
	case StateReadyToPay:
	default:
		return errorf(KindState, "payment.not_ready", "finish scanning first (press Pay)")
	}
	if a := st.blocking(); a != nil {
		return errorf(KindBusy, "lane.suspended", "alert %d (%s) is open", a.ID, a.Type)
	}
	for _, a := range st.alerts {
		if AlertTypes[a.Type].BlocksPayment {
			return errorf(KindState, "checkout."+a.Type, "alert %d (%s) must be resolved before paying", a.ID, a.Type)
		}
	}
	total := t.totalMinor()
	if total <= 0 {
		return errorf(KindState, "payment.nothing_due", "nothing to pay")
	}
	method := "card"
	state := payRequested
	if cmd.Method == MethodAttendant {
		method, state = "cash", payWaitingStaff
	} else if l.cfg.Terminal == nil {
		return errorf(KindState, "payment.no_terminal", "this lane has no card terminal: pay at the attendant")
	}
	t.attempts++
	p := &payState{attempt: t.attempts, method: method, amount: total, state: state}
	t.pay = p
	t.phase = StatePaying
	if _, err := w.execSQL(`INSERT INTO payments (txn_id, attempt, lane_id, method, amount_minor, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.id, p.attempt, l.id, method, total, state, store.Stamp(w.now), store.Stamp(w.now)); err != nil {
		return err
	}
	if err := l.setPhase(w, StatePaying); err != nil {
		return err
	}
	if err := w.emit("payment_started", map[string]any{"attempt": p.attempt, "method": method, "amount": money(total)}); err != nil {
		return err
	}
	if method == "cash" {
		return l.raise(w, AlertCashPayment, AlertDetail{Attempt: p.attempt, Amount: money(total)})
	}
	job := cardJob{txn: t.id, attempt: p.attempt, amount: total}
	w.after = append(w.after, func() { l.startCard(job) })
	return nil
}

// payCancel is the shopper's cancel while paying: a cash wait ends at once;
// a card payment is cancelled before it is sent, or the terminal is asked to
// abort (honoured until the card is read).
func (l *Lane) payCancel(w *writer) error {
	t := w.st.txn
	if t == nil || t.phase != StatePaying || t.pay == nil {
		return nil
	}
	p := t.pay
	switch p.state {
	case payWaitingStaff:
		if a := w.st.openAlert(AlertCashPayment); a != nil {
			if err := l.dropAlert(w, a.ID, "shopper", "cancelled"); err != nil {
				return err
			}
		}
		return l.payFailed(w, payNotCharged, "payment.cancelled", nil)
	case payRequested:
		return l.payFailed(w, payNotCharged, "payment.cancelled", nil)
	case paySent:
		if !p.cancellable() {
			return errorf(KindState, "payment.too_late", "the card has been read: the payment can no longer be cancelled")
		}
		if p.cancel {
			return nil
		}
		p.cancel = true
		w.after = append(w.after, l.abortCard)
		return w.emit("payment_cancel_requested", map[string]any{"attempt": p.attempt})
	}
	return errorf(KindState, "payment.too_late", "the payment can no longer be cancelled")
}

func (p *payState) cancellable() bool {
	switch p.state {
	case payRequested, payWaitingStaff:
		return true
	case paySent:
		switch p.progress {
		case "", devices.ProgressInsertCard: // the card is not read yet
			return !p.cancel
		}
	}
	return false
}

// payment handles what the payment worker reports.
func (l *Lane) payment(w *writer, in *payInput, txnID string) error {
	t := w.st.txn
	switch in.kind {
	case "reversed":
		return l.reversed(w, in, txnID)
	case "done":
		return l.terminalText(w, in)
	case "verified":
		return l.verified(w, in)
	case "verify":
		return l.verifyNeeded(w, in)
	}
	if t == nil || t.pay == nil || t.pay.attempt != in.attempt || t.phase != StatePaying {
		if (in.kind == "result" || in.kind == "enquired") && in.res != nil && in.res.Approved && !in.reversal {
			orphan, err := l.orphan(w, txnID, in)
			if err != nil || !orphan {
				return err
			}
			// An approval for an attempt the lane closed as not charged: money
			// was taken for no sale. Record it; the worker reverses it.
			if _, err := w.execSQL(`UPDATE payments SET reverse_receipt = ?, reverse_minor = ? WHERE txn_id = ? AND attempt = ?`,
				in.res.ReceiptNo, in.res.Amount, txnID, in.attempt); err != nil {
				return err
			}
			return w.emit(evOrphan, orphanBody(in))
		}
		return errStaleAttempt
	}
	p := t.pay
	switch in.kind {
	case "sent":
		if p.state != payRequested {
			return errStaleAttempt
		}
		p.state, p.after = paySent, in.after
		if err := l.updatePayment(w, p, `after_receipt = ?`, nullInt(in.after)); err != nil {
			return err
		}
		return w.emit("payment_requested", map[string]any{"attempt": p.attempt, "amount": money(p.amount), "afterReceipt": in.after})
	case "progress":
		if p.progress == in.code || (p.state != paySent) {
			return nil
		}
		p.progress = in.code
		return w.emit("payment_progress", map[string]any{"attempt": p.attempt, "status": in.code})
	case "result", "enquired":
		return l.payResult(w, p, in)
	case "interrupted": // the lane stopped before sending: nothing was charged
		if p.state != payRequested {
			return nil
		}
		return l.payFailed(w, payNotCharged, "payment.interrupted", nil)
	case "not_sent":
		if p.state != paySent && p.state != payRequested {
			return nil
		}
		return l.payFailed(w, payNotCharged, "payment.terminal_unavailable", nil)
	case "unknown":
		return l.payUnknown(w, p)
	}
	return nil
}

// payUnknown marks the attempt's outcome unknown and calls staff, who may
// settle it from the terminal's journal (the lane keeps asking while the
// terminal does not answer; an answer it cannot attribute leaves it to them).
func (l *Lane) payUnknown(w *writer, p *payState) error {
	if p.state == paySent {
		p.state = payUnknown
		if err := l.updatePayment(w, p, ""); err != nil {
			return err
		}
		if err := w.emit("payment_outcome_unknown", map[string]any{"attempt": p.attempt}); err != nil {
			return err
		}
	}
	if p.state != payUnknown || w.st.openAlert(AlertPaymentUnknown) != nil {
		return nil
	}
	return l.raise(w, AlertPaymentUnknown, AlertDetail{Attempt: p.attempt, Amount: money(p.amount)})
}

// terminalText records that the terminal finished an approved payment
// (acknowledged; its own receipt lines, if any), or the result of a payment
// that ended without status information (an abort before the card was read).
func (l *Lane) terminalText(w *writer, in *payInput) error {
	t := w.st.txn
	if t == nil || in.res == nil {
		return nil
	}
	if !in.res.Approved {
		if p := t.pay; p != nil && p.attempt == in.attempt && p.state == paySent && t.phase == StatePaying {
			return l.payResult(w, p, &payInput{kind: "result", attempt: in.attempt, res: in.res})
		}
		return nil
	}
	for i := range t.tenders {
		if tn := &t.tenders[i]; tn.attempt == in.attempt && tn.method == "card" && !tn.confirmed {
			tn.confirmed = true
			if len(in.res.Receipt) > 0 {
				tn.text = maskText(in.res.Receipt)
			}
			text, _ := json.Marshal(tn.text)
			if _, err := w.execSQL(`UPDATE payments SET confirmed = 1, terminal_text = ? WHERE txn_id = ? AND attempt = ?`, string(text), t.id, in.attempt); err != nil {
				return err
			}
			return w.emit("payment_completed", map[string]any{"attempt": in.attempt, "receiptLines": len(tn.text)})
		}
	}
	return nil
}

// verifyNeeded holds the paid sale while the worker asks the terminal
// whether a recorded approval stands: its acknowledgement may not have
// reached the terminal, which then reverses it.
func (l *Lane) verifyNeeded(w *writer, in *payInput) error {
	t := w.st.txn
	if t == nil || !t.over() {
		return errStaleAttempt
	}
	for _, tn := range t.tenders {
		if tn.attempt == in.attempt && !tn.confirmed {
			t.verifying = true
			return w.emit("payment_verifying", map[string]any{"attempt": in.attempt})
		}
	}
	return errStaleAttempt
}

// verified settles an approval recorded before a crash that the terminal
// may not have heard acknowledged: if the terminal's last result is its
// reversal, the sale is not paid after all and the shopper pays again.
func (l *Lane) verified(w *writer, in *payInput) error {
	t := w.st.txn
	if t == nil || !t.over() || in.res == nil {
		return errStaleAttempt
	}
	for i := range t.tenders {
		tn := &t.tenders[i]
		if tn.attempt != in.attempt || tn.confirmed {
			continue
		}
		r := in.res
		t.verifying = false
		if !(r.Reversal && r.ReversedTrace == tn.trace) {
			tn.confirmed = true
			if _, err := w.execSQL(`UPDATE payments SET confirmed = 1 WHERE txn_id = ? AND attempt = ?`, t.id, in.attempt); err != nil {
				return err
			}
			return w.emit("payment_confirmed", map[string]any{"attempt": in.attempt, "lastReceiptNo": r.ReceiptNo})
		}
		// The terminal reversed it (it never heard our acknowledgement).
		amount := tn.amount
		t.tenders = append(t.tenders[:i:i], t.tenders[i+1:]...)
		t.receipt = receiptState{}
		t.phase = StateReadyToPay
		t.pay = &payState{attempt: in.attempt, method: "card", amount: amount, state: payReversed, errKey: "payment.not_charged"}
		if _, err := w.execSQL(`UPDATE payments SET state = ?, updated_at = ? WHERE txn_id = ? AND attempt = ?`, payReversed, store.Stamp(w.now), t.id, in.attempt); err != nil {
			return err
		}
		if err := l.setPhase(w, StateReadyToPay); err != nil {
			return err
		}
		if err := w.emit("payment_reversed_by_terminal", map[string]any{"attempt": in.attempt, "receiptNo": tn.receiptNo, "reversalReceiptNo": r.ReceiptNo}); err != nil {
			return err
		}
		return l.raise(w, AlertPaymentFailed, AlertDetail{Attempt: in.attempt, Amount: money(amount), Reason: "payment.reversed_by_terminal"})
	}
	return errStaleAttempt
}

// reversed records a reversal the worker made (or failed to make: staff
// must then refund by hand, and are alerted).
func (l *Lane) reversed(w *writer, in *payInput, txnID string) error {
	receiptNo := 0
	if in.after != nil {
		receiptNo = *in.after
	}
	body := map[string]any{"txn": txnID, "attempt": in.attempt, "receiptNo": receiptNo, "outcome": in.code}
	if in.res != nil {
		body["reversalReceiptNo"] = in.res.ReceiptNo
	}
	if in.code == "ok" {
		if _, err := w.execSQL(`UPDATE payments SET state = ?, updated_at = ?, reversed_at = ? WHERE txn_id = ? AND attempt = ? AND state IN (?, ?, ?, ?)`,
			payReversed, store.Stamp(w.now), store.Stamp(w.now), txnID, in.attempt, payApproved, payReversing, payNotCharged, payDeclined); err != nil {
			return err
		}
		return w.emit("payment_reversed", body)
	}
	if err := w.emit("payment_reversal_failed", body); err != nil {
		return err
	}
	return l.raiseFor(w, txnID, AlertRefundDue, AlertDetail{Attempt: in.attempt, Amount: money(amountOf(in)), Reason: "payment.reversal_failed"})
}

func amountOf(in *payInput) int64 {
	if in.res != nil {
		return in.res.Amount
	}
	return 0
}

// evOrphan journals an approval for an attempt the lane had closed; the
// worker that reported it reverses it (errOrphan tells it so).
const evOrphan = "payment_orphan_approval"

var errOrphan = errorf(KindState, "payment.orphan", "approval for a closed attempt: reverse it")

// unattributed records a late approval that may belong to a closed attempt
// but cannot be told from another payment: nothing is reversed on a guess,
// and staff are told to check the terminal's journal for a refund due.
func (l *Lane) unattributed(w *writer, txnID string, in *payInput) error {
	if err := w.emit("payment_answer_unattributed", map[string]any{"txn": txnID, "attempt": in.attempt,
		"receiptNo": in.res.ReceiptNo, "amount": money(in.res.Amount)}); err != nil {
		return err
	}
	return l.raiseFor(w, txnID, AlertRefundDue, AlertDetail{Attempt: in.attempt, Amount: money(in.res.Amount), Reason: "payment.check_terminal"})
}

// orphan reports whether an approval the terminal reports for a closed
// attempt is one no sale stands on: the attempt was closed as not charged
// (or declined), and the approval is newer than the terminal's last result
// before that attempt. An attempt staff confirmed as paid is no orphan.
func (l *Lane) orphan(w *writer, txnID string, in *payInput) (bool, error) {
	var state string
	var after sql.NullInt64
	if err := w.begin(); err != nil {
		return false, err
	}
	err := w.tx.QueryRowContext(w.ctx, `SELECT state, after_receipt FROM payments WHERE txn_id = ? AND attempt = ?`, txnID, in.attempt).
		Scan(&state, &after)
	if errors.Is(err, sql.ErrNoRows) {
		return false, errStaleAttempt
	}
	if err != nil {
		return false, err
	}
	if state != payNotCharged && state != payDeclined {
		return false, errStaleAttempt
	}
	if in.kind == "enquired" && after.Valid && int64(in.res.ReceiptNo) == after.Int64 {
		return false, errStaleAttempt // the terminal's result from before our request: not ours
	}
	if in.kind == "enquired" && !after.Valid {
		return false, l.unattributed(w, txnID, in) // may be ours: staff check the terminal
	}
	if in.kind == "enquired" {
		// Asked after the lane moved on: once a later attempt may have reached
		// the terminal, its last result is ours only if it is no newer than
		// that attempt's baseline (unknown baseline: not known to be ours).
		var next sql.NullInt64
		err := w.tx.QueryRowContext(w.ctx, `SELECT after_receipt FROM payments WHERE lane_id = ? AND method = 'card' AND state != ?
			AND (txn_id > ? OR (txn_id = ? AND attempt > ?)) ORDER BY txn_id, attempt LIMIT 1`, l.id, payRequested, txnID, txnID, in.attempt).Scan(&next)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return false, err
		case !next.Valid:
			return false, l.unattributed(w, txnID, in)
		case int64(in.res.ReceiptNo) > next.Int64:
			return false, errStaleAttempt // a later attempt's: not ours
		}
	}
	return true, nil
}

func orphanBody(in *payInput) map[string]any {
	return map[string]any{"attempt": in.attempt, "receiptNo": in.res.ReceiptNo, "amount": money(in.res.Amount), "trace": in.res.Trace}
}

// payResult records a terminal result (from the payment itself, or from
// asking the terminal after the answer was lost) before it is acknowledged.
func (l *Lane) payResult(w *writer, p *payState, in *payInput) error {
	if p.state != paySent && p.state != payUnknown {
		return errStaleAttempt
	}
	r := in.res
	if in.kind == "enquired" {
		// The terminal's last result is ours only if it came after the one
		// it had before our request. Unknown baseline: staff decide.
		switch {
		case p.after == nil || (r.Approved && !in.reversal && r.ReceiptNo != *p.after && r.Amount != p.amount):
			// Unknown baseline, or a newer approval of another amount (made
			// on the terminal's own keypad?): not known to be ours.
			if err := w.emit("payment_enquiry_inconclusive", map[string]any{"attempt": p.attempt, "receiptNo": r.ReceiptNo}); err != nil {
				return err
			}
			return l.payUnknown(w, p)
		case in.reversal && r.ReceiptNo != *p.after:
			// A reversal since our request: of ours (the terminal's own, of an
			// approval it never heard acknowledged: not charged), or of a
			// payment the lane recorded (its reversal of an earlier attempt
			// takes the terminal when ours ends): then it tells nothing of
			// ours, and staff decide.
			other, err := l.recordedTrace(w, r.ReversedTrace, p.attempt)
			if err != nil {
				return err
			}
			if other {
				if err := w.emit("payment_enquiry_inconclusive", map[string]any{"attempt": p.attempt, "receiptNo": r.ReceiptNo, "reversedTrace": r.ReversedTrace}); err != nil {
					return err
				}
				return l.payUnknown(w, p)
			}
			if err := l.closePaymentAlert(w, "recovered"); err != nil {
				return err
			}
			return l.enquiredNotCharged(w, p, r)
		case r.ReceiptNo == *p.after || !r.Approved:
			if err := l.closePaymentAlert(w, "recovered"); err != nil {
				return err
			}
			return l.enquiredNotCharged(w, p, r)
		}
	}
	if !r.Approved {
		key := failureKey(r.Result, p.cancel)
		state := payDeclined
		if key != "payment.declined" {
			state = payNotCharged
		}
		return l.payFailed(w, state, key, r)
	}
	if r.Offline {
		charged := r.Amount
		if charged == 0 { // a terminal that did not say: the amount asked
			charged = p.amount
		}
		ok, err := l.offlineAllowed(w, charged)
		if err != nil {
			return err
		}
		if !ok {
			// Over the offline caps: recorded (the terminal took it), then
			// reversed; the shopper pays another way.
			if err := l.payRecord(w, p, payApproved, r); err != nil {
				return err
			}
			if err := l.dueReversal(w, w.st.txn.id, p.attempt, r); err != nil {
				return err
			}
			return l.payFailed(w, payReversing, "payment.offline_limit", nil)
		}
	}
	if r.Amount != 0 && r.Amount != p.amount {
		// Charged another amount than asked: never a sale. Keep the record
		// and have the worker reverse it.
		if err := l.payRecord(w, p, payApproved, r); err != nil {
			return err
		}
		if err := l.dueReversal(w, w.st.txn.id, p.attempt, r); err != nil {
			return err
		}
		if err := w.emit("payment_amount_mismatch", map[string]any{"attempt": p.attempt, "asked": money(p.amount), "charged": money(r.Amount)}); err != nil {
			return err
		}
		return l.payFailed(w, payReversing, "payment.amount_mismatch", nil)
	}
	if err := l.payRecord(w, p, payApproved, r); err != nil {
		return err
	}
	if err := l.closePaymentAlert(w, "recovered"); err != nil {
		return err
	}
	return l.paid(w, tender{attempt: p.attempt, method: "card", amount: p.amount, cardName: r.CardName, maskedPAN: maskPAN(r.MaskedPAN),
		offline: r.Offline, receiptNo: r.ReceiptNo, trace: r.Trace, termID: r.TerminalID, text: maskText(r.Receipt)})
}

// enquiredNotCharged closes an attempt the terminal's answer shows was not
// charged. What it answered (its last result, another payment's) is
// journaled, never written onto this attempt's row.
func (l *Lane) enquiredNotCharged(w *writer, p *payState, r *devices.PaymentResult) error {
	if err := w.emit("payment_enquired", map[string]any{"attempt": p.attempt, "lastReceiptNo": r.ReceiptNo, "lastApproved": r.Approved, "lastReversal": r.Reversal}); err != nil {
		return err
	}
	return l.payFailed(w, payNotCharged, "payment.not_charged", nil)
}

// dueReversal records that an approval must be reversed, then has the
// worker reverse it once committed; a lane that stops first reverses it at
// its next start.
func (l *Lane) dueReversal(w *writer, txn string, attempt int, r *devices.PaymentResult) error {
	if _, err := w.execSQL(`UPDATE payments SET reverse_receipt = ?, reverse_minor = ? WHERE txn_id = ? AND attempt = ?`,
		r.ReceiptNo, r.Amount, txn, attempt); err != nil {
		return err
	}
	receiptNo, amount := r.ReceiptNo, r.Amount
	w.after = append(w.after, func() { l.startReversal(txn, attempt, receiptNo, amount) })
	return nil
}

// recordedTrace reports whether trace is that of a payment the lane recorded,
// other than the open transaction's attempt.
func (l *Lane) recordedTrace(w *writer, trace, attempt int) (bool, error) {
	if trace == 0 {
		return false, nil
	}
	if err := w.begin(); err != nil {
		return false, err
	}
	var n int
	err := w.tx.QueryRowContext(w.ctx, `SELECT count(*) FROM payments WHERE lane_id = ? AND trace = ? AND NOT (txn_id = ? AND attempt = ?)`,
		l.id, trace, w.st.txn.id, attempt).Scan(&n)
	return n > 0, err
}

// failureKey is the message key of a result code that is not an approval
// (ZVT PA00P015 §10): 01–63 are the card issuer's refusals; 64 a card the
// terminal could not read; 6C an abort (the shopper's cancel, or no card in
// time); the rest are the terminal's own troubles (busy, printer, out of
// order), for which another try or the attendant is the answer.
func failureKey(result int, cancelled bool) string {
	switch {
	case result == 0x6C && cancelled:
		return "payment.cancelled"
	case result == 0x6C:
		return "payment.timeout"
	case result == 0x64:
		return "payment.card_unreadable"
	case result >= 0x01 && result <= 0x63:
		return "payment.declined"
	}
	return "payment.terminal_unavailable"
}

// paid records the approved tender and moves the sale to the receipt choice.
// Totals = Σ lines = Σ tenders, in minor units, or nothing is committed.
func (l *Lane) paid(w *writer, tn tender) error {
	t := w.st.txn
	t.tenders = append(t.tenders, tn)
	var sum int64
	for _, x := range t.tenders {
		sum += x.amount
	}
	if total := t.totalMinor(); sum != total {
		return fmt.Errorf("kiosk: tenders %d ≠ total %d of %s: refusing to complete the sale", sum, total, t.id)
	}
	t.pay = nil
	t.phase = StatePaid
	if err := l.setPhase(w, StatePaid); err != nil {
		return err
	}
	if l.cfg.Bagging != nil {
		// The shopper may take their bags now.
		w.bagDirty = true
		if err := l.bagVerdict(w, t.bag.PaidNow(), "system", 1); err != nil {
			return err
		}
	}
	// Paid: an earlier attempt's failure is nothing staff need to come for.
	for _, a := range slices.Clone(w.st.alerts) {
		if a.Type == AlertPaymentFailed && a.TxnID == t.id {
			if err := l.dropAlert(w, a.ID, "system", "paid"); err != nil {
				return err
			}
		}
	}
	return w.emit("txn_paid_in_full", map[string]any{"total": money(sum), "tenders": len(t.tenders)})
}

// payFailed closes the attempt without a charge and takes the shopper back to
// the pay screen, where errKey says what happened and what to do.
func (l *Lane) payFailed(w *writer, state, errKey string, r *devices.PaymentResult) error {
	t := w.st.txn
	p := t.pay
	if err := l.payRecord(w, p, state, r); err != nil {
		return err
	}
	if err := l.closePaymentAlert(w, "recovered"); err != nil { // the attempt's outcome is known now
		return err
	}
	p.errKey, p.progress = errKey, ""
	t.phase = StateReadyToPay
	if err := l.setPhase(w, StateReadyToPay); err != nil {
		return err
	}
	body := map[string]any{"attempt": p.attempt, "reason": errKey}
	if r != nil {
		body["result"] = r.Result
	}
	if err := w.emit("payment_failed", body); err != nil {
		return err
	}
	if errKey == "payment.cancelled" {
		return nil
	}
	// Staff hear of every failure but the shopper's own cancel: a second
	// decline or a terminal that does not answer needs them.
	if w.st.openAlert(AlertPaymentFailed) != nil {
		return nil
	}
	return l.raise(w, AlertPaymentFailed, AlertDetail{Attempt: p.attempt, Amount: money(p.amount), Reason: errKey})
}

// payRecord writes the attempt's new state and, when given, the terminal's
// result (never more of the card than its masked number).
func (l *Lane) payRecord(w *writer, p *payState, state string, r *devices.PaymentResult) error {
	p.state = state
	if r == nil {
		return l.updatePayment(w, p, "")
	}
	text, _ := json.Marshal(maskText(r.Receipt))
	var approved any // what the terminal charged: nothing for a refusal
	if r.Approved {
		approved = r.Amount
	}
	if err := l.updatePayment(w, p, `result = ?, approved_minor = ?, receipt_no = ?, trace = ?, masked_pan = ?, card_name = ?, offline = ?, terminal_id = ?, terminal_text = ?`,
		r.Result, approved, r.ReceiptNo, r.Trace, maskPAN(r.MaskedPAN), r.CardName, r.Offline, r.TerminalID, string(text)); err != nil {
		return err
	}
	return w.emit("payment_result", map[string]any{"attempt": p.attempt, "approved": r.Approved, "result": r.Result,
		"amount": money(r.Amount), "receiptNo": r.ReceiptNo, "trace": r.Trace, "card": r.CardName, "pan": maskPAN(r.MaskedPAN),
		"offline": r.Offline, "terminal": r.TerminalID, "state": state})
}

func (l *Lane) updatePayment(w *writer, p *payState, set string, args ...any) error {
	q := `UPDATE payments SET state = ?, updated_at = ?`
	if set != "" {
		q += ", " + set
	}
	q += ` WHERE txn_id = ? AND attempt = ?`
	all := append([]any{p.state, store.Stamp(w.now)}, args...)
	all = append(all, w.st.txn.id, p.attempt)
	_, err := w.execSQL(q, all...)
	return err
}

func (l *Lane) setPhase(w *writer, s State) error {
	_, err := w.execSQL(`UPDATE transactions SET state = ? WHERE id = ?`, string(s), w.st.txn.id)
	return err
}

// closePaymentAlert resolves an open payment_unknown alert of the transaction.
func (l *Lane) closePaymentAlert(w *writer, outcome string) error {
	if a := w.st.openAlert(AlertPaymentUnknown); a != nil {
		return l.dropAlert(w, a.ID, "system", outcome)
	}
	return nil
}

// dropAlert closes an open alert by id.
func (l *Lane) dropAlert(w *writer, id int64, by, outcome string) error {
	return l.dropAlertWhy(w, id, by, "", outcome, "")
}

// dropAlertWhy closes an open alert by id, saying who (in which role) and why.
func (l *Lane) dropAlertWhy(w *writer, id int64, by, role, outcome, reason string) error {
	st := w.st
	for i := range st.alerts {
		if st.alerts[i].ID == id {
			a := st.alerts[i]
			st.alerts = append(st.alerts[:i:i], st.alerts[i+1:]...)
			return l.closeAlertWhy(w, a, by, role, outcome, reason)
		}
	}
	return nil
}

// cashTaken completes a pay-at-attendant sale: staff took the money.
func (l *Lane) cashTaken(w *writer, by string) error {
	t := w.st.txn
	if t == nil || t.phase != StatePaying || t.pay == nil || t.pay.state != payWaitingStaff {
		return errorf(KindState, "payment.not_waiting", "no sale is waiting for payment at the attendant")
	}
	if a := w.st.openAlert(AlertCashPayment); a != nil {
		if err := l.dropAlert(w, a.ID, by, "approved"); err != nil {
			return err
		}
	}
	p := t.pay
	p.state = payApproved
	if err := l.updatePayment(w, p, `approved_minor = ?, by = ?, confirmed = 1`, p.amount, by); err != nil {
		return err
	}
	if err := w.emit("payment_result", map[string]any{"attempt": p.attempt, "approved": true, "amount": money(p.amount), "method": "cash", "by": by, "state": payApproved}); err != nil {
		return err
	}
	return l.paid(w, tender{attempt: p.attempt, method: "cash", amount: p.amount, confirmed: true})
}

// receiptChoice is the shopper's choice after paying: print, qr or none.
func (l *Lane) receiptChoice(w *writer, choice string) error {
	t := w.st.txn
	if t == nil || (t.phase != StatePaid && t.phase != StateReceipt) {
		return errorf(KindState, "receipt.not_paid", "there is no paid sale to give a receipt for")
	}
	if t.verifying {
		return errorf(KindBusy, "payment.verifying", "checking the payment with the terminal: one moment")
	}
	if t.phase == StateReceipt && t.receipt.choice == choice && choice != "print" {
		return nil
	}
	if choice == "print" && (t.receipt.printed || (t.phase == StateReceipt && t.receipt.choice == "print" && t.receipt.printErr == "")) {
		return nil // printed, or printing: one paper receipt per press
	}
	t.receipt.choice = choice
	t.receipt.printErr = ""
	if t.phase != StateReceipt {
		t.phase = StateReceipt
		if err := l.setPhase(w, StateReceipt); err != nil {
			return err
		}
	}
	if choice == "print" {
		if l.cfg.Printer == nil {
			t.receipt.printErr = "printer.none"
		} else {
			id := t.id
			w.after = append(w.after, func() { l.startPrint(id) })
		}
	}
	return w.emit("receipt_chosen", map[string]any{"choice": choice})
}

// notVerifying refuses to end a paid sale while the lane is still asking the
// terminal whether its approval stands (after a restart): the terminal may
// have reversed it, and the shopper then pays again.
func notVerifying(t *txnState) error {
	if t.verifying {
		return errorf(KindBusy, "payment.verifying", "checking the payment with the terminal: one moment")
	}
	return nil
}

// finish ends the paid sale: the lane is free for the next shopper.
func (l *Lane) finish(w *writer) error {
	t := w.st.txn
	if t == nil {
		return nil
	}
	if t.phase != StatePaid && t.phase != StateReceipt {
		return errorf(KindState, "txn.not_paid", "the sale is not paid")
	}
	if t.verifying {
		return errorf(KindBusy, "payment.verifying", "checking the payment with the terminal: one moment")
	}
	return l.endTxn(w, "paid", "shopper")
}

// printed records the paper receipt's outcome for the screen.
func (l *Lane) printOutcome(w *writer, txn string, errKey string) error {
	t := w.st.txn
	if t != nil && t.id == txn {
		t.receipt.printed = errKey == ""
		t.receipt.printErr = errKey
	}
	if errKey == "" {
		return nil
	}
	if err := w.emit("receipt_not_printed", map[string]any{"txn": txn, "reason": errKey}); err != nil {
		return err
	}
	return l.raiseFor(w, txn, AlertReceiptNotPrinted, AlertDetail{Reason: errKey})
}

// totalMinor is the basket total in minor units.
func (t *txnState) totalMinor() int64 {
	priced := make([]pricing.Priced, len(t.lines))
	for i := range t.lines {
		priced[i] = t.lines[i].priced
	}
	return minor(pricing.Sum(priced).Total)
}

func money(m int64) string { return fromMinor(m).StringFixed(pricing.MinorDigits) }

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// maskPAN keeps at most the first 6 and the last 4 digits of a card number,
// whatever the terminal sent: anything else becomes '*'.
func maskPAN(pan string) string {
	pan = strings.TrimSpace(pan)
	if pan == "" {
		return ""
	}
	b := []byte(pan)
	n := len(b)
	for i := range b {
		if i < 6 && n > 10 || i >= n-4 {
			if b[i] < '0' || b[i] > '9' {
				b[i] = '*'
			}
			continue
		}
		b[i] = '*'
	}
	if n <= 10 { // too short to keep 6 + 4: only the last 4
		for i := 0; i < n-4; i++ {
			b[i] = '*'
		}
	}
	return string(b)
}

// maskText masks every card number in a terminal's receipt lines: some
// terminals print the whole number on the merchant's copy.
func maskText(lines []string) []string {
	if lines == nil {
		return nil
	}
	out := make([]string, len(lines))
	for i, s := range lines {
		out[i] = panscan.Mask(s)
	}
	return out
}
