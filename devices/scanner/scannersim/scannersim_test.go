package scannersim

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/serialport"
)

func open(t *testing.T) (*Sim, *serialport.Port) {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "by-id", "usb-sim-if00"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	p, err := serialport.Open(serialport.Config{Path: s.Path(), ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return s, p
}

func readN(t *testing.T, p *serialport.Port, n int) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, 512)
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < n {
		k, err := p.Read(buf)
		if err != nil && !serialport.IsTimeout(err) {
			t.Fatal(err)
		}
		got = append(got, buf[:k]...)
		if time.Now().After(deadline) {
			t.Fatalf("read %q, want %d bytes", got, n)
		}
	}
	return got
}

func TestWireBytes(t *testing.T) {
	tests := []struct {
		name, term, aim string
		send            func(*Sim) error
		want            string
	}{
		{"scan CRLF", "CRLF", "", func(s *Sim) error { return s.Scan("4006381333931") }, "4006381333931\r\n"},
		{"scan CR with AIM", "CR", "]E0", func(s *Sim) error { return s.Scan("4006381333931") }, "]E04006381333931\r"},
		{"double read LF", "LF", "", func(s *Sim) error { return s.DoubleRead("12345670") }, "12345670\n12345670\n"},
		{"raw", "CRLF", "]C1", func(s *Sim) error { return s.Send([]byte("\x1b[A")) }, "\x1b[A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, p := open(t)
			if err := s.SetTerminator(tt.term); err != nil {
				t.Fatal(err)
			}
			s.SetAIM(tt.aim)
			if err := tt.send(s); err != nil {
				t.Fatal(err)
			}
			if got := readN(t, p, len(tt.want)); string(got) != tt.want {
				t.Fatalf("wire %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNoiseIsOneGarbledLine(t *testing.T) {
	s, p := open(t)
	for _, n := range []int{0, 1, 2, 40, 300} {
		if err := s.Noise(n); err != nil {
			t.Fatal(err)
		}
		got := readN(t, p, max(n, 1)+2)
		body, ok := bytes.CutSuffix(got, []byte("\r\n"))
		if !ok || len(body) != max(n, 1) || bytes.ContainsAny(body, "\r\n") {
			t.Fatalf("Noise(%d) sent %q", n, got)
		}
		if !bytes.ContainsFunc(body, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("Noise(%d) without a control byte: %q", n, got)
		}
	}
}

func TestUnplugged(t *testing.T) {
	s, _ := open(t)
	s.Unplug()
	if err := s.Scan("1"); err == nil {
		t.Fatal("scan while unplugged")
	}
	if err := s.Replug(); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTerminator("ETX"); err == nil {
		t.Fatal("bad terminator accepted")
	}
}
