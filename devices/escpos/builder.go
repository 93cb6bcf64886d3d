package escpos

import (
	"errors"
	"fmt"
	"image"
	"image/color"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"
)

// Control bytes of ESC/POS.
const (
	LF  = 0x0A
	ESC = 0x1B
	GS  = 0x1D
	DLE = 0x10
	EOT = 0x04
	XON = 0x11 // DC1
	// XOFF (DC3) asks the host to stop sending.
	XOFF = 0x13
)

// Align is a justification for ESC a.
type Align byte

const (
	AlignLeft   Align = 0
	AlignCenter Align = 1
	AlignRight  Align = 2
)

// Quiet zones drawn around raster barcodes, in modules.
const (
	Code128Quiet = 10
	QRQuiet      = 4
)

// BarHeight is the height of a Code128 in dots (10 mm at 203 dpi).
const BarHeight = 80

// ErrTooWide is reported by Builder.Err when a raster barcode does not fit Dots
// at the number of dots per module asked for.
var ErrTooWide = errors.New("escpos: barcode wider than the paper")

// Builder encodes ESC/POS commands. Its zero value is ready; every method
// appends to the stream and returns the Builder so calls chain. The first
// error (a barcode that cannot be encoded or does not fit) is kept for Err and
// the offending command is left out.
type Builder struct {
	// Dots is the printable width in dots: raster barcodes are centred in an
	// image this wide. Zero leaves them as wide as the code and its quiet zone.
	Dots int

	buf []byte
	err error
}

// NewBuilder returns a Builder for paper dots wide.
func NewBuilder(dots int) *Builder { return &Builder{Dots: dots} }

// Bytes returns the stream built so far; it aliases the Builder's buffer.
func (b *Builder) Bytes() []byte { return b.buf }

// Err returns the first error met, if any.
func (b *Builder) Err() error { return b.err }

func (b *Builder) fail(err error) *Builder {
	if b.err == nil {
		b.err = err
	}
	return b
}

// Raw appends bytes as they are.
func (b *Builder) Raw(p ...byte) *Builder {
	b.buf = append(b.buf, p...)
	return b
}

// Init resets the printer: ESC @.
func (b *Builder) Init() *Builder { return b.Raw(ESC, '@') }

// CodePage selects code page 858, the one Text encodes to: ESC t 19.
func (b *Builder) CodePage() *Builder { return b.Raw(ESC, 't', CodePageCP858) }

// Bold turns emphasis on or off: ESC E n.
func (b *Builder) Bold(on bool) *Builder { return b.Raw(ESC, 'E', bool01(on)) }

// Size sets the character size to w×h times normal, each 1–8 (clamped): GS ! n
// with n = (w−1)·16 + (h−1).
func (b *Builder) Size(w, h int) *Builder {
	w, h = clamp(w, 1, 8), clamp(h, 1, 8)
	return b.Raw(GS, '!', byte((w-1)<<4|(h-1)))
}

// DoubleSize switches between double width and height and normal size.
func (b *Builder) DoubleSize(on bool) *Builder {
	if on {
		return b.Size(2, 2)
	}
	return b.Size(1, 1)
}

// Align sets the justification of the following lines: ESC a n.
func (b *Builder) Align(a Align) *Builder { return b.Raw(ESC, 'a', byte(a)) }

// Text appends s in code page 858 (see EncodeCP858).
func (b *Builder) Text(s string) *Builder {
	b.buf = EncodeCP858(b.buf, s)
	return b
}

// Line appends s and a line feed.
func (b *Builder) Line(s string) *Builder { return b.Text(s).Raw(LF) }

// Feed prints the buffer and feeds n lines (0–255, clamped): ESC d n.
func (b *Builder) Feed(n int) *Builder { return b.Raw(ESC, 'd', byte(clamp(n, 0, 255))) }

// Cut feeds the paper to the cutter and cuts it, partly (a tab left) or fully:
// GS V 66 0 or GS V 65 0.
func (b *Builder) Cut(partial bool) *Builder {
	m := byte(65)
	if partial {
		m = 66
	}
	return b.Raw(GS, 'V', m, 0)
}

// Raster appends img as GS v 0 raster bit images in bands of at most 255 rows.
// A pixel is printed (bit 1) when it is darker than mid-grey after compositing
// on white paper; the most significant bit of a byte is the leftmost dot.
func (b *Builder) Raster(img image.Image) *Builder {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	if w <= 0 || h <= 0 {
		return b
	}
	xb := (w + 7) / 8
	if xb > 0xFFFF {
		return b.fail(fmt.Errorf("escpos: raster %d dots wide", w))
	}
	for y0 := 0; y0 < h; y0 += 255 {
		rows := min(255, h-y0)
		b.buf = append(b.buf, GS, 'v', '0', 0, byte(xb), byte(xb>>8), byte(rows), 0)
		for y := y0; y < y0+rows; y++ {
			row := len(b.buf)
			b.buf = append(b.buf, make([]byte, xb)...)
			for x := range w {
				if dark(img.At(r.Min.X+x, r.Min.Y+y)) {
					b.buf[row+x/8] |= 0x80 >> (x % 8)
				}
			}
		}
	}
	return b
}

// dark thresholds a colour composited over white at half intensity.
func dark(c color.Color) bool {
	r, g, bl, a := c.RGBA() // alpha-premultiplied, 0–0xFFFF
	white := 0xFFFF - a
	y := (299*(r+white) + 587*(g+white) + 114*(bl+white)) / 1000
	return y < 0x8000
}

// Code128Raster draws data as a Code 128 (boombuler/barcode picks sets B and
// C; a digit-only id is all set C) with dotsPerModule dots per module, a quiet
// zone of Code128Quiet modules on each side and BarHeight dots high, centred in
// Dots, and appends it as a raster. Only a whole number of dots per module
// gives even bars a reader accepts.
func (b *Builder) Code128Raster(data string, dotsPerModule int) *Builder {
	code, err := code128.Encode(data)
	if err != nil {
		return b.fail(fmt.Errorf("escpos: code128 %q: %w", data, err))
	}
	return b.barcodeRaster(code, Code128Quiet, dotsPerModule, BarHeight)
}

// QRRaster draws data as a QR code (error correction M) with dotsPerModule dots
// per module and a quiet zone of QRQuiet modules, centred in Dots, and appends
// it as a raster.
func (b *Builder) QRRaster(data string, dotsPerModule int) *Builder {
	code, err := qr.Encode(data, qr.M, qr.Auto)
	if err != nil {
		return b.fail(fmt.Errorf("escpos: qr %q: %w", data, err))
	}
	return b.barcodeRaster(code, QRQuiet, dotsPerModule, 0)
}

// Code128Modules is the width in modules of data as a Code 128, quiet zones
// included.
func Code128Modules(data string) (int, error) {
	code, err := code128.Encode(data)
	if err != nil {
		return 0, fmt.Errorf("escpos: code128 %q: %w", data, err)
	}
	return code.Bounds().Dx() + 2*Code128Quiet, nil
}

// QRModules is the width in modules of data as a QR code (error correction
// M), quiet zones included.
func QRModules(data string) (int, error) {
	code, err := qr.Encode(data, qr.M, qr.Auto)
	if err != nil {
		return 0, fmt.Errorf("escpos: qr %q: %w", data, err)
	}
	return code.Bounds().Dx() + 2*QRQuiet, nil
}

// barcodeRaster scales code by a whole dpm; height 0 keeps the code square
// (2-D codes), otherwise a 1-D code is stretched to height dots.
func (b *Builder) barcodeRaster(code barcode.Barcode, quiet, dpm, height int) *Builder {
	if dpm < 1 {
		return b.fail(fmt.Errorf("escpos: %d dots per module", dpm))
	}
	cb := code.Bounds()
	mw, mh := cb.Dx(), cb.Dy()
	w := (mw + 2*quiet) * dpm
	if b.Dots > 0 && w > b.Dots {
		return b.fail(fmt.Errorf("%w: %s %d modules at %d dots/module in %d dots", ErrTooWide, code.Metadata().CodeKind, mw+2*quiet, dpm, b.Dots))
	}
	h := (mh + 2*quiet) * dpm
	if height > 0 {
		h = height
	}
	iw := max(w, b.Dots)
	img := image.NewGray(image.Rect(0, 0, iw, h))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	x0 := (iw-w)/2 + quiet*dpm
	for y := range h {
		my := 0 // a 1-D code is one module high
		if height == 0 {
			my = y/dpm - quiet
			if my < 0 || my >= mh {
				continue
			}
		}
		for mx := range mw {
			if !dark(code.At(cb.Min.X+mx, cb.Min.Y+my)) {
				continue
			}
			off := y*img.Stride + x0 + mx*dpm
			for i := range dpm {
				img.Pix[off+i] = 0
			}
		}
	}
	return b.Raster(img)
}

// NativeCode128 asks the printer to draw data as a Code 128 itself: GS h
// BarHeight, GS w dotsPerModule (2–6), GS H 0 (no human-readable line), GS k 73
// n with data in set C ({C, digit pairs as values) when it is an even number of
// digits, else set B ({B, '{' doubled). Characters outside printable ASCII
// become '?'.
func (b *Builder) NativeCode128(data string, dotsPerModule int) *Builder {
	payload := code128Payload(data)
	if len(payload) > 255 {
		return b.fail(fmt.Errorf("escpos: code128 of %d bytes", len(payload)))
	}
	b.Raw(GS, 'h', BarHeight, GS, 'w', byte(clamp(dotsPerModule, 2, 6)), GS, 'H', 0)
	b.Raw(GS, 'k', 73, byte(len(payload)))
	return b.Raw(payload...)
}

func code128Payload(data string) []byte {
	if digits(data) && len(data)%2 == 0 && len(data) > 0 {
		p := []byte{'{', 'C'}
		for i := 0; i < len(data); i += 2 {
			p = append(p, (data[i]-'0')*10+data[i+1]-'0')
		}
		return p
	}
	p := []byte{'{', 'B'}
	for _, r := range data {
		switch {
		case r == '{':
			p = append(p, '{', '{')
		case r >= 0x20 && r < 0x7F:
			p = append(p, byte(r))
		default:
			p = append(p, '?')
		}
	}
	return p
}

// NativeCode128Modules is the width in modules, quiet zones included, of the
// Code 128 NativeCode128 asks for.
func NativeCode128Modules(data string) int {
	p := code128Payload(data)
	symbols := len(p) - 2
	if p[1] == 'B' {
		symbols -= countByte(p[2:], '{') / 2
	}
	// start, symbols, check: 11 modules each; stop: 13.
	return 11*(symbols+2) + 13 + 2*Code128Quiet
}

// NativeQR asks the printer to draw data as a QR code (model 2, error
// correction M) with moduleSize dots per module (1–16): GS ( k functions 65,
// 67, 69, 80 (store) and 81 (print).
func (b *Builder) NativeQR(data string, moduleSize int) *Builder {
	if len(data) == 0 || len(data)+3 > 0xFFFF {
		return b.fail(fmt.Errorf("escpos: qr of %d bytes", len(data)))
	}
	b.Raw(GS, '(', 'k', 4, 0, 49, 65, 50, 0)
	b.Raw(GS, '(', 'k', 3, 0, 49, 67, byte(clamp(moduleSize, 1, 16)))
	b.Raw(GS, '(', 'k', 3, 0, 49, 69, 49)
	n := len(data) + 3
	b.Raw(GS, '(', 'k', byte(n), byte(n>>8), 49, 80, 48)
	b.buf = append(b.buf, data...)
	return b.Raw(GS, '(', 'k', 3, 0, 49, 81, 48)
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func countByte(p []byte, c byte) int {
	n := 0
	for _, b := range p {
		if b == c {
			n++
		}
	}
	return n
}

func bool01(on bool) byte {
	if on {
		return 1
	}
	return 0
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }
