package kiosk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/kiosk/pricing"
)

// Printer prints ESC/POS jobs; *escpos.Driver is one.
type Printer interface {
	Print(ctx context.Context, job []byte) error
	Status() devices.Status
}

// ReceiptConfig is what a receipt says besides the basket.
type ReceiptConfig struct {
	Header  []string `json:"header"` // store name, address, VAT id
	Footer  []string `json:"footer"`
	URL     string   `json:"url"`     // QR code target; "{txn}" is replaced by the transaction id
	WidthMM int      `json:"widthMm"` // 58 or 80
	Native  bool     `json:"native"`  // let the printer draw barcodes (GS k / GS ( k) instead of rasters
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

// Receipt builds the receipt of a transaction from what is committed.
func (l *Lane) Receipt(ctx context.Context, txnID string) (escpos.Receipt, error) {
	r := escpos.Receipt{TxnID: txnID, Currency: l.cfg.Currency, Store: l.cfg.Receipt.Header, Footer: l.cfg.Receipt.Footer}
	var started, lang string
	var ended sql.NullString
	err := l.db.R.QueryRowContext(ctx, `SELECT started_at, ended_at, lang FROM transactions WHERE id = ? AND lane_id = ?`, txnID, l.id).
		Scan(&started, &ended, &lang)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errorf(KindNotFound, "txn.not_found", "no transaction %s on lane %s", txnID, l.id)
	}
	if err != nil {
		return r, err
	}
	r.Time = parseStamp(started).In(l.cfg.Location)
	if ended.Valid {
		r.Time = parseStamp(ended.String).In(l.cfg.Location)
	}
	lines, err := l.loadLines(ctx, l.db.R, txnID)
	if err != nil {
		return r, err
	}
	items := make([]pricing.Item, 0, len(lines))
	for _, ln := range lines {
		if !ln.voided {
			items = append(items, ln.pricingItem())
		}
	}
	priced := pricing.Price(items)
	letters := vatLetters(priced.VAT)
	for _, ln := range lines {
		if ln.voided {
			continue
		}
		rl := escpos.ReceiptLine{Name: ln.names.In(catalog.Lang(lang)), UnitPrice: ln.unit.StringFixed(pricing.MinorDigits),
			Amount: ln.amount.StringFixed(pricing.MinorDigits), VATLetter: letters[vatKey(ln.vatClass, ln.vatRate)]}
		if ln.weightG > 0 { // weighed, or a weight label: weight × price per kg
			rl.WeightG = ln.weightG
		} else {
			rl.Qty = ln.qty
		}
		r.Lines = append(r.Lines, rl)
	}
	r.Total = priced.Total.StringFixed(pricing.MinorDigits)
	for _, g := range priced.VAT {
		r.VAT = append(r.VAT, escpos.VATRow{Letter: letters[vatKey(g.Class, g.Rate)], Rate: g.Rate.String() + "%",
			Net: g.Net.StringFixed(2), Tax: g.Tax.StringFixed(2), Gross: g.Gross.StringFixed(2)})
	}
	words := receiptWords[catalog.Lang(lang)]
	if words.notPaid == "" {
		words = receiptWords[catalog.English]
	}
	r.Labels = words.Labels
	if !ended.Valid {
		r.Payment = []string{words.notPaid}
	}
	if u := l.cfg.Receipt.URL; u != "" {
		r.QRURL = strings.ReplaceAll(u, "{txn}", txnID)
	}
	return r, nil
}

// receiptWords are a receipt's fixed words in the transaction's language.
var receiptWords = map[catalog.Lang]struct {
	escpos.Labels
	notPaid string
}{
	catalog.English: {escpos.Labels{Total: "TOTAL", VAT: "VAT", Net: "Net", Tax: "Tax", Gross: "Gross"}, "NOT PAID - basket copy"},
	catalog.German:  {escpos.Labels{Total: "SUMME", VAT: "MwSt", Net: "Netto", Tax: "Steuer", Gross: "Brutto"}, "NICHT BEZAHLT - Kopie des Warenkorbs"},
	catalog.Spanish: {escpos.Labels{Total: "TOTAL", VAT: "IVA", Net: "Base", Tax: "Cuota", Gross: "Total"}, "NO PAGADO - copia de la cesta"},
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
// journals that it did.
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
	if err := p.Print(ctx, r.Render(l.cfg.Receipt.WidthMM, l.cfg.Receipt.Native)); err != nil {
		return &Error{Kind: KindState, Code: "printer.refused", Detail: fmt.Sprintf("receipt %s not printed", txnID), Err: err}
	}
	_, err = l.do(ctx, Command{Op: opReceipt, note: map[string]any{"txn": txnID, "by": by, "lines": len(r.Lines), "total": r.Total}})
	return err
}

// PrintTestPage prints a page that shows staff the printer works: the code page
// (umlauts, €, ñ), sizes, a Code 128 and a QR code, and the cut.
func (l *Lane) PrintTestPage(ctx context.Context, p Printer, by string) error {
	if p == nil {
		return errorf(KindState, "printer.none", "this lane has no receipt printer")
	}
	dots := escpos.DotsFor(l.cfg.Receipt.WidthMM)
	b := escpos.NewBuilder(dots).Init().CodePage().Align(escpos.AlignCenter).DoubleSize(true).Line("TEST PAGE").DoubleSize(false).
		Line("lane "+l.id).Line(l.cfg.Now().In(l.cfg.Location).Format("2006-01-02 15:04:05")).Feed(1).
		Line("äöü ÄÖÜ ß € · ñ Ñ ¿ ¡ é è").Bold(true).Line("bold").Bold(false).Feed(1).
		Code128Raster("0123456789", 2).Feed(1).QRRaster("kiosk test page "+l.id, 4).Feed(3).Cut(true)
	if err := b.Err(); err != nil {
		return err
	}
	if err := p.Print(ctx, b.Bytes()); err != nil {
		return &Error{Kind: KindState, Code: "printer.refused", Detail: "test page not printed", Err: err}
	}
	_, err := l.do(ctx, Command{Op: opReceipt, note: map[string]any{"testPage": true, "by": by}})
	return err
}
