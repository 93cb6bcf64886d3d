package scale

import (
	"fmt"
	"time"

	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// SASI is the Mettler-Toledo 8217 protocol ("SASI"), spoken by the scale port of
// most checkout scales and dual-cable scanner-scales. See the package doc.
type SASI struct{}

var _ Protocol = SASI{}

const (
	stx = 0x02
	cr  = 0x0D

	// sasiMaxBody is the longest reply body between STX and CR that can be a
	// reply: " -999.999N" is 10 bytes, "?" and up to three status bytes 4.
	sasiMaxBody = 12
	sasiMaxKg   = 999 // three integer digits at most
)

// Name returns "sasi".
func (SASI) Name() string { return "sasi" }

// Poll returns "W": send the weight.
func (SASI) Poll() []byte { return []byte{'W'} }

// Zero returns "Z": zero the scale. The 8217 ignores it while the load moves or
// outside its zero-capture range.
func (SASI) Zero() []byte { return []byte{'Z'} }

// SerialConfig returns the line settings of an 8217 scale port: 9600 baud,
// 7 data bits, even parity, 1 stop bit, and a 500 ms read timeout (a reply comes
// back within tens of milliseconds; Odoo waits 1 s). Set Path before opening.
func (SASI) SerialConfig() serialport.Config {
	return serialport.Config{
		Baud:        9600,
		DataBits:    7,
		Parity:      serialport.ParityEven,
		StopBits:    1,
		ReadTimeout: 500 * time.Millisecond,
	}
}

// Parse decodes the first reply in buf; see Protocol.Parse. Bytes are taken
// modulo 0x80 (it is a 7-bit protocol: a port opened 8N1 on a 7E1 line shows the
// parity in bit 7), anything before STX is skipped, and a reply is framed by the
// next CR. A reply cut short by another STX, or longer than any reply can be, is
// malformed.
func (SASI) Parse(buf []byte) (Reading, int, error) {
	s := -1
	for i, b := range buf {
		if b&0x7F == stx {
			s = i
			break
		}
	}
	if s < 0 {
		return Reading{}, len(buf), ErrIncomplete
	}
	for i := s + 1; i < len(buf); i++ {
		switch c := buf[i] & 0x7F; {
		case c == cr:
			r, err := decodeSASI(buf[s+1 : i])
			return r, i + 1, err
		case c == stx:
			return Reading{}, i, fmt.Errorf("scale: sasi: reply %q cut short by the next one: %w", buf[s:i], ErrMalformed)
		case i-s > sasiMaxBody:
			return Reading{}, i + 1, fmt.Errorf("scale: sasi: reply %q… has no CR within %d bytes: %w", buf[s:i+1], sasiMaxBody, ErrMalformed)
		}
	}
	return Reading{}, s, ErrIncomplete
}

// decodeSASI decodes a reply body, the bytes between STX and CR.
func decodeSASI(raw []byte) (Reading, error) {
	var a [sasiMaxBody]byte
	body := a[:len(raw)]
	for i, b := range raw {
		body[i] = b & 0x7F
	}
	for len(body) > 0 && body[0] == ' ' {
		body = body[1:]
	}
	if len(body) == 0 {
		return Reading{}, fmt.Errorf("scale: sasi: empty reply %q: %w", raw, ErrMalformed)
	}
	if body[0] == '?' {
		st := body[1:]
		if len(st) < 1 || len(st) > 3 {
			return Reading{}, fmt.Errorf("scale: sasi: status reply %q with %d status bytes: %w", raw, len(st), ErrMalformed)
		}
		for _, b := range st {
			if b&0x40 == 0 { // bit 6 is always 1 in a status byte
				return Reading{}, fmt.Errorf("scale: sasi: status byte %#02x in %q lacks bit 6: %w", b, raw, ErrMalformed)
			}
		}
		b := st[0]
		return Reading{
			Motion:             b&0x01 != 0,
			OverCapacity:       b&0x02 != 0,
			UnderZero:          b&0x04 != 0,
			OutsideZeroCapture: b&0x08 != 0,
			CentreOfZero:       b&0x10 != 0,
			Net:                b&0x20 != 0,
		}, nil
	}
	r := Reading{Stable: true}
	if body[len(body)-1] == 'N' {
		r.Net = true
		body = body[:len(body)-1]
	}
	neg := len(body) > 0 && body[0] == '-'
	if neg {
		body = body[1:]
	}
	// d{1,3} "." ddd: kilograms with three decimals, i.e. grams.
	dot := len(body) - 4
	if dot < 1 || dot > 3 || body[dot] != '.' {
		return Reading{}, fmt.Errorf("scale: sasi: weight %q is not kg with 3 decimals: %w", raw, ErrMalformed)
	}
	g := 0
	for i, c := range body {
		if i == dot {
			continue
		}
		if c < '0' || c > '9' {
			return Reading{}, fmt.Errorf("scale: sasi: weight %q has %q: %w", raw, c, ErrMalformed)
		}
		g = g*10 + int(c-'0')
	}
	if neg {
		g = -g
	}
	r.Grams = g
	return r, nil
}

// Reply encodes r as an 8217 sends it — a weight reply when r is Stable, else a
// status reply — for simulators and tests. A weight beyond ±999.999 kg is sent
// as over capacity.
func (SASI) Reply(r Reading) []byte {
	if r.Stable && r.Grams > -1000*(sasiMaxKg+1) && r.Grams < 1000*(sasiMaxKg+1) {
		g, sign, net := r.Grams, "", ""
		if g < 0 {
			g, sign = -g, "-"
		}
		if r.Net {
			net = "N"
		}
		return fmt.Appendf(nil, "\x02%s%02d.%03d%s\r", sign, g/1000, g%1000, net)
	}
	if r.Stable {
		r = Reading{OverCapacity: true, Net: r.Net}
	}
	return []byte{stx, '?', SASI{}.StatusByte(r), cr}
}

// StatusByte returns the 8217 status byte for r's flags: bit 0 motion, 1 over
// capacity, 2 under zero, 3 outside zero capture, 4 centre of zero, 5 net, 6
// always set; bit 7 (parity) clear.
func (SASI) StatusByte(r Reading) byte {
	b := byte(0x40)
	for i, on := range []bool{r.Motion, r.OverCapacity, r.UnderZero, r.OutsideZeroCapture, r.CentreOfZero, r.Net} {
		if on {
			b |= 1 << i
		}
	}
	return b
}
