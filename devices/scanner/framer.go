package scanner

import (
	"maps"
	"strings"
)

// Reason says why a line was refused.
type Reason string

// Refusal reasons.
const (
	ReasonOverlong    Reason = "overlong"     // longer than Config.MaxLen
	ReasonControlByte Reason = "control_byte" // a byte below 0x20 other than GS, or DEL
	ReasonNonASCII    Reason = "non_ascii"    // a byte from 0x80 up
	ReasonNoAIM       Reason = "no_aim"       // RequireAIM and no "]" + code + modifier + data
)

// Frame is one line from the scanner. Err is empty for a barcode, whose bytes are
// printable ASCII or GS. For a refused line Data is an escaped, printable excerpt
// for logs (at most 64 bytes of it), never the raw bytes.
type Frame struct {
	Data string
	Err  Reason
}

const (
	cr = '\r'
	lf = '\n'
	gs = 0x1d

	excerptLen = 64
)

// Framer cuts a byte stream into frames; see the package doc for the rules. The
// zero value frames with the default Config. A Framer is not safe for
// concurrent use.
type Framer struct {
	cfg   Config
	ready bool

	buf        []byte // current line, never longer than cfg.MaxLen
	bad        Reason // first fault of the current line
	discarding bool   // overlong line already reported, dropping up to the terminator

	counts map[Reason]int
}

// NewFramer returns a Framer for cfg.
func NewFramer(cfg Config) (*Framer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Framer{cfg: cfg.withDefaults(), ready: true}, nil
}

func (f *Framer) init() {
	if !f.ready {
		f.cfg = f.cfg.withDefaults()
		f.ready = true
	}
	if f.buf == nil {
		f.buf = make([]byte, 0, f.cfg.MaxLen)
	}
}

// Feed consumes b, which may hold any part of any number of lines, and returns
// the lines it completed, refused ones included.
func (f *Framer) Feed(b []byte) (frames []Frame) {
	f.init()
	for _, c := range b {
		frames = f.byte(c, frames)
	}
	return frames
}

func (f *Framer) byte(c byte, out []Frame) []Frame {
	if c == cr || c == lf {
		// The LF of a CR LF ends an empty line, which end ignores: so CR LF
		// counts as one terminator without a state of its own.
		return f.end(out)
	}
	return f.add(c, out)
}

func (f *Framer) add(c byte, out []Frame) []Frame {
	if f.discarding {
		return out
	}
	if len(f.buf) == f.cfg.MaxLen {
		out = f.refuse(ReasonOverlong, out)
		f.discarding = true
		return out
	}
	if f.bad == "" {
		switch {
		case c >= 0x80:
			f.bad = ReasonNonASCII
		case (c < 0x20 && c != gs) || c == 0x7f:
			f.bad = ReasonControlByte
		}
	}
	f.buf = append(f.buf, c)
	return out
}

func (f *Framer) end(out []Frame) []Frame {
	switch {
	case f.discarding:
		f.discarding = false
		f.reset()
		return out
	case f.bad != "":
		return f.refuse(f.bad, out)
	case len(f.buf) == 0:
		return out
	case f.cfg.RequireAIM && !hasAIM(f.buf):
		return f.refuse(ReasonNoAIM, out)
	}
	out = append(out, Frame{Data: string(f.buf)})
	f.reset()
	return out
}

func (f *Framer) refuse(r Reason, out []Frame) []Frame {
	if f.counts == nil {
		f.counts = make(map[Reason]int)
	}
	f.counts[r]++
	out = append(out, Frame{Data: escape(f.buf), Err: r})
	f.reset()
	return out
}

func (f *Framer) reset() {
	f.buf = f.buf[:0]
	f.bad = ""
}

// Reset drops a partly received line, as after a reconnect; counts are kept.
func (f *Framer) Reset() {
	f.init()
	f.reset()
	f.discarding = false
}

// Counts returns how many lines were refused, by reason.
func (f *Framer) Counts() map[Reason]int {
	return maps.Clone(f.counts)
}

// hasAIM reports an ISO 15424 symbology identifier ("]", code letter, modifier
// letter or digit) followed by at least one byte of data.
func hasAIM(b []byte) bool {
	return len(b) > 3 && b[0] == ']' && isLetter(b[1]) && (isLetter(b[2]) || '0' <= b[2] && b[2] <= '9')
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// escape renders up to excerptLen bytes of b as printable ASCII.
func escape(b []byte) string {
	const hex = "0123456789abcdef"
	var s strings.Builder
	for i, c := range b {
		if i == excerptLen {
			s.WriteString("...")
			break
		}
		switch {
		case c == '\\':
			s.WriteString(`\\`)
		case c >= 0x20 && c < 0x7f:
			s.WriteByte(c)
		default:
			s.WriteString(`\x`)
			s.WriteByte(hex[c>>4])
			s.WriteByte(hex[c&0xf])
		}
	}
	return s.String()
}
