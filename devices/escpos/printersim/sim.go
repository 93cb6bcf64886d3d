package printersim

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/devices/simport"
	"github.com/kiosk-sco/kiosk/internal/atomicfile"
)

// Sim is a simulated receipt printer on the far end of a pseudo-terminal.
type Sim struct {
	port *simport.Port
	log  *slog.Logger

	mu     sync.Mutex
	m      *machine
	gen    int
	silent bool
	closed bool

	done chan struct{}
}

// New starts a printer for paper widthMM wide (58 or 80) behind link, the
// stable path a driver opens.
func New(link string, widthMM int) (*Sim, error) {
	port, err := simport.New(link)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	s := &Sim{port: port, log: log, m: newMachine(escpos.DotsFor(widthMM), log), done: make(chan struct{})}
	go s.loop()
	return s, nil
}

// Path returns the path the driver opens.
func (s *Sim) Path() string { return s.port.Path() }

func (s *Sim) loop() {
	defer close(s.done)
	buf := make([]byte, 4096)
	for {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return
		}
		f, gen := s.port.Master()
		if f == nil {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		n, err := pollRead(f, buf, 50)
		if n > 0 {
			s.receive(buf[:n], gen)
		}
		if err != nil {
			// Unplugged meanwhile (the master was closed) or closing: look again.
			if g, _ := s.port.Master(); g == f {
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
}

// pollRead reads from f what is there within ms milliseconds. creack/pty
// leaves the master in blocking mode, where Close does not wake a pending
// Read, and a driver that keeps its end of an unplugged port open would keep
// the simulator reading a dead master forever; so wait with poll(2) first.
func pollRead(f *os.File, buf []byte, ms int) (n int, err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	cerr := rc.Control(func(fd uintptr) {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		k, perr := unix.Poll(fds, ms)
		switch {
		case perr == unix.EINTR || perr == nil && k == 0:
			return
		case perr != nil:
			err = perr
			return
		}
		n, err = unix.Read(int(fd), buf)
		if n < 0 {
			n = 0
		}
	})
	if cerr != nil {
		return 0, cerr
	}
	return n, err
}

func (s *Sim) receive(p []byte, gen int) {
	s.mu.Lock()
	if gen != s.gen {
		s.gen = gen
		s.m.newConnection()
	}
	out := s.m.receive(p)
	s.mu.Unlock()
	s.send(out)
}

func (s *Sim) send(out []byte) {
	s.mu.Lock()
	silent := s.silent
	s.mu.Unlock()
	if len(out) > 0 && !silent {
		s.port.Write(out) // unplugged: lost, as on a real line
	}
}

// change applies f to the printer's conditions and tells the host what
// changed (XON/XOFF, ASB); data held back while offline prints on recovery.
func (s *Sim) change(f func(m *machine)) {
	s.mu.Lock()
	f(s.m)
	s.m.run()
	out := s.m.sync(nil)
	s.mu.Unlock()
	s.send(out)
}

// PaperNearEnd sets the roll's near-end sensor.
func (s *Sim) PaperNearEnd(on bool) { s.change(func(m *machine) { m.nearEnd = on }) }

// PaperEnd runs the roll out (the printer stops, sends XOFF) or loads a new,
// endless one.
func (s *Sim) PaperEnd(on bool) {
	s.change(func(m *machine) {
		m.paperEnd = on
		if !on {
			m.roll = -1
		}
	})
}

// SetRoll loads a roll with dots of paper left: the printer stops at its end
// as with PaperEnd(true). Zero or less loads an endless roll.
func (s *Sim) SetRoll(dots int) {
	s.change(func(m *machine) {
		m.roll = max(dots, -1)
		if dots == 0 {
			m.roll = -1
		}
		m.paperEnd = false
	})
}

// CoverOpen opens or closes the cover; an open cover takes the printer offline.
func (s *Sim) CoverOpen(on bool) { s.change(func(m *machine) { m.cover = on }) }

// Offline takes the printer offline with no other cause (XOFF) or back online
// (XON).
func (s *Sim) Offline(on bool) { s.change(func(m *machine) { m.offline = on }) }

// CutterError jams the autocutter (an error, offline; DLE EOT 3 tells the
// cause) or clears it.
func (s *Sim) CutterError(on bool) { s.change(func(m *machine) { m.cutter = on }) }

// Hold fills the receive buffer: the printer stays online but sends XOFF and
// prints nothing until Hold(false) sends XON.
func (s *Sim) Hold(on bool) { s.change(func(m *machine) { m.held = on }) }

// Silent makes the printer stop sending anything, status replies included.
func (s *Sim) Silent(on bool) {
	s.mu.Lock()
	s.silent = on
	s.mu.Unlock()
}

// Unplug pulls the cable.
func (s *Sim) Unplug() { s.port.Unplug() }

// Replug puts the cable back (a new pseudo-terminal behind the same path).
func (s *Sim) Replug() error { return s.port.Replug() }

// Stats returns the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.stats
}

// Receipts returns an image of every receipt cut so far, one dot a pixel.
func (s *Sim) Receipts() []image.Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.m.receipts()
	imgs := make([]image.Image, len(rs))
	for i, r := range rs {
		imgs[i] = r.Image
	}
	return imgs
}

// Texts returns the text printed on every receipt cut so far, a line per
// printed line.
func (s *Sim) Texts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.m.receipts()
	t := make([]string, len(rs))
	for i, r := range rs {
		t[i] = r.Text
	}
	return t
}

// ErrNoReceipt is returned when nothing was cut yet.
var ErrNoReceipt = errors.New("printersim: no receipt printed")

// LastPNG returns the last receipt as a PNG.
func (s *Sim) LastPNG() ([]byte, error) {
	imgs := s.Receipts()
	if len(imgs) == 0 {
		return nil, ErrNoReceipt
	}
	var b bytes.Buffer
	if err := png.Encode(&b, imgs[len(imgs)-1]); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WritePNG writes the last receipt as a PNG file at path (temp, sync, rename).
func (s *Sim) WritePNG(path string) error {
	b, err := s.LastPNG()
	if err != nil {
		return err
	}
	return WriteFile(path, b)
}

// WriteFile writes b to path atomically: a temporary file in the same
// directory, synced, then renamed.
func WriteFile(path string, b []byte) error { return atomicfile.WriteBytes(path, b) }

// Close unplugs the printer for good and stops it.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.port.Close()
	<-s.done
	return nil
}
