package escpos

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func init() {
	if flag.Lookup("update") == nil { // another test file may have registered it
		flag.Bool("update", false, "rewrite the golden files under testdata/")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// sampleReceipt is a German-Swiss receipt with everything a receipt can hold.
func sampleReceipt() Receipt {
	return Receipt{
		Store: []string{"Märkli Frischmarkt", "Bahnhofstraße 12, 8001 Zürich", "MWST CHE-123.456.789"},
		TxnID: "20260305001234",
		Time:  time.Date(2026, 3, 5, 14, 7, 0, 0, time.UTC),
		Lines: []ReceiptLine{
			{Name: "Äpfel Gala", WeightG: 532, UnitPrice: "3,49", Amount: "1,86", VATLetter: "B"},
			{Name: "Joghurt Müsli", Qty: 3, UnitPrice: "0,59", Amount: "1,77", VATLetter: "B"},
			{Name: "Crème brûlée, señor ¿sí? ¡olé! ça", Qty: 1, UnitPrice: "2,99", Amount: "2,99", VATLetter: "B"},
			{Name: "Grußkarte", Qty: 1, UnitPrice: "4,50", Amount: "4,50", VATLetter: "A"},
			{Name: "Pfand-Rückgabe", Qty: -2, UnitPrice: "0,25", Amount: "-0,50", VATLetter: "A"},
		},
		Total:    "10,62",
		Currency: "€",
		VAT: []VATRow{
			{Letter: "A", Rate: "19%", Net: "3,36", Tax: "0,64", Gross: "4,00"},
			{Letter: "B", Rate: "7%", Net: "6,19", Tax: "0,43", Gross: "6,62"},
		},
		Payment: []string{"Girocard ****1234", "Genehmigung 123456  Terminal 4711"},
		Footer:  []string{"Vielen Dank für Ihren Einkauf!", "Öffnungszeiten Mo–Sa 7–22 Uhr"},
		QRURL:   "https://r.example.com/r/20260305001234",
	}
}

func TestReceiptGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		width  int
		native bool
	}{
		{"receipt_58mm", 58, false},
		{"receipt_80mm", 80, false},
		{"receipt_58mm_native", 58, true},
		{"receipt_80mm_native", 80, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sampleReceipt().Render(tc.width, tc.native)
			path := filepath.Join("testdata", tc.name+".bin")
			if updating() {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				i := 0
				for i < min(len(got), len(want)) && got[i] == want[i] {
					i++
				}
				t.Fatalf("differs from %s at byte %d (len %d, want %d); run with -update if intended", path, i, len(got), len(want))
			}
		})
	}
}

// textLines returns the lines of plain text in an ESC/POS stream, leaving out
// commands and raster data.
func textLines(t *testing.T, p []byte) []string {
	t.Helper()
	var lines []string
	var cur []byte
	for i := 0; i < len(p); {
		switch b := p[i]; {
		case b == LF:
			lines = append(lines, string(cur))
			cur = nil
			i++
		case b == ESC:
			i += 3
			if p[i-2] == '@' {
				i--
			}
		case b == GS:
			switch p[i+1] {
			case 'v':
				xb, yb := int(p[i+4])|int(p[i+5])<<8, int(p[i+6])|int(p[i+7])<<8
				i += 8 + xb*yb
			case 'V':
				i += 4
			case 'k':
				i += 4 + int(p[i+3])
			case '(':
				i += 5 + int(p[i+3]) + int(p[i+4])<<8
			default:
				i += 3
			}
		case b < 0x20:
			t.Fatalf("control byte %#02x at %d", b, i)
		default:
			cur = append(cur, b)
			i++
		}
	}
	return lines
}

func TestReceiptLayout(t *testing.T) {
	for _, width := range []int{58, 80} {
		cols := ColumnsFor(width)
		lines := textLines(t, sampleReceipt().Render(width, false))
		for _, l := range lines {
			if len(l) > cols { // one byte a column in CP858
				t.Errorf("%d mm: line of %d columns: %q", width, len(l), l)
			}
		}
		text := string(bytes.Join(func() [][]byte {
			var b [][]byte
			for _, l := range lines {
				b = append(b, []byte(l))
			}
			return b
		}(), []byte("\n")))
		for _, want := range []string{
			"TOTAL", "10,62 \xd5", "  0,532 kg x 3,49/kg", "  3 x 0,59", "  -2 x 0,25", "20260305001234",
			"Gross", "Girocard ****1234", "M\x84rkli Frischmarkt",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%d mm: %q missing in\n%s", width, want, text)
			}
		}
		// Amounts flush right with their VAT letter.
		for _, l := range lines {
			if strings.HasSuffix(l, " B") || strings.HasSuffix(l, " A") {
				if len(l) != cols {
					t.Errorf("%d mm: amount line not flush right: %q", width, l)
				}
			}
		}
	}
}

func TestCode128Fit(t *testing.T) {
	for _, tc := range []struct {
		id     string
		dots   int
		native bool
		dpm    int
		ok     bool
	}{
		{"20260305001234", 576, false, 4, true},         // 132 modules
		{"20260305001234", 384, false, 2, true},         // 58 mm: 2 dots/module fits
		{"20260305001234", 384, true, 2, true},          // natively as well
		{"ABCDEFGHIJKLMNOPQRST", 576, false, 2, true},   // 20 set-B chars ≈ 255 modules + quiet zones
		{"ABCDEFGHIJKLMNOPQRST", 384, false, 1, true},   // 58 mm: only 1 dot/module
		{"ABCDEFGHIJKLMNOPQRST", 384, true, 1, false},   // natively GS w 1 is not there: QR
		{strings.Repeat("X", 40), 384, false, 0, false}, // even 1 dot/module is too wide: QR
		{"Straße", 576, false, 0, false},                // not Code 128: QR
		{"42", 576, false, 4, true},                     // at most 4 dots/module
	} {
		dpm, ok := code128Fit(tc.id, tc.dots, tc.native)
		if ok != tc.ok || ok && dpm != tc.dpm {
			t.Errorf("%s in %d dots (native %v): %d, %v; want %d, %v", tc.id, tc.dots, tc.native, dpm, ok, tc.dpm, tc.ok)
		}
	}
}

func TestReceiptFallsBackToQR(t *testing.T) {
	r := sampleReceipt()
	r.TxnID = strings.Repeat("X", 40)
	r.QRURL = ""
	for _, native := range []bool{false, true} {
		p := r.Render(58, native)
		if native && !bytes.Contains(p, []byte{GS, '(', 'k', 43, 0, 49, 80, 48}) {
			t.Errorf("native: no QR of the id")
		}
		if bytes.Contains(p, []byte{GS, 'k', 73}) {
			t.Errorf("native %v: Code 128 too wide for the paper", native)
		}
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in   string
		cols int
		want []string
	}{
		{"", 10, []string{""}},
		{"a b c", 10, []string{"a b c"}},
		{"Vielen Dank für Ihren Einkauf", 12, []string{"Vielen Dank", "für Ihren", "Einkauf"}},
		{"Donaudampfschifffahrt", 8, []string{"Donaudam", "pfschiff", "fahrt"}},
		{"ab Donaudampfschifffahrt", 8, []string{"ab", "Donaudam", "pfschiff", "fahrt"}},
	} {
		if got := wrap(tc.in, tc.cols); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.cols, got, tc.want)
		}
	}
}

func TestReceiptUntrustedText(t *testing.T) {
	r := sampleReceipt()
	r.Lines[0].Name = "Evil\x1b@\x1dV\x00\nName"
	r.Footer = []string{"line\x10\x04\x01"}
	r.QRURL = strings.Repeat("u", 3000) // too long for any QR: printed as text
	p := r.Render(80, false)
	for _, bad := range [][]byte{[]byte("Evil\x1b"), []byte("\x1dV\x00"), []byte("line\x10")} {
		if bytes.Contains(p, bad) {
			t.Errorf("control bytes from the receipt reached the printer: %q", bad)
		}
	}
	if !bytes.Contains(p, []byte("Evil @ V  Name")) {
		t.Error("name not printed with spaces for its control characters")
	}
	if !bytes.Contains(p, []byte(strings.Repeat("u", 48)+"\n")) {
		t.Error("an unprintable QR URL is not printed as text")
	}
}

func TestReceiptLabelsInTheShoppersLanguage(t *testing.T) {
	r := Receipt{TxnID: "0001012611240001", Total: "3.28", Currency: "EUR",
		Lines:  []ReceiptLine{{Name: "Bananen", WeightG: 1234, UnitPrice: "1.69", Amount: "2.09", VATLetter: "A"}},
		VAT:    []VATRow{{Letter: "A", Rate: "7%", Net: "3.07", Tax: "0.21", Gross: "3.28"}},
		Labels: Labels{Total: "SUMME", VAT: "MwSt", Net: "Netto", Tax: "Steuer", Gross: "Brutto\x1b"}}
	out := string(r.Render(80, true))
	for _, want := range []string{"SUMME", "MwSt", "Netto", "Steuer", "Brutto "} {
		if !strings.Contains(out, want) {
			t.Errorf("receipt lacks %q", want)
		}
	}
	if strings.Contains(out, "TOTAL") || strings.Contains(out, "Brutto\x1b") {
		t.Error("English label or a control byte from a label reached the printer")
	}
	if en := string((Receipt{Total: "1.00"}).Render(58, true)); !strings.Contains(en, "TOTAL") {
		t.Error("empty labels should be English")
	}
}
