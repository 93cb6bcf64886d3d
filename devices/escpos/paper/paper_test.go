package paper

import (
	"image"
	"strings"
	"testing"

	"github.com/boombuler/barcode/code128"

	"github.com/kiosk-sco/kiosk/devices/escpos"
)

// inked returns the bounding box of the printed dots.
func inked(img *image.Gray) image.Rectangle {
	r := image.Rectangle{Min: img.Rect.Max, Max: img.Rect.Min}
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			if img.GrayAt(x, y).Y == 0 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

func TestTextModes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(b *escpos.Builder)
		text  string
		check func(t *testing.T, box image.Rectangle)
	}{
		{"left", func(b *escpos.Builder) { b.Line("Grüße 5€") }, "Grüße 5€\n", func(t *testing.T, box image.Rectangle) {
			if box.Min.X > 2 || box.Max.X > 8*cellW {
				t.Errorf("box %v", box)
			}
		}},
		{"centre", func(b *escpos.Builder) { b.Align(escpos.AlignCenter).Line("ABCD") }, "ABCD\n", func(t *testing.T, box image.Rectangle) {
			if box.Min.X < (384-4*cellW)/2 || box.Max.X > (384+4*cellW)/2 {
				t.Errorf("box %v not centred", box)
			}
		}},
		{"right", func(b *escpos.Builder) { b.Align(escpos.AlignRight).Line("AB") }, "AB\n", func(t *testing.T, box image.Rectangle) {
			if box.Min.X < 384-2*cellW || box.Max.X > 384 {
				t.Errorf("box %v not flush right", box)
			}
		}},
		{"double size", func(b *escpos.Builder) { b.DoubleSize(true).Line("MM") }, "MM\n", func(t *testing.T, box image.Rectangle) {
			if box.Dx() < 3*cellW || box.Dy() < cellH {
				t.Errorf("box %v not double", box)
			}
		}},
		{"wraps at the paper edge", func(b *escpos.Builder) { b.Line(strings.Repeat("x", 40)) }, strings.Repeat("x", 32) + "\n" + strings.Repeat("x", 8) + "\n", nil},
		{"code page 0 prints ? for high bytes", func(b *escpos.Builder) { b.Raw(escpos.ESC, 't', 0).Line("ä") }, "?\n", nil},
		{"unknown commands skipped", func(b *escpos.Builder) {
			b.Raw(escpos.ESC, '-', 1, escpos.GS, 'B', 1, escpos.ESC, 'p', 0, 25, 250, 0x1C, '.', escpos.GS, 'L', 0, 0).Line("ok")
		}, "ok\n", nil},
		{"native QR", func(b *escpos.Builder) { b.NativeQR("https://x.example/1", 4) }, "", func(t *testing.T, box image.Rectangle) {
			if box.Dx() != box.Dy() || box.Dx()%4 != 0 {
				t.Errorf("QR box %v", box)
			}
		}},
		{"native Code 128", func(b *escpos.Builder) { b.Align(escpos.AlignCenter).NativeCode128("12345678", 2) }, "", func(t *testing.T, box image.Rectangle) {
			code, _ := code128.Encode("12345678")
			w := code.Bounds().Dx() * 2 // starts and ends with a bar
			if box.Dy() != escpos.BarHeight || box.Dx() != w || box.Min.X != (384-w)/2 {
				t.Errorf("barcode box %v, want %d wide, centred", box, w)
			}
		}},
		{"other barcode is a placeholder", func(b *escpos.Builder) { b.Raw(escpos.GS, 'k', 2).Raw([]byte("4006381333931")...).Raw(0) }, "[barcode 2]\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := escpos.NewBuilder(384).Init().CodePage()
			tc.build(b)
			b.Cut(true)
			rs := Render(384, b.Bytes())
			if len(rs) != 1 {
				t.Fatalf("%d receipts", len(rs))
			}
			if got := rs[0].Text; got != tc.text {
				t.Errorf("text %q, want %q", got, tc.text)
			}
			if tc.check != nil {
				tc.check(t, inked(rs[0].Image))
			}
		})
	}
}

func TestCode128Content(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want string
		ok   bool
	}{
		{[]byte{'{', 'C', 12, 34, 0}, "123400", true},
		{[]byte("{BAB{{C"), "AB{C", true},
		{[]byte{'{', 'C', 12, '{', 'B', 'x'}, "12x", true},
		{[]byte{'{', 'C', 100}, "", false},
		{[]byte("AB"), "", false},
		{[]byte("{B"), "", false},
	} {
		got, err := code128Content(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("% x: %q, %v", tc.in, got, err)
		}
	}
}

func TestMarks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(b *escpos.Builder)
		want  []Mark
	}{
		{"native Code 128 centred", func(b *escpos.Builder) { b.Align(escpos.AlignCenter).NativeCode128("12345678", 2) },
			[]Mark{{Kind: "code128", Data: "12345678", Box: image.Rect(113, 0, 271, escpos.BarHeight)}}}, // 79 modules × 2
		{"native Code 128 wider than the head is dropped", func(b *escpos.Builder) { b.NativeCode128("0001012611240001", 4) },
			[]Mark{{Kind: "code128", Data: "0001012611240001", Box: image.Rect(0, 0, 492, escpos.BarHeight), Dropped: true}}},
		{"native QR", func(b *escpos.Builder) { b.NativeQR("1", 4) },
			[]Mark{{Kind: "qr", Data: "1", Box: image.Rect(0, 0, 84, 84)}}}, // version 1: 21 modules
		{"raster: the inked dots", func(b *escpos.Builder) { b.Raw(escpos.GS, 'v', '0', 0, 2, 0, 1, 0, 0x01, 0x80) },
			[]Mark{{Kind: "raster", Box: image.Rect(7, 0, 9, 1)}}},
		{"blank raster is no mark", func(b *escpos.Builder) { b.Raw(escpos.GS, 'v', '0', 0, 2, 0, 1, 0, 0, 0) }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := escpos.NewBuilder(384).Init()
			tc.build(b)
			rs := Render(384, b.Feed(1).Bytes())
			if len(rs) != 1 {
				t.Fatalf("%d receipts", len(rs))
			}
			got := rs[0].Marks
			if len(got) != len(tc.want) {
				t.Fatalf("marks %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("mark %d: %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func FuzzRender(f *testing.F) {
	f.Add(escpos.NewBuilder(384).Init().CodePage().Line("Grüße").NativeCode128("1234", 2).NativeQR("x", 3).Cut(true).Bytes())
	f.Add([]byte{escpos.GS, 'v', '0', 0, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{escpos.ESC, 'd', 0xFF, escpos.ESC, '3', 0xFF, escpos.ESC, 'd', 0xFF, escpos.GS, '!', 0x77, 'W'})
	f.Add([]byte{escpos.GS, '(', 'k', 3, 0, 49, 81, 48, escpos.GS, 'k', 73, 2, '{', 'C'})
	f.Fuzz(func(t *testing.T, p []byte) {
		for _, r := range Render(384, p) {
			if b := r.Image.Bounds(); b.Dx() != 384 || b.Dy() > maxPageRows+2*margin {
				t.Fatalf("image %v", b)
			}
		}
	})
}
