// Package scannersim simulates a serial barcode scanner on a pseudo-terminal: it
// sends barcodes as terminated lines, as a scanner in serial mode does, and
// injects the faults a real one shows (line noise, double reads, unplug).
package scannersim

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/kiosk-sco/kiosk/devices/simport"
)

// Sim is a simulated scanner whose port drivers open at Path.
type Sim struct {
	port *simport.Port

	mu   sync.Mutex // guards below; one line is written whole before the next
	term []byte
	aim  string
	rng  *rand.Rand
}

// New plugs a simulated scanner in at link. It terminates lines with CR LF, sends
// no AIM prefix and draws noise from a fixed seed.
func New(link string) (*Sim, error) {
	p, err := simport.New(link)
	if err != nil {
		return nil, fmt.Errorf("scannersim: %w", err)
	}
	return &Sim{port: p, term: []byte("\r\n"), rng: rand.New(rand.NewPCG(1, 2))}, nil
}

// SetTerminator sets the line terminator: "CR", "LF" or "CRLF".
func (s *Sim) SetTerminator(name string) error {
	var t string
	switch name {
	case "CR":
		t = "\r"
	case "LF":
		t = "\n"
	case "CRLF":
		t = "\r\n"
	default:
		return fmt.Errorf("scannersim: terminator %q", name)
	}
	s.mu.Lock()
	s.term = []byte(t)
	s.mu.Unlock()
	return nil
}

// SetAIM sets the symbology identifier sent before every barcode, e.g. "]E0";
// "" sends none.
func (s *Sim) SetAIM(prefix string) {
	s.mu.Lock()
	s.aim = prefix
	s.mu.Unlock()
}

// SetSeed reseeds the noise generator.
func (s *Sim) SetSeed(seed uint64) {
	s.mu.Lock()
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s.mu.Unlock()
}

// Scan sends one barcode: AIM prefix, data, terminator, in one write.
func (s *Sim) Scan(data string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.write(s.line(nil, data))
}

// DoubleRead sends the same barcode twice back to back, as a scanner that
// decoded a label twice in one pass.
func (s *Sim) DoubleRead(data string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.write(s.line(s.line(nil, data), data))
}

// Noise sends n (at least 1) random bytes, then the terminator: one garbled
// line, as from a baud mismatch or a bad cable. The bytes never include CR or
// LF, so the line stays one line, and at least one of them is a control byte,
// so a driver must refuse it.
func (s *Sim) Noise(n int) error {
	n = max(n, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, n, n+len(s.term))
	for i := range b {
		for {
			b[i] = byte(s.rng.UintN(256))
			if b[i] != '\r' && b[i] != '\n' {
				break
			}
		}
	}
	ctl := []byte{0x00, 0x03, 0x07, 0x08, 0x1b, 0x7f}
	b[s.rng.IntN(n)] = ctl[s.rng.IntN(len(ctl))]
	return s.write(append(b, s.term...))
}

// Send sends raw bytes as they are.
func (s *Sim) Send(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.write(b)
}

func (s *Sim) line(b []byte, data string) []byte {
	b = append(b, s.aim...)
	b = append(b, data...)
	return append(b, s.term...)
}

func (s *Sim) write(b []byte) error {
	if _, err := s.port.Write(b); err != nil {
		return fmt.Errorf("scannersim: %w", err)
	}
	return nil
}

// Unplug pulls the cable: the path disappears and the driver's port hangs up.
func (s *Sim) Unplug() { s.port.Unplug() }

// Replug plugs the cable back in, on a new pseudo-terminal behind the same path.
func (s *Sim) Replug() error {
	if err := s.port.Replug(); err != nil {
		return fmt.Errorf("scannersim: %w", err)
	}
	return nil
}

// Path returns the path a driver opens.
func (s *Sim) Path() string { return s.port.Path() }

// Close unplugs for good.
func (s *Sim) Close() error { return s.port.Close() }
