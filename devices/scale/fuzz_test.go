package scale

import (
	"errors"
	"slices"
	"testing"
)

type decoded struct {
	r   Reading
	err string
}

// decodeSplit feeds data to a decoder in chunks of the sizes in cuts (cycled;
// a size of 0 means 1) and checks the decoder's memory bound after each chunk.
func decodeSplit(t *testing.T, data, cuts []byte) []decoded {
	d := newDecoder(SASI{})
	var out []decoded
	emit := func(r Reading, err error) {
		checkResult(t, r, err)
		e := decoded{r: r}
		if err != nil {
			e.err = err.Error()
		}
		out = append(out, e)
	}
	for i := 0; len(data) > 0; i++ {
		n := len(data)
		if len(cuts) > 0 {
			n = min(n, max(1, int(cuts[i%len(cuts)])))
		}
		d.feed(data[:n], emit)
		data = data[n:]
		if d.buffered() > 1+sasiMaxBody {
			t.Fatalf("decoder holds %d bytes", d.buffered())
		}
	}
	return out
}

// checkResult: every reply decodes to a consistent Reading that encodes back to
// itself, or to an error wrapping ErrMalformed.
func checkResult(t *testing.T, r Reading, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrMalformed) || errors.Is(err, ErrIncomplete) || r != (Reading{}) {
			t.Fatalf("error %v (reading %+v): want a bare ErrMalformed", err, r)
		}
		return
	}
	if r.Stable {
		if r.Motion || r.OverCapacity || r.UnderZero || r.OutsideZeroCapture || r.CentreOfZero {
			t.Fatalf("stable reading with status flags: %+v", r)
		}
		if r.Grams < -999999 || r.Grams > 999999 {
			t.Fatalf("weight out of range: %+v", r)
		}
	} else if r.Grams != 0 {
		t.Fatalf("status reading with a weight: %+v", r)
	}
	wire := SASI{}.Reply(r)
	back, n, err := SASI{}.Parse(wire)
	if err != nil || n != len(wire) || back != r {
		t.Fatalf("%+v encodes to %q, which parses to %+v, %d, %v", r, wire, back, n, err)
	}
}

// FuzzSASI: its seed corpus is testdata/fuzz/FuzzSASI (data, chunk sizes).
func FuzzSASI(f *testing.F) {
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		// Parse alone: consumed within bounds, progress unless incomplete, and an
		// incomplete reply starts at STX and is short.
		_, n, err := SASI{}.Parse(data)
		switch {
		case n < 0 || n > len(data):
			t.Fatalf("consumed %d of %d", n, len(data))
		case errors.Is(err, ErrIncomplete):
			if rest := data[n:]; len(rest) > 0 && (rest[0]&0x7F != stx || len(rest) > 1+sasiMaxBody) {
				t.Fatalf("incomplete leaves %q", rest)
			}
		case n == 0:
			t.Fatalf("%v without consuming", err)
		}

		// Any chunking gives the same readings and errors.
		whole := decodeSplit(t, data, nil)
		if got := decodeSplit(t, data, cuts); !slices.Equal(got, whole) {
			t.Fatalf("chunks %v give\n%+v\nwhole gives\n%+v", cuts, got, whole)
		}
		if got := decodeSplit(t, data, []byte{1}); !slices.Equal(got, whole) {
			t.Fatalf("byte by byte gives\n%+v\nwhole gives\n%+v", got, whole)
		}
	})
}
