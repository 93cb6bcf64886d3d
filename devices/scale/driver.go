package scale

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// Driver defaults, applied to zero (or negative) fields of a Config.
const (
	DefaultPollEvery = 200 * time.Millisecond
	DefaultMisses    = 3
)

// Config tunes a Driver.
type Config struct {
	PollEvery time.Duration // interval between polls; default 200 ms (≈5 Hz)
	Misses    int           // polls in a row without a valid reply that end a session; default 3
	Settler   Settler       // the settle filter's settings (its state is not used)
}

// Driver polls one scale, feeds its readings to a Settler and reports settled
// weight changes and fault changes as events. It runs one Session at a time (Run
// supervises them); Zero and Current may be called from any goroutine.
type Driver struct {
	role  devices.Role
	proto Protocol
	cfg   Config
	sink  devices.Sink
	now   func() time.Time
	log   *slog.Logger

	zero    chan struct{} // holds a queued zero command
	running atomic.Bool

	// Owned by the goroutine running sessions and Run's reports.
	settler Settler
	up      bool // Connected true reported in this session
	down    bool // Connected false reported since the scale last answered
	bad     int  // malformed replies in this session

	mu  sync.Mutex // guards cur
	cur Reading
}

// New returns a driver for the scale playing role, speaking proto, reporting to
// sink. now stamps events and clocks the settle filter (time.Now when nil); log
// may be nil (no logs). Pacing between polls uses the time package.
func New(role devices.Role, proto Protocol, cfg Config, sink devices.Sink, now func() time.Time, log *slog.Logger) *Driver {
	if proto == nil {
		panic("scale: nil protocol")
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = DefaultPollEvery
	}
	if cfg.Misses <= 0 {
		cfg.Misses = DefaultMisses
	}
	if sink == nil {
		sink = func(devices.Event) {}
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st := cfg.Settler
	return &Driver{
		role:    role,
		proto:   proto,
		cfg:     cfg,
		sink:    sink,
		now:     now,
		log:     log.With("device", string(role), "protocol", proto.Name()),
		zero:    make(chan struct{}, 1),
		settler: Settler{Band: st.Band, Settle: st.Settle, Count: st.Count, MotionFault: st.MotionFault},
	}
}

// Zero queues a zero command: a running session sends it at once; while the
// scale is disconnected it waits for the next session. Requests made before it
// is sent count once. The scale itself ignores it while the load moves
// or when the weight is outside its zero-capture range.
func (d *Driver) Zero() {
	select {
	case d.zero <- struct{}{}:
	default:
	}
}

// Current returns the latest reading: its grams (0 when the scale withheld the
// weight) and whether the scale reported it stable. Between sessions it returns
// (0, false). The lane reads the produce scale with it when a shopper picks an
// item sold by weight.
func (d *Driver) Current() (grams int, stable bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cur.Grams, d.cur.Stable
}

func (d *Driver) setCurrent(r Reading) {
	d.mu.Lock()
	d.cur = r
	d.mu.Unlock()
}

type reply struct {
	r   Reading
	err error
}

// Session polls a connected scale until ctx ends (it then returns ctx.Err()), the
// port fails, or Config.Misses polls in a row get no valid reply (ErrNoReply); it
// has the shape of a serialport.Session. It reports Connected true with the
// first valid reply. One goroutine reads and frames replies while this one polls,
// so every reply — late or unsolicited ones included — is handled when it
// arrives, not when the next poll is answered. Session closes rw before it
// returns, so that reader has ended; Close must tolerate a second call, as
// serialport.Port's does.
func (d *Driver) Session(ctx context.Context, rw io.ReadWriteCloser) error {
	if !d.running.CompareAndSwap(false, true) {
		return errors.New("scale: a session is already running")
	}
	defer d.running.Store(false)
	if f, ok := rw.(interface{ Flush() error }); ok {
		f.Flush() // drop replies left over from an earlier session
	}

	replies := make(chan reply, 16)
	failed := make(chan error, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { d.read(rw, replies, failed, stop) })
	defer func() {
		close(stop)
		rw.Close()
		wg.Wait()
		d.settler.Disconnected()
		d.setCurrent(Reading{})
		d.up = false
		d.bad = 0
	}()

	tick := time.NewTicker(d.cfg.PollEvery)
	defer tick.Stop()
	if err := d.send(rw, d.proto.Poll()); err != nil {
		return err
	}
	answered, misses := false, 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-failed:
			return err
		case rp := <-replies:
			if rp.err == nil {
				answered, misses = true, 0
			}
			d.handle(rp)
		case <-d.zero:
			d.log.Info("scale: zero")
			if err := d.send(rw, d.proto.Zero()); err != nil {
				return err
			}
		case <-tick.C:
			if !answered {
				misses++
				if misses >= d.cfg.Misses {
					return fmt.Errorf("scale: %d polls in a row unanswered: %w", misses, ErrNoReply)
				}
			}
			answered = false
			if err := d.send(rw, d.proto.Poll()); err != nil {
				return err
			}
		}
	}
}

func (d *Driver) send(w io.Writer, cmd []byte) error {
	if _, err := w.Write(cmd); err != nil {
		return fmt.Errorf("scale: write %q: %w", cmd, err)
	}
	return nil
}

// read frames what rw delivers into replies until rw fails or stop closes.
func (d *Driver) read(rw io.Reader, replies chan<- reply, failed chan<- error, stop <-chan struct{}) {
	dec := newDecoder(d.proto)
	buf := make([]byte, 64)
	emit := func(r Reading, err error) {
		select {
		case replies <- reply{r, err}:
		case <-stop:
		}
	}
	for {
		n, err := rw.Read(buf)
		if n > 0 {
			dec.feed(buf[:n], emit)
		}
		if err != nil && !isTimeout(err) {
			failed <- fmt.Errorf("scale: read: %w", err)
			return
		}
		select {
		case <-stop:
			return
		default:
		}
	}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// handle runs one reply through the settle filter and reports what it changed.
func (d *Driver) handle(rp reply) {
	at := d.now()
	if rp.err != nil {
		d.bad++
		if d.bad == 1 || d.bad%100 == 0 {
			d.log.Warn("scale: unreadable reply", "err", rp.err, "count", d.bad)
		}
		d.settler.Break()
		return
	}
	d.setCurrent(rp.r)
	if !d.up {
		d.up, d.down = true, false
		d.log.Info("scale: connected")
		d.sink(devices.Event{Role: d.role, Kind: devices.KindStatus, At: at,
			Status: &devices.Status{Connected: true, Faults: d.settler.Faults()}})
	}
	ch := d.settler.Add(at, rp.r)
	if ch.Faults {
		d.log.Info("scale: faults", "faults", ch.Active)
		d.sink(devices.Event{Role: d.role, Kind: devices.KindStatus, At: at,
			Status: &devices.Status{Connected: true, Faults: ch.Active}})
	}
	if ch.Weight || ch.Moving {
		d.sink(devices.Event{Role: d.role, Kind: devices.KindWeight, At: at,
			Weight: &devices.Weight{Grams: ch.Grams, Moving: ch.Moving}})
	}
}

// disconnected reports Connected false once per outage.
func (d *Driver) disconnected(err error) {
	if d.down {
		return
	}
	d.down = true
	d.log.Warn("scale: disconnected", "err", err)
	d.sink(devices.Event{Role: d.role, Kind: devices.KindStatus, At: d.now(),
		Status: &devices.Status{Connected: false, Faults: []string{devices.FaultUnplugged}}})
}

// Run keeps sessions with the scale going until ctx ends, reconnecting with
// backoff (serialport.Supervise). It reports Connected false with FaultUnplugged
// once per outage — the port is gone, will not open, or the scale stopped
// answering — and Connected true when a session gets the scale's first valid
// reply, so a scale that is switched off behind a live USB adapter reports one
// outage, not a flapping link. Run blocks; give it its own goroutine.
func Run(ctx context.Context, open serialport.Opener, backoff serialport.Backoff, d *Driver) {
	serialport.Supervise(ctx, open, backoff, d.Session, func(connected bool, err error) {
		if connected {
			d.log.Debug("scale: port open")
			return
		}
		d.disconnected(err)
	})
}
