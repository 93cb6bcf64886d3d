package zvt

import (
	"errors"
	"fmt"
	"io"
)

// MaxData is the largest APDU data field: the extended length is two bytes.
const MaxData = 0xFFFF

// APDU is one ZVT message: a command (class, instruction) or a reply (CCRC,
// APRC, e.g. 80 00 for "ok" and 84 xx for error xx), and its data.
type APDU struct {
	Class, Instr byte
	Data         []byte
}

// Command and reply codes used by this package.
var (
	CmdRegistration  = [2]byte{0x06, 0x00}
	CmdAuthorization = [2]byte{0x06, 0x01}
	CmdCompletion    = [2]byte{0x06, 0x0F}
	CmdAbortPT       = [2]byte{0x06, 0x1E} // the terminal ends a command unsuccessfully
	CmdRepeatReceipt = [2]byte{0x06, 0x20}
	CmdReversal      = [2]byte{0x06, 0x30}
	CmdEndOfDay      = [2]byte{0x06, 0x50}
	CmdAbort         = [2]byte{0x06, 0xB0} // the cash register asks to abort
	CmdPrintLine     = [2]byte{0x06, 0xD1}
	CmdPrintText     = [2]byte{0x06, 0xD3}
	CmdStatusInfo    = [2]byte{0x04, 0x0F}
	CmdIntermediate  = [2]byte{0x04, 0xFF}
	CmdStatusEnquiry = [2]byte{0x05, 0x01}
)

// Is reports whether a is the command cmd.
func (a APDU) Is(cmd [2]byte) bool { return a.Class == cmd[0] && a.Instr == cmd[1] }

// Ack is the positive reply 80 00 00.
func Ack() APDU { return APDU{Class: 0x80, Instr: 0x00} }

// Nack is the negative reply 84 code 00 (e.g. 0x83 unknown command, 0x9A
// garbled data, 0xA0 busy).
func Nack(code byte) APDU { return APDU{Class: 0x84, Instr: code} }

// IsAck reports whether a is the positive reply 80 00 (84 00 counts too: the
// specification allows it as a positive reply).
func IsAck(a APDU) bool { return (a.Class == 0x80 || a.Class == 0x84) && a.Instr == 0x00 }

// IsNack reports whether a is an error reply 84 xx (xx ≠ 00) and returns xx.
func IsNack(a APDU) (code byte, ok bool) {
	if a.Class == 0x84 && a.Instr != 0x00 {
		return a.Instr, true
	}
	return 0, false
}

// IsReply reports whether a is a reply (80 xx or 84 xx) rather than a command.
func IsReply(a APDU) bool { return a.Class == 0x80 || a.Class == 0x84 }

// Bytes encodes a: class, instruction, length (one byte up to 254, else FF and
// two bytes little-endian), data. Data longer than MaxData is cut to MaxData.
func (a APDU) Bytes() []byte {
	d := a.Data
	if len(d) > MaxData {
		d = d[:MaxData]
	}
	out := make([]byte, 0, 5+len(d))
	out = append(out, a.Class, a.Instr)
	if len(d) <= 254 {
		out = append(out, byte(len(d)))
	} else {
		out = append(out, 0xFF, byte(len(d)), byte(len(d)>>8))
	}
	return append(out, d...)
}

func (a APDU) String() string {
	return fmt.Sprintf("%02X %02X (%d bytes)", a.Class, a.Instr, len(a.Data))
}

// ErrShort reports an APDU cut short.
var ErrShort = errors.New("zvt: APDU cut short")

// ParseAPDU decodes one whole APDU; bytes after its data are an error.
func ParseAPDU(b []byte) (APDU, error) {
	if len(b) < 3 {
		return APDU{}, ErrShort
	}
	n, hdr := int(b[2]), 3
	if b[2] == 0xFF {
		if len(b) < 5 {
			return APDU{}, ErrShort
		}
		n, hdr = int(b[3])|int(b[4])<<8, 5
	}
	switch {
	case len(b) < hdr+n:
		return APDU{}, fmt.Errorf("%w: length %d, %d data bytes", ErrShort, n, len(b)-hdr)
	case len(b) > hdr+n:
		return APDU{}, fmt.Errorf("zvt: APDU length %d but %d data bytes", n, len(b)-hdr)
	}
	return APDU{Class: b[0], Instr: b[1], Data: append([]byte(nil), b[hdr:]...)}, nil
}

// ReadAPDU reads one APDU from a byte stream (ZVT over TCP, where APDUs are
// sent bare). It allocates no more than the data that actually arrives.
func ReadAPDU(r io.Reader) (APDU, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:3]); err != nil {
		return APDU{}, err
	}
	n := int(hdr[2])
	if hdr[2] == 0xFF {
		if _, err := io.ReadFull(r, hdr[3:5]); err != nil {
			return APDU{}, unexpected(err)
		}
		n = int(hdr[3]) | int(hdr[4])<<8
	}
	a := APDU{Class: hdr[0], Instr: hdr[1]}
	if n > 0 {
		// io.ReadAll-style growth: a lying length byte costs no memory that
		// was not sent.
		var buf []byte
		lr := io.LimitReader(r, int64(n))
		chunk := make([]byte, min(n, 4096))
		for len(buf) < n {
			k, err := lr.Read(chunk)
			buf = append(buf, chunk[:k]...)
			if err != nil && len(buf) < n {
				return APDU{}, unexpected(err)
			}
		}
		a.Data = buf
	}
	return a, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
