package scalesim_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/scale"
	"github.com/kiosk-sco/kiosk/devices/scale/scalesim"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// clock is a settable time for the simulator's settle delay and drift.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func open(t *testing.T, s *scalesim.Sim) *serialport.Port {
	t.Helper()
	cfg := scale.SASI{}.SerialConfig()
	cfg.Path, cfg.ReadTimeout = s.Path(), 100*time.Millisecond
	p, err := serialport.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// ask sends cmd and returns the reply up to CR.
func ask(t *testing.T, p *serialport.Port, cmd string) string {
	t.Helper()
	if _, err := p.Write([]byte(cmd)); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 16)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		n, err := p.Read(buf)
		got = append(got, buf[:n]...)
		if len(got) > 0 && got[len(got)-1] == '\r' {
			return string(got)
		}
		if err != nil && !serialport.IsTimeout(err) {
			t.Fatal(err)
		}
	}
	t.Fatalf("no reply to %q, got %q", cmd, got)
	return ""
}

func TestSimAnswersLikeAn8217(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*scalesim.Sim, *clock)
		want  string
	}{
		{"empty", func(*scalesim.Sim, *clock) {}, "\x0200.000\r"},
		{"1.250 kg settled", func(s *scalesim.Sim, c *clock) { s.Set(1250); c.t = c.t.Add(time.Second) }, "\x0201.250\r"},
		{"1.250 kg still moving", func(s *scalesim.Sim, c *clock) { s.Set(1250); c.t = c.t.Add(100 * time.Millisecond) }, "\x02?A\r"},
		{"rounded to 5 g divisions", func(s *scalesim.Sim, c *clock) { s.Set(1248); c.t = c.t.Add(time.Second) }, "\x0201.250\r"},
		{"hand on the platter", func(s *scalesim.Sim, c *clock) { s.Motion(true) }, "\x02?A\r"},
		{"overload", func(s *scalesim.Sim, c *clock) { s.Overload(true) }, "\x02?R\r"}, // and centre of zero: the platter is empty
		{"over capacity", func(s *scalesim.Sim, c *clock) { s.Set(15050); c.t = c.t.Add(time.Second) }, "\x02?B\r"},
		{"under zero", func(s *scalesim.Sim, c *clock) { s.UnderZero(true) }, "\x02?T\r"}, // and centre of zero
		{"drift", func(s *scalesim.Sim, c *clock) { s.Drift(2); c.t = c.t.Add(10 * time.Second) }, "\x0200.020\r"},
		{"zeroed tare", func(s *scalesim.Sim, c *clock) { s.Set(200); c.t = c.t.Add(time.Second); s.Zero() }, "\x0200.000\r"},
		{"tare lifted after zero", func(s *scalesim.Sim, c *clock) {
			s.Set(200)
			c.t = c.t.Add(time.Second)
			s.Zero()
			s.Set(0)
			c.t = c.t.Add(time.Second)
		}, "\x02?D\r"},
		{"zero refused while moving", func(s *scalesim.Sim, c *clock) { s.Set(200); s.Zero(); c.t = c.t.Add(time.Second) }, "\x0200.200\r"},
		{"zero refused outside capture range", func(s *scalesim.Sim, c *clock) { s.Set(1000); c.t = c.t.Add(time.Second); s.Zero() }, "\x0201.000\r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
			s, err := scalesim.New(filepath.Join(t.TempDir(), "by-id", "scale"), scalesim.Options{Now: c.now})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			tc.setup(s, c)
			if got := ask(t, open(t, s), "W"); got != tc.want {
				t.Errorf("W -> %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSimZeroCommandAndReplug(t *testing.T) {
	c := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	s, err := scalesim.New(filepath.Join(t.TempDir(), "by-id", "scale"), scalesim.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Set(100)
	c.t = c.t.Add(time.Second)
	p := open(t, s)
	if got := ask(t, p, "ZW"); got != "\x0200.000\r" {
		t.Errorf("ZW -> %q", got)
	}
	s.Unplug()
	for {
		_, err := p.Read(make([]byte, 8))
		if errors.Is(err, serialport.ErrUnplugged) {
			break
		}
		if !serialport.IsTimeout(err) {
			t.Fatalf("read after unplug: %v", err)
		}
	}
	if err := s.Replug(); err != nil {
		t.Fatal(err)
	}
	if got := ask(t, open(t, s), "W"); got != "\x0200.000\r" {
		t.Errorf("after replug W -> %q, want the zero kept", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
