package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// want is the expected outcome of one Decode; empty strings are not checked
// except price/weight, where "" means nil.
type want struct {
	sym, format, data, gtin, lookup string
	alt                             string // AltLookupGTIN, always checked
	variable                        bool
	price, weight                   string
	count                           int
	addOn, currency                 string
	ais                             []AI
}

func checkCode(t *testing.T, c Code, w want) {
	t.Helper()
	str := func(field, got, want string) {
		t.Helper()
		if want != "" && got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	dec := func(field string, got *decimal.Decimal, want string) {
		t.Helper()
		switch {
		case want == "" && got != nil:
			t.Errorf("%s = %s, want nil", field, got)
		case want != "" && got == nil:
			t.Errorf("%s = nil, want %s", field, want)
		case want != "" && !got.Equal(decimal.RequireFromString(want)):
			t.Errorf("%s = %s, want %s", field, got, want)
		}
	}
	str("Symbology", c.Symbology, w.sym)
	str("Format", c.Format, w.format)
	str("Data", c.Data, w.data)
	str("GTIN", c.GTIN, w.gtin)
	lookup := w.lookup
	if lookup == "" {
		lookup = w.gtin
	}
	str("LookupGTIN", c.LookupGTIN, lookup)
	if c.AltLookupGTIN != w.alt {
		t.Errorf("AltLookupGTIN = %q, want %q", c.AltLookupGTIN, w.alt)
	}
	if c.Variable != w.variable {
		t.Errorf("Variable = %v, want %v", c.Variable, w.variable)
	}
	dec("Price", c.Price, w.price)
	dec("WeightKg", c.WeightKg, w.weight)
	if c.Count != w.count {
		t.Errorf("Count = %d, want %d", c.Count, w.count)
	}
	if c.AddOn != w.addOn {
		t.Errorf("AddOn = %q, want %q", c.AddOn, w.addOn)
	}
	if c.Currency != w.currency {
		t.Errorf("Currency = %q, want %q", c.Currency, w.currency)
	}
	if w.ais != nil && !equalAIs(c.AIs, w.ais) {
		t.Errorf("AIs = %v, want %v", c.AIs, w.ais)
	}
	if w.ais == nil && len(c.AIs) != 0 {
		t.Errorf("AIs = %v, want none", c.AIs)
	}
}

func equalAIs(a, b []AI) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCheckDigitExamples(t *testing.T) {
	for _, tc := range []struct {
		payload string
		want    byte
	}{
		{"400638133393", '1'},
		{"950110153100", '0'},
		{"500011263792", '2'},
		{"841007647288", '5'},
		{"301762042200", '3'},
		{"01234567890", '5'},
		{"1001234567890", '2'},
		{"9638507", '4'},
	} {
		t.Run(tc.payload, func(t *testing.T) {
			got, err := CheckDigit(tc.payload)
			if err != nil || got != tc.want {
				t.Errorf("CheckDigit(%s) = %c, %v; want %c", tc.payload, got, err, tc.want)
			}
		})
	}
}

func TestExpandUPCE(t *testing.T) {
	for _, tc := range []struct{ upce, upca string }{
		{"04252614", "042100005264"}, // d6 = 1: N d1 d2 d6 0000 d3 d4 d5 C
		{"01234565", "012345000065"}, // d6 5-9
		{"00123457", "001234000057"},
		{"01234531", "012300000451"}, // d6 = 3
		{"01234640", "012340000060"}, // d6 = 4
		{"06543217", "065100004327"}, // d6 = 1
		{"11234562", "112345000062"}, // number system 1
	} {
		t.Run(tc.upce, func(t *testing.T) {
			got, err := ExpandUPCE(tc.upce)
			if err != nil || got != tc.upca {
				t.Errorf("ExpandUPCE(%s) = %q, %v; want %s", tc.upce, got, err, tc.upca)
			}
			if !ValidCheckDigit(got) {
				t.Errorf("UPC-A %s has a bad check digit", got)
			}
		})
	}
	for _, tc := range []struct {
		upce     string
		checkErr bool
	}{
		{"04252615", true},
		{"24252614", false},
		{"0425261", false},
		{"0425261x", false},
		{"", false},
	} {
		t.Run(tc.upce, func(t *testing.T) {
			got, err := ExpandUPCE(tc.upce)
			if err == nil {
				t.Fatalf("ExpandUPCE(%q) = %s, want error", tc.upce, got)
			}
			if errors.Is(err, ErrCheckDigit) != tc.checkErr {
				t.Errorf("ExpandUPCE(%q) = %v; check-digit error %v, want %v", tc.upce, err, !tc.checkErr, tc.checkErr)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	legacy := DecodeOptions{LegacyLabelIDs: true}
	for _, tc := range []struct {
		in   string
		opt  DecodeOptions
		want want
	}{
		// Plain EAN/UPC without AIM identifier.
		{in: "4006381333931", want: want{format: FormatEAN13, data: "4006381333931", gtin: "04006381333931"}},    // DE
		{in: "5000112637922", want: want{format: FormatEAN13, gtin: "05000112637922"}},                           // UK
		{in: "8410076472885", want: want{format: FormatEAN13, gtin: "08410076472885"}},                           // ES
		{in: "3017620422003", want: want{format: FormatEAN13, gtin: "03017620422003"}},                           // FR
		{in: "012345678905", want: want{format: FormatUPCA, gtin: "00012345678905"}},                             // US
		{in: "0012345678905", want: want{format: FormatUPCA, gtin: "00012345678905"}},                            // UPC-A as EAN-13
		{in: "96385074", want: want{format: FormatEAN8, gtin: "00000096385074"}},                                 // EAN-8
		{in: "12345670", want: want{format: FormatEAN8, gtin: "00000012345670", alt: "00123456000070"}},          // EAN-8 first, UPC-E too
		{in: "04252614", want: want{format: FormatUPCE, data: "04252614", gtin: "00042100005264"}},               // UPC-E
		{in: "10012345678902", want: want{format: FormatGTIN14, gtin: "10012345678902"}},                         // GTIN-14
		{in: "90012345678908", want: want{format: FormatGTIN14, gtin: "90012345678908", variable: true}},         // indicator 9
		{in: "  4006381333931 ", want: want{format: FormatEAN13, data: "4006381333931", gtin: "04006381333931"}}, // spaces trimmed
		{in: "2811111068708", want: want{format: FormatEAN13, gtin: "02811111068708"}},                           // RCN without layout
		{in: "]E04006381333931", want: want{sym: "]E0", format: FormatEAN13, gtin: "04006381333931"}},
		{in: "]E00012345678905", want: want{sym: "]E0", format: FormatUPCA, data: "0012345678905", gtin: "00012345678905"}},
		{in: "]E0012345678905", want: want{sym: "]E0", format: FormatUPCA, gtin: "00012345678905"}},
		{in: "]E004252614", want: want{sym: "]E0", format: FormatUPCE, gtin: "00042100005264"}},
		{in: "]E496385074", want: want{sym: "]E4", format: FormatEAN8, gtin: "00000096385074"}},
		{in: "]E3400638133393112", want: want{sym: "]E3", format: FormatEAN13, data: "400638133393112", gtin: "04006381333931", addOn: "12"}},
		{in: "]E3400638133393151234", want: want{sym: "]E3", format: FormatEAN13, gtin: "04006381333931", addOn: "51234"}},
		{in: "]E301234567890512", want: want{sym: "]E3", format: FormatUPCA, gtin: "00012345678905", addOn: "12"}},
		{in: "]E30425261412", want: want{sym: "]E3", format: FormatUPCE, gtin: "00042100005264", addOn: "12"}},
		{in: "]I110012345678902", want: want{sym: "]I1", format: FormatGTIN14, gtin: "10012345678902"}},
		{in: "]C04006381333931", want: want{sym: "]C0", format: FormatEAN13, gtin: "04006381333931"}},
		{in: "]Q14006381333931", want: want{sym: "]Q1", format: FormatEAN13, gtin: "04006381333931"}},
		{in: "]C010012345678902", want: want{sym: "]C0", format: FormatGTIN14, gtin: "10012345678902"}},
		// GS1 element strings.
		{
			in: "]e0" + "0190012345678908" + "3103001250" + "392200499",
			want: want{sym: "]e0", format: FormatGS1, data: "0190012345678908" + "3103001250" + "392200499",
				gtin: "90012345678908", variable: true, weight: "1.250", price: "4.99",
				ais: []AI{{"01", "90012345678908"}, {"3103", "001250"}, {"3922", "00499"}}},
		},
		{
			in: "0190012345678908" + "3103001250" + "392200499", // DataBar without AIM
			want: want{format: FormatGS1, gtin: "90012345678908", variable: true, weight: "1.250", price: "4.99",
				ais: []AI{{"01", "90012345678908"}, {"3103", "001250"}, {"3922", "00499"}}},
		},
		{
			in: "]C1" + "0109501101531000" + "10" + "AB-12" + "\x1d" + "17" + "261231",
			want: want{sym: "]C1", format: FormatGS1, data: "0109501101531000" + "10AB-12\x1d17261231", gtin: "09501101531000",
				ais: []AI{{"01", "09501101531000"}, {"10", "AB-12"}, {"17", "261231"}}},
		},
		{
			in: "]C1" + "\x1d" + "0109501101531000" + "17" + "261231" + "10" + "AB-12",
			want: want{sym: "]C1", format: FormatGS1, gtin: "09501101531000",
				ais: []AI{{"01", "09501101531000"}, {"17", "261231"}, {"10", "AB-12"}}},
		},
		{
			in: "(01)09501101531000(17)261231(10)AB-12",
			want: want{format: FormatGS1, data: "(01)09501101531000(17)261231(10)AB-12", gtin: "09501101531000",
				ais: []AI{{"01", "09501101531000"}, {"17", "261231"}, {"10", "AB-12"}}},
		},
		{
			in:   "\x1d" + "0109501101531000" + "21" + "SER1",
			want: want{format: FormatGS1, gtin: "09501101531000", ais: []AI{{"01", "09501101531000"}, {"21", "SER1"}}},
		},
		{
			in: "]d2" + "0109501101531000" + "17261231" + "10LOT7",
			want: want{sym: "]d2", format: FormatGS1, gtin: "09501101531000",
				ais: []AI{{"01", "09501101531000"}, {"17", "261231"}, {"10", "LOT7"}}},
		},
		{
			in: "]Q3" + "0109501101531000" + "8200" + "https://example.com/x",
			want: want{sym: "]Q3", format: FormatGS1, gtin: "09501101531000",
				ais: []AI{{"01", "09501101531000"}, {"8200", "https://example.com/x"}}},
		},
		{
			in: "]C1" + "0190012345678908" + "3932" + "978" + "499",
			want: want{sym: "]C1", format: FormatGS1, gtin: "90012345678908", variable: true, price: "4.99", currency: "978",
				ais: []AI{{"01", "90012345678908"}, {"3932", "978499"}}},
		},
		{
			in: "]C1" + "0109501101531000" + "3012",
			want: want{sym: "]C1", format: FormatGS1, gtin: "09501101531000", count: 12,
				ais: []AI{{"01", "09501101531000"}, {"30", "12"}}},
		},
		// Legacy label IDs.
		{in: "F4006381333931", opt: legacy, want: want{sym: "F", format: FormatEAN13, data: "4006381333931", gtin: "04006381333931"}},
		{in: "FF96385074", opt: legacy, want: want{sym: "FF", format: FormatEAN8, gtin: "00000096385074"}},
		{in: "A012345678905", opt: legacy, want: want{sym: "A", format: FormatUPCA, gtin: "00012345678905"}},
		{in: "E04252614", opt: legacy, want: want{sym: "E", format: FormatUPCE, gtin: "00042100005264"}},
		{in: "#4006381333931", opt: legacy, want: want{sym: "#", format: FormatEAN13, gtin: "04006381333931"}},
		{in: "4006381333931", opt: legacy, want: want{format: FormatEAN13, gtin: "04006381333931"}},
	} {
		name := tc.in
		if tc.opt.LegacyLabelIDs {
			name += "/legacy"
		}
		t.Run(name, func(t *testing.T) {
			c, err := Decode(tc.in, tc.opt)
			if err != nil {
				t.Fatalf("Decode(%q) = %v", tc.in, err)
			}
			checkCode(t, c, tc.want)
		})
	}
}

// TestDecodeAmbiguousEAN8UPCE: 8 digits whose last digit is the check digit
// of both readings are looked up as EAN-8 first and as UPC-E next, unless a
// symbology identifier or label ID says which one the scanner read.
func TestDecodeAmbiguousEAN8UPCE(t *testing.T) {
	legacy := DecodeOptions{LegacyLabelIDs: true}
	de := DecodeOptions{RCN: mustPreset(t, "DE")}
	for _, tc := range []struct {
		in   string
		opt  DecodeOptions
		want want
	}{
		{in: "12345670", want: want{format: FormatEAN8, gtin: "00000012345670", alt: "00123456000070"}},
		{in: "01234565", want: want{format: FormatEAN8, gtin: "00000001234565", alt: "00012345000065"}},
		{in: "01432152", opt: de, want: want{format: FormatEAN8, gtin: "00000001432152", alt: "00014321000052"}},
		{in: " 12345670 ", want: want{format: FormatEAN8, gtin: "00000012345670", alt: "00123456000070"}},
		{in: "12345670", opt: legacy, want: want{format: FormatEAN8, gtin: "00000012345670", alt: "00123456000070"}},
		// One reading only.
		{in: "96385074", want: want{format: FormatEAN8, gtin: "00000096385074"}}, // number system 9: no UPC-E
		{in: "04252614", want: want{format: FormatUPCE, gtin: "00042100005264"}}, // not an EAN-8
		{in: "04252610", want: want{format: FormatEAN8, gtin: "00000004252610"}}, // not a UPC-E
		{in: "00000055", want: want{format: FormatEAN8, gtin: "00000000000055"}}, // both readings are the same GTIN
		{in: "]E412345670", want: want{sym: "]E4", format: FormatEAN8, gtin: "00000012345670"}},
		{in: "]E012345670", want: want{sym: "]E0", format: FormatUPCE, gtin: "00123456000070"}},
		{in: "]C012345670", want: want{sym: "]C0", format: FormatEAN8, gtin: "00000012345670"}},
		{in: "FF12345670", opt: legacy, want: want{sym: "FF", format: FormatEAN8, gtin: "00000012345670"}},
		{in: "E12345670", opt: legacy, want: want{sym: "E", format: FormatUPCE, gtin: "00123456000070"}},
		{in: "#12345670", opt: legacy, want: want{sym: "#", format: FormatEAN8, gtin: "00000012345670"}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			c, err := Decode(tc.in, tc.opt)
			if err != nil {
				t.Fatalf("Decode(%q) = %v", tc.in, err)
			}
			checkCode(t, c, tc.want)
		})
	}
}

func TestDecodeRefused(t *testing.T) {
	for _, tc := range []struct {
		in   string
		opt  DecodeOptions
		want Reason
	}{
		{"", DecodeOptions{}, ReasonEmpty},
		{"   ", DecodeOptions{}, ReasonEmpty},
		{"]E0", DecodeOptions{}, ReasonEmpty},
		{strings.Repeat("1", 129), DecodeOptions{}, ReasonTooLong},
		{"4006381333931", DecodeOptions{MaxLen: 12}, ReasonTooLong},
		{"\x1b[A", DecodeOptions{}, ReasonControlByte},
		{"4006381333931\r\n", DecodeOptions{}, ReasonControlByte},
		{"4006381333931\r", DecodeOptions{}, ReasonControlByte},
		{"\t4006381333931", DecodeOptions{}, ReasonControlByte},
		{"4006381333931\x7f", DecodeOptions{}, ReasonControlByte},
		{"4006381\x1d333931", DecodeOptions{}, ReasonControlByte},
		{"]E04006381\x1d333931", DecodeOptions{}, ReasonControlByte},
		{"]C0\x1d4006381333931", DecodeOptions{}, ReasonControlByte},
		{"40063813\xc3\xa933931", DecodeOptions{}, ReasonNonASCII},
		{"4006381333932", DecodeOptions{}, ReasonCheckDigit},
		{"4006381333930", DecodeOptions{}, ReasonCheckDigit},
		{"012345678901", DecodeOptions{}, ReasonCheckDigit},
		{"12345671", DecodeOptions{}, ReasonCheckDigit}, // neither EAN-8 nor UPC-E
		{"]E004252615", DecodeOptions{}, ReasonCheckDigit},
		{"]E496385075", DecodeOptions{}, ReasonCheckDigit},
		{"]I110012345678903", DecodeOptions{}, ReasonCheckDigit},
		{"10012345678903", DecodeOptions{}, ReasonCheckDigit},
		{"12345", DecodeOptions{}, ReasonUnknownFormat},
		{"abc", DecodeOptions{}, ReasonUnknownFormat},
		{"4006381333931X", DecodeOptions{}, ReasonUnknownFormat},
		{"400638133 3931", DecodeOptions{}, ReasonUnknownFormat},
		{"1234567890123456", DecodeOptions{}, ReasonUnknownFormat},
		{"0000000000000", DecodeOptions{}, ReasonUnknownFormat},
		{"00000000", DecodeOptions{}, ReasonUnknownFormat},
		{"]C0HELLO", DecodeOptions{}, ReasonUnknownFormat},
		{"]C04006381333932", DecodeOptions{}, ReasonUnknownFormat}, // not a valid GTIN: just Code 128
		{"]Q1https://example.com", DecodeOptions{}, ReasonUnknownFormat},
		{"]", DecodeOptions{}, ReasonUnknownFormat},
		{"]E", DecodeOptions{}, ReasonUnknownFormat},
		{"]!04006381333931", DecodeOptions{}, ReasonUnknownFormat},
		{"]E012345", DecodeOptions{}, ReasonUnknownFormat},
		{"]E024252614", DecodeOptions{}, ReasonUnknownFormat}, // UPC-E number system 2
		{"]E44006381333931", DecodeOptions{}, ReasonUnknownFormat},
		{"]E34006381333931", DecodeOptions{}, ReasonUnknownFormat}, // add-on missing
		{"]I14006381333931", DecodeOptions{}, ReasonUnknownFormat},
		{"F4006381333931", DecodeOptions{}, ReasonUnknownFormat}, // label IDs off
		{"F400638133393", DecodeOptions{LegacyLabelIDs: true}, ReasonUnknownFormat},
		{"#", DecodeOptions{LegacyLabelIDs: true}, ReasonEmpty},
		{"]C1" + "10ABC", DecodeOptions{}, ReasonUnknownFormat},                            // no (01)
		{"]C1" + "00" + "106141412345678908", DecodeOptions{}, ReasonUnknownFormat},        // SSCC only
		{"]e0" + "0190012345678909", DecodeOptions{}, ReasonBadElementString},              // (01) check digit
		{"]C1" + "0109501101531000" + "99", DecodeOptions{}, ReasonBadElementString},       // empty value
		{"]C1" + "0109501101531000" + "310312", DecodeOptions{}, ReasonBadElementString},   // short (3103)
		{"]C1" + "0109501101531000" + "7", DecodeOptions{}, ReasonBadElementString},        // unknown AI
		{"]C1" + "0109501101531000" + "17261331", DecodeOptions{}, ReasonBadElementString}, // month 13
		{"]C1" + "0109501101531000" + "10" + strings.Repeat("A", 21), DecodeOptions{}, ReasonBadElementString},
		{"]C1" + "0109501101531000" + "3102001250" + "3103001250", DecodeOptions{}, ReasonBadElementString},
		{"]C1" + "0190012345678908" + "392200499\x1d" + "3932978499", DecodeOptions{}, ReasonBadElementString},
		{"(01)09501101531000(17)261231(10)AB 12", DecodeOptions{}, ReasonBadElementString},
		{"(01)09501101531000(10)", DecodeOptions{}, ReasonBadElementString},
		{"0109501101531000" + "10AB\x1d\x1d17261231", DecodeOptions{}, ReasonBadElementString},
	} {
		t.Run(tc.in, func(t *testing.T) {
			c, err := Decode(tc.in, tc.opt)
			if err == nil {
				t.Fatalf("Decode(%q) = %+v, want %s", tc.in, c, tc.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode(%q) error %T %v, want *DecodeError", tc.in, err, err)
			}
			if de.Reason != tc.want || ReasonOf(err) != tc.want {
				t.Errorf("Decode(%q) = %v, want reason %s", tc.in, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "barcode: "+string(tc.want)+": ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestDecodeErrorChain(t *testing.T) {
	_, err := Decode("4006381333932", DecodeOptions{})
	if !errors.Is(err, ErrCheckDigit) {
		t.Errorf("errors.Is(%v, ErrCheckDigit) = false", err)
	}
	wrapped := errors.Join(errors.New("scan"), err)
	if got := ReasonOf(wrapped); got != ReasonCheckDigit {
		t.Errorf("ReasonOf(wrapped) = %q", got)
	}
	if got := ReasonOf(errors.New("other")); got != "" {
		t.Errorf("ReasonOf(other) = %q, want empty", got)
	}
	if got := ReasonOf(nil); got != "" {
		t.Errorf("ReasonOf(nil) = %q, want empty", got)
	}
	_, err = Decode("abc", DecodeOptions{})
	if errors.Is(err, ErrCheckDigit) {
		t.Errorf("errors.Is(%v, ErrCheckDigit) = true", err)
	}
	if got := (&DecodeError{Reason: ReasonEmpty}).Error(); got != "barcode: empty" {
		t.Errorf("Error() = %q", got)
	}
}

func TestDecodeMaxLen(t *testing.T) {
	long := "]C1" + "0109501101531000" + "8200" + "https://example.com/" + strings.Repeat("a", 50)
	if _, err := Decode(long, DecodeOptions{}); err != nil {
		t.Errorf("default MaxLen: %v", err)
	}
	if _, err := Decode(long, DecodeOptions{MaxLen: 64}); ReasonOf(err) != ReasonTooLong {
		t.Errorf("MaxLen 64: %v, want too_long", err)
	}
}

func TestReasonsDistinct(t *testing.T) {
	seen := map[Reason]bool{}
	for _, r := range Reasons() {
		if r == "" || seen[r] {
			t.Errorf("reason %q empty or repeated", r)
		}
		seen[r] = true
	}
}
