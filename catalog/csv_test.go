package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// csvUpdate reports whether -update was given. The flag is registered here
// unless another test file of the package already did.
var csvUpdate = func() func() bool {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata")
	}
	return func() bool {
		f := flag.Lookup("update")
		return f != nil && f.Value.String() == "true"
	}
}()

type readResult struct {
	products []Product
	lines    []int
	stats    ReadStats
	errs     []RowError
	err      error
}

func readString(data string) readResult {
	var res readResult
	res.stats, res.errs, res.err = ReadCSV(strings.NewReader(data), DefaultVATRates(), func(line int, p Product) error {
		res.products = append(res.products, p)
		res.lines = append(res.lines, line)
		return nil
	})
	return res
}

const testHeader = "gtin,plu,name_en,name_de,name_es,price,sold_by,vat_class,min_age,weight_g,weight_tolerance_g,category,variable_measure"

// baseRow is a valid row in testHeader order.
var baseRow = map[string]string{
	"gtin":               "4006381333931",
	"plu":                "",
	"name_en":            "Whole milk 1 l",
	"name_de":            "Vollmilch 1 l",
	"name_es":            "Leche entera 1 l",
	"price":              "1.19",
	"sold_by":            "each",
	"vat_class":          "reduced",
	"min_age":            "0",
	"weight_g":           "1045",
	"weight_tolerance_g": "",
	"category":           "dairy",
	"variable_measure":   "",
}

// rowCSV renders baseRow with the overrides set as one CSV line.
func rowCSV(set map[string]string) string {
	var b bytes.Buffer
	for i, col := range strings.Split(testHeader, ",") {
		v, ok := set[col]
		if !ok {
			v = baseRow[col]
		}
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.ContainsAny(v, ",\"\r\n") || strings.TrimSpace(v) != v {
			v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		b.WriteString(v)
	}
	return b.String()
}

func TestCSVHeaderMatchesFormat(t *testing.T) {
	if got := strings.Join(CSVHeader, ","); got != testHeader+",bagging" {
		t.Fatalf("CSVHeader = %s, want %s,bagging", got, testHeader)
	}
}

func TestCSVColumnRules(t *testing.T) {
	long := func(r string, n int) string { return strings.Repeat(r, n) }
	tests := []struct {
		set     map[string]string
		wantCol string // column of the one expected error; "" = no error
		want    string // substring of the reason
		check   func(p Product) bool
	}{
		// gtin
		{set: map[string]string{"gtin": "4006381333931"}, check: func(p Product) bool { return p.GTIN == "04006381333931" }},
		{set: map[string]string{"gtin": "96385074"}, check: func(p Product) bool { return p.GTIN == "00000096385074" }},
		{set: map[string]string{"gtin": "036000291452"}, check: func(p Product) bool { return p.GTIN == "00036000291452" }},
		{set: map[string]string{"gtin": "10012345678902"}, check: func(p Product) bool { return p.GTIN == "10012345678902" }},
		{set: map[string]string{"gtin": " 4006381333931 "}, check: func(p Product) bool { return p.GTIN == "04006381333931" }},
		{set: map[string]string{"gtin": ""}, wantCol: "gtin", want: "required"},
		{set: map[string]string{"gtin": "4006381333932"}, wantCol: "gtin", want: "check digit is 2, expected 1"},
		{set: map[string]string{"gtin": "12345"}, wantCol: "gtin", want: "GTIN must have 8, 12, 13 or 14 digits, got 5"},
		{set: map[string]string{"gtin": "400638133393X"}, wantCol: "gtin", want: "digits only"},
		{set: map[string]string{"gtin": "4.00638E+12"}, wantCol: "gtin", want: "scientific notation"},
		// plu
		{set: map[string]string{"plu": "4011"}, check: func(p Product) bool { return p.PLU == "4011" }},
		{set: map[string]string{"plu": "94011"}, check: func(p Product) bool { return p.PLU == "94011" }},
		{set: map[string]string{"plu": ""}, check: func(p Product) bool { return p.PLU == "" }},
		{set: map[string]string{"plu": "401"}, wantCol: "plu", want: "4 or 5 digits"},
		{set: map[string]string{"plu": "940110"}, wantCol: "plu", want: "4 or 5 digits"},
		{set: map[string]string{"plu": "40a1"}, wantCol: "plu", want: "4 or 5 digits"},
		// names
		{set: map[string]string{"name_en": "  Milk  "}, check: func(p Product) bool { return p.Names.EN == "Milk" }},
		{set: map[string]string{"name_en": ""}, wantCol: "name_en", want: "required"},
		{set: map[string]string{"name_en": long("ä", 80)}, check: func(p Product) bool { return p.Names.EN == long("ä", 80) }},
		{set: map[string]string{"name_en": long("ä", 81)}, wantCol: "name_en", want: "longer than 80 characters (81)"},
		{set: map[string]string{"name_en": "Milk\x07"}, wantCol: "name_en", want: "control character U+0007"},
		{set: map[string]string{"name_en": "Milk\nfree"}, wantCol: "name_en", want: "control character U+000A"},
		{set: map[string]string{"name_en": "Milk\u202eklim"}, wantCol: "name_en", want: "control character U+202E"},
		{set: map[string]string{"name_en": "Milk\x85"}, wantCol: "name_en", want: "not valid UTF-8"},
		{set: map[string]string{"name_en": "=HYPERLINK(\"x\")"}, wantCol: "name_en", want: "must not start with"},
		{set: map[string]string{"name_de": ""}, check: func(p Product) bool { return p.Names.DE == "" && p.Names.In(German) == p.Names.EN }},
		{set: map[string]string{"name_de": "Käse „würzig“"}, check: func(p Product) bool { return p.Names.DE == "Käse „würzig“" }},
		{set: map[string]string{"name_de": "Käse\t"}, check: func(p Product) bool { return p.Names.DE == "Käse" }},
		{set: map[string]string{"name_de": "Kä\tse"}, wantCol: "name_de", want: "control character U+0009"},
		{set: map[string]string{"name_es": "Piña, jalapeño"}, check: func(p Product) bool { return p.Names.ES == "Piña, jalapeño" }},
		{set: map[string]string{"name_es": long("ñ", 81)}, wantCol: "name_es", want: "longer than 80"},
		// price
		{set: map[string]string{"price": "1.99"}, check: func(p Product) bool { return p.Price.Equal(decimal.RequireFromString("1.99")) }},
		{set: map[string]string{"price": "0"}, check: func(p Product) bool { return p.Price.IsZero() }},
		{set: map[string]string{"price": "0.00"}, check: func(p Product) bool { return p.Price.IsZero() }},
		{set: map[string]string{"price": "2.5"}, check: func(p Product) bool { return p.Price.StringFixed(2) == "2.50" }},
		{set: map[string]string{"price": "0001.50"}, check: func(p Product) bool { return p.Price.StringFixed(2) == "1.50" }},
		{set: map[string]string{"price": "99999.99"}, check: func(p Product) bool { return p.Price.StringFixed(2) == "99999.99" }},
		{set: map[string]string{"price": ""}, wantCol: "price", want: "required"},
		{set: map[string]string{"price": "1,99"}, wantCol: "price", want: "use a dot as the decimal separator"},
		{set: map[string]string{"price": "1.999"}, wantCol: "price", want: "at most 2 decimal places"},
		{set: map[string]string{"price": "-1.00"}, wantCol: "price", want: "must not be negative"},
		{set: map[string]string{"price": "100000"}, wantCol: "price", want: "less than 100000"},
		{set: map[string]string{"price": "12345678901234567890"}, wantCol: "price", want: "less than 100000"},
		{set: map[string]string{"price": "€1.99"}, wantCol: "price", want: "must be a number like 1.99"},
		{set: map[string]string{"price": "1e3"}, wantCol: "price", want: "must be a number"},
		{set: map[string]string{"price": ".5"}, wantCol: "price", want: "must be a number"},
		{set: map[string]string{"price": "5."}, wantCol: "price", want: "must be a number"},
		{set: map[string]string{"price": "+5"}, wantCol: "price", want: "must be a number"},
		{set: map[string]string{"price": "1 000.00"}, wantCol: "price", want: "must be a number"},
		// sold_by
		{set: map[string]string{"sold_by": "each"}, check: func(p Product) bool { return p.SoldBy == ByEach }},
		{set: map[string]string{"sold_by": "WEIGHT", "weight_g": ""}, check: func(p Product) bool { return p.SoldBy == ByWeight }},
		{set: map[string]string{"sold_by": ""}, wantCol: "sold_by", want: "required"},
		{set: map[string]string{"sold_by": "kg"}, wantCol: "sold_by", want: `must be "each" or "weight"`},
		// vat_class
		{set: map[string]string{"vat_class": "standard"}, check: func(p Product) bool { return p.VATClass == "standard" }},
		{set: map[string]string{"vat_class": ""}, wantCol: "vat_class", want: "required"},
		{set: map[string]string{"vat_class": "Standard"}, wantCol: "vat_class", want: "unknown VAT class; known: reduced, standard, zero"},
		{set: map[string]string{"vat_class": "19"}, wantCol: "vat_class", want: "unknown VAT class"},
		// min_age
		{set: map[string]string{"min_age": ""}, check: func(p Product) bool { return p.MinAge == 0 }},
		{set: map[string]string{"min_age": "0"}, check: func(p Product) bool { return p.MinAge == 0 }},
		{set: map[string]string{"min_age": "16"}, check: func(p Product) bool { return p.MinAge == 16 }},
		{set: map[string]string{"min_age": "18"}, check: func(p Product) bool { return p.MinAge == 18 }},
		{set: map[string]string{"min_age": "21"}, wantCol: "min_age", want: "must be 0, 16 or 18"},
		{set: map[string]string{"min_age": "-1"}, wantCol: "min_age", want: "must be 0, 16 or 18"},
		{set: map[string]string{"min_age": "yes"}, wantCol: "min_age", want: "must be 0, 16 or 18"},
		// weight_g
		{set: map[string]string{"weight_g": ""}, check: func(p Product) bool { return p.WeightG == 0 && !p.Weighed() }},
		{set: map[string]string{"weight_g": "1"}, check: func(p Product) bool { return p.WeightG == 1 }},
		{set: map[string]string{"weight_g": "50000"}, check: func(p Product) bool { return p.WeightG == 50000 }},
		{set: map[string]string{"weight_g": "0"}, wantCol: "weight_g", want: "must be between 1 and 50000 (leave empty for not weighed)"},
		{set: map[string]string{"weight_g": "50001"}, wantCol: "weight_g", want: "must be between 1 and 50000"},
		{set: map[string]string{"weight_g": "99999999999999999999"}, wantCol: "weight_g", want: "must be between 1 and 50000"},
		{set: map[string]string{"weight_g": "12.5"}, wantCol: "weight_g", want: "must be whole grams"},
		{set: map[string]string{"weight_g": "-5"}, wantCol: "weight_g", want: "must be whole grams"},
		// weight_tolerance_g
		{set: map[string]string{"weight_tolerance_g": ""}, check: func(p Product) bool { return p.ToleranceG == 0 }},
		{set: map[string]string{"weight_tolerance_g": "25"}, check: func(p Product) bool { return p.ToleranceG == 25 }},
		{set: map[string]string{"weight_tolerance_g": "5000"}, check: func(p Product) bool { return p.ToleranceG == 5000 }},
		{set: map[string]string{"weight_tolerance_g": "0"}, wantCol: "weight_tolerance_g", want: "must be between 1 and 5000 (leave empty for the lane default)"},
		{set: map[string]string{"weight_tolerance_g": "5001"}, wantCol: "weight_tolerance_g", want: "must be between 1 and 5000"},
		{set: map[string]string{"weight_tolerance_g": "ten"}, wantCol: "weight_tolerance_g", want: "must be whole grams"},
		{set: map[string]string{"weight_tolerance_g": "25", "weight_g": ""}, wantCol: "weight_tolerance_g", want: "only allowed when weight_g is set"},
		{set: map[string]string{"weight_tolerance_g": "25", "weight_g": "0"}, wantCol: "weight_g", want: "must be between 1 and 50000"},
		// category
		{set: map[string]string{"category": ""}, check: func(p Product) bool { return p.Category == "" }},
		{set: map[string]string{"category": "personal care"}, check: func(p Product) bool { return p.Category == "personal care" }},
		{set: map[string]string{"category": long("x", 41)}, wantCol: "category", want: "longer than 40"},
		{set: map[string]string{"category": "@dairy"}, wantCol: "category", want: "must not start with"},
		// variable_measure
		{set: map[string]string{"variable_measure": ""}, check: func(p Product) bool { return !p.Variable }},
		{set: map[string]string{"variable_measure": "yes"}, check: func(p Product) bool { return p.Variable }},
		{set: map[string]string{"variable_measure": "YES"}, check: func(p Product) bool { return p.Variable }},
		{set: map[string]string{"variable_measure": "True"}, check: func(p Product) bool { return p.Variable }},
		{set: map[string]string{"variable_measure": "1"}, check: func(p Product) bool { return p.Variable }},
		{set: map[string]string{"variable_measure": " yes "}, check: func(p Product) bool { return p.Variable }},
		{set: map[string]string{"variable_measure": "no"}, check: func(p Product) bool { return !p.Variable }},
		{set: map[string]string{"variable_measure": "No"}, check: func(p Product) bool { return !p.Variable }},
		{set: map[string]string{"variable_measure": "false"}, check: func(p Product) bool { return !p.Variable }},
		{set: map[string]string{"variable_measure": "0"}, check: func(p Product) bool { return !p.Variable }},
		{set: map[string]string{"variable_measure": "y"}, wantCol: "variable_measure", want: "must be yes or no"},
		{set: map[string]string{"variable_measure": "2"}, wantCol: "variable_measure", want: "must be yes or no"},
		{set: map[string]string{"variable_measure": "ja"}, wantCol: "variable_measure", want: "must be yes or no"},
		{set: map[string]string{"variable_measure": "yes please"}, wantCol: "variable_measure", want: "must be yes or no"},
	}
	for _, tt := range tests {
		var name []string
		for _, col := range CSVHeader {
			if v, ok := tt.set[col]; ok {
				name = append(name, col+"="+v)
			}
		}
		t.Run(strings.Join(name, ","), func(t *testing.T) {
			res := readString(testHeader + "\n" + rowCSV(tt.set) + "\n")
			if res.err != nil {
				t.Fatalf("ReadCSV: %v", res.err)
			}
			if tt.wantCol == "" {
				if len(res.errs) != 0 || len(res.products) != 1 {
					t.Fatalf("got errors %v, want a product", res.errs)
				}
				if tt.check != nil && !tt.check(res.products[0]) {
					t.Errorf("unexpected product %+v", res.products[0])
				}
				return
			}
			if len(res.products) != 0 || res.stats.Bad != 1 {
				t.Fatalf("got products %v, stats %+v; want one bad row", res.products, res.stats)
			}
			if len(res.errs) != 1 {
				t.Fatalf("got errors %v, want one", res.errs)
			}
			e := res.errs[0]
			if e.Line != 2 || e.Column != tt.wantCol || !strings.Contains(e.Reason, tt.want) {
				t.Errorf("got %+v, want line 2, column %s, reason containing %q", e, tt.wantCol, tt.want)
			}
		})
	}
}

func TestParseRow(t *testing.T) {
	header := map[string]int{"name_en": 0, "gtin": 1, "price": 2, "sold_by": 3, "vat_class": 4}
	p, errs := ParseRow(header, []string{"Bananas", "4006381333931", "1.69", "weight", "reduced"}, DefaultVATRates())
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := Product{GTIN: "04006381333931", Names: Names{EN: "Bananas"}, Price: decimal.New(169, -2), SoldBy: ByWeight, VATClass: "reduced"}
	if !sameProduct(p, want) {
		t.Errorf("got %+v, want %+v", p, want)
	}

	// Short records read as empty fields; every problem is reported.
	_, errs = ParseRow(header, []string{"", "123"}, DefaultVATRates())
	var cols []string
	for _, e := range errs {
		if e.Line != 0 {
			t.Errorf("ParseRow set Line %d", e.Line)
		}
		cols = append(cols, e.Column)
	}
	if got, want := strings.Join(cols, ","), "gtin,name_en,price,sold_by,vat_class"; got != want {
		t.Errorf("error columns = %s, want %s (%v)", got, want, errs)
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		data string
		want []string // reasons of the line-1 RowErrors
	}{
		{"", []string{"empty file: a header row is required"}},
		{"\xEF\xBB\xBF", []string{"empty file: a header row is required"}},
		{"gtin,name_en,price,sold_by,vat_class,colour,Size\n", []string{`unknown columns "colour", "Size"; known: ` + testHeader}},
		{"gtin,name_en,price,sold_by,vat_class,\n", []string{`unknown columns ""`}},
		{"gtin,name_en\n", []string{"missing required columns price, sold_by, vat_class"}},
		{"gtin,name_en,price,sold_by,vat_class,GTIN\n", []string{"column gtin appears twice (fields 1 and 6)"}},
		{"gtin,name_en,pri\"ce\n", []string{"stray quote at column 17"}},
		{"gtin,colour\n", []string{`unknown columns "colour"`, "missing required columns name_en, price, sold_by, vat_class"}},
	}
	for _, tt := range tests {
		t.Run(tt.data, func(t *testing.T) {
			res := readString(tt.data)
			if !errors.Is(res.err, ErrCSVHeader) {
				t.Errorf("err = %v, want ErrCSVHeader", res.err)
			}
			if len(res.errs) != len(tt.want) {
				t.Fatalf("errors %v, want %d", res.errs, len(tt.want))
			}
			for i, e := range res.errs {
				if e.Line != 1 || !strings.HasPrefix(e.Reason, tt.want[i]) {
					t.Errorf("error %d = %+v, want line 1, reason %q", i, e, tt.want[i])
				}
			}
		})
	}
}

func TestCSVHeaderOnlyRequiredAnyOrderAndCase(t *testing.T) {
	res := readString(" VAT_Class ,Sold_By,price,Name_EN,GTIN\r\nstandard,each,0.29,Paper bag,4000000000013\r\n")
	if res.err != nil || len(res.errs) != 0 || len(res.products) != 1 {
		t.Fatalf("err %v, errs %v, products %v", res.err, res.errs, res.products)
	}
	p := res.products[0]
	if p.GTIN != "04000000000013" || p.Names.EN != "Paper bag" || p.VATClass != "standard" || p.WeightG != 0 || p.MinAge != 0 {
		t.Errorf("got %+v", p)
	}
}

// TestCSVBadRows checks that every bad row is reported with its line, and that
// good rows around them still come through.
func TestCSVBadRows(t *testing.T) {
	data := strings.Join([]string{
		// 1
		testHeader,
		// 2 good
		rowCSV(map[string]string{"gtin": "4006381333931", "plu": "4011"}),
		// 3 price
		rowCSV(map[string]string{"gtin": "4000000000013", "price": "1,19"}),
		// 4 empty, skipped
		"",
		// 5-6 name with a line break
		rowCSV(map[string]string{"gtin": "96385074", "name_en": "Two\nlines"}),
		// 7 field count
		"4000000000020,,too,few",
		// 8 good, quotes escaped
		rowCSV(map[string]string{"gtin": "036000291452", "name_de": `Bare "quote`}),
		// 9 bare quote
		`036000291453,,Bad "quote,,,1.00,each,standard,0,,,x`,
		// 10 duplicate GTIN of line 2
		rowCSV(map[string]string{"gtin": "4006381333931"}),
		// 11 duplicate PLU of line 2
		rowCSV(map[string]string{"gtin": "10012345678902", "plu": "4011"}),
		// 12 two errors and a duplicate GTIN of line 3 (a bad row still claims its GTIN)
		rowCSV(map[string]string{"gtin": "4000000000013", "sold_by": "x", "min_age": "21"}),
		// 13 good
		rowCSV(map[string]string{"gtin": "40000008"}),
	}, "\n") + "\n"
	res := readString(data)
	if res.err != nil {
		t.Fatal(res.err)
	}
	var got []string
	for _, e := range res.errs {
		got = append(got, fmt.Sprintf("%d %s", e.Line, e.Column))
	}
	want := []string{"3 price", "5 name_en", "7 ", "9 ", "10 gtin", "11 plu", "12 sold_by", "12 min_age", "12 gtin"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("errors at %q, want %q\n%v", got, want, res.errs)
	}
	if fmt.Sprint(res.lines) != "[2 8 13]" {
		t.Errorf("good lines %v, want [2 8 13]", res.lines)
	}
	if res.stats.Rows != 3 || res.stats.Bad != 7 || res.stats.Bytes != int64(len(data)) {
		t.Errorf("stats %+v, want 3 rows, 7 bad, %d bytes", res.stats, len(data))
	}
	for _, e := range res.errs {
		switch e.Line {
		case 7:
			if e.Reason != "has 4 fields, the header has 13" {
				t.Errorf("line 7: %q", e.Reason)
			}
		case 10:
			if e.Reason != "duplicate GTIN, first on line 2" {
				t.Errorf("line 10: %q", e.Reason)
			}
		case 11:
			if e.Reason != "duplicate PLU, first on line 2" {
				t.Errorf("line 11: %q", e.Reason)
			}
		}
	}
}

func TestCSVUnterminatedQuote(t *testing.T) {
	data := testHeader + "\n" + rowCSV(nil) + "\n" + `4000000000013,,"Milk,,,1.00,each,standard,,,,` + "\n" + rowCSV(map[string]string{"gtin": "40000008"}) + "\n"
	res := readString(data)
	if res.err != nil {
		t.Fatal(res.err)
	}
	// The open quote swallows the rest of the file: one bad record.
	if res.stats.Rows != 1 || res.stats.Bad != 1 || len(res.errs) != 1 || res.errs[0].Line != 3 ||
		!strings.Contains(res.errs[0].Reason, "unterminated or misplaced quote") {
		t.Errorf("stats %+v, errors %v", res.stats, res.errs)
	}
}

func TestCSVMaxErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(testHeader + "\n")
	for i := 0; i < 5; i++ {
		b.WriteString(rowCSV(map[string]string{"gtin": "1", "price": "x"}) + "\n")
	}
	stats, errs, err := ReadCSVWith(strings.NewReader(b.String()), DefaultVATRates(), CSVOptions{MaxErrors: 3},
		func(int, Product) error { return nil })
	if err != nil || stats.Bad != 5 || len(errs) != 3 {
		t.Errorf("err %v, stats %+v, %d errors; want 5 bad, 3 errors", err, stats, len(errs))
	}
	stats, errs, _ = ReadCSVWith(strings.NewReader(b.String()), DefaultVATRates(), CSVOptions{MaxErrors: -1},
		func(int, Product) error { return nil })
	if stats.Bad != 5 || len(errs) != 10 {
		t.Errorf("unlimited: stats %+v, %d errors; want 5 bad, 10 errors", stats, len(errs))
	}
}

func TestCSVLongValueIsCut(t *testing.T) {
	res := readString(testHeader + "\n" + rowCSV(map[string]string{"name_en": strings.Repeat("ö", 1000)}) + "\n")
	if len(res.errs) != 1 || res.errs[0].Value != strings.Repeat("ö", 40)+"…" {
		t.Errorf("errors %v", res.errs)
	}
}

func TestCSVStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	stats, _, err := ReadCSV(bytes.NewReader(DemoCSV()), DefaultVATRates(), func(line int, p Product) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !strings.Contains(err.Error(), "line 4") || stats.Rows != 3 || n != 3 {
		t.Errorf("err %v, stats %+v, calls %d", err, stats, n)
	}
}

func TestCSVProgress(t *testing.T) {
	data := DemoCSV()
	var calls []ReadStats
	stats, errs, err := ReadCSVWith(bytes.NewReader(data), DefaultVATRates(),
		CSVOptions{ProgressEvery: 4096, Progress: func(s ReadStats) { calls = append(calls, s) }},
		func(int, Product) error { return nil })
	if err != nil || len(errs) != 0 {
		t.Fatal(err, errs)
	}
	if len(calls) < len(data)/4096 {
		t.Fatalf("%d progress calls for %d bytes", len(calls), len(data))
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Bytes < calls[i-1].Bytes || calls[i].Rows < calls[i-1].Rows {
			t.Errorf("progress went back: %+v after %+v", calls[i], calls[i-1])
		}
	}
	if last := calls[len(calls)-1]; last != stats || last.Bytes != int64(len(data)) {
		t.Errorf("last progress %+v, result %+v, %d bytes", last, stats, len(data))
	}
}

func TestRowErrorString(t *testing.T) {
	tests := []struct {
		e    RowError
		want string
	}{
		{RowError{Line: 7, Column: "price", Value: "1,99", Reason: "use a dot"}, `line 7, price "1,99": use a dot`},
		{RowError{Line: 3, Column: "gtin", Reason: "required"}, `line 3, gtin: required`},
		{RowError{Line: 9, Reason: "has 4 fields, the header has 12"}, `line 9: has 4 fields, the header has 12`},
		{RowError{Line: 2, Column: "name_en", Value: "a\x1bb", Reason: "control"}, `line 2, name_en "a\x1bb": control`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.e.Error(); got != tt.want {
				t.Errorf("got %s", got)
			}
		})
	}
}

type goldenRow struct {
	Line    int     `json:"line"`
	Product Product `json:"product"`
}

// TestCSVGoldenOdd reads an awkward but valid file: BOM, CRLF, columns in
// another order and case, quoted names with commas and quotes, padding, an
// empty line, every GTIN length.
func TestCSVGoldenOdd(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "csv", "odd.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []goldenRow
	stats, errs, err := ReadCSV(bytes.NewReader(data), DefaultVATRates(), func(line int, p Product) error {
		rows = append(rows, goldenRow{line, p})
		return nil
	})
	if err != nil || len(errs) != 0 || stats.Bad != 0 {
		t.Fatalf("err %v, errors %v", err, errs)
	}
	got, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "csv", "odd.golden.json")
	if csvUpdate() {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("parsed products differ from %s (run with -update to accept):\n%s", golden, got)
	}
}

func readProducts(t *testing.T, data []byte) []Product {
	t.Helper()
	var ps []Product
	_, errs, err := ReadCSV(bytes.NewReader(data), DefaultVATRates(), func(_ int, p Product) error {
		ps = append(ps, p)
		return nil
	})
	if err != nil || len(errs) != 0 {
		t.Fatalf("err %v, errors %v", err, errs)
	}
	return ps
}

func sliceNext(ps []Product) func() (Product, bool, error) {
	return func() (Product, bool, error) {
		if len(ps) == 0 {
			return Product{}, false, nil
		}
		p := ps[0]
		ps = ps[1:]
		return p, true, nil
	}
}

func TestCSVRoundTripDemo(t *testing.T) {
	ps := readProducts(t, DemoCSV())
	var buf bytes.Buffer
	if err := WriteCSV(&buf, sliceNext(ps)); err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(buf.String(), "\n"); first != testHeader+",bagging" {
		t.Errorf("header %q", first)
	}
	back := readProducts(t, buf.Bytes())
	if len(back) != len(ps) {
		t.Fatalf("%d products back, want %d", len(back), len(ps))
	}
	for i := range ps {
		if !sameProduct(ps[i], back[i]) {
			t.Errorf("product %d: %+v came back as %+v", i, ps[i], back[i])
		}
	}
	// A second write is byte-identical.
	var buf2 bytes.Buffer
	if err := WriteCSV(&buf2, sliceNext(back)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
		t.Error("second write differs")
	}
}

func TestWriteCSVRefuses(t *testing.T) {
	good := Product{GTIN: "04006381333931", Names: Names{EN: "Milk"}, Price: decimal.New(119, -2), SoldBy: ByEach, VATClass: "reduced"}
	tests := []struct {
		name   string
		modify func(p *Product)
		want   string
	}{
		{"price 1.999", func(p *Product) { p.Price = decimal.RequireFromString("1.999") }, "would not read back the same"},
		{"price -1", func(p *Product) { p.Price = decimal.NewFromInt(-1) }, "must not be negative"},
		{"name with newline", func(p *Product) { p.Names.EN = "Mi\nlk" }, "control character"},
		{"name padded", func(p *Product) { p.Names.DE = " Milch" }, "would not read back the same"},
		{"GTIN-13", func(p *Product) { p.GTIN = "4006381333931" }, "would not read back the same"},
		{"bad GTIN", func(p *Product) { p.GTIN = "04006381333932" }, "check digit"},
		{"sold by kg", func(p *Product) { p.SoldBy = "kg" }, "sold_by"},
		{"no VAT class", func(p *Product) { p.VATClass = "" }, "vat_class"},
		{"tolerance without weight", func(p *Product) { p.ToleranceG = 5 }, "only allowed when weight_g is set"},
		{"min age 21", func(p *Product) { p.MinAge = 21 }, "must be 0, 16 or 18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.modify(&p)
			err := WriteCSV(&bytes.Buffer{}, sliceNext([]Product{good, p}))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	boom := errors.New("boom")
	if err := WriteCSV(&bytes.Buffer{}, func() (Product, bool, error) { return Product{}, false, boom }); !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
}

func TestDemoCatalog(t *testing.T) {
	data := DemoCSV()
	var ps []Product
	stats, errs, err := ReadCSV(bytes.NewReader(data), DefaultVATRates(), func(_ int, p Product) error {
		ps = append(ps, p)
		return nil
	})
	if err != nil || len(errs) != 0 || stats.Bad != 0 {
		t.Fatalf("err %v, %d bad, errors %v", err, stats.Bad, errs)
	}
	var byWeightPLU, aged, variable, each, marked int
	for _, p := range ps {
		// Exactly the in-store label items (prefixes 22/23 price, 28/29
		// weight) and the fresh-food GTIN-14 with indicator 9 (GS1 DataBar
		// Expanded) may carry their price or weight in the barcode.
		inStore := len(p.GTIN) == 14 && (strings.HasPrefix(p.GTIN, "02") && strings.Contains("2389", p.GTIN[2:3]) || p.GTIN[0] == '9')
		if p.Variable != inStore {
			t.Errorf("%s: variable_measure %v, want %v", p, p.Variable, inStore)
		}
		if p.Variable {
			marked++
		}
		if p.Names.EN == "" || p.Names.DE == "" || p.Names.ES == "" || p.Category == "" {
			t.Errorf("%s: missing a name or category", p)
		}
		switch {
		case p.SoldBy == ByWeight && p.PLU != "":
			byWeightPLU++
			if p.Weighed() {
				t.Errorf("%s: produce sold by weight has a unit weight", p)
			}
		case strings.HasPrefix(p.GTIN, "028"), strings.HasPrefix(p.GTIN, "029"):
			variable++
			if p.SoldBy != ByWeight || !strings.HasSuffix(p.GTIN[:13], "000000") {
				t.Errorf("%s: weight-embedded item must be sold by weight with its value digits zeroed", p)
			}
		case strings.HasPrefix(p.GTIN, "022"), strings.HasPrefix(p.GTIN, "023"):
			variable++
			if p.SoldBy != ByEach || !strings.HasSuffix(p.GTIN[:13], "000000") {
				t.Errorf("%s: price-embedded item must be sold each with its value digits zeroed", p)
			}
		case p.SoldBy == ByEach:
			each++
			if !p.Weighed() || p.ToleranceG == 0 {
				t.Errorf("%s: packaged item without expected weight and tolerance", p)
			}
		}
		if p.MinAge > 0 {
			aged++
			if p.Category != "alcohol" {
				t.Errorf("%s: age-restricted outside alcohol", p)
			}
		}
	}
	if marked != 13 {
		t.Errorf("%d products marked variable_measure, want the 12 in-store label items and one DataBar item", marked)
	}
	if len(ps) < 200 || byWeightPLU < 25 || aged < 10 || variable < 8 || each < 140 {
		t.Errorf("%d products, %d by weight with PLU, %d age-restricted, %d variable-measure, %d packaged",
			len(ps), byWeightPLU, aged, variable, each)
	}
	if cp := DemoCSV(); &cp[0] == &data[0] {
		t.Error("DemoCSV returns shared memory")
	}
}

func BenchmarkReadCSV(b *testing.B) {
	const rows = 100_000
	var buf bytes.Buffer
	buf.WriteString(testHeader + "\n")
	for i := 0; i < rows; i++ {
		payload := fmt.Sprintf("40%010d", i)
		c, _ := CheckDigit(payload)
		fmt.Fprintf(&buf, "%s%c,,Product number %d,Produkt Nummer %d,Producto número %d,%d.%02d,each,standard,0,%d,10,pantry,\n",
			payload, c, i, i, i, i%100, i%100, 100+i%1000)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		stats, errs, err := ReadCSV(bytes.NewReader(data), DefaultVATRates(), func(int, Product) error { return nil })
		if err != nil || len(errs) != 0 || stats.Rows != rows {
			b.Fatal(err, errs, stats)
		}
	}
}

// TestSemicolonCSV reads what a European spreadsheet saves as "CSV": semicolons
// between fields and decimal commas in prices.
func TestSemicolonCSV(t *testing.T) {
	data := "\ufeffgtin;name_en;name_de;price;sold_by;vat_class\r\n" +
		"4006381333931;Pen;\"Stift; blau\";1,99;each;standard\r\n" +
		"2000000040110;Bananas;Bananen;1.69;weight;reduced\r\n" +
		"5000112637922;Cola;Cola;1.234,56;each;standard\r\n"
	var got []Product
	stats, errs, err := ReadCSV(strings.NewReader(data), DefaultVATRates(), func(_ int, p Product) error {
		got = append(got, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Rows != 2 || stats.Bad != 1 || len(errs) != 1 || errs[0].Line != 4 || errs[0].Column != "price" {
		t.Fatalf("stats %+v errs %+v", stats, errs)
	}
	if got[0].Price.StringFixed(2) != "1.99" || got[0].Names.DE != "Stift; blau" || got[1].Price.StringFixed(2) != "1.69" {
		t.Fatalf("products %+v", got)
	}
}

// TestCSVBaggingColumn: the optional bagging column exempts heavy and no-bag
// products from the bagging-area check; anything else is refused.
func TestCSVBaggingColumn(t *testing.T) {
	tests := []struct {
		v    string
		want Bagging
		bad  bool
	}{
		{"", BagCheck, false}, {"check", BagCheck, false}, {"Heavy", BagHeavy, false}, {"NOBAG", BagNone, false},
		{" nobag ", BagNone, false}, {"no", "", true}, {"light", "", true}, {"heavy;", "", true},
	}
	for _, tt := range tests {
		res := readString(testHeader + ",bagging\n" + rowCSV(nil) + "," + strconv.Quote(tt.v) + "\n")
		if res.err != nil {
			t.Fatalf("%q: ReadCSV: %v", tt.v, res.err)
		}
		if tt.bad {
			if len(res.errs) != 1 || res.errs[0].Column != "bagging" || !strings.Contains(res.errs[0].Reason, "must be check, heavy or nobag") {
				t.Errorf("%q: errors %v, want one about the bagging column", tt.v, res.errs)
			}
			continue
		}
		if len(res.errs) != 0 || len(res.products) != 1 {
			t.Fatalf("%q: errors %v, products %d", tt.v, res.errs, len(res.products))
		}
		if got := res.products[0].Bagging; got != tt.want || res.products[0].BagChecked() != (tt.want == BagCheck) {
			t.Errorf("%q: bagging %q, want %q", tt.v, got, tt.want)
		}
	}
}
