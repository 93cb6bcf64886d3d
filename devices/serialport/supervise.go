package serialport

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"time"
)

// Backoff says when Supervise tries again. A port whose device node is missing
// is not tried at all: its path is checked every Poll and tried at once when a
// node appears, however long it was gone. Only a device whose node is there
// but that fails — the port will not open, or the session ends soon after it
// started (a device that does not answer its handshake) — is tried again after
// a wait that doubles from Min to Max, so a broken device cannot keep the CPU
// busy.
type Backoff struct {
	Min, Max time.Duration
	Poll     time.Duration // how often a watched path is checked while waiting; default DefaultPoll
}

// DefaultPoll is how often Supervise checks a watched port's path while it
// waits: a replugged device is tried at most this long after its node came back.
const DefaultPoll = 150 * time.Millisecond

// DefaultBackoff waits 0.5 s, then 1 s, then 2 s between attempts on a device
// whose node is there but fails, and polls the path every 150 ms. The ceiling
// is low because a scale or printer switched off and on behind a USB adapter
// that stays plugged in is a replug too, and must be back within 2 s; one
// open attempt every 2 s costs nothing.
var DefaultBackoff = Backoff{Min: 500 * time.Millisecond, Max: 2 * time.Second, Poll: DefaultPoll}

// Opener opens a device's port; Supervise calls Open for every attempt.
type Opener interface {
	Open() (io.ReadWriteCloser, error)
}

// Watcher is an optional interface of an Opener. Present reports whether the
// device node is at the port's path now; it must be cheap (one stat), as
// Supervise calls it every Backoff.Poll while it waits to try again. An Opener
// without it is tried on the backoff alone.
type Watcher interface {
	Present() bool
}

// OpenFunc turns a function into an Opener that is not a Watcher.
type OpenFunc func() (io.ReadWriteCloser, error)

// Open calls f.
func (f OpenFunc) Open() (io.ReadWriteCloser, error) { return f() }

// Opens returns an Opener for cfg that watches cfg.Path.
func Opens(cfg Config) Opener { return portOpener{cfg} }

type portOpener struct{ cfg Config }

func (o portOpener) Open() (io.ReadWriteCloser, error) {
	p, err := Open(o.cfg)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Present stats the path (following a by-id symlink to the node). Only a path
// that does not exist counts as absent: any other stat error leaves the retry
// to the backoff.
func (o portOpener) Present() bool {
	_, err := os.Stat(o.cfg.Path)
	return !errors.Is(err, fs.ErrNotExist)
}

// Session talks to a connected device until ctx ends or the device fails; it
// starts by (re-)initialising the device.
type Session func(ctx context.Context, rw io.ReadWriteCloser) error

// Supervise keeps a session running: it opens the port, runs session, closes the
// port when the session ends, waits and tries again until ctx ends. report is
// called on every change between connected and not (with the cause).
//
// When open is a Watcher, Supervise waits for a node to be at the path before
// it tries, and tries within one Backoff.Poll of a node appearing. The backoff
// starts again from Min when a node appeared after being gone, and when a
// session lasted at least Max (the device worked: what ended it is news);
// otherwise it doubles after each attempt.
func Supervise(ctx context.Context, open Opener, b Backoff, session Session, report func(connected bool, err error)) {
	if b.Min <= 0 {
		b.Min, b.Max = DefaultBackoff.Min, DefaultBackoff.Max
	}
	b.Max = max(b.Max, b.Min)
	if b.Poll <= 0 {
		b.Poll = DefaultPoll
	}
	w, _ := open.(Watcher)
	wait := b.Min
	connected := false
	first := true
	for ctx.Err() == nil {
		gone := w != nil && !w.Present() // no node: opening is pointless, wait for one
		err := ErrUnplugged
		if !gone {
			var rw io.ReadWriteCloser
			rw, err = open.Open()
			if err == nil {
				connected, first = true, false
				report(true, nil)
				start := time.Now()
				err = run(ctx, session, rw)
				if ctx.Err() != nil {
					return
				}
				if time.Since(start) >= b.Max {
					wait = b.Min
				}
			}
			// A session ended by an unplug finds the node gone now: a
			// replug, however soon, is then a new node.
			gone = w != nil && !w.Present()
		}
		if connected || first {
			report(false, err)
		}
		connected, first = false, false
		var replugged bool
		if w != nil {
			replugged = waitNode(ctx, w, gone, wait, b.Poll)
		} else {
			sleep(ctx, wait)
		}
		if replugged {
			wait = b.Min
		} else {
			wait = min(wait*2, b.Max)
		}
	}
}

// run runs session on rw and closes rw when it ends; a session blocked in a
// read ends when its port closes at ctx's end.
func run(ctx context.Context, session Session, rw io.ReadWriteCloser) error {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			rw.Close()
		case <-done:
		}
	}()
	err := session(ctx, rw)
	close(done)
	rw.Close()
	return err
}

// waitNode waits before the next attempt on a watched port. It returns true
// as soon as a node is at the path after one was seen missing (gone: missing
// already at the last attempt): a device plugged in again. While no node is
// there it waits however long that takes. While the node that failed is still
// there it returns false once wait has passed. It returns false when ctx ends.
func waitNode(ctx context.Context, w Watcher, gone bool, wait, poll time.Duration) bool {
	tick := time.NewTicker(poll)
	defer tick.Stop()
	backoff := time.NewTimer(wait)
	defer backoff.Stop()
	elapsed := false
	for {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		case <-backoff.C:
			elapsed = true
		}
		switch present := w.Present(); {
		case !present:
			gone = true
		case gone:
			return true
		case elapsed:
			return false
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
