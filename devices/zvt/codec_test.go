package zvt

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFrameVectors: the three vectors of ecrterm's test_data_encoding.py, byte
// for byte, built from APDUs.
func TestFrameVectors(t *testing.T) {
	amount, _ := NumberField(BMPAmount, 11000)
	cc, _ := NumberField(BMPCurrency, 978)
	for _, tc := range []struct {
		name string
		apdu APDU
		want string
	}{
		{"ack", Ack(), "10 02 80 00 00 10 03 F5 1F"},
		{"registration", APDU{0x06, 0x00, unhex(t, "123456BA0978")}, "10 02 06 00 06 12 34 56 BA 09 78 10 03 24 C3"},
		{"authorization_110_EUR_doubled_DLE", APDU{0x06, 0x01, Fields{amount, cc}.Bytes()}, "10 02 06 01 0A 04 00 00 00 01 10 10 00 49 09 78 10 03 F2 FF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := EncodeFrame(tc.apdu.Bytes())
			if want := unhex(t, tc.want); !bytes.Equal(got, want) {
				t.Fatalf("frame % X\nwant  % X", got, want)
			}
			var d deframer
			evs := d.feed(got)
			if len(evs) != 1 || evs[0].kind != evFrame {
				t.Fatalf("deframed %+v", evs)
			}
			a, err := ParseAPDU(evs[0].apdu)
			if err != nil || !reflect.DeepEqual(a.Bytes(), tc.apdu.Bytes()) {
				t.Fatalf("round trip %v %v", a, err)
			}
		})
	}
}

func TestCRCKermitCheckValue(t *testing.T) {
	// CRC-16/KERMIT's catalogue check value over "123456789" is 0x2189.
	if got := CRC([]byte("123456789")); got != 0x2189 {
		t.Fatalf("CRC = %04X", got)
	}
}

func TestAPDULengths(t *testing.T) {
	for _, n := range []int{0, 1, 254, 255, 300, MaxData} {
		a := APDU{Class: 0x06, Instr: 0xD1, Data: bytes.Repeat([]byte{0x41}, n)}
		b := a.Bytes()
		wantHdr := 3
		if n > 254 {
			wantHdr = 5
			if b[2] != 0xFF || int(b[3])|int(b[4])<<8 != n {
				t.Fatalf("n=%d: header % X", n, b[:5])
			}
		}
		if len(b) != wantHdr+n {
			t.Fatalf("n=%d: %d bytes", n, len(b))
		}
		got, err := ParseAPDU(b)
		if err != nil || got.Class != a.Class || got.Instr != a.Instr || !bytes.Equal(got.Data, a.Data) {
			t.Fatalf("n=%d: %v %v", n, got, err)
		}
		got, err = ReadAPDU(bytes.NewReader(b))
		if err != nil || !bytes.Equal(got.Data, a.Data) {
			t.Fatalf("n=%d: ReadAPDU %v", n, err)
		}
	}
}

func TestParseAPDURefuses(t *testing.T) {
	for _, s := range []string{"", "80", "80 00", "06 01 03 00", "06 01 FF 01", "06 01 01 00 00", "06 01 FF 02 00 AA"} {
		if _, err := ParseAPDU(unhex(t, s)); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	if _, err := ReadAPDU(bytes.NewReader(unhex(t, "06 01 FF FF FF 00"))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short ReadAPDU: %v", err)
	}
}

func TestAckNack(t *testing.T) {
	if !IsAck(APDU{0x80, 0x00, nil}) || IsAck(APDU{0x84, 0xA0, nil}) {
		t.Fatal("IsAck")
	}
	if c, ok := IsNack(APDU{0x84, 0xA0, nil}); !ok || c != 0xA0 {
		t.Fatal("IsNack")
	}
	if _, ok := IsNack(Ack()); ok {
		t.Fatal("ack is a nack")
	}
	if !bytes.Equal(Nack(0x83).Bytes(), []byte{0x84, 0x83, 0x00}) {
		t.Fatal("Nack bytes")
	}
}

func TestBCD(t *testing.T) {
	for _, tc := range []struct {
		v int64
		n int
		s string
	}{{1050, 6, "000000001050"}, {0, 2, "0000"}, {978, 2, "0978"}, {999999, 3, "999999"}} {
		b, err := EncodeBCD(tc.v, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(b) != tc.s {
			t.Errorf("EncodeBCD(%d) = %x", tc.v, b)
		}
		if v, err := DecodeBCD(b); err != nil || v != tc.v {
			t.Errorf("DecodeBCD(%x) = %d %v", b, v, err)
		}
		if s, err := BCDDigits(b); err != nil || s != tc.s {
			t.Errorf("BCDDigits = %q", s)
		}
		if d, err := DigitsBCD(tc.s); err != nil || !bytes.Equal(d, b) {
			t.Errorf("DigitsBCD = %x", d)
		}
	}
	if _, err := EncodeBCD(1000000, 3); err == nil {
		t.Error("overflow accepted")
	}
	if _, err := EncodeBCD(-1, 3); err == nil {
		t.Error("negative accepted")
	}
	if _, err := DecodeBCD([]byte{0x1A}); err == nil {
		t.Error("nibble A accepted")
	}
}

// statusInfo is a typical 04 0F of an approved girocard payment.
const statusInfo = "27 00 04 00 00 00 00 10 50 0B 00 01 23 0C 14 30 05 0D 11 24 19 70" +
	" 22 F0 F8 47 61 73 EE EE EE 00 10 29 12 34 56 78 49 09 78 87 00 42" +
	" 8B F0 F5 56 49 53 41 00 06 07 1F 1F 02 00 42 26 00"

func TestFieldsStatusInfo(t *testing.T) {
	b := unhex(t, statusInfo)
	fs, err := ParseFields(b)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := fs.Byte(BMPResult); !ok || r != 0 {
		t.Error("result")
	}
	if v, _ := fs.Number(BMPAmount); v != 1050 {
		t.Errorf("amount %d", v)
	}
	if v, _ := fs.Number(BMPTrace); v != 123 {
		t.Errorf("trace %d", v)
	}
	if s, _ := fs.Digits(BMPTime); s != "143005" {
		t.Errorf("time %s", s)
	}
	if s, _ := fs.Digits(BMPTID); s != "12345678" {
		t.Errorf("tid %s", s)
	}
	if v, _ := fs.Number(BMPReceiptNo); v != 42 {
		t.Errorf("receipt %d", v)
	}
	if s, _ := fs.PAN(); s != "476173******0010" {
		t.Errorf("pan %q", s)
	}
	if s, _ := fs.Text(BMPCardName); s != "VISA" {
		t.Errorf("card name %q", s)
	}
	objs, err := fs.TLV()
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := Find(objs, TagReceiptSync); !ok || !bytes.Equal(o.Value, []byte{0, 0x42}) {
		t.Errorf("1F1F %+v", o)
	}
	if o, ok := Find(objs, TagCommands); !ok || o.Children == nil || len(o.Children) != 0 {
		t.Errorf("26 %+v", o)
	}
	if got := fs.Bytes(); !bytes.Equal(got, b) {
		t.Fatalf("re-encoded\n% X\nwant\n% X", got, b)
	}
}

func TestFieldConstructors(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Field
		want string
	}{
		{"pan_odd", PANField("4761739**0010"), "22 F0 F7 EE EE EE EE E0 01 0F"},
		{"pan_full_is_masked", PANField("4761730000000010"), "22 F0 F8 47 61 73 EE EE EE 00 10"},
		{"card_name", TextField(BMPCardName, "girocard"), "8B F0 F9 67 69 72 6F 63 61 72 64 00"},
		{"text_umlaut", TextField(BMPText, "Grüße"), "3C F0 F0 F5 47 72 81 E1 65"},
		{"result", ByteField(BMPResult, 0x6C), "27 6C"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Fields{tc.f}.Bytes()
			if want := unhex(t, tc.want); !bytes.Equal(got, want) {
				t.Fatalf("% X\nwant % X", got, want)
			}
			fs, err := ParseFields(got)
			if err != nil || len(fs) != 1 {
				t.Fatal(err)
			}
		})
	}
	fs, _ := ParseFields(Fields{PANField("4761739**0010")}.Bytes())
	if s, _ := fs.PAN(); s != "*********0010" {
		t.Errorf("13 digit pan %q", s)
	}
	fs, _ = ParseFields(Fields{TextField(BMPText, "Grüße")}.Bytes())
	if s, _ := fs.Text(BMPText); s != "Grüße" {
		t.Errorf("text %q", s)
	}
	if _, err := NumberField(BMPPAN, 1); err == nil {
		t.Error("NumberField on LLVAR")
	}
	if _, err := NumberField(BMPReceiptNo, 10000); err == nil {
		t.Error("receipt 10000 fits 2 bytes?")
	}
}

func TestMaskPAN(t *testing.T) {
	for in, want := range map[string]string{
		"4761730000000010":    "476173******0010",
		"476173******0010":    "476173******0010",
		"6703444444444444449": "670344*********4449",
		"1234567890123":       "*********0123",
		"12":                  "12",
		"12ab":                "12**",
	} {
		if got := MaskPAN(in); got != want {
			t.Errorf("MaskPAN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseFieldsRefuses(t *testing.T) {
	for name, s := range map[string]string{
		"unknown_bmp":   "27 00 55 01",
		"fixed_short":   "04 00 00",
		"llvar_short":   "22 F1",
		"llvar_bad_len": "22 A1 00",
		"llvar_over":    "22 F9 F9 00",
		"lllvar_over":   "3C F9 F9 F9 00",
		"tlv_bad_len":   "06 83 00 00 00",
		"tlv_over":      "06 82 FF FF 00",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseFields(unhex(t, s)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := ParseFields(unhex(t, "27 00 55 01")); !errors.Is(err, ErrUnknownBMP) {
		t.Fatalf("unknown BMP: %v", err)
	}
}

func TestTLV(t *testing.T) {
	objs := []TLV{
		{Tag: TagCommands, Children: []TLV{{Tag: TagCommand, Value: []byte{0x06, 0xD1}}, {Tag: TagCommand, Value: []byte{0x06, 0x0F}}}},
		{Tag: TagReceiptSync, Value: []byte{}},
		{Tag: 0x1F4C, Value: bytes.Repeat([]byte{1}, 200)},
		{Tag: 0x14, Value: bytes.Repeat([]byte{2}, 300)},
	}
	b := EncodeTLV(objs)
	if !bytes.HasPrefix(b, unhex(t, "26 08 0A 02 06 D1 0A 02 06 0F 1F 1F 00 1F 4C 81 C8")) {
		t.Fatalf("% X", b[:20])
	}
	got, err := ParseTLV(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(EncodeTLV(got), b) {
		t.Fatal("round trip differs")
	}
	if c, ok := Find(got, TagCommand); !ok || !bytes.Equal(c.Value, []byte{0x06, 0xD1}) {
		t.Fatal("Find")
	}
	for _, s := range []string{"1F", "1F 81", "0A 03 00", "0A 84 00", "26 03 0A 05 00"} {
		if _, err := ParseTLV(unhex(t, s)); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	deep := []byte{}
	for range 20 {
		deep = append([]byte{0x26, byte(len(deep))}, deep...)
	}
	if _, err := ParseTLV(deep); err == nil {
		t.Error("20 levels accepted")
	}
}

func TestDeframerNoiseAndErrors(t *testing.T) {
	ack := EncodeFrame(Ack().Bytes())
	for _, tc := range []struct {
		name string
		in   []byte
		want string // event kinds
	}{
		{"noise_between", append(append([]byte{0x00, 0xFF, 0x10, 0x41}, ack...), 0x55), "F"},
		{"ack_nak", []byte{ACK, 0x33, NAK}, string([]byte{ACK, NAK})},
		{"bad_crc", append(ack[:len(ack)-1:len(ack)-1], ack[len(ack)-1]^1), "B"},
		{"restart", append([]byte{0x10, 0x02, 0x80, 0x10, 0x02}, ack[2:]...), "BF"},
		{"lone_dle", []byte{0x10, 0x02, 0x80, 0x10, 0x41}, "B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d deframer
			var got []byte
			for _, ev := range d.feed(tc.in) {
				got = append(got, ev.kind)
			}
			if string(got) != tc.want {
				t.Fatalf("events %q, want %q", got, tc.want)
			}
		})
	}
	var d deframer
	d.feed([]byte{0x10, 0x02, 0x80})
	if !d.inFrame() || len(d.abort("gap")) != 1 || d.inFrame() {
		t.Fatal("abort")
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct {
		a    APDU
		want string
	}{
		{Ack(), "80 00"},
		{APDU{0x04, 0xFF, []byte{0x0A, 0x05}}, "04 FF 0A"},
		{APDU{0x06, 0x1E, []byte{0x6C}}, "06 1E 6C"},
		{APDU{0x04, 0x0F, Fields{ByteField(BMPResult, 0), {BMPPAN, unhex(t, "47 61 73 12 34 56 78 90")}, {BMPExpiry, []byte{0x25, 0x12}}, {BMPCVV, []byte{1, 2}}}.Bytes()},
			"04 0F 27=00 22=476173******7890 0E=<withheld> 3A=<withheld>"},
		{APDU{0x06, 0xD1, []byte("\x00card 4761731234567890")}, "06 D1 (22 bytes)"},
		{APDU{0x06, 0x30, unhex(t, "000000 87 0042")}, "06 30 (6 bytes)"},
	} {
		if got := Redact(tc.a); got != tc.want {
			t.Errorf("Redact(% X) = %q, want %q", tc.a.Bytes(), got, tc.want)
		}
	}
}
