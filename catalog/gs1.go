package catalog

// GS1 element strings: application identifiers (AIs) and their values, as
// carried by GS1-128, GS1 DataBar, GS1 DataMatrix and GS1 QR Code. Lengths and
// formats follow the GS1 General Specifications AI table (GS1 Barcode Syntax
// Dictionary); FNC1 separators arrive from the scanner as ASCII GS, 0x1D (GS1
// GSCN 16-477).

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// AI is one element of a GS1 element string: application identifier and value.
type AI struct {
	ID    string // e.g. "01", "3103"
	Value string // the data field, without separators
}

// String returns the human-readable form "(ID)Value".
func (a AI) String() string { return "(" + a.ID + ")" + a.Value }

// aiSpec describes the data field of one AI.
type aiSpec struct {
	min, max   int      // length bounds of the data field; min == max is a fixed length
	digits     int      // leading characters that must be digits (the rest is GS1 set 82)
	predefined bool     // in the GS1 predefined-length table: no FNC1 follows it
	check      bool     // last digit is a GS1 mod-10 check digit
	date       dateKind // date/time validation of the leading digits
}

type dateKind uint8

const (
	noDate       dateKind = iota
	dateYYMMD0            // YYMMDD, DD may be 00 (end of month)
	dateYYMMDDHH          // YYMMDDHH followed by optional MM or MMSS (8008)
	dateTimeHHMM          // YYMMDDHHMM (7003)
)

// num and alnum build specs: numeric of fixed or variable length, GS1 set 82
// up to max.
func num(min, max int) aiSpec { return aiSpec{min: min, max: max, digits: max} }
func alnum(max int) aiSpec    { return aiSpec{min: 1, max: max} }

// aiTable maps every supported AI to its spec. AIs are prefix-free: no AI is
// the start of another.
var aiTable = buildAITable()

func buildAITable() map[string]aiSpec {
	t := map[string]aiSpec{}
	key := num(14, 14)
	key.check = true
	key.predefined = true
	t["00"] = aiSpec{min: 18, max: 18, digits: 18, check: true, predefined: true} // SSCC
	t["01"] = key                                                                 // GTIN
	t["02"] = key                                                                 // GTIN of contained items
	t["10"] = alnum(20)                                                           // batch/lot
	for _, id := range []string{"11", "12", "13", "15", "16", "17"} {             // dates
		t[id] = aiSpec{min: 6, max: 6, digits: 6, predefined: true, date: dateYYMMD0}
	}
	t["20"] = aiSpec{min: 2, max: 2, digits: 2, predefined: true} // variant
	t["21"] = alnum(20)                                           // serial
	t["22"] = alnum(20)                                           // consumer product variant
	t["235"] = alnum(28)
	t["240"] = alnum(30)
	t["241"] = alnum(30)
	t["242"] = num(1, 6)
	t["243"] = alnum(20)
	t["250"] = alnum(30)
	t["251"] = alnum(30)
	t["254"] = alnum(20)
	t["30"] = num(1, 8) // variable count
	t["37"] = num(1, 8) // count of trade items
	// 31nn–36nn: measures, six digits with n decimals (n = 0–5).
	measures := []string{
		"310", "311", "312", "313", "314", "315", "316",
		"320", "321", "322", "323", "324", "325", "326", "327", "328", "329",
		"330", "331", "332", "333", "334", "335", "336", "337",
		"340", "341", "342", "343", "344", "345", "346", "347", "348", "349",
		"350", "351", "352", "353", "354", "355", "356", "357",
		"360", "361", "362", "363", "364", "365", "366", "367", "368", "369",
	}
	for _, m := range measures {
		for n := '0'; n <= '5'; n++ {
			t[m+string(n)] = aiSpec{min: 6, max: 6, digits: 6, predefined: true}
		}
	}
	for n := '0'; n <= '9'; n++ {
		t["390"+string(n)] = num(1, 15) // amount payable
		t["391"+string(n)] = num(4, 18) // ISO currency + amount payable
		t["392"+string(n)] = num(1, 15) // price of a variable-measure item
		t["393"+string(n)] = num(4, 18) // ISO currency + price
	}
	for n := '0'; n <= '3'; n++ {
		t["394"+string(n)] = num(4, 4) // percentage discount of a coupon
	}
	for n := '0'; n <= '5'; n++ {
		t["395"+string(n)] = num(6, 6) // price per unit of measure
	}
	t["400"] = alnum(30) // order number
	t["401"] = alnum(30) // GINC
	t["402"] = aiSpec{min: 17, max: 17, digits: 17, check: true}
	t["403"] = alnum(30) // routing code
	for n := '0'; n <= '7'; n++ {
		t["41"+string(n)] = aiSpec{min: 13, max: 13, digits: 13, check: true, predefined: true} // GLNs
	}
	t["420"] = alnum(20)                          // ship-to postal code
	t["421"] = aiSpec{min: 4, max: 12, digits: 3} // ISO country + postal code
	t["422"] = num(3, 3)                          // country of origin
	t["423"] = num(3, 15)                         // countries of initial processing
	t["424"] = num(3, 3)                          // country of processing
	t["425"] = num(3, 15)                         // countries of disassembly
	t["426"] = num(3, 3)                          // country of full process chain
	t["427"] = alnum(3)                           // country subdivision of origin
	t["7003"] = aiSpec{min: 10, max: 10, digits: 10, date: dateTimeHHMM}
	t["7006"] = aiSpec{min: 6, max: 6, digits: 6, date: dateYYMMD0} // first freeze date
	t["8005"] = num(6, 6)                                           // price per unit of measure
	t["8008"] = aiSpec{min: 8, max: 12, digits: 12, date: dateYYMMDDHH}
	t["8200"] = alnum(70) // product URL
	t["90"] = alnum(30)   // internal
	for n := '1'; n <= '9'; n++ {
		t["9"+string(n)] = alnum(90) // company internal
	}
	return t
}

// lookupAI finds the AI at the start of s.
func lookupAI(s string) (string, aiSpec, bool) {
	for n := 2; n <= 4 && n <= len(s); n++ {
		if sp, ok := aiTable[s[:n]]; ok {
			return s[:n], sp, true
		}
	}
	return "", aiSpec{}, false
}

// fixed reports whether the data field has one length only.
func (sp aiSpec) fixed() bool { return sp.min == sp.max }

// cset82 reports whether c is in GS1 AI encodable character set 82.
func cset82(c byte) bool {
	switch {
	case '0' <= c && c <= '9', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		return true
	}
	return strings.IndexByte(`!"%&'()*+,-./:;<=>?_`, c) >= 0
}

// validate checks v as the data field of AI id.
func (sp aiSpec) validate(id, v string) error {
	if len(v) < sp.min || len(v) > sp.max {
		want := strconv.Itoa(sp.max)
		if !sp.fixed() {
			want = fmt.Sprintf("%d to %d", sp.min, sp.max)
		}
		return badElement("(%s) has %d characters, want %s", id, len(v), want)
	}
	for i := 0; i < len(v); i++ {
		if i < sp.digits && !isDigit(v[i]) {
			return badElement("(%s) %q: not a digit at %d", id, v, i)
		}
		if !cset82(v[i]) {
			return badElement("(%s) %q: character 0x%02X not allowed", id, v, v[i])
		}
	}
	if sp.check && !ValidCheckDigit(v) {
		return badElement("(%s) %s: %v", id, v, ErrCheckDigit)
	}
	ok := true
	switch sp.date {
	case dateYYMMD0:
		ok = validDate(v[:6], true)
	case dateTimeHHMM:
		ok = validDate(v[:6], false) && validClock(v[6:])
	case dateYYMMDDHH:
		// Hour, then optional minutes or minutes and seconds.
		ok = validDate(v[:6], false) && (len(v) == 8 || len(v) == 10 || len(v) == 12) && validClock(v[6:])
	}
	if !ok {
		return badElement("(%s) %s: not a valid date/time", id, v)
	}
	return nil
}

// validDate checks YYMMDD digits; day 00 is allowed when zeroDay is set.
func validDate(s string, zeroDay bool) bool {
	mm, _ := strconv.Atoi(s[2:4])
	dd, _ := strconv.Atoi(s[4:6])
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	return 1 <= mm && mm <= 12 && (dd >= 1 || zeroDay && dd == 0) && dd <= days[mm]
}

// validClock checks HH, HHMM or HHMMSS digits.
func validClock(s string) bool {
	limits := []int{23, 59, 59}
	for i := 0; i+2 <= len(s); i += 2 {
		n, _ := strconv.Atoi(s[i : i+2])
		if n > limits[i/2] {
			return false
		}
	}
	return true
}

func badElement(format string, args ...any) *DecodeError {
	return refuse(ReasonBadElementString, format, args...)
}

// ParseElementString splits a GS1 element string into its AIs and checks each
// value against the AI table (length, digits, GS1 character set 82, check
// digit of keys such as (01), dates).
//
// s is either the transmitted form, with FNC1 as ASCII GS (0x1D) after
// variable-length values and an optional leading GS, or the human-readable
// form "(01)09501101531000(17)261231(10)AB-12". In the transmitted form a GS
// after a fixed-length value is tolerated. Repeating an AI with the same value
// keeps one copy; with another value, or two measures of one kind (e.g. 3102
// and 3103), is an error.
//
// Errors are *DecodeError with ReasonBadElementString.
func ParseElementString(s string) ([]AI, error) {
	if s != "" && s[0] == '(' {
		return parseHumanReadable(s)
	}
	if s != "" && s[0] == gs {
		s = s[1:]
	}
	if s == "" {
		return nil, badElement("empty")
	}
	var ais aiList
	for i := 0; i < len(s); {
		id, sp, ok := lookupAI(s[i:])
		if !ok {
			return nil, badElement("unknown AI at %d: %q", i, prefix(s[i:], 4))
		}
		i += len(id)
		var v string
		if sp.fixed() {
			if len(s)-i < sp.min {
				return nil, badElement("(%s) has %d characters, want %d", id, len(s)-i, sp.min)
			}
			v = s[i : i+sp.min]
			i += sp.min
		} else {
			n := strings.IndexByte(s[i:], gs)
			if n < 0 {
				n = len(s) - i
			}
			v = s[i : i+n]
			i += n
		}
		if i < len(s) && s[i] == gs {
			i++
		}
		if err := ais.add(id, sp, v); err != nil {
			return nil, err
		}
	}
	return ais.list, nil
}

// parseHumanReadable parses "(AI)value(AI)value…". A value runs up to the next
// "(" that starts a known "(AI)".
func parseHumanReadable(s string) ([]AI, error) {
	var ais aiList
	for i := 0; i < len(s); {
		id, n := hrAI(s[i:])
		if n == 0 {
			return nil, badElement("expected (AI) at %d: %q", i, prefix(s[i:], 6))
		}
		i += n
		j := i
		for j < len(s) {
			if _, n := hrAI(s[j:]); n > 0 {
				break
			}
			j++
		}
		if err := ais.add(id, aiTable[id], s[i:j]); err != nil {
			return nil, err
		}
		i = j
	}
	return ais.list, nil
}

// hrAI reads a known "(AI)" at the start of s and returns the AI and the
// bytes read, or 0 bytes.
func hrAI(s string) (string, int) {
	if s == "" || s[0] != '(' {
		return "", 0
	}
	for k := 3; k <= 5 && k < len(s); k++ {
		if s[k] == ')' {
			if _, ok := aiTable[s[1:k]]; ok {
				return s[1:k], k + 1
			}
			return "", 0
		}
	}
	return "", 0
}

// aiList collects parsed AIs, refusing conflicting repeats.
type aiList struct {
	list   []AI
	byID   map[string]string // AI -> value
	family map[string]string // first three digits of a measure AI (31nn–36nn, 39nn) -> AI
}

// add validates one element and appends it. An identical repeat is dropped; a
// repeat with another value, or a second AI of one measure family (3102 and
// 3103), is an error.
func (l *aiList) add(id string, sp aiSpec, v string) error {
	if err := sp.validate(id, v); err != nil {
		return err
	}
	if l.byID == nil {
		l.byID, l.family = map[string]string{}, map[string]string{}
	}
	if old, ok := l.byID[id]; ok {
		if old == v {
			return nil
		}
		return badElement("(%s) twice with different values", id)
	}
	if len(id) == 4 && (id[0] == '3' && id[1] <= '6' || id[:2] == "39") {
		if other, ok := l.family[id[:3]]; ok {
			return badElement("(%s) and (%s) together", other, id)
		}
		l.family[id[:3]] = id
	}
	l.byID[id] = v
	l.list = append(l.list, AI{ID: id, Value: v})
	return nil
}

// FormatElementString is the inverse of ParseElementString: it concatenates
// the AIs in transmitted form, with a GS after every value except the last
// unless the AI is in the GS1 predefined-length table (00–02, 11–20, 31nn–36nn,
// 410–417). Fixed-length AIs outside that table (e.g. 402, 422, 7003, 8005)
// are followed by GS too, as GS1 requires. It does not validate.
func FormatElementString(ais []AI) string {
	var b strings.Builder
	for i, a := range ais {
		b.WriteString(a.ID)
		b.WriteString(a.Value)
		if i < len(ais)-1 && !aiTable[a.ID].predefined {
			b.WriteByte(gs)
		}
	}
	return b.String()
}

// FormatHumanReadable returns the AIs as "(01)…(3103)…" for logs and staff
// screens. ParseElementString reads it back unless a value itself contains
// text like "(10)".
func FormatHumanReadable(ais []AI) string {
	var b strings.Builder
	for _, a := range ais {
		b.WriteString(a.String())
	}
	return b.String()
}

// decodeElementString builds the Code of a GS1 element string: GTIN from (01),
// weight from (310n), price from (392n)/(393n), count from (30)/(37).
func decodeElementString(sym, data string) (Code, error) {
	ais, err := ParseElementString(data)
	if err != nil {
		return Code{}, err
	}
	c := Code{Symbology: sym, Format: FormatGS1, Data: data, AIs: ais}
	counted := false
	amount := func(v string, decimals byte) *decimal.Decimal {
		n, _ := strconv.ParseInt(v, 10, 64) // at most 15 digits
		d := decimal.New(n, -int32(decimals-'0'))
		return &d
	}
	for _, a := range ais {
		switch {
		case a.ID == "01":
			c.GTIN = a.Value
		case len(a.ID) == 4 && a.ID[:3] == "310":
			c.WeightKg = amount(a.Value, a.ID[3])
		case len(a.ID) == 4 && (a.ID[:3] == "392" || a.ID[:3] == "393"):
			if c.Price != nil {
				return Code{}, badElement("(392n) and (393n) together")
			}
			v := a.Value
			if a.ID[:3] == "393" {
				c.Currency, v = v[:3], v[3:]
			}
			c.Price = amount(v, a.ID[3])
		case a.ID == "30" || a.ID == "37":
			if counted {
				return Code{}, badElement("(30) and (37) together")
			}
			counted = true
			c.Count, _ = strconv.Atoi(a.Value)
		}
	}
	switch c.GTIN {
	case "":
		return Code{}, refuse(ReasonUnknownFormat, "element string without GTIN (01)")
	case zeroGTIN:
		return Code{}, refuse(ReasonUnknownFormat, "all-zero GTIN")
	}
	c.LookupGTIN = c.GTIN
	c.Variable = c.GTIN[0] == '9'
	return c, nil
}
