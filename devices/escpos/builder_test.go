package escpos

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"testing"

	"github.com/boombuler/barcode/code128"
)

func TestCommands(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    *Builder
		want []byte
	}{
		{"Init", new(Builder).Init(), []byte{0x1B, 0x40}},
		{"CodePage", new(Builder).CodePage(), []byte{0x1B, 0x74, 19}},
		{"Bold(true)", new(Builder).Bold(true), []byte{0x1B, 0x45, 1}},
		{"Bold(false)", new(Builder).Bold(false), []byte{0x1B, 0x45, 0}},
		{"Size(2,2)", new(Builder).Size(2, 2), []byte{0x1D, 0x21, 0x11}},
		{"Size(1,3)", new(Builder).Size(1, 3), []byte{0x1D, 0x21, 0x02}},
		{"Size(9,0) clamped", new(Builder).Size(9, 0), []byte{0x1D, 0x21, 0x70}},
		{"DoubleSize(true)", new(Builder).DoubleSize(true), []byte{0x1D, 0x21, 0x11}},
		{"DoubleSize(false)", new(Builder).DoubleSize(false), []byte{0x1D, 0x21, 0x00}},
		{"Align(left)", new(Builder).Align(AlignLeft), []byte{0x1B, 0x61, 0}},
		{"Align(center)", new(Builder).Align(AlignCenter), []byte{0x1B, 0x61, 1}},
		{"Align(right)", new(Builder).Align(AlignRight), []byte{0x1B, 0x61, 2}},
		{"Text ASCII", new(Builder).Text("Total 1.99"), []byte("Total 1.99")},
		{"Line umlauts and euro", new(Builder).Line("Grüße 5€"), []byte{'G', 'r', 0x81, 0xE1, 'e', ' ', '5', 0xD5, 0x0A}},
		{"Text control bytes", new(Builder).Text("a\x1b@b\x00\x7f\x10\x04\x01c"), []byte("a?@b?????c")},
		{"Text keeps LF", new(Builder).Text("a\nb"), []byte("a\nb")},
		{"Text unknown rune", new(Builder).Text("中ł😀"), []byte("???")},
		{"Text invalid UTF-8", new(Builder).Text("a\xffb"), []byte("a?b")},
		{"Text typographic quotes", new(Builder).Text("Kellogg’s „Frühstück“ – 2"), append([]byte("Kellogg's \"Fr"), 0x81, 'h', 's', 't', 0x81, 'c', 'k', '"', ' ', '-', ' ', '2')},
		{"Feed(3)", new(Builder).Feed(3), []byte{0x1B, 0x64, 3}},
		{"Feed(300) clamped", new(Builder).Feed(300), []byte{0x1B, 0x64, 255}},
		{"Cut(partial)", new(Builder).Cut(true), []byte{0x1D, 0x56, 66, 0}},
		{"Cut(full)", new(Builder).Cut(false), []byte{0x1D, 0x56, 65, 0}},
		{"Raw", new(Builder).Raw(1, 2, 3), []byte{1, 2, 3}},
		{"NativeCode128 set C", new(Builder).NativeCode128("12345678", 2),
			[]byte{0x1D, 0x68, 80, 0x1D, 0x77, 2, 0x1D, 0x48, 0, 0x1D, 0x6B, 73, 6, '{', 'C', 12, 34, 56, 78}},
		{"NativeCode128 odd digits set B", new(Builder).NativeCode128("123", 9),
			[]byte{0x1D, 0x68, 80, 0x1D, 0x77, 6, 0x1D, 0x48, 0, 0x1D, 0x6B, 73, 5, '{', 'B', '1', '2', '3'}},
		{"NativeCode128 brace and umlaut", new(Builder).NativeCode128("A{ü", 1),
			[]byte{0x1D, 0x68, 80, 0x1D, 0x77, 2, 0x1D, 0x48, 0, 0x1D, 0x6B, 73, 6, '{', 'B', 'A', '{', '{', '?'}},
		{"NativeQR", new(Builder).NativeQR("hi", 4), []byte{
			0x1D, 0x28, 0x6B, 4, 0, 49, 65, 50, 0,
			0x1D, 0x28, 0x6B, 3, 0, 49, 67, 4,
			0x1D, 0x28, 0x6B, 3, 0, 49, 69, 49,
			0x1D, 0x28, 0x6B, 5, 0, 49, 80, 48, 'h', 'i',
			0x1D, 0x28, 0x6B, 3, 0, 49, 81, 48}},
		{"chained", new(Builder).Init().Align(AlignCenter).Bold(true).Line("X").Cut(true),
			[]byte{0x1B, 0x40, 0x1B, 0x61, 1, 0x1B, 0x45, 1, 'X', 0x0A, 0x1D, 0x56, 66, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.b.Err(); err != nil {
				t.Fatal(err)
			}
			if got := tc.b.Bytes(); !bytes.Equal(got, tc.want) {
				t.Errorf("got  % x\nwant % x", got, tc.want)
			}
		})
	}
}

func TestCP858(t *testing.T) {
	want := map[rune]byte{
		'ä': 0x84, 'ö': 0x94, 'ü': 0x81, 'Ä': 0x8E, 'Ö': 0x99, 'Ü': 0x9A, 'ß': 0xE1,
		'é': 0x82, 'è': 0x8A, 'á': 0xA0, 'í': 0xA1, 'ó': 0xA2, 'ú': 0xA3, 'ñ': 0xA4,
		'Ñ': 0xA5, '¿': 0xA8, '¡': 0xAD, '€': 0xD5, 'ç': 0x87, 'Ç': 0x80, '£': 0x9C,
		'°': 0xF8, '½': 0xAB, 'µ': 0xE6, '×': 0x9E, '\u00a0': 0xFF,
	}
	for r, b := range want {
		if got := EncodeCP858(nil, string(r)); len(got) != 1 || got[0] != b {
			t.Errorf("%q → % x, want %02x", r, got, b)
		}
		if got := DecodeCP858(b); got != r {
			t.Errorf("%02x → %q, want %q", b, got, r)
		}
	}
	for b := 0x20; b < 0x100; b++ {
		if b == 0x7F {
			continue
		}
		r := DecodeCP858(byte(b))
		if got := EncodeCP858(nil, string(r)); len(got) != 1 || got[0] != byte(b) {
			t.Errorf("%02x (%q) round-trips to % x", b, r, got)
		}
	}
	if got := EncodeCP858(nil, "ı"); string(got) != "?" { // CP850's 0xD5, replaced by € in 858
		t.Errorf("dotless i → % x", got)
	}
}

func TestRasterBands(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 10, 300))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	img.SetGray(0, 0, color.Gray{0})   // MSB of byte 0, row 0
	img.SetGray(9, 0, color.Gray{0})   // bit 6 of byte 1
	img.SetGray(8, 299, color.Gray{0}) // MSB of byte 1, last row
	got := new(Builder).Raster(img).Bytes()
	var want []byte
	want = append(want, 0x1D, 0x76, 0x30, 0, 2, 0, 255, 0)
	band1 := make([]byte, 2*255)
	band1[0], band1[1] = 0x80, 0x40
	want = append(want, band1...)
	want = append(want, 0x1D, 0x76, 0x30, 0, 2, 0, 45, 0)
	band2 := make([]byte, 2*45)
	band2[2*44+1] = 0x80
	want = append(want, band2...)
	if !bytes.Equal(got, want) {
		t.Fatalf("raster differs: len %d want %d", len(got), len(want))
	}
}

func TestRasterThreshold(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    color.Color
		dark bool
	}{
		{"black", color.Black, true},
		{"white", color.White, false},
		{"grey 0x7f", color.Gray{0x7F}, true},
		{"grey 0x80", color.Gray{0x80}, false},
		{"transparent", color.NRGBA{0, 0, 0, 0}, false},
		{"half-transparent black", color.NRGBA{0, 0, 0, 0x60}, false},
		{"opaque red", color.NRGBA{0xFF, 0, 0, 0xFF}, true},
		{"opaque yellow", color.NRGBA{0xFF, 0xFF, 0, 0xFF}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
			img.Set(0, 0, tc.c)
			got := new(Builder).Raster(img).Bytes()
			want := []byte{0x1D, 0x76, 0x30, 0, 1, 0, 1, 0, 0}
			if tc.dark {
				want[8] = 0x80
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got % x want % x", got, want)
			}
		})
	}
}

// rasterRows decodes a stream of GS v 0 bands back into rows of dots.
func rasterRows(t *testing.T, p []byte) [][]bool {
	t.Helper()
	var rows [][]bool
	for len(p) > 0 {
		if len(p) < 8 || p[0] != 0x1D || p[1] != 'v' || p[2] != '0' || p[3] != 0 {
			t.Fatalf("not a raster band: % x", p[:min(8, len(p))])
		}
		xb, yb := int(p[4])|int(p[5])<<8, int(p[6])|int(p[7])<<8
		if yb > 255 {
			t.Fatalf("band of %d rows", yb)
		}
		data := p[8 : 8+xb*yb]
		for y := range yb {
			row := make([]bool, xb*8)
			for x := range row {
				row[x] = data[y*xb+x/8]&(0x80>>(x%8)) != 0
			}
			rows = append(rows, row)
		}
		p = p[8+xb*yb:]
	}
	return rows
}

// runs returns the lengths of equal dots in row.
func runs(row []bool) []int {
	var r []int
	for i := 0; i < len(row); {
		j := i
		for j < len(row) && row[j] == row[i] {
			j++
		}
		r = append(r, j-i)
		i = j
	}
	return r
}

func TestCode128Raster(t *testing.T) {
	const id = "20260305001234"
	code, err := code128.Encode(id)
	if err != nil {
		t.Fatal(err)
	}
	modules := code.Bounds().Dx()
	if m, _ := Code128Modules(id); m != modules+2*Code128Quiet {
		t.Fatalf("Code128Modules = %d, want %d", m, modules+2*Code128Quiet)
	}
	for _, tc := range []struct {
		dots, dpm int
	}{{384, 2}, {576, 4}, {576, 1}, {0, 3}} {
		b := NewBuilder(tc.dots).Code128Raster(id, tc.dpm)
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		rows := rasterRows(t, b.Bytes())
		if len(rows) != BarHeight {
			t.Fatalf("%d rows", len(rows))
		}
		width := (modules + 2*Code128Quiet) * tc.dpm
		if tc.dots > 0 && len(rows[0]) != tc.dots || tc.dots == 0 && len(rows[0]) != (width+7)/8*8 {
			t.Fatalf("dots %d: row of %d dots", tc.dots, len(rows[0]))
		}
		r := runs(rows[0])
		left, right := r[0], r[len(r)-1]
		if left < Code128Quiet*tc.dpm || right < Code128Quiet*tc.dpm {
			t.Errorf("dots %d dpm %d: quiet zones %d and %d", tc.dots, tc.dpm, left, right)
		}
		if tc.dots > 0 && (left-right > 1 || right-left > 1) {
			t.Errorf("dots %d dpm %d: not centred: %d left, %d right", tc.dots, tc.dpm, left, right)
		}
		sum := 0
		for i, n := range r[1 : len(r)-1] {
			if n%tc.dpm != 0 || n/tc.dpm > 4 {
				t.Fatalf("dots %d dpm %d: bar %d is %d dots", tc.dots, tc.dpm, i, n)
			}
			sum += n
		}
		if sum != modules*tc.dpm {
			t.Errorf("bars span %d dots, want %d", sum, modules*tc.dpm)
		}
		// The bars are the code's modules, each dpm dots wide.
		for m := range modules {
			dark := code.At(m, 0) == code.At(0, 0) // the first module is a bar
			if rows[0][left+m*tc.dpm] != dark {
				t.Fatalf("module %d differs", m)
			}
		}
		for _, row := range rows[1:] {
			if !equalRows(row, rows[0]) {
				t.Fatal("rows differ")
			}
		}
	}
	if err := NewBuilder(384).Code128Raster(id, 3).Err(); !errors.Is(err, ErrTooWide) {
		t.Errorf("3 dots/module on 58 mm: %v", err)
	}
	if err := NewBuilder(384).Code128Raster("ü", 1).Err(); err == nil {
		t.Error("non-ASCII Code 128 accepted")
	}
}

func equalRows(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestQRRaster(t *testing.T) {
	const url = "https://r.example.com/r/20260305001234"
	m, err := QRModules(url)
	if err != nil {
		t.Fatal(err)
	}
	for _, dpm := range []int{1, 3, 6} {
		b := NewBuilder(576).QRRaster(url, dpm)
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		rows := rasterRows(t, b.Bytes())
		if len(rows) != m*dpm {
			t.Fatalf("dpm %d: %d rows, want %d", dpm, len(rows), m*dpm)
		}
		// Finder pattern: 7 modules dark from the quiet zone on, top left.
		y := QRQuiet * dpm
		r := runs(rows[y])
		left := r[0]
		if r[1] != 7*dpm {
			t.Errorf("dpm %d: finder run %d dots", dpm, r[1])
		}
		if got := (576 - m*dpm) / 2; left != got+QRQuiet*dpm {
			t.Errorf("dpm %d: starts at %d, want %d", dpm, left, got+QRQuiet*dpm)
		}
		for i := 0; i < len(rows); i += dpm {
			for j := 1; j < dpm; j++ {
				if !equalRows(rows[i], rows[i+j]) {
					t.Fatalf("dpm %d: module row %d not %d dots high", dpm, i/dpm, dpm)
				}
			}
		}
	}
	if err := NewBuilder(100).QRRaster(url, 6).Err(); !errors.Is(err, ErrTooWide) {
		t.Errorf("too wide QR: %v", err)
	}
}

func TestNativeCode128Modules(t *testing.T) {
	for _, id := range []string{"12345678", "20260305001234", "ABC-42"} {
		code, err := code128.Encode(id)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := NativeCode128Modules(id), code.Bounds().Dx()+2*Code128Quiet; got != want {
			t.Errorf("%s: %d modules, boombuler draws %d", id, got, want)
		}
	}
}
