package printersim

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/devices/escpos/paper"
)

func newTestMachine(dots int) *machine {
	return newMachine(dots, slog.New(slog.DiscardHandler))
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
	if len(m.receipts()) != 0 || m.stats.WhileXOFF == 0 {
		t.Fatalf("printed while offline: %+v", m.stats)
	}
	m.receive(escpos.Query(1)) // real-time, answered, not counted as data
	m.offline = false
	m.run()
	if out := m.sync(nil); !bytes.Equal(out, []byte{escpos.XON}) {
		t.Fatalf("coming back sent % x", out)
	}
	if rs := m.receipts(); len(rs) != 1 || rs[0].Text != "held\n" {
		t.Fatalf("held data not printed on recovery: %d receipts", len(rs))
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
	img := m.receipts()[0].Image
	for y := range 2 {
		for x := range 24 {
			want := data[y*3+x/8]&(0x80>>(x%8)) != 0
			if got := img.GrayAt(x, 24+y).Y == 0; got != want {
				t.Fatalf("dot %d,%d = %v", x, y, got)
			}
		}
	}
}

// sampleJob is a short receipt with text, a raster Code 128 and a QR code,
// raster or drawn by the printer.
func sampleJob(native bool) []byte {
	b := escpos.NewBuilder(384).Init().CodePage().Align(escpos.AlignCenter).Bold(true).Line("Läden").Bold(false).
		Align(escpos.AlignLeft).Line("Brot                        2,50").DoubleSize(true).Line("TOTAL       2,50").DoubleSize(false)
	if native {
		b.Align(escpos.AlignCenter).NativeCode128("1234", 2).NativeQR("https://x.example/1234", 4)
	} else {
		b.Code128Raster("1234", 2).QRRaster("https://x.example/1234", 4)
	}
	return b.Feed(2).Cut(true).Bytes()
}

func TestSplitAnywhere(t *testing.T) {
	for _, native := range []bool{false, true} {
		stream := sampleJob(native)
		whole := paper.Render(384, stream)
		m := newTestMachine(384)
		for i := 0; i < len(stream); i += 7 {
			m.receive(stream[i:min(i+7, len(stream))])
		}
		if len(whole) != 1 || len(m.receipts()) != 1 {
			t.Fatalf("native %v: %d and %d receipts", native, len(whole), len(m.receipts()))
		}
		if !bytes.Equal(whole[0].Image.Pix, m.receipts()[0].Image.Pix) {
			t.Fatalf("native %v: split stream renders differently", native)
		}
	}
}

func FuzzMachine(f *testing.F) {
	f.Add(sampleJob(true))
	f.Add(sampleJob(false))
	f.Add([]byte{escpos.GS, 'v', '0', 0, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{escpos.ESC, 'd', 0xFF, escpos.ESC, '3', 0xFF, escpos.ESC, 'd', 0xFF, escpos.GS, '!', 0x77, 'W'})
	f.Add([]byte{escpos.GS, '(', 'k', 3, 0, 49, 81, 48, escpos.GS, 'k', 73, 2, '{', 'C'})
	f.Fuzz(func(t *testing.T, p []byte) {
		m := newTestMachine(384)
		out := m.receive(p)
		if len(out) > 3*len(p)+8 {
			t.Fatalf("%d bytes answered to %d", len(out), len(p))
		}
		if len(m.in) > maxBuffer {
			t.Fatalf("unbounded: %d buffered", len(m.in))
		}
	})
}
