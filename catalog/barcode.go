package catalog

// Barcode decoding: one scanner line in, one Code (or a DecodeError) out.
//
// A scanner in serial mode sends each barcode as one line of ASCII, optionally
// prefixed with an AIM / ISO 15424 symbology identifier ("]E0" EAN-13/UPC-A/
// UPC-E, "]E4" EAN-8, "]I1" ITF-14, "]C1" GS1-128, "]e0" GS1 DataBar, "]d2" GS1
// DataMatrix, "]Q3" GS1 QR, "]C0" plain Code 128); a UPC-A under "]E0" arrives as
// 13 digits with a leading 0, and GS1 FNC1 separators arrive as ASCII GS (0x1D).
// Each line ends in CR, LF or CR-LF; the scanner driver frames lines on it; Decode sees one line
// without it, so a CR or LF that reaches it is refused as a control byte.

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Formats reported in Code.Format.
const (
	FormatEAN13  = "EAN-13"
	FormatEAN8   = "EAN-8"
	FormatUPCA   = "UPC-A"
	FormatUPCE   = "UPC-E"
	FormatGTIN14 = "GTIN-14"
	FormatGS1    = "GS1" // GS1 element string: GS1-128, DataBar, GS1 DataMatrix, GS1 QR
)

// DefaultMaxLen is the longest scan Decode accepts when DecodeOptions.MaxLen is 0.
const DefaultMaxLen = 128

// zeroGTIN is never assigned; scanners produce it from blank or damaged labels.
const zeroGTIN = "00000000000000"

// gs is ASCII group separator, the transmitted form of FNC1 in GS1 element strings.
const gs = '\x1d'

// Code is a decoded scan.
type Code struct {
	// Symbology is the AIM symbology identifier as received, e.g. "]E0"; with
	// DecodeOptions.LegacyLabelIDs the legacy label ID that was stripped
	// ("A", "E", "F", "FF", "#"); "" when none.
	Symbology string
	// Format is one of the Format constants.
	Format string
	// Data is the scan after the symbology identifier: printable ASCII, plus GS
	// separators in element strings.
	Data string
	// GTIN is the canonical GTIN-14 as scanned (UPC-E expanded to UPC-A first).
	GTIN string
	// LookupGTIN is the GTIN-14 to look up in the catalog. For a variable-measure
	// RCN the value digits (and the verifier digit) are zeroed and the check
	// digit recomputed; otherwise it equals GTIN.
	LookupGTIN string
	// AltLookupGTIN is the GTIN-14 of the other reading of an ambiguous scan,
	// to look up as well as LookupGTIN (the lane sells the reading its
	// catalog has, and asks staff when it has both); "" when the scan has
	// one reading. Only 8 digits without a symbology identifier have two: a
	// valid EAN-8 (Format, GTIN and LookupGTIN) that is also a valid UPC-E,
	// whose expanded UPC-A this is.
	AltLookupGTIN string
	// Variable reports a variable-measure item: an RCN matching a configured
	// layout, or a GTIN-14 with indicator digit 9.
	Variable bool
	// Price is the embedded price, if any, in the store currency (RCN) or in
	// Currency (AI 393n).
	Price *decimal.Decimal
	// WeightKg is the embedded net weight in kilograms, if any.
	WeightKg *decimal.Decimal
	// Count is the embedded count of pieces, 0 if none.
	Count int
	// AIs are the element string's application identifiers in scan order;
	// empty for plain EAN/UPC/ITF-14.
	AIs []AI
	// AddOn holds the 2- or 5-digit EAN/UPC add-on sent under "]E3" (periodical
	// issue or price supplement); it is not part of GTIN.
	AddOn string
	// Currency is the ISO 4217 numeric currency code of AI (393n), "" otherwise.
	Currency string
}

// DecodeOptions configure Decode for one store and scanner setup.
type DecodeOptions struct {
	// RCN lists the store's variable-measure layouts; nil means none, and
	// numbers with prefixes 02 and 20–29 are then ordinary store-internal GTINs.
	RCN []RCNLayout
	// LegacyLabelIDs accepts the Datalogic/PSC label-ID prefixes A (UPC-A),
	// E (UPC-E), F (EAN-13), FF (EAN-8) and # (Code 128).
	LegacyLabelIDs bool
	// MaxLen is the longest scan accepted, in bytes; 0 means DefaultMaxLen.
	MaxLen int
}

// Reason is the stable cause of a refused scan; the UI translates it.
type Reason string

// Reasons a scan is refused.
const (
	ReasonEmpty            Reason = "empty"              // nothing but spaces
	ReasonTooLong          Reason = "too_long"           // longer than DecodeOptions.MaxLen
	ReasonControlByte      Reason = "control_byte"       // byte < 0x20 or 0x7F (GS only inside element strings)
	ReasonNonASCII         Reason = "non_ascii"          // byte >= 0x80
	ReasonCheckDigit       Reason = "check_digit"        // GTIN check digit mismatch
	ReasonUnknownFormat    Reason = "unknown_format"     // not a product code we know
	ReasonBadElementString Reason = "bad_element_string" // unknown AI or bad AI value
	ReasonBadRCN           Reason = "bad_rcn"            // variable-measure number whose verifier does not match
)

// Reasons lists every Reason Decode can return, e.g. to check a translation table.
func Reasons() []Reason {
	return []Reason{
		ReasonEmpty, ReasonTooLong, ReasonControlByte, ReasonNonASCII,
		ReasonCheckDigit, ReasonUnknownFormat, ReasonBadElementString, ReasonBadRCN,
	}
}

// DecodeError is a refused scan. Reason is stable; Detail is for logs only.
type DecodeError struct {
	Reason Reason
	Detail string
}

// Error returns "barcode: <reason>: <detail>".
func (e *DecodeError) Error() string {
	if e.Detail == "" {
		return "barcode: " + string(e.Reason)
	}
	return "barcode: " + string(e.Reason) + ": " + e.Detail
}

// Is makes errors.Is(err, ErrCheckDigit) true for check-digit refusals.
func (e *DecodeError) Is(target error) bool {
	return target == ErrCheckDigit && e.Reason == ReasonCheckDigit
}

// ReasonOf returns the Reason of a *DecodeError anywhere in err's chain, or ""
// when there is none.
func ReasonOf(err error) Reason {
	var de *DecodeError
	if errors.As(err, &de) {
		return de.Reason
	}
	return ""
}

func refuse(r Reason, format string, args ...any) *DecodeError {
	return &DecodeError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// Decode turns one scanner line into a Code.
//
// raw is one line as framed by the scanner driver, without its terminator.
// ASCII spaces around it are trimmed; any other byte below 0x20, DEL and
// non-ASCII bytes are refused, and GS is accepted only inside GS1 element
// strings. An AIM symbology identifier ("]E0", "]C1", …) selects the format;
// without one the data decides:
//
//   - all digits, by length: 8 is EAN-8 when its check digit fits, else UPC-E
//     (number system 0 or 1, check digit over the expanded UPC-A); 12 is UPC-A;
//     13 is EAN-13 (UPC-A when it starts with 0); 14 is GTIN-14;
//   - data starting with GS or "(" is a GS1 element string, and so is data
//     starting with 16 digits "01…" (DataBar sent without AIM identifier);
//   - anything else is refused with ReasonUnknownFormat.
//
// Without AIM identifiers an 8-digit code can be valid both as EAN-8 and as
// UPC-E (both check digits fit): it decodes as EAN-8, and AltLookupGTIN
// carries the UPC-E reading (expanded to UPC-A) for the caller to look up when
// the EAN-8 is not in the catalog. With AIM identifiers on the scanner ("]E4"
// EAN-8, "]E0" UPC-E) there is one reading.
//
// EAN-13 and UPC-A numbers whose first two GTIN-13 digits match a prefix in
// opt.RCN are variable-measure numbers; see RCNLayout.
//
// Errors are always *DecodeError.
func Decode(raw string, opt DecodeOptions) (Code, error) {
	maxLen := opt.MaxLen
	if maxLen <= 0 {
		maxLen = DefaultMaxLen
	}
	if raw == "" {
		return Code{}, refuse(ReasonEmpty, "no data")
	}
	if len(raw) > maxLen {
		return Code{}, refuse(ReasonTooLong, "%d bytes, limit %d", len(raw), maxLen)
	}
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c >= 0x80:
			return Code{}, refuse(ReasonNonASCII, "byte 0x%02X at %d", c, i)
		case c == gs:
			// Judged below, once we know whether this is an element string.
		case c < 0x20 || c == 0x7f:
			return Code{}, refuse(ReasonControlByte, "byte 0x%02X at %d", c, i)
		}
	}
	s := strings.Trim(raw, " ")
	if s == "" {
		return Code{}, refuse(ReasonEmpty, "only spaces")
	}
	if s[0] == ']' {
		if len(s) < 3 || !isLetter(s[1]) || !isLetter(s[2]) && !isDigit(s[2]) {
			return Code{}, refuse(ReasonUnknownFormat, "malformed symbology identifier %q", prefix(s, 3))
		}
		return decodeAIM(s[:3], s[3:], opt)
	}
	if opt.LegacyLabelIDs {
		if c, ok, err := decodeLegacy(s, opt); ok {
			return c, err
		}
	}
	return decodeBare("", s, opt)
}

// decodeAIM decodes data that followed the AIM symbology identifier sym.
func decodeAIM(sym, data string, opt DecodeOptions) (Code, error) {
	if data == "" {
		return Code{}, refuse(ReasonEmpty, "no data after %s", sym)
	}
	switch sym[1:] {
	case "C1", "e0", "d2", "Q3", "J1":
		// GS1-128, GS1 DataBar, GS1 DataMatrix, GS1 QR Code, GS1 DotCode.
		return decodeElementString(sym, data)
	}
	if strings.IndexByte(data, gs) >= 0 {
		return Code{}, refuse(ReasonControlByte, "GS outside a GS1 element string (%s)", sym)
	}
	switch sym[1:] {
	case "E0": // EAN-13, UPC-A (13 digits, leading 0) or UPC-E (8 digits)
		switch {
		case !allDigits(data):
		case len(data) == 8:
			return decodeUPCE(sym, data, data)
		case len(data) == 12, len(data) == 13:
			return decodeEANUPC(sym, data, data, opt)
		}
		return Code{}, refuse(ReasonUnknownFormat, "%s with %d characters", sym, len(data))
	case "E4": // EAN-8
		if len(data) == 8 && allDigits(data) {
			return gtinCode(sym, data, data, FormatEAN8, opt)
		}
		return Code{}, refuse(ReasonUnknownFormat, "%s with %d characters", sym, len(data))
	case "E3": // EAN/UPC with add-on: main symbol then 2 or 5 add-on digits
		main := 0
		switch len(data) {
		case 13 + 2, 13 + 5:
			main = 13
		case 12 + 2, 12 + 5:
			main = 12
		case 8 + 2, 8 + 5:
			main = 8
		}
		if main == 0 || !allDigits(data) {
			return Code{}, refuse(ReasonUnknownFormat, "%s with %d characters", sym, len(data))
		}
		var c Code
		var err error
		if main == 8 {
			c, err = decodeUPCE(sym, data, data[:main])
		} else {
			c, err = decodeEANUPC(sym, data, data[:main], opt)
		}
		c.AddOn = data[main:]
		return c, err
	case "I1": // ITF-14
		if len(data) == 14 && allDigits(data) {
			return gtinCode(sym, data, data, FormatGTIN14, opt)
		}
		return Code{}, refuse(ReasonUnknownFormat, "%s with %d characters", sym, len(data))
	}
	// Plain Code 128 ("]C0"), plain QR ("]Q1") and anything else: only a bare,
	// valid GTIN is a product.
	if allDigits(data) {
		switch len(data) {
		case 8, 12, 13, 14:
			if ValidCheckDigit(data) {
				return gtinCode(sym, data, data, formatByLength(data), opt)
			}
		}
	}
	return Code{}, refuse(ReasonUnknownFormat, "%s is not a product code", sym)
}

// decodeLegacy strips a Datalogic/PSC label ID. ok is false when s does not
// start with one followed by fitting data, and the caller goes on without.
func decodeLegacy(s string, opt DecodeOptions) (c Code, ok bool, err error) {
	switch {
	case len(s) == 2+8 && s[:2] == "FF" && allDigits(s[2:]):
		c, err = gtinCode("FF", s[2:], s[2:], FormatEAN8, opt)
	case len(s) == 1+13 && s[0] == 'F' && allDigits(s[1:]):
		c, err = decodeEANUPC("F", s[1:], s[1:], opt)
	case s[0] == 'A' && allDigits(s[1:]) && (len(s) == 1+12 || len(s) == 1+13 && s[1] == '0'):
		c, err = decodeEANUPC("A", s[1:], s[1:], opt)
	case len(s) == 1+8 && s[0] == 'E' && allDigits(s[1:]):
		c, err = decodeUPCE("E", s[1:], s[1:])
	case s[0] == '#':
		if len(s) == 1 {
			return Code{}, true, refuse(ReasonEmpty, "no data after label ID #")
		}
		c, err = decodeBare("#", s[1:], opt)
	default:
		return Code{}, false, nil
	}
	return c, true, err
}

// decodeBare decodes data that came without AIM symbology identifier.
func decodeBare(sym, data string, opt DecodeOptions) (Code, error) {
	if data[0] == gs || data[0] == '(' ||
		len(data) >= 16 && data[:2] == "01" && allDigits(data[:16]) {
		return decodeElementString(sym, data)
	}
	if strings.IndexByte(data, gs) >= 0 {
		return Code{}, refuse(ReasonControlByte, "GS outside a GS1 element string")
	}
	if !allDigits(data) {
		return Code{}, refuse(ReasonUnknownFormat, "not digits: %q", prefix(data, 20))
	}
	switch len(data) {
	case 8:
		if ValidCheckDigit(data) {
			c, err := gtinCode(sym, data, data, FormatEAN8, opt)
			if err == nil && sym == "" {
				// Also a UPC-E? Only a symbology identifier could tell.
				if upce, err := decodeUPCE(sym, data, data); err == nil && upce.GTIN != c.LookupGTIN {
					c.AltLookupGTIN = upce.GTIN
				}
			}
			return c, err
		}
		if data[0] == '0' || data[0] == '1' {
			if c, err := decodeUPCE(sym, data, data); err == nil {
				return c, nil
			}
		}
		return Code{}, refuse(ReasonCheckDigit, "%s is neither EAN-8 nor UPC-E", data)
	case 12, 13:
		return decodeEANUPC(sym, data, data, opt)
	case 14:
		return gtinCode(sym, data, data, FormatGTIN14, opt)
	}
	return Code{}, refuse(ReasonUnknownFormat, "%d digits is no GTIN length", len(data))
}

// decodeEANUPC decodes a 12- or 13-digit EAN/UPC number; 13 digits with a
// leading 0 are a UPC-A sent in EAN-13 form.
func decodeEANUPC(sym, data, digits string, opt DecodeOptions) (Code, error) {
	format := FormatEAN13
	if len(digits) == 12 || digits[0] == '0' {
		format = FormatUPCA
	}
	return gtinCode(sym, data, digits, format, opt)
}

// decodeUPCE decodes an 8-digit UPC-E number.
func decodeUPCE(sym, data, digits string) (Code, error) {
	upca, err := ExpandUPCE(digits)
	switch {
	case errors.Is(err, ErrCheckDigit):
		return Code{}, refuse(ReasonCheckDigit, "UPC-E %s", digits)
	case err != nil:
		return Code{}, refuse(ReasonUnknownFormat, "%v", err)
	}
	gtin := "00" + upca
	if gtin == zeroGTIN {
		return Code{}, refuse(ReasonUnknownFormat, "all-zero GTIN")
	}
	return Code{Symbology: sym, Format: FormatUPCE, Data: data, GTIN: gtin, LookupGTIN: gtin}, nil
}

// gtinCode builds the Code of a plain GTIN of 8, 12, 13 or 14 digits,
// checking its check digit and applying the store's RCN layouts.
func gtinCode(sym, data, digits, format string, opt DecodeOptions) (Code, error) {
	if !ValidCheckDigit(digits) {
		want, _ := CheckDigit(digits[:len(digits)-1])
		return Code{}, refuse(ReasonCheckDigit, "%s: check digit %c, want %c", digits, digits[len(digits)-1], want)
	}
	gtin := strings.Repeat("0", 14-len(digits)) + digits
	if gtin == zeroGTIN {
		return Code{}, refuse(ReasonUnknownFormat, "all-zero GTIN")
	}
	c := Code{
		Symbology:  sym,
		Format:     format,
		Data:       data,
		GTIN:       gtin,
		LookupGTIN: gtin,
		Variable:   gtin[0] == '9',
	}
	if format == FormatEAN13 || format == FormatUPCA {
		if err := applyRCN(&c, opt.RCN); err != nil {
			return Code{}, err
		}
	}
	return c, nil
}

func formatByLength(digits string) string {
	switch len(digits) {
	case 8:
		return FormatEAN8
	case 12:
		return FormatUPCA
	case 13:
		if digits[0] == '0' {
			return FormatUPCA
		}
		return FormatEAN13
	}
	return FormatGTIN14
}

// ExpandUPCE expands an 8-digit UPC-E number (number system 0 or 1, six
// digits, check digit) to the 12-digit UPC-A it stands for (GS1 General
// Specifications 5.2.2.4.2). The check digit is that of the UPC-A; a mismatch
// is reported as an error wrapping ErrCheckDigit.
func ExpandUPCE(upce string) (string, error) {
	if len(upce) != 8 || !allDigits(upce) {
		return "", fmt.Errorf("UPC-E must be 8 digits, got %q", prefix(upce, 20))
	}
	if upce[0] != '0' && upce[0] != '1' {
		return "", fmt.Errorf("UPC-E %s: number system %c, want 0 or 1", upce, upce[0])
	}
	payload := expandUPCEPayload(upce[:7])
	check, _ := CheckDigit(payload)
	if check != upce[7] {
		return "", fmt.Errorf("UPC-E %s: %w", upce, ErrCheckDigit)
	}
	return payload + string(check), nil
}

// expandUPCEPayload expands "N d1 d2 d3 d4 d5 d6" to the 11-digit UPC-A
// payload (without check digit), by d6.
func expandUPCEPayload(s string) string {
	n, d := s[:1], s[1:7]
	switch d[5] {
	case '0', '1', '2':
		return n + d[0:2] + d[5:6] + "0000" + d[2:5]
	case '3':
		return n + d[0:3] + "00000" + d[3:5]
	case '4':
		return n + d[0:4] + "00000" + d[4:5]
	}
	return n + d[0:5] + "0000" + d[5:6]
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' }

// prefix returns at most the first n bytes of s, for error details.
func prefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
