package staff

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

// Audit appends an entry to the audit log; At defaults to now. Action and
// Outcome are required. Its text is made fit for the log whoever wrote it
// (a hub forwards what a handheld sent): at most 64 bytes a field, a
// detail's strings at most 1024, valid UTF-8 without control characters, so
// that no entry can fill the file or rewrite a terminal that prints it.
func (s *Service) Audit(ctx context.Context, e AuditEntry) error {
	e.Actor, e.Role, e.Action, e.Lane, e.Target = clean(e.Actor), clean(e.Role), clean(e.Action), clean(e.Lane), clean(e.Target)
	e.Where, e.Outcome = cleanN(e.Where, 160), clean(e.Outcome)
	if e.Action == "" || e.Outcome == "" {
		return fmt.Errorf("%w: an audit entry needs an action and an outcome", ErrInvalid)
	}
	if len(e.Detail) > 0 {
		d := make(map[string]any, len(e.Detail))
		for k, v := range e.Detail {
			if str, ok := v.(string); ok {
				v = clean256(str)
			}
			d[clean(k)] = v
		}
		e.Detail = d
	}
	if e.At.IsZero() {
		e.At = s.opt.Now()
	}
	detail := []byte("{}")
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return fmt.Errorf("staff: audit detail: %w", err)
		}
		detail = b
	}
	// Not the request's context: an entry whose action happened is written
	// even when the client went away.
	_, err := s.db.W.ExecContext(context.WithoutCancel(ctx), `INSERT INTO audit (at, actor, role, action, lane_id, target, where_from, outcome, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, store.Stamp(e.At), e.Actor, e.Role, e.Action, e.Lane, e.Target, e.Where, e.Outcome, string(detail))
	if err != nil {
		return fmt.Errorf("staff: audit: %w", err)
	}
	return nil
}

// MaxAuditPage is the most entries AuditLog returns at once.
const MaxAuditPage = 1000

// AuditLog returns up to limit entries (1..MaxAuditPage; default 100) with
// seq above after, in seq order: HQ pulls the log page by page, passing the
// last seq it has.
func (s *Service) AuditLog(ctx context.Context, after int64, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, MaxAuditPage)
	rows, err := s.db.R.QueryContext(ctx, `SELECT seq, at, actor, role, action, lane_id, target, where_from, outcome, detail
		FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("staff: audit log: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at, detail string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Role, &e.Action, &e.Lane, &e.Target, &e.Where, &e.Outcome, &detail); err != nil {
			return nil, fmt.Errorf("staff: audit log: %w", err)
		}
		e.At = store.ParseStamp(at)
		if detail != "{}" {
			if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
				return nil, fmt.Errorf("staff: audit log %d: %w", e.Seq, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// live returns the live session of sess's token, or ErrNoSession.
func (s *Service) live(sess *Session) (*Session, error) {
	if sess == nil {
		return nil, ErrNoSession
	}
	l, ok := s.Session(sess.Token)
	if !ok {
		return nil, ErrNoSession
	}
	return l, nil
}

// Act runs a staff action on lane for the session's staff member and audits
// it with its outcome: "ok", or the refusal's code (a *kiosk.Error's Code),
// "no_session" when the session ended, "error" otherwise. The lane decides
// whether the member's role may do it. It returns the lane's answer; when
// the action was done but its audit entry could not be written, the result
// and an error (a retry with the same idemKey replays the action and audits
// again).
func (s *Service) Act(ctx context.Context, lane *kiosk.Lane, sess *Session, a kiosk.StaffAction, idemKey string) (kiosk.Result, error) {
	e := AuditEntry{Action: clean(string(a.Op)), Lane: lane.ID(), Target: actionTarget(a, lane), Detail: actionDetail(a, lane)}
	if sess != nil {
		e.Actor, e.Role, e.Where = sess.Actor.ID, sess.Actor.Role, sess.Actor.Where
	}
	l, err := s.live(sess)
	var res kiosk.Result
	if err == nil {
		res, err = lane.Staff(ctx, l.Actor, a, idemKey)
	}
	e.Outcome = OutcomeOK
	if err != nil {
		e.Outcome = outcomeOf(err)
	}
	if res.Replayed {
		e.Detail["replayed"] = true
	}
	if aerr := s.Audit(ctx, e); aerr != nil {
		if err == nil {
			return res, fmt.Errorf("staff: %s done but not audited: %w", a.Op, aerr)
		}
		return res, joinErr(err, aerr)
	}
	return res, err
}

// Reprint prints the receipt of txn ("" = the lane's last basket) on printer
// for the session's staff member and audits it (action "reprint").
func (s *Service) Reprint(ctx context.Context, lane *kiosk.Lane, printer kiosk.Printer, sess *Session, txn string) error {
	e := AuditEntry{Action: ActionReprint, Lane: lane.ID(), Target: txn}
	if txn == "" {
		e.Target = "last"
	}
	if sess != nil {
		e.Actor, e.Role, e.Where = sess.Actor.ID, sess.Actor.Role, sess.Actor.Where
	}
	l, err := s.live(sess)
	if err == nil {
		err = lane.PrintReceipt(ctx, printer, txn, l.Actor.ID)
	}
	e.Outcome = OutcomeOK
	if err != nil {
		e.Outcome = outcomeOf(err)
	}
	return joinErr(err, s.Audit(ctx, e))
}

// actionTarget names what a staff action acts on: its alert, its line, or
// the lane's open transaction.
func actionTarget(a kiosk.StaffAction, lane *kiosk.Lane) string {
	switch {
	case a.AlertID != 0:
		return "alert " + strconv.FormatInt(a.AlertID, 10)
	case a.Line != 0:
		return "line " + strconv.Itoa(a.Line)
	}
	if v := lane.View(); v != nil && v.Txn != nil {
		return "txn " + v.Txn.ID
	}
	return ""
}

// actionDetail is what of a staff action the audit log keeps.
func actionDetail(a kiosk.StaffAction, lane *kiosk.Lane) map[string]any {
	d := map[string]any{}
	if a.Outcome != "" {
		d["outcome"] = clean(a.Outcome)
	}
	if a.Reason != "" {
		d["reason"] = clean256(a.Reason)
	}
	if a.Op == kiosk.OpStaffVoid || a.Qty != 0 {
		d["qty"] = a.Qty
	}
	if a.Price != "" {
		d["price"] = clean(a.Price)
	}
	if a.WeightG != 0 {
		d["weightG"] = a.WeightG
	}
	if a.VATClass != "" {
		d["vatClass"] = clean(a.VATClass)
	}
	if v := lane.View(); v != nil && v.Txn != nil {
		d["txn"] = v.Txn.ID
	}
	return d
}
