package serialport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/tarm/serial"
)

// Parity of a serial line.
type Parity byte

const (
	ParityNone Parity = 'N'
	ParityOdd  Parity = 'O'
	ParityEven Parity = 'E'
)

// Config describes a port.
type Config struct {
	Path        string        // e.g. /dev/serial/by-id/usb-Datalogic_…-if00
	Baud        int           // default 9600
	DataBits    int           // 7 or 8 (default 8)
	Parity      Parity        // default none
	StopBits    int           // 1 or 2 (default 1)
	ReadTimeout time.Duration // 0.1–25.5 s, default 200 ms (rounded down to deciseconds by the tty)
}

func (c *Config) normalize() error {
	if c.Path == "" {
		return errors.New("serialport: no path")
	}
	if c.Baud == 0 {
		c.Baud = 9600
	}
	if c.DataBits == 0 {
		c.DataBits = 8
	}
	if c.Parity == 0 {
		c.Parity = ParityNone
	}
	if c.StopBits == 0 {
		c.StopBits = 1
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 200 * time.Millisecond
	}
	switch {
	case c.DataBits < 5 || c.DataBits > 8:
		return fmt.Errorf("serialport: %d data bits", c.DataBits)
	case c.Parity != ParityNone && c.Parity != ParityOdd && c.Parity != ParityEven:
		return fmt.Errorf("serialport: parity %q", c.Parity)
	case c.StopBits != 1 && c.StopBits != 2:
		return fmt.Errorf("serialport: %d stop bits", c.StopBits)
	case c.ReadTimeout < 100*time.Millisecond || c.ReadTimeout > 25500*time.Millisecond:
		return fmt.Errorf("serialport: read timeout %s outside 0.1–25.5 s", c.ReadTimeout)
	}
	return nil
}

// ErrUnplugged reports a device that went away: hang-up, node gone or EIO.
var ErrUnplugged = errors.New("serialport: device unplugged")

// ErrTimeout is returned by Read when no byte arrived within the read timeout.
// It is not a failure: drivers poll again.
var ErrTimeout = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string { return "serialport: read timeout" }
func (timeoutError) Timeout() bool { return true }

// IsTimeout reports whether err is a read timeout.
func IsTimeout(err error) bool { return errors.Is(err, ErrTimeout) }

// Port is an open serial port whose Read and Write turn tarm/serial's signals
// into ErrTimeout and ErrUnplugged.
type Port struct {
	cfg     Config
	p       *serial.Port
	mu      sync.Mutex // guards closed
	closed  bool
	fastEOF int
}

// Open opens the port described by cfg.
func Open(cfg Config) (*Port, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	sc := &serial.Config{Name: cfg.Path, Baud: cfg.Baud, Size: byte(cfg.DataBits), Parity: serial.Parity(cfg.Parity),
		StopBits: serial.StopBits(cfg.StopBits), ReadTimeout: cfg.ReadTimeout}
	p, err := serial.OpenPort(sc)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.EIO) {
			return nil, fmt.Errorf("%w: %s: %v", ErrUnplugged, cfg.Path, err)
		}
		return nil, fmt.Errorf("serialport: open %s: %w", cfg.Path, err)
	}
	return &Port{cfg: cfg, p: p}, nil
}

// Path returns the configured path.
func (p *Port) Path() string { return p.cfg.Path }

// Read reads what arrived, ErrTimeout when nothing did, ErrUnplugged after a hang-up.
func (p *Port) Read(b []byte) (int, error) {
	if p.isClosed() {
		return 0, os.ErrClosed
	}
	start := time.Now()
	n, err := p.p.Read(b)
	if n > 0 {
		p.fastEOF = 0
		return n, nil
	}
	if p.isClosed() {
		return 0, os.ErrClosed
	}
	if err != nil && err != io.EOF {
		if errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.ENODEV) {
			return 0, fmt.Errorf("%w: %v", ErrUnplugged, err)
		}
		return 0, fmt.Errorf("serialport: read %s: %w", p.cfg.Path, err)
	}
	// (0, EOF) is tarm's timeout, unless it came back far sooner than the timeout:
	// then the line hung up.
	if time.Since(start) < p.cfg.ReadTimeout/4 {
		p.fastEOF++
	} else {
		p.fastEOF = 0
	}
	if p.fastEOF >= 3 {
		return 0, fmt.Errorf("%w: %s hung up", ErrUnplugged, p.cfg.Path)
	}
	if _, err := os.Stat(p.cfg.Path); err != nil {
		return 0, fmt.Errorf("%w: %s is gone", ErrUnplugged, p.cfg.Path)
	}
	return 0, ErrTimeout
}

// Write writes b; EIO means the device is gone.
func (p *Port) Write(b []byte) (int, error) {
	if p.isClosed() {
		return 0, os.ErrClosed
	}
	n, err := p.p.Write(b)
	if err != nil {
		if errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.ENODEV) {
			return n, fmt.Errorf("%w: %v", ErrUnplugged, err)
		}
		return n, fmt.Errorf("serialport: write %s: %w", p.cfg.Path, err)
	}
	return n, nil
}

// Flush discards unread input and unsent output.
func (p *Port) Flush() error { return p.p.Flush() }

func (p *Port) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Close closes the port; a second Close is a no-op. A Read in progress returns
// within the read timeout.
func (p *Port) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	return p.p.Close()
}

var _ io.ReadWriteCloser = (*Port)(nil)
