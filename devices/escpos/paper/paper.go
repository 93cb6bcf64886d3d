package paper

import (
	"bytes"
	"fmt"
	"image"
	"log/slog"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"

	"github.com/kiosk-sco/kiosk/devices/escpos"
)

const (
	defaultSpacing = 30      // dots from line to line (ESC 2)
	margin         = 24      // white dots above and below a receipt image
	maxCommand     = 1 << 20 // longest command accepted (raster, stored QR data)
	maxPageRows    = 1 << 14 // 2 m of paper between two cuts
)

// MaxCommand is the longest command a Printer takes; a host that buffers
// commands for Step may drop a byte once it holds more than this without a
// whole command.
const MaxCommand = maxCommand

// Printer is the print engine of a receipt printer: print modes, the line
// buffer and the paper since the last cut. Feed it one command at a time with
// Step. It is not safe for concurrent use.
type Printer struct {
	dots int
	log  *slog.Logger

	// Print modes, reset by ESC @.
	bold       bool
	w, h       int
	align      escpos.Align
	codePage   byte
	spacing    int
	barH, barW int
	hri        byte
	qrSize     int
	qrEC       byte
	qrData     []byte

	line  []cell
	lineW int

	page     sheet
	text     strings.Builder
	marks    []Mark
	receipts []Receipt
	fed      int // dots of paper fed since New
	cuts     int
}

type cell struct {
	r    rune
	bold bool
	w, h int
}

// Receipt is the paper between two cuts.
type Receipt struct {
	// Image is the paper one dot a pixel (0 printed, 0xFF blank), with a
	// white margin of 24 rows above and below.
	Image *image.Gray
	// Text is the text printed, a line per printed line; symbols drawn in
	// place of an unknown barcode print as "[barcode n]".
	Text string
	// Marks are the barcodes and raster images printed, in order.
	Marks []Mark
}

// Mark is a barcode or raster image on the paper.
type Mark struct {
	Kind string // "code128" and "qr" (drawn by the printer: GS k, GS ( k), "raster" (GS v 0)
	Data string // what a printer-drawn code holds; empty for a raster
	// Box is where the mark's printed dots are, in dots from the top left of
	// the paper (the image without its margin). It may reach beyond the
	// paper's width: the head then drops what does not fit (a raster) or the
	// whole code (Dropped).
	Box image.Rectangle
	// Dropped is true when the printer did not print the code because it is
	// wider than the paper, as Epson printers do.
	Dropped bool
}

// New returns a printer with a head dots wide (384 for 58 mm paper, 576 for
// 80 mm at 203 dpi). log may be nil.
func New(dots int, log *slog.Logger) *Printer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pr := &Printer{dots: dots, log: log}
	pr.page.w = dots
	pr.reset()
	return pr
}

// Render interprets an ESC/POS stream as a printer with a head dots wide would
// and returns the receipts it prints, the uncut rest included.
func Render(dots int, stream []byte) []Receipt {
	pr := New(dots, nil)
	for len(stream) > 0 {
		n, ok := pr.Step(stream)
		if !ok { // a command cut short at the end: dropped, as the printer would wait for the rest
			break
		}
		stream = stream[n:]
	}
	pr.End()
	return pr.Receipts()
}

// Dots returns the head's width in dots.
func (pr *Printer) Dots() int { return pr.dots }

// Fed returns the dots of paper fed since New; a simulator takes them off its roll.
func (pr *Printer) Fed() int { return pr.fed }

// Cuts returns the number of cuts since New, of empty paper too.
func (pr *Printer) Cuts() int { return pr.cuts }

// Receipts returns every receipt cut so far.
func (pr *Printer) Receipts() []Receipt { return pr.receipts }

// End prints a pending line and keeps the paper since the last cut as a
// receipt, as tearing it off would.
func (pr *Printer) End() {
	pr.flushLine()
	if r, ok := pr.takePage(); ok {
		pr.receipts = append(pr.receipts, r)
	}
}

// reset is ESC @: modes back to their defaults, the line buffer emptied.
func (pr *Printer) reset() {
	pr.bold, pr.w, pr.h, pr.align = false, 1, 1, escpos.AlignLeft
	pr.codePage, pr.spacing = 0, defaultSpacing
	pr.barH, pr.barW, pr.hri = 162, 3, 0
	pr.qrSize, pr.qrEC, pr.qrData = 3, 48, nil
	pr.line, pr.lineW = nil, 0
}

// Step interprets the command at the start of p and returns its length, or
// false when p holds only part of it. p must not be empty. Real-time commands
// (DLE EOT, DLE ENQ) are skipped: a printer acts on them as they arrive, which
// is its host side's business. GS a (automatic status back) is skipped too.
func (pr *Printer) Step(p []byte) (int, bool) {
	need := func(n int) bool { return n <= len(p) }
	b := p[0]
	switch {
	case b == escpos.LF:
		pr.printLine()
		return 1, true
	case b == '\t':
		pr.addChar(' ')
		return 1, true
	case b == escpos.DLE:
		if !need(3) {
			return 0, false
		}
		switch p[1] {
		case escpos.EOT, 0x05: // processed on receipt
			return 3, true
		case 0x14: // DLE DC4 fn
			if p[2] == 1 || p[2] == 2 {
				return 5, need(5)
			}
			return 3, true
		}
		return 1, true
	case b == escpos.ESC:
		return pr.esc(p)
	case b == escpos.GS:
		return pr.gs(p)
	case b == 0x1C: // FS: Kanji and NV images
		if !need(2) {
			return 0, false
		}
		switch p[1] {
		case 'p':
			return 4, need(4)
		case '!', '-', 'C', 'S', 'W':
			return 3, need(3)
		}
		return 2, true
	case b < 0x20 || b == 0x7F:
		return 1, true
	}
	r := rune(b)
	if b >= 0x80 {
		r = '?'
		if pr.codePage == escpos.CodePageCP858 {
			r = escpos.DecodeCP858(b)
		}
	}
	pr.addChar(r)
	return 1, true
}

func (pr *Printer) esc(p []byte) (int, bool) {
	if len(p) < 2 {
		return 0, false
	}
	arg := func() (byte, bool) {
		if len(p) < 3 {
			return 0, false
		}
		return p[2], true
	}
	switch p[1] {
	case '@':
		pr.reset()
		return 2, true
	case '2':
		pr.spacing = defaultSpacing
		return 2, true
	case 'i', 'm': // old partial cut
		pr.cut()
		return 2, true
	case 'L', 'S', '<':
		return 2, true
	case 't', 'E', 'a', '!', 'd', 'J', '3', 'G', '-', 'M', 'R', 'V', '{', 'r', 'U', ' ', 'T', 'e', '=', '%', '?', 'c', 'p', '$', '\\', 'B':
	default:
		return 2, true
	}
	n, ok := arg()
	if !ok {
		return 0, false
	}
	switch p[1] {
	case 't':
		pr.codePage = n
	case 'E':
		pr.bold = n&1 == 1
	case 'a':
		if n >= '0' {
			n -= '0'
		}
		pr.align = escpos.Align(min(n, 2))
	case '!':
		pr.bold = n&0x08 != 0
		pr.h = 1 + int(n>>4&1)
		pr.w = 1 + int(n>>5&1)
	case 'd':
		pr.flushLine()
		pr.feed(int(n) * pr.spacing)
	case 'J':
		pr.flushLine()
		pr.feed(int(n))
	case '3':
		pr.spacing = int(n)
	case 'c', '$', '\\', 'B':
		return 4, len(p) >= 4
	case 'p':
		return 5, len(p) >= 5
	}
	return 3, true
}

func (pr *Printer) gs(p []byte) (int, bool) {
	if len(p) < 3 {
		if len(p) == 2 && p[1] == ':' {
			return 2, true
		}
		return 0, false
	}
	n := p[2]
	switch p[1] {
	case '!':
		pr.w, pr.h = 1+int(n>>4&7), 1+int(n&7)
	case 'h':
		pr.barH = max(int(n), 1)
	case 'w':
		pr.barW = max(int(n), 1)
	case 'H':
		pr.hri = n & 3
	case 'a': // automatic status back: the host side's business
	case 'V':
		l := 3
		switch n {
		case 65, 66, 97, 98, 103, 104:
			l = 4
		}
		if len(p) < l {
			return 0, false
		}
		pr.cut()
		return l, true
	case 'v':
		if n != '0' {
			return 3, true
		}
		if len(p) < 8 {
			return 0, false
		}
		xb, yb := int(p[4])|int(p[5])<<8, int(p[6])|int(p[7])<<8
		l := 8 + xb*yb
		if l > maxCommand {
			return 1, true // garbage
		}
		if len(p) < l {
			return 0, false
		}
		pr.raster(p[8:l], xb, yb, p[3])
		return l, true
	case 'k':
		if n <= 6 {
			i := bytes.IndexByte(p[3:], 0)
			if i < 0 {
				if len(p) > 260 {
					return 3, true
				}
				return 0, false
			}
			pr.placeholder(fmt.Sprintf("barcode %d", n))
			return 3 + i + 1, true
		}
		if len(p) < 4 {
			return 0, false
		}
		l := 4 + int(p[3])
		if len(p) < l {
			return 0, false
		}
		if n == 73 {
			pr.code128(p[4:l])
		} else {
			pr.placeholder(fmt.Sprintf("barcode %d", n))
		}
		return l, true
	case '(':
		if len(p) < 5 {
			return 0, false
		}
		l := 5 + int(p[3]) + int(p[4])<<8
		if len(p) < l {
			return 0, false
		}
		if n == 'k' {
			pr.symbol(p[5:l])
		}
		return l, true
	case '8':
		if len(p) < 7 {
			return 0, false
		}
		l := 7 + int(p[3]) + int(p[4])<<8 + int(p[5])<<16 + int(p[6])<<24
		if l > maxCommand {
			return 1, true
		}
		return l, len(p) >= l
	case 'L', 'W', 'P', '$', '\\':
		return 4, len(p) >= 4
	case '^':
		return 5, len(p) >= 5
	case '*':
		if len(p) < 4 {
			return 0, false
		}
		l := 4 + int(p[2])*int(p[3])*8
		return l, len(p) >= l
	case 'B', 'b', 'r', 'I', 'E', 'T', '/', 'f':
	default:
		return 2, true
	}
	return 3, true
}

// addChar puts r on the line, printing the line first when r would not fit.
func (pr *Printer) addChar(r rune) {
	cw := cellW * pr.w
	if pr.lineW+cw > pr.dots && len(pr.line) > 0 {
		pr.printLine()
	}
	pr.line = append(pr.line, cell{r: r, bold: pr.bold, w: pr.w, h: pr.h})
	pr.lineW += cw
}

// flushLine prints a pending line.
func (pr *Printer) flushLine() {
	if len(pr.line) > 0 {
		pr.printLine()
	}
}

// offset is where something w dots wide starts under the current justification.
func (pr *Printer) offset(w int) int {
	switch pr.align {
	case escpos.AlignCenter:
		return max(0, (pr.dots-w)/2)
	case escpos.AlignRight:
		return max(0, pr.dots-w)
	}
	return 0
}

// printLine prints the line buffer (LF) and feeds one line.
func (pr *Printer) printLine() {
	if len(pr.line) == 0 {
		pr.feed(pr.spacing)
		pr.text.WriteByte('\n')
		return
	}
	height := 0
	for _, c := range pr.line {
		height = max(height, cellH*c.h)
	}
	adv := max(pr.spacing, height+defaultSpacing-cellH)
	y0 := pr.page.grow(adv)
	x := pr.offset(pr.lineW)
	for _, c := range pr.line {
		g := glyphFor(c.r, c.bold)
		top := y0 + height - cellH*c.h
		for gy := range cellH {
			for gx := range cellW {
				if g[gy][gx] {
					pr.page.fill(x+gx*c.w, top+gy*c.h, c.w, c.h)
				}
			}
		}
		x += cellW * c.w
		pr.text.WriteRune(c.r)
	}
	pr.text.WriteByte('\n')
	pr.line, pr.lineW = nil, 0
	pr.consume(adv)
}

func (pr *Printer) feed(dots int) {
	if dots <= 0 {
		return
	}
	pr.page.grow(dots)
	pr.consume(dots)
}

// consume counts dots of paper fed.
func (pr *Printer) consume(dots int) { pr.fed += dots }

// raster prints GS v 0 data: xb bytes by yb rows, MSB leftmost; mode bit 0
// doubles the width, bit 1 the height.
func (pr *Printer) raster(data []byte, xb, yb int, mode byte) {
	pr.flushLine()
	sx, sy := 1+int(mode&1), 1+int(mode>>1&1)
	w := xb * 8 * sx
	y0 := pr.page.grow(yb * sy)
	x0 := pr.offset(w)
	ink := image.Rectangle{}
	for y := range yb {
		for xbyte, bits := range data[y*xb : (y+1)*xb] {
			for bit := 0; bits != 0; bit++ {
				if bits&0x80 != 0 {
					x := x0 + (xbyte*8+bit)*sx
					pr.page.fill(x, y0+y*sy, sx, sy)
					ink = ink.Union(image.Rect(x, y0+y*sy, x+sx, y0+(y+1)*sy))
				}
				bits <<= 1
			}
		}
	}
	if !ink.Empty() {
		pr.marks = append(pr.marks, Mark{Kind: "raster", Box: ink})
	}
	pr.consume(yb * sy)
}

// code128 prints GS k 73: the content decoded from its {A/{B/{C code-set
// form, drawn with boombuler/barcode at GS w dots per module and GS h high.
func (pr *Printer) code128(p []byte) {
	content, err := code128Content(p)
	if err == nil {
		var code barcode.Barcode
		if code, err = code128.Encode(content); err == nil {
			pr.flushLine()
			pr.bars(code, content)
			return
		}
	}
	pr.log.Warn("paper: code128 not printed", "err", err)
}

func code128Content(p []byte) (string, error) {
	if len(p) < 2 || p[0] != '{' || p[1] < 'A' || p[1] > 'C' {
		return "", fmt.Errorf("code128 data %q lacks a code set", p)
	}
	var sb strings.Builder
	set := p[1]
	for i := 2; i < len(p); i++ {
		c := p[i]
		if c == '{' && i+1 < len(p) {
			i++
			switch p[i] {
			case 'A', 'B', 'C':
				set = p[i]
			case '{':
				sb.WriteByte('{')
			}
			continue
		}
		if set == 'C' {
			if c > 99 {
				return "", fmt.Errorf("code128 set C value %d", c)
			}
			fmt.Fprintf(&sb, "%02d", c)
			continue
		}
		sb.WriteByte(c)
	}
	if sb.Len() == 0 {
		return "", fmt.Errorf("empty code128")
	}
	return sb.String(), nil
}

func (pr *Printer) bars(code barcode.Barcode, hri string) {
	mods := code.Bounds().Dx()
	w := mods * pr.barW
	if w > pr.dots {
		pr.log.Warn("paper: barcode wider than the paper, not printed", "modules", mods, "dots", w)
		pr.marks = append(pr.marks, Mark{Kind: "code128", Data: hri, Box: image.Rect(0, pr.page.h, w, pr.page.h+pr.barH), Dropped: true})
		return
	}
	if pr.hri&1 != 0 {
		pr.hriLine(hri)
	}
	y0 := pr.page.grow(pr.barH)
	x0 := pr.offset(w)
	pr.marks = append(pr.marks, Mark{Kind: "code128", Data: hri, Box: image.Rect(x0, y0, x0+w, y0+pr.barH)})
	for x := range mods {
		r, _, _, _ := code.At(code.Bounds().Min.X+x, code.Bounds().Min.Y).RGBA()
		if r < 0x8000 {
			pr.page.fill(x0+x*pr.barW, y0, pr.barW, pr.barH)
		}
	}
	pr.consume(pr.barH)
	if pr.hri&2 != 0 {
		pr.hriLine(hri)
	}
}

func (pr *Printer) hriLine(s string) {
	saved, savedW, savedH, bold := pr.line, pr.w, pr.h, pr.bold
	pr.line, pr.lineW, pr.w, pr.h, pr.bold = nil, 0, 1, 1, false
	for _, r := range s {
		pr.addChar(r)
	}
	pr.printLine()
	pr.line, pr.w, pr.h, pr.bold = saved, savedW, savedH, bold
	for _, c := range pr.line {
		pr.lineW += cellW * c.w
	}
}

// symbol handles GS ( k: cn 49 is QR (65 model, 67 module size, 69 error
// correction, 80 store, 81 print); other symbols print as a placeholder.
func (pr *Printer) symbol(p []byte) {
	if len(p) < 2 {
		return
	}
	cn, fn := p[0], p[1]
	if cn != 49 {
		if fn == 81 {
			pr.placeholder(fmt.Sprintf("2-D symbol %d", cn))
		}
		return
	}
	switch fn {
	case 67:
		if len(p) >= 3 {
			pr.qrSize = max(1, min(int(p[2]), 16))
		}
	case 69:
		if len(p) >= 3 {
			pr.qrEC = p[2]
		}
	case 80:
		if len(p) >= 3 {
			pr.qrData = append([]byte(nil), p[3:]...)
		}
	case 81:
		pr.flushLine()
		pr.qr()
	}
}

func (pr *Printer) qr() {
	level := map[byte]qr.ErrorCorrectionLevel{48: qr.L, 49: qr.M, 50: qr.Q, 51: qr.H}[pr.qrEC]
	code, err := qr.Encode(string(pr.qrData), level, qr.Auto)
	if err != nil || len(pr.qrData) == 0 {
		pr.log.Warn("paper: QR not printed", "err", err)
		return
	}
	n := code.Bounds().Dx()
	w := n * pr.qrSize
	if w > pr.dots {
		pr.log.Warn("paper: QR wider than the paper, not printed", "modules", n)
		pr.marks = append(pr.marks, Mark{Kind: "qr", Data: string(pr.qrData), Box: image.Rect(0, pr.page.h, w, pr.page.h+w), Dropped: true})
		return
	}
	y0 := pr.page.grow(w)
	x0 := pr.offset(w)
	pr.marks = append(pr.marks, Mark{Kind: "qr", Data: string(pr.qrData), Box: image.Rect(x0, y0, x0+w, y0+w)})
	for y := range n {
		for x := range n {
			r, _, _, _ := code.At(x, y).RGBA()
			if r < 0x8000 {
				pr.page.fill(x0+x*pr.qrSize, y0+y*pr.qrSize, pr.qrSize, pr.qrSize)
			}
		}
	}
	pr.consume(w)
}

// placeholder draws a framed box for a symbol this package does not draw.
func (pr *Printer) placeholder(what string) {
	pr.flushLine()
	const h = 60
	w := pr.dots * 2 / 3
	y0 := pr.page.grow(h)
	x0 := pr.offset(w)
	for x := x0; x < x0+w; x++ {
		pr.page.fill(x, y0, 1, 2)
		pr.page.fill(x, y0+h-2, 1, 2)
	}
	pr.page.fill(x0, y0, 2, h)
	pr.page.fill(x0+w-2, y0, 2, h)
	pr.consume(h)
	fmt.Fprintf(&pr.text, "[%s]\n", what)
}

// cut prints what is pending and ends the receipt.
func (pr *Printer) cut() {
	pr.flushLine()
	pr.cuts++
	if r, ok := pr.takePage(); ok {
		pr.receipts = append(pr.receipts, r)
	}
}

// takePage returns the paper printed since the last cut as an image.
func (pr *Printer) takePage() (Receipt, bool) {
	defer func() {
		pr.page.h, pr.page.pix = 0, nil
		pr.text.Reset()
		pr.marks = nil
	}()
	if pr.page.h == 0 {
		return Receipt{}, false
	}
	img := image.NewGray(image.Rect(0, 0, pr.page.w, pr.page.h+2*margin))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	copy(img.Pix[margin*img.Stride:], pr.page.pix)
	return Receipt{Image: img, Text: pr.text.String(), Marks: pr.marks}, true
}

// sheet is the printed part of the roll since the last cut, one byte a dot
// (0 printed, 0xFF blank).
type sheet struct {
	w, h int
	pix  []byte
}

// grow adds n blank rows and returns the first. A page stops growing at
// maxPageRows; what would go beyond is clipped.
func (p *sheet) grow(n int) int {
	y := p.h
	n = max(0, min(n, maxPageRows-p.h))
	if p.pix == nil {
		p.pix = make([]byte, 0, 2048*p.w) // a long receipt without growing
	}
	k := len(p.pix)
	p.pix = append(p.pix, make([]byte, n*p.w)...)
	for i := k; i < len(p.pix); i++ {
		p.pix[i] = 0xFF
	}
	p.h += n
	return y
}

// fill prints a w×h block at x, y, clipped to the paper.
func (p *sheet) fill(x, y, w, h int) {
	for yy := max(y, 0); yy < min(y+h, p.h); yy++ {
		for xx := max(x, 0); xx < min(x+w, p.w); xx++ {
			p.pix[yy*p.w+xx] = 0
		}
	}
}
