package receipt

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/i18n"
)

// Status is how a transaction ended, as far as the receipt is concerned.
type Status string

const (
	Open      Status = "open"      // the basket is still open: nothing paid
	Paid      Status = "paid"      // ended with every tender approved
	Cancelled Status = "cancelled" // ended without a sale
	NotPaid   Status = "not_paid"  // ended some other way without a payment on record
)

// Receipt is what a receipt says, from committed data. Strings come from the
// catalog, the configuration and (later) the payment terminal: none is
// trusted to be printable.
type Receipt struct {
	Lang     string // i18n language of the words and numbers; unknown: English
	Currency string // ISO 4217
	Header   []string
	TxnID    string // printed as a Code 128; digits keep it short (set C)
	Time     time.Time
	Status   Status
	Lines    []Line
	Total    decimal.Decimal
	VAT      []VAT
	Tenders  []Tender
	Footer   []string
	URL      string // printed as a QR code (the e-receipt); empty: none
}

// Line is one basket line.
type Line struct {
	Name      string
	Qty       int // pieces; 0 or 1 prints no quantity line
	WeightG   int // grams for an item sold by weight; UnitPrice is then per kg
	UnitPrice decimal.Decimal
	Amount    decimal.Decimal
	VATLetter string
}

// VAT is one VAT rate's share of the total.
type VAT struct {
	Letter          string
	Rate            decimal.Decimal // percent
	Net, Tax, Gross decimal.Decimal
}

// Tender is one payment toward the total.
type Tender struct {
	Method   string // "card": the word is i18n's "receipt.tender.<method>"
	Amount   decimal.Decimal
	Card     string   // brand and PAN as the terminal masks it, e.g. "Girocard ************1234"
	Approval string   // approval code
	Terminal string   // terminal id
	Text     []string // the terminal's own receipt lines, printed as given
}

// Paper is what the receipt is printed on.
type Paper struct {
	WidthMM int  // 58 or 80 (the printer's setting); anything else is taken as 80
	Native  bool // the printer draws barcodes itself (GS k, GS ( k) instead of being sent rasters
}

// Dots is the head's width in dots: 384 or 576.
func (p Paper) Dots() int { return escpos.DotsFor(p.WidthMM) }

// Cols is the number of Font A columns: 32 or 48.
func (p Paper) Cols() int { return escpos.ColumnsFor(p.WidthMM) }

func (p Paper) String() string {
	mode := "raster barcodes"
	if p.Native {
		mode = "barcodes drawn by the printer"
	}
	mm := 80
	if p.Dots() == escpos.DotsFor(58) {
		mm = 58
	}
	return fmt.Sprintf("%d mm: %d columns, %d dots, %s", mm, p.Cols(), p.Dots(), mode)
}

// Lay lays r out for paper p.
func Lay(r Receipt, p Paper) Layout {
	r = r.clean()
	l := newLayout(p)
	lang, cols := r.Lang, p.Cols()
	amount := func(d decimal.Decimal) string { return i18n.Amount(lang, d) }

	l.align(escpos.AlignCenter).bold(true)
	for _, s := range r.Header {
		l.wrapped(s)
	}
	l.bold(false).align(escpos.AlignLeft).blank()
	mark, note := r.mark()
	if mark != "" {
		l.align(escpos.AlignCenter).bold(true).double(true)
		l.wrapped(mark)
		l.double(false).bold(false).align(escpos.AlignLeft).blank()
	}
	when := ""
	if !r.Time.IsZero() {
		when = r.Time.Format("2006-01-02 15:04")
	}
	if r.TxnID != "" || when != "" {
		l.twoCol(r.TxnID, when)
	}
	l.rule()

	letters := false
	for _, ln := range r.Lines {
		letters = letters || ln.VATLetter != ""
	}
	for _, ln := range r.Lines {
		right := amount(ln.Amount)
		if letters {
			right += " " + pad(ln.VATLetter, 1)
		}
		switch {
		case ln.WeightG != 0:
			l.line(truncate(ln.Name, cols))
			l.twoCol("  "+i18n.T(lang, "line.weight", "weight", i18n.Kg(lang, ln.WeightG), "price", amount(ln.UnitPrice)), right)
		case ln.Qty != 0 && ln.Qty != 1:
			l.line(truncate(ln.Name, cols))
			l.twoCol("  "+strconv.Itoa(ln.Qty)+" "+i18n.T(lang, "line.each", "price", amount(ln.UnitPrice)), right)
		default:
			l.twoCol(ln.Name, right)
		}
	}
	l.rule()

	l.bold(true).double(true)
	l.twoCol(strings.ToUpper(i18n.T(lang, "totals.total")), i18n.Money(lang, r.Currency, r.Total))
	l.double(false).bold(false)

	if len(r.VAT) > 0 {
		l.blank()
		l.vatTable(r)
	}
	if len(r.Tenders) > 0 {
		l.rule()
		for _, t := range r.Tenders {
			l.tender(lang, r.Currency, t)
		}
	}
	if mark != "" {
		l.rule()
		l.align(escpos.AlignCenter).bold(true).double(true)
		l.wrapped(mark)
		l.double(false)
		l.wrapped(note)
		l.bold(false).align(escpos.AlignLeft)
	}
	l.rule()
	l.align(escpos.AlignCenter)
	for _, f := range r.Footer {
		l.wrapped(f)
	}
	if r.TxnID != "" {
		l.blank()
		l.txnCode(r.TxnID)
		l.line(truncate(r.TxnID, cols))
	}
	if r.URL != "" {
		l.blank()
		l.wrapped(i18n.T(lang, "receipt.qr"))
		if !l.qr(r.URL) {
			l.wrapped(r.URL)
		}
	}
	l.align(escpos.AlignLeft).feed(2).cut()
	return l
}

// mark returns the receipt's status in large letters and a sentence, or
// nothing for a paid receipt.
func (r Receipt) mark() (string, string) {
	switch r.Status {
	case Paid:
		return "", ""
	case Cancelled:
		return i18n.T(r.Lang, "receipt.cancelled"), i18n.T(r.Lang, "receipt.cancelledNote")
	}
	return i18n.T(r.Lang, "receipt.notPaid"), i18n.T(r.Lang, "receipt.notPaidNote")
}

// tender prints one payment: method and amount, the card, approval and
// terminal, and the terminal's own lines.
func (l *Layout) tender(lang, currency string, t Tender) {
	l.twoCol(i18n.T(lang, "receipt.tender."+t.Method), i18n.Money(lang, currency, t.Amount))
	if t.Card != "" {
		l.line(truncate("  "+t.Card, l.Paper.Cols()))
	}
	var ids []string
	if t.Approval != "" {
		ids = append(ids, i18n.T(lang, "receipt.approval", "code", t.Approval))
	}
	if t.Terminal != "" {
		ids = append(ids, i18n.T(lang, "receipt.terminal", "id", t.Terminal))
	}
	if len(ids) > 0 {
		for _, s := range wrap(strings.Join(ids, "  "), l.Paper.Cols()-2) {
			l.line("  " + s)
		}
	}
	for _, s := range t.Text {
		l.wrapped(s)
	}
}

// vatTable prints the VAT rows as columns letter and rate, net, tax, gross
// under the screen's column words, or a block per rate when an amount does
// not fit its column.
func (l *Layout) vatTable(r Receipt) {
	lang, cols := r.Lang, l.Paper.Cols()
	net, tax, gross := i18n.T(lang, "vat.net"), i18n.T(lang, "vat.tax"), i18n.T(lang, "vat.gross")
	rateW := cols/4 - 2
	numW := (cols - 2 - rateW) / 3
	type row struct{ letter, rate, net, tax, gross string }
	rows := make([]row, len(r.VAT))
	fits := true
	for i, v := range r.VAT {
		rows[i] = row{v.Letter, i18n.Percent(lang, v.Rate), i18n.Amount(lang, v.Net), i18n.Amount(lang, v.Tax), i18n.Amount(lang, v.Gross)}
		for _, s := range []string{rows[i].net, rows[i].tax, rows[i].gross, net, tax, gross} {
			fits = fits && utf8.RuneCountInString(s) < numW
		}
		fits = fits && utf8.RuneCountInString(rows[i].rate) <= rateW
	}
	if !fits {
		for _, v := range rows {
			l.line(truncate(strings.TrimSpace(v.letter+" "+tax+" "+v.rate), cols))
			l.twoCol("  "+net, v.net)
			l.twoCol("  "+tax, v.tax)
			l.twoCol("  "+gross, v.gross)
		}
		return
	}
	l.line(pad("", 2+rateW) + lpad(net, numW) + lpad(tax, numW) + lpad(gross, numW))
	for _, v := range rows {
		l.line(pad(v.letter, 1) + " " + pad(v.rate, rateW) + lpad(v.net, numW) + lpad(v.tax, numW) + lpad(v.gross, numW))
	}
}

// clean returns a copy of r whose strings hold only what the printer prints:
// control characters become spaces, runes CP858 lacks become '?'.
func (r Receipt) clean() Receipt {
	cs := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = printable(s)
		}
		return out
	}
	r.Header, r.Footer = cs(r.Header), cs(r.Footer)
	r.TxnID, r.URL = printable(r.TxnID), printable(r.URL)
	r.Currency = printable(r.Currency)
	lines := make([]Line, len(r.Lines))
	for i, ln := range r.Lines {
		ln.Name, ln.VATLetter = printable(ln.Name), printable(ln.VATLetter)
		lines[i] = ln
	}
	r.Lines = lines
	vat := make([]VAT, len(r.VAT))
	for i, v := range r.VAT {
		v.Letter = printable(v.Letter)
		vat[i] = v
	}
	r.VAT = vat
	tenders := make([]Tender, len(r.Tenders))
	for i, t := range r.Tenders {
		t.Method, t.Card, t.Approval, t.Terminal, t.Text = printable(t.Method), printable(t.Card), printable(t.Approval), printable(t.Terminal), cs(t.Text)
		tenders[i] = t
	}
	r.Tenders = tenders
	return r
}

// printable returns s as the printer prints it in CP858: control characters
// as spaces, runes the code page lacks as '?', typographic dashes and quotes
// as their ASCII look-alikes.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F || r >= 0x80 && r < 0xA0 {
			return ' '
		}
		return r
	}, s)
	b := escpos.EncodeCP858(nil, s)
	out := make([]rune, len(b))
	for i, c := range b {
		out[i] = escpos.DecodeCP858(c)
	}
	return string(out)
}
