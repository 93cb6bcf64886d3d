package catalog

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/. Run a target with e.g.
//
//	go test ./catalog -run='^$' -fuzz='^FuzzDecode$' -fuzztime=20s

// fuzzOptions picks decode options from fuzz input: legacy label IDs on or
// off, and one of the RCN presets or none.
func fuzzOptions(legacy bool, preset uint8) DecodeOptions {
	opt := DecodeOptions{LegacyLabelIDs: legacy}
	names := RCNPresetNames()
	if i := int(preset) % (len(names) + 1); i < len(names) {
		opt.RCN, _ = RCNPreset(names[i])
	}
	return opt
}

// printable reports whether s holds only printable ASCII, plus GS if gsOK.
func printable(s string, gsOK bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == gs && gsOK {
			continue
		}
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func validGTIN14(s string) bool { return len(s) == 14 && allDigits(s) && ValidCheckDigit(s) }

func FuzzDecode(f *testing.F) {
	f.Add("4006381333931", false, uint8(0))
	f.Add("]e0"+"0190012345678908"+"3103001250"+"392200499", false, uint8(0))
	f.Fuzz(func(t *testing.T, raw string, legacy bool, preset uint8) {
		opt := fuzzOptions(legacy, preset)
		c, err := Decode(raw, opt)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode(%q) error %T %v, want *DecodeError", raw, err, err)
			}
			if !slices.Contains(Reasons(), de.Reason) {
				t.Fatalf("Decode(%q) unknown reason %q", raw, de.Reason)
			}
			if !strings.HasPrefix(err.Error(), "barcode: "+string(de.Reason)) {
				t.Fatalf("Error() = %q", err)
			}
			return
		}
		if !validGTIN14(c.GTIN) || c.GTIN == zeroGTIN {
			t.Fatalf("Decode(%q).GTIN = %q: not a valid GTIN-14", raw, c.GTIN)
		}
		if !validGTIN14(c.LookupGTIN) {
			t.Fatalf("Decode(%q).LookupGTIN = %q: not a valid GTIN-14", raw, c.LookupGTIN)
		}
		if c.LookupGTIN != c.GTIN && !c.Variable {
			t.Fatalf("Decode(%q): LookupGTIN %s differs from GTIN %s but not Variable", raw, c.LookupGTIN, c.GTIN)
		}
		if c.AltLookupGTIN != "" {
			// Only a bare 8-digit scan has a second reading: the UPC-E one.
			if !validGTIN14(c.AltLookupGTIN) || c.AltLookupGTIN == c.LookupGTIN || c.Format != FormatEAN8 || c.Symbology != "" {
				t.Fatalf("Decode(%q): AltLookupGTIN %q beside %s %s %s", raw, c.AltLookupGTIN, c.Symbology, c.Format, c.LookupGTIN)
			}
			upce, err := Decode("]E0"+c.Data, opt)
			if err != nil || upce.Format != FormatUPCE || upce.GTIN != c.AltLookupGTIN {
				t.Fatalf("Decode(%q): AltLookupGTIN %s, but as UPC-E: %+v, %v", raw, c.AltLookupGTIN, upce, err)
			}
		} else if c.Format == FormatEAN8 && c.Symbology == "" {
			if upce, err := Decode("]E0"+c.Data, opt); err == nil && upce.GTIN != c.GTIN {
				t.Fatalf("Decode(%q): also UPC-E %s, but no AltLookupGTIN", raw, upce.GTIN)
			}
		}
		isGS1 := c.Format == FormatGS1
		fields := []string{c.Symbology, c.Format, c.GTIN, c.LookupGTIN, c.AltLookupGTIN, c.AddOn, c.Currency}
		for _, a := range c.AIs {
			fields = append(fields, a.ID, a.Value)
		}
		for _, s := range fields {
			if !printable(s, false) {
				t.Fatalf("Decode(%q): field %q not printable", raw, s)
			}
		}
		if !printable(c.Data, isGS1) {
			t.Fatalf("Decode(%q).Data = %q: not printable", raw, c.Data)
		}
		for _, d := range []*decimal.Decimal{c.Price, c.WeightKg} {
			if d != nil && d.IsNegative() {
				t.Fatalf("Decode(%q): negative amount %s", raw, d)
			}
		}
		if c.Count < 0 {
			t.Fatalf("Decode(%q).Count = %d", raw, c.Count)
		}
		switch c.Format {
		case FormatGS1:
			if len(c.AIs) == 0 || !slices.Contains(c.AIs, AI{"01", c.GTIN}) {
				t.Fatalf("Decode(%q): element string %v without (01) %s", raw, c.AIs, c.GTIN)
			}
			back, err := ParseElementString(FormatElementString(c.AIs))
			if err != nil || !slices.Equal(back, c.AIs) {
				t.Fatalf("Decode(%q): AIs %v do not round-trip: %v, %v", raw, c.AIs, back, err)
			}
		case FormatEAN13, FormatEAN8, FormatUPCA, FormatUPCE, FormatGTIN14:
			if len(c.AIs) != 0 {
				t.Fatalf("Decode(%q): %s with AIs %v", raw, c.Format, c.AIs)
			}
		default:
			t.Fatalf("Decode(%q).Format = %q", raw, c.Format)
		}
		// The canonical form decodes to the same GTIN.
		again, err := Decode(c.GTIN, opt)
		if err != nil || again.GTIN != c.GTIN {
			t.Fatalf("Decode(%q) = %s, but Decode(GTIN) = %s, %v", raw, c.GTIN, again.GTIN, err)
		}
	})
}

func FuzzElementStringRoundTrip(f *testing.F) {
	f.Add("(01)09501101531000(17)261231(10)AB-12")
	f.Fuzz(func(t *testing.T, s string) {
		ais, err := ParseElementString(s)
		if err != nil {
			if ReasonOf(err) != ReasonBadElementString {
				t.Fatalf("ParseElementString(%q) = %v, want bad_element_string", s, err)
			}
			return
		}
		if len(ais) == 0 {
			t.Fatalf("ParseElementString(%q) accepted no AIs", s)
		}
		out := FormatElementString(ais)
		back, err := ParseElementString(out)
		if err != nil || !slices.Equal(back, ais) {
			t.Fatalf("ParseElementString(%q) = %v; FormatElementString = %q; parsed back %v, %v", s, ais, out, back, err)
		}
		if again := FormatElementString(back); again != out {
			t.Fatalf("FormatElementString not stable: %q then %q", out, again)
		}
		if !containsHRValue(ais) {
			hr := FormatHumanReadable(ais)
			back, err := ParseElementString(hr)
			if err != nil || !slices.Equal(back, ais) {
				t.Fatalf("human-readable %q parsed back as %v, %v; want %v", hr, back, err, ais)
			}
		}
	})
}

// containsHRValue reports whether some value holds a "(", which may make the
// human-readable form ambiguous.
func containsHRValue(ais []AI) bool {
	for _, a := range ais {
		if strings.Contains(a.Value, "(") {
			return true
		}
	}
	return false
}

// fuzzLayout picks an RCN layout from fuzz input: one of a preset's layouts
// (returned with the whole preset, as a store would configure it) or a
// layout made up from the remaining arguments, which may be invalid.
func fuzzLayout(sel, prefix, itemDigits uint8, verifier bool, measure, decimals uint8) ([]RCNLayout, RCNLayout) {
	var all [][]RCNLayout
	var picks []RCNLayout
	for _, n := range RCNPresetNames() {
		ls, _ := RCNPreset(n)
		for _, l := range ls {
			all = append(all, ls)
			picks = append(picks, l)
		}
	}
	if i := int(sel) % (len(picks) + 1); i < len(picks) {
		return all[i], picks[i]
	}
	prefixes := []string{"02", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29"}
	l := RCNLayout{
		Prefixes:   []string{prefixes[int(prefix)%len(prefixes)]},
		ItemDigits: 2 + int(itemDigits)%10,
		Verifier:   verifier,
		Measure:    []string{MeasurePrice, MeasureWeight, MeasureCount}[int(measure)%3],
		Decimals:   int(decimals) % 7,
	}
	l.ValueDigits = 12 - l.ItemDigits - l.verifierDigits()
	if l.Measure == MeasureCount {
		l.Decimals = 0
	}
	return []RCNLayout{l}, l
}

// digitsFrom maps s to exactly n digits, padding with zeros.
func digitsFrom(s string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
		if i < len(s) {
			b[i] = '0' + s[i]%10
		}
	}
	return string(b)
}

// measured returns the value Decode extracted for l's measure, in units of
// 10^-Decimals.
func measured(t *testing.T, c Code, l RCNLayout) int64 {
	t.Helper()
	var d *decimal.Decimal
	switch l.Measure {
	case MeasureCount:
		return int64(c.Count)
	case MeasurePrice:
		d = c.Price
	case MeasureWeight:
		d = c.WeightKg
	}
	if d == nil {
		t.Fatalf("no %s in %+v", l.Measure, c)
	}
	return d.Shift(int32(l.Decimals)).IntPart()
}

func FuzzRCN(f *testing.F) {
	f.Add(uint8(2), uint8(0), "1111", uint64(6870), uint8(0), false, uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, sel, prefix uint8, item string, value uint64, itemDigits uint8, verifier bool, measure, decimals uint8) {
		layouts, l := fuzzLayout(sel, prefix, itemDigits, verifier, measure, decimals)
		if l.Validate() != nil {
			return
		}
		it := l.Prefixes[int(prefix)%len(l.Prefixes)] + digitsFrom(item, l.ItemDigits-2)
		limit := uint64(1)
		for range l.ValueDigits {
			limit *= 10
		}
		v := int64(value % limit)
		code, err := l.Build(it, v)
		if err != nil {
			t.Fatalf("Build(%s, %d) with %+v: %v", it, v, l, err)
		}
		if len(code) != 13 || !ValidCheckDigit(code) || !strings.HasPrefix(code, it) {
			t.Fatalf("Build(%s, %d) = %s", it, v, code)
		}
		opt := DecodeOptions{RCN: layouts}
		c, err := Decode(code, opt)
		if err != nil {
			t.Fatalf("Decode(%s) with %+v: %v", code, l, err)
		}
		payload := it + strings.Repeat("0", 12-len(it))
		check, _ := CheckDigit(payload)
		if !c.Variable || c.GTIN != "0"+code || c.LookupGTIN != "0"+payload+string(check) {
			t.Fatalf("Decode(%s) = %+v; want variable, lookup 0%s%c", code, c, payload, check)
		}
		if got := measured(t, c, l); got != v {
			t.Fatalf("Decode(%s) %s = %d, want %d", code, l.Measure, got, v)
		}
		if code[0] == '0' { // UPC-A (prefix 02) sent as 12 digits
			c12, err := Decode(code[1:], opt)
			if err != nil || c12.LookupGTIN != c.LookupGTIN || measured(t, c12, l) != v {
				t.Fatalf("Decode(%s) = %+v, %v; want as 13 digits", code[1:], c12, err)
			}
		}
		// The lookup number is itself a valid RCN of value 0.
		c0, err := Decode(c.LookupGTIN[1:], opt)
		if err != nil || c0.LookupGTIN != c.LookupGTIN || measured(t, c0, l) != 0 {
			t.Fatalf("Decode(lookup %s) = %+v, %v", c.LookupGTIN[1:], c0, err)
		}
		if !l.Verifier {
			return
		}
		// The verifier catches any single wrong value digit.
		at := l.ItemDigits + 1
		for i := at; i < at+l.ValueDigits; i++ {
			d := '0' + (code[i]-'0'+1+byte(value%9))%10
			bad := code[:i] + string(d) + code[i+1:12]
			k, _ := CheckDigit(bad)
			bad += string(k)
			if _, err := Decode(bad, opt); ReasonOf(err) != ReasonBadRCN {
				t.Fatalf("Decode(%s) (from %s) = %v, want bad_rcn", bad, code, err)
			}
		}
	})
}

// compressUPCA is the inverse of ExpandUPCE (GS1 zero suppression), for tests.
func compressUPCA(a string) (string, bool) {
	if len(a) != 12 || !allDigits(a) || a[0] != '0' && a[0] != '1' {
		return "", false
	}
	n, mfr, prod, c := a[:1], a[1:6], a[6:11], a[11:]
	switch {
	case mfr[2] <= '2' && mfr[3:] == "00" && prod[:2] == "00":
		return n + mfr[:2] + prod[2:] + mfr[2:3] + c, true
	case mfr[3:] == "00" && prod[:3] == "000":
		return n + mfr[:3] + prod[3:] + "3" + c, true
	case mfr[4] == '0' && prod[:4] == "0000":
		return n + mfr[:4] + prod[4:] + "4" + c, true
	case prod[:4] == "0000" && prod[4] >= '5':
		return n + mfr + prod[4:] + c, true
	}
	return "", false
}

func FuzzUPCE(f *testing.F) {
	f.Add("04252614")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) >= 7 && allDigits(s[:7]) && (s[0] == '0' || s[0] == '1') {
			// Complete the first seven digits with their check digit: must expand.
			k, _ := CheckDigit(expandUPCEPayload(s[:7]))
			if _, err := ExpandUPCE(s[:7] + string(k)); err != nil {
				t.Fatalf("ExpandUPCE(%s%c) = %v", s[:7], k, err)
			}
			s = s[:7] + string(k)
		}
		upca, err := ExpandUPCE(s)
		if err != nil {
			return
		}
		if len(upca) != 12 || !allDigits(upca) || !ValidCheckDigit(upca) {
			t.Fatalf("ExpandUPCE(%s) = %q: check digit invalid", s, upca)
		}
		if upca[0] != s[0] || upca[11] != s[7] {
			t.Fatalf("ExpandUPCE(%s) = %s: number system or check digit moved", s, upca)
		}
		e, ok := compressUPCA(upca)
		if !ok {
			t.Fatalf("UPC-A %s from UPC-E %s does not compress", upca, s)
		}
		if again, err := ExpandUPCE(e); err != nil || again != upca {
			t.Fatalf("ExpandUPCE(%s) = %s, %v; want %s", e, again, err, upca)
		}
		c, err := Decode("]E0"+s, DecodeOptions{})
		if upca == "000000000000" {
			return // all-zero GTIN is refused
		}
		if err != nil || c.Format != FormatUPCE || c.GTIN != "00"+upca {
			t.Fatalf("Decode(]E0%s) = %+v, %v; want GTIN 00%s", s, c, err, upca)
		}
	})
}
