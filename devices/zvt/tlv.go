package zvt

import (
	"errors"
	"fmt"
)

// TLV is one BER-TLV object of a BMP 06 container. Tag holds the tag bytes as
// a number (26, 1F1F, …). A constructed tag (bit 0x20 of its first byte, e.g.
// 26 the list of commands) has its objects in Children and Value nil.
type TLV struct {
	Tag      uint32
	Value    []byte
	Children []TLV
}

// ZVT TLV tags used here.
const (
	TagCommands    = 0x26   // constructed: the commands the cash register accepts
	TagCommand     = 0x0A   // one command, 2 bytes (inside 26)
	TagReceiptSync = 0x1F1F // last receipt number the cash register has seen
	TagPrintTexts  = 0x25   // constructed: print texts (inside 06 D3)
	TagTextLine    = 0x07   // one text line
)

// maxTLVDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxTLVDepth = 8

// ParseTLV decodes a sequence of BER-TLV objects. Lengths are checked against
// the bytes present; values share b's storage.
func ParseTLV(b []byte) ([]TLV, error) { return parseTLV(b, 0) }

func parseTLV(b []byte, depth int) ([]TLV, error) {
	if depth > maxTLVDepth {
		return nil, errors.New("zvt: TLV nested too deep")
	}
	var out []TLV
	for i := 0; i < len(b); {
		start := i
		first := b[i]
		tag := uint32(first)
		i++
		if first&0x1F == 0x1F {
			for {
				if i >= len(b) {
					return out, fmt.Errorf("zvt: TLV tag cut short at offset %d", start)
				}
				if tag > 0xFFFFFF {
					return out, fmt.Errorf("zvt: TLV tag too long at offset %d", start)
				}
				tag = tag<<8 | uint32(b[i])
				i++
				if b[i-1]&0x80 == 0 {
					break
				}
			}
		}
		n, k, err := berLength(b[i:])
		if err != nil {
			return out, fmt.Errorf("zvt: TLV %X: %w", tag, err)
		}
		i += k
		if len(b)-i < n {
			return out, fmt.Errorf("zvt: TLV %X: %d bytes wanted, %d left", tag, n, len(b)-i)
		}
		v := b[i : i+n : i+n]
		i += n
		t := TLV{Tag: tag}
		if first&0x20 != 0 {
			t.Children, err = parseTLV(v, depth+1)
			if err != nil {
				return out, err
			}
			if t.Children == nil {
				t.Children = []TLV{}
			}
		} else {
			t.Value = v
		}
		out = append(out, t)
	}
	return out, nil
}

// EncodeTLV encodes objects; a constructed tag's Children become its value.
func EncodeTLV(objs []TLV) []byte {
	var out []byte
	for _, t := range objs {
		out = appendTag(out, t.Tag)
		v := t.Value
		if t.Children != nil || tagConstructed(t.Tag) {
			v = EncodeTLV(t.Children)
		}
		out = appendBERLength(out, len(v))
		out = append(out, v...)
	}
	return out
}

func tagConstructed(tag uint32) bool {
	for tag > 0xFF {
		tag >>= 8
	}
	return tag&0x20 != 0
}

func appendTag(out []byte, tag uint32) []byte {
	switch {
	case tag > 0xFFFFFF:
		return append(out, byte(tag>>24), byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFFFF:
		return append(out, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFF:
		return append(out, byte(tag>>8), byte(tag))
	}
	return append(out, byte(tag))
}

// Find returns the first object with tag, searching children depth first.
func Find(objs []TLV, tag uint32) (TLV, bool) {
	for _, t := range objs {
		if t.Tag == tag {
			return t, true
		}
		if c, ok := Find(t.Children, tag); ok {
			return c, true
		}
	}
	return TLV{}, false
}

// berLength reads a BER length: one byte below 0x80, or 81 n, or 82 n n
// (big-endian). It returns the length and the bytes it took.
func berLength(b []byte) (n, k int, err error) {
	if len(b) == 0 {
		return 0, 0, errors.New("length cut short")
	}
	switch c := b[0]; {
	case c < 0x80:
		return int(c), 1, nil
	case c == 0x81:
		if len(b) < 2 {
			return 0, 0, errors.New("length cut short")
		}
		return int(b[1]), 2, nil
	case c == 0x82:
		if len(b) < 3 {
			return 0, 0, errors.New("length cut short")
		}
		return int(b[1])<<8 | int(b[2]), 3, nil
	default:
		return 0, 0, fmt.Errorf("bad length byte %02X", c)
	}
}

func appendBERLength(out []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(out, byte(n))
	case n <= 0xFF:
		return append(out, 0x81, byte(n))
	}
	return append(out, 0x82, byte(n>>8), byte(n))
}
