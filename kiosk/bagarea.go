package kiosk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/kiosk/bagging"
	"github.com/kiosk-sco/kiosk/store"
)

// The bagging area: the lane runs the rules of package bagging on the bagging
// scale's settled weights when Config.Bagging is set. Each scanned unit of a
// checked product is expected in the area; what the rules find becomes an
// alert of the matching type (bag_*), which the lane resolves itself
// ("corrected") when the shopper puts things right, and staff clear at the
// lane otherwise. Accepted single items teach the product's weight
// (bag_weights, journaled as weight_learned); a weight staff confirm counts
// StaffWeight times. The transaction's bagging state is kept in
// transactions.bagging, so a restart resumes it. A faulted bagging scale
// suspends the rules until its first settled reading after recovery.

// bagKinds maps a rule's mismatch to its alert type.
var bagKinds = map[bagging.Kind]string{
	bagging.Unexpected: AlertBagUnexpected,
	bagging.Mismatch:   AlertBagMismatch,
	bagging.Removed:    AlertBagRemoved,
	bagging.NotBagged:  AlertBagNotBagged,
}

func isBagAlert(typ string) bool {
	switch typ {
	case AlertBagUnexpected, AlertBagMismatch, AlertBagRemoved, AlertBagNotBagged:
		return true
	}
	return false
}

// bagOn reports whether the bagging rules run for the open transaction.
func (l *Lane) bagOn(st *state) bool {
	return l.cfg.Bagging != nil && st.txn != nil && !st.txn.over() && !st.txn.bag.Suspended
}

// bagScale runs when the bagging scale reports its status: a fault suspends
// the rules for the open transaction (its scale_fault alert calls staff);
// they resume from the scale's first settled reading after it recovers.
func (l *Lane) bagScale(w *writer, status devices.Status) error {
	st := w.st
	if status.OK() || !l.bagOn(st) {
		return nil
	}
	w.bagDirty = true
	if err := w.emit("bag_suspended", map[string]any{"faults": status.Faults}); err != nil {
		return err
	}
	return l.bagVerdict(w, st.txn.bag.Suspend(), "system", 1)
}

// bagProduct fills in what the rules need of a line's product: its catalog
// weight and tolerance, and whether it is checked at all.
func bagProduct(ln *line, p catalog.Product) {
	ln.bag = bagging.Product{WeightG: p.WeightG, ToleranceG: p.ToleranceG}
	ln.bagExempt = !p.BagChecked()
	ln.bagKnown = true
}

// bagItem is what one unit of ln should add to the bagging area.
func (l *Lane) bagItem(ln *line) bagging.Item {
	return l.cfg.Bagging.ItemFor(ln.no, ln.gtin, ln.weightG, ln.bag, l.learned[ln.gtin])
}

// bagChecked reports whether n units of ln concern the bagging rules: they
// run, n is positive, and the product is not exempt (looked up for a line
// loaded after a restart).
func (l *Lane) bagChecked(w *writer, ln *line, n int) (bool, error) {
	if !l.bagOn(w.st) || n <= 0 {
		return false, nil
	}
	if !ln.bagKnown {
		if err := l.bagLookup(w.ctx, ln); err != nil {
			return false, err
		}
	}
	return !ln.bagExempt, nil
}

// bagAdded expects n more units of ln in the bagging area.
func (l *Lane) bagAdded(w *writer, ln *line, n int) error {
	if t := w.st.txn; l.cfg.Bagging != nil && t != nil && !t.over() && t.bag.Suspended && n > 0 {
		return w.emit("bag_not_checked", map[string]any{"line": ln.no, "gtin": ln.gtin, "why": "scale_fault"})
	}
	if !l.bagOn(w.st) || n <= 0 {
		return nil
	}
	ok, err := l.bagChecked(w, ln, n)
	if err != nil {
		return err
	}
	if !ok {
		return w.emit("bag_not_checked", map[string]any{"line": ln.no, "gtin": ln.gtin, "why": "catalog"})
	}
	for range n {
		w.st.txn.bag.Scanned(*l.cfg.Bagging, l.bagItem(ln), w.now)
	}
	w.bagDirty = true
	return nil
}

// bagRemoved lets n units of ln leave the bagging area (a void, a lower
// quantity): units still on their way are no longer expected, bagged ones
// may be taken out.
func (l *Lane) bagRemoved(w *writer, ln *line, n int) error {
	if ok, err := l.bagChecked(w, ln, n); !ok || err != nil {
		return err
	}
	for range n {
		if !w.st.txn.bag.Unexpect(ln.no) {
			w.st.txn.bag.Credit(l.bagItem(ln))
		}
	}
	w.bagDirty = true
	return nil
}

// bagLookup reads a line's product for the rules (a line loaded after a
// restart); a product gone from the catalog counts as of unknown weight.
func (l *Lane) bagLookup(ctx context.Context, ln *line) error {
	p, err := l.cat.ByGTIN(ctx, ln.gtin)
	if err != nil && !isNotFound(err) {
		return err
	}
	bagProduct(ln, p)
	return nil
}

// bagSettled runs the rules on a settled reading.
func (l *Lane) bagSettled(w *writer, grams int) error {
	st := w.st
	if l.cfg.Bagging == nil || st.txn == nil || st.txn.over() { // a suspended area resumes here
		return nil
	}
	w.bagDirty = true
	return l.bagVerdict(w, st.txn.bag.Settled(*l.cfg.Bagging, grams, w.now), "shopper", 1)
}

// bagTick finds an item not bagged in time.
func (l *Lane) bagTick(w *writer) error {
	st := w.st
	if !l.bagOn(st) || st.txn.bag.NextDue().IsZero() || w.now.Before(st.txn.bag.NextDue()) {
		return nil
	}
	w.bagDirty = true
	return l.bagVerdict(w, st.txn.bag.Tick(w.now), "system", 1)
}

// bagVerdict journals what the rules said and raises or resolves alerts. by
// and weight are who made the change and how much a weight they saw counts.
func (l *Lane) bagVerdict(w *writer, v bagging.Verdict, by string, weight float64) error {
	st := w.st
	t := st.txn
	if v.Closed != nil {
		outcome := "superseded"
		switch {
		case v.Corrected:
			outcome = "corrected"
		case t.bag.Paid:
			outcome = "paid"
		case t.bag.Suspended:
			outcome = "scale_fault"
		}
		typ := bagKinds[v.Closed.Kind]
		for _, a := range st.alerts {
			if a.Type == typ && a.TxnID == t.id {
				if err := l.dropAlert(w, a.ID, by, outcome); err != nil {
					return err
				}
				break
			}
		}
	}
	if v.Tared > 0 {
		if err := w.emit("bag_tared", map[string]any{"grams": v.Tared}); err != nil {
			return err
		}
	}
	if len(v.Accepted) > 0 {
		body := map[string]any{"items": v.Accepted, "by": by}
		if v.Observed > 0 {
			body["observedG"] = v.Observed
		}
		if err := w.emit("bag_accepted", body); err != nil {
			return err
		}
		if v.Observed > 0 && len(v.Accepted) == 1 && v.Accepted[0].GTIN != "" {
			if err := l.learn(w, v.Accepted[0], v.Observed, weight); err != nil {
				return err
			}
		}
	}
	if is := v.Opened; is != nil {
		typ := bagKinds[is.Kind]
		if AlertTypes[typ].BlocksPayment || AlertTypes[typ].Blocking {
			if err := l.resume(w); err != nil { // off the pay screen: the banner says what to do
				return err
			}
		}
		d := AlertDetail{Line: is.Line, GTIN: is.GTIN, ExpectedG: is.G, DeltaG: is.DeltaG}
		return l.raise(w, typ, d)
	}
	return nil
}

// learn takes one observed weight of an accepted item into what the lane
// knows of its product, at most PerTxn per product and transaction.
func (l *Lane) learn(w *writer, it bagging.Item, grams int, weight float64) error {
	s := *l.cfg.Bagging
	t := w.st.txn
	if !s.Learning() || it.Line < 1 || it.Line > len(t.lines) {
		return nil
	}
	if t.bag.Learned[it.GTIN] >= s.PerTxn {
		return nil
	}
	ln := &t.lines[it.Line-1]
	stats := l.learned[it.GTIN]
	if weight > 1 {
		weight = s.StaffWeight
	}
	if !s.Observe(&stats, ln.bag, grams, weight) {
		return w.emit("weight_not_learned", map[string]any{"gtin": it.GTIN, "grams": grams, "weight": weight})
	}
	t.bag.CountLearned(it.GTIN)
	if _, err := w.execSQL(`INSERT INTO bag_weights (gtin, n, weight, mean_g, m2, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (gtin) DO UPDATE SET n = excluded.n, weight = excluded.weight, mean_g = excluded.mean_g, m2 = excluded.m2, updated_at = excluded.updated_at`,
		it.GTIN, stats.N, stats.Weight, stats.Mean, stats.M2, store.Stamp(w.now)); err != nil {
		return err
	}
	gtin := it.GTIN
	w.after = append(w.after, func() { l.learned[gtin] = stats })
	return w.emit("weight_learned", map[string]any{"gtin": gtin, "grams": grams, "weight": weight, "n": stats.N,
		"meanG": math.Round(stats.Mean*10) / 10, "sdG": math.Round(stats.SD()*10) / 10})
}

// loadLearned reads what the lane learned of its products' weights.
func (l *Lane) loadLearned(ctx context.Context) error {
	l.learned = map[string]bagging.Stats{}
	rows, err := l.db.W.QueryContext(ctx, `SELECT gtin, n, weight, mean_g, m2 FROM bag_weights`)
	if err != nil {
		return fmt.Errorf("kiosk: load learned weights: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var gtin string
		var s bagging.Stats
		if err := rows.Scan(&gtin, &s.N, &s.Weight, &s.Mean, &s.M2); err != nil {
			return err
		}
		l.learned[gtin] = s
	}
	return rows.Err()
}

// LearnedWeight returns what the lane learned of a product's weight in the
// bagging area (as committed), and whether it learned anything.
func (l *Lane) LearnedWeight(ctx context.Context, gtin string) (bagging.Stats, bool, error) {
	var s bagging.Stats
	err := l.db.R.QueryRowContext(ctx, `SELECT n, weight, mean_g, m2 FROM bag_weights WHERE gtin = ?`, gtin).Scan(&s.N, &s.Weight, &s.Mean, &s.M2)
	if err == sql.ErrNoRows {
		return s, false, nil
	}
	return s, err == nil, err
}

// loadBag reads a transaction's bagging state back.
func loadBag(raw sql.NullString, t *txnState) error {
	if !raw.Valid || raw.String == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(raw.String), &t.bag); err != nil {
		return fmt.Errorf("kiosk: bagging state of %s: %w", t.id, err)
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, catalog.ErrNotFound) }
