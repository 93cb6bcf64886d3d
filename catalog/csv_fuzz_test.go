package catalog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// FuzzParseCSV feeds arbitrary files to ReadCSV. Properties: no panic; every
// product passed on is valid (canonical GTIN-14, price in range with at most
// two decimals, clean names); good and bad rows add up to the records in the
// file; the good products (variable_measure included) survive WriteCSV and
// ReadCSV unchanged. A record over MaxRecordBytes stops the reading.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(testHeader + "\n" + rowCSV(nil) + "\n"))
	f.Add([]byte("\xEF\xBB\xBFname_en,gtin,price,sold_by,vat_class\r\n\"Käse \"\"alt\"\", würzig\",96385074,3.5,Weight,reduced\r\n"))
	f.Add([]byte(testHeader + "\n" + rowCSV(map[string]string{"price": "1,99", "plu": "4011"}) + "\n" + rowCSV(map[string]string{"plu": "4011"}) + "\n"))
	f.Add([]byte("gtin;name_en;price\n1;2;3\n"))
	f.Add([]byte(testHeader + "\n" + rowCSV(map[string]string{"variable_measure": "Yes"}) + "\n" + rowCSV(map[string]string{"gtin": "96385074", "variable_measure": "maybe"}) + "\n"))

	rates := DefaultVATRates()
	maxPrice := decimal.NewFromInt(maxPriceUnits)
	f.Fuzz(func(t *testing.T, data []byte) {
		var ps []Product
		stats, errs, err := ReadCSVWith(bytes.NewReader(data), rates, CSVOptions{MaxErrors: -1}, func(line int, p Product) error {
			if line < 2 {
				t.Errorf("product on line %d", line)
			}
			ps = append(ps, p)
			return nil
		})
		if err != nil && !errors.Is(err, ErrCSVHeader) && !errors.Is(err, ErrRecordTooLong) {
			t.Fatalf("unexpected error %v", err)
		}
		if len(ps) != stats.Rows || (stats.Bad > 0 && len(errs) == 0) {
			t.Fatalf("stats %+v for %d products, %d errors", stats, len(ps), len(errs))
		}
		for _, e := range errs {
			if e.Line < 1 || e.Reason == "" {
				t.Errorf("odd error %+v", e)
			}
		}
		for _, p := range ps {
			if g, err := NormalizeGTIN(p.GTIN); err != nil || g != p.GTIN {
				t.Errorf("%+v: GTIN not canonical (%v)", p, err)
			}
			if p.Price.IsNegative() || !p.Price.Equal(p.Price.Truncate(2)) || !p.Price.LessThan(maxPrice) {
				t.Errorf("%+v: bad price %s", p, p.Price)
			}
			for _, s := range []string{p.Names.EN, p.Names.DE, p.Names.ES, p.Category} {
				if !utf8.ValidString(s) || len([]rune(s)) > MaxNameRunes {
					t.Errorf("%+v: bad text %q", p, s)
				}
				for _, r := range s {
					if unicode.IsControl(r) {
						t.Errorf("%+v: control character in %q", p, s)
					}
				}
			}
			if p.Names.EN == "" || (p.SoldBy != ByEach && p.SoldBy != ByWeight) {
				t.Errorf("%+v: missing name or sold_by", p)
			}
			if _, ok := rates[p.VATClass]; !ok {
				t.Errorf("%+v: unknown VAT class", p)
			}
		}

		if err == nil {
			if n, ok := countRecords(data); ok && stats.Rows+stats.Bad != n {
				t.Errorf("rows %d + bad %d != %d data records", stats.Rows, stats.Bad, n)
			}
		}

		var buf bytes.Buffer
		if err := WriteCSV(&buf, sliceNext(ps)); err != nil {
			t.Fatalf("WriteCSV: %v", err)
		}
		var back []Product
		_, errs, err = ReadCSV(&buf, rates, func(_ int, p Product) error {
			back = append(back, p)
			return nil
		})
		if err != nil || len(errs) != 0 || len(back) != len(ps) {
			t.Fatalf("read back: %v, %v, %d of %d products", err, errs, len(back), len(ps))
		}
		for i := range ps {
			if !sameProduct(ps[i], back[i]) {
				t.Errorf("%+v came back as %+v", ps[i], back[i])
			}
		}
	})
}

// countRecords counts the data records of a CSV file on its own, or reports
// false on a syntax error.
func countRecords(data []byte) (int, bool) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))))
	r.FieldsPerRecord = -1
	n := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, false
		}
		n++
	}
	return n - 1, n > 0
}
