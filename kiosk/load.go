package kiosk

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/store"
)

// load reads the lane back from SQLite: the last sequence number, the open
// transaction with its lines, and the open alerts.
func (l *Lane) load(ctx context.Context) (state, error) {
	st := state{lang: l.cfg.Lang}
	db := l.db.W // read our own last commit, not a reader's snapshot
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM journal WHERE lane_id = ?`, l.id).Scan(&st.seq); err != nil {
		return st, fmt.Errorf("kiosk: load seq: %w", err)
	}
	var t txnState
	var started, phase string
	var topics string
	var bag sql.NullString
	err := db.QueryRowContext(ctx, `SELECT id, started_at, state, age_approved, lang, help_topics, bagging FROM transactions WHERE lane_id = ? AND ended_at IS NULL`, l.id).
		Scan(&t.id, &started, &phase, &t.ageApproved, &st.lang, &topics, &bag)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return st, fmt.Errorf("kiosk: load transaction: %w", err)
	default:
		t.started = store.ParseStamp(started)
		t.phase = State(phase)
		if err := json.Unmarshal([]byte(topics), &t.helpTopics); err != nil {
			return st, fmt.Errorf("kiosk: load help topics of %s: %w", t.id, err)
		}
		if err := loadBag(bag, &t); err != nil {
			return st, err
		}
		// The area's weight is the one the rules last saw, until the
		// scale says it again.
		st.baggingG = t.bag.LastG
		if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM alerts WHERE txn_id = ? AND type = ?)`, t.id, AlertHelp).
			Scan(&t.helpCalled); err != nil {
			return st, fmt.Errorf("kiosk: load help alerts: %w", err)
		}
		if t.lines, err = l.loadLines(ctx, db, t.id); err != nil {
			return st, err
		}
		if err := l.loadPayments(ctx, db, &t); err != nil {
			return st, err
		}
		st.txn = &t
		// The load of the last weighed line may still be on the produce
		// scale: after a restart it is not a new load either.
		for i := len(t.lines) - 1; i >= 0; i-- {
			if ln := t.lines[i]; ln.plu != "" && ln.soldBy == catalog.ByWeight && !ln.voided {
				st.produce.sold = ln.weightG
				break
			}
		}
	}
	if err := l.loadAlerts(ctx, db, &st); err != nil {
		return st, err
	}
	if err := db.QueryRowContext(ctx, `SELECT closed FROM lane_state WHERE lane_id = ?`, l.id).Scan(&st.closed); err != nil && err != sql.ErrNoRows {
		return st, fmt.Errorf("kiosk: load lane state: %w", err)
	}
	return st, nil
}

// loadAlerts reads the open alerts back with their acknowledgement and
// escalation, and the wait times of the last acknowledged ones. An alert
// raised before escalations were kept escalates from its raise.
func (l *Lane) loadAlerts(ctx context.Context, db *sql.DB, st *state) error {
	rows, err := db.QueryContext(ctx, `SELECT id, coalesce(txn_id, ''), type, blocking, detail, raised_at, coalesce(role, ''), level,
		coalesce(acked_at, ''), coalesce(acked_by, ''), escalates_at FROM alerts
		WHERE lane_id = ? AND resolved_at IS NULL ORDER BY id`, l.id)
	if err != nil {
		return fmt.Errorf("kiosk: load alerts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Alert
		var detail, raised, acked string
		var escalates sql.NullString
		if err := rows.Scan(&a.ID, &a.TxnID, &a.Type, &a.Blocking, &detail, &raised, &a.Role, &a.Level, &acked, &a.AckedBy, &escalates); err != nil {
			return err
		}
		a.Detail = json.RawMessage(detail)
		a.RaisedAt = store.ParseStamp(raised)
		at := AlertTypes[a.Type]
		if acked != "" {
			t := store.ParseStamp(acked)
			a.AckedAt = &t
		}
		switch {
		case escalates.Valid:
			t := store.ParseStamp(escalates.String)
			a.EscalatesAt = &t
		case a.Role == "": // from before escalations were kept
			t := a.RaisedAt.Add(at.EscalateAfter)
			a.EscalatesAt = &t
		}
		if a.Role == "" {
			a.Role = at.Role
		}
		st.alerts = append(st.alerts, a)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	wrows, err := db.QueryContext(ctx, `SELECT raised_at, acked_at FROM alerts WHERE lane_id = ? AND acked_at IS NOT NULL
		ORDER BY acked_at DESC LIMIT ?`, l.id, ackWaitWindow)
	if err != nil {
		return fmt.Errorf("kiosk: load alert waits: %w", err)
	}
	defer wrows.Close()
	for wrows.Next() {
		var raised, acked string
		if err := wrows.Scan(&raised, &acked); err != nil {
			return err
		}
		st.ackWaits = append(st.ackWaits, store.ParseStamp(acked).Sub(store.ParseStamp(raised)))
	}
	slices.Reverse(st.ackWaits)
	st.waitS = expectedWait(st.ackWaits)
	return wrows.Err()
}

// loadPayments reads the transaction's payment attempts back: the approved
// ones are its tenders, the last other one its current (or failed) attempt.
func (l *Lane) loadPayments(ctx context.Context, db *sql.DB, t *txnState) error {
	rows, err := db.QueryContext(ctx, `SELECT attempt, method, amount_minor, state, after_receipt, coalesce(result, 0),
		coalesce(receipt_no, 0), coalesce(trace, 0), coalesce(masked_pan, ''), coalesce(card_name, ''), offline,
		coalesce(terminal_id, ''), coalesce(terminal_text, ''), confirmed FROM payments WHERE txn_id = ? ORDER BY attempt`, t.id)
	if err != nil {
		return fmt.Errorf("kiosk: load payments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p payState
		var after sql.NullInt64
		var result int
		var tn tender
		var text string
		if err := rows.Scan(&p.attempt, &p.method, &p.amount, &p.state, &after, &result, &tn.receiptNo, &tn.trace,
			&tn.maskedPAN, &tn.cardName, &tn.offline, &tn.termID, &text, &tn.confirmed); err != nil {
			return err
		}
		t.attempts = max(t.attempts, p.attempt)
		if after.Valid {
			n := int(after.Int64)
			p.after = &n
		}
		switch p.state {
		case payApproved:
			if t.phase == StatePaid || t.phase == StateReceipt {
				tn.attempt, tn.method, tn.amount = p.attempt, p.method, p.amount
				_ = json.Unmarshal([]byte(text), &tn.text)
				t.tenders = append(t.tenders, tn)
				continue
			}
			p.errKey = "payment.amount_mismatch"
		case payReversing:
			p.errKey = "payment.amount_mismatch"
			if tn.offline {
				p.errKey = "payment.offline_limit"
			}
		case payDeclined:
			p.errKey = "payment.declined"
		case payNotCharged, payReversed:
			p.errKey = "payment.not_charged"
		}
		t.pay = &p
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if t.phase == StatePaid || t.phase == StateReceipt {
		t.pay = nil
	}
	return nil
}

func (l *Lane) loadLines(ctx context.Context, db *sql.DB, txn string) ([]line, error) {
	rows, err := db.QueryContext(ctx, `SELECT line_no, gtin, plu, code, names, sold_by, qty, weight_g, unit_minor, embedded_minor,
		amount_minor, vat_class, vat_rate, min_age, voided FROM lines WHERE txn_id = ? ORDER BY line_no`, txn)
	if err != nil {
		return nil, fmt.Errorf("kiosk: load lines: %w", err)
	}
	defer rows.Close()
	var out []line
	for rows.Next() {
		var ln line
		var names, soldBy, rate string
		var unit, amount int64
		var emb sql.NullInt64
		if err := rows.Scan(&ln.no, &ln.gtin, &ln.plu, &ln.code, &names, &soldBy, &ln.qty, &ln.weightG, &unit, &emb,
			&amount, &ln.vatClass, &rate, &ln.minAge, &ln.voided); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(names), &ln.names); err != nil {
			return nil, fmt.Errorf("kiosk: line %d names: %w", ln.no, err)
		}
		ln.soldBy = catalog.SoldBy(soldBy)
		ln.unit = fromMinor(unit)
		if emb.Valid {
			e := fromMinor(emb.Int64)
			ln.embedded = &e
		}
		if ln.vatRate, err = decimal.NewFromString(rate); err != nil {
			return nil, fmt.Errorf("kiosk: line %d VAT rate: %w", ln.no, err)
		}
		l.price(&ln)
		if minor(ln.amount) != amount {
			return nil, fmt.Errorf("kiosk: line %d of %s: stored amount %d, its price and quantity give %d", ln.no, txn, amount, minor(ln.amount))
		}
		out = append(out, ln)
	}
	return out, rows.Err()
}

// EventsAfter returns up to limit journal events of this lane with seq > after.
func (l *Lane) EventsAfter(ctx context.Context, after int64, limit int) ([]Event, error) {
	return l.events(ctx, `SELECT event_id, seq, coalesce(txn_id, ''), type, at, body FROM journal
		WHERE lane_id = ? AND seq > ? ORDER BY seq LIMIT ?`, l.id, after, limit)
}

// eventsBetween returns the lane's journal events with first <= seq <= last.
func (l *Lane) eventsBetween(ctx context.Context, first, last int64) ([]Event, error) {
	return l.events(ctx, `SELECT event_id, seq, coalesce(txn_id, ''), type, at, body FROM journal
		WHERE lane_id = ? AND seq BETWEEN ? AND ? ORDER BY seq`, l.id, first, last)
}

func (l *Lane) events(ctx context.Context, q string, args ...any) ([]Event, error) {
	rows, err := l.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		ev := Event{Lane: l.id}
		var at, body string
		if err := rows.Scan(&ev.ID, &ev.Seq, &ev.Txn, &ev.Type, &at, &body); err != nil {
			return nil, err
		}
		ev.At = store.ParseStamp(at)
		ev.Body = json.RawMessage(body)
		out = append(out, ev)
	}
	return out, rows.Err()
}
