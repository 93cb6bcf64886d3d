package printersim

import (
	"log/slog"

	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/devices/escpos/paper"
)

// maxBuffer bounds the receive buffer; a host ignoring XOFF loses data beyond it.
const maxBuffer = 8 << 20

// machine is the printer without its port: the receive buffer, the conditions
// a status reply reports, flow control, and the print engine (package paper)
// that turns commands into paper. It is not safe for concurrent use.
type machine struct {
	log  *slog.Logger
	eng  *paper.Printer
	fed  int // the engine's paper feed already taken off the roll
	roll int // dots of paper left; negative: endless

	// Conditions.
	offline, cover, paperEnd, nearEnd, cutter, held bool

	in []byte // received, not yet interpreted

	// Line state: real-time command window, flow control, ASB.
	rt         [3]byte
	rtN        int
	seen       bool // the host sent something on this connection
	lastAccept bool // what the host was last told by XON/XOFF
	xoff       bool
	asb        bool
	asbDue     bool
	lastASB    escpos.Cond

	stats Stats
}

// Stats counts what the simulator received.
type Stats struct {
	Received  int // bytes
	Queries   int // DLE EOT n answered (or not, when silent)
	WhileXOFF int // data bytes received after XOFF was sent and before XON
	Cuts      int
}

func newMachine(dots int, log *slog.Logger) *machine {
	return &machine{log: log, eng: paper.New(dots, log), roll: -1, lastAccept: true}
}

// receipts returns every receipt cut so far.
func (m *machine) receipts() []paper.Receipt { return m.eng.Receipts() }

// newConnection forgets the line state of the previous connection.
func (m *machine) newConnection() {
	m.rtN, m.seen, m.lastAccept, m.xoff = 0, false, true, false
}

func (m *machine) online() bool { return !m.offline && !m.cover && !m.paperEnd && !m.cutter }

// accepting reports whether received data is being printed.
func (m *machine) accepting() bool { return m.online() && !m.held }

func (m *machine) cond() escpos.Cond {
	var c escpos.Cond
	if !m.online() {
		c |= escpos.CondOffline
	}
	if m.cover {
		c |= escpos.CondCoverOpen
	}
	if m.paperEnd {
		c |= escpos.CondPaperEnd | escpos.CondPaperEndStop | escpos.CondNearEnd
	}
	if m.nearEnd {
		c |= escpos.CondNearEnd
	}
	if m.cutter {
		c |= escpos.CondError | escpos.CondCutter | escpos.CondWaitingRecovery
	}
	return c
}

// receive takes bytes from the host and returns what the printer sends back.
// Real-time commands (DLE EOT n, DLE ENQ n) act as they arrive, even while
// offline and even inside raster data, as on Epson printers; the rest is
// interpreted while the printer is online.
func (m *machine) receive(p []byte) []byte {
	var out []byte
	if len(p) > 0 && !m.seen {
		m.seen = true
		out = m.sync(out)
	}
	m.stats.Received += len(p)
	if m.xoff {
		m.stats.WhileXOFF += len(p)
	}
	start := 0 // p[start:] is not buffered yet
	for i, b := range p {
		m.rt[0], m.rt[1], m.rt[2] = m.rt[1], m.rt[2], b
		m.rtN = min(m.rtN+1, 3)
		if m.rtN < 3 || m.rt[0] != escpos.DLE {
			continue
		}
		n := m.rt[2]
		switch {
		case m.rt[1] == escpos.EOT && n >= 1 && n <= 4:
			m.buffer(p[start : i+1])
			start = i + 1
			m.run() // answer for what came before
			out = m.sync(out)
			m.stats.Queries++
			if m.xoff {
				m.stats.WhileXOFF = max(0, m.stats.WhileXOFF-3)
			}
			out = append(out, escpos.StatusByte(n, m.cond()))
		case m.rt[1] == 0x05 && (n == 1 || n == 2): // DLE ENQ: recover (2: and clear the buffer)
			m.buffer(p[start : i+1])
			start = i + 1
			m.cutter = false
			if n == 2 {
				m.in = nil
			}
		default:
			continue
		}
		m.rtN = 0
	}
	m.buffer(p[start:])
	m.run()
	return m.sync(out)
}

// buffer queues received bytes for the interpreter, up to maxBuffer.
func (m *machine) buffer(p []byte) {
	m.in = append(m.in, p[:min(len(p), max(0, maxBuffer-len(m.in)))]...)
}

// sync reports changes to the host: XOFF when the printer stops taking data,
// XON when it takes data again, an ASB block when enabled and the conditions
// changed.
func (m *machine) sync(out []byte) []byte {
	if m.seen {
		if acc := m.accepting(); acc != m.lastAccept {
			m.lastAccept, m.xoff = acc, !acc
			if acc {
				out = append(out, escpos.XON)
			} else {
				out = append(out, escpos.XOFF)
			}
		}
	}
	if c := m.cond(); m.asb && (m.asbDue || c != m.lastASB) {
		m.asbDue, m.lastASB = false, c
		a := escpos.ASB(c)
		out = append(out, a[:]...)
	}
	return out
}

// run interprets the buffered commands while the printer is online, taking
// the paper they feed off the roll: at its end the printer stops.
func (m *machine) run() {
	for len(m.in) > 0 && m.accepting() {
		if p := m.in; len(p) >= 3 && p[0] == escpos.GS && p[1] == 'a' { // GS a n: automatic status back
			m.asb = p[2] != 0
			m.asbDue = m.asb
		}
		n, ok := m.eng.Step(m.in)
		if !ok {
			if len(m.in) > paper.MaxCommand {
				m.log.Warn("printersim: command too long, dropped", "byte", m.in[0])
				n = 1
			} else {
				break
			}
		}
		m.in = m.in[n:]
		m.consume(m.eng.Fed() - m.fed)
		m.fed = m.eng.Fed()
		m.stats.Cuts = m.eng.Cuts()
	}
	if len(m.in) == 0 {
		m.in = nil
	}
}

// consume takes dots of paper off the roll; the printer stops at its end.
func (m *machine) consume(dots int) {
	if m.roll < 0 || dots <= 0 {
		return
	}
	m.roll = max(0, m.roll-dots)
	if m.roll == 0 {
		m.paperEnd = true
	}
}
