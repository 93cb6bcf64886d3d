package escpos

import (
	"errors"
	"fmt"

	"github.com/kiosk-sco/kiosk/devices"
)

// Cond is a set of printer conditions gathered from DLE EOT replies or an ASB
// block.
type Cond uint32

const (
	CondDrawer          Cond = 1 << iota // DLE EOT 1 bit 2: drawer kick-out connector pin 3 high
	CondOffline                          // DLE EOT 1 bit 3
	CondWaitingRecovery                  // DLE EOT 1 bit 5: waiting for online recovery
	CondFeedButton                       // DLE EOT 1 bit 6 / 2 bit 3: paper feed button pressed or feeding by it
	CondCoverOpen                        // DLE EOT 2 bit 2
	CondPaperEndStop                     // DLE EOT 2 bit 5: printing stopped at paper end
	CondError                            // DLE EOT 2 bit 6: an error occurred (cause in DLE EOT 3)
	CondMechanical                       // DLE EOT 3 bit 2: mechanical error (recoverable)
	CondCutter                           // DLE EOT 3 bit 3: autocutter error
	CondUnrecoverable                    // DLE EOT 3 bit 5
	CondAutoRecoverable                  // DLE EOT 3 bit 6: e.g. head too hot
	CondNearEnd                          // DLE EOT 4 bits 2–3: roll near its end
	CondPaperEnd                         // DLE EOT 4 bits 5–6: no paper
)

// Status queries: the n of DLE EOT n.
const (
	QueryPrinter = 1 // printer status
	QueryOffline = 2 // offline cause
	QueryError   = 3 // error cause
	QueryPaper   = 4 // paper roll sensor
)

// Query returns DLE EOT n.
func Query(n byte) []byte { return []byte{DLE, EOT, n} }

// ErrInvalidStatus is returned for a byte that is not a status reply.
var ErrInvalidStatus = errors.New("escpos: not a status byte")

// ValidStatus reports whether b has the fixed bits of a DLE EOT reply,
// 0xx1xx10: (b&0x81)==0 && (b&0x12)==0x12 (python-escpos).
func ValidStatus(b byte) bool { return b&0x81 == 0 && b&0x12 == 0x12 }

// DecodeStatus decodes b, the reply to DLE EOT n (1–4).
func DecodeStatus(n, b byte) (Cond, error) {
	if !ValidStatus(b) {
		return 0, fmt.Errorf("%w: %#02x for DLE EOT %d", ErrInvalidStatus, b, n)
	}
	var c Cond
	set := func(mask byte, cond Cond) {
		if b&mask != 0 {
			c |= cond
		}
	}
	switch n {
	case QueryPrinter:
		set(0x04, CondDrawer)
		set(0x08, CondOffline)
		set(0x20, CondWaitingRecovery)
		set(0x40, CondFeedButton)
	case QueryOffline:
		set(0x04, CondCoverOpen)
		set(0x08, CondFeedButton)
		set(0x20, CondPaperEndStop)
		set(0x40, CondError)
	case QueryError:
		set(0x04, CondMechanical)
		set(0x08, CondCutter)
		set(0x20, CondUnrecoverable)
		set(0x40, CondAutoRecoverable)
	case QueryPaper:
		set(0x0C, CondNearEnd)
		set(0x60, CondPaperEnd)
	default:
		return 0, fmt.Errorf("escpos: DLE EOT %d is not a status query", n)
	}
	return c, nil
}

// StatusByte encodes c as the reply to DLE EOT n, as a printer would send it.
func StatusByte(n byte, c Cond) byte {
	b := byte(0x12)
	set := func(cond Cond, mask byte) {
		if c&cond != 0 {
			b |= mask
		}
	}
	switch n {
	case QueryPrinter:
		set(CondDrawer, 0x04)
		set(CondOffline, 0x08)
		set(CondWaitingRecovery, 0x20)
		set(CondFeedButton, 0x40)
	case QueryOffline:
		set(CondCoverOpen, 0x04)
		set(CondPaperEndStop, 0x20)
		set(CondError, 0x40)
	case QueryError:
		set(CondMechanical, 0x04)
		set(CondCutter, 0x08)
		set(CondUnrecoverable, 0x20)
		set(CondAutoRecoverable, 0x40)
	case QueryPaper:
		set(CondNearEnd, 0x0C)
		set(CondPaperEnd, 0x60)
	}
	return b
}

// ValidASB reports whether p starts an automatic status back block: the
// first byte is 0xx1xx00 and the other three 0xx0xxxx.
func ValidASB(p [4]byte) bool {
	return p[0]&0x93 == 0x10 && p[1]&0x90 == 0 && p[2]&0x90 == 0 && p[3]&0x90 == 0
}

// DecodeASB decodes a 4-byte automatic status back block (GS a).
func DecodeASB(p [4]byte) (Cond, error) {
	if !ValidASB(p) {
		return 0, fmt.Errorf("%w: ASB % x", ErrInvalidStatus, p[:])
	}
	var c Cond
	set := func(b, mask byte, cond Cond) {
		if b&mask != 0 {
			c |= cond
		}
	}
	set(p[0], 0x04, CondDrawer)
	set(p[0], 0x08, CondOffline)
	set(p[0], 0x20, CondCoverOpen)
	set(p[0], 0x40, CondFeedButton)
	set(p[1], 0x04, CondMechanical)
	set(p[1], 0x08, CondCutter)
	set(p[1], 0x20, CondUnrecoverable)
	set(p[1], 0x40, CondAutoRecoverable)
	set(p[2], 0x03, CondNearEnd)
	set(p[2], 0x0C, CondPaperEnd)
	if c&(CondMechanical|CondCutter|CondUnrecoverable|CondAutoRecoverable) != 0 {
		c |= CondError
	}
	if c&CondPaperEnd != 0 && c&CondOffline != 0 {
		c |= CondPaperEndStop
	}
	return c, nil
}

// ASB encodes c as an automatic status back block, as a printer would send it.
func ASB(c Cond) [4]byte {
	p := [4]byte{0x10, 0, 0, 0}
	set := func(i int, cond Cond, mask byte) {
		if c&cond != 0 {
			p[i] |= mask
		}
	}
	set(0, CondDrawer, 0x04)
	set(0, CondOffline, 0x08)
	set(0, CondCoverOpen, 0x20)
	set(0, CondFeedButton, 0x40)
	set(1, CondMechanical, 0x04)
	set(1, CondCutter, 0x08)
	set(1, CondUnrecoverable, 0x20)
	set(1, CondAutoRecoverable, 0x40)
	set(2, CondNearEnd, 0x03)
	set(2, CondPaperEnd|CondPaperEndStop, 0x0C)
	return p
}

// Faults lists the device fault codes c carries, in a fixed order. Offline is
// named only when no cause (cover, paper, error) explains it, so one event
// makes one alert.
func (c Cond) Faults() []string {
	var f []string
	if c&CondCoverOpen != 0 {
		f = append(f, devices.FaultCoverOpen)
	}
	if c&(CondPaperEnd|CondPaperEndStop) != 0 {
		f = append(f, devices.FaultPaperEnd)
	}
	if c&CondCutter != 0 {
		f = append(f, devices.FaultCutter)
	}
	if c&CondUnrecoverable != 0 {
		f = append(f, devices.FaultUnrecover)
	}
	if c&(CondMechanical|CondAutoRecoverable) != 0 ||
		c&CondError != 0 && c&(CondCutter|CondUnrecoverable) == 0 {
		f = append(f, devices.FaultRecoverable)
	}
	if c&CondOffline != 0 && len(f) == 0 {
		f = append(f, devices.FaultOffline)
	}
	return f
}

// Warnings lists the device warning codes c carries.
func (c Cond) Warnings() []string {
	if c&CondNearEnd != 0 && c&(CondPaperEnd|CondPaperEndStop) == 0 {
		return []string{devices.WarnPaperNearEnd}
	}
	return nil
}

// Status is c as the status of a connected printer.
func (c Cond) Status() devices.Status {
	return devices.Status{Connected: true, Faults: c.Faults(), Warnings: c.Warnings()}
}

// FrameKind tells what a Demux frame is.
type FrameKind uint8

const (
	FrameStatus FrameKind = iota + 1 // one DLE EOT reply byte, 0xx1xx10
	FrameASB                         // a 4-byte automatic status back block
	FrameXON                         // 0x11: resume sending
	FrameXOFF                        // 0x13: stop sending
	FrameOther                       // any other byte, e.g. a torn ASB block
)

func (k FrameKind) String() string {
	switch k {
	case FrameStatus:
		return "status"
	case FrameASB:
		return "asb"
	case FrameXON:
		return "xon"
	case FrameXOFF:
		return "xoff"
	case FrameOther:
		return "other"
	}
	return fmt.Sprintf("FrameKind(%d)", uint8(k))
}

// Frame is one unit of what a printer sends: B[0] for one-byte frames, B[0:4]
// for an ASB block.
type Frame struct {
	Kind FrameKind
	B    [4]byte
}

// Len is the number of bytes the frame stands for.
func (f Frame) Len() int {
	if f.Kind == FrameASB {
		return 4
	}
	return 1
}

// Demux splits the bytes a printer sends into frames by their bit patterns:
// a DLE EOT reply is 0xx1xx10, an ASB block starts with 0xx1xx00 followed by
// three bytes 0xx0xxxx, XON is 0x11 and XOFF 0x13. XON and XOFF may arrive in
// the middle of an ASB block; a block torn by any other byte gives up its bytes
// as FrameOther. It keeps at most three bytes, so any split of a stream into
// chunks gives the same frames. The zero value is ready.
type Demux struct {
	asb [4]byte
	n   int // bytes of a pending ASB block
}

// Pending is the number of bytes held back waiting for the rest of an ASB block.
func (d *Demux) Pending() int { return d.n }

// Feed passes the frames p completes to emit, in order.
func (d *Demux) Feed(p []byte, emit func(Frame)) {
	for _, b := range p {
		d.feed(b, emit)
	}
}

func (d *Demux) feed(b byte, emit func(Frame)) {
	if d.n > 0 {
		switch {
		case b == XON:
			emit(Frame{Kind: FrameXON, B: [4]byte{b}})
			return
		case b == XOFF:
			emit(Frame{Kind: FrameXOFF, B: [4]byte{b}})
			return
		case b&0x90 == 0:
			d.asb[d.n] = b
			d.n++
			if d.n == 4 {
				emit(Frame{Kind: FrameASB, B: d.asb})
				d.n = 0
			}
			return
		}
		// Torn block: give its bytes up and look at b afresh.
		for i := range d.n {
			emit(Frame{Kind: FrameOther, B: [4]byte{d.asb[i]}})
		}
		d.n = 0
	}
	switch {
	case b == XON:
		emit(Frame{Kind: FrameXON, B: [4]byte{b}})
	case b == XOFF:
		emit(Frame{Kind: FrameXOFF, B: [4]byte{b}})
	case b&0x93 == 0x12:
		emit(Frame{Kind: FrameStatus, B: [4]byte{b}})
	case b&0x93 == 0x10:
		d.asb[0] = b
		d.n = 1
	default:
		emit(Frame{Kind: FrameOther, B: [4]byte{b}})
	}
}

// Flush gives up the bytes of a pending ASB block as FrameOther.
func (d *Demux) Flush(emit func(Frame)) {
	for i := range d.n {
		emit(Frame{Kind: FrameOther, B: [4]byte{d.asb[i]}})
	}
	d.n = 0
}
