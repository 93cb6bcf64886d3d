package receipt

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/devices/escpos/paper"
	"github.com/kiosk-sco/kiosk/i18n"
	"github.com/kiosk-sco/kiosk/internal/testout"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// sample is an open German basket with everything a receipt holds but a
// payment: weighed, counted and returned items, two VAT rates, a name the
// code page cannot print whole.
func sample() Receipt {
	return Receipt{
		Lang:     "de",
		Currency: "EUR",
		Header:   []string{"Märkli Frischmarkt", "Bahnhofstraße 12, 10115 Berlin", "USt-IdNr. DE123456789"},
		TxnID:    "0001012603050001",
		Time:     time.Date(2026, 3, 5, 14, 7, 0, 0, berlin),
		Status:   Open,
		Lines: []Line{
			{Name: "Äpfel Gala", WeightG: 532, UnitPrice: d("3.49"), Amount: d("1.86"), VATLetter: "B"},
			{Name: "Joghurt Müsli", Qty: 3, UnitPrice: d("0.59"), Amount: d("1.77"), VATLetter: "B"},
			{Name: "Crème brûlée, señor ¿sí? ¡olé! ça – 日本", Qty: 1, UnitPrice: d("2.99"), Amount: d("2.99"), VATLetter: "B"},
			{Name: "Grußkarte", Qty: 1, UnitPrice: d("4.50"), Amount: d("4.50"), VATLetter: "A"},
			{Name: "Pfand-Rückgabe", Qty: -2, UnitPrice: d("0.25"), Amount: d("-0.50"), VATLetter: "A"},
		},
		Total: d("10.62"),
		VAT: []VAT{
			{Letter: "A", Rate: d("19"), Net: d("3.36"), Tax: d("0.64"), Gross: d("4.00")},
			{Letter: "B", Rate: d("7"), Net: d("6.19"), Tax: d("0.43"), Gross: d("6.62")},
		},
		Footer: []string{"Vielen Dank für Ihren Einkauf!", "Öffnungszeiten Mo–Sa 7–22 Uhr"},
		URL:    "https://receipts.example.com/r/0001012603050001",
	}
}

func cancelledEN() Receipt {
	r := sample()
	r.Lang, r.Status = "en", Cancelled
	r.Lines = append(r.Lines, Line{Name: "Espresso machine", Qty: 1, UnitPrice: d("1234.50"), Amount: d("1234.50"), VATLetter: "A"})
	r.Total = d("1245.12")
	r.VAT[0] = VAT{Letter: "A", Rate: d("19"), Net: d("1040.76"), Tax: d("197.74"), Gross: d("1238.50")}
	return r
}

func paidCardES() Receipt {
	r := sample()
	r.Lang, r.Status = "es", Paid
	r.Tenders = []Tender{{Method: "card", Amount: d("10.62"), Card: "Visa ************1234", Approval: "123456", Terminal: "4711",
		Text: []string{"CONTACTLESS", "AID A0000000031010", "Importe 10,62 EUR"}}}
	return r
}

// cases are the receipts with golden files: testdata/NAME.txt (the Text
// rendering) beside testdata/NAME.bin (the ESC/POS bytes).
var cases = []struct {
	name   string
	layout func() Layout
}{
	{"open_de_58", func() Layout { return Lay(sample(), Paper{WidthMM: 58}) }},
	{"open_de_80", func() Layout { return Lay(sample(), Paper{WidthMM: 80}) }},
	{"open_de_58_native", func() Layout { return Lay(sample(), Paper{WidthMM: 58, Native: true}) }},
	{"open_de_80_native", func() Layout { return Lay(sample(), Paper{WidthMM: 80, Native: true}) }},
	{"cancelled_en_58", func() Layout { return Lay(cancelledEN(), Paper{WidthMM: 58}) }},
	{"paid_card_es_80", func() Layout { return Lay(paidCardES(), Paper{WidthMM: 80}) }},
	{"testpage_58", func() Layout {
		return TestPage("0001-01", "de", time.Date(2026, 3, 5, 0, 30, 0, 0, berlin), Paper{WidthMM: 58})
	}},
	{"testpage_80_native", func() Layout {
		return TestPage("0001-01", "en", time.Date(2026, 3, 5, 0, 30, 0, 0, berlin), Paper{WidthMM: 80, Native: true})
	}},
}

func TestGolden(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.layout()
			job, err := l.ESCPOS()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".txt", []byte(l.Text()))
			golden(t, tc.name+".bin", job)
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	if strings.HasSuffix(name, ".txt") {
		t.Fatalf("%s differs (run with -update if intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
	i := 0
	for i < min(len(got), len(want)) && got[i] == want[i] {
		i++
	}
	t.Fatalf("%s differs at byte %d (len %d, want %d); the .txt beside it shows the layout; run with -update if intended", path, i, len(got), len(want))
}

// TestTextIsWhatPrints checks the Text rendering against the bytes: the
// print engine's lines, read from the ESC/POS, are the layout's lines, and
// its barcodes are the layout's barcodes, none wider than the head.
func TestTextIsWhatPrints(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.layout()
			job, err := l.ESCPOS()
			if err != nil {
				t.Fatal(err)
			}
			rs := paper.Render(l.Paper.Dots(), job)
			if len(rs) != 1 {
				t.Fatalf("%d receipts", len(rs))
			}
			var want []string
			var codes []Block
			for _, bl := range l.Blocks {
				switch {
				case bl.Kind == KindText && strings.TrimSpace(bl.Text) != "":
					want = append(want, strings.TrimSpace(bl.Text))
				case bl.Kind == KindCode128 || bl.Kind == KindQR:
					codes = append(codes, bl)
				}
			}
			var got []string
			for _, s := range strings.Split(rs[0].Text, "\n") {
				if s = strings.TrimSpace(s); s != "" {
					got = append(got, s)
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("printed lines:\n%s\nlayout lines:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if len(rs[0].Marks) < len(codes) {
				t.Fatalf("%d marks for %d barcodes", len(rs[0].Marks), len(codes))
			}
			if l.Paper.Native {
				for i, m := range rs[0].Marks {
					if m.Kind != string(codes[i].Kind) || m.Data != codes[i].Data || m.Box.Dx() != codes[i].Width() {
						t.Errorf("printed %+v, layout %+v", m, codes[i])
					}
				}
			}
		})
	}
}

// TestBarcodesFitTheHead prints receipts with short and long ids and URLs on
// both papers, raster and native, and checks every barcode is printed whole
// within the head: 384 dots on 58 mm, 576 on 80 mm.
func TestBarcodesFitTheHead(t *testing.T) {
	ids := []string{"0001012603050001", "000101260305000199998888", "ABCDEFGHIJKLMNOPQRST", strings.Repeat("X", 40)}
	urls := []string{"", "http://127.0.0.1:8080/receipts/0001012603050001.png", "https://r.example.com/" + strings.Repeat("a", 200)}
	for _, width := range []int{58, 80} {
		for _, native := range []bool{false, true} {
			p := Paper{WidthMM: width, Native: native}
			for i, id := range ids {
				for j, url := range urls {
					t.Run(fmt.Sprintf("%s id%d url%d", p, i, j), func(t *testing.T) {
						r := sample()
						r.TxnID, r.URL = id, url
						l := Lay(r, p)
						job, err := l.ESCPOS()
						if err != nil {
							t.Fatal(err)
						}
						rs := paper.Render(p.Dots(), job)
						n := 0
						for _, m := range rs[0].Marks {
							if m.Dropped || m.Box.Min.X < 0 || m.Box.Max.X > p.Dots() {
								t.Errorf("%s at %v does not fit %d dots (dropped %v)", m.Kind, m.Box, p.Dots(), m.Dropped)
							}
							if m.Kind != "raster" || m.Box.Dy() > 0 {
								n++
							}
						}
						if n == 0 {
							t.Error("no barcode printed")
						}
						for _, bl := range l.Blocks {
							if (bl.Kind == KindCode128 || bl.Kind == KindQR) && bl.Width() > p.Dots() {
								t.Errorf("layout: %+v wider than %d dots", bl, p.Dots())
							}
						}
					})
				}
			}
		}
	}
}

func TestLinesFitTheColumns(t *testing.T) {
	for _, tc := range cases {
		l := tc.layout()
		for _, bl := range l.Blocks {
			cols := l.Paper.Cols()
			if bl.Style.Double {
				cols /= 2
			}
			if n := len([]rune(bl.Text)); n > cols {
				t.Errorf("%s: %q is %d columns of %d", tc.name, bl.Text, n, cols)
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
		{"0001012611240001", 384, true, 2, true},        // natively 143 modules with quiet zones: 286 dots of bars
		{"0001012611240001", 576, true, 4, true},        // 80 mm: 4
		{"ABCDEFGHIJKLMNOPQRST", 576, false, 2, true},   // 20 set-B chars ≈ 255 modules + quiet zones
		{"ABCDEFGHIJKLMNOPQRST", 384, false, 1, true},   // 58 mm: only 1 dot/module
		{"ABCDEFGHIJKLMNOPQRST", 384, true, 1, false},   // natively GS w 1 is not there: QR
		{strings.Repeat("X", 40), 384, false, 0, false}, // even 1 dot/module is too wide: QR
		{"Straße", 576, false, 0, false},                // not Code 128: QR
		{"42", 576, false, 4, true},                     // at most 4 dots/module
	} {
		t.Run(fmt.Sprintf("%s in %d native %v", tc.id, tc.dots, tc.native), func(t *testing.T) {
			dpm, bars, ok := code128Fit(tc.id, tc.dots, tc.native)
			if ok != tc.ok || ok && dpm != tc.dpm {
				t.Errorf("%d, %v; want %d, %v", dpm, ok, tc.dpm, tc.ok)
			}
			if ok && (bars+2*escpos.Code128Quiet)*dpm > tc.dots {
				t.Errorf("%d modules at %d dots do not fit %d", bars, dpm, tc.dots)
			}
		})
	}
}

func TestStatusMarks(t *testing.T) {
	for _, tc := range []struct {
		status  Status
		lang    string
		want    []string
		wantNot []string
	}{
		{Open, "en", []string{"N O T   P A I D", "Copy of the basket: nothing has been paid."}, []string{"C A N C E L L E D"}},
		{NotPaid, "de", []string{"N I C H T   B E Z A H L T"}, nil},
		{Cancelled, "en", []string{"C A N C E L L E D", "This purchase was cancelled: nothing was sold."}, []string{"N O T   P A I D"}},
		{Cancelled, "es", []string{"A N U L A D O"}, nil},
		{Paid, "en", nil, []string{"N O T   P A I D", "C A N C E L L E D"}},
	} {
		t.Run(string(tc.status)+" "+tc.lang, func(t *testing.T) {
			r := sample()
			r.Status, r.Lang = tc.status, tc.lang
			text := Lay(r, Paper{WidthMM: 80}).Text()
			for _, w := range tc.want {
				if strings.Count(text, w) < 1 {
					t.Errorf("%q missing:\n%s", w, text)
				}
			}
			if len(tc.want) > 0 && strings.Count(text, tc.want[0]) != 2 {
				t.Errorf("the mark %q should be under the header and above the footer:\n%s", tc.want[0], text)
			}
			for _, w := range tc.wantNot {
				if strings.Contains(text, w) {
					t.Errorf("%q printed:\n%s", w, text)
				}
			}
		})
	}
}

// TestWordsPrint checks that every word a receipt takes from i18n prints in
// CP858 in every language: no '?' on paper.
func TestWordsPrint(t *testing.T) {
	keys := []string{"totals.total", "vat.net", "vat.tax", "vat.gross", "line.weight", "line.each", "header.lane",
		"receipt.notPaid", "receipt.notPaidNote", "receipt.cancelled", "receipt.cancelledNote", "receipt.qr",
		"receipt.tender.card", "receipt.approval", "receipt.terminal", "receipt.testPage", "fmt.money", "fmt.moneyCode",
		"fmt.percent", "fmt.decimal", "fmt.group", "currency.EUR", "currency.GBP", "currency.USD"}
	for _, lang := range i18n.Langs() {
		for _, k := range keys {
			if s := i18n.T(lang, k); printable(s) != s || s == k {
				t.Errorf("%s %s: %q prints as %q", lang, k, s, printable(s))
			}
		}
	}
}

func TestUntrustedText(t *testing.T) {
	r := sample()
	r.Lines[0].Name = "Evil\x1b@\x1dV\x00\nName"
	r.Footer = []string{"line\x10\x04\x01"}
	r.Tenders = []Tender{{Method: "card", Card: "\x1bp\x00\x19\xfa", Text: []string{"\x1d(k"}}}
	r.URL = strings.Repeat("u", 3000) // too long for any QR: printed as text
	job, err := Lay(r, Paper{WidthMM: 80}).ESCPOS()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{[]byte("Evil\x1b"), []byte("\x1dV\x00"), []byte("line\x10"), []byte("\x1bp"), []byte("\x1d(k")} {
		if bytes.Contains(job, bad) {
			t.Errorf("control bytes from the receipt reached the printer: %q", bad)
		}
	}
	if !bytes.Contains(job, []byte("Evil @ V  Name")) {
		t.Error("name not printed with spaces for its control characters")
	}
	if !bytes.Contains(job, []byte(strings.Repeat("u", 48)+"\n")) {
		t.Error("an unprintable QR URL is not printed as text")
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
		t.Run(tc.in, func(t *testing.T) {
			if got := wrap(tc.in, tc.cols); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.cols, got, tc.want)
			}
		})
	}
}

// TestPreviewScans reads the preview's barcodes back with zbarimg: the
// transaction id and the e-receipt URL, on both papers, raster and native.
func TestPreviewScans(t *testing.T) {
	for _, width := range []int{58, 80} {
		for _, native := range []bool{false, true} {
			p := Paper{WidthMM: width, Native: native}
			name := fmt.Sprintf("preview_%dmm", width)
			if native {
				name += "_native"
			}
			t.Run(name, func(t *testing.T) {
				r := sample()
				b, err := Lay(r, p).PNG()
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(testout.Dir(t, "receipts"), name+".png")
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				got := testout.Zbar(t, path)
				for _, want := range []string{r.TxnID, r.URL} {
					found := false
					for _, g := range got {
						found = found || g == want
					}
					if !found {
						t.Errorf("zbarimg read %q from %s, missing %q", got, path, want)
					}
				}
			})
		}
	}
}

// FuzzLay lays receipts out of hostile catalog, configuration and terminal
// text: every line fits its columns, no control byte reaches the printer
// except the layout's own commands, and every barcode fits the head.
func FuzzLay(f *testing.F) {
	f.Add("Äpfel Gala", "Danke!", "0001012603050001", "https://r.example.com/r/1", false)
	f.Add("Evil\x1b@\x1dV\x00\nName", "\x10\x04\x01", "ABC{DEF", strings.Repeat("u", 400), true)
	f.Add(strings.Repeat("W", 100), "日本語 – “quotes”", "", "", false)
	f.Fuzz(func(t *testing.T, name, footer, txn, url string, native bool) {
		r := sample()
		r.Lines[0].Name, r.Footer, r.TxnID, r.URL = name, []string{footer}, txn, url
		r.Tenders = []Tender{{Method: "card", Card: name, Text: []string{footer}}}
		for _, width := range []int{58, 80} {
			l := Lay(r, Paper{WidthMM: width, Native: native})
			if _, err := l.ESCPOS(); err != nil {
				t.Fatal(err)
			}
			for _, bl := range l.Blocks {
				cols := l.Paper.Cols()
				if bl.Style.Double {
					cols /= 2
				}
				if len([]rune(bl.Text)) > cols {
					t.Fatalf("%q wider than %d columns", bl.Text, cols)
				}
				for _, c := range bl.Text + bl.Data {
					if c < 0x20 || c == 0x7F {
						t.Fatalf("control character %#x in %q", c, bl.Text+bl.Data)
					}
				}
				if bl.Width() > l.Paper.Dots() {
					t.Fatalf("%+v wider than the head", bl)
				}
			}
		}
	})
}
