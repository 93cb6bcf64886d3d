package zvt

// MaxFrame bounds an unstuffed frame's APDU: header and the largest data.
const MaxFrame = 5 + MaxData

// frameEvent is what the deframer found.
type frameEvent struct {
	kind  byte   // ACK, NAK, evFrame or evBad
	apdu  []byte // evFrame: the unstuffed APDU, CRC checked
	cause string // evBad: why
}

const (
	evFrame = 'F'
	evBad   = 'B'
)

type deframeState byte

const (
	sIdle    deframeState = iota // between frames: noise, ACK, NAK or DLE
	sDLE                         // DLE seen between frames
	sData                        // inside a frame
	sDataDLE                     // DLE seen inside a frame
	sCRC1                        // DLE ETX seen, CRC low byte next
	sCRC2                        // CRC high byte next
)

// deframer splits the serial byte stream into frames and the bare ACK and
// NAK bytes between them; any other byte between frames is noise and
// skipped. It never holds more than MaxFrame bytes.
type deframer struct {
	st  deframeState
	buf []byte
	lo  byte
}

// inFrame reports whether a frame has started and not ended: then the next
// byte is due within T1.
func (d *deframer) inFrame() bool { return d.st >= sData }

// abort ends a frame cut short (inter-byte gap over T1).
func (d *deframer) abort(cause string) []frameEvent {
	if !d.inFrame() {
		return nil
	}
	d.st, d.buf = sIdle, d.buf[:0]
	return []frameEvent{{kind: evBad, cause: cause}}
}

func (d *deframer) feed(b []byte) []frameEvent {
	var evs []frameEvent
	for _, c := range b {
		switch d.st {
		case sIdle:
			switch c {
			case DLE:
				d.st = sDLE
			case ACK, NAK:
				evs = append(evs, frameEvent{kind: c})
			}
		case sDLE:
			switch c {
			case STX:
				d.st, d.buf = sData, d.buf[:0]
			case DLE:
			case ACK, NAK:
				d.st = sIdle
				evs = append(evs, frameEvent{kind: c})
			default:
				d.st = sIdle
			}
		case sData:
			if c == DLE {
				d.st = sDataDLE
				continue
			}
			evs = d.add(evs, c)
		case sDataDLE:
			switch c {
			case DLE:
				d.st = sData
				evs = d.add(evs, c)
			case ETX:
				d.st = sCRC1
			case STX: // a new frame began inside this one
				evs = append(evs, frameEvent{kind: evBad, cause: "frame restarted"})
				d.st, d.buf = sData, d.buf[:0]
			default:
				evs = append(evs, frameEvent{kind: evBad, cause: "lone DLE in frame"})
				d.st, d.buf = sIdle, d.buf[:0]
			}
		case sCRC1:
			d.lo, d.st = c, sCRC2
		case sCRC2:
			d.st = sIdle
			crc := uint16(d.lo) | uint16(c)<<8
			d.buf = append(d.buf, ETX)
			if CRC(d.buf) != crc {
				evs = append(evs, frameEvent{kind: evBad, cause: "bad CRC"})
			} else {
				evs = append(evs, frameEvent{kind: evFrame, apdu: append([]byte(nil), d.buf[:len(d.buf)-1]...)})
			}
			d.buf = d.buf[:0]
		}
	}
	return evs
}

func (d *deframer) add(evs []frameEvent, c byte) []frameEvent {
	if len(d.buf) >= MaxFrame {
		d.st, d.buf = sIdle, d.buf[:0]
		return append(evs, frameEvent{kind: evBad, cause: "frame too long"})
	}
	d.buf = append(d.buf, c)
	return evs
}
