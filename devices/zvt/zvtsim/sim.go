package zvtsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/kiosk-sco/kiosk/devices/simport"
	"github.com/kiosk-sco/kiosk/devices/zvt"
)

// Options configure a simulated terminal; zero values take the defaults.
type Options struct {
	// Ledger is the path of the journal file (JSON lines, created 0600).
	// Required: a terminal without one could not be counted.
	Ledger string
	// TerminalID is the terminal id, 8 digits (default 52500001).
	TerminalID string
	// T3 is how long the terminal waits for the cash register's 80 00 to
	// each of its messages (default 5 s).
	T3 time.Duration
	// CardTimeout is how long the terminal waits for a card that is never
	// presented (Timeout) before it gives up with 6C (default 60 s).
	CardTimeout time.Duration
	// Unacked is what happens to an approval whose 04 0F the cash register
	// did not acknowledge within T3 (default KeepUnacked).
	Unacked Unacked
	// Serial tunes the serial link layer (T1, T2, repeats) on a
	// pseudo-terminal.
	Serial zvt.SerialOptions
	// Now is the terminal's clock (default time.Now).
	Now func() time.Time
	// Log gets every APDU in and out, card data redacted (default: discard).
	Log *slog.Logger
}

func (o *Options) normalize() error {
	if o.TerminalID == "" {
		o.TerminalID = "52500001"
	}
	if d, err := zvt.DigitsBCD(o.TerminalID); err != nil || len(o.TerminalID) != 8 || len(d) != 4 {
		return fmt.Errorf("zvtsim: terminal id %q is not 8 digits", o.TerminalID)
	}
	if o.T3 <= 0 {
		o.T3 = 5 * time.Second
	}
	if o.CardTimeout <= 0 {
		o.CardTimeout = 60 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Before Registration (and after Log-Off) a terminal behaves as with config
// byte 0x86: the cash register prints receipts, sent as print lines; no
// intermediate statuses.
const defaultConfig = 0x86

// Sim is a simulated ZVT card terminal on a pseudo-terminal or a TCP port.
// Its methods may be called from any goroutine.
type Sim struct {
	o      Options
	ledger *ledger
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	port *simport.Port // pseudo-terminal; nil on TCP
	ln   net.Listener  // TCP; nil on a pseudo-terminal

	mu      sync.Mutex
	queue   []Behavior
	status  byte
	unacked Unacked
	config  byte // Registration config byte
	service byte // Registration service byte (BMP 03)
	conn    net.Conn
	closed  bool
}

func newSim(o Options) (*Sim, error) {
	if err := o.normalize(); err != nil {
		return nil, err
	}
	l, err := openLedger(o.Ledger)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Sim{o: o, ledger: l, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		unacked: o.Unacked, config: defaultConfig}, nil
}

// New starts a terminal on the far end of a pseudo-terminal behind link,
// the stable path a driver opens (as /dev/serial/by-id gives real
// hardware). It speaks the ZVT serial link layer: DLE STX … DLE ETX CRC
// frames, each acknowledged ACK or NAK.
func New(link string, o Options) (*Sim, error) {
	s, err := newSim(o)
	if err != nil {
		return nil, err
	}
	if s.port, err = simport.New(link); err != nil {
		s.ledger.close()
		return nil, err
	}
	go s.serveSerial()
	return s, nil
}

// Listen starts a terminal on a TCP address (ZVT's port is 20007;
// "127.0.0.1:0" picks a free one): bare APDUs, one cash register
// connection at a time; a second connection waits until the first ends.
func Listen(addr string, o Options) (*Sim, error) {
	s, err := newSim(o)
	if err != nil {
		return nil, err
	}
	if s.ln, err = net.Listen("tcp", addr); err != nil {
		s.ledger.close()
		return nil, fmt.Errorf("zvtsim: %w", err)
	}
	go s.serveTCP()
	return s, nil
}

// Path returns the path the driver opens; empty on TCP.
func (s *Sim) Path() string {
	if s.port == nil {
		return ""
	}
	return s.port.Path()
}

// Addr returns the TCP address the terminal listens on; empty on a
// pseudo-terminal.
func (s *Sim) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// TerminalID returns the terminal id it reports.
func (s *Sim) TerminalID() string { return s.o.TerminalID }

// Next queues what the next payment does; payments take the queue in order,
// and approve when it is empty.
func (s *Sim) Next(b Behavior) {
	if b.Kind == "" {
		b.Kind = Approve
	}
	s.mu.Lock()
	s.queue = append(s.queue, b)
	s.mu.Unlock()
}

// Pending returns the behaviours not yet taken.
func (s *Sim) Pending() []Behavior {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Behavior(nil), s.queue...)
}

// Clear empties the queue.
func (s *Sim) Clear() {
	s.mu.Lock()
	s.queue = nil
	s.mu.Unlock()
}

func (s *Sim) take() Behavior {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return Behavior{Kind: Approve}
	}
	b := s.queue[0]
	s.queue = s.queue[1:]
	return b
}

// SetStatus sets the terminal status a Status Enquiry reports until it is
// set again: 00 ready, CC printer not ready, DC card inserted, DF out of
// order, F0 reconciliation required, … While it is not 00, an Authorization
// ends with 06 1E and the status as result, before any card is asked for.
func (s *Sim) SetStatus(code byte) {
	s.mu.Lock()
	s.status = code
	s.mu.Unlock()
}

// terminalStatus is what a Status Enquiry reports now.
func (s *Sim) terminalStatus() byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status == 0 && len(s.queue) > 0 && s.queue[0].Kind == PrinterNotReady {
		return resPrinterNotReady
	}
	return s.status
}

// SetUnacked changes what happens to an unacknowledged approval from now on.
func (s *Sim) SetUnacked(u Unacked) {
	s.mu.Lock()
	s.unacked = u
	s.mu.Unlock()
}

func (s *Sim) unackedPolicy() Unacked {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unacked
}

func (s *Sim) registration() (config, service byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.config, s.service
}

func (s *Sim) register(config, service byte) {
	s.mu.Lock()
	s.config, s.service = config, service
	s.mu.Unlock()
}

// Ledger returns every approval, decline, reversal and end of day so far,
// those of earlier runs on the same file included, oldest first.
func (s *Sim) Ledger() []Entry { return s.ledger.list() }

// Charges returns the approvals that stand: not reversed.
func (s *Sim) Charges() []Entry {
	var out []Entry
	for _, e := range s.ledger.list() {
		if e.Kind == EntryApproval && !e.Reversed {
			out = append(out, e)
		}
	}
	return out
}

// Net returns the sum of the approvals that stand, in minor units.
func (s *Sim) Net() int64 {
	var n int64
	for _, e := range s.Charges() {
		n += e.Amount
	}
	return n
}

// Unplug pulls the cable (pseudo-terminal) or closes the cash register's
// connection (TCP).
func (s *Sim) Unplug() {
	if s.port != nil {
		s.port.Unplug()
		return
	}
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// Replug puts the cable back: a new pseudo-terminal behind the same path.
// On TCP it does nothing (the cash register connects again).
func (s *Sim) Replug() error {
	s.mu.Lock() // held so that Close cannot unplug for good meanwhile
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.port == nil {
		return nil
	}
	return s.port.Replug()
}

// ErrClosed is returned by Replug after Close.
var ErrClosed = errors.New("zvtsim: closed")

// Plugged reports whether the cable is in (always true on TCP).
func (s *Sim) Plugged() bool { return s.port == nil || s.port.Plugged() }

// Close stops the terminal, unplugs it for good and closes the ledger.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	c := s.conn
	s.mu.Unlock()
	s.cancel()
	if s.port != nil {
		s.port.Close()
	}
	if s.ln != nil {
		s.ln.Close()
	}
	if c != nil {
		c.Close()
	}
	<-s.done
	return s.ledger.close()
}

func (s *Sim) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Sim) serveSerial() {
	defer close(s.done)
	for !s.isClosed() {
		f, gen := s.port.Master()
		if f == nil {
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(5 * time.Millisecond): // waiting for a replug
			}
			continue
		}
		lp := &linePort{port: s.port, f: f, gen: gen}
		l := zvt.NewSerialLink(lp, s.o.Serial)
		s.serve(l, s.port.Unplug)
		l.Close()
	}
}

func (s *Sim) serveTCP() {
	defer close(s.done)
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if s.isClosed() {
				return
			}
			time.Sleep(10 * time.Millisecond) // e.g. out of file descriptors
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conn = c
		s.mu.Unlock()
		l := zvt.NewTCPLink(c)
		s.serve(l, func() { c.Close() })
		l.Close()
		s.mu.Lock()
		s.conn = nil
		s.mu.Unlock()
	}
}

// cutLink pulls the line for LoseLink, and puts a pulled cable back after
// b.ReplugAfter.
func (s *Sim) cutLink(cut func(), b Behavior) {
	cut()
	if s.port != nil && b.ReplugAfter > 0 {
		time.AfterFunc(b.ReplugAfter, func() { s.Replug() })
	}
}

// State is what a control page shows of the terminal.
type State struct {
	Pending []string `json:"pending"` // queued behaviours, as ParseBehavior reads them
	Status  byte     `json:"status"`  // what a Status Enquiry would report now
	Unacked string   `json:"unacked"` // "keep" or "reverse"
	Plugged bool     `json:"plugged"`
	Charges int      `json:"charges"` // approvals that stand
	Net     int64    `json:"net"`     // their sum, minor units
	Last    *Entry   `json:"last,omitempty"`
}

// State returns the terminal's state now.
func (s *Sim) State() State {
	st := State{Status: s.terminalStatus(), Unacked: s.unackedPolicy().String(), Plugged: s.Plugged(), Pending: []string{}}
	for _, b := range s.Pending() {
		st.Pending = append(st.Pending, b.String())
	}
	charges := s.Charges()
	st.Charges = len(charges)
	for _, e := range charges {
		st.Net += e.Amount
	}
	if es := s.Ledger(); len(es) > 0 {
		st.Last = &es[len(es)-1]
	}
	return st
}
