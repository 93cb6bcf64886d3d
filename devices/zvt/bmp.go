package zvt

import (
	"errors"
	"fmt"
	"strings"
)

// BMP numbers (ZVT "bitmaps": one byte naming the field that follows).
const (
	BMPTimeout      = 0x01 // 1 byte, seconds
	BMPMaxStatus    = 0x02 // 1 byte
	BMPServiceByte  = 0x03 // 1 byte; bit 0 lets Repeat Receipt re-send the last status information
	BMPAmount       = 0x04 // 6 bytes BCD, minor units
	BMPTLV          = 0x06 // BER-TLV container, BER length
	BMPTrace        = 0x0B // 3 bytes BCD
	BMPTime         = 0x0C // 3 bytes BCD hhmmss
	BMPDate         = 0x0D // 2 bytes BCD MMDD
	BMPExpiry       = 0x0E // 2 bytes BCD YYMM: card data, never kept
	BMPSeqNo        = 0x17 // 2 bytes BCD card sequence number
	BMPPaymentType  = 0x19 // 1 byte: payment type, or status byte in a completion
	BMPPAN          = 0x22 // LLVAR BCD, masked digits E, odd length padded F
	BMPTrack2       = 0x23 // LLVAR: card data, never kept
	BMPTrack3       = 0x24 // LLLVAR: card data, never kept
	BMPResult       = 0x27 // 1 byte result code, 00 ok
	BMPTID          = 0x29 // 4 bytes BCD terminal id
	BMPVUNumber     = 0x2A // 15 bytes ASCII
	BMPTrack1       = 0x2D // LLVAR: card data, never kept
	BMPOrigTrace    = 0x37 // 3 bytes BCD trace of the reversed payment
	BMPCVV          = 0x3A // 2 bytes BCD: card data, never kept
	BMPAID          = 0x3B // 8 bytes
	BMPText         = 0x3C // LLLVAR additional text
	BMPPassword     = 0x3D // 3 bytes BCD
	BMPCurrency     = 0x49 // 2 bytes BCD ISO 4217 numeric (09 78 EUR)
	BMPReceiptNo    = 0x87 // 2 bytes BCD
	BMPTurnoverNo   = 0x88 // 3 bytes BCD
	BMPCardType     = 0x8A // 1 byte
	BMPCardName     = 0x8B // LLVAR ASCII, null-terminated
	BMPCardTypeID   = 0x8C // 1 byte
	BMPResultAS     = 0xA0 // 1 byte host result code
	BMPDateFull     = 0xAA // 3 bytes BCD YYMMDD
	BMPSingleTotals = 0x60 // LLLVAR
)

// Length formats of BMPs.
const (
	lenLL  = -1 // two bytes Fx Fy: length xy
	lenLLL = -2 // three bytes Fx Fy Fz
	lenBER = -3 // BER-TLV length: 1 byte < 0x80, 81 xx, 82 xx xx
)

// bmpLen is the length of each BMP this package knows: a positive fixed size or
// a variable-length format. A BMP not listed cannot be skipped: its length is
// unknown.
var bmpLen = map[byte]int{
	0x01: 1, 0x02: 1, 0x03: 1, 0x04: 6, 0x05: 1, 0x06: lenBER,
	0x0B: 3, 0x0C: 3, 0x0D: 2, 0x0E: 2, 0x17: 2, 0x19: 1,
	0x22: lenLL, 0x23: lenLL, 0x24: lenLLL, 0x27: 1, 0x29: 4, 0x2A: 15,
	0x2D: lenLL, 0x2E: lenLLL, 0x37: 3, 0x3A: 2, 0x3B: 8, 0x3C: lenLLL,
	0x3D: 3, 0x49: 2, 0x60: lenLLL, 0x87: 2, 0x88: 3, 0x8A: 1, 0x8B: lenLL,
	0x8C: 1, 0x92: lenLLL, 0x9A: lenLLL, 0xA0: 1, 0xA7: lenLL, 0xAA: 3,
	0xAF: lenLLL, 0xBA: 5, 0xD0: 1, 0xD1: 1, 0xD2: 1, 0xD3: 1, 0xE0: 1,
	0xE1: lenLL, 0xE2: lenLL, 0xE3: lenLL, 0xE4: lenLL, 0xE5: lenLL,
	0xE6: lenLL, 0xE7: lenLL, 0xE8: lenLL, 0xE9: lenLL, 0xF0: 1,
	0xF1: lenLL, 0xF2: lenLL, 0xF3: lenLL, 0xF4: lenLL, 0xF5: lenLL,
	0xF6: lenLL, 0xF7: lenLL, 0xF8: lenLL,
}

// sensitive BMPs carry card data that must never be kept or logged.
var sensitive = map[byte]bool{BMPExpiry: true, BMPTrack2: true, BMPTrack3: true, BMPTrack1: true, BMPCVV: true}

// Field is one BMP and its value (without the length prefix of a variable field).
type Field struct {
	BMP  byte
	Data []byte
}

// Fields is the BMP part of an APDU's data, in order.
type Fields []Field

// ErrUnknownBMP reports a BMP whose length this package does not know, so the
// fields after it cannot be found.
var ErrUnknownBMP = errors.New("zvt: unknown BMP")

// ParseFields decodes a sequence of BMPs. Each variable length is checked
// against the bytes present before anything is taken, so a lying length costs
// no memory; the values share b's storage.
func ParseFields(b []byte) (Fields, error) {
	var fs Fields
	for i := 0; i < len(b); {
		bmp := b[i]
		i++
		kind, ok := bmpLen[bmp]
		if !ok {
			return fs, fmt.Errorf("%w %02X at offset %d", ErrUnknownBMP, bmp, i-1)
		}
		n := kind
		switch kind {
		case lenLL, lenLLL:
			digits := 2
			if kind == lenLLL {
				digits = 3
			}
			if len(b)-i < digits {
				return fs, fmt.Errorf("zvt: BMP %02X: length cut short", bmp)
			}
			n = 0
			for _, c := range b[i : i+digits] {
				if c>>4 != 0xF || c&0x0F > 9 {
					return fs, fmt.Errorf("zvt: BMP %02X: bad length byte %02X", bmp, c)
				}
				n = n*10 + int(c&0x0F)
			}
			i += digits
		case lenBER:
			var k int
			var err error
			n, k, err = berLength(b[i:])
			if err != nil {
				return fs, fmt.Errorf("zvt: BMP %02X: %w", bmp, err)
			}
			i += k
		}
		if len(b)-i < n {
			return fs, fmt.Errorf("zvt: BMP %02X: %d bytes wanted, %d left", bmp, n, len(b)-i)
		}
		fs = append(fs, Field{BMP: bmp, Data: b[i : i+n : i+n]})
		i += n
	}
	return fs, nil
}

// Bytes encodes the fields, each with the length prefix its BMP takes. A
// variable field longer than its format holds is cut; a fixed-size field is
// written as it is (the constructors below make it the right size); a BMP of
// unknown length is written bare.
func (fs Fields) Bytes() []byte {
	var out []byte
	for _, f := range fs {
		out = append(out, f.BMP)
		d := f.Data
		switch bmpLen[f.BMP] {
		case lenLL:
			d = d[:min(len(d), 99)]
			out = append(out, 0xF0|byte(len(d)/10), 0xF0|byte(len(d)%10))
		case lenLLL:
			d = d[:min(len(d), 999)]
			out = append(out, 0xF0|byte(len(d)/100), 0xF0|byte(len(d)/10%10), 0xF0|byte(len(d)%10))
		case lenBER:
			d = d[:min(len(d), 0xFFFF)]
			out = appendBERLength(out, len(d))
		}
		out = append(out, d...)
	}
	return out
}

// Get returns the value of the first field bmp.
func (fs Fields) Get(bmp byte) ([]byte, bool) {
	for _, f := range fs {
		if f.BMP == bmp {
			return f.Data, true
		}
	}
	return nil, false
}

// Byte returns a one-byte field.
func (fs Fields) Byte(bmp byte) (byte, bool) {
	d, ok := fs.Get(bmp)
	if !ok || len(d) != 1 {
		return 0, false
	}
	return d[0], true
}

// Number returns a BCD field as a number; false when absent or not BCD.
func (fs Fields) Number(bmp byte) (int64, bool) {
	d, ok := fs.Get(bmp)
	if !ok {
		return 0, false
	}
	v, err := DecodeBCD(d)
	return v, err == nil
}

// Digits returns a BCD field as digits, leading zeros kept.
func (fs Fields) Digits(bmp byte) (string, bool) {
	d, ok := fs.Get(bmp)
	if !ok {
		return "", false
	}
	s, err := BCDDigits(d)
	return s, err == nil
}

// Text returns a text field up to its first NUL, control bytes dropped and
// bytes above 0x7F read as code page 437 (the terminals' character set).
func (fs Fields) Text(bmp byte) (string, bool) {
	d, ok := fs.Get(bmp)
	if !ok {
		return "", false
	}
	return DecodeText(d), true
}

// PAN returns BMP 22 as digits with '*' for every masked digit, and then
// masked again so that at most the first 6 and the last 4 digits show, even
// when a terminal sent more.
func (fs Fields) PAN() (string, bool) {
	d, ok := fs.Get(BMPPAN)
	if !ok {
		return "", false
	}
	var sb strings.Builder
	for i, c := range d {
		for j, nib := range [2]byte{c >> 4, c & 0x0F} {
			switch {
			case nib <= 9:
				sb.WriteByte('0' + nib)
			case nib == 0xF && i == len(d)-1 && j == 1:
			case nib == 0xF:
				// padding only at the end; elsewhere it hides a digit
				sb.WriteByte('*')
			default:
				sb.WriteByte('*')
			}
		}
	}
	return MaskPAN(sb.String()), true
}

// TLV returns the objects of the BMP 06 container.
func (fs Fields) TLV() ([]TLV, error) {
	d, ok := fs.Get(BMPTLV)
	if !ok {
		return nil, nil
	}
	return ParseTLV(d)
}

// MaskPAN keeps at most the first 6 and the last 4 digits of a card number
// (PCI DSS 3.4.1) and turns every other character into '*'; a number of 13
// digits or fewer shows only its last 4.
func MaskPAN(pan string) string {
	b := []byte(pan)
	keepHead := 6
	if len(b) <= 13 {
		keepHead = 0
	}
	for i := range b {
		if i >= keepHead && i < len(b)-4 || b[i] < '0' || b[i] > '9' {
			b[i] = '*'
		}
	}
	return string(b)
}

// ByteField makes a one-byte field.
func ByteField(bmp, v byte) Field { return Field{BMP: bmp, Data: []byte{v}} }

// NumberField makes a fixed-size BCD field (amount, trace, receipt number,
// terminal id, currency, …); it fails when bmp is not fixed-size or v does not fit.
func NumberField(bmp byte, v int64) (Field, error) {
	n := bmpLen[bmp]
	if n <= 0 {
		return Field{}, fmt.Errorf("zvt: BMP %02X has no fixed size", bmp)
	}
	d, err := EncodeBCD(v, n)
	if err != nil {
		return Field{}, fmt.Errorf("zvt: BMP %02X: %w", bmp, err)
	}
	return Field{BMP: bmp, Data: d}, nil
}

// TextField makes a text field (LLVAR/LLLVAR); card names get their NUL.
func TextField(bmp byte, s string) Field {
	d := EncodeText(s)
	if bmp == BMPCardName {
		d = append(d, 0)
	}
	return Field{BMP: bmp, Data: d}
}

// PANField makes BMP 22 from a masked card number: '*' becomes the masked
// nibble E, an odd length is padded with F. Any digit the mask rules would
// hide (beyond the first 6 and last 4) is masked first, so a full card
// number cannot be sent by mistake.
func PANField(pan string) Field {
	pan = MaskPAN(pan)
	var d []byte
	for i := 0; i < len(pan); i += 2 {
		hi := nibble(pan[i])
		lo := byte(0xF)
		if i+1 < len(pan) {
			lo = nibble(pan[i+1])
		}
		d = append(d, hi<<4|lo)
	}
	return Field{BMP: BMPPAN, Data: d}
}

func nibble(c byte) byte {
	if c >= '0' && c <= '9' {
		return c - '0'
	}
	return 0xE
}

// TLVField makes BMP 06 from TLV objects.
func TLVField(objs []TLV) Field { return Field{BMP: BMPTLV, Data: EncodeTLV(objs)} }

// cp437 maps the code page 437 bytes German receipts use.
var cp437 = map[byte]rune{
	0x81: 'ü', 0x84: 'ä', 0x8E: 'Ä', 0x94: 'ö', 0x99: 'Ö', 0x9A: 'Ü', 0xE1: 'ß',
	0x82: 'é', 0x85: 'à', 0x87: 'ç', 0x8A: 'è', 0x9C: '£', 0xF8: '°',
}

// DecodeText reads terminal text: up to the first NUL, control bytes dropped,
// code page 437 letters turned into runes, other high bytes into '?'.
func DecodeText(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch r, ok := cp437[c]; {
		case c == 0:
			return sb.String()
		case ok:
			sb.WriteRune(r)
		case c < 0x20 || c == 0x7F:
		case c > 0x7F:
			sb.WriteByte('?')
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// EncodeText writes s in code page 437 as far as DecodeText reads it; other
// runes become '?'.
func EncodeText(s string) []byte {
	var out []byte
	for _, r := range s {
		switch {
		case r >= 0x20 && r < 0x7F:
			out = append(out, byte(r))
		default:
			c := byte('?')
			for k, v := range cp437 {
				if v == r {
					c = k
				}
			}
			out = append(out, c)
		}
	}
	return out
}
