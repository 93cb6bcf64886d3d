package escpos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// Config describes the printer a Driver talks to.
type Config struct {
	Width        int           // paper width in mm: 58 or 80 (default 80)
	StatusEvery  time.Duration // status poll while idle (default 3 s)
	ReplyTimeout time.Duration // wait for a DLE EOT reply (default 500 ms); no reply to a query sent twice ends the session
	ChunkSize    int           // bytes written between flow-control checks (default 256)
	// Baud is the line speed in bit/s (default 9600). A status query queues
	// behind the job bytes written before it, so its reply may take the time
	// they need on the line on top of ReplyTimeout.
	Baud int
}

// Dots is the printable width in dots at 203 dpi: 384 on 58 mm paper, 576 on 80 mm.
func (c Config) Dots() int { return DotsFor(c.Width) }

// Columns is the number of Font A characters (12 dots) on a line: 32 or 48.
func (c Config) Columns() int { return ColumnsFor(c.Width) }

// DotsFor is the printable width in dots of paper widthMM wide (58 or 80).
func DotsFor(widthMM int) int {
	if widthMM == 58 {
		return 384
	}
	return 576
}

// ColumnsFor is the number of Font A columns on paper widthMM wide.
func ColumnsFor(widthMM int) int { return DotsFor(widthMM) / 12 }

func (c *Config) normalize() {
	if c.Width != 58 {
		c.Width = 80
	}
	if c.StatusEvery <= 0 {
		c.StatusEvery = 3 * time.Second
	}
	if c.ReplyTimeout <= 0 {
		c.ReplyTimeout = 500 * time.Millisecond
	}
	if c.ChunkSize <= 0 {
		c.ChunkSize = 256
	}
	if c.Baud <= 0 {
		c.Baud = 9600
	}
}

// Errors Print returns, wrapped in a *PrintError. Test them with errors.Is.
var (
	ErrNotConnected = errors.New("escpos: printer not connected")
	ErrOffline      = errors.New("escpos: printer offline")
	ErrCoverOpen    = errors.New("escpos: printer cover open")
	ErrPaperEnd     = errors.New("escpos: printer out of paper")
	ErrFault        = errors.New("escpos: printer error")
	ErrBusy         = errors.New("escpos: printer busy with another job")
	// ErrNoReply ends a session whose printer stopped answering status queries.
	ErrNoReply = errors.New("escpos: no status reply")
)

// PrintError says why a job was refused or may not have come out whole. Its
// message names the cause in words ("escpos: printer cover open", "escpos:
// printer error: autocutter jammed"), every other fault the printer reported
// with it, what ended the job, and whether a reprint is due.
type PrintError struct {
	// Reprint is true when (part of) the job was sent: the receipt may be
	// missing or torn, so offer staff a reprint. False means nothing was sent.
	Reprint bool
	Status  devices.Status // the printer's status when the job failed
	Err     error          // ErrNotConnected, ErrOffline, ErrCoverOpen, ErrPaperEnd, ErrFault or ErrBusy
	Cause   error          // what ended the job, when not the status: a write error or the context's
}

func (e *PrintError) Error() string {
	s := "escpos: print failed"
	if e.Err != nil {
		s = e.Err.Error()
	}
	// The faults the sentinel does not say already, in the status's order.
	var more []string
	for _, code := range e.Status.Faults {
		if err := faultErr[code]; err == nil || err != e.Err {
			more = append(more, FaultText(code))
		}
	}
	switch {
	case len(more) == 0:
	case e.Err == ErrFault:
		s += ": " + strings.Join(more, "; ")
	default:
		s += "; also " + strings.Join(more, "; ")
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	if e.Reprint {
		s += " (job sent, offer a reprint)"
	}
	return s
}

func (e *PrintError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// faultErr is the sentinel that already names a fault code in words.
var faultErr = map[string]error{
	devices.FaultUnplugged: ErrNotConnected,
	devices.FaultCoverOpen: ErrCoverOpen,
	devices.FaultPaperEnd:  ErrPaperEnd,
	devices.FaultOffline:   ErrOffline,
}

// FaultText says what a printer's fault or warning code means, for staff.
// The causes follow Epson's DLE EOT 3 notes: an autocutter error is mostly a
// paper jam at the cutter; an unrecoverable error needs the power cycled; an
// auto-recoverable one (head too hot) or a mechanical one clears by itself or
// with the cover opened and closed.
func FaultText(code string) string {
	switch code {
	case devices.FaultUnplugged:
		return "not connected"
	case devices.FaultCoverOpen:
		return "cover open"
	case devices.FaultPaperEnd:
		return "out of paper"
	case devices.FaultOffline:
		return "offline"
	case devices.FaultCutter:
		return "autocutter jammed"
	case devices.FaultUnrecover:
		return "unrecoverable error, switch the printer off and on"
	case devices.FaultRecoverable:
		return "recoverable error (print head too hot or mechanism blocked)"
	case devices.WarnPaperNearEnd:
		return "paper near its end"
	}
	return code
}

// statusErr picks the error a status stands for, nil when it is fine to print.
func statusErr(s devices.Status) error {
	switch {
	case !s.Connected:
		return ErrNotConnected
	case s.Has(devices.FaultCoverOpen):
		return ErrCoverOpen
	case s.Has(devices.FaultPaperEnd):
		return ErrPaperEnd
	case s.Has(devices.FaultOffline):
		return ErrOffline
	case len(s.Faults) > 0:
		return ErrFault
	}
	return nil
}

// Driver drives one ESC/POS receipt printer on a serial line: it initialises
// the printer on every connection, polls its real-time status, reports every
// change to the sink and prints jobs with software flow control.
type Driver struct {
	cfg  Config
	sink devices.Sink
	now  func() time.Time
	log  *slog.Logger

	mu      sync.Mutex
	status  devices.Status
	emitted bool
	sess    *session

	emitMu sync.Mutex // keeps events in the order of the changes
}

type session struct {
	jobs chan job
	done chan struct{}
}

type job struct {
	ctx  context.Context
	data []byte
	res  chan error
}

// New returns a driver for cfg that reports to sink. now stamps events (nil:
// time.Now); log may be nil.
func New(cfg Config, sink devices.Sink, now func() time.Time, log *slog.Logger) *Driver {
	cfg.normalize()
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if sink == nil {
		sink = func(devices.Event) {}
	}
	return &Driver{cfg: cfg, sink: sink, now: now, log: log.With("device", "printer"),
		status: unplugged()}
}

// Config returns the driver's configuration, defaults filled in.
func (d *Driver) Config() Config { return d.cfg }

func unplugged() devices.Status {
	return devices.Status{Faults: []string{devices.FaultUnplugged}}
}

// Status returns the printer's current status.
func (d *Driver) Status() devices.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

// setStatus records s and emits it when it changed (or was never emitted).
func (d *Driver) setStatus(s devices.Status) {
	d.emitMu.Lock()
	defer d.emitMu.Unlock()
	d.mu.Lock()
	if d.emitted && d.status.Equal(s) {
		d.mu.Unlock()
		return
	}
	d.status, d.emitted = s, true
	d.mu.Unlock()
	d.log.Info("printer status", "connected", s.Connected, "faults", s.Faults, "warnings", s.Warnings)
	d.sink(devices.Event{Role: devices.RolePrinter, Kind: devices.KindStatus, At: d.now(), Status: &s})
}

// Run keeps a session with the printer going across unplug and replug until
// ctx ends (serialport.Supervise). The printer is reported connected once it
// answered its first status poll, unplugged as soon as a session ends or the
// port cannot be opened.
func Run(ctx context.Context, open serialport.Opener, backoff serialport.Backoff, d *Driver) {
	serialport.Supervise(ctx, open, backoff, d.Session, func(up bool, err error) {
		if up {
			d.log.Debug("printer port open")
			return
		}
		d.log.Warn("printer gone", "err", err)
		d.setStatus(unplugged())
	})
}

// Print sends job, a complete ESC/POS stream, to the printer. It polls the
// status first and refuses the job (nothing sent) when the printer is
// unplugged, offline, open, out of paper or in error; it writes the job in
// chunks, pausing while the printer has sent XOFF, and polls again afterwards.
// Any error is a *PrintError; its Reprint says whether the job was sent.
// Jobs are printed one at a time.
func (d *Driver) Print(ctx context.Context, data []byte) error {
	d.mu.Lock()
	s, st := d.sess, d.status
	d.mu.Unlock()
	if s == nil {
		return &PrintError{Status: st, Err: ErrNotConnected}
	}
	j := job{ctx: ctx, data: data, res: make(chan error, 1)}
	select {
	case s.jobs <- j:
	case <-s.done:
		return &PrintError{Status: d.Status(), Err: ErrNotConnected}
	case <-ctx.Done():
		return &PrintError{Status: d.Status(), Err: ErrBusy, Cause: ctx.Err()}
	}
	return <-j.res // a session answers every job it took
}

// conn is one session with a connected printer.
type conn struct {
	d      *Driver
	rw     io.ReadWriteCloser
	frames chan Frame
	errc   chan error
	tick   *time.Ticker

	flowMu sync.Mutex
	paused bool
	resume chan struct{} // closed on XON

	stray   int    // DLE EOT n sequences sent inside job data, replies yet to come
	win     []byte // last two bytes written, to find such sequences across chunks
	unacked int    // job bytes written since the last status reply: maybe still on the line
}

// Session talks to a connected printer until ctx ends or the printer fails
// (serialport.Session): it sends ESC @ and the code page, polls DLE EOT 1, 2
// (3) and 4 every StatusEvery and runs the jobs Print hands it. A status query
// left unanswered twice for ReplyTimeout each (plus the time job bytes written
// before it need at Baud) ends it with ErrNoReply, so the supervisor
// reconnects. It closes rw before returning.
func (d *Driver) Session(ctx context.Context, rw io.ReadWriteCloser) (err error) {
	c := &conn{d: d, rw: rw, frames: make(chan Frame, 64), errc: make(chan error, 1)}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		c.read()
	}()
	s := &session{jobs: make(chan job), done: make(chan struct{})}
	defer func() {
		d.mu.Lock()
		if d.sess == s {
			d.sess = nil
		}
		d.mu.Unlock()
		close(s.done)
		rw.Close()
		<-readerDone
		d.setStatus(unplugged())
		d.log.Debug("printer session over", "err", err)
		if ctx.Err() != nil {
			err = ctx.Err() // the port closed because we were told to stop
		}
	}()

	c.tick = time.NewTicker(d.cfg.StatusEvery)
	defer c.tick.Stop()
	if f, ok := rw.(interface{ Flush() error }); ok {
		f.Flush() // replies a previous session left unread would answer our queries
	}
	if _, err := rw.Write(NewBuilder(0).Init().CodePage().Bytes()); err != nil {
		return fmt.Errorf("escpos: init: %w", err)
	}
	d.mu.Lock()
	d.sess = s // jobs wait for the loop below; each polls before it prints
	d.mu.Unlock()
	if _, err := c.poll(ctx); err != nil {
		return err
	}

	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-c.errc:
			return err
		case f := <-c.frames:
			c.frame(f)
		case <-c.tick.C:
			if _, err := c.poll(ctx); err != nil {
				return err
			}
		case j := <-s.jobs:
			if err := c.print(ctx, j); err != nil {
				return err
			}
		}
	}
}

// read feeds what the printer sends to the demuxer: XON/XOFF act at once,
// other frames queue for the session. It ends on the first error that is not a
// read timeout.
func (c *conn) read() {
	var dm Demux
	buf := make([]byte, 256)
	emit := func(f Frame) {
		switch f.Kind {
		case FrameXOFF:
			c.setPaused(true)
		case FrameXON:
			c.setPaused(false)
		case FrameOther:
			c.d.log.Debug("printer sent an unknown byte", "byte", f.B[0])
		default:
			select {
			case c.frames <- f:
			default:
				c.d.log.Warn("printer frame dropped", "kind", f.Kind)
			}
		}
	}
	for {
		n, err := c.rw.Read(buf)
		dm.Feed(buf[:n], emit)
		if err != nil && !isTimeout(err) {
			c.errc <- err
			return
		}
	}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return serialport.IsTimeout(err) || errors.As(err, &t) && t.Timeout()
}

func (c *conn) setPaused(p bool) {
	c.flowMu.Lock()
	defer c.flowMu.Unlock()
	if p == c.paused {
		return
	}
	c.paused = p
	if p {
		c.resume = make(chan struct{})
	} else {
		close(c.resume)
	}
	c.d.log.Debug("printer flow control", "paused", p)
}

// writable returns nil when writes may go on, else a channel closed on XON.
func (c *conn) writable() chan struct{} {
	c.flowMu.Lock()
	defer c.flowMu.Unlock()
	if !c.paused {
		return nil
	}
	return c.resume
}

// frame handles a frame that arrived while no query was waiting.
func (c *conn) frame(f Frame) {
	switch f.Kind {
	case FrameASB:
		if cond, err := DecodeASB(f.B); err == nil {
			c.d.setStatus(cond.Status())
		}
	case FrameStatus:
		if c.stray > 0 {
			c.stray--
		} else {
			c.d.log.Debug("unsolicited status byte", "byte", f.B[0])
		}
	}
}

// poll asks DLE EOT 1, 2, 3 (only when 2 reports an error) and 4, records the
// status and returns it.
func (c *conn) poll(ctx context.Context) (devices.Status, error) {
	var cond Cond
	for _, n := range []byte{QueryPrinter, QueryOffline, QueryError, QueryPaper} {
		if n == QueryError && cond&CondError == 0 {
			continue
		}
		b, err := c.query(ctx, n)
		if err != nil {
			return devices.Status{}, err
		}
		cn, err := DecodeStatus(n, b)
		if err != nil { // the demuxer only passes valid bytes
			return devices.Status{}, err
		}
		cond |= cn
	}
	s := cond.Status()
	c.d.setStatus(s)
	return s, nil
}

// replyWait is how long a reply may take: ReplyTimeout plus the time the job
// bytes still ahead of the query need on the line.
func (c *conn) replyWait() time.Duration {
	line := time.Duration(c.unacked) * 10 * time.Second / time.Duration(c.d.cfg.Baud)
	return c.d.cfg.ReplyTimeout + line
}

// settle waits, for at most replyWait, for the replies a printer gives to
// DLE EOT sequences that happened to be inside job data (Epson processes
// real-time commands as it receives them), so they are not taken for replies
// to the next query.
func (c *conn) settle(ctx context.Context) {
	if c.stray == 0 {
		return
	}
	t := time.NewTimer(c.replyWait())
	defer t.Stop()
	for c.stray > 0 {
		select {
		case f := <-c.frames:
			c.frame(f)
		case <-t.C:
			c.stray = 0
		case <-ctx.Done():
			return
		}
	}
}

// query sends DLE EOT n and waits for its reply. A query left unanswered is
// sent once more before the printer counts as gone, so that one byte lost on
// the line (or a slow reply) does not drop the session; the late reply the
// first one may still get is then owed, like a stray one.
func (c *conn) query(ctx context.Context, n byte) (byte, error) {
	c.settle(ctx)
	for drained := false; !drained; {
		select {
		case f := <-c.frames:
			c.frame(f)
		default:
			drained = true
		}
	}
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		if _, err := c.rw.Write(Query(n)); err != nil {
			return 0, fmt.Errorf("escpos: DLE EOT %d: %w", n, err)
		}
		wait := c.replyWait()
		b, ok, err := c.reply(ctx, wait)
		waited += wait
		switch {
		case err != nil:
			return 0, err
		case ok:
			c.unacked = 0
			return b, nil
		case attempt == 2:
			return 0, fmt.Errorf("%w to DLE EOT %d within %s", ErrNoReply, n, waited)
		}
		c.d.log.Warn("printer slow to answer, asking again", "query", n, "waited", wait)
		c.stray++
	}
}

// reply waits up to wait for a status byte; ok is false when none came.
func (c *conn) reply(ctx context.Context, wait time.Duration) (b byte, ok bool, err error) {
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return 0, false, ctx.Err()
		case err := <-c.errc:
			c.errc <- err // leave it for the session loop too
			return 0, false, err
		case f := <-c.frames:
			if f.Kind == FrameStatus {
				return f.B[0], true, nil
			}
			c.frame(f)
		case <-t.C:
			return 0, false, nil
		}
	}
}

// print runs one job and answers it. It returns an error only when the
// session must end.
func (c *conn) print(ctx context.Context, j job) error {
	st, err := c.poll(ctx)
	if err != nil {
		j.res <- &PrintError{Status: c.d.Status(), Err: ErrNotConnected, Cause: err}
		return err
	}
	if e := statusErr(st); e != nil {
		j.res <- &PrintError{Status: st, Err: e}
		return nil
	}
	sent := false
	for off := 0; off < len(j.data); {
		if err := c.waitWritable(ctx, j.ctx); err != nil {
			st := c.d.Status()
			e := statusErr(st)
			if e == nil {
				e = ErrOffline // paused by XOFF with no known cause
			}
			j.res <- &PrintError{Reprint: sent, Status: st, Err: e, Cause: err}
			if err == j.ctx.Err() {
				return nil // only the job gave up
			}
			return err
		}
		end := min(off+c.d.cfg.ChunkSize, len(j.data))
		n, err := c.rw.Write(j.data[off:end])
		c.countStray(j.data[off : off+n])
		c.unacked += n
		sent = sent || n > 0
		if err != nil {
			j.res <- &PrintError{Reprint: sent, Status: unplugged(), Err: ErrNotConnected, Cause: err}
			return fmt.Errorf("escpos: write: %w", err)
		}
		off = end
	}
	st, err = c.poll(ctx)
	if err != nil {
		j.res <- &PrintError{Reprint: true, Status: c.d.Status(), Err: ErrNotConnected, Cause: err}
		return err
	}
	if e := statusErr(st); e != nil {
		j.res <- &PrintError{Reprint: true, Status: st, Err: e}
		return nil
	}
	j.res <- nil
	return nil
}

// waitWritable blocks while the printer has sent XOFF, polling its status
// meanwhile (DLE EOT is answered even then).
func (c *conn) waitWritable(ctx, jctx context.Context) error {
	for {
		resume := c.writable()
		if resume == nil {
			return jctx.Err()
		}
		select {
		case <-resume:
		case <-ctx.Done():
			return ctx.Err()
		case <-jctx.Done():
			return jctx.Err()
		case err := <-c.errc:
			c.errc <- err
			return err
		case f := <-c.frames:
			c.frame(f)
		case <-c.tick.C:
			if _, err := c.poll(ctx); err != nil {
				return err
			}
		}
	}
}

// countStray counts the DLE EOT n (n 1–4) sequences in what was just written.
func (c *conn) countStray(p []byte) {
	for _, b := range p {
		c.win = append(c.win, b)
		if len(c.win) > 3 {
			c.win = c.win[len(c.win)-3:]
		}
		if len(c.win) == 3 && c.win[0] == DLE && c.win[1] == EOT && c.win[2] >= 1 && c.win[2] <= 4 {
			c.stray++
		}
	}
}
