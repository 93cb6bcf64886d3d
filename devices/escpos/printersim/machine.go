package printersim

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
	maxBuffer      = 8 << 20 // receive buffer bound; a host ignoring XOFF loses data beyond it
	maxCommand     = 1 << 20 // longest command accepted (raster, stored QR data)
	maxPageRows    = 1 << 14 // 2 m of paper between two cuts
)

// machine is the printer without its port: the receive buffer, the command
// interpreter, the paper and the conditions a status reply reports. It is not
// safe for concurrent use.
type machine struct {
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

	page     paper
	text     strings.Builder
	receipts []receipt
	roll     int // dots of paper left; negative: endless

	// Conditions.
	offline, cover, paperEnd, nearEnd, cutter, held bool

	in []byte // received, not yet interpreted

	// Line state: real-time command window, flow control, ASB.
	rt         [3]byte
	rtN        int
	seen       bool // the host sent something on this connection
	lastAccept bool // what the host was last told by XON/XOFF
	xoff       bool
	asb        bool
	asbDue     bool
	lastASB    escpos.Cond

	stats Stats
}

type cell struct {
	r    rune
	bold bool
	w, h int
}

type receipt struct {
	img  *image.Gray
	text string
}

// Stats counts what the simulator received.
type Stats struct {
	Received  int // bytes
	Queries   int // DLE EOT n answered (or not, when silent)
	WhileXOFF int // data bytes received after XOFF was sent and before XON
	Cuts      int
}

func newMachine(dots int, log *slog.Logger) *machine {
	m := &machine{dots: dots, log: log, roll: -1, lastAccept: true}
	m.page.w = dots
	m.reset()
	return m
}

// reset is ESC @: modes back to their defaults, the line buffer emptied.
func (m *machine) reset() {
	m.bold, m.w, m.h, m.align = false, 1, 1, escpos.AlignLeft
	m.codePage, m.spacing = 0, defaultSpacing
	m.barH, m.barW, m.hri = 162, 3, 0
	m.qrSize, m.qrEC, m.qrData = 3, 48, nil
	m.line, m.lineW = nil, 0
}

// newConnection forgets the line state of the previous connection.
func (m *machine) newConnection() {
	m.rtN, m.seen, m.lastAccept, m.xoff = 0, false, true, false
}

func (m *machine) online() bool { return !m.offline && !m.cover && !m.paperEnd && !m.cutter }

// accepting reports whether received data is being printed.
func (m *machine) accepting() bool { return m.online() && !m.held }

func (m *machine) cond() escpos.Cond {
	var c escpos.Cond
	if !m.online() {
		c |= escpos.CondOffline
	}
	if m.cover {
		c |= escpos.CondCoverOpen
	}
	if m.paperEnd {
		c |= escpos.CondPaperEnd | escpos.CondPaperEndStop | escpos.CondNearEnd
	}
	if m.nearEnd {
		c |= escpos.CondNearEnd
	}
	if m.cutter {
		c |= escpos.CondError | escpos.CondCutter | escpos.CondWaitingRecovery
	}
	return c
}

// receive takes bytes from the host and returns what the printer sends back.
// Real-time commands (DLE EOT n, DLE ENQ n) act as they arrive, even while
// offline and even inside raster data, as on Epson printers; the rest is
// interpreted while the printer is online.
func (m *machine) receive(p []byte) []byte {
	var out []byte
	if len(p) > 0 && !m.seen {
		m.seen = true
		out = m.sync(out)
	}
	m.stats.Received += len(p)
	if m.xoff {
		m.stats.WhileXOFF += len(p)
	}
	start := 0 // p[start:] is not buffered yet
	for i, b := range p {
		m.rt[0], m.rt[1], m.rt[2] = m.rt[1], m.rt[2], b
		m.rtN = min(m.rtN+1, 3)
		if m.rtN < 3 || m.rt[0] != escpos.DLE {
			continue
		}
		n := m.rt[2]
		switch {
		case m.rt[1] == escpos.EOT && n >= 1 && n <= 4:
			m.buffer(p[start : i+1])
			start = i + 1
			m.run() // answer for what came before
			out = m.sync(out)
			m.stats.Queries++
			if m.xoff {
				m.stats.WhileXOFF = max(0, m.stats.WhileXOFF-3)
			}
			out = append(out, escpos.StatusByte(n, m.cond()))
		case m.rt[1] == 0x05 && (n == 1 || n == 2): // DLE ENQ: recover (2: and clear the buffer)
			m.buffer(p[start : i+1])
			start = i + 1
			m.cutter = false
			if n == 2 {
				m.in = nil
			}
		default:
			continue
		}
		m.rtN = 0
	}
	m.buffer(p[start:])
	m.run()
	return m.sync(out)
}

// buffer queues received bytes for the interpreter, up to maxBuffer.
func (m *machine) buffer(p []byte) {
	m.in = append(m.in, p[:min(len(p), max(0, maxBuffer-len(m.in)))]...)
}

// sync reports changes to the host: XOFF when the printer stops taking data,
// XON when it takes data again, an ASB block when enabled and the conditions
// changed.
func (m *machine) sync(out []byte) []byte {
	if m.seen {
		if acc := m.accepting(); acc != m.lastAccept {
			m.lastAccept, m.xoff = acc, !acc
			if acc {
				out = append(out, escpos.XON)
			} else {
				out = append(out, escpos.XOFF)
			}
		}
	}
	if c := m.cond(); m.asb && (m.asbDue || c != m.lastASB) {
		m.asbDue, m.lastASB = false, c
		a := escpos.ASB(c)
		out = append(out, a[:]...)
	}
	return out
}

// run interprets the buffered commands while the printer is online.
func (m *machine) run() {
	for len(m.in) > 0 && m.accepting() {
		n, ok := m.step(m.in)
		if !ok {
			if len(m.in) > maxCommand {
				m.log.Warn("printersim: command too long, dropped", "byte", m.in[0])
				n = 1
			} else {
				break
			}
		}
		m.in = m.in[n:]
	}
	if len(m.in) == 0 {
		m.in = nil
	}
}

// step interprets the command at the start of p and returns its length, or
// false when p holds only part of it.
func (m *machine) step(p []byte) (int, bool) {
	need := func(n int) bool { return n <= len(p) }
	b := p[0]
	switch {
	case b == escpos.LF:
		m.printLine()
		return 1, true
	case b == '\t':
		m.addChar(' ')
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
		return m.esc(p)
	case b == escpos.GS:
		return m.gs(p)
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
		if m.codePage == escpos.CodePageCP858 {
			r = escpos.DecodeCP858(b)
		}
	}
	m.addChar(r)
	return 1, true
}

func (m *machine) esc(p []byte) (int, bool) {
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
		m.reset()
		return 2, true
	case '2':
		m.spacing = defaultSpacing
		return 2, true
	case 'i', 'm': // old partial cut
		m.cut()
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
		m.codePage = n
	case 'E':
		m.bold = n&1 == 1
	case 'a':
		if n >= '0' {
			n -= '0'
		}
		m.align = escpos.Align(min(n, 2))
	case '!':
		m.bold = n&0x08 != 0
		m.h = 1 + int(n>>4&1)
		m.w = 1 + int(n>>5&1)
	case 'd':
		m.flushLine()
		m.feed(int(n) * m.spacing)
	case 'J':
		m.flushLine()
		m.feed(int(n))
	case '3':
		m.spacing = int(n)
	case 'c', '$', '\\', 'B':
		return 4, len(p) >= 4
	case 'p':
		return 5, len(p) >= 5
	}
	return 3, true
}

func (m *machine) gs(p []byte) (int, bool) {
	if len(p) < 3 {
		if len(p) == 2 && p[1] == ':' {
			return 2, true
		}
		return 0, false
	}
	n := p[2]
	switch p[1] {
	case '!':
		m.w, m.h = 1+int(n>>4&7), 1+int(n&7)
	case 'h':
		m.barH = max(int(n), 1)
	case 'w':
		m.barW = max(int(n), 1)
	case 'H':
		m.hri = n & 3
	case 'a':
		m.asb = n != 0
		m.asbDue = m.asb
	case 'V':
		l := 3
		switch n {
		case 65, 66, 97, 98, 103, 104:
			l = 4
		}
		if len(p) < l {
			return 0, false
		}
		m.cut()
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
		m.raster(p[8:l], xb, yb, p[3])
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
			m.placeholder(fmt.Sprintf("barcode %d", n))
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
			m.code128(p[4:l])
		} else {
			m.placeholder(fmt.Sprintf("barcode %d", n))
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
			m.symbol(p[5:l])
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
func (m *machine) addChar(r rune) {
	cw := cellW * m.w
	if m.lineW+cw > m.dots && len(m.line) > 0 {
		m.printLine()
	}
	m.line = append(m.line, cell{r: r, bold: m.bold, w: m.w, h: m.h})
	m.lineW += cw
}

// flushLine prints a pending line.
func (m *machine) flushLine() {
	if len(m.line) > 0 {
		m.printLine()
	}
}

// offset is where something w dots wide starts under the current justification.
func (m *machine) offset(w int) int {
	switch m.align {
	case escpos.AlignCenter:
		return max(0, (m.dots-w)/2)
	case escpos.AlignRight:
		return max(0, m.dots-w)
	}
	return 0
}

// printLine prints the line buffer (LF) and feeds one line.
func (m *machine) printLine() {
	if len(m.line) == 0 {
		m.feed(m.spacing)
		m.text.WriteByte('\n')
		return
	}
	height := 0
	for _, c := range m.line {
		height = max(height, cellH*c.h)
	}
	adv := max(m.spacing, height+defaultSpacing-cellH)
	y0 := m.page.grow(adv)
	x := m.offset(m.lineW)
	for _, c := range m.line {
		g := glyphFor(c.r, c.bold)
		top := y0 + height - cellH*c.h
		for gy := range cellH {
			for gx := range cellW {
				if g[gy][gx] {
					m.page.fill(x+gx*c.w, top+gy*c.h, c.w, c.h)
				}
			}
		}
		x += cellW * c.w
		m.text.WriteRune(c.r)
	}
	m.text.WriteByte('\n')
	m.line, m.lineW = nil, 0
	m.consume(adv)
}

func (m *machine) feed(dots int) {
	if dots <= 0 {
		return
	}
	m.page.grow(dots)
	m.consume(dots)
}

// consume takes dots of paper off the roll; the printer stops at its end.
func (m *machine) consume(dots int) {
	if m.roll < 0 {
		return
	}
	m.roll = max(0, m.roll-dots)
	if m.roll == 0 {
		m.paperEnd = true
	}
}

// raster prints GS v 0 data: xb bytes by yb rows, MSB leftmost; mode bit 0
// doubles the width, bit 1 the height.
func (m *machine) raster(data []byte, xb, yb int, mode byte) {
	m.flushLine()
	sx, sy := 1+int(mode&1), 1+int(mode>>1&1)
	w := xb * 8 * sx
	y0 := m.page.grow(yb * sy)
	x0 := m.offset(w)
	for y := range yb {
		for xbyte, bits := range data[y*xb : (y+1)*xb] {
			for bit := 0; bits != 0; bit++ {
				if bits&0x80 != 0 {
					m.page.fill(x0+(xbyte*8+bit)*sx, y0+y*sy, sx, sy)
				}
				bits <<= 1
			}
		}
	}
	m.consume(yb * sy)
}

// code128 prints GS k 73: the content decoded from its {A/{B/{C code-set
// form, drawn with boombuler/barcode at GS w dots per module and GS h high.
func (m *machine) code128(p []byte) {
	content, err := code128Content(p)
	if err == nil {
		var code barcode.Barcode
		if code, err = code128.Encode(content); err == nil {
			m.flushLine()
			m.bars(code, content)
			return
		}
	}
	m.log.Warn("printersim: code128 not printed", "err", err)
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

func (m *machine) bars(code barcode.Barcode, hri string) {
	mods := code.Bounds().Dx()
	w := mods * m.barW
	if w > m.dots {
		m.log.Warn("printersim: barcode wider than the paper, not printed", "modules", mods, "dots", w)
		return
	}
	if m.hri&1 != 0 {
		m.hriLine(hri)
	}
	y0 := m.page.grow(m.barH)
	x0 := m.offset(w)
	for x := range mods {
		r, _, _, _ := code.At(code.Bounds().Min.X+x, code.Bounds().Min.Y).RGBA()
		if r < 0x8000 {
			m.page.fill(x0+x*m.barW, y0, m.barW, m.barH)
		}
	}
	m.consume(m.barH)
	if m.hri&2 != 0 {
		m.hriLine(hri)
	}
}

func (m *machine) hriLine(s string) {
	saved, savedW, savedH, bold := m.line, m.w, m.h, m.bold
	m.line, m.lineW, m.w, m.h, m.bold = nil, 0, 1, 1, false
	for _, r := range s {
		m.addChar(r)
	}
	m.printLine()
	m.line, m.w, m.h, m.bold = saved, savedW, savedH, bold
	for _, c := range m.line {
		m.lineW += cellW * c.w
	}
}

// symbol handles GS ( k: cn 49 is QR (65 model, 67 module size, 69 error
// correction, 80 store, 81 print); other symbols print as a placeholder.
func (m *machine) symbol(p []byte) {
	if len(p) < 2 {
		return
	}
	cn, fn := p[0], p[1]
	if cn != 49 {
		if fn == 81 {
			m.placeholder(fmt.Sprintf("2-D symbol %d", cn))
		}
		return
	}
	switch fn {
	case 67:
		if len(p) >= 3 {
			m.qrSize = max(1, min(int(p[2]), 16))
		}
	case 69:
		if len(p) >= 3 {
			m.qrEC = p[2]
		}
	case 80:
		if len(p) >= 3 {
			m.qrData = append([]byte(nil), p[3:]...)
		}
	case 81:
		m.flushLine()
		m.qr()
	}
}

func (m *machine) qr() {
	level := map[byte]qr.ErrorCorrectionLevel{48: qr.L, 49: qr.M, 50: qr.Q, 51: qr.H}[m.qrEC]
	code, err := qr.Encode(string(m.qrData), level, qr.Auto)
	if err != nil || len(m.qrData) == 0 {
		m.log.Warn("printersim: QR not printed", "err", err)
		return
	}
	n := code.Bounds().Dx()
	w := n * m.qrSize
	if w > m.dots {
		m.log.Warn("printersim: QR wider than the paper, not printed", "modules", n)
		return
	}
	y0 := m.page.grow(w)
	x0 := m.offset(w)
	for y := range n {
		for x := range n {
			r, _, _, _ := code.At(x, y).RGBA()
			if r < 0x8000 {
				m.page.fill(x0+x*m.qrSize, y0+y*m.qrSize, m.qrSize, m.qrSize)
			}
		}
	}
	m.consume(w)
}

// placeholder draws a framed box for a symbol the simulator does not draw.
func (m *machine) placeholder(what string) {
	m.flushLine()
	const h = 60
	w := m.dots * 2 / 3
	y0 := m.page.grow(h)
	x0 := m.offset(w)
	for x := x0; x < x0+w; x++ {
		m.page.fill(x, y0, 1, 2)
		m.page.fill(x, y0+h-2, 1, 2)
	}
	m.page.fill(x0, y0, 2, h)
	m.page.fill(x0+w-2, y0, 2, h)
	m.consume(h)
	fmt.Fprintf(&m.text, "[%s]\n", what)
}

// cut prints what is pending and ends the receipt.
func (m *machine) cut() {
	m.flushLine()
	m.stats.Cuts++
	if r, ok := m.takePage(); ok {
		m.receipts = append(m.receipts, r)
	}
}

// takePage returns the paper printed since the last cut as an image.
func (m *machine) takePage() (receipt, bool) {
	defer func() {
		m.page.h, m.page.pix = 0, nil
		m.text.Reset()
	}()
	if m.page.h == 0 {
		return receipt{}, false
	}
	img := image.NewGray(image.Rect(0, 0, m.page.w, m.page.h+2*margin))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	copy(img.Pix[margin*img.Stride:], m.page.pix)
	return receipt{img: img, text: m.text.String()}, true
}

// paper is the printed part of the roll since the last cut, one byte a dot
// (0 printed, 0xFF blank).
type paper struct {
	w, h int
	pix  []byte
}

// grow adds n blank rows and returns the first. A page stops growing at
// maxPageRows; what would go beyond is clipped.
func (p *paper) grow(n int) int {
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
func (p *paper) fill(x, y, w, h int) {
	for yy := max(y, 0); yy < min(y+h, p.h); yy++ {
		for xx := max(x, 0); xx < min(x+w, p.w); xx++ {
			p.pix[yy*p.w+xx] = 0
		}
	}
}
