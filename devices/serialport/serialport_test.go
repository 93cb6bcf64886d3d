package serialport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/simport"
)

func newSim(t *testing.T) *simport.Port {
	t.Helper()
	sp, err := simport.New(filepath.Join(t.TempDir(), "by-id", "usb-sim-if00"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

func TestReadWriteAndTimeout(t *testing.T) {
	sp := newSim(t)
	p, err := Open(Config{Path: sp.Path(), ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Write([]byte("W")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 1)
	if _, err := io.ReadFull(sp, got); err != nil || got[0] != 'W' {
		t.Fatalf("device read %q %v", got, err)
	}
	buf := make([]byte, 16)
	if n, err := p.Read(buf); n != 0 || !IsTimeout(err) {
		t.Fatalf("idle read = %d, %v; want timeout", n, err)
	}
	sp.Write([]byte("\x02 1.250\r"))
	var all []byte
	for len(all) < 8 {
		n, err := p.Read(buf)
		if err != nil && !IsTimeout(err) {
			t.Fatal(err)
		}
		all = append(all, buf[:n]...)
	}
	if !bytes.Equal(all, []byte("\x02 1.250\r")) {
		t.Fatalf("read %q", all)
	}
}

func TestUnplugIsNotATimeout(t *testing.T) {
	sp := newSim(t)
	p, err := Open(Config{Path: sp.Path(), ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	sp.Unplug()
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := p.Read(make([]byte, 8))
		if errors.Is(err, ErrUnplugged) {
			break
		}
		if !IsTimeout(err) || time.Now().After(deadline) {
			t.Fatalf("read after unplug: %v", err)
		}
	}
	if _, err := p.Write([]byte("W")); !errors.Is(err, ErrUnplugged) && !errors.Is(err, os.ErrClosed) {
		t.Logf("write after unplug: %v", err) // a pty may buffer a write after hang-up
	}
	if _, err := Open(Config{Path: sp.Path()}); !errors.Is(err, ErrUnplugged) {
		t.Fatalf("open while unplugged: %v", err)
	}
}

func TestCloseDuringReadAndDoubleClose(t *testing.T) {
	sp := newSim(t)
	p, err := Open(Config{Path: sp.Path(), ReadTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for {
			_, err := p.Read(make([]byte, 8))
			if err != nil && !IsTimeout(err) {
				done <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Fatalf("read after close: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Read did not return after Close")
	}
}

func TestConfigRefusesNonsense(t *testing.T) {
	for _, c := range []Config{{}, {Path: "x", DataBits: 9}, {Path: "x", Parity: 'M'}, {Path: "x", StopBits: 3}, {Path: "x", ReadTimeout: time.Millisecond}} {
		if err := c.normalize(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// TestSuperviseReconnects pulls the cable 20 times and expects a reconnect and a
// fresh session after each replug, within 2 s.
func TestSuperviseReconnects(t *testing.T) {
	sp := newSim(t)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var states []bool
	changed := make(chan bool, 100)
	var sessions atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		Supervise(ctx, Opens(Config{Path: sp.Path(), ReadTimeout: 100 * time.Millisecond}), Backoff{Min: 50 * time.Millisecond, Max: 400 * time.Millisecond},
			func(ctx context.Context, rw io.ReadWriteCloser) error {
				sessions.Add(1)
				buf := make([]byte, 16)
				for {
					if _, err := rw.Read(buf); err != nil && !IsTimeout(err) {
						return err
					}
				}
			},
			func(up bool, err error) {
				mu.Lock()
				states = append(states, up)
				mu.Unlock()
				changed <- up
			})
	}()
	wait := func(want bool) {
		t.Helper()
		select {
		case up := <-changed:
			if up != want {
				t.Fatalf("state %v, want %v", up, want)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("no change to %v within 2 s", want)
		}
	}
	wait(true)
	const cycles = 20
	for range cycles {
		sp.Unplug()
		wait(false)
		if err := sp.Replug(); err != nil {
			t.Fatal(err)
		}
		wait(true)
	}
	cancel()
	<-done
	if n := sessions.Load(); n != cycles+1 {
		t.Fatalf("%d sessions, want %d", n, cycles+1)
	}
}
