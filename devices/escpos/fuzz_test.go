package escpos

import (
	"slices"
	"testing"
)

// FuzzStatus checks that every status byte decodes to defined conditions or is
// invalid, that ASB blocks do too, and that the demuxer gives the same frames
// however the stream is cut into reads, holding at most three bytes back.
func FuzzStatus(f *testing.F) {
	f.Add([]byte{0x12, 0x1A, 0x7E}, []byte{1})
	f.Add([]byte{0x38, XOFF, 0x00, 0x00, XON, 0x00, 0x12}, []byte{2, 1, 3})
	f.Add([]byte{0x10, 0x00, 0x12, 0x00, 0xFF, 0x11}, []byte{0})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		const defined = CondPaperEnd<<1 - 1
		for _, b := range data {
			for n := byte(0); n <= 5; n++ {
				c, err := DecodeStatus(n, b)
				valid := ValidStatus(b) && n >= 1 && n <= 4
				if (err == nil) != valid {
					t.Fatalf("DLE EOT %d reply %#02x: err %v, valid %v", n, b, err, valid)
				}
				if c&^defined != 0 || err != nil && c != 0 {
					t.Fatalf("DLE EOT %d reply %#02x: undefined conditions %b", n, b, c)
				}
				s := c.Status()
				if len(s.Faults)+len(s.Warnings) > 6 {
					t.Fatalf("%b: %+v", c, s)
				}
			}
		}
		for i := 0; i+4 <= len(data); i++ {
			c, err := DecodeASB([4]byte(data[i : i+4]))
			if c&^defined != 0 || err != nil && c != 0 {
				t.Fatalf("ASB % x: %b %v", data[i:i+4], c, err)
			}
		}

		var whole []Frame
		var d Demux
		emit := func(fr Frame) { whole = append(whole, fr) }
		d.Feed(data, emit)
		if d.Pending() > 3 {
			t.Fatalf("%d bytes pending", d.Pending())
		}
		d.Flush(emit)
		total := 0
		for _, fr := range whole {
			total += fr.Len()
			if fr.Kind < FrameStatus || fr.Kind > FrameOther {
				t.Fatalf("frame kind %d", fr.Kind)
			}
		}
		if total != len(data) {
			t.Fatalf("frames cover %d of %d bytes", total, len(data))
		}

		var chunked []Frame
		var d2 Demux
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if len(cuts) > 0 {
				n = min(int(cuts[i%len(cuts)])%8, len(rest))
			}
			d2.Feed(rest[:n], func(fr Frame) { chunked = append(chunked, fr) })
			if d2.Pending() > 3 {
				t.Fatalf("%d bytes pending", d2.Pending())
			}
			rest = rest[n:]
			if i > 8*len(data)+8 {
				break // cuts of zero only: the rest in one piece
			}
		}
		d2.Feed(rest, func(fr Frame) { chunked = append(chunked, fr) })
		d2.Flush(func(fr Frame) { chunked = append(chunked, fr) })
		if !slices.Equal(whole, chunked) {
			t.Fatalf("chunking changed the frames:\n%v\n%v", whole, chunked)
		}
	})
}
