package kiosk

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/kiosk/bagging"
	"github.com/kiosk-sco/kiosk/store"
)

// apply runs one validated command against w.st, writing through w.
func (l *Lane) apply(w *writer, cmd Command) error {
	st := w.st
	if err := basketFrozen(st, cmd.Op); err != nil {
		return err
	}
	switch cmd.Op {
	case OpStart:
		if st.txn != nil {
			if !st.txn.over() {
				return nil
			}
			if err := notVerifying(st.txn); err != nil {
				return err
			}
			if err := l.endTxn(w, "paid", "shopper"); err != nil { // the next shopper starts
				return err
			}
		}
		st.nextBags = cmd.Bags
		return l.startTxn(w)
	case OpPay:
		return l.pay(w, cmd)
	case OpPayCancel:
		return l.payCancel(w)
	case OpReceipt:
		return l.receiptChoice(w, cmd.Choice)
	case OpFinish:
		return l.finish(w)
	case OpCashTaken:
		if err := mayAtLane(cmd.actor, RoleAttendant, cmd.Op); err != nil {
			return err
		}
		return l.cashTaken(w, cmd.By)
	case OpAck:
		return l.ack(w, cmd)
	case OpStaffVoid:
		return l.staffVoid(w, cmd)
	case OpPriceOverride:
		return l.priceOverride(w, cmd)
	case OpSellUnknown:
		return l.sellUnknown(w, cmd)
	case OpStaffCancel:
		return l.staffCancel(w, cmd)
	case OpLaneClose, OpLaneOpen: // any role, from anywhere
		return l.setClosed(w, cmd, cmd.Op == OpLaneClose)
	case OpHelpOpened:
		return l.helpOpened(w, cmd.Topic)
	case OpEffort:
		return l.effortAnswered(w, cmd.Score)
	case opTick:
		if err := l.escalate(w); err != nil {
			return err
		}
		return l.bagTick(w)
	case opPayment:
		return l.payment(w, cmd.pay, cmd.payTxn)
	case opPrinted:
		return l.printOutcome(w, cmd.payTxn, cmd.Code)
	case opEndOfDay:
		return w.emit("terminal_end_of_day", cmd.note)
	case opHQBacklog:
		return l.hqBacklog(w, cmd.backlog)
	case OpScan:
		return l.scan(w, cmd)
	case OpWeighed:
		return l.weighed(w, cmd)
	case OpQuantity:
		return l.quantity(w, cmd)
	case OpVoid:
		ln, err := l.activeLine(st, cmd.Line)
		if err != nil {
			return err
		}
		if st.voidRequested(ln.no) {
			return nil // asked already: staff are on their way
		}
		if a := st.blocking(); a != nil {
			return errorf(KindBusy, "lane.suspended", "alert %d (%s) is open: ask the staff member who comes", a.ID, a.Type)
		}
		return l.raise(w, AlertVoidRequest, AlertDetail{Line: ln.no, FromQty: ln.qty, ToQty: 0})
	case OpCancel:
		return l.cancel(w)
	case OpCheckout:
		return l.checkout(w)
	case OpResume:
		return l.resume(w)
	case OpHelp:
		if st.openAlert(AlertHelp) != nil {
			return nil
		}
		return l.raise(w, AlertHelp, AlertDetail{})
	case OpLang:
		if st.lang == cmd.Lang {
			return nil
		}
		st.lang = cmd.Lang
		if st.txn != nil {
			if _, err := w.execSQL(`UPDATE transactions SET lang = ? WHERE id = ?`, cmd.Lang, st.txn.id); err != nil {
				return err
			}
		}
		return w.emit("language_set", map[string]string{"lang": cmd.Lang})
	case OpResolve:
		return l.resolve(w, cmd)
	case opDeviceStatus:
		return l.deviceStatus(w, cmd.dev)
	case opBagging:
		return l.bagging(w, cmd.dev)
	case opReceipt:
		if cmd.note["testPage"] == true {
			return w.emit("test_page_printed", cmd.note)
		}
		if t := st.txn; t != nil && cmd.note["txn"] == t.id && t.over() {
			t.receipt.printed, t.receipt.printErr = true, ""
		}
		return w.emit("receipt_printed", cmd.note)
	}
	return errorf(KindInvalid, "request.op", "unknown command %q", cmd.Op)
}

// basketFrozen refuses what would change the basket or leave the pay screen
// while a payment runs or after the sale is paid: the amount the terminal was
// asked for is the basket's total until the payment has an outcome.
func basketFrozen(st *state, op Op) error {
	if st.txn == nil {
		return nil
	}
	switch op {
	case OpQuantity, OpVoid, OpCancel, OpCheckout, OpResume:
	default:
		return nil
	}
	switch st.txn.phase {
	case StatePaying:
		return errorf(KindState, "payment.in_progress", "a payment is in progress: cancel it first, if the terminal still allows it")
	case StatePaid, StateReceipt:
		return errorf(KindState, "payment.paid", "this sale is paid")
	}
	return nil
}

func (l *Lane) startTxn(w *writer) error {
	st := w.st
	if st.closed {
		return errorf(KindState, "lane.closed", "this lane is closed: please use another lane")
	}
	day := w.now.In(l.cfg.Location).Format("060102") // the store's calendar day, not UTC's
	prefix := l.cfg.Store + l.cfg.Lane + day
	var n int
	if err := w.begin(); err != nil {
		return err
	}
	if err := w.tx.QueryRowContext(w.ctx, `SELECT count(*) FROM transactions WHERE lane_id = ? AND id >= ? AND id < ?`,
		l.id, prefix, prefix+"a").Scan(&n); err != nil {
		return err
	}
	if n+1 > MaxTxnsPerDay {
		// The id has four digits for the day's number: a fifth would make
		// ids of different widths, which sort and print (Code 128 set C)
		// wrong. No lane sells that often; a shopper starting and
		// cancelling empty baskets in a loop might.
		return errorf(KindState, "txn.day_limit", "lane %s has had %d transactions today: please use another lane", l.id, MaxTxnsPerDay)
	}
	id := fmt.Sprintf("%s%04d", prefix, n+1)
	if _, err := w.execSQL(`INSERT INTO transactions (id, lane_id, state, started_at, currency, lang) VALUES (?, ?, ?, ?, ?, ?)`,
		id, l.id, string(StateShopping), store.Stamp(w.now), l.cfg.Currency, st.lang); err != nil {
		return err
	}
	st.txn = &txnState{id: id, started: w.now, phase: StateShopping, bags: st.nextBags,
		bag: bagging.Start(st.baggingG, st.nextBags == "own")}
	w.bagDirty = l.cfg.Bagging != nil
	if s, ok := st.devStatus[devices.RoleBaggingScale]; ok && !s.OK() {
		st.txn.bag.Suspended = true // the scale cannot weigh: nothing is awaited until it can
	}
	st.nextBags = ""
	if err := l.pruneIdem(w); err != nil { // once per basket
		return err
	}
	cv, err := l.cat.Version(w.ctx)
	if err != nil {
		return err
	}
	// The catalog version tells HQ which prices the basket started from;
	// lines keep the price they were added at, whatever is imported later.
	body := map[string]any{"txn": id, "lang": st.lang, "currency": l.cfg.Currency, "catalog": cv.Version}
	if st.txn.bags != "" {
		body["bags"] = st.txn.bags // bagging security (own bags weigh something)
	}
	return w.emit("txn_started", body)
}

// ready makes sure a transaction is open and scanning is allowed.
func (l *Lane) ready(w *writer) error { return l.readyFor(w, false) }

// readyFor is ready for a shopper, or for staff, who act whatever alert is open.
func (l *Lane) readyFor(w *writer, staff bool) error {
	st := w.st
	if a := st.blocking(); a != nil && !staff {
		return errorf(KindBusy, "lane.suspended", "alert %d (%s) is open: staff are on their way", a.ID, a.Type)
	}
	if st.txn != nil && st.txn.over() {
		// The last sale is paid and its shopper gone: this is the next one.
		if err := notVerifying(st.txn); err != nil {
			return err
		}
		if err := l.endTxn(w, "paid", "shopper"); err != nil {
			return err
		}
	}
	if st.txn == nil {
		return l.startTxn(w)
	}
	if st.txn.phase == StatePaying {
		return errorf(KindState, "payment.in_progress", "a payment is in progress: the basket cannot change")
	}
	return l.resume(w)
}

// resume takes the open transaction from the pay screen back to scanning.
func (l *Lane) resume(w *writer) error {
	t := w.st.txn
	if t == nil || t.phase != StateReadyToPay {
		return nil
	}
	t.phase = StateShopping
	if _, err := w.execSQL(`UPDATE transactions SET state = ? WHERE id = ?`, string(StateShopping), t.id); err != nil {
		return err
	}
	return w.emit("shopping_resumed", struct{}{})
}

func (l *Lane) scan(w *writer, cmd Command) error {
	code, err := catalog.Decode(cmd.Code, l.cfg.Decode)
	if err != nil {
		return &Error{Kind: KindInvalid, Code: "scan." + string(catalog.ReasonOf(err)), Detail: "please scan again", Err: err}
	}
	if fromPage(cmd.Source) && code.Symbology != "" && !cmd.staffOnly {
		// A symbology identifier is the scanner's word for what it read; typed,
		// it would choose between the readings of an ambiguous code.
		return errorf(KindInvalid, "scan.typed_symbology", "type the digits under the barcode, without %q", code.Symbology)
	}
	if a := w.st.blocking(); a != nil && !cmd.staffOnly {
		// Said on the screen, so that the shopper knows the item is not in
		// the basket.
		return errorf(KindBusy, "scan.suspended", "not added: alert %d (%s) is open; scan it again once help has come", a.ID, a.Type)
	}
	p, code, err := l.lookup(w, code)
	if errors.Is(err, catalog.ErrNotFound) {
		if err := l.readyFor(w, cmd.staffOnly); err != nil {
			return err
		}
		d := AlertDetail{Code: code.Data, Symbology: code.Symbology, GTIN: code.LookupGTIN}
		var amb *ambiguous
		if errors.As(err, &amb) {
			d.GTIN, d.AltGTIN = amb.gtins[0], amb.gtins[1]
		}
		return l.raise(w, AlertItemNotFound, d)
	}
	if err != nil {
		return err
	}
	var ignored map[string]string
	if embeds(code) && !p.Variable {
		// A price, weight or count in the code counts only for products the
		// catalog sells by their label: a fixed-price product keeps its
		// catalog price, whatever a label (or a shopper) says.
		ignored = embeddedValues(code)
		code.Price, code.WeightKg, code.Count, code.Currency = nil, nil, 0, ""
	}
	if code.Currency != "" && code.Currency != l.currencyNumeric {
		return errorf(KindInvalid, "scan.currency", "the label's price is in currency %s, this store sells in %s: please ask staff", code.Currency, l.cfg.Currency)
	}
	if err := labelInRange(code); err != nil {
		return err
	}
	if fromPage(cmd.Source) && !cmd.staffOnly && embeds(code) {
		// A code typed on the screen — or sent as a keyboard wedge's, which
		// is typing too — is whatever the shopper wants it to be: a price,
		// weight or count in it is for staff to check.
		if err := l.ready(w); err != nil {
			return err
		}
		return l.raise(w, AlertTypedLabel, AlertDetail{Code: code.Data, Symbology: code.Symbology, GTIN: code.LookupGTIN})
	}
	ln := line{gtin: p.GTIN, plu: p.PLU, code: code.Data, names: p.Names, soldBy: p.SoldBy, qty: 1, unit: p.Price,
		vatClass: p.VATClass, minAge: p.MinAge}
	bagProduct(&ln, p)
	switch {
	case code.Price != nil:
		e := *code.Price
		ln.embedded = &e
	case code.WeightKg != nil && code.WeightKg.IsPositive() && p.SoldBy == catalog.ByWeight:
		// priced below from weight × price per kg
	case p.SoldBy == catalog.ByWeight:
		return errorf(KindInvalid, "scan.needs_weight", "%s is sold by weight: put it on the scale and choose it from the produce list", p.Names.EN)
	}
	if code.WeightKg != nil {
		ln.weightG = int(code.WeightKg.Shift(3).Round(0).IntPart())
	}
	if code.Count > 0 {
		ln.qty = code.Count
	}
	if err := l.readyFor(w, cmd.staffOnly); err != nil {
		return err
	}
	if merged, err := l.mergeScan(w, ln, code); merged || err != nil {
		return err
	}
	extra := map[string]any{"source": cmd.Source, "symbology": code.Symbology, "format": code.Format}
	if cmd.staffOnly {
		extra["by"] = cmd.By
	}
	if ignored != nil {
		extra["ignored"] = ignored // for HQ: a label value on a fixed-price product
	}
	return l.addLine(w, ln, extra)
}

// MaxTxnsPerDay is how many transactions a lane numbers in a day.
const MaxTxnsPerDay = 9999

// MaxLabelPrice is the highest price a label may carry (a whole salmon, a
// party platter): GS1 AI 392n allows 15 digits.
var MaxLabelPrice = decimal.NewFromInt(9999)

// labelInRange refuses a label value no scale at a counter prints: nothing
// (a price of 0, a weight under a gram — a counter item's own catalog number
// reads as such a label), a count above MaxQty, a weight above MaxWeightG, a
// price above MaxLabelPrice.
func labelInRange(c catalog.Code) error {
	switch {
	case c.Price != nil && !c.Price.IsPositive(),
		c.WeightKg != nil && c.WeightKg.Shift(3).Round(0).Sign() <= 0:
		return errorf(KindInvalid, "scan.out_of_range", "the label carries no price or weight: scan the label the counter printed, or ask staff")
	case c.Count > MaxQty:
		return errorf(KindInvalid, "scan.out_of_range", "the label says %d pieces, at most %d sell on one line: please ask staff", c.Count, MaxQty)
	case c.WeightKg != nil && c.WeightKg.Shift(3).GreaterThan(decimal.NewFromInt(MaxWeightG)):
		return errorf(KindInvalid, "scan.out_of_range", "the label says %s kg, at most %d g sell on one line: please ask staff", c.WeightKg, MaxWeightG)
	case c.Price != nil && c.Price.GreaterThan(MaxLabelPrice):
		return errorf(KindInvalid, "scan.out_of_range", "the label says %s, at most %s sell on one line: please ask staff", c.Price, MaxLabelPrice)
	}
	return nil
}

// fromPage reports a scan source a page sends: typed on the screen, from a
// keyboard wedge, or from the demo's /sim page. Only the lane's serial scanner
// ("scanner") reads labels itself.
func fromPage(source string) bool { return source != "scanner" }

// embeds reports whether a code carries a price, weight or count.
func embeds(c catalog.Code) bool { return c.Price != nil || c.WeightKg != nil || c.Count > 0 }

// embeddedValues lists what a code carries, for the journal.
func embeddedValues(c catalog.Code) map[string]string {
	m := map[string]string{}
	if c.Price != nil {
		m["price"] = c.Price.String()
		if c.Currency != "" {
			m["currency"] = c.Currency
		}
	}
	if c.WeightKg != nil {
		m["weightKg"] = c.WeightKg.String()
	}
	if c.Count > 0 {
		m["count"] = fmt.Sprint(c.Count)
	}
	return m
}

// ambiguous is a code whose two readings are both in the catalog.
type ambiguous struct{ gtins [2]string }

func (a *ambiguous) Error() string {
	return "two products answer to this code: " + a.gtins[0] + ", " + a.gtins[1]
}

func (a *ambiguous) Is(target error) bool { return target == catalog.ErrNotFound }

// lookup finds the product of a code. An 8-digit code sent without a
// symbology identifier that is valid both as EAN-8 and as UPC-E is looked up
// under both readings; the one the catalog has wins, and when it has both the
// scan is for staff to settle (an error that is catalog.ErrNotFound). The code
// returned is the reading that was found.
func (l *Lane) lookup(w *writer, code catalog.Code) (catalog.Product, catalog.Code, error) {
	p, err := l.cat.ByGTIN(w.ctx, code.LookupGTIN)
	if code.AltLookupGTIN == "" || (err != nil && !errors.Is(err, catalog.ErrNotFound)) {
		return p, code, err
	}
	alt, altErr := l.cat.ByGTIN(w.ctx, code.AltLookupGTIN)
	switch {
	case altErr != nil && !errors.Is(altErr, catalog.ErrNotFound):
		return p, code, altErr
	case altErr != nil: // only the first reading, or neither
		return p, code, err
	case err == nil: // both
		return p, code, &ambiguous{[2]string{code.LookupGTIN, code.AltLookupGTIN}}
	}
	code.GTIN, code.LookupGTIN, code.Format = code.AltLookupGTIN, code.AltLookupGTIN, catalog.FormatUPCE
	return alt, code, nil
}

// mergeScan adds one to an existing plain line of the same product.
func (l *Lane) mergeScan(w *writer, ln line, code catalog.Code) (bool, error) {
	if ln.soldBy != catalog.ByEach || code.Variable || code.Price != nil || code.WeightKg != nil || code.Count > 0 {
		return false, nil
	}
	t := w.st.txn
	for i := len(t.lines) - 1; i >= 0; i-- {
		old := &t.lines[i]
		if old.voided || old.gtin != ln.gtin || old.embedded != nil || !old.unit.Equal(ln.unit) || old.qty >= MaxQty {
			continue
		}
		if err := l.setQty(w, old, old.qty+1, "item_added"); err != nil {
			return true, err
		}
		return true, l.checkAge(w, old.minAge)
	}
	return false, nil
}

func (l *Lane) weighed(w *writer, cmd Command) error {
	st := w.st
	if a := st.blocking(); a != nil {
		return errorf(KindBusy, "lane.suspended", "alert %d (%s) is open: staff are on their way", a.ID, a.Type)
	}
	p, err := l.cat.ByPLU(w.ctx, cmd.PLU)
	if errors.Is(err, catalog.ErrNotFound) {
		return &Error{Kind: KindNotFound, Code: "plu.not_found", Detail: "no product with PLU " + cmd.PLU, Err: err}
	}
	if err != nil {
		return err
	}
	if p.SoldBy != catalog.ByWeight {
		return errorf(KindInvalid, "plu.not_weighed", "%s is sold by the piece: scan its barcode", p.Names.EN)
	}
	_, reported := st.devStatus[devices.RoleProduceScale]
	hasScale := l.cfg.ProduceScale || reported
	grams, source := cmd.WeightG, "typed"
	switch {
	case grams > 0 && hasScale:
		return errorf(KindState, "weight.typed", "this lane weighs on its scale: put %s on the scale", p.Names.EN)
	case grams > 0:
	case !hasScale:
		return errorf(KindState, "scale.none", "this lane has no produce scale: enter the weight")
	case !st.devStatus[devices.RoleProduceScale].OK():
		return errorf(KindState, "scale.fault", "the produce scale is not working: staff have been told")
	case st.produce.moving:
		return errorf(KindState, "scale.moving", "the scale is still settling: wait a moment")
	case st.produce.grams <= l.cfg.ScaleNoiseG:
		return errorf(KindState, "scale.no_weight", "put %s on the scale first", p.Names.EN)
	case !st.produce.sellable(l.cfg.ScaleNoiseG):
		return errorf(KindState, "scale.same_load", "this load is in the basket already: empty the scale, then put the next item on")
	default:
		grams, source = st.produce.grams, "scale"
	}
	if err := l.ready(w); err != nil {
		return err
	}
	ln := line{gtin: p.GTIN, plu: p.PLU, names: p.Names, soldBy: p.SoldBy, qty: 1, weightG: grams, unit: p.Price,
		vatClass: p.VATClass, minAge: p.MinAge}
	bagProduct(&ln, p)
	if err := l.addLine(w, ln, map[string]any{"source": source}); err != nil {
		return err
	}
	if source == "scale" {
		st.produce.sold, st.produce.wasEmpty = grams, false
	}
	return nil
}

func (l *Lane) addLine(w *writer, ln line, extra map[string]any) error {
	t := w.st.txn
	if len(t.lines) >= l.cfg.MaxLines {
		return errorf(KindState, "basket.full", "this basket has reached its limit of %d lines: please pay for these items, then start a new basket", l.cfg.MaxLines)
	}
	rate, ok := l.cfg.Rates[ln.vatClass]
	if !ok {
		return errorf(KindInvalid, "catalog.vat_class", "product %s has VAT class %q, which this store does not configure", ln.gtin, ln.vatClass)
	}
	ln.vatRate = rate
	ln.no = len(t.lines) + 1
	l.price(&ln)
	names, _ := json.Marshal(ln.names)
	var emb any
	if ln.embedded != nil {
		emb = minor(*ln.embedded)
	}
	if err := w.exec(l.stmt.lineInsert, t.id, ln.no, ln.gtin, ln.plu, ln.code, string(names), string(ln.soldBy), ln.qty, ln.weightG,
		minor(ln.unit), emb, minor(ln.amount), ln.vatClass, ln.vatRate.String(), ln.minAge, 0, store.Stamp(w.now)); err != nil {
		return err
	}
	t.lines = append(t.lines, ln)
	w.changed = append(w.changed, ln.no)
	body := map[string]any{"line": ln.lv, "code": ln.code}
	for k, v := range extra {
		body[k] = v
	}
	if err := w.emit("item_added", body); err != nil {
		return err
	}
	if err := l.bagAdded(w, &t.lines[len(t.lines)-1], ln.qty); err != nil {
		return err
	}
	return l.checkAge(w, ln.minAge)
}

// checkAge raises an age check for an item above the age already approved.
func (l *Lane) checkAge(w *writer, minAge int) error {
	st := w.st
	if minAge == 0 || minAge <= st.txn.ageApproved {
		return nil
	}
	for _, a := range st.alerts {
		if a.Type == AlertAgeCheck && a.TxnID == st.txn.id {
			var d AlertDetail
			if json.Unmarshal(a.Detail, &d) == nil && d.MinAge >= minAge {
				return nil
			}
		}
	}
	return l.raise(w, AlertAgeCheck, AlertDetail{MinAge: minAge})
}

// setQty changes a line's quantity (0 voids it) and journals it as typ.
func (l *Lane) setQty(w *writer, ln *line, qty int, typ string) error {
	return l.setQtyWith(w, ln, qty, typ, nil)
}

// setQtyWith is setQty with more to say in the event (who did it, why).
func (l *Lane) setQtyWith(w *writer, ln *line, qty int, typ string, extra map[string]any) error {
	from := ln.qty
	if qty == 0 {
		ln.voided = true
	} else {
		ln.qty = qty
	}
	l.price(ln)
	voided := 0
	if ln.voided {
		voided = 1
	}
	if err := w.exec(l.stmt.lineUpdate, ln.qty, minor(ln.amount), voided, w.st.txn.id, ln.no); err != nil {
		return err
	}
	w.changed = append(w.changed, ln.no)
	body := map[string]any{"line": ln.lv, "fromQty": from, "toQty": qty}
	for k, v := range extra {
		body[k] = v
	}
	if err := w.emit(typ, body); err != nil {
		return err
	}
	if qty > from {
		return l.bagAdded(w, ln, qty-from)
	}
	return l.bagRemoved(w, ln, from-qty)
}

func (l *Lane) activeLine(st *state, no int) (*line, error) {
	if st.txn == nil {
		return nil, errorf(KindState, "txn.none", "no transaction is open")
	}
	if no < 1 || no > len(st.txn.lines) || st.txn.lines[no-1].voided {
		return nil, errorf(KindNotFound, "line.not_found", "no line %d in the basket", no)
	}
	return &st.txn.lines[no-1], nil
}

func (l *Lane) quantity(w *writer, cmd Command) error {
	st := w.st
	ln, err := l.activeLine(st, cmd.Line)
	if err != nil {
		return err
	}
	if ln.soldBy != catalog.ByEach || ln.embedded != nil {
		return errorf(KindInvalid, "line.fixed_qty", "line %d is weighed or priced by its label: its quantity cannot change", ln.no)
	}
	if a := st.blocking(); a != nil {
		return errorf(KindBusy, "lane.suspended", "alert %d (%s) is open", a.ID, a.Type)
	}
	switch {
	case cmd.Qty == ln.qty:
		return nil
	case cmd.Qty > ln.qty:
		if !l.cfg.PlusKey.allows(ln, cmd.Qty) {
			return errorf(KindState, "line.scan_each", "scan each further %s: the quantity goes up by scanning", ln.names.EN)
		}
		if err := l.resume(w); err != nil {
			return err
		}
		return l.setQty(w, ln, cmd.Qty, "quantity_changed")
	default: // fewer items: taking something back needs staff
		if st.voidRequested(ln.no) {
			return nil // asked already: staff are on their way
		}
		return l.raise(w, AlertVoidRequest, AlertDetail{Line: ln.no, FromQty: ln.qty, ToQty: cmd.Qty})
	}
}

func (l *Lane) cancel(w *writer) error {
	st := w.st
	if st.txn == nil {
		return errorf(KindState, "txn.none", "no transaction is open")
	}
	if st.txn.activeLines() == 0 {
		return l.endTxn(w, "cancelled", "shopper")
	}
	if st.openAlert(AlertCancelRequest) != nil {
		return nil
	}
	return l.raise(w, AlertCancelRequest, AlertDetail{})
}

func (l *Lane) checkout(w *writer) error {
	st := w.st
	if st.txn == nil || st.txn.activeLines() == 0 {
		return errorf(KindState, "checkout.empty", "the basket is empty")
	}
	if a := st.blocking(); a != nil {
		return errorf(KindBusy, "lane.suspended", "alert %d (%s) is open", a.ID, a.Type)
	}
	for _, a := range st.alerts {
		if AlertTypes[a.Type].BlocksPayment {
			return errorf(KindState, "checkout."+a.Type, "alert %d (%s) must be resolved before paying", a.ID, a.Type)
		}
	}
	if st.txn.phase == StateReadyToPay {
		return nil
	}
	st.txn.phase = StateReadyToPay
	if _, err := w.execSQL(`UPDATE transactions SET state = ? WHERE id = ?`, string(StateReadyToPay), st.txn.id); err != nil {
		return err
	}
	return w.emit("checkout_started", struct{}{})
}

// endTxn closes the open transaction; its open alerts are closed by the system.
func (l *Lane) endTxn(w *writer, reason, by string) error {
	return l.endTxnWith(w, reason, by, map[string]any{"by": by})
}

// endTxnWith is endTxn whose txn_<reason> event says body (by, and for staff
// their role and reason). A transaction in which the shopper opened self-help
// but raised no help alert ends with help_deflected, naming the topics.
func (l *Lane) endTxnWith(w *writer, reason, by string, body map[string]any) error {
	st := w.st
	t := st.txn
	if reason == "paid" {
		var sum int64
		for _, tn := range t.tenders {
			sum += tn.amount
		}
		if total := t.totalMinor(); !t.over() || sum != total {
			return fmt.Errorf("kiosk: %s ends paid with tenders %d and total %d in state %s: refused", t.id, sum, total, t.phase)
		}
	}
	kept := st.alerts[:0]
	for _, a := range st.alerts {
		if a.TxnID == t.id && a.Type != AlertReceiptNotPrinted && a.Type != AlertRefundDue { // a reprint or a refund outlives the sale
			if err := l.closeAlert(w, a, "system", "txn_"+reason); err != nil {
				return err
			}
			continue
		}
		kept = append(kept, a)
	}
	st.alerts = kept
	if _, err := w.execSQL(`UPDATE transactions SET state = ?, ended_at = ?, end_reason = ? WHERE id = ?`,
		reason, store.Stamp(w.now), reason, t.id); err != nil {
		return err
	}
	body["sale"] = l.sale(w, reason)
	if err := w.emit("txn_"+reason, body); err != nil {
		return err
	}
	if len(t.helpTopics) > 0 && !t.helpCalled {
		if err := w.emit("help_deflected", map[string]any{"topics": t.helpTopics}); err != nil {
			return err
		}
	}
	st.txn = nil
	if st.lang != l.cfg.Lang {
		// The next shopper starts in the store's language, not the last one's.
		st.lang = l.cfg.Lang
		return w.emit("language_set", map[string]string{"lang": st.lang, "reason": "txn_ended"})
	}
	return nil
}

func (l *Lane) raise(w *writer, typ string, d AlertDetail) error {
	return l.raiseAs(w, typ, d, AlertTypes[typ].Blocking)
}

// raiseAs raises an alert whose blocking flag is decided by the caller.
func (l *Lane) raiseAs(w *writer, typ string, d AlertDetail, blocking bool) error {
	txn := ""
	if w.st.txn != nil {
		txn = w.st.txn.id
	}
	return l.raiseOn(w, txn, typ, d, blocking)
}

// raiseFor raises an alert about transaction txn, open or ended.
func (l *Lane) raiseFor(w *writer, txnID, typ string, d AlertDetail) error {
	return l.raiseOn(w, txnID, typ, d, AlertTypes[typ].Blocking)
}

func (l *Lane) raiseOn(w *writer, txnID, typ string, d AlertDetail, blocking bool) error {
	st := w.st
	at, ok := AlertTypes[typ]
	if !ok {
		return fmt.Errorf("kiosk: alert type %q is not in AlertTypes", typ)
	}
	detail, _ := json.Marshal(d)
	var txn any
	deadline := w.now.Add(at.EscalateAfter)
	a := Alert{Type: typ, Blocking: blocking, Detail: detail, RaisedAt: w.now, Role: at.Role, EscalatesAt: &deadline}
	if txnID != "" {
		a.TxnID = txnID
		txn = a.TxnID
	}
	if err := w.begin(); err != nil {
		return err
	}
	res, err := w.tx.StmtContext(w.ctx, l.stmt.alertInsert).ExecContext(w.ctx, l.id, txn, typ, blocking, string(detail), store.Stamp(w.now),
		a.Role, store.Stamp(deadline))
	if err != nil {
		return err
	}
	if a.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	st.alerts = append(st.alerts, a)
	if typ == AlertHelp && st.txn != nil && txnID == st.txn.id {
		st.txn.helpCalled = true
	}
	return w.emit("alert_raised", a)
}

func (l *Lane) closeAlert(w *writer, a Alert, by, outcome string) error {
	return l.closeAlertWhy(w, a, by, "", outcome, "")
}

// closeAlertWhy resolves a: by whom (and in which role, for staff), how
// (outcome) and why (reason, as staff gave it).
func (l *Lane) closeAlertWhy(w *writer, a Alert, by, role, outcome, reason string) error {
	if err := w.exec(l.stmt.alertResolve, store.Stamp(w.now), by, outcome, nilIfEmpty(reason), a.ID); err != nil {
		return err
	}
	body := map[string]any{"id": a.ID, "type": a.Type, "by": by, "outcome": outcome}
	if role != "" {
		body["role"] = role
	}
	if reason != "" {
		body["reason"] = reason
	}
	return w.emit("alert_resolved", body)
}

func (l *Lane) resolve(w *writer, cmd Command) error {
	st := w.st
	idx := -1
	for i := range st.alerts {
		if st.alerts[i].ID == cmd.AlertID {
			idx = i
		}
	}
	if idx < 0 {
		var resolvedAt *string
		err := l.db.R.QueryRowContext(w.ctx, `SELECT resolved_at FROM alerts WHERE id = ? AND lane_id = ?`, cmd.AlertID, l.id).Scan(&resolvedAt)
		if err == nil {
			return errorf(KindState, "alert.resolved", "alert %d is already resolved", cmd.AlertID)
		}
		return errorf(KindNotFound, "alert.not_found", "no alert %d on lane %s", cmd.AlertID, l.id)
	}
	a := st.alerts[idx]
	if err := l.mayClear(cmd.actor, a.Type); err != nil {
		return err
	}
	var d AlertDetail
	_ = json.Unmarshal(a.Detail, &d)
	approved := cmd.Outcome == "approved"
	switch a.Type {
	case AlertVoidRequest, AlertCancelRequest, AlertAgeCheck, AlertTypedLabel:
		if cmd.Outcome == "done" {
			return errorf(KindInvalid, "request.outcome", "a %s is approved or rejected", a.Type)
		}
	}
	switch a.Type {
	case AlertCashPayment, AlertPaymentUnknown:
		if cmd.Outcome == "done" {
			return errorf(KindInvalid, "request.outcome", "a %s is approved (paid) or rejected (not paid)", a.Type)
		}
	}
	st.alerts = append(st.alerts[:idx], st.alerts[idx+1:]...)
	var role, reason string
	if cmd.actor != nil {
		role = cmd.actor.Role
	}
	if cmd.staff != nil {
		reason = cmd.staff.Reason
	}
	if err := l.closeAlertWhy(w, a, cmd.By, role, cmd.Outcome, reason); err != nil {
		return err
	}
	switch a.Type {
	case AlertCashPayment:
		t := st.txn
		if t == nil || a.TxnID != t.id || t.phase != StatePaying || t.pay == nil || t.pay.state != payWaitingStaff {
			return nil
		}
		if approved {
			return l.cashTaken(w, cmd.By)
		}
		return l.payFailed(w, payNotCharged, "payment.cash_refused", nil)
	case AlertPaymentUnknown:
		t := st.txn
		if t == nil || a.TxnID != t.id || t.phase != StatePaying || t.pay == nil || t.pay.attempt != d.Attempt || (t.pay.state != payUnknown && t.pay.state != paySent) {
			// Another attempt's alert: the one it was about has its outcome.
			return nil
		}
		// Staff looked at the terminal (its journal or its last slip). If the
		// terminal later reports an approval for an attempt staff said was not
		// charged, the lane reverses it.
		p := t.pay
		if !approved {
			return l.payFailed(w, payNotCharged, "payment.not_charged", nil)
		}
		p.state = payApproved
		if err := l.updatePayment(w, p, `approved_minor = ?, by = ?, confirmed = 1`, p.amount, cmd.By); err != nil {
			return err
		}
		if err := w.emit("payment_result", map[string]any{"attempt": p.attempt, "approved": true, "amount": money(p.amount), "by": cmd.By, "state": payApproved, "confirmedByStaff": true}); err != nil {
			return err
		}
		return l.paid(w, tender{attempt: p.attempt, method: "card", amount: p.amount, confirmed: true})
	case AlertVoidRequest:
		if !approved || st.txn == nil || a.TxnID != st.txn.id {
			return nil
		}
		ln, err := l.activeLine(st, d.Line)
		if err != nil {
			return nil // the line is gone already: nothing left to void
		}
		typ := "quantity_changed"
		if d.ToQty == 0 {
			typ = "line_voided"
		}
		return l.setQty(w, ln, d.ToQty, typ)
	case AlertCancelRequest:
		if approved && st.txn != nil && a.TxnID == st.txn.id {
			return l.endTxn(w, "cancelled", cmd.By)
		}
	case AlertTypedLabel:
		if approved && st.txn != nil && a.TxnID == st.txn.id {
			// Staff checked the label: the typed code sells as scanned, by
			// them. If it cannot sell (say, the catalog changed), the alert is
			// still resolved, and the journal says why nothing was added.
			err := l.scan(w, Command{Op: OpScan, Code: d.Code, Source: "typed", By: cmd.By, staffOnly: true})
			var ke *Error
			if errors.As(err, &ke) && ke.Kind != KindInternal {
				return w.emit("typed_label_not_sold", map[string]any{"alert": a.ID, "code": d.Code, "reason": ke.Code})
			}
			return err
		}
	case AlertBagUnexpected, AlertBagMismatch, AlertBagRemoved, AlertBagNotBagged:
		if !l.bagOn(st) || a.TxnID != st.txn.id {
			return nil
		}
		// Staff at the lane saw the area: it is right as it is (the purse
		// is the shopper's, the item is what was scanned, it was waved
		// through). A one-item mismatch they confirmed teaches its weight.
		w.bagDirty = true
		return l.bagVerdict(w, st.txn.bag.Cleared(), cmd.By, l.cfg.Bagging.StaffWeight)
	case AlertAgeCheck:
		if st.txn == nil || a.TxnID != st.txn.id {
			return nil
		}
		if approved {
			st.txn.ageApproved = max(st.txn.ageApproved, d.MinAge)
			_, err := w.execSQL(`UPDATE transactions SET age_approved = ? WHERE id = ?`, st.txn.ageApproved, st.txn.id)
			return err
		}
		// Refused: the restricted items leave the basket.
		for i := range st.txn.lines {
			ln := &st.txn.lines[i]
			if !ln.voided && ln.minAge > st.txn.ageApproved {
				if err := l.setQty(w, ln, 0, "line_voided"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
