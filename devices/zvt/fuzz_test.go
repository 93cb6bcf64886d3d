package zvt

import (
	"bytes"
	"testing"
)

// FuzzDeframer: any byte stream, fed whole or byte by byte, gives the same
// events; frames pass their CRC and re-encode to the bytes they came from;
// the buffer stays within MaxFrame. Seeds in testdata/fuzz/FuzzDeframer.
func FuzzDeframer(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var whole deframer
		want := whole.feed(data)
		var bytewise deframer
		var got []frameEvent
		for i := range data {
			got = append(got, bytewise.feed(data[i:i+1])...)
			if cap(bytewise.buf) > MaxFrame+1 {
				t.Fatalf("buffer cap %d", cap(bytewise.buf))
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%d events bytewise, %d whole", len(got), len(want))
		}
		for i, ev := range want {
			if got[i].kind != ev.kind || !bytes.Equal(got[i].apdu, ev.apdu) {
				t.Fatalf("event %d differs", i)
			}
			if ev.kind == evFrame && !bytes.Contains(data, EncodeFrame(ev.apdu)) {
				t.Fatalf("frame % X not in the input", ev.apdu)
			}
		}
	})
}

// FuzzParseAPDU: a parsed APDU re-encodes to its input (a 1-byte length for
// ≤254 bytes is the only encoding Bytes makes, so long-form short APDUs are
// compared by content); ReadAPDU agrees with ParseAPDU.
func FuzzParseAPDU(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAPDU(data)
		r, rerr := ReadAPDU(bytes.NewReader(data))
		if err != nil {
			return
		}
		if rerr != nil || r.Class != a.Class || r.Instr != a.Instr || !bytes.Equal(r.Data, a.Data) {
			t.Fatalf("ReadAPDU %v %v, ParseAPDU %v", r, rerr, a)
		}
		b, err := ParseAPDU(a.Bytes())
		if err != nil || !bytes.Equal(b.Data, a.Data) {
			t.Fatalf("round trip: %v", err)
		}
		if data[2] != 0xFF && !bytes.Equal(a.Bytes(), data) {
			t.Fatalf("re-encoded % X", a.Bytes())
		}
	})
}

// FuzzParseFields: parsed fields re-encode to what parses to the same fields
// (to their input when it has no BER length), and every accessor
// copes with every field; a masked card number never shows more than 6+4 digits.
func FuzzParseFields(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := ParseFields(data)
		if err != nil {
			return
		}
		// Bytes writes the shortest BER length; otherwise it is the input.
		again, err := ParseFields(fs.Bytes())
		if err != nil || len(again) != len(fs) {
			t.Fatalf("re-parse: %v", err)
		}
		for i := range fs {
			if again[i].BMP != fs[i].BMP || !bytes.Equal(again[i].Data, fs[i].Data) {
				t.Fatalf("field %d differs", i)
			}
		}
		if _, ok := fs.Get(BMPTLV); !ok && !bytes.Equal(fs.Bytes(), data) {
			t.Fatalf("re-encoded % X", fs.Bytes())
		}
		for _, fl := range fs {
			fs.Byte(fl.BMP)
			fs.Number(fl.BMP)
			fs.Digits(fl.BMP)
			fs.Text(fl.BMP)
		}
		fs.TLV()
		if p, ok := fs.PAN(); ok {
			digits := 0
			for _, c := range p {
				if c != '*' {
					digits++
				}
			}
			if digits > 10 {
				t.Fatalf("PAN %q shows %d digits", p, digits)
			}
		}
		_ = redactFields(fs)
		ParseStatusCompletion(data)
	})
}

// FuzzParseTLV: parsed objects re-encode to their input when it used the
// shortest lengths, and always parse again to the same objects.
func FuzzParseTLV(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := ParseTLV(data)
		if err != nil {
			return
		}
		enc := EncodeTLV(objs)
		again, err := ParseTLV(enc)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !bytes.Equal(EncodeTLV(again), enc) {
			t.Fatal("not stable")
		}
	})
}
