package escpos

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
)

// fakePrinter answers DLE EOT over in-memory pipes, so the driver's timers run
// on synctest's fake clock. It can lose replies and send XON/XOFF.
type fakePrinter struct {
	toDriver   *io.PipeReader // the driver reads here
	fromFake   *io.PipeWriter
	fromDriver *io.PipeReader
	toFake     *io.PipeWriter

	mu      sync.Mutex
	cond    Cond
	drop    int  // replies to lose
	silent  bool // lose all replies
	queries int
	data    bytes.Buffer // what is not a query
}

func newFakePrinter() *fakePrinter {
	f := &fakePrinter{}
	f.toDriver, f.fromFake = io.Pipe()
	f.fromDriver, f.toFake = io.Pipe()
	go f.run()
	return f
}

func (f *fakePrinter) Read(p []byte) (int, error)  { return f.toDriver.Read(p) }
func (f *fakePrinter) Write(p []byte) (int, error) { return f.toFake.Write(p) }
func (f *fakePrinter) Close() error {
	f.toDriver.Close()
	f.toFake.Close()
	return nil
}

func (f *fakePrinter) run() {
	buf := make([]byte, 256)
	var win []byte
	for {
		n, err := f.fromDriver.Read(buf)
		if err != nil {
			f.fromFake.Close()
			return
		}
		for _, b := range buf[:n] {
			win = append(win, b)
			if len(win) > 3 {
				win = win[1:]
			}
			f.mu.Lock()
			if len(win) == 3 && win[0] == DLE && win[1] == EOT && win[2] >= 1 && win[2] <= 4 {
				f.queries++
				f.data.Truncate(f.data.Len() - 2)
				reply := !f.silent && f.drop == 0
				if f.drop > 0 {
					f.drop--
				}
				st := StatusByte(win[2], f.cond)
				win = win[:0]
				f.mu.Unlock()
				if reply {
					f.send(st)
				}
				continue
			}
			f.data.WriteByte(b)
			f.mu.Unlock()
		}
	}
}

func (f *fakePrinter) send(b ...byte) { go f.fromFake.Write(b) }

func (f *fakePrinter) set(fn func(f *fakePrinter)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakePrinter) stats() (queries int, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queries, bytes.Clone(f.data.Bytes())
}

type statusLog struct {
	mu sync.Mutex
	s  []devices.Status
}

func (l *statusLog) sink(e devices.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s = append(l.s, *e.Status)
}

func (l *statusLog) last() devices.Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.s) == 0 {
		return devices.Status{}
	}
	return l.s[len(l.s)-1]
}

const fakeReply = 500 * time.Millisecond

func startFake(t *testing.T, f *fakePrinter) (*Driver, *statusLog, chan error) {
	var log statusLog
	d := New(Config{StatusEvery: 3 * time.Second, ReplyTimeout: fakeReply}, log.sink, time.Now, nil)
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	go func() { done <- d.Session(ctx, f) }()
	return d, &log, done
}

func TestLostReplyIsAskedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakePrinter()
		f.set(func(f *fakePrinter) { f.drop = 1 })
		start := time.Now()
		_, log, _ := startFake(t, f)
		synctest.Wait()
		if s := log.last(); s.Connected {
			t.Fatalf("connected before the lost reply was asked again: %+v", s)
		}
		// Asked again after ReplyTimeout; the next query waits up to
		// ReplyTimeout more for the first reply, which might still come.
		time.Sleep(2*fakeReply - time.Nanosecond)
		synctest.Wait()
		if s := log.last(); s.Connected {
			t.Fatalf("connected after %s: the owed reply was not waited for", time.Since(start))
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if s := log.last(); !s.OK() {
			t.Fatalf("status %+v after %s", s, time.Since(start))
		}
		if q, _ := f.stats(); q != 4 { // DLE EOT 1 twice, 2, 4
			t.Errorf("%d queries", q)
		}
	})
}

func TestSilenceEndsSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakePrinter()
		_, log, done := startFake(t, f)
		synctest.Wait()
		if !log.last().OK() {
			t.Fatalf("status %+v", log.last())
		}
		f.set(func(f *fakePrinter) { f.silent = true })
		time.Sleep(3 * time.Second) // the next poll
		start := time.Now()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNoReply) {
				t.Fatalf("session ended with %v", err)
			}
			if took := time.Since(start); took != 2*fakeReply {
				t.Errorf("silence noticed after %s, want %s", took, 2*fakeReply)
			}
		case <-time.After(time.Minute):
			t.Fatal("session outlived a silent printer")
		}
		if s := log.last(); s.Connected || !s.Has(devices.FaultUnplugged) {
			t.Errorf("status %+v", s)
		}
	})
}

func TestXOFFPausesJobOnFakeClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakePrinter()
		d, _, _ := startFake(t, f)
		synctest.Wait()
		f.send(XOFF)
		synctest.Wait()
		_, before := f.stats()
		job := bytes.Repeat([]byte("0123456789"), 100)
		res := make(chan error, 1)
		go func() { res <- d.Print(t.Context(), job) }()
		time.Sleep(10 * time.Second) // three polls while paused
		synctest.Wait()
		q, data := f.stats()
		if len(data) != len(before) {
			t.Fatalf("%d bytes written after XOFF", len(data)-len(before))
		}
		if q < 3+3+3 {
			t.Errorf("%d queries: no polling while paused", q)
		}
		f.set(func(f *fakePrinter) { f.cond = CondOffline | CondCoverOpen })
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if s := d.Status(); !s.Has(devices.FaultCoverOpen) {
			t.Errorf("cover opened while paused not reported: %+v", s)
		}
		f.set(func(f *fakePrinter) { f.cond = 0 })
		f.send(XON)
		if err := <-res; err != nil {
			t.Fatal(err)
		}
		if _, data := f.stats(); !bytes.Equal(data[len(before):], job) {
			t.Fatalf("printer got %d bytes, want the %d of the job", len(data)-len(before), len(job))
		}
	})
}
