package catalog

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// The catalog CSV format
//
// UTF-8, an optional byte order mark, comma separated, quoted per RFC 4180, one
// header row naming the columns (any order, names case-insensitive), one product
// per row:
//
//	gtin,plu,name_en,name_de,name_es,price,sold_by,vat_class,min_age,weight_g,weight_tolerance_g,category,variable_measure,bagging
//
// gtin, name_en, price, sold_by and vat_class are required columns and values;
// the other columns may be left out of the file. Prices are gross euros with a
// dot as decimal separator: per piece for sold_by=each, per kilogram for
// sold_by=weight. variable_measure (yes/no) marks the products whose barcode
// may carry their price, weight or count: in-store labels from the deli
// counter's scale, GS1 DataBar with AI 310n/392n/393n. bagging (check, heavy
// or nobag) exempts a product from the bagging-area weight check: too heavy to
// bag (a crate of water), or not put in a bag (flowers, a broom). Column rules
// are in ParseRow.
//
// Limits: a record (one row, quoted line breaks included) is at most
// MaxRecordBytes; text fields are at most MaxNameRunes (names) or
// MaxCategoryRunes (category, VAT class) characters; numbers have the ranges
// ParseRow lists. An import adds its own limits on the file (MaxImportBytes,
// MaxImportRows).

// Column positions in CSVHeader.
const (
	colGTIN = iota
	colPLU
	colNameEN
	colNameDE
	colNameES
	colPrice
	colSoldBy
	colVATClass
	colMinAge
	colWeightG
	colToleranceG
	colCategory
	colVariable
	colBagging
	numCols
)

var colNames = [numCols]string{
	colGTIN:       "gtin",
	colPLU:        "plu",
	colNameEN:     "name_en",
	colNameDE:     "name_de",
	colNameES:     "name_es",
	colPrice:      "price",
	colSoldBy:     "sold_by",
	colVATClass:   "vat_class",
	colMinAge:     "min_age",
	colWeightG:    "weight_g",
	colToleranceG: "weight_tolerance_g",
	colCategory:   "category",
	colVariable:   "variable_measure",
	colBagging:    "bagging",
}

var requiredCols = [numCols]bool{
	colGTIN:     true,
	colNameEN:   true,
	colPrice:    true,
	colSoldBy:   true,
	colVATClass: true,
}

// CSVHeader lists the catalog CSV columns in the order WriteCSV writes them.
var CSVHeader = colNames[:]

// Limits of the catalog CSV format.
const (
	MaxNameRunes     = 80       // per product name
	MaxCategoryRunes = 40       // category
	MaxWeightG       = 50000    // expected unit weight, grams
	MaxToleranceG    = 5000     // weight tolerance, grams
	MaxRecordBytes   = 16 << 10 // one CSV record, quoted line breaks included
	maxPriceUnits    = 100000   // prices must be below this (euros)
	maxValueRunes    = 40       // RowError.Value is cut to this length
	defaultMaxErrors = 1000
	defaultProgress  = 1 << 20
)

// ErrCSVHeader reports a catalog CSV file whose header row cannot be used:
// missing, unknown or repeated columns. The details are in the RowErrors of line 1.
var ErrCSVHeader = errors.New("catalog: bad CSV header")

// RowError describes one problem in a catalog CSV file.
type RowError struct {
	Line   int    // 1-based file line where the record starts; the header is line 1
	Column string // column name; empty when the problem is the whole row
	Value  string // the offending value, cut to 40 characters
	Reason string
}

func (e RowError) Error() string {
	var b strings.Builder
	b.WriteString("line ")
	b.WriteString(strconv.Itoa(e.Line))
	if e.Column != "" {
		b.WriteString(", ")
		b.WriteString(e.Column)
	}
	if e.Value != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(e.Value))
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// ReadStats counts what ReadCSV has read so far.
type ReadStats struct {
	Rows  int   // good rows handed to fn
	Bad   int   // rows refused (each may have several RowErrors)
	Bytes int64 // bytes of input consumed
}

// CSVOptions tunes ReadCSVWith. The zero value is ReadCSV's behaviour.
type CSVOptions struct {
	// MaxErrors caps the RowErrors returned; later bad rows are still counted
	// in ReadStats.Bad. 0 means 1000, a negative value means no cap.
	MaxErrors int
	// Progress, if set, is called about every ProgressEvery bytes (default
	// 1 MiB) and once at the end, from the reading goroutine.
	Progress      func(ReadStats)
	ProgressEvery int64
	// MaxRows, when positive, stops the reading with ErrTooManyRows once
	// the file has more data records (good and bad) than that.
	MaxRows int
}

// ErrRecordTooLong reports a CSV record longer than MaxRecordBytes, most often
// a quote that is never closed; the reading stops there.
var ErrRecordTooLong = fmt.Errorf("catalog: a CSV record is longer than %d bytes (a quote that is never closed?)", MaxRecordBytes)

// ErrTooManyRows reports a file with more data records than allowed.
var ErrTooManyRows = errors.New("catalog: too many rows")

// recordLimiter fails the reading when a record grows past MaxRecordBytes,
// before encoding/csv holds it all in memory: pulled counts the bytes read
// from r, start is the offset (in the same count) where the record began.
// The bufio.Reader in between may hold up to bufSize bytes of later records.
type recordLimiter struct {
	r            io.Reader
	pulled       int64
	start        int64
	bufSize      int64
	tooLongAfter int // line of the last complete record, for the error
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.pulled-l.start > MaxRecordBytes+l.bufSize {
		return 0, fmt.Errorf("%w: the record after line %d", ErrRecordTooLong, l.tooLongAfter)
	}
	n, err := l.r.Read(p)
	l.pulled += int64(n)
	return n, err
}

// ReadCSV reads a catalog CSV file, validates every row and calls fn for each
// good one, in file order, with its line number. Bad rows are reported, never
// passed to fn, and do not stop the reading; see CSVOptions.MaxErrors for the
// cap on details. The returned error is non-nil when the header is unusable
// (ErrCSVHeader), on a read error, or when fn returns an error, which stops the
// reading and is returned wrapped.
func ReadCSV(r io.Reader, rates VATRates, fn func(line int, p Product) error) (ReadStats, []RowError, error) {
	return ReadCSVWith(r, rates, CSVOptions{}, fn)
}

// ReadCSVWith is ReadCSV with options (error cap, progress reports).
func ReadCSVWith(r io.Reader, rates VATRates, opt CSVOptions, fn func(line int, p Product) error) (ReadStats, []RowError, error) {
	var (
		stats   ReadStats
		errs    []RowError
		maxErrs = opt.MaxErrors
	)
	if maxErrs == 0 {
		maxErrs = defaultMaxErrors
	}
	report := func(e RowError) {
		if maxErrs < 0 || len(errs) < maxErrs {
			e.Value = cutValue(e.Value)
			errs = append(errs, e)
		}
	}

	const bufSize = 64 << 10
	lim := &recordLimiter{r: r, bufSize: bufSize}
	br := bufio.NewReaderSize(lim, bufSize)
	var bom int64
	if b, _ := br.Peek(3); len(b) == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		br.Discard(3)
		bom = 3
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true // FieldsPerRecord 0: the header sets the field count.
	// Spreadsheets in Germany, Spain and most of Europe save "CSV" with
	// semicolons and decimal commas: read those as they are.
	decimalComma := false
	if semicolonHeader(br) {
		cr.Comma = ';'
		decimalComma = true
	}
	offset := func() int64 { return bom + cr.InputOffset() }
	// recordDone checks the record that ended at offset() and starts the
	// next one; line is the first line of the record.
	recordDone := func(start int64, line int) error {
		end := offset()
		if end-start > MaxRecordBytes {
			return fmt.Errorf("%w: line %d", ErrRecordTooLong, line)
		}
		lim.start, lim.tooLongAfter = end, line
		return nil
	}

	rec, err := cr.Read()
	if errors.Is(err, ErrRecordTooLong) {
		stats.Bytes = offset()
		return stats, errs, err
	}
	switch {
	case err == io.EOF:
		report(RowError{Line: 1, Reason: "empty file: a header row is required"})
		return stats, errs, fmt.Errorf("%w: empty file", ErrCSVHeader)
	case err != nil:
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return stats, errs, fmt.Errorf("catalog: reading CSV: %w", err)
		}
		report(RowError{Line: pe.StartLine, Reason: csvSyntaxReason(pe)})
		stats.Bytes = offset()
		return stats, errs, fmt.Errorf("%w: %v", ErrCSVHeader, pe.Err)
	}
	if err := recordDone(bom, 1); err != nil {
		stats.Bytes = offset()
		return stats, errs, err
	}
	ix, herrs := parseHeader(rec)
	if len(herrs) > 0 {
		reasons := make([]string, len(herrs))
		for i, e := range herrs {
			report(e)
			reasons[i] = e.Reason
		}
		stats.Bytes = offset()
		return stats, errs, fmt.Errorf("%w: %s", ErrCSVHeader, strings.Join(reasons, "; "))
	}
	nFields := len(rec)

	// First line of each GTIN and PLU seen, keyed by number to keep a
	// million-row file's maps small.
	firstGTIN := make(map[uint64]int32)
	firstPLU := make(map[uint32]int32)

	every := opt.ProgressEvery
	if every <= 0 {
		every = defaultProgress
	}
	var lastProgress int64
	rowErrs := make([]RowError, 0, numCols)
	for {
		if opt.Progress != nil {
			if off := offset(); off-lastProgress >= every {
				lastProgress = off
				stats.Bytes = off
				opt.Progress(stats)
			}
		}
		start := offset()
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.Is(err, ErrRecordTooLong) {
				stats.Bytes = offset()
				return stats, errs, err
			}
			if !errors.As(err, &pe) {
				stats.Bytes = offset()
				return stats, errs, fmt.Errorf("catalog: reading CSV: %w", err)
			}
			if err := recordDone(start, pe.StartLine); err != nil {
				stats.Bytes = offset()
				return stats, errs, err
			}
			stats.Bad++
			if opt.MaxRows > 0 && stats.Rows+stats.Bad > opt.MaxRows {
				stats.Bytes = offset()
				return stats, errs, fmt.Errorf("%w: more than %d", ErrTooManyRows, opt.MaxRows)
			}
			reason := csvSyntaxReason(pe)
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				reason = fmt.Sprintf("has %d fields, the header has %d", len(rec), nFields)
			}
			report(RowError{Line: pe.StartLine, Reason: reason})
			continue
		}
		line, _ := cr.FieldPos(0)
		if err := recordDone(start, line); err != nil {
			stats.Bytes = offset()
			return stats, errs, err
		}
		if opt.MaxRows > 0 && stats.Rows+stats.Bad >= opt.MaxRows {
			stats.Bytes = offset()
			return stats, errs, fmt.Errorf("%w: more than %d", ErrTooManyRows, opt.MaxRows)
		}

		var p Product
		p, rowErrs = parseRow(&ix, rec, rates, false, decimalComma, rowErrs[:0])
		if p.GTIN != "" {
			k := gtinKey(p.GTIN)
			if first, ok := firstGTIN[k]; ok {
				rowErrs = append(rowErrs, RowError{Column: colNames[colGTIN], Value: ix.field(rec, colGTIN),
					Reason: fmt.Sprintf("duplicate GTIN, first on line %d", first)})
			} else {
				firstGTIN[k] = clampLine(line)
			}
		}
		if p.PLU != "" {
			k := pluKey(p.PLU)
			if first, ok := firstPLU[k]; ok {
				rowErrs = append(rowErrs, RowError{Column: colNames[colPLU], Value: p.PLU,
					Reason: fmt.Sprintf("duplicate PLU, first on line %d", first)})
			} else {
				firstPLU[k] = clampLine(line)
			}
		}
		if len(rowErrs) > 0 {
			stats.Bad++
			for _, e := range rowErrs {
				e.Line = line
				report(e)
			}
			continue
		}
		stats.Rows++
		if err := fn(line, p); err != nil {
			stats.Bytes = offset()
			return stats, errs, fmt.Errorf("catalog: CSV line %d: %w", line, err)
		}
	}
	stats.Bytes = offset()
	if opt.Progress != nil {
		opt.Progress(stats)
	}
	return stats, errs, nil
}

// WriteCSV writes the products next yields, in the format ReadCSV reads, with
// the columns in CSVHeader order. It stops at the first error from next, and
// refuses a product that would not read back the same (for example a name with
// a control character or a price with three decimals).
func WriteCSV(w io.Writer, next func() (Product, bool, error)) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(colNames[:]); err != nil {
		return fmt.Errorf("catalog: writing CSV: %w", err)
	}
	var ix colIndex
	for i := range ix {
		ix[i] = i
	}
	rec := make([]string, numCols)
	var rowErrs []RowError
	for {
		p, ok, err := next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		formatRow(rec, p)
		var back Product
		back, rowErrs = parseRow(&ix, rec, nil, true, false, rowErrs[:0])
		if len(rowErrs) > 0 {
			e := rowErrs[0]
			return fmt.Errorf("catalog: writing CSV: product %s: %s %q: %s", p, e.Column, e.Value, e.Reason)
		}
		if !sameProduct(back, p) {
			return fmt.Errorf("catalog: writing CSV: product %s would not read back the same (canonical GTIN-14, trimmed text, at most 2 decimals)", p)
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("catalog: writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("catalog: writing CSV: %w", err)
	}
	return nil
}

func formatRow(rec []string, p Product) {
	rec[colGTIN] = ShortGTIN(p.GTIN)
	rec[colPLU] = p.PLU
	rec[colNameEN] = p.Names.EN
	rec[colNameDE] = p.Names.DE
	rec[colNameES] = p.Names.ES
	rec[colPrice] = p.Price.StringFixed(2)
	rec[colSoldBy] = string(p.SoldBy)
	rec[colVATClass] = p.VATClass
	rec[colMinAge] = strconv.Itoa(p.MinAge)
	rec[colWeightG] = ""
	if p.WeightG != 0 {
		rec[colWeightG] = strconv.Itoa(p.WeightG)
	}
	rec[colToleranceG] = ""
	if p.ToleranceG != 0 {
		rec[colToleranceG] = strconv.Itoa(p.ToleranceG)
	}
	rec[colCategory] = p.Category
	rec[colVariable] = "no"
	if p.Variable {
		rec[colVariable] = "yes"
	}
	rec[colBagging] = string(p.Bagging)
	if p.Bagging == BagCheck {
		rec[colBagging] = "check"
	}
}

// sameProduct compares products, prices by value.
func sameProduct(a, b Product) bool {
	if !a.Price.Equal(b.Price) {
		return false
	}
	a.Price, b.Price = decimal.Decimal{}, decimal.Decimal{}
	return a == b
}

// colIndex maps a column to its field index in a record, -1 when absent.
type colIndex [numCols]int

func (ix *colIndex) field(rec []string, col int) string {
	i := ix[col]
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func parseHeader(rec []string) (colIndex, []RowError) {
	var ix colIndex
	for i := range ix {
		ix[i] = -1
	}
	var errs []RowError
	var unknown []string
	for i, f := range rec {
		name := strings.ToLower(strings.TrimSpace(f))
		col := slices.Index(colNames[:], name)
		switch {
		case col < 0:
			unknown = append(unknown, strconv.Quote(f))
		case ix[col] >= 0:
			errs = append(errs, RowError{Line: 1, Column: name,
				Reason: fmt.Sprintf("column %s appears twice (fields %d and %d)", name, ix[col]+1, i+1)})
		default:
			ix[col] = i
		}
	}
	if len(unknown) > 0 {
		errs = append(errs, RowError{Line: 1,
			Reason: "unknown columns " + strings.Join(unknown, ", ") + "; known: " + strings.Join(colNames[:], ",")})
	}
	var missing []string
	for col, req := range requiredCols {
		if req && ix[col] < 0 {
			missing = append(missing, colNames[col])
		}
	}
	if len(missing) > 0 {
		errs = append(errs, RowError{Line: 1, Reason: "missing required columns " + strings.Join(missing, ", ")})
	}
	return ix, errs
}

// ParseRow validates one data record of a catalog CSV file. header maps the
// lower-case column names to field indexes in rec; a column missing from
// header or rec reads as empty. The returned RowErrors have Line 0; checks
// across rows (duplicate GTIN or PLU) are ReadCSV's. The Product is only
// meaningful when there are no errors.
//
// Column rules:
//   - gtin: 8, 12, 13 or 14 digits with a valid check digit; stored as GTIN-14.
//   - plu: empty, or 4 or 5 digits (IFPS price look-up code).
//   - name_en: required; name_de, name_es optional. Trimmed, at most 80
//     characters, no control characters, not starting with = + - @.
//   - price: gross euros, dot decimal separator, at most 2 decimals, 0 ≤ price < 100000.
//   - sold_by: each or weight, any case.
//   - vat_class: a key of rates.
//   - min_age: empty (0), 0, 16 or 18.
//   - weight_g: empty (not weighed) or whole grams 1..50000.
//   - weight_tolerance_g: empty (lane default) or whole grams 1..5000; needs weight_g.
//   - category: optional, at most 40 characters, same character rules as names.
//   - variable_measure: yes, no, true, false, 1 or 0, any case; empty is no.
//   - bagging: check, heavy or nobag, any case; empty is check.
func ParseRow(header map[string]int, rec []string, rates VATRates) (Product, []RowError) {
	var ix colIndex
	for col, name := range colNames {
		i, ok := header[name]
		if !ok {
			i = -1
		}
		ix[col] = i
	}
	return parseRow(&ix, rec, rates, false, false, nil)
}

// parseRow validates rec, appending problems to errs. With anyVAT, any
// well-formed VAT class is accepted (WriteCSV does not know the rates).
// Product.GTIN and Product.PLU are set only when those fields are valid.
func parseRow(ix *colIndex, rec []string, rates VATRates, anyVAT, decimalComma bool, errs []RowError) (Product, []RowError) {
	var p Product
	bad := func(col int, value, reason string) {
		errs = append(errs, RowError{Column: colNames[col], Value: value, Reason: reason})
	}

	if v := ix.field(rec, colGTIN); v == "" {
		bad(colGTIN, v, "required")
	} else if g, reason := parseGTIN(v); reason != "" {
		bad(colGTIN, v, reason)
	} else {
		p.GTIN = g
	}

	if v := ix.field(rec, colPLU); v != "" {
		if (len(v) == 4 || len(v) == 5) && allDigits(v) {
			p.PLU = v
		} else {
			bad(colPLU, v, "PLU must be 4 or 5 digits")
		}
	}

	for _, c := range [...]struct {
		col int
		dst *string
	}{{colNameEN, &p.Names.EN}, {colNameDE, &p.Names.DE}, {colNameES, &p.Names.ES}, {colCategory, &p.Category}} {
		v := ix.field(rec, c.col)
		if v == "" {
			if c.col == colNameEN {
				bad(c.col, v, "required")
			}
			continue
		}
		limit := MaxNameRunes
		if c.col == colCategory {
			limit = MaxCategoryRunes
		}
		if reason := checkText(v, limit); reason != "" {
			bad(c.col, v, reason)
			continue
		}
		*c.dst = v
	}

	if v := ix.field(rec, colPrice); v == "" {
		bad(colPrice, v, "required")
	} else if price, reason := parsePrice(v, decimalComma); reason != "" {
		bad(colPrice, v, reason)
	} else {
		p.Price = price
	}

	switch v := ix.field(rec, colSoldBy); {
	case v == "":
		bad(colSoldBy, v, "required")
	case strings.EqualFold(v, string(ByEach)):
		p.SoldBy = ByEach
	case strings.EqualFold(v, string(ByWeight)):
		p.SoldBy = ByWeight
	default:
		bad(colSoldBy, v, `must be "each" or "weight"`)
	}

	if v := ix.field(rec, colVATClass); v == "" {
		bad(colVATClass, v, "required")
	} else if anyVAT {
		if reason := checkText(v, MaxCategoryRunes); reason != "" {
			bad(colVATClass, v, reason)
		} else {
			p.VATClass = v
		}
	} else if _, ok := rates[v]; ok {
		p.VATClass = v
	} else {
		bad(colVATClass, v, "unknown VAT class; known: "+strings.Join(slices.Sorted(maps.Keys(rates)), ", "))
	}

	switch v := ix.field(rec, colMinAge); v {
	case "", "0":
	case "16":
		p.MinAge = 16
	case "18":
		p.MinAge = 18
	default:
		bad(colMinAge, v, "must be 0, 16 or 18")
	}

	weightOK := true
	if v := ix.field(rec, colWeightG); v != "" {
		if n, reason := parseGrams(v, MaxWeightG); reason != "" {
			bad(colWeightG, v, reason+" (leave empty for not weighed)")
			weightOK = false
		} else {
			p.WeightG = n
		}
	}
	if v := ix.field(rec, colToleranceG); v != "" {
		if n, reason := parseGrams(v, MaxToleranceG); reason != "" {
			bad(colToleranceG, v, reason+" (leave empty for the lane default)")
		} else if weightOK && p.WeightG == 0 {
			bad(colToleranceG, v, "only allowed when weight_g is set")
		} else {
			p.ToleranceG = n
		}
	}

	switch v := strings.ToLower(ix.field(rec, colVariable)); v {
	case "", "no", "false", "0":
	case "yes", "true", "1":
		p.Variable = true
	default:
		bad(colVariable, ix.field(rec, colVariable), "must be yes or no (or true/false, 1/0); empty is no")
	}
	switch v := strings.ToLower(ix.field(rec, colBagging)); v {
	case "", "check":
	case string(BagHeavy), string(BagNone):
		p.Bagging = Bagging(v)
	default:
		bad(colBagging, ix.field(rec, colBagging), "must be check, heavy or nobag; empty is check")
	}
	return p, errs
}

// parseGTIN normalizes v to a GTIN-14 or says why it cannot.
func parseGTIN(v string) (string, string) {
	g, err := NormalizeGTIN(v)
	if err == nil {
		return g, ""
	}
	if strings.ContainsAny(v, "Ee") && strings.ContainsAny(v, "+.,") {
		return "", "looks like a spreadsheet number in scientific notation; format the column as text"
	}
	if errors.Is(err, ErrCheckDigit) {
		want, _ := CheckDigit(v[:len(v)-1])
		return "", fmt.Sprintf("check digit is %c, expected %c", v[len(v)-1], want)
	}
	return "", err.Error()
}

// parsePrice parses a non-negative euro amount with at most two decimals,
// "12", "12.5" or "12.50", into a decimal with exponent -2; with decimalComma
// (a semicolon-separated file) "12,50" too.
func parsePrice(v string, decimalComma bool) (decimal.Decimal, string) {
	if decimalComma && strings.Count(v, ",") == 1 && !strings.Contains(v, ".") {
		v = strings.Replace(v, ",", ".", 1)
	}
	if strings.ContainsRune(v, ',') {
		return decimal.Decimal{}, "use a dot as the decimal separator, not a comma (e.g. 1.99)"
	}
	s := v
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (hasDot && (frac == "" || !allDigits(frac))) {
		return decimal.Decimal{}, "must be a number like 1.99 (no currency sign, no thousands separator)"
	}
	if len(frac) > 2 {
		return decimal.Decimal{}, "at most 2 decimal places"
	}
	if neg {
		return decimal.Decimal{}, "must not be negative"
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 5 {
		return decimal.Decimal{}, "must be less than 100000"
	}
	var units, cents int64
	for i := 0; i < len(whole); i++ {
		units = units*10 + int64(whole[i]-'0')
	}
	if units >= maxPriceUnits {
		return decimal.Decimal{}, "must be less than 100000"
	}
	for i := 0; i < 2; i++ {
		cents *= 10
		if i < len(frac) {
			cents += int64(frac[i] - '0')
		}
	}
	return decimal.New(units*100+cents, -2), ""
}

// parseGrams parses whole grams in 1..maxG.
func parseGrams(v string, maxG int) (int, string) {
	if !allDigits(v) {
		return 0, "must be whole grams"
	}
	t := strings.TrimLeft(v, "0")
	if len(t) > 6 {
		return 0, fmt.Sprintf("must be between 1 and %d", maxG)
	}
	n, _ := strconv.Atoi(t) // "" (all zeros) gives 0
	if n < 1 || n > maxG {
		return 0, fmt.Sprintf("must be between 1 and %d", maxG)
	}
	return n, ""
}

// checkText says why s is not acceptable catalog text, or returns "".
// s must already be trimmed.
func checkText(s string, maxRunes int) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	n := 0
	for _, r := range s {
		if textControl(r) {
			return fmt.Sprintf("contains control character %U", r)
		}
		n++
	}
	if n > maxRunes {
		return fmt.Sprintf("longer than %d characters (%d)", maxRunes, n)
	}
	switch s[0] {
	case '=', '+', '-', '@':
		// A spreadsheet would run it as a formula when the export is opened.
		return "must not start with = + - or @"
	}
	return ""
}

// textControl reports runes a product name must not carry: C0/C1 controls,
// bidirectional overrides (they reorder what a receipt shows) and line or
// paragraph separators.
func textControl(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	case r == 0x2028, r == 0x2029, r == 0xFEFF:
		return true
	}
	return false
}

func csvSyntaxReason(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf("stray quote at column %d: quote the whole field and double quotes inside it (\"\")", pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf("unterminated or misplaced quote (line %d, column %d)", pe.Line, pe.Column)
	}
	return pe.Err.Error()
}

// gtinKey packs a GTIN-14 into an integer (14 digits fit in 47 bits).
func gtinKey(g string) uint64 {
	var k uint64
	for i := 0; i < len(g); i++ {
		k = k*10 + uint64(g[i]-'0')
	}
	return k
}

// pluKey packs a 4- or 5-digit PLU into an integer that keeps "0123" and "123"
// apart.
func pluKey(plu string) uint32 {
	k := uint32(len(plu))
	for i := 0; i < len(plu); i++ {
		k = k*10 + uint32(plu[i]-'0')
	}
	return k
}

func clampLine(line int) int32 {
	if line > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(line)
}

// cutValue shortens v for an error report and detaches it from the record's
// memory.
func cutValue(v string) string {
	n := 0
	for i := range v {
		if n == maxValueRunes {
			return strings.Clone(v[:i]) + "…"
		}
		n++
	}
	return strings.Clone(v)
}

// semicolonHeader reports whether the first line separates its fields with
// semicolons and has no comma outside quotes.
func semicolonHeader(br *bufio.Reader) bool {
	b, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	quoted, semis := false, 0
	for _, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			return false
		case c == ';':
			semis++
		}
	}
	return semis > 0
}
