package escpos

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Receipt is what a shopper takes home. Amounts are strings formatted by the
// caller (currency minor unit and decimal separator included); Render only lays
// them out.
type Receipt struct {
	Store    []string // header lines: name, address, VAT id
	TxnID    string   // printed as a barcode; keep it short and digit-only (Code 128 set C)
	Time     time.Time
	Lines    []ReceiptLine
	Total    string
	VAT      []VATRow
	Currency string // e.g. "EUR" or "€"
	Payment  []string
	Footer   []string
	QRURL    string // printed as a QR code, e.g. the e-receipt or survey link
	Labels   Labels // the receipt's fixed words; empty ones are English
}

// Labels are the fixed words of a receipt, in the shopper's language.
type Labels struct {
	Total, VAT, Net, Tax, Gross string
}

// orEnglish fills the empty labels with English.
func (l Labels) orEnglish() Labels {
	def := func(s *string, en string) {
		if *s == "" {
			*s = en
		}
	}
	def(&l.Total, "TOTAL")
	def(&l.VAT, "VAT")
	def(&l.Net, "Net")
	def(&l.Tax, "Tax")
	def(&l.Gross, "Gross")
	return l
}

// ReceiptLine is one basket line.
type ReceiptLine struct {
	Name      string
	Qty       int // pieces; 0 or 1 prints no quantity line
	WeightG   int // grams for items sold by weight; UnitPrice is then per kg
	UnitPrice string
	Amount    string
	VATLetter string
}

// VATRow is one VAT rate's share of the total.
type VATRow struct {
	Letter, Rate, Net, Tax, Gross string
}

// Largest modules Render draws: beyond these a code only gets wider.
const (
	maxBarDots = 4
	maxQRDots  = 6
)

// Render lays the receipt out as ESC/POS for paper widthMM wide (58: 32
// columns, 384 dots; otherwise 80: 48 columns, 576 dots), from ESC @ to the
// cut. Barcodes are rasters drawn here at a whole number of dots per module —
// the largest that fits the paper — unless native is set, which asks the
// printer to draw them (GS k, GS ( k). A transaction id too long for a Code
// 128 even at 1 dot per module (2 natively) is printed as a QR code instead.
//
// Control characters in the receipt's strings print as spaces; a QR code that
// cannot be drawn (data too long) prints as text.
func (r Receipt) Render(widthMM int, native bool) []byte {
	r = r.clean()
	lb := r.Labels.orEnglish()
	dots, cols := DotsFor(widthMM), ColumnsFor(widthMM)
	b := NewBuilder(dots).Init().CodePage()
	rule := strings.Repeat("-", cols)

	b.Align(AlignCenter).Bold(true)
	for _, s := range r.Store {
		for _, l := range wrap(s, cols) {
			b.Line(l)
		}
	}
	b.Bold(false).Align(AlignLeft).Raw(LF)
	when := ""
	if !r.Time.IsZero() {
		when = r.Time.Format("2006-01-02 15:04")
	}
	if r.TxnID != "" || when != "" {
		twoCol(b, r.TxnID, when, cols)
	}
	b.Line(rule)

	letters := false
	for _, l := range r.Lines {
		letters = letters || l.VATLetter != ""
	}
	for _, l := range r.Lines {
		right := l.Amount
		if letters {
			right += " " + pad(l.VATLetter, 1)
		}
		switch {
		case l.WeightG != 0:
			b.Line(truncate(l.Name, cols))
			twoCol(b, "  "+kg(l.WeightG, decimalSep(l.UnitPrice))+" x "+l.UnitPrice+"/kg", right, cols)
		case l.Qty != 0 && l.Qty != 1:
			b.Line(truncate(l.Name, cols))
			twoCol(b, fmt.Sprintf("  %d x %s", l.Qty, l.UnitPrice), right, cols)
		default:
			twoCol(b, l.Name, right, cols)
		}
	}
	b.Line(rule)

	total := r.Total
	if r.Currency != "" {
		total += " " + r.Currency
	}
	b.Bold(true).DoubleSize(true)
	twoCol(b, lb.Total, total, cols/2)
	b.DoubleSize(false).Bold(false)

	if len(r.VAT) > 0 {
		b.Raw(LF)
		vatTable(b, r.VAT, cols, lb)
	}
	if len(r.Payment) > 0 {
		b.Line(rule)
		for _, p := range r.Payment {
			for _, l := range wrap(p, cols) {
				b.Line(l)
			}
		}
	}
	b.Line(rule)
	b.Align(AlignCenter)
	for _, f := range r.Footer {
		for _, l := range wrap(f, cols) {
			b.Line(l)
		}
	}
	if r.TxnID != "" {
		b.Raw(LF)
		txnCode(b, r.TxnID, dots, native)
		b.Line(truncate(r.TxnID, cols))
	}
	if r.QRURL != "" {
		b.Raw(LF)
		if !qrCode(b, r.QRURL, dots, native) {
			for _, l := range wrap(r.QRURL, cols) {
				b.Line(l)
			}
		}
	}
	b.Align(AlignLeft).Feed(2).Cut(true)
	return b.Bytes()
}

// txnCode prints id as the widest Code 128 with whole-dot modules that fits,
// or as a QR code when none does.
func txnCode(b *Builder, id string, dots int, native bool) {
	dpm, ok := code128Fit(id, dots, native)
	switch {
	case !ok:
		qrCode(b, id, dots, native) // if that fails too, the id printed below is all there is
	case native:
		b.NativeCode128(id, dpm)
	default:
		b.Code128Raster(id, dpm)
	}
}

// code128Fit returns the dots per module of the widest Code 128 of id that
// fits dots (at most maxBarDots; natively at least 2, GS w's minimum), or
// false when none fits or id cannot be a Code 128.
func code128Fit(id string, dots int, native bool) (int, bool) {
	if native {
		dpm := min(dots/NativeCode128Modules(id), maxBarDots)
		return dpm, dpm >= 2
	}
	m, err := Code128Modules(id)
	if err != nil {
		return 0, false
	}
	dpm := min(dots/m, maxBarDots)
	return dpm, dpm >= 1
}

// qrCode prints data as a QR code with the largest whole-dot modules that fit
// (at most maxQRDots), or reports false when it cannot.
func qrCode(b *Builder, data string, dots int, native bool) bool {
	m, err := QRModules(data)
	if err != nil || dots/m < 1 {
		return false
	}
	dpm := min(dots/m, maxQRDots)
	if native {
		b.NativeQR(data, dpm)
	} else {
		b.QRRaster(data, dpm)
	}
	return true
}

// vatTable prints the VAT rows as columns letter, rate, net, tax, gross, or
// one row per line when an amount does not fit its column.
func vatTable(b *Builder, rows []VATRow, cols int, lb Labels) {
	rateW := cols/4 - 2
	numW := (cols - 2 - rateW) / 3
	fits := true
	for _, r := range rows {
		for _, s := range []string{r.Net, r.Tax, r.Gross} {
			fits = fits && utf8.RuneCountInString(s) < numW
		}
		fits = fits && utf8.RuneCountInString(r.Rate) <= rateW
	}
	if !fits {
		for _, r := range rows {
			b.Line(truncate(strings.TrimSpace(r.Letter+" "+lb.VAT+" "+r.Rate), cols))
			twoCol(b, "  "+lb.Net, r.Net, cols)
			twoCol(b, "  "+lb.Tax, r.Tax, cols)
			twoCol(b, "  "+lb.Gross, r.Gross, cols)
		}
		return
	}
	b.Line(pad(lb.VAT, 2+rateW) + lpad(lb.Net, numW) + lpad(lb.Tax, numW) + lpad(lb.Gross, numW))
	for _, r := range rows {
		b.Line(pad(r.Letter, 1) + " " + pad(r.Rate, rateW) + lpad(r.Net, numW) + lpad(r.Tax, numW) + lpad(r.Gross, numW))
	}
}

// clean returns a copy of r whose strings hold no control characters.
func (r Receipt) clean() Receipt {
	c := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7F {
				return ' '
			}
			return r
		}, s)
	}
	cs := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = c(s)
		}
		return out
	}
	r.Store, r.Payment, r.Footer = cs(r.Store), cs(r.Payment), cs(r.Footer)
	r.TxnID, r.Total, r.Currency, r.QRURL = c(r.TxnID), c(r.Total), c(r.Currency), c(r.QRURL)
	r.Labels = Labels{Total: c(r.Labels.Total), VAT: c(r.Labels.VAT), Net: c(r.Labels.Net), Tax: c(r.Labels.Tax), Gross: c(r.Labels.Gross)}
	lines := make([]ReceiptLine, len(r.Lines))
	for i, l := range r.Lines {
		lines[i] = ReceiptLine{Name: c(l.Name), Qty: l.Qty, WeightG: l.WeightG, UnitPrice: c(l.UnitPrice), Amount: c(l.Amount), VATLetter: c(l.VATLetter)}
	}
	r.Lines = lines
	vat := make([]VATRow, len(r.VAT))
	for i, v := range r.VAT {
		vat[i] = VATRow{Letter: c(v.Letter), Rate: c(v.Rate), Net: c(v.Net), Tax: c(v.Tax), Gross: c(v.Gross)}
	}
	r.VAT = vat
	return r
}

// twoCol prints left and right on one line of cols columns, right flush right,
// or left on its own lines and right below when both do not fit.
func twoCol(b *Builder, left, right string, cols int) {
	lw, rw := utf8.RuneCountInString(left), utf8.RuneCountInString(right)
	if lw+1+rw <= cols || left == "" && rw <= cols {
		b.Line(left + strings.Repeat(" ", max(cols-lw-rw, 0)) + right)
		return
	}
	for _, l := range wrap(left, cols) {
		b.Line(l)
	}
	if right != "" {
		b.Line(lpad(truncate(right, cols), cols))
	}
}

// wrap breaks s into lines of at most cols runes at spaces, splitting words
// longer than a line.
func wrap(s string, cols int) []string {
	var lines []string
	var cur []rune
	for _, w := range strings.Fields(s) {
		word := []rune(w)
		for len(word) > cols {
			if len(cur) > 0 {
				lines = append(lines, string(cur))
				cur = nil
			}
			lines = append(lines, string(word[:cols]))
			word = word[cols:]
		}
		if len(cur) > 0 && len(cur)+1+len(word) > cols {
			lines = append(lines, string(cur))
			cur = nil
		}
		if len(cur) > 0 {
			cur = append(cur, ' ')
		}
		cur = append(cur, word...)
	}
	if len(cur) > 0 || len(lines) == 0 {
		lines = append(lines, string(cur))
	}
	return lines
}

func truncate(s string, cols int) string {
	if utf8.RuneCountInString(s) <= cols {
		return s
	}
	return string([]rune(s)[:cols])
}

func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(w-utf8.RuneCountInString(s), 0))
}

func lpad(s string, w int) string {
	return strings.Repeat(" ", max(w-utf8.RuneCountInString(s), 0)) + s
}

// decimalSep guesses the caller's decimal separator from an amount.
func decimalSep(amount string) string {
	if strings.Contains(amount, ",") && !strings.Contains(amount, ".") {
		return ","
	}
	return "."
}

// kg formats grams as kilograms with three decimals.
func kg(g int, sep string) string {
	sign := ""
	if g < 0 {
		sign, g = "-", -g
	}
	return fmt.Sprintf("%s%d%s%03d kg", sign, g/1000, sep, g%1000)
}
