package catalog

import (
	"strings"
	"testing"
)

func TestParseElementString(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []AI
	}{
		{"0190012345678908" + "3103001250" + "392200499",
			[]AI{{"01", "90012345678908"}, {"3103", "001250"}, {"3922", "00499"}}},
		{"\x1d0109501101531000" + "10AB-12\x1d" + "17261231",
			[]AI{{"01", "09501101531000"}, {"10", "AB-12"}, {"17", "261231"}}},
		{"0109501101531000" + "17261231" + "10AB-12",
			[]AI{{"01", "09501101531000"}, {"17", "261231"}, {"10", "AB-12"}}},
		{"0109501101531000\x1d" + "17261231\x1d" + "10AB-12\x1d", // tolerated extra GS
			[]AI{{"01", "09501101531000"}, {"17", "261231"}, {"10", "AB-12"}}},
		{"(01)09501101531000(17)261231(10)AB-12",
			[]AI{{"01", "09501101531000"}, {"17", "261231"}, {"10", "AB-12"}}},
		{"(01)09501101531000(10)A(B)C(21)X(",
			[]AI{{"01", "09501101531000"}, {"10", "A(B)C"}, {"21", "X("}}},
		{"(01)09501101531000(3103)001250(3922)00499",
			[]AI{{"01", "09501101531000"}, {"3103", "001250"}, {"3922", "00499"}}},
		{"00106141412345678908",
			[]AI{{"00", "106141412345678908"}}},
		{"0109501101531000" + "15261200" + "11250229", // day 00 = end of month; 29 Feb
			[]AI{{"01", "09501101531000"}, {"15", "261200"}, {"11", "250229"}}},
		{"0109501101531000" + "21" + `!"%&'()*+,-./:;<=>?_` + "\x1d" + "22azAZ09",
			[]AI{{"01", "09501101531000"}, {"21", `!"%&'()*+,-./:;<=>?_`}, {"22", "azAZ09"}}},
		{"0109501101531000" + "422978\x1d" + "7003" + "2612312359" + "\x1d" + "800820010203",
			[]AI{{"01", "09501101531000"}, {"422", "978"}, {"7003", "2612312359"}, {"8008", "20010203"}}},
		{"0109501101531000" + "422978" + "8005200012", // fixed 422 without GS
			[]AI{{"01", "09501101531000"}, {"422", "978"}, {"8005", "200012"}}},
		{"0109501101531000" + "10X\x1d" + "0109501101531000", // identical repeat kept once
			[]AI{{"01", "09501101531000"}, {"10", "X"}}},
		{"0109501101531000" + "421276" + "D-10115",
			[]AI{{"01", "09501101531000"}, {"421", "276D-10115"}}},
		{"0109501101531000" + "410" + "4012345000092",
			[]AI{{"01", "09501101531000"}, {"410", "4012345000092"}}},
		{"90" + "internal",
			[]AI{{"90", "internal"}}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseElementString(tc.in)
			if err != nil {
				t.Fatalf("ParseElementString(%q) = %v", tc.in, err)
			}
			if !equalAIs(got, tc.want) {
				t.Errorf("ParseElementString(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseElementStringRefused(t *testing.T) {
	for _, in := range []string{
		"",
		"\x1d",
		"(",
		"()",
		"(01",
		"(01)",
		"(00)123",
		"(1)0",
		"(01)09501101531000(10)",
		"(01)09501101531000 (10)AB",
		"0109501101531001",                    // (01) check digit
		"010950110153100",                     // (01) short
		"01095011015310a0",                    // (01) letter
		"0109501101531000" + "10",             // empty variable value
		"0109501101531000" + "10\x1d17261231", // empty variable value before GS
		"0109501101531000" + "10" + strings.Repeat("A", 21),
		"0109501101531000" + "10A B",
		"0109501101531000" + "10A#B",
		"0109501101531000" + "10A\x01B",
		"0109501101531000" + "10A\x80B",
		"0109501101531000" + "17261232",        // day 32
		"0109501101531000" + "17260230",        // 30 Feb
		"0109501101531000" + "17260015",        // month 00
		"0109501101531000" + "70032612312460",  // hour 24
		"0109501101531000" + "7003261231235",   // short
		"0109501101531000" + "800826123123123", // 8008 with 3 extra digits
		"0109501101531000" + "3106001250",      // n = 6 is no AI
		"0109501101531000" + "3380001250",      // 338n does not exist
		"0109501101531000" + "3102001250" + "3103001250",
		"0109501101531000" + "10X\x1d" + "10Y",
		"0109501101531000" + "0109501101531017",
		"0109501101531000" + "\x1d\x1d" + "10X",
		"0109501101531000" + "392",
		"0109501101531000" + "3932" + "978",
		"0109501101531000" + "39220" + strings.Repeat("1", 16),
		"0109501101531000" + "421" + "27",
		"0109501101531000" + "421" + "2a6X",
		"0109501101531000" + "4104012345000099", // GLN check digit
		"04",
		"19",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := ParseElementString(in)
			if err == nil {
				t.Fatalf("ParseElementString(%q) = %v, want error", in, got)
			}
			if ReasonOf(err) != ReasonBadElementString {
				t.Errorf("ParseElementString(%q) = %v, want bad_element_string", in, err)
			}
		})
	}
}

func TestFormatElementString(t *testing.T) {
	for _, tc := range []struct {
		want string
		ais  []AI
	}{
		{"0190012345678908" + "3103001250" + "392200499",
			[]AI{{"01", "90012345678908"}, {"3103", "001250"}, {"3922", "00499"}}},
		{"0109501101531000" + "10AB-12\x1d" + "17261231",
			[]AI{{"01", "09501101531000"}, {"10", "AB-12"}, {"17", "261231"}}},
		{"0109501101531000" + "17261231" + "10AB-12",
			[]AI{{"01", "09501101531000"}, {"17", "261231"}, {"10", "AB-12"}}},
		{"0109501101531000" + "422978\x1d" + "8005200012\x1d" + "21X",
			[]AI{{"01", "09501101531000"}, {"422", "978"}, {"8005", "200012"}, {"21", "X"}}},
		{"", nil},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := FormatElementString(tc.ais); got != tc.want {
				t.Errorf("FormatElementString(%v) = %q, want %q", tc.ais, got, tc.want)
			}
			if tc.ais == nil {
				return
			}
			back, err := ParseElementString(tc.want)
			if err != nil || !equalAIs(back, tc.ais) {
				t.Errorf("ParseElementString(%q) = %v, %v; want %v", tc.want, back, err, tc.ais)
			}
		})
	}
}

func TestFormatHumanReadable(t *testing.T) {
	ais := []AI{{"01", "09501101531000"}, {"17", "261231"}, {"10", "AB-12"}}
	const want = "(01)09501101531000(17)261231(10)AB-12"
	if got := FormatHumanReadable(ais); got != want {
		t.Errorf("FormatHumanReadable = %q, want %q", got, want)
	}
	if got := ais[0].String(); got != "(01)09501101531000" {
		t.Errorf("AI.String() = %q", got)
	}
}

// TestAITable checks the table's invariants the parser relies on.
func TestAITable(t *testing.T) {
	for id, sp := range aiTable {
		if len(id) < 2 || len(id) > 4 || !allDigits(id) {
			t.Errorf("AI %q: want 2 to 4 digits", id)
		}
		for n := 2; n < len(id); n++ {
			if _, ok := aiTable[id[:n]]; ok {
				t.Errorf("AI %s starts with AI %s: table not prefix-free", id, id[:n])
			}
		}
		if sp.min < 1 || sp.min > sp.max || sp.digits > sp.max {
			t.Errorf("AI %s: bad lengths %+v", id, sp)
		}
		if sp.predefined && !sp.fixed() {
			t.Errorf("AI %s: predefined length but variable", id)
		}
		// GS1 GenSpecs figure 7.8.5-2: predefined lengths by first two digits.
		predef := map[string]int{"00": 20, "01": 16, "02": 16, "11": 8, "12": 8, "13": 8, "15": 8, "16": 8, "17": 8, "20": 4,
			"31": 10, "32": 10, "33": 10, "34": 10, "35": 10, "36": 10, "41": 16}
		if total, ok := predef[id[:2]]; ok != sp.predefined || ok && len(id)+sp.max != total {
			t.Errorf("AI %s: predefined=%v, length %d; GS1 table says %v, %d", id, sp.predefined, len(id)+sp.max, ok, total)
		}
	}
	for _, id := range []string{"00", "01", "02", "10", "11", "12", "13", "15", "16", "17", "20", "21", "22", "30", "37",
		"3100", "3105", "3160", "3200", "3695", "3900", "3919", "3929", "3939", "3955", "400", "401", "402", "403",
		"410", "417", "420", "421", "422", "7003", "8005", "8008", "8200", "90", "91", "99"} {
		if _, ok := aiTable[id]; !ok {
			t.Errorf("AI %s missing", id)
		}
	}
}

func TestCurrencyNumeric(t *testing.T) {
	for _, tc := range []struct{ alpha, want string }{
		{"EUR", "978"}, {"eur", "978"}, {"GBP", "826"}, {"SEK", "752"}, {"NOK", "578"}, {"DKK", "208"},
		{"USD", "840"}, {"CHF", "756"}, {"PLN", "985"}, {"CZK", "203"}, {"AUD", "036"},
	} {
		t.Run(tc.alpha, func(t *testing.T) {
			if got, ok := CurrencyNumeric(tc.alpha); !ok || got != tc.want {
				t.Errorf("CurrencyNumeric(%s) = %q, %v; want %s", tc.alpha, got, ok, tc.want)
			}
		})
	}
	for _, in := range []string{"", "EU", "XXX", "978", "EURO"} {
		t.Run(in, func(t *testing.T) {
			if got, ok := CurrencyNumeric(in); ok {
				t.Errorf("CurrencyNumeric(%q) = %s, want unknown", in, got)
			}
		})
	}
	// Decode reports AI 393n's currency in the same form.
	c, err := Decode("]C1"+"0190012345678908"+"3932"+"978"+"00499", DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if eur, _ := CurrencyNumeric("EUR"); c.Currency != eur {
		t.Errorf("AI 3932 currency %q, want %s", c.Currency, eur)
	}
}
