package printersim

import (
	"bytes"
	"image"
	"log/slog"
	"strings"
	"testing"

	"github.com/boombuler/barcode/code128"

	"github.com/kiosk-sco/kiosk/devices/escpos"
)

func newTestMachine(dots int) *machine {
	return newMachine(dots, slog.New(slog.DiscardHandler))
}

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
			m := newTestMachine(384)
			m.receive(b.Bytes())
			if len(m.receipts) != 1 {
				t.Fatalf("%d receipts", len(m.receipts))
			}
			if got := m.receipts[0].text; got != tc.text {
				t.Errorf("text %q, want %q", got, tc.text)
			}
			if tc.check != nil {
				tc.check(t, inked(m.receipts[0].img))
			}
		})
	}
}

func TestStatusReplies(t *testing.T) {
	q := func(n byte) []byte { return escpos.Query(n) }
	for _, tc := range []struct {
		name string
		set  func(m *machine)
		want [4]byte // replies to DLE EOT 1, 2, 3, 4
	}{
		{"ready", func(*machine) {}, [4]byte{0x12, 0x12, 0x12, 0x12}},
		{"offline", func(m *machine) { m.offline = true }, [4]byte{0x1A, 0x12, 0x12, 0x12}},
		{"cover", func(m *machine) { m.cover = true }, [4]byte{0x1A, 0x16, 0x12, 0x12}},
		{"paper end", func(m *machine) { m.paperEnd = true }, [4]byte{0x1A, 0x32, 0x12, 0x7E}},
		{"near end", func(m *machine) { m.nearEnd = true }, [4]byte{0x12, 0x12, 0x12, 0x1E}},
		{"cutter", func(m *machine) { m.cutter = true }, [4]byte{0x3A, 0x52, 0x1A, 0x12}},
		{"held buffer is still online", func(m *machine) { m.held = true }, [4]byte{0x12, 0x12, 0x12, 0x12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(576)
			m.receive([]byte{escpos.ESC, '@'})
			tc.set(m)
			var got []byte
			for n := byte(1); n <= 4; n++ {
				for _, b := range m.receive(q(n)) {
					if b != escpos.XON && b != escpos.XOFF {
						got = append(got, b)
					}
				}
			}
			if !bytes.Equal(got, tc.want[:]) {
				t.Errorf("replies % x, want % x", got, tc.want)
			}
		})
	}
}

func TestFlowControl(t *testing.T) {
	m := newTestMachine(576)
	if out := m.receive([]byte{escpos.ESC, '@'}); len(out) != 0 {
		t.Fatalf("sent % x", out)
	}
	m.offline = true
	if out := m.sync(nil); !bytes.Equal(out, []byte{escpos.XOFF}) {
		t.Fatalf("going offline sent % x", out)
	}
	m.receive(escpos.NewBuilder(576).Line("held").Cut(true).Bytes())
	if len(m.receipts) != 0 || m.stats.WhileXOFF == 0 {
		t.Fatalf("printed while offline: %+v", m.stats)
	}
	m.receive(escpos.Query(1)) // real-time, answered, not counted as data
	m.offline = false
	m.run()
	if out := m.sync(nil); !bytes.Equal(out, []byte{escpos.XON}) {
		t.Fatalf("coming back sent % x", out)
	}
	if len(m.receipts) != 1 || m.receipts[0].text != "held\n" {
		t.Fatalf("held data not printed on recovery: %d receipts", len(m.receipts))
	}
	// A new connection is told again.
	m.newConnection()
	m.held = true
	if out := m.sync(nil); len(out) != 0 {
		t.Fatalf("sent % x before the host spoke", out)
	}
	if out := m.receive([]byte{escpos.ESC, '@'}); !bytes.Equal(out, []byte{escpos.XOFF}) {
		t.Fatalf("new connection to a held printer: % x", out)
	}
}

func TestRealtimeInsideRaster(t *testing.T) {
	m := newTestMachine(576)
	m.nearEnd = true
	data := []byte{0x10, 0x04, 0x04, 0x10, 0x04, 0x01} // 2 rows of 3 bytes
	job := append([]byte{escpos.GS, 'v', '0', 0, 3, 0, 2, 0}, data...)
	job = append(job, escpos.GS, 'V', 66, 0)
	var out []byte
	for _, b := range job { // byte by byte: the window spans reads
		out = append(out, m.receive([]byte{b})...)
	}
	if !bytes.Equal(out, []byte{0x1E, 0x12}) {
		t.Fatalf("replies % x", out)
	}
	img := m.receipts[0].img
	for y := range 2 {
		for x := range 24 {
			want := data[y*3+x/8]&(0x80>>(x%8)) != 0
			if got := img.GrayAt(x, margin+y).Y == 0; got != want {
				t.Fatalf("dot %d,%d = %v", x, y, got)
			}
		}
	}
}

func TestSplitAnywhere(t *testing.T) {
	r := escpos.Receipt{Store: []string{"Läden"}, TxnID: "1234", Lines: []escpos.ReceiptLine{{Name: "Brot", Amount: "2,50"}},
		Total: "2,50", QRURL: "https://x.example/1234"}
	for _, native := range []bool{false, true} {
		stream := r.Render(58, native)
		whole := Render(58, stream)
		m := newTestMachine(384)
		for i := 0; i < len(stream); i += 7 {
			m.receive(stream[i:min(i+7, len(stream))])
		}
		if len(whole) != 1 || len(m.receipts) != 1 {
			t.Fatalf("native %v: %d and %d receipts", native, len(whole), len(m.receipts))
		}
		if !bytes.Equal(whole[0].(*image.Gray).Pix, m.receipts[0].img.Pix) {
			t.Fatalf("native %v: split stream renders differently", native)
		}
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

func TestASBOnEnable(t *testing.T) {
	m := newTestMachine(576)
	out := m.receive([]byte{escpos.GS, 'a', 0x0F})
	if !bytes.Equal(out, []byte{0x10, 0, 0, 0}) {
		t.Fatalf("enabling ASB sent % x", out)
	}
	m.cover = true
	out = m.sync(nil)
	if !bytes.Equal(out, []byte{escpos.XOFF, 0x38, 0, 0, 0}) {
		t.Fatalf("cover open sent % x", out)
	}
}

func FuzzMachine(f *testing.F) {
	f.Add(escpos.Receipt{Store: []string{"x"}, TxnID: "12", QRURL: "u"}.Render(58, true))
	f.Add([]byte{escpos.GS, 'v', '0', 0, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{escpos.ESC, 'd', 0xFF, escpos.ESC, '3', 0xFF, escpos.ESC, 'd', 0xFF, escpos.GS, '!', 0x77, 'W'})
	f.Add([]byte{escpos.GS, '(', 'k', 3, 0, 49, 81, 48, escpos.GS, 'k', 73, 2, '{', 'C'})
	f.Fuzz(func(t *testing.T, p []byte) {
		m := newTestMachine(384)
		out := m.receive(p)
		if len(out) > 3*len(p)+8 {
			t.Fatalf("%d bytes answered to %d", len(out), len(p))
		}
		if m.page.h > maxPageRows || len(m.in) > maxBuffer {
			t.Fatalf("unbounded: %d rows, %d buffered", m.page.h, len(m.in))
		}
	})
}
