package catalog

import (
	"strings"
	"testing"
)

func mustPreset(t *testing.T, country string) []RCNLayout {
	t.Helper()
	ls, err := RCNPreset(country)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func TestPriceCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  byte
	}{
		{"06870", '1'}, // DE 2811111068708
		{"00239", '4'}, // DE 2211114002394
		{"1234", '9'},  // UK 2011122912346
		{"2875", '9'},  // GS1 GenSpecs 7.9.3
		{"14685", '6'}, // GS1 GenSpecs 7.9.4
		{"0499", '8'},
		{"00012", '9'},
		{"0000", '0'},
		{"00000", '0'},
	} {
		t.Run(tc.value, func(t *testing.T) {
			got, err := PriceCheckDigit(tc.value)
			if err != nil || got != tc.want {
				t.Errorf("PriceCheckDigit(%s) = %c, %v; want %c", tc.value, got, err, tc.want)
			}
		})
	}
	for _, in := range []string{"", "123", "123456", "12a4"} {
		t.Run(in, func(t *testing.T) {
			if got, err := PriceCheckDigit(in); err == nil {
				t.Errorf("PriceCheckDigit(%q) = %c, want error", in, got)
			}
		})
	}
}

// TestPriceCheckDigitDetectsSingleErrors checks the property the verifier is
// for: changing any one value digit changes the verifier.
func TestPriceCheckDigitDetectsSingleErrors(t *testing.T) {
	for _, n := range []int{4, 5} {
		max := 1
		for range n {
			max *= 10
		}
		for v := range max {
			s := pad(v, n)
			c, _ := PriceCheckDigit(s)
			for i := range n {
				for d := byte('0'); d <= '9'; d++ {
					if d == s[i] {
						continue
					}
					m := s[:i] + string(d) + s[i+1:]
					if c2, _ := PriceCheckDigit(m); c2 == c {
						t.Fatalf("%s and %s share verifier %c", s, m, c)
					}
				}
			}
		}
	}
}

func pad(v, n int) string {
	s := strings.Repeat("0", n) + itoa(v)
	return s[len(s)-n:]
}

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	var b []byte
	for ; v > 0; v /= 10 {
		b = append([]byte{byte('0' + v%10)}, b...)
	}
	return string(b)
}

func TestRCNPreset(t *testing.T) {
	for _, name := range append(RCNPresetNames(), "de", "Uk", "GB") {
		t.Run(name, func(t *testing.T) {
			ls := mustPreset(t, name)
			if len(ls) == 0 {
				t.Fatal("no layouts")
			}
			if err := ValidateRCNLayouts(ls); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("XX", func(t *testing.T) {
		_, err := RCNPreset("XX")
		if err == nil {
			t.Fatal("want error")
		}
		for _, n := range RCNPresetNames() {
			if !strings.Contains(err.Error(), n) {
				t.Errorf("error %q does not list %s", err, n)
			}
		}
	})
	t.Run("fresh slices", func(t *testing.T) {
		a := mustPreset(t, "DE")
		a[0].Prefixes[0] = "99"
		if b := mustPreset(t, "DE"); b[0].Prefixes[0] != "22" {
			t.Errorf("preset changed by a caller: %v", b[0].Prefixes)
		}
	})
}

func TestRCNLayoutValidate(t *testing.T) {
	good := RCNLayout{Prefixes: []string{"28", "29"}, ItemDigits: 6, Verifier: true, ValueDigits: 5, Measure: MeasureWeight, Decimals: 3}
	if err := good.Validate(); err != nil {
		t.Fatalf("good layout: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*RCNLayout)
	}{
		{"no prefixes", func(l *RCNLayout) { l.Prefixes = nil }},
		{"prefix 3 digits", func(l *RCNLayout) { l.Prefixes = []string{"280"} }},
		{"prefix 40", func(l *RCNLayout) { l.Prefixes = []string{"40"} }},
		{"prefix 2x", func(l *RCNLayout) { l.Prefixes = []string{"2x"} }},
		{"prefix twice", func(l *RCNLayout) { l.Prefixes = []string{"28", "28"} }},
		{"13 digits", func(l *RCNLayout) { l.ItemDigits = 7 }},
		{"11 digits", func(l *RCNLayout) { l.ItemDigits = 5 }},
		{"item 1 digit", func(l *RCNLayout) { l.ItemDigits, l.ValueDigits, l.Verifier = 1, 11, false }},
		{"no value", func(l *RCNLayout) { l.ItemDigits, l.ValueDigits, l.Verifier = 12, 0, false }},
		{"verifier with 6 digits", func(l *RCNLayout) { l.ItemDigits, l.ValueDigits = 5, 6 }},
		{"unknown measure", func(l *RCNLayout) { l.Measure = "volume" }},
		{"negative decimals", func(l *RCNLayout) { l.Decimals = -1 }},
		{"too many decimals", func(l *RCNLayout) { l.Decimals = 6 }},
		{"count with decimals", func(l *RCNLayout) { l.Measure = MeasureCount }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := good
			l.Prefixes = append([]string(nil), good.Prefixes...)
			tc.edit(&l)
			if err := l.Validate(); err == nil {
				t.Errorf("Validate(%+v) = nil, want error", l)
			}
		})
	}
	t.Run("prefix in two layouts", func(t *testing.T) {
		if err := ValidateRCNLayouts(append(mustPreset(t, "DE"), mustPreset(t, "US")...)); err != nil {
			t.Fatalf("DE+US: %v", err)
		}
		if err := ValidateRCNLayouts(append(mustPreset(t, "DE"), mustPreset(t, "UK")...)); err == nil {
			t.Error("DE+UK share 28: want error")
		}
		if err := ValidateRCNLayouts(append(mustPreset(t, "DE"), mustPreset(t, "DK")...)); err == nil {
			t.Error("DE+DK share 22..28: want error")
		}
	})
}

func TestRCNBuild(t *testing.T) {
	de, uk, us := mustPreset(t, "DE"), mustPreset(t, "UK"), mustPreset(t, "US")
	for _, tc := range []struct {
		item   string
		layout RCNLayout
		value  int64
		want   string
	}{
		{"281111", de[2], 6870, "2811111068708"},
		{"221111", de[0], 239, "2211114002394"},
		{"251234", de[1], 12, "2512349000125"},
		{"2011122", uk[0], 1234, "2011122912346"},
		{"0212345", us[0], 499, "0212345804995"},
		{"281111", de[2], 0, "2811110000006"},
	} {
		t.Run(tc.item, func(t *testing.T) {
			got, err := tc.layout.Build(tc.item, tc.value)
			if err != nil || got != tc.want {
				t.Errorf("Build(%s, %d) = %q, %v; want %s", tc.item, tc.value, got, err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		item  string
		value int64
	}{
		{"wrong prefix", "271111", 1},
		{"short item", "28111", 1},
		{"letters", "2811a1", 1},
		{"value too big", "281111", 100000},
		{"negative", "281111", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := de[2].Build(tc.item, tc.value); err == nil {
				t.Errorf("Build(%s, %d) = %s, want error", tc.item, tc.value, got)
			}
		})
	}
}

func TestDecodeRCN(t *testing.T) {
	opt := func(country string) DecodeOptions { return DecodeOptions{RCN: mustPreset(t, country)} }
	for _, tc := range []struct {
		in      string
		country string
		want    want
	}{
		{"2811111068708", "DE", want{format: FormatEAN13, gtin: "02811111068708", lookup: "02811110000006", variable: true, weight: "6.870"}},
		{"2211114002394", "DE", want{format: FormatEAN13, gtin: "02211114002394", lookup: "02211110000004", variable: true, price: "2.39"}},
		{"2512349000125", "DE", want{format: FormatEAN13, gtin: "02512349000125", lookup: "02512340000001", variable: true, count: 12}},
		{"]E02811111068708", "DE", want{sym: "]E0", format: FormatEAN13, gtin: "02811111068708", lookup: "02811110000006", variable: true, weight: "6.870"}},
		{"2011122912346", "UK", want{format: FormatEAN13, gtin: "02011122912346", lookup: "02011122000005", variable: true, price: "12.34"}},
		{"2012345601994", "SE", want{format: FormatEAN13, gtin: "02012345601994", lookup: "02012345600003", variable: true, price: "1.99"}},
		{"2012345601994", "NO", want{format: FormatEAN13, gtin: "02012345601994", lookup: "02012345600003", variable: true, price: "1.99"}},
		{"2812340012500", "DK", want{format: FormatEAN13, gtin: "02812340012500", lookup: "02812340000002", variable: true, weight: "1.25"}},
		{"212345804995", "US", want{format: FormatUPCA, gtin: "00212345804995", lookup: "00212345000007", variable: true, price: "4.99"}},
		{"]E00212345804995", "US", want{sym: "]E0", format: FormatUPCA, gtin: "00212345804995", lookup: "00212345000007", variable: true, price: "4.99"}},
		// Prefixes outside the country's layouts stay ordinary GTINs.
		{"2011122912346", "DE", want{format: FormatEAN13, gtin: "02011122912346"}},
		{"4006381333931", "DE", want{format: FormatEAN13, gtin: "04006381333931"}},
		{"212345804995", "DE", want{format: FormatUPCA, gtin: "00212345804995"}},
		// Element strings never use RCN layouts.
		{"]C10102811111068708", "DE", want{sym: "]C1", format: FormatGS1, gtin: "02811111068708", ais: []AI{{"01", "02811111068708"}}}},
	} {
		t.Run(tc.in+"/"+tc.country, func(t *testing.T) {
			c, err := Decode(tc.in, opt(tc.country))
			if err != nil {
				t.Fatalf("Decode(%q) = %v", tc.in, err)
			}
			checkCode(t, c, tc.want)
		})
	}
	for _, tc := range []struct{ in, country string }{
		{"2811112068707", "DE"}, // verifier 2, want 1
		{"2211115002393", "DE"}, // verifier 5, want 4
		{"2011122812349", "UK"}, // verifier 8, want 9
		{"212345704998", "US"},  // verifier 7, want 8
	} {
		t.Run(tc.in+"/"+tc.country, func(t *testing.T) {
			c, err := Decode(tc.in, opt(tc.country))
			if ReasonOf(err) != ReasonBadRCN {
				t.Errorf("Decode(%q) = %+v, %v; want bad_rcn", tc.in, c, err)
			}
		})
	}
	t.Run("invalid store layout", func(t *testing.T) {
		bad := []RCNLayout{{Prefixes: []string{"28"}, ItemDigits: 6, ValueDigits: 5, Measure: MeasureWeight}}
		if _, err := Decode("2811111068708", DecodeOptions{RCN: bad}); ReasonOf(err) != ReasonBadRCN {
			t.Errorf("Decode with an 11-digit layout = %v, want bad_rcn", err)
		}
	})
}

// TestRCNPresetExamples decodes worked examples of each preset: the numbers a
// GS1 Member Organisation publishes where it does (DK), real labels where
// they are known (NO, from biip's tests), otherwise numbers built to the
// published layout, one per prefix (check digits, verifiers and lookup
// numbers computed by hand from GS1 General Specifications 7.9). A prefix
// outside the preset is an ordinary GTIN.
func TestRCNPresetExamples(t *testing.T) {
	for _, tc := range []struct {
		country, code string
		want          want
	}{
		// DE (GS1 Germany): price 22/23, count 25/26, weight 28/29, all with
		// a verifier digit.
		{"DE", "2211114002394", want{lookup: "02211110000004", price: "2.39"}},
		{"DE", "2330714002396", want{lookup: "02330710000006", price: "2.39"}},
		{"DE", "2511119000129", want{lookup: "02511110000005", count: 12}},
		{"DE", "2630719000121", want{lookup: "02630710000007", count: 12}},
		{"DE", "2811111068708", want{lookup: "02811110000006", weight: "6.870"}},
		{"DE", "2930711068700", want{lookup: "02930710000008", weight: "6.870"}},
		// UK (GS1 UK): 20XXX RR V PPPP C and 28XXX RR V PPPP C.
		{"UK", "2011122912346", want{lookup: "02011122000005", price: "12.34"}},
		{"UK", "2812345804995", want{lookup: "02812345000007", price: "4.99"}},
		{"GB", "2800001700026", want{lookup: "02800001000003", price: "0.02"}},
		// SE (GS1 Sweden): 2X + serial, 4 digits; X = 0/1/2 price, 3/4/5 weight.
		{"SE", "2088060112343", want{lookup: "02088060100005", price: "12.34"}},
		{"SE", "2188060112340", want{lookup: "02188060100002", price: "123.4"}},
		{"SE", "2288060112347", want{lookup: "02288060100009", price: "1234"}},
		{"SE", "2388060112344", want{lookup: "02388060100006", weight: "1.234"}},
		{"SE", "2488060112341", want{lookup: "02488060100003", weight: "12.34"}},
		{"SE", "2588060112348", want{lookup: "02588060100000", weight: "123.4"}},
		// NO: the Swedish layout; two real labels (a 1 kg cheese, chicken breast).
		{"NO", "2302148210869", want{lookup: "02302148200006", weight: "1.086"}},
		{"NO", "2368091402263", want{lookup: "02368091400009", weight: "0.226"}},
		{"NO", "2012345601994", want{lookup: "02012345600003", price: "1.99"}},
		// DK (GS1 Denmark's own examples): price in øre 21-24, weight in grams
		// 26/28 (6 digits) and 27 (5 digits after a 7-digit item).
		{"DK", "2135040039753", want{lookup: "02135040000005", price: "39.75"}},
		{"DK", "2235040039750", want{lookup: "02235040000002", price: "39.75"}},
		{"DK", "2335040039757", want{lookup: "02335040000009", price: "39.75"}},
		{"DK", "2435040039754", want{lookup: "02435040000006", price: "39.75"}},
		{"DK", "2623570001505", want{lookup: "02623570000003", weight: "0.150"}},
		{"DK", "2712341002251", want{lookup: "02712341000004", weight: "0.225"}},
		{"DK", "2823570001509", want{lookup: "02823570000007", weight: "0.150"}},
		// US: UPC-A 2 IIIII V PPPP C.
		{"US", "212345804995", want{lookup: "00212345000007", price: "4.99"}},
		{"US", "200001202513", want{lookup: "00200001000003", price: "2.51"}},
	} {
		t.Run(tc.country+"/"+tc.code, func(t *testing.T) {
			c, err := Decode(tc.code, DecodeOptions{RCN: mustPreset(t, tc.country)})
			if err != nil {
				t.Fatalf("Decode(%s) = %v", tc.code, err)
			}
			w := tc.want
			w.variable = true
			w.gtin = strings.Repeat("0", 14-len(tc.code)) + tc.code
			checkCode(t, c, w)
		})
	}
	// Every preset leaves the prefixes it does not list to ordinary GTINs.
	for _, tc := range []struct{ country, code string }{
		{"DE", "2011122912346"}, {"DE", "2412345000009"}, {"DE", "2712341002251"},
		{"UK", "2211114002394"}, {"UK", "2911111111111"}, {"UK", "212345804995"},
		{"SE", "2623570001505"}, {"NO", "2911111111111"},
		{"DK", "2011122912346"}, {"DK", "2511119000129"}, {"DK", "2911111111111"},
		{"US", "2811111068708"},
	} {
		t.Run(tc.country+"/"+tc.code+"/plain", func(t *testing.T) {
			c, err := Decode(tc.code, DecodeOptions{RCN: mustPreset(t, tc.country)})
			if err != nil || c.Variable || c.LookupGTIN != c.GTIN {
				t.Errorf("Decode(%s) = %+v, %v; want an ordinary GTIN", tc.code, c, err)
			}
		})
	}
}
