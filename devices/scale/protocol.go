package scale

import (
	"errors"
	"fmt"
)

// Protocol is one scale's wire protocol, seen from the driver: the commands it
// sends and how it frames and decodes the replies. A new protocol (NCI, a
// Magellan scanner-scale's S11/S14) is a new implementation of this interface;
// the driver, the settle filter and the reconnect logic stay as they are.
type Protocol interface {
	// Name is a short name for logs, e.g. "sasi".
	Name() string
	// Poll is the command asking for one reading; the caller must not modify it.
	Poll() []byte
	// Zero is the command that zeroes the scale; the caller must not modify it.
	Zero() []byte
	// Parse decodes the first reply in buf, which starts with whatever followed
	// the previous reply: garbage, a partial reply or several replies.
	//
	// It returns the reading and the bytes it used (garbage before the reply
	// included); or an error wrapping ErrMalformed for a framed reply it cannot
	// decode, with consumed > 0 covering it; or an error wrapping ErrIncomplete
	// when buf holds no complete reply yet, with consumed covering only bytes
	// that can never start one (the caller keeps buf[consumed:] and reads more).
	//
	// Decisions depend only on bytes already in buf, so a stream gives the same
	// readings and errors however it is chunked, and an incomplete reply never
	// holds more than a bounded number of bytes.
	Parse(buf []byte) (r Reading, consumed int, err error)
}

// Reading is one decoded reply of a scale.
type Reading struct {
	Grams  int  // the weight in grams, net when Net; 0 when the scale withheld it
	Stable bool // the scale reported a weight: it was stable and in range

	Motion             bool // the load is moving: the scale withholds the weight
	OverCapacity       bool
	UnderZero          bool
	OutsideZeroCapture bool // too far from zero to be zeroed; needs a re-zero by staff
	CentreOfZero       bool // within ¼ division of zero
	Net                bool // the weight is net of a tare
}

// Typed errors of Parse and of a Session; test them with errors.Is.
var (
	// ErrIncomplete: no complete reply yet; read more.
	ErrIncomplete = errors.New("scale: incomplete reply")
	// ErrMalformed: a framed reply that does not decode (bad weight, bad status
	// byte, truncated by the next reply, or longer than any reply can be).
	ErrMalformed = errors.New("scale: malformed reply")
	// ErrNoReply: the scale stopped answering polls; the session ends as if it
	// were unplugged.
	ErrNoReply = errors.New("scale: no reply")
)

// maxBuffer bounds the bytes a decoder holds. A well-behaved Protocol never
// leaves this much unconsumed; the bound protects against one that does.
const maxBuffer = 256

// decoder frames a byte stream into readings with a Protocol in bounded memory.
type decoder struct {
	proto Protocol
	buf   []byte // unconsumed bytes, len ≤ maxBuffer
}

func newDecoder(p Protocol) *decoder {
	return &decoder{proto: p, buf: make([]byte, 0, maxBuffer)}
}

// feed appends p and calls emit for every reply it completes, in order. Errors
// passed to emit wrap ErrMalformed.
func (d *decoder) feed(p []byte, emit func(Reading, error)) {
	for len(p) > 0 {
		n := min(len(p), maxBuffer-len(d.buf))
		d.buf = append(d.buf, p[:n]...)
		p = p[n:]
		d.drain(emit)
		if len(d.buf) == maxBuffer { // the protocol holds a full buffer: give it up
			d.buf = d.buf[:0]
			emit(Reading{}, fmt.Errorf("scale: reply buffer overflow: %w", ErrMalformed))
		}
	}
}

func (d *decoder) drain(emit func(Reading, error)) {
	for len(d.buf) > 0 {
		r, n, err := d.proto.Parse(d.buf)
		n = max(0, min(n, len(d.buf)))
		if errors.Is(err, ErrIncomplete) {
			d.consume(n)
			return
		}
		if n == 0 { // a reply or error must consume something
			n = 1
		}
		d.consume(n)
		emit(r, err)
	}
}

func (d *decoder) consume(n int) {
	if n == 0 {
		return
	}
	m := copy(d.buf, d.buf[n:])
	d.buf = d.buf[:m]
}

// buffered returns the bytes held for an incomplete reply.
func (d *decoder) buffered() int { return len(d.buf) }
