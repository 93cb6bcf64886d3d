package printersim

import (
	"bytes"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// readUntil reads from p until it has n bytes or 2 s passed.
func readUntil(t *testing.T, p io.Reader, n int) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, 64)
	deadline := time.Now().Add(2 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		k, err := p.Read(buf)
		got = append(got, buf[:k]...)
		if err != nil && !serialport.IsTimeout(err) {
			t.Fatal(err)
		}
	}
	return got
}

func TestSimOverPty(t *testing.T) {
	s, err := New(filepath.Join(t.TempDir(), "by-id", "usb-printer-if00"), 58)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := serialport.Open(serialport.Config{Path: s.Path(), ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Write(escpos.Query(1)); err != nil {
		t.Fatal(err)
	}
	if got := readUntil(t, p, 1); !bytes.Equal(got, []byte{0x12}) {
		t.Fatalf("DLE EOT 1 → % x", got)
	}
	s.Offline(true)
	if got := readUntil(t, p, 1); !bytes.Equal(got, []byte{escpos.XOFF}) {
		t.Fatalf("offline sent % x", got)
	}
	p.Write(escpos.NewBuilder(384).Init().CodePage().Line("Grüße").Cut(true).Bytes())
	p.Write(escpos.Query(1))
	if got := readUntil(t, p, 1); !bytes.Equal(got, []byte{0x1A}) {
		t.Fatalf("DLE EOT 1 offline → % x", got)
	}
	if _, err := s.LastPNG(); !errors.Is(err, ErrNoReceipt) {
		t.Fatalf("printed while offline: %v", err)
	}
	s.Offline(false)
	if got := readUntil(t, p, 1); !bytes.Equal(got, []byte{escpos.XON}) {
		t.Fatalf("online sent % x", got)
	}
	s.Silent(true)
	p.Write(escpos.Query(1))
	if got := readUntil(t, p, 1); len(got) != 0 {
		t.Fatalf("silent printer answered % x", got)
	}
	s.Silent(false)
	if texts := s.Texts(); len(texts) != 1 || texts[0] != "Grüße\n" {
		t.Fatalf("texts %q", texts)
	}
	path := filepath.Join(t.TempDir(), "r.png")
	if err := s.WritePNG(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil || img.Bounds().Dx() != 384 {
		t.Fatalf("png: %v %v", err, img.Bounds())
	}

	s.Unplug()
	if _, err := serialport.Open(serialport.Config{Path: s.Path()}); !errors.Is(err, serialport.ErrUnplugged) {
		t.Fatalf("open while unplugged: %v", err)
	}
	if err := s.Replug(); err != nil {
		t.Fatal(err)
	}
	p2, err := serialport.Open(serialport.Config{Path: s.Path(), ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	p2.Write(escpos.Query(4))
	if got := readUntil(t, p2, 1); !bytes.Equal(got, []byte{0x12}) {
		t.Fatalf("after replug DLE EOT 4 → % x", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}
