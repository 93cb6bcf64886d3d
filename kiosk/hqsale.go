package kiosk

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kiosk-sco/kiosk/hqwire"
	"github.com/kiosk-sco/kiosk/kiosk/pricing"
)

// sale is the summary HQ keeps of the open transaction as it ends (outcome
// paid or cancelled): its lines (voided ones marked), approved tenders and
// VAT groups, in minor units. It travels in the body of txn_<outcome>, so
// that one event tells HQ the whole sale.
func (l *Lane) sale(w *writer, outcome string) hqwire.Sale {
	t := w.st.txn
	s := hqwire.Sale{Txn: t.id, Outcome: outcome, Started: t.started.UTC(), Ended: w.now.UTC(), Currency: l.cfg.Currency,
		Lang: w.st.lang, Bags: t.bags, HelpTopics: slices.Clone(t.helpTopics), Lines: make([]hqwire.SaleLine, 0, len(t.lines))}
	priced := make([]pricing.Priced, len(t.lines))
	for i := range t.lines {
		ln := &t.lines[i]
		priced[i] = ln.priced
		s.Lines = append(s.Lines, hqwire.SaleLine{No: ln.no, GTIN: ln.gtin, PLU: ln.plu, Name: ln.names.EN, SoldBy: string(ln.soldBy),
			Qty: ln.qty, WeightG: ln.weightG, UnitMinor: minor(ln.unit), AmountMinor: ln.priced.Minor,
			VATClass: ln.vatClass, VATRate: ln.vatRate.String(), Voided: ln.voided})
	}
	sum := pricing.Sum(priced)
	s.Items, s.TotalMinor = sum.Items, minor(sum.Total)
	for _, g := range sum.VAT {
		s.VAT = append(s.VAT, hqwire.SaleVAT{Class: g.Class, Rate: g.Rate.String(), NetMinor: minor(g.Net), TaxMinor: minor(g.Tax), GrossMinor: minor(g.Gross)})
	}
	if outcome == "paid" {
		for _, tn := range t.tenders {
			s.Tenders = append(s.Tenders, hqwire.SaleTender{Method: tn.method, AmountMinor: tn.amount, CardName: tn.cardName,
				MaskedPAN: tn.maskedPAN, Offline: tn.offline, ReceiptNo: tn.receiptNo})
		}
	}
	return s
}

// effortAnswered records the shopper's answer to the end-of-transaction
// question, asked on the thank-you screen of a paid sale: once per sale,
// and only for the sale on the screen (no other transaction can be rated).
func (l *Lane) effortAnswered(w *writer, score int) error {
	t := w.st.txn
	if t == nil || (t.phase != StatePaid && t.phase != StateReceipt) {
		return errorf(KindState, "effort.not_paid", "the question is asked once the sale is paid")
	}
	if t.effort != 0 {
		return errorf(KindState, "effort.answered", "this sale's question is already answered")
	}
	t.effort = score
	return w.emit("effort_answered", hqwire.Effort{Txn: t.id, Score: score})
}

// HQBacklog tells the lane how its HQ sync is doing: behind (the oldest of
// events unsent is older than the store allows) raises an hq_backlog alert
// once per outage; caught up (behind false) resolves it ("recovered").
// The HQ syncer calls it; it is not reachable from the shopper API.
func (l *Lane) HQBacklog(ctx context.Context, behind bool, events int64, oldest time.Duration) error {
	cmd := Command{Op: opHQBacklog, staffOnly: true}
	if behind {
		cmd.backlog = &AlertDetail{Events: events, AgeS: int64(oldest / time.Second)}
	}
	_, err := l.do(ctx, cmd)
	return err
}

func (l *Lane) hqBacklog(w *writer, d *AlertDetail) error {
	st := w.st
	if d != nil {
		if st.hqBehind {
			return nil
		}
		st.hqBehind = true
		return l.raiseOn(w, "", AlertHQBacklog, *d, false) // no sale of its own: a sale ending does not close it
	}
	st.hqBehind = false
	kept := st.alerts[:0:0]
	for _, a := range st.alerts {
		if a.Type == AlertHQBacklog {
			if err := l.closeAlert(w, a, "system", "recovered"); err != nil {
				return err
			}
			continue
		}
		kept = append(kept, a)
	}
	st.alerts = kept
	return nil
}

// HQStatus is how the lane is doing, for HQ's lane list and dashboard: its
// devices ("ok" or their faults and warnings), open alerts, whether staff
// closed it. The HQ syncer adds its backlog and catalog figures.
func (l *Lane) HQStatus() hqwire.LaneStatus {
	v := l.View()
	s := hqwire.LaneStatus{Store: l.cfg.Store, Lane: l.id, At: l.cfg.Now().UTC(), OpenAlerts: len(v.Alerts), Closed: v.Closed,
		Devices: map[string]string{}}
	for _, d := range l.Devices() {
		var what []string
		if !d.Connected {
			what = append(what, "not connected")
		}
		what = append(what, d.Faults...)
		what = append(what, d.Warnings...)
		s.Devices[string(d.Role)] = "ok"
		if len(what) > 0 {
			s.Devices[string(d.Role)] = strings.Join(slices.Compact(what), ", ")
		}
	}
	return s
}
