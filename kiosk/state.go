package kiosk

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/kiosk/bagging"
	"github.com/kiosk-sco/kiosk/kiosk/pricing"
)

// state is the lane's memory: a projection of what is committed in SQLite.
type state struct {
	seq    int64
	lang   string
	txn    *txnState
	alerts []Alert // open alerts only, oldest first

	// What the devices last said; not journaled except through alerts and
	// bagging events.
	devStatus map[devices.Role]devices.Status
	baggingG  int
	produce   produceScale
	nextBags  string // OpStart: the own-bag answer for the transaction it starts

	closed bool // staff closed the lane: no transaction starts
	// hqBehind: an hq_backlog alert was raised in this outage (raised once;
	// cleared when HQ has caught up).
	hqBehind bool
	// ackWaits are the raise-to-acknowledgement times of the lane's last
	// acknowledged alerts, oldest first (replaced, never changed in place);
	// waitS is the wait shoppers are told, from them.
	ackWaits []time.Duration
	waitS    int
}

// produceScale is what the lane knows of the produce scale's load. A weighed
// line takes only a settled reading of a new load: the scale must have been
// (near) empty since the last weighed line, so that one load is never sold
// twice, whole or after a nudge; while the load moves nothing is sold.
type produceScale struct {
	grams    int  // last settled weight
	moving   bool // the load left grams and has not settled again
	sold     int  // weight of the last line sold by this scale; 0 when none
	wasEmpty bool // the scale settled (near) empty since that line
}

// sellable reports whether the current load may be sold: settled, on the
// scale, and not the load of the last weighed line.
func (p produceScale) sellable(noise int) bool {
	if p.moving || p.grams <= noise {
		return false
	}
	return p.sold == 0 || p.wasEmpty
}

type txnState struct {
	id          string
	started     time.Time
	phase       State // shopping, ready_to_pay, paying, paid or receipt
	lines       []line
	ageApproved int
	bags        string // own, none or "" (not asked)

	attempts int       // payment attempts so far
	pay      *payState // the current attempt, or the last failed one
	tenders  []tender  // approved payments
	receipt  receiptState
	// verifying: after a restart, an approval recorded just before the
	// crash is being checked with the terminal (it may have reversed it).
	verifying bool
	// helpTopics are the self-help topics opened in it (replaced, never
	// changed in place); helpCalled: a help alert was raised in it.
	helpTopics []string
	helpCalled bool
	// effort is the shopper's answer to the end-of-transaction question
	// (1..5); 0: not answered.
	effort int
	// bag is the bagging area's state (Config.Bagging).
	bag bagging.Checker
}

type line struct {
	no       int
	gtin     string
	plu      string
	code     string
	names    catalog.Names
	soldBy   catalog.SoldBy
	qty      int
	weightG  int
	unit     decimal.Decimal
	embedded *decimal.Decimal
	amount   decimal.Decimal
	vatClass string
	vatRate  decimal.Decimal
	minAge   int
	voided   bool

	// What the bagging rules need of the product (bagKnown: looked up).
	bag       bagging.Product
	bagExempt bool
	bagKnown  bool

	// Set by price from the fields above, so that a commit costs the same
	// whatever the basket's size: the view and the totals reuse them.
	lv     LineView
	priced pricing.Priced
}

// price computes the line's amount and caches its view and its share of the
// totals; call it after any change of the line.
func (l *Lane) price(ln *line) {
	it := ln.pricingItem()
	ln.amount = pricing.LineAmount(it)
	ln.lv = ln.view()
	ln.lv.CanAdd = l.cfg.PlusKey.allows(ln, ln.qty+1)
	ln.priced = pricing.PricedOf(it, ln.amount)
}

func (s state) clone() state {
	c := s
	c.alerts = slices.Clone(s.alerts)
	if s.txn != nil {
		t := *s.txn
		t.lines = slices.Clone(s.txn.lines)
		t.tenders = slices.Clone(s.txn.tenders)
		t.bag = s.txn.bag.Clone()
		if t.pay != nil {
			p := *t.pay
			t.pay = &p
		}
		c.txn = &t
	}
	return c
}

// blocking returns the first open alert that suspends the lane.
func (s *state) blocking() *Alert {
	for i := range s.alerts {
		if s.alerts[i].Blocking {
			return &s.alerts[i]
		}
	}
	return nil
}

// voidRequested reports an open void request for line no.
func (s *state) voidRequested(no int) bool {
	for i := range s.alerts {
		a := &s.alerts[i]
		if a.Type == AlertVoidRequest && s.txn != nil && a.TxnID == s.txn.id {
			var d AlertDetail
			if json.Unmarshal(a.Detail, &d) == nil && d.Line == no {
				return true
			}
		}
	}
	return false
}

func (s *state) openAlert(typ string) *Alert {
	for i := range s.alerts {
		if s.alerts[i].Type == typ {
			return &s.alerts[i]
		}
	}
	return nil
}

func (s *state) shownState() State {
	switch {
	case s.blocking() != nil:
		return StateSuspended
	case s.txn == nil && s.closed:
		return StateClosed
	case s.txn == nil:
		return StateIdle
	default:
		return s.txn.phase
	}
}

// over reports a paid sale whose receipt was chosen or offered: the next
// shopper's start or scan ends it.
func (t *txnState) over() bool { return t.phase == StatePaid || t.phase == StateReceipt }

func (t *txnState) activeLines() int {
	n := 0
	for _, ln := range t.lines {
		if !ln.voided {
			n++
		}
	}
	return n
}

func (ln *line) pricingItem() pricing.Item {
	return pricing.Item{SoldBy: ln.soldBy, Qty: ln.qty, WeightG: ln.weightG, UnitPrice: ln.unit, Embedded: ln.embedded,
		VATClass: ln.vatClass, VATRate: ln.vatRate, Voided: ln.voided}
}

func (ln *line) view() LineView {
	return LineView{No: ln.no, GTIN: ln.gtin, PLU: ln.plu, Names: ln.names, SoldBy: ln.soldBy, Qty: ln.qty, WeightG: ln.weightG,
		UnitPrice: ln.unit.StringFixed(pricing.MinorDigits), Embedded: ln.embedded != nil, Amount: ln.amount.StringFixed(pricing.MinorDigits),
		VATClass: ln.vatClass, VATRate: ln.vatRate.String(), MinAge: ln.minAge, Voided: ln.voided}
}

func (l *Lane) buildView(s *state) *View {
	v := &View{Lane: l.id, Seq: s.seq, State: s.shownState(), Lang: s.lang, Currency: l.cfg.Currency,
		Lines: []LineView{}, Alerts: []AlertView{}, Totals: TotalsView{Total: "0.00", VAT: []VATView{}}, Closed: s.closed, enc: &viewCache{}}
	for _, a := range s.alerts {
		v.Alerts = append(v.Alerts, AlertView{ID: a.ID, Type: a.Type, Blocking: a.Blocking, Detail: a.Detail, RaisedAt: a.RaisedAt,
			TxnID: a.TxnID, Role: a.Role, Level: a.Level, Presence: AlertTypes[a.Type].Presence, AckedAt: a.AckedAt, AckedBy: a.AckedBy,
			EscalatesAt: a.EscalatesAt, ExpectedWaitS: s.waitS})
	}
	if s.txn == nil {
		return v
	}
	v.Txn = &TxnView{ID: s.txn.id, StartedAt: s.txn.started, Effort: s.txn.effort}
	if l.cfg.Bagging != nil {
		b := s.txn.bag
		bv := &BaggingView{WeightG: b.LastG, AcceptedG: b.RefG, Awaited: len(b.Pending), OwnBag: b.OwnBag && !b.Bagged,
			WindowS: time.Duration(l.cfg.Bagging.Window).Seconds()}
		for _, it := range b.Pending {
			bv.AwaitedG += it.G
		}
		if len(b.Pending) > 0 {
			due := b.Pending[0].Due
			bv.AwaitedLine, bv.DueAt = b.Pending[0].Line, &due
		}
		v.Bagging = bv
	}
	v.Lines = make([]LineView, len(s.txn.lines))
	priced := make([]pricing.Priced, len(s.txn.lines))
	for i := range s.txn.lines {
		v.Lines[i] = s.txn.lines[i].lv
		priced[i] = s.txn.lines[i].priced
	}
	v.LineCount = len(v.Lines)
	p := pricing.Sum(priced)
	v.Totals.Total = p.Total.StringFixed(pricing.MinorDigits)
	v.totalMinor = minor(p.Total)
	v.Totals.Items = p.Items
	for _, g := range p.VAT {
		v.Totals.VAT = append(v.Totals.VAT, VATView{Class: g.Class, Rate: g.Rate.String(), Gross: g.Gross.StringFixed(2), Net: g.Net.StringFixed(2), Tax: g.Tax.StringFixed(2)})
	}
	l.payView(s, v)
	return v
}

// payView adds the payment or the receipt to the view.
func (l *Lane) payView(s *state, v *View) {
	t := s.txn
	switch t.phase {
	case StateReadyToPay, StatePaying:
		if t.phase == StateReadyToPay {
			v.PayMethods = []string{MethodAttendant}
			if l.term != nil {
				if st, ok := s.devStatus[devices.RolePayment]; !ok || st.OK() {
					v.PayMethods = []string{MethodCard, MethodAttendant}
				}
			}
		}
		p := t.pay
		if p == nil || (t.phase == StateReadyToPay && p.errKey == "") {
			return
		}
		pv := &PaymentView{Method: MethodCard, Progress: p.progress, Amount: money(p.amount), Error: p.errKey, CanCancel: p.cancellable()}
		if p.method == "cash" {
			pv.Method = MethodAttendant
		}
		switch p.state {
		case payRequested:
			pv.Status = "starting"
		case paySent:
			pv.Status = "in_progress"
		case payUnknown:
			pv.Status = "unknown"
		case payWaitingStaff:
			pv.Status = "waiting_staff"
		default:
			pv.Status, pv.CanCancel = "failed", false
		}
		v.Payment = pv
	case StatePaid, StateReceipt:
		rv := &ReceiptView{TxnID: t.id, URL: l.receiptURL(t.id), Total: v.Totals.Total, Tenders: []TenderView{},
			Choice: t.receipt.choice, Printed: t.receipt.printed, PrintError: t.receipt.printErr, PrinterReady: l.printerReady(s),
			Verifying: t.verifying}
		for _, tn := range t.tenders {
			rv.Tenders = append(rv.Tenders, TenderView{Kind: tn.method, Amount: money(tn.amount), CardName: tn.cardName, MaskedPAN: tn.maskedPAN, Offline: tn.offline})
		}
		v.Receipt = rv
	}
}

// printerReady says whether a paper receipt can be offered.
func (l *Lane) printerReady(s *state) bool {
	if l.cfg.Printer == nil {
		return false
	}
	st, ok := s.devStatus[devices.RolePrinter]
	return !ok || st.OK()
}

// receiptURL is the e-receipt of a transaction, for its QR code: the
// configured receipt.url, or "" when the store has none (no e-receipt then:
// an address on this kiosk is no address for a phone).
func (l *Lane) receiptURL(txn string) string {
	if u := l.cfg.Receipt.URL; u != "" {
		return strings.ReplaceAll(u, "{txn}", txn)
	}
	return ""
}

// patch is v with only the given lines: what one commit changed, for screens
// that hold the view with sequence number from.
func (v *View) patch(from int64, changed []int) *View {
	p := *v
	p.Partial, p.From, p.enc = true, from, &viewCache{}
	p.Lines = make([]LineView, 0, len(changed))
	for _, no := range changed {
		if no >= 1 && no <= len(v.Lines) {
			p.Lines = append(p.Lines, v.Lines[no-1])
		}
	}
	return &p
}
