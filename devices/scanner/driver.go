package scanner

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// Stats counts what a Driver saw. Frames = Scans + Doubles + the sum of Refused.
type Stats struct {
	Frames  int            // lines framed, refused ones included
	Scans   int            // barcodes emitted
	Doubles int            // double reads dropped
	Refused map[Reason]int // lines refused (each emitted as a refusal), by reason
}

// Driver turns the lines of one scanner into scan events. It runs one Session at
// a time (Run supervises them); Stats may be called from any goroutine.
type Driver struct {
	cfg  Config
	sink devices.Sink
	now  func() time.Time
	log  *slog.Logger

	mu      sync.Mutex // guards everything below
	framer  *Framer
	stats   Stats
	last    string    // data of the last barcode read, dropped doubles included
	lastAt  time.Time // when it was read
	hasLast bool
	logged  map[Reason]logState
}

// logState rate-limits refusal logs: a scanner at the wrong baud rate refuses
// lines as fast as it sends them.
type logState struct {
	at     time.Time
	missed int
}

const refusalLogEvery = time.Second

// New returns a driver reporting to sink. now and log may be nil (time.Now, no
// logs). New panics when cfg does not Validate: check configuration when loading
// it.
func New(cfg Config, sink devices.Sink, now func() time.Time, log *slog.Logger) *Driver {
	fr, err := NewFramer(cfg)
	if err != nil {
		panic(err)
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Driver{cfg: fr.cfg, sink: sink, now: now, log: log, framer: fr, logged: make(map[Reason]logState)}
}

// Session reads lines from a connected scanner and emits its scans until ctx
// ends (it then returns ctx.Err()) or the port fails. It has the shape of a
// serialport.Session; a read timeout (serialport.IsTimeout) only means silence.
func (d *Driver) Session(ctx context.Context, rw io.ReadWriteCloser) error {
	d.mu.Lock()
	d.framer.Reset() // a line cut by the last unplug is gone
	d.mu.Unlock()
	buf := make([]byte, 512)
	var events []devices.Event
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := rw.Read(buf)
		if n > 0 {
			events = d.feed(buf[:n], events[:0])
			for _, ev := range events {
				d.sink(ev)
			}
		}
		switch {
		case err == nil || serialport.IsTimeout(err):
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			return fmt.Errorf("scanner: %w", err)
		}
	}
}

// feed frames b and returns the events to emit: a scan for each barcode that is
// not a double read, and a scan with Refused set for each refused line (whose
// log is rate-limited, the event never). A refused line does not count as the
// last read for double-read suppression.
func (d *Driver) feed(b []byte, events []devices.Event) []devices.Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, fr := range d.framer.Feed(b) {
		d.stats.Frames++
		now := d.now()
		if fr.Err != "" {
			d.refused(fr, now)
			events = append(events, devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, At: now,
				Scan: &devices.Scan{Data: fr.Data, Refused: string(fr.Err)}})
			continue
		}
		if d.hasLast && fr.Data == d.last && d.cfg.DoubleReadWindow >= 0 && now.Sub(d.lastAt) < d.cfg.DoubleReadWindow {
			d.lastAt = now
			d.stats.Doubles++
			d.log.Debug("scanner: double read dropped", "data", escape([]byte(fr.Data)))
			continue
		}
		d.last, d.lastAt, d.hasLast = fr.Data, now, true
		d.stats.Scans++
		events = append(events, devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, At: now,
			Scan: &devices.Scan{Data: fr.Data}})
	}
	return events
}

// refused logs a refused line, at most once per refusalLogEvery and reason.
func (d *Driver) refused(fr Frame, now time.Time) {
	st := d.logged[fr.Err]
	if !st.at.IsZero() && now.Sub(st.at) < refusalLogEvery {
		st.missed++
		d.logged[fr.Err] = st
		return
	}
	d.log.Warn("scanner: line refused", "reason", string(fr.Err), "data", fr.Data, "unlogged_since_last", st.missed)
	d.logged[fr.Err] = logState{at: now}
}

// Stats returns the counts so far.
func (d *Driver) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.stats
	s.Refused = d.framer.Counts()
	if s.Refused == nil {
		s.Refused = map[Reason]int{}
	}
	return s
}

// Run keeps d reading from the port open returns, reconnecting after an unplug
// (serialport.Supervise), until ctx ends. Every change between connected and not
// is emitted as a status event: Connected true, or Connected false with
// FaultUnplugged.
func Run(ctx context.Context, open serialport.Opener, backoff serialport.Backoff, d *Driver) {
	var last *devices.Status
	serialport.Supervise(ctx, open, backoff, d.Session, func(up bool, err error) {
		st := devices.Status{Connected: up}
		if !up {
			st.Faults = []string{devices.FaultUnplugged}
		}
		if last != nil && last.Equal(st) {
			return
		}
		last = &st
		if up {
			d.log.Info("scanner: connected")
		} else {
			d.log.Warn("scanner: disconnected", "err", err)
		}
		ev := st
		ev.Faults = append([]string(nil), st.Faults...)
		d.sink(devices.Event{Role: devices.RoleScanner, Kind: devices.KindStatus, At: d.now(), Status: &ev})
	})
}

var _ serialport.Session = (*Driver)(nil).Session
