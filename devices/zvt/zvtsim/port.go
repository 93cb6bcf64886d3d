package zvtsim

import (
	"errors"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/kiosk-sco/kiosk/devices/simport"
)

// pollMS bounds each wait on the pseudo-terminal, so that an unplug or a
// Close is noticed within it.
const pollMS = 50

// linePort is one plug-in of the pseudo-terminal's master for the serial
// link layer. creack/pty leaves the master in blocking mode, where closing it
// does not wake a pending Read (and a driver holding the slave open would
// keep it pending forever), so reads and writes wait with poll(2) first. A
// read that finds nothing within pollMS returns a timeout error, which the
// link layer polls again; once the cable is pulled (the master closed or
// replaced) reads and writes fail and the link stops.
type linePort struct {
	port   *simport.Port
	f      *os.File
	gen    int
	closed atomic.Bool
}

type pollTimeout struct{}

func (pollTimeout) Error() string { return "zvtsim: no data yet" }
func (pollTimeout) Timeout() bool { return true }

var errClosedPort = errors.New("zvtsim: line closed")

func (p *linePort) current() error {
	if p.closed.Load() {
		return errClosedPort
	}
	if f, gen := p.port.Master(); f != p.f || gen != p.gen {
		return simport.ErrUnplugged
	}
	return nil
}

func (p *linePort) Read(b []byte) (int, error) {
	if err := p.current(); err != nil {
		return 0, err
	}
	n, ready, err := p.io(unix.POLLIN, func(fd int) (int, error) { return unix.Read(fd, b) })
	switch {
	case err != nil:
		return 0, err
	case !ready:
		return 0, pollTimeout{}
	case n == 0:
		return 0, simport.ErrUnplugged // hang-up
	}
	return n, nil
}

func (p *linePort) Write(b []byte) (int, error) {
	written := 0
	for written < len(b) {
		if err := p.current(); err != nil {
			return written, err
		}
		n, _, err := p.io(unix.POLLOUT, func(fd int) (int, error) { return unix.Write(fd, b[written:]) })
		if err != nil {
			return written, err
		}
		written += n
	}
	return written, nil
}

// io waits up to pollMS for the master to be ready for events, then does op.
func (p *linePort) io(events int16, op func(fd int) (int, error)) (n int, ready bool, err error) {
	rc, err := p.f.SyscallConn()
	if err != nil {
		return 0, false, err
	}
	cerr := rc.Control(func(fd uintptr) {
		fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
		k, perr := unix.Poll(fds, pollMS)
		switch {
		case perr == unix.EINTR || perr == nil && k == 0:
			return
		case perr != nil:
			err = perr
			return
		}
		ready = true
		n, err = op(int(fd))
		if n < 0 {
			n = 0
		}
		if err == unix.EAGAIN || err == unix.EINTR {
			err, ready = nil, n > 0
		}
	})
	if cerr != nil {
		return 0, false, cerr
	}
	return n, ready, err
}

// Close stops the link's reader; the pseudo-terminal stays (Sim owns it).
func (p *linePort) Close() error {
	p.closed.Store(true)
	return nil
}
