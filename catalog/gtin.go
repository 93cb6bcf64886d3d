package catalog

import (
	"errors"
	"fmt"
	"strings"
)

// ErrCheckDigit reports a GTIN whose last digit does not match the rest.
var ErrCheckDigit = errors.New("check digit mismatch")

// CheckDigit computes the GS1 mod-10 check digit of payload, a string of ASCII
// digits without the check digit: weights 3,1,3,1… from the right.
func CheckDigit(payload string) (byte, error) {
	if payload == "" {
		return 0, errors.New("empty payload")
	}
	sum := 0
	for i := 0; i < len(payload); i++ {
		c := payload[len(payload)-1-i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("non-digit %q at %d", c, len(payload)-1-i)
		}
		d := int(c - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10), nil
}

// ValidCheckDigit reports whether code (digits, check digit last) is consistent.
func ValidCheckDigit(code string) bool {
	if len(code) < 2 {
		return false
	}
	c, err := CheckDigit(code[:len(code)-1])
	return err == nil && c == code[len(code)-1]
}

// NormalizeGTIN validates an 8-, 12-, 13- or 14-digit GTIN and returns it as the
// canonical GTIN-14 (left-padded with zeros).
func NormalizeGTIN(s string) (string, error) {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", fmt.Errorf("GTIN must have 8, 12, 13 or 14 digits, got %d", len(s))
	}
	if !allDigits(s) {
		return "", errors.New("GTIN must be digits only")
	}
	if !ValidCheckDigit(s) {
		return "", fmt.Errorf("GTIN %s: %w", s, ErrCheckDigit)
	}
	return strings.Repeat("0", 14-len(s)) + s, nil
}

// ShortGTIN returns the shortest usual form of a GTIN-14 for display:
// EAN-8, UPC-A/EAN-13 or GTIN-14.
func ShortGTIN(gtin14 string) string {
	if len(gtin14) != 14 {
		return gtin14
	}
	switch {
	case strings.HasPrefix(gtin14, "000000"):
		return gtin14[6:]
	case gtin14[0] == '0':
		return gtin14[1:]
	}
	return gtin14
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
