package scale_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/scale"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// fakeScale is an in-memory 8217 for tests inside a synctest bubble: replies
// arrive at once, a read times out after 100 ms of fake time.
type fakeScale struct {
	mu      sync.Mutex
	reading scale.Reading
	answer  func(cmd byte) []byte // overrides the SASI reply when set
	cmds    []byte
	failing error // Read returns it when set

	in      chan []byte
	closed  chan struct{}
	once    sync.Once
	pending []byte // only the reader touches it
}

func newFakeScale(r scale.Reading) *fakeScale {
	return &fakeScale{reading: r, in: make(chan []byte, 64), closed: make(chan struct{})}
}

func (f *fakeScale) set(r scale.Reading) {
	f.mu.Lock()
	f.reading = r
	f.mu.Unlock()
}

func (f *fakeScale) commands() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return string(f.cmds)
}

func (f *fakeScale) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range p {
		f.cmds = append(f.cmds, c)
		var out []byte
		switch {
		case f.answer != nil:
			out = f.answer(c)
		case c == 'W':
			out = scale.SASI{}.Reply(f.reading)
		case c == 'Z' && f.reading.Stable:
			f.reading.Grams = 0
		}
		if out != nil {
			f.in <- out
		}
	}
	return len(p), nil
}

func (f *fakeScale) Read(p []byte) (int, error) {
	if len(f.pending) == 0 {
		f.mu.Lock()
		err := f.failing
		f.mu.Unlock()
		if err != nil {
			return 0, err
		}
		select {
		case b := <-f.in:
			f.pending = b
		case <-time.After(100 * time.Millisecond):
			return 0, serialport.ErrTimeout
		case <-f.closed:
			return 0, os.ErrClosed
		}
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

func (f *fakeScale) Close() error {
	f.once.Do(func() { close(f.closed) })
	return nil
}

// events records what a driver emitted, as strings relative to t0.
type events struct {
	mu  sync.Mutex
	t0  time.Time
	log []string
}

func (e *events) sink(ev devices.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	at := ev.At.Sub(e.t0)
	switch ev.Kind {
	case devices.KindWeight:
		if ev.Weight.Moving {
			e.log = append(e.log, fmt.Sprintf("%v moving from %d", at, ev.Weight.Grams))
		} else {
			e.log = append(e.log, fmt.Sprintf("%v weight %d", at, ev.Weight.Grams))
		}
	case devices.KindStatus:
		e.log = append(e.log, fmt.Sprintf("%v connected=%v faults=%v", at, ev.Status.Connected, ev.Status.Faults))
	default:
		e.log = append(e.log, fmt.Sprintf("%v %s?", at, ev.Kind))
	}
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.log)
}

var fastConfig = scale.Config{PollEvery: 50 * time.Millisecond, Settler: scale.Settler{Settle: 150 * time.Millisecond, MotionFault: 500 * time.Millisecond}}

// session runs a session on f for d of fake time, then cancels it; it returns
// the events and the session's error.
func session(t *testing.T, f *fakeScale, d time.Duration, during func(*scale.Driver)) ([]string, error) {
	t.Helper()
	ev := &events{t0: time.Now()}
	drv := scale.New(devices.RoleBaggingScale, scale.SASI{}, fastConfig, ev.sink, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan error)
	go func() { done <- drv.Session(ctx, f) }()
	if during != nil {
		during(drv)
	}
	err := <-done
	if g, ok := drv.Current(); g != 0 || ok {
		t.Errorf("Current after the session = %d, %v; want 0, false", g, ok)
	}
	return ev.get(), err
}

func TestSession(t *testing.T) {
	const ms = time.Millisecond
	for _, tc := range []struct {
		name    string
		scale   func() *fakeScale
		during  func(*testing.T, *fakeScale, *scale.Driver)
		wantErr error
		want    []string
	}{
		{
			name:    "a stable 1.250 kg",
			scale:   func() *fakeScale { return newFakeScale(stable(1250)) },
			wantErr: context.DeadlineExceeded,
			want:    []string{"0s connected=true faults=[]", "150ms weight 1250"},
		},
		{
			name:  "a load put on, moving, then settling",
			scale: func() *fakeScale { return newFakeScale(stable(0)) },
			during: func(t *testing.T, f *fakeScale, d *scale.Driver) {
				time.Sleep(310 * ms) // between polls
				f.set(motion)
				time.Sleep(200 * ms)
				if g, ok := d.Current(); g != 0 || ok {
					t.Errorf("Current in motion = %d, %v", g, ok)
				}
				f.set(stable(800))
				time.Sleep(200 * ms)
				if g, ok := d.Current(); g != 800 || !ok {
					t.Errorf("Current settled = %d, %v", g, ok)
				}
			},
			wantErr: context.DeadlineExceeded,
			want:    []string{"0s connected=true faults=[]", "150ms weight 0", "350ms moving from 0", "700ms weight 800"},
		},
		{
			name:  "a hand on the platter for too long",
			scale: func() *fakeScale { return newFakeScale(motion) },
			during: func(t *testing.T, f *fakeScale, d *scale.Driver) {
				time.Sleep(610 * ms)
				f.set(stable(300))
			},
			wantErr: context.DeadlineExceeded,
			want:    []string{"0s connected=true faults=[]", "500ms connected=true faults=[motion]", "800ms connected=true faults=[]", "800ms weight 300"},
		},
		{
			name:  "zero",
			scale: func() *fakeScale { return newFakeScale(stable(40)) },
			during: func(t *testing.T, f *fakeScale, d *scale.Driver) {
				time.Sleep(210 * ms)
				d.Zero()
				time.Sleep(10 * ms)
				if got := f.commands(); got != "WWWWWZ" {
					t.Errorf("commands %q, want one Z after the polls", got)
				}
			},
			wantErr: context.DeadlineExceeded,
			want:    []string{"0s connected=true faults=[]", "150ms weight 40", "250ms moving from 40", "400ms weight 0"},
		},
		{
			name: "a silent scale",
			scale: func() *fakeScale {
				return &fakeScale{answer: func(byte) []byte { return nil }, in: make(chan []byte), closed: make(chan struct{})}
			},
			wantErr: scale.ErrNoReply,
			want:    nil,
		},
		{
			name: "a scale answering garbage",
			scale: func() *fakeScale {
				f := newFakeScale(stable(0))
				f.answer = func(byte) []byte { return []byte("\x02lb 1.25\r") }
				return f
			},
			wantErr: scale.ErrNoReply,
			want:    nil,
		},
		{
			name:  "a scale that stops answering",
			scale: func() *fakeScale { return newFakeScale(stable(500)) },
			during: func(t *testing.T, f *fakeScale, d *scale.Driver) {
				time.Sleep(300 * ms)
				f.mu.Lock()
				f.answer = func(byte) []byte { return nil }
				f.mu.Unlock()
			},
			wantErr: scale.ErrNoReply,
			want:    []string{"0s connected=true faults=[]", "150ms weight 500"},
		},
		{
			name:  "an unplugged port",
			scale: func() *fakeScale { return newFakeScale(stable(500)) },
			during: func(t *testing.T, f *fakeScale, d *scale.Driver) {
				time.Sleep(300 * ms)
				f.mu.Lock()
				f.failing = serialport.ErrUnplugged
				f.mu.Unlock()
			},
			wantErr: serialport.ErrUnplugged,
			want:    []string{"0s connected=true faults=[]", "150ms weight 500"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := tc.scale()
				var during func(*scale.Driver)
				if tc.during != nil {
					during = func(d *scale.Driver) { tc.during(t, f, d) }
				}
				got, err := session(t, f, time.Second, during)
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("session ended with %v, want %v", err, tc.wantErr)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("events\n\t%q\nwant\n\t%q", got, tc.want)
				}
			})
		})
	}
}

func TestSessionTimesOutAfterThreePolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeScale(stable(0))
		f.answer = func(byte) []byte { return nil }
		start := time.Now()
		_, err := session(t, f, time.Minute, nil)
		if !errors.Is(err, scale.ErrNoReply) || time.Since(start) != 150*time.Millisecond {
			t.Errorf("ended with %v after %v; want ErrNoReply after 3 polls of 50 ms", err, time.Since(start))
		}
		if got := f.commands(); got != "WWW" {
			t.Errorf("commands %q", got)
		}
	})
}

func TestZeroRequestsCountOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := scale.New(devices.RoleProduceScale, scale.SASI{}, fastConfig, nil, nil, nil)
		d.Zero()
		d.Zero()
		f := newFakeScale(stable(10))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if err := d.Session(ctx, f); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("session: %v", err)
		}
		if got := f.commands(); got != "WZ" {
			t.Errorf("commands %q, want a poll, then one zero", got)
		}
	})
}

func TestOneSessionAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := scale.New(devices.RoleProduceScale, scale.SASI{}, fastConfig, nil, nil, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- d.Session(ctx, newFakeScale(stable(0))) }()
		synctest.Wait()
		if err := d.Session(ctx, newFakeScale(stable(0))); err == nil {
			t.Error("a second concurrent session was accepted")
		}
		cancel()
		<-done
	})
}

// TestRunReportsOneOutage runs the supervisor on fake ports: a scale switched
// off behind a live adapter (the port opens, nothing answers) is one outage, not
// a flapping link; it is back when it answers again, and its unchanged load is
// not reported again.
func TestRunReportsOneOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		on, opens := true, 0
		var cur *fakeScale
		silent := func(byte) []byte { return nil }
		open := func() (io.ReadWriteCloser, error) {
			mu.Lock()
			defer mu.Unlock()
			opens++
			cur = newFakeScale(stable(700))
			if !on {
				cur.answer = silent
			}
			return cur, nil
		}
		power := func(v bool) {
			mu.Lock()
			defer mu.Unlock()
			on = v
			cur.mu.Lock()
			if !v {
				cur.answer = silent
			}
			cur.mu.Unlock()
		}
		ev := &events{t0: time.Now()}
		d := scale.New(devices.RoleBaggingScale, scale.SASI{}, fastConfig, ev.sink, nil, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			scale.Run(ctx, serialport.OpenFunc(open), serialport.Backoff{Min: 50 * time.Millisecond, Max: 400 * time.Millisecond}, d)
		}()
		time.Sleep(time.Second)
		power(false)
		time.Sleep(5 * time.Second)
		power(true)
		time.Sleep(2 * time.Second)
		cancel()
		<-done

		got := ev.get()
		var kinds []string
		for _, e := range got {
			kinds = append(kinds, strings.SplitN(e, " ", 2)[1])
		}
		// One outage, and the load said again once the scale is back.
		want := []string{"connected=true faults=[]", "weight 700", "connected=false faults=[unplugged]", "connected=true faults=[]", "weight 700"}
		if !slices.Equal(kinds, want) {
			t.Errorf("events %q, want %q", got, want)
		}
		if opens < 5 {
			t.Errorf("%d opens: the supervisor did not keep trying", opens)
		}
	})
}
