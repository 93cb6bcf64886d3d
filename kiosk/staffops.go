package kiosk

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/store"
)

// mayClear checks that who may resolve (or otherwise settle) an alert of
// type typ: at least the type's role, and for remote staff a type that needs
// no one at the lane. A nil who is the staff socket's user, the kiosk's
// owner, who may do anything.
func (l *Lane) mayClear(who *Actor, typ string) error {
	if who == nil {
		return nil
	}
	at := AlertTypes[typ]
	if roleRank(who.Role) < roleRank(at.Role) {
		return errorf(KindState, "staff.role", "a %s is settled by a %s", typ, at.Role)
	}
	if who.Role == RoleRemote && at.Presence != PresenceRemote && !(typ == AlertAgeCheck && l.cfg.RemoteAgeChecks) {
		return errorf(KindState, "staff.presence", "a %s needs someone at the lane", typ)
	}
	return nil
}

// mayAtLane checks that who may do op, an action on the basket or the
// money that needs someone at the lane, with at least role.
func mayAtLane(who *Actor, role string, op Op) error {
	if who == nil {
		return nil
	}
	if roleRank(who.Role) < roleRank(role) {
		return errorf(KindState, "staff.role", "%s is for a %s", op, role)
	}
	if who.Role == RoleRemote {
		return errorf(KindState, "staff.presence", "%s needs someone at the lane", op)
	}
	return nil
}

// openAlertIndex finds an open alert by id; a resolved one and an unknown
// one are told apart.
func (l *Lane) openAlertIndex(w *writer, id int64) (int, error) {
	for i := range w.st.alerts {
		if w.st.alerts[i].ID == id {
			return i, nil
		}
	}
	var resolvedAt *string
	if err := l.db.R.QueryRowContext(w.ctx, `SELECT resolved_at FROM alerts WHERE id = ? AND lane_id = ?`, id, l.id).Scan(&resolvedAt); err == nil {
		return -1, errorf(KindState, "alert.resolved", "alert %d is already resolved", id)
	}
	return -1, errorf(KindNotFound, "alert.not_found", "no alert %d on lane %s", id, l.id)
}

// ack records that a staff member took an alert ("on my way"). The first
// acknowledgement restarts the escalation clock once: the next role is called
// EscalateAfter after it, unless that was later already; acknowledging again
// moves nothing, so that taps cannot hold an escalation off. Another staff
// member may take the alert over (AckedBy is who took it last, AckedAt when
// it was first taken); the same one again changes nothing.
func (l *Lane) ack(w *writer, cmd Command) error {
	st := w.st
	i, err := l.openAlertIndex(w, cmd.staff.AlertID)
	if err != nil {
		return err
	}
	a := &st.alerts[i]
	if a.AckedBy == cmd.actor.ID {
		return nil
	}
	first := a.AckedAt == nil
	if first {
		t := w.now
		a.AckedAt = &t
		if a.EscalatesAt != nil {
			if d := w.now.Add(AlertTypes[a.Type].EscalateAfter); d.After(*a.EscalatesAt) {
				a.EscalatesAt = &d
			}
		}
	}
	a.AckedBy = cmd.actor.ID
	if _, err := w.execSQL(`UPDATE alerts SET acked_at = ?, acked_by = ?, escalates_at = ? WHERE id = ?`,
		store.Stamp(*a.AckedAt), a.AckedBy, stampOrNil(a.EscalatesAt), a.ID); err != nil {
		return err
	}
	if first {
		st.ackWaits = append(slices.Clone(st.ackWaits), w.now.Sub(a.RaisedAt))
		if n := len(st.ackWaits); n > ackWaitWindow {
			st.ackWaits = st.ackWaits[n-ackWaitWindow:]
		}
		st.waitS = expectedWait(st.ackWaits)
	}
	return w.emit("alert_acknowledged", map[string]any{"id": a.ID, "type": a.Type, "by": a.AckedBy, "role": cmd.actor.Role})
}

// ackWaitWindow is how many of the lane's last acknowledged alerts the
// expected wait is the median of.
const ackWaitWindow = 20

// expectedWait is the wait a shopper is told, in seconds: the median time
// from raise to acknowledgement of the lane's last alerts, 30..300 s; 60 s
// before any was acknowledged.
func expectedWait(waits []time.Duration) int {
	if len(waits) == 0 {
		return 60
	}
	s := slices.Clone(waits)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return min(max(int((m+time.Second-1)/time.Second), 30), 300)
}

// escalate calls the next role for every open alert whose time is up: its
// level rises, its role becomes the type's NextRole, and the next escalation
// is EscalateAfter later, up to MaxAlertLevel. An alert overdue by several
// periods (the kiosk was off) escalates once, and again EscalateAfter later.
func (l *Lane) escalate(w *writer) error {
	st := w.st
	for i := range st.alerts {
		a := &st.alerts[i]
		if a.EscalatesAt == nil || w.now.Before(*a.EscalatesAt) {
			continue
		}
		at := AlertTypes[a.Type]
		a.Level++
		a.Role = at.NextRole
		a.EscalatesAt = nil
		if a.Level < MaxAlertLevel {
			t := w.now.Add(at.EscalateAfter)
			a.EscalatesAt = &t
		}
		if _, err := w.execSQL(`UPDATE alerts SET level = ?, role = ?, escalated_at = ?, escalates_at = ? WHERE id = ?`,
			a.Level, a.Role, store.Stamp(w.now), stampOrNil(a.EscalatesAt), a.ID); err != nil {
			return err
		}
		if err := w.emit("alert_escalated", map[string]any{"id": a.ID, "type": a.Type, "level": a.Level, "role": a.Role}); err != nil {
			return err
		}
	}
	return nil
}

// due reports whether an open alert's escalation is due at now.
func (s *state) due(now time.Time) bool {
	for i := range s.alerts {
		if e := s.alerts[i].EscalatesAt; e != nil && !now.Before(*e) {
			return true
		}
	}
	return false
}

// escalating reports whether any open alert may still escalate.
func (s *state) escalating() bool {
	for i := range s.alerts {
		if s.alerts[i].EscalatesAt != nil {
			return true
		}
	}
	return false
}

func stampOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return store.Stamp(*t)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// staffBody is what every staff event says of who acted and why.
func staffBody(cmd Command, m map[string]any) map[string]any {
	if m == nil {
		m = map[string]any{}
	}
	m["by"] = cmd.By
	if cmd.actor != nil {
		m["role"] = cmd.actor.Role
	}
	if cmd.staff != nil && cmd.staff.Reason != "" {
		m["reason"] = cmd.staff.Reason
	}
	return m
}

// staffVoid removes a line or lowers its quantity at once, and settles the
// line's open void requests.
func (l *Lane) staffVoid(w *writer, cmd Command) error {
	st := w.st
	if err := mayAtLane(cmd.actor, RoleAttendant, cmd.Op); err != nil {
		return err
	}
	if err := basketFrozen(st, OpVoid); err != nil {
		return err
	}
	ln, err := l.activeLine(st, cmd.staff.Line)
	if err != nil {
		return err
	}
	qty := cmd.staff.Qty
	if qty >= ln.qty {
		return errorf(KindInvalid, "request.qty", "line %d has %d: a void lowers it (0 removes the line)", ln.no, ln.qty)
	}
	if qty > 0 && (ln.soldBy != catalog.ByEach || ln.embedded != nil) {
		return errorf(KindInvalid, "line.fixed_qty", "line %d is weighed or priced by its label: void it whole", ln.no)
	}
	typ := "quantity_changed"
	if qty == 0 {
		typ = "line_voided"
	}
	if err := l.setQtyWith(w, ln, qty, typ, staffBody(cmd, nil)); err != nil {
		return err
	}
	for _, a := range slices.Clone(st.alerts) {
		var d AlertDetail
		if a.Type == AlertVoidRequest && a.TxnID == st.txn.id && json.Unmarshal(a.Detail, &d) == nil && d.Line == ln.no {
			if err := l.dropAlertWhy(w, a.ID, cmd.By, cmd.actor.Role, "done", "staff_void"); err != nil {
				return err
			}
		}
	}
	return nil
}

// priceOverride sets a line's unit price (per kg for a weighed line), or the
// price of its label, and prices the line again.
func (l *Lane) priceOverride(w *writer, cmd Command) error {
	st := w.st
	if err := mayAtLane(cmd.actor, RoleSupervisor, cmd.Op); err != nil {
		return err
	}
	if err := basketFrozen(st, OpVoid); err != nil {
		return err
	}
	ln, err := l.activeLine(st, cmd.staff.Line)
	if err != nil {
		return err
	}
	price, err := parsePrice(cmd.staff.Price)
	if err != nil {
		return err
	}
	from := ln.unit
	if ln.embedded != nil {
		from = *ln.embedded
		ln.embedded = &price
	} else {
		ln.unit = price
	}
	if from.Equal(price) {
		return nil
	}
	l.price(ln)
	var emb any
	if ln.embedded != nil {
		emb = minor(*ln.embedded)
	}
	if _, err := w.execSQL(`UPDATE lines SET unit_minor = ?, embedded_minor = ?, amount_minor = ? WHERE txn_id = ? AND line_no = ?`,
		minor(ln.unit), emb, minor(ln.amount), st.txn.id, ln.no); err != nil {
		return err
	}
	w.changed = append(w.changed, ln.no)
	return w.emit("price_overridden", staffBody(cmd, map[string]any{"line": ln.no, "from": money(minor(from)), "to": money(minor(price)),
		"amount": ln.lv.Amount}))
}

// GenericNames are the names of an item sold under no catalog entry
// (sell_unknown); the scanned code follows them.
var GenericNames = catalog.Names{EN: "Item not found", DE: "Artikel nicht gefunden", ES: "Artículo no encontrado"}

// sellUnknown resolves an item_not_found as approved and sells its code at
// the price staff give: per piece, or per kg with a weight. The line has no
// GTIN; its code is the scanned one, and unknown_item_sold tells HQ.
func (l *Lane) sellUnknown(w *writer, cmd Command) error {
	st := w.st
	sa := cmd.staff
	i, err := l.openAlertIndex(w, sa.AlertID)
	if err != nil {
		return err
	}
	a := st.alerts[i]
	if a.Type != AlertItemNotFound {
		return errorf(KindState, "alert.type", "alert %d is a %s, not an item_not_found", a.ID, a.Type)
	}
	if err := l.mayClear(cmd.actor, a.Type); err != nil {
		return err
	}
	if st.txn == nil || a.TxnID != st.txn.id {
		return errorf(KindState, "txn.none", "the transaction of alert %d is over", a.ID)
	}
	if err := basketFrozen(st, OpVoid); err != nil {
		return err
	}
	vat := sa.VATClass
	if vat == "" {
		vat = "standard"
	}
	if _, ok := l.cfg.Rates[vat]; !ok {
		return errorf(KindInvalid, "request.vat_class", "this store has no VAT class %q", vat)
	}
	price, err := parsePrice(sa.Price)
	if err != nil {
		return err
	}
	var d AlertDetail
	_ = json.Unmarshal(a.Detail, &d)
	if err := l.dropAlertWhy(w, a.ID, cmd.By, cmd.actor.Role, "approved", sa.Reason); err != nil {
		return err
	}
	if err := l.resume(w); err != nil {
		return err
	}
	ln := line{code: d.Code, names: unknownNames(d.Code), soldBy: catalog.ByEach, qty: 1, unit: price, vatClass: vat}
	if sa.WeightG > 0 {
		ln.soldBy, ln.weightG = catalog.ByWeight, sa.WeightG
	}
	if err := l.addLine(w, ln, map[string]any{"source": "staff", "by": cmd.By, "alert": a.ID}); err != nil {
		return err
	}
	return w.emit("unknown_item_sold", map[string]any{"alert": a.ID, "code": d.Code, "gtin": d.GTIN, "price": money(minor(price)),
		"weightG": sa.WeightG, "vatClass": vat, "by": cmd.By, "line": len(st.txn.lines)})
}

// unknownNames names a line sold by sell_unknown: the generic name and the
// code as printed under the barcode (without the scanner's symbology
// identifier), cut to fit a product name.
func unknownNames(code string) catalog.Names {
	if len(code) > 3 && code[0] == ']' {
		code = code[3:]
	}
	if len(code) > 48 {
		code = code[:48]
	}
	n := GenericNames
	n.EN, n.DE, n.ES = n.EN+" "+code, n.DE+" "+code, n.ES+" "+code
	return n
}

// staffCancel ends the open transaction as cancelled by staff.
func (l *Lane) staffCancel(w *writer, cmd Command) error {
	st := w.st
	if err := mayAtLane(cmd.actor, RoleAttendant, cmd.Op); err != nil {
		return err
	}
	if st.txn == nil {
		return errorf(KindState, "txn.none", "no transaction is open")
	}
	if err := basketFrozen(st, OpCancel); err != nil {
		return err
	}
	return l.endTxnWith(w, "cancelled", cmd.By, staffBody(cmd, nil))
}

// setClosed closes or opens the lane. A closed lane starts no transaction;
// the one open may finish. It is kept in lane_state, so a restart keeps it.
func (l *Lane) setClosed(w *writer, cmd Command, closed bool) error {
	st := w.st
	if st.closed == closed {
		return nil
	}
	if _, err := w.execSQL(`INSERT INTO lane_state (lane_id, closed, changed_by, changed_at, reason) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (lane_id) DO UPDATE SET closed = excluded.closed, changed_by = excluded.changed_by,
		changed_at = excluded.changed_at, reason = excluded.reason`,
		l.id, closed, cmd.By, store.Stamp(w.now), cmd.staff.Reason); err != nil {
		return err
	}
	st.closed = closed
	typ := "lane_opened"
	if closed {
		typ = "lane_closed"
	}
	return w.emit(typ, staffBody(cmd, nil))
}

// helpOpened journals a self-help topic the shopper opened. Within a
// transaction the topics are kept with it: when it ends without a help alert
// raised in it, help_deflected says which topics did the job. Help opened
// with no transaction open is journaled but counts toward no deflection: no
// basket, no end to count at.
func (l *Lane) helpOpened(w *writer, topic string) error {
	if t := w.st.txn; t != nil && !slices.Contains(t.helpTopics, topic) {
		topics := append(slices.Clone(t.helpTopics), topic)
		b, _ := json.Marshal(topics)
		if _, err := w.execSQL(`UPDATE transactions SET help_topics = ? WHERE id = ?`, string(b), t.id); err != nil {
			return err
		}
		t.helpTopics = topics
	}
	return w.emit("help_opened", map[string]string{"topic": topic})
}
