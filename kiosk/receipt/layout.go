package receipt

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"unicode/utf8"

	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/devices/escpos/paper"
)

// Kind is what a Block prints.
type Kind string

const (
	KindText    Kind = "text"    // one line of Text in Style
	KindFeed    Kind = "feed"    // Lines blank lines (ESC d)
	KindCode128 Kind = "code128" // Data as a Code 128, Module dots per module
	KindQR      Kind = "qr"      // Data as a QR code, Module dots per module
	KindCut     Kind = "cut"     // a partial cut: the end of the receipt
)

// Style is how a text line prints.
type Style struct {
	Align  escpos.Align
	Bold   bool
	Double bool // double width and height: half the columns
}

// Block is one thing a receipt prints, in order.
type Block struct {
	Kind  Kind
	Style Style  // text: its style; barcodes: Align
	Text  string // KindText: at most the paper's columns (half of them when Double)
	Lines int    // KindFeed
	Data  string // barcodes: the payload
	// Module is the barcode's dots per module; Modules its width in modules
	// without quiet zones, so Module×Modules dots are printed.
	Module, Modules int
}

// Width is the width of a barcode's bars in dots.
func (b Block) Width() int { return b.Module * b.Modules }

// Layout is a receipt laid out for one paper: what prints, line by line.
type Layout struct {
	Paper  Paper
	Blocks []Block
	style  Style
}

func newLayout(p Paper) Layout {
	if p.WidthMM != 58 {
		p.WidthMM = 80
	}
	return Layout{Paper: p}
}

// Largest modules drawn: beyond these a code only gets wider.
const (
	maxBarDots = 4
	maxQRDots  = 6
)

func (l *Layout) align(a escpos.Align) *Layout { l.style.Align = a; return l }
func (l *Layout) bold(on bool) *Layout         { l.style.Bold = on; return l }
func (l *Layout) double(on bool) *Layout       { l.style.Double = on; return l }

// cols is the number of columns in the current style.
func (l *Layout) cols() int {
	if l.style.Double {
		return l.Paper.Cols() / 2
	}
	return l.Paper.Cols()
}

// line prints s, which the caller made fit, in the current style.
func (l *Layout) line(s string) {
	l.Blocks = append(l.Blocks, Block{Kind: KindText, Style: l.style, Text: truncate(s, l.cols())})
}

func (l *Layout) blank() { l.line("") }

func (l *Layout) rule() { l.line(strings.Repeat("-", l.cols())) }

// wrapped prints s broken into lines at spaces.
func (l *Layout) wrapped(s string) {
	for _, w := range wrap(s, l.cols()) {
		l.line(w)
	}
}

// twoCol prints left and right on one line, right flush right, or left on
// its own lines and right below when both do not fit.
func (l *Layout) twoCol(left, right string) {
	cols := l.cols()
	lw, rw := utf8.RuneCountInString(left), utf8.RuneCountInString(right)
	if lw+1+rw <= cols || left == "" && rw <= cols {
		l.line(left + strings.Repeat(" ", max(cols-lw-rw, 0)) + right)
		return
	}
	for _, s := range wrap(left, cols) {
		l.line(s)
	}
	if right != "" {
		l.line(lpad(truncate(right, cols), cols))
	}
}

func (l *Layout) feed(n int) *Layout {
	l.Blocks = append(l.Blocks, Block{Kind: KindFeed, Lines: n})
	return l
}

func (l *Layout) cut() { l.Blocks = append(l.Blocks, Block{Kind: KindCut}) }

// txnCode prints id as the widest Code 128 with whole-dot modules that fits,
// or as a QR code when none does (and as nothing more when that fails too:
// the id is printed as text below it).
func (l *Layout) txnCode(id string) {
	dpm, bars, ok := code128Fit(id, l.Paper.Dots(), l.Paper.Native)
	if !ok {
		l.qr(id)
		return
	}
	l.Blocks = append(l.Blocks, Block{Kind: KindCode128, Style: Style{Align: l.style.Align}, Data: id, Module: dpm, Modules: bars})
}

// code128Fit returns the dots per module of the widest Code 128 of id that
// fits dots with its quiet zones (at most maxBarDots; natively at least 2,
// GS w's minimum) and the width of its bars in modules, or false when none
// fits or id cannot be a Code 128.
func code128Fit(id string, dots int, native bool) (dpm, bars int, ok bool) {
	var m int
	if native {
		m = escpos.NativeCode128Modules(id)
	} else {
		var err error
		if m, err = escpos.Code128Modules(id); err != nil {
			return 0, 0, false
		}
	}
	dpm = min(dots/m, maxBarDots)
	if dpm < 1 || native && dpm < 2 {
		return 0, 0, false
	}
	return dpm, m - 2*escpos.Code128Quiet, true
}

// qr prints data as a QR code with the largest whole-dot modules that fit
// with its quiet zone (at most maxQRDots), or reports false.
func (l *Layout) qr(data string) bool {
	m, err := escpos.QRModules(data)
	if err != nil || l.Paper.Dots()/m < 1 {
		return false
	}
	dpm := min(l.Paper.Dots()/m, maxQRDots)
	l.Blocks = append(l.Blocks, Block{Kind: KindQR, Style: Style{Align: l.style.Align}, Data: data, Module: dpm, Modules: m - 2*escpos.QRQuiet})
	return true
}

// ESCPOS encodes the layout for the printer, from ESC @ to the cut: text in
// CP858, barcodes as rasters or, on a Native paper, drawn by the printer.
func (l Layout) ESCPOS() ([]byte, error) {
	b := escpos.NewBuilder(l.Paper.Dots()).Init().CodePage()
	var cur Style
	set := func(s Style) {
		if s.Align != cur.Align {
			b.Align(s.Align)
		}
		if s.Bold != cur.Bold {
			b.Bold(s.Bold)
		}
		if s.Double != cur.Double {
			b.DoubleSize(s.Double)
		}
		cur = s
	}
	for _, bl := range l.Blocks {
		switch bl.Kind {
		case KindText:
			set(bl.Style)
			b.Line(bl.Text)
		case KindFeed:
			b.Feed(bl.Lines)
		case KindCode128:
			set(Style{Align: bl.Style.Align, Bold: cur.Bold, Double: cur.Double})
			if l.Paper.Native {
				b.NativeCode128(bl.Data, bl.Module)
			} else {
				b.Code128Raster(bl.Data, bl.Module)
			}
		case KindQR:
			set(Style{Align: bl.Style.Align, Bold: cur.Bold, Double: cur.Double})
			if l.Paper.Native {
				b.NativeQR(bl.Data, bl.Module)
			} else {
				b.QRRaster(bl.Data, bl.Module)
			}
		case KindCut:
			b.Cut(true)
		}
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	return b.Bytes(), nil
}

// ErrNothingPrinted is returned by PNG for a layout that prints no paper.
var ErrNothingPrinted = errors.New("receipt: nothing printed")

// PNG renders the layout's ESC/POS bytes as the printer simulator prints
// them (package paper) and returns the first receipt as a PNG, one dot a
// pixel.
func (l Layout) PNG() ([]byte, error) {
	job, err := l.ESCPOS()
	if err != nil {
		return nil, err
	}
	rs := paper.Render(l.Paper.Dots(), job)
	if len(rs) == 0 {
		return nil, ErrNothingPrinted
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, rs[0].Image); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Text renders the layout for a person: each printed line framed in the
// paper's columns (a double-size character takes two), its style after the
// frame, barcodes spelled out with their payload and size.
func (l Layout) Text() string {
	var sb strings.Builder
	cols := l.Paper.Cols()
	fmt.Fprintf(&sb, "%s\n", l.Paper)
	edge := "+" + strings.Repeat("-", cols) + "+\n"
	sb.WriteString(edge)
	for _, bl := range l.Blocks {
		switch bl.Kind {
		case KindText:
			s, w := bl.Text, utf8.RuneCountInString(bl.Text)
			if bl.Style.Double {
				var d strings.Builder
				for _, r := range s {
					d.WriteRune(r)
					d.WriteByte(' ')
				}
				s, w = d.String(), 2*w
			}
			switch bl.Style.Align {
			case escpos.AlignCenter:
				s = strings.Repeat(" ", max(cols-w, 0)/2) + s
				w += max(cols-w, 0) / 2
			case escpos.AlignRight:
				s = strings.Repeat(" ", max(cols-w, 0)) + s
				w = max(cols, w)
			}
			sb.WriteString("|" + s + strings.Repeat(" ", max(cols-w, 0)) + "|")
			var style []string
			if bl.Style.Bold {
				style = append(style, "bold")
			}
			if bl.Style.Double {
				style = append(style, "double")
			}
			if len(style) > 0 {
				sb.WriteString(" " + strings.Join(style, " "))
			}
			sb.WriteByte('\n')
		case KindFeed:
			for range bl.Lines {
				sb.WriteString("|" + strings.Repeat(" ", cols) + "|\n")
			}
		case KindCode128, KindQR:
			name := map[Kind]string{KindCode128: "Code 128", KindQR: "QR code"}[bl.Kind]
			by := "raster"
			if l.Paper.Native {
				by = "printer-drawn"
			}
			fmt.Fprintf(&sb, "[%s %s %q: %d modules × %d dots = %d of %d dots]\n", by, name, bl.Data, bl.Modules, bl.Module, bl.Width(), l.Paper.Dots())
		case KindCut:
			sb.WriteString("+" + strings.Repeat("-", cols/2-2) + "cut" + strings.Repeat("-", cols-cols/2-1) + "+\n")
		}
	}
	return sb.String()
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
