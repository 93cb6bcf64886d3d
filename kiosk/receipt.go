package kiosk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/kiosk/pricing"
	"github.com/kiosk-sco/kiosk/kiosk/receipt"
	"github.com/kiosk-sco/kiosk/store"
)

// Printer prints ESC/POS jobs; *escpos.Driver is one.
type Printer interface {
	Print(ctx context.Context, job []byte) error
	Status() devices.Status
}

// ReceiptConfig is what a receipt says besides the basket, and the paper it
// is printed on.
type ReceiptConfig struct {
	Header []string `json:"header"` // store name, address, VAT id
	Footer []string `json:"footer"`
	// URL is the e-receipt a QR code on the receipt points to; "{txn}" is
	// replaced by the transaction id. Empty: no QR code.
	URL    string `json:"url"`
	Native bool   `json:"native"` // let the printer draw barcodes (GS k / GS ( k) instead of rasters
	// WidthMM is the paper's width, 58 or 80 (default): the printer's own
	// setting (devices.printer.widthMm), copied here by whoever wires the
	// printer, never configured twice.
	WidthMM int `json:"-"`
}

// Paper is the paper receipts are laid out for.
func (c ReceiptConfig) Paper() receipt.Paper {
	return receipt.Paper{WidthMM: c.WidthMM, Native: c.Native}
}

// LastTxnID returns the open transaction, or else the one that ended last.
func (l *Lane) LastTxnID(ctx context.Context) (string, error) {
	var id string
	err := l.db.R.QueryRowContext(ctx, `SELECT id FROM transactions WHERE lane_id = ?
		ORDER BY ended_at IS NULL DESC, started_at DESC LIMIT 1`, l.id).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errorf(KindNotFound, "txn.none", "lane %s has no transaction yet", l.id)
	}
	return id, err
}

// Receipt builds the receipt of a transaction from what is committed: its
// lines, totals and VAT, its language and currency, and how it ended.
func (l *Lane) Receipt(ctx context.Context, txnID string) (receipt.Receipt, error) {
	r := receipt.Receipt{TxnID: txnID, Header: l.cfg.Receipt.Header, Footer: l.cfg.Receipt.Footer}
	var started, state string
	var ended, reason sql.NullString
	err := l.db.R.QueryRowContext(ctx, `SELECT started_at, ended_at, end_reason, lang, currency, state FROM transactions WHERE id = ? AND lane_id = ?`, txnID, l.id).
		Scan(&started, &ended, &reason, &r.Lang, &r.Currency, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errorf(KindNotFound, "txn.not_found", "no transaction %s on lane %s", txnID, l.id)
	}
	if err != nil {
		return r, err
	}
	r.Time = store.ParseStamp(started).In(l.cfg.Location)
	r.Status = receipt.Open
	if State(state) == StatePaid || State(state) == StateReceipt { // paid; the shopper has not left yet
		r.Status = receipt.Paid
	}
	if ended.Valid {
		r.Time = store.ParseStamp(ended.String).In(l.cfg.Location)
		r.Status = receiptStatus(reason.String)
	}
	lines, err := l.loadLines(ctx, l.db.R, txnID)
	if err != nil {
		return r, err
	}
	amounts := make([]pricing.Priced, len(lines))
	for i := range lines {
		amounts[i] = lines[i].priced // loadLines priced each line; voided ones count nothing
	}
	priced := pricing.Sum(amounts)
	letters := vatLetters(priced.VAT)
	for _, ln := range lines {
		if ln.voided {
			continue
		}
		rl := receipt.Line{Name: ln.names.In(catalog.Lang(r.Lang)), UnitPrice: ln.unit, Amount: ln.amount,
			VATLetter: letters[vatKey(ln.vatClass, ln.vatRate)]}
		if ln.weightG > 0 { // weighed, or a weight label: weight × price per kg
			rl.WeightG = ln.weightG
		} else {
			rl.Qty = ln.qty
		}
		r.Lines = append(r.Lines, rl)
	}
	r.Total = priced.Total
	for _, g := range priced.VAT {
		r.VAT = append(r.VAT, receipt.VAT{Letter: letters[vatKey(g.Class, g.Rate)], Rate: g.Rate, Net: g.Net, Tax: g.Tax, Gross: g.Gross})
	}
	if u := l.cfg.Receipt.URL; u != "" {
		r.URL = strings.ReplaceAll(u, "{txn}", txnID)
	}
	if r.Status == receipt.Paid {
		if r.Tenders, err = l.tenders(ctx, txnID); err != nil {
			return r, err
		}
		var sum decimal.Decimal
		for _, t := range r.Tenders {
			sum = sum.Add(t.Amount)
		}
		if !sum.Equal(r.Total) { // Σ lines = Σ tenders, or no paid receipt
			return r, fmt.Errorf("kiosk: receipt %s: tenders %s ≠ total %s", txnID, sum, r.Total)
		}
	}
	return r, nil
}

// tenders reads the approved payments of a transaction for its receipt: the
// card as the terminal masked it, never more.
func (l *Lane) tenders(ctx context.Context, txnID string) ([]receipt.Tender, error) {
	rows, err := l.db.R.QueryContext(ctx, `SELECT method, amount_minor, coalesce(card_name, ''), coalesce(masked_pan, ''),
		coalesce(terminal_id, ''), coalesce(terminal_text, ''), coalesce(receipt_no, 0), offline
		FROM payments WHERE txn_id = ? AND state = 'approved' ORDER BY attempt`, txnID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []receipt.Tender
	for rows.Next() {
		var t receipt.Tender
		var amount int64
		var name, pan, text string
		var receiptNo int
		var offline bool
		if err := rows.Scan(&t.Method, &amount, &name, &pan, &t.Terminal, &text, &receiptNo, &offline); err != nil {
			return nil, err
		}
		t.Amount = fromMinor(amount)
		t.Card = strings.TrimSpace(name + " " + maskPAN(pan))
		_ = receiptNo // the terminal's own text carries its receipt number
		if text != "" {
			_ = json.Unmarshal([]byte(text), &t.Text)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// receiptStatus is what an ended transaction's end_reason means on paper.
// Only a sale ended with its payment approved ("paid", the reason a payment
// will record) prints unmarked; "cancelled" prints CANCELLED, anything else
// NOT PAID.
func receiptStatus(reason string) receipt.Status {
	switch reason {
	case "paid":
		return receipt.Paid
	case "cancelled":
		return receipt.Cancelled
	}
	return receipt.NotPaid
}

func vatKey(class string, rate decimal.Decimal) string { return class + "|" + rate.String() }

// vatLetters names VAT groups A, B, C… from the highest rate down, as German
// receipts do.
func vatLetters(groups []pricing.VATLine) map[string]string {
	g := append([]pricing.VATLine(nil), groups...)
	sort.SliceStable(g, func(i, j int) bool { return g[i].Rate.GreaterThan(g[j].Rate) })
	out := map[string]string{}
	for i, v := range g {
		out[vatKey(v.Class, v.Rate)] = string(rune('A' + i%26))
	}
	return out
}

// PrintReceipt prints the receipt of txnID ("" = the last basket) on p and
// journals that it did. A refusal says why in words (printer.cover_open: …).
func (l *Lane) PrintReceipt(ctx context.Context, p Printer, txnID, by string) error {
	if p == nil {
		return errorf(KindState, "printer.none", "this lane has no receipt printer")
	}
	if txnID == "" {
		var err error
		if txnID, err = l.LastTxnID(ctx); err != nil {
			return err
		}
	}
	r, err := l.Receipt(ctx, txnID)
	if err != nil {
		return err
	}
	job, err := receipt.Lay(r, l.cfg.Receipt.Paper()).ESCPOS()
	if err != nil {
		return err
	}
	if err := p.Print(ctx, job); err != nil {
		return printRefused(err, fmt.Sprintf("receipt %s not printed", txnID))
	}
	_, err = l.do(ctx, Command{Op: opReceipt, note: map[string]any{"txn": txnID, "by": by, "lines": len(r.Lines),
		"total": r.Total.StringFixed(pricing.MinorDigits), "status": string(r.Status)}})
	return err
}

// PrintTestPage prints a page that shows staff the printer works (see
// receipt.TestPage) and journals that it did.
func (l *Lane) PrintTestPage(ctx context.Context, p Printer, by string) error {
	if p == nil {
		return errorf(KindState, "printer.none", "this lane has no receipt printer")
	}
	job, err := receipt.TestPage(l.id, l.cfg.Lang, l.cfg.Now().In(l.cfg.Location), l.cfg.Receipt.Paper()).ESCPOS()
	if err != nil {
		return err
	}
	if err := p.Print(ctx, job); err != nil {
		return printRefused(err, "test page not printed")
	}
	_, err = l.do(ctx, Command{Op: opReceipt, note: map[string]any{"testPage": true, "by": by}})
	return err
}

// faultOf is the fault code a refusal code's sentence names already.
var faultOf = map[string]string{
	"printer.cover_open": devices.FaultCoverOpen, "printer.paper_end": devices.FaultPaperEnd,
	"printer.offline": devices.FaultOffline, "printer.not_connected": devices.FaultUnplugged,
}

// printRefused turns a printer's refusal into an error that names its cause
// in its code and in words, e.g. "printer.cover_open: test page not printed:
// the printer cover is open".
func printRefused(err error, what string) *Error {
	code, why := "printer.refused", err.Error()
	for _, c := range []struct {
		err       error
		code, why string
	}{
		{escpos.ErrCoverOpen, "printer.cover_open", "the printer cover is open"},
		{escpos.ErrPaperEnd, "printer.paper_end", "the printer is out of paper"},
		{escpos.ErrOffline, "printer.offline", "the printer is offline"},
		{escpos.ErrFault, "printer.fault", "the printer reports an error (a cutter jam or a mechanical fault)"},
		{escpos.ErrNotConnected, "printer.not_connected", "the printer is not connected (unplugged or switched off)"},
		{escpos.ErrBusy, "printer.busy", "the printer is busy with another job"},
	} {
		if errors.Is(err, c.err) {
			code, why = c.code, c.why
			break
		}
	}
	var pe *escpos.PrintError
	if errors.As(err, &pe) {
		// The faults the sentence did not name, in the driver's words (a
		// cutter jam, paper out besides an open cover).
		var more []string
		for _, f := range pe.Status.Faults {
			if f != faultOf[code] {
				more = append(more, escpos.FaultText(f))
			}
		}
		switch {
		case len(more) > 0 && code == "printer.fault":
			why = "the printer reports an error: " + strings.Join(more, "; ")
		case len(more) > 0:
			why += "; also " + strings.Join(more, "; ")
		}
		if pe.Reprint {
			why += "; part of it may have printed: tear it off and print again"
		}
	}
	return &Error{Kind: KindState, Code: code, Detail: what + ": " + why, Err: err}
}
