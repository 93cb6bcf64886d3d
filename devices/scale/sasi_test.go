package scale

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// result is one thing a decoder emitted, written for readable diffs.
func result(r Reading, err error) string {
	if err != nil {
		switch {
		case errors.Is(err, ErrMalformed):
			return "malformed"
		default:
			return "error " + err.Error()
		}
	}
	var b strings.Builder
	if r.Stable {
		fmt.Fprintf(&b, "%d g", r.Grams)
	} else {
		b.WriteString("status")
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{r.Motion, "motion"}, {r.OverCapacity, "over"}, {r.UnderZero, "under"},
		{r.OutsideZeroCapture, "outside-zero-capture"}, {r.CentreOfZero, "centre-of-zero"}, {r.Net, "net"}} {
		if f.on {
			b.WriteString(" " + f.name)
		}
	}
	if !r.Stable && r.Grams != 0 {
		fmt.Fprintf(&b, " grams=%d", r.Grams)
	}
	return b.String()
}

func decodeChunks(chunks ...string) []string {
	d := newDecoder(SASI{})
	var out []string
	for _, c := range chunks {
		d.feed([]byte(c), func(r Reading, err error) { out = append(out, result(r, err)) })
	}
	return out
}

func withParity(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] |= 0x80
	}
	return string(b)
}

func TestSASIParse(t *testing.T) {
	for _, tc := range []struct {
		chunks []string
		want   []string
	}{
		// weights
		{[]string{"\x0201.250\r"}, []string{"1250 g"}},
		{[]string{"\x02 1.250\r"}, []string{"1250 g"}},
		{[]string{"\x0200.000\r"}, []string{"0 g"}},
		{[]string{"\x02123.456\r"}, []string{"123456 g"}},
		{[]string{"\x02-0.120\r"}, []string{"-120 g"}},
		{[]string{"\x0201.250N\r"}, []string{"1250 g net"}},
		// each status bit
		{[]string{"\x02?@\r"}, []string{"status"}},
		{[]string{"\x02?A\r"}, []string{"status motion"}},
		{[]string{"\x02?B\r"}, []string{"status over"}},
		{[]string{"\x02?D\r"}, []string{"status under"}},
		{[]string{"\x02?H\r"}, []string{"status outside-zero-capture"}},
		{[]string{"\x02?P\r"}, []string{"status centre-of-zero"}},
		{[]string{"\x02?`\r"}, []string{"status net"}},
		{[]string{"\x02?C\r"}, []string{"status motion over"}}, // Datalogic's "under zero": the bits say otherwise
		{[]string{"\x02?\xc1\r"}, []string{"status motion"}},   // parity in bit 7
		{[]string{"\x02 ?A\r"}, []string{"status motion"}},
		{[]string{"\x02?AB\r"}, []string{"status motion"}}, // extra status bytes are ignored
		// partial replies across chunks
		{[]string{"\x0201.", "250\r"}, []string{"1250 g"}},
		{[]string{"\x02", "0", "1", ".", "2", "5", "0", "N", "\r"}, []string{"1250 g net"}},
		{[]string{"\x02?", "A", "\r"}, []string{"status motion"}},
		{[]string{"\x0201.250"}, nil},
		{[]string{"\x0201.250\r\x02?", "A\r\x0200", ".500\r"}, []string{"1250 g", "status motion", "500 g"}},
		// garbage before STX
		{[]string{"xx\x00\r\n\x0201.250\r"}, []string{"1250 g"}},
		{[]string{"\r\n", "\x03", "\x0201.250\r\n"}, []string{"1250 g"}},
		{[]string{"noise without a start byte\r"}, nil},
		{[]string{withParity("\x0201.250\r")}, []string{"1250 g"}},
		// junk refused
		{[]string{"\x0212.3a5\r"}, []string{"malformed"}},
		{[]string{"\x0201.25\r"}, []string{"malformed"}}, // pounds, two decimals
		{[]string{"\x0201.2500\r"}, []string{"malformed"}},
		{[]string{"\x021250\r"}, []string{"malformed"}},
		{[]string{"\x021234.500\r"}, []string{"malformed"}},
		{[]string{"\x02.250\r"}, []string{"malformed"}},
		{[]string{"\x02+1.250\r"}, []string{"malformed"}},
		{[]string{"\x021.250 kg\r"}, []string{"malformed"}},
		{[]string{"\x02\r"}, []string{"malformed"}},
		{[]string{"\x02   \r"}, []string{"malformed"}},
		{[]string{"\x02?\r"}, []string{"malformed"}},
		{[]string{"\x02? \r"}, []string{"malformed"}}, // status byte without bit 6
		{[]string{"\x02?AAAA\r"}, []string{"malformed"}},
		{[]string{"\x02-N\r"}, []string{"malformed"}},
		// framing errors, then recovery
		{[]string{"\x0201.2\x0201.250\r"}, []string{"malformed", "1250 g"}},
		{[]string{"\x02" + strings.Repeat("1", 20) + "\r\x02?A\r"}, []string{"malformed", "status motion"}},
		{[]string{"\x02" + strings.Repeat("1", 12) + "\r"}, []string{"malformed"}},
		{[]string{"\x02" + strings.Repeat("1", 13), strings.Repeat("1", 500), "\r\x0202.000\r"}, []string{"malformed", "2000 g"}},
	} {
		t.Run(fmt.Sprintf("%q", tc.chunks), func(t *testing.T) {
			if got := decodeChunks(tc.chunks...); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSASIParseConsumed(t *testing.T) {
	for _, tc := range []struct {
		in       string
		consumed int
		want     string // "incomplete" or a result
	}{
		{"", 0, "incomplete"},
		{"abc", 3, "incomplete"},
		{"ab\x0201", 2, "incomplete"},
		{"\x0201.250\r\x02?A\r", 8, "1250 g"},
		{"ab\x02?A\r\x02", 6, "status motion"},
		{"\x0201\x02?A\r", 3, "malformed"},
		{"\x02" + strings.Repeat("9", 13), 14, "malformed"},
		{"\x02" + strings.Repeat("9", 12), 0, "incomplete"},
	} {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			r, n, err := SASI{}.Parse([]byte(tc.in))
			got := result(r, err)
			if errors.Is(err, ErrIncomplete) {
				got = "incomplete"
			}
			if n != tc.consumed || got != tc.want {
				t.Errorf("Parse = %s, consumed %d; want %s, %d", got, n, tc.want, tc.consumed)
			}
		})
	}
}

func TestSASIReplyRoundTrip(t *testing.T) {
	for _, r := range []Reading{
		{Stable: true, Grams: 1250},
		{Stable: true, Grams: 0},
		{Stable: true, Grams: 5},
		{Stable: true, Grams: -120},
		{Stable: true, Grams: 999999},
		{Stable: true, Grams: 1250, Net: true},
		{},
		{Motion: true},
		{OverCapacity: true},
		{UnderZero: true},
		{OutsideZeroCapture: true, CentreOfZero: true, Net: true},
		{Motion: true, OverCapacity: true, UnderZero: true},
	} {
		t.Run(result(r, nil), func(t *testing.T) {
			wire := SASI{}.Reply(r)
			got, n, err := SASI{}.Parse(wire)
			if err != nil || n != len(wire) || got != r {
				t.Errorf("Reply %q parses to %s (%d bytes, %v)", wire, result(got, err), n, err)
			}
		})
	}
	var p SASI
	if got := p.Reply(Reading{Stable: true, Grams: 1000000}); string(got) != "\x02?B\r" {
		t.Errorf("reply for 1000 kg = %q, want over capacity", got)
	}
	if got := p.Reply(Reading{Stable: true, Grams: 1250}); string(got) != "\x0201.250\r" {
		t.Errorf("reply for 1250 g = %q", got)
	}
}

func TestSASICommandsAndLine(t *testing.T) {
	p := SASI{}
	if p.Name() != "sasi" || string(p.Poll()) != "W" || string(p.Zero()) != "Z" {
		t.Errorf("name %q, poll %q, zero %q", p.Name(), p.Poll(), p.Zero())
	}
	want := serialport.Config{Baud: 9600, DataBits: 7, Parity: serialport.ParityEven, StopBits: 1, ReadTimeout: 500 * time.Millisecond}
	if got := p.SerialConfig(); got != want {
		t.Errorf("SerialConfig = %+v, want %+v", got, want)
	}
}

// misbehaving consumes nothing and never completes: the decoder must still
// bound its memory and make progress.
type misbehaving struct{ SASI }

func (misbehaving) Parse(buf []byte) (Reading, int, error) { return Reading{}, 0, ErrIncomplete }

func TestDecoderBoundsAMisbehavingProtocol(t *testing.T) {
	d := newDecoder(misbehaving{})
	var got []string
	d.feed(make([]byte, 3*maxBuffer+10), func(r Reading, err error) { got = append(got, result(r, err)) })
	if len(got) != 3 || got[0] != "malformed" || d.buffered() != 10 {
		t.Errorf("emitted %q, %d buffered", got, d.buffered())
	}
}
