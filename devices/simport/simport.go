// Package simport gives device simulators the far end of a pseudo-terminal behind a
// stable path (a symlink, as /dev/serial/by-id gives real hardware), with unplug
// and replug.
package simport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/creack/pty"
)

// Port is the device side of a simulated serial port.
type Port struct {
	link string
	mu   sync.Mutex
	ptm  *os.File // master: the simulated device reads and writes here
	pts  *os.File // slave, held open so the master never sees a hang-up of its own
	gen  int
}

// ErrUnplugged is returned by Read and Write while the port is unplugged.
var ErrUnplugged = errors.New("simport: unplugged")

// New creates a pseudo-terminal and points link at its slave.
func New(link string) (*Port, error) {
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return nil, err
	}
	p := &Port{link: link}
	if err := p.Replug(); err != nil {
		return nil, err
	}
	return p, nil
}

// Path returns the stable path drivers open.
func (p *Port) Path() string { return p.link }

// Master returns the current master and its generation (bumped by every replug),
// or nil while unplugged.
func (p *Port) Master() (*os.File, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ptm, p.gen
}

// Replug makes a new pseudo-terminal and atomically re-points the link at it.
func (p *Port) Replug() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ptm != nil {
		return nil
	}
	ptm, pts, err := pty.Open()
	if err != nil {
		return fmt.Errorf("simport: %w", err)
	}
	tmp := p.link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(pts.Name(), tmp); err != nil {
		ptm.Close()
		pts.Close()
		return fmt.Errorf("simport: %w", err)
	}
	if err := os.Rename(tmp, p.link); err != nil {
		ptm.Close()
		pts.Close()
		return fmt.Errorf("simport: %w", err)
	}
	p.ptm, p.pts = ptm, pts
	p.gen++
	return nil
}

// Unplug pulls the cable: the link disappears and the driver's port hangs up.
func (p *Port) Unplug() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ptm == nil {
		return
	}
	os.Remove(p.link)
	p.ptm.Close()
	p.pts.Close()
	p.ptm, p.pts = nil, nil
}

// Plugged reports whether the cable is in.
func (p *Port) Plugged() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ptm != nil
}

// Write sends bytes from the device to the driver.
func (p *Port) Write(b []byte) (int, error) {
	m, _ := p.Master()
	if m == nil {
		return 0, ErrUnplugged
	}
	return m.Write(b)
}

// Read reads bytes the driver sent. It returns ErrUnplugged (or an error of the
// closed master) when the cable is pulled meanwhile.
func (p *Port) Read(b []byte) (int, error) {
	m, _ := p.Master()
	if m == nil {
		return 0, ErrUnplugged
	}
	return m.Read(b)
}

// Close unplugs for good.
func (p *Port) Close() error {
	p.Unplug()
	return nil
}

var _ io.ReadWriteCloser = (*Port)(nil)
