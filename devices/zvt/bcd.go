package zvt

import (
	"fmt"
	"strings"
)

// EncodeBCD writes v as n bytes of packed BCD, most significant digit first
// (10.50 € in minor units, 1050, as 6 bytes: 00 00 00 00 10 50). It fails
// when v is negative or has more than 2n digits.
func EncodeBCD(v int64, n int) ([]byte, error) {
	if v < 0 {
		return nil, fmt.Errorf("zvt: negative BCD value %d", v)
	}
	out := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		out[i] = byte(v%10) | byte(v/10%10)<<4
		v /= 100
	}
	if v != 0 {
		return nil, fmt.Errorf("zvt: value does not fit %d BCD bytes", n)
	}
	return out, nil
}

// DecodeBCD reads packed BCD; a nibble above 9 is an error. At most 18 digits.
func DecodeBCD(b []byte) (int64, error) {
	if len(b) > 9 {
		return 0, fmt.Errorf("zvt: %d BCD bytes is too many", len(b))
	}
	var v int64
	for _, c := range b {
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return 0, fmt.Errorf("zvt: bad BCD byte %02X", c)
		}
		v = v*100 + int64(hi)*10 + int64(lo)
	}
	return v, nil
}

// BCDDigits reads packed BCD as a digit string, keeping leading zeros
// (a terminal id 4 bytes 12 34 56 78 → "12345678").
func BCDDigits(b []byte) (string, error) {
	var sb strings.Builder
	for _, c := range b {
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return "", fmt.Errorf("zvt: bad BCD byte %02X", c)
		}
		sb.WriteByte('0' + hi)
		sb.WriteByte('0' + lo)
	}
	return sb.String(), nil
}

// DigitsBCD packs a digit string of length 2n into n bytes of BCD.
func DigitsBCD(s string) ([]byte, error) {
	if len(s)%2 != 0 {
		s = "0" + s
	}
	out := make([]byte, len(s)/2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("zvt: %q is not digits", s)
		}
		out[i/2] |= (c - '0') << (4 * (1 - i%2))
	}
	return out, nil
}
