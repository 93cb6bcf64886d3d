package zvt

import (
	"errors"
	"fmt"
)

// Terminal status codes of a Status Enquiry's Completion.
const (
	StatusReady          = 0x00
	StatusInitNeeded     = 0x51
	StatusPrinterNotRdy  = 0xCC
	StatusCardInserted   = 0xDC
	StatusOutOfOrder     = 0xDF
	StatusReconciliation = 0xF0
)

// StatusReport is the Completion 06 0F that answers a Status Enquiry 05 01:
// the terminal's software version (ASCII), its status byte, and an optional
// TLV container.
type StatusReport struct {
	Version string
	Code    byte
	TLV     []TLV
}

// Data encodes the report as a Completion's data: version, status byte,
// then 06 and the container when there is one.
func (s StatusReport) Data() []byte {
	out := EncodeText(s.Version)
	out = append(out, s.Code)
	if s.TLV != nil {
		out = append(out, Fields{TLVField(s.TLV)}.Bytes()...)
	}
	return out
}

// ParseStatusCompletion reads a Status Enquiry's Completion data. The
// software version is printable ASCII, so data that starts with a byte
// outside it is read as BMPs instead and the status byte taken from BMP 19.
// Otherwise the status byte is the one before a trailing 06 container that
// spans exactly to the end, or the last byte.
func ParseStatusCompletion(data []byte) (StatusReport, error) {
	if len(data) == 0 {
		return StatusReport{}, errors.New("zvt: status completion without status")
	}
	if data[0] < 0x20 || data[0] > 0x7E {
		fs, err := ParseFields(data)
		if err != nil {
			return StatusReport{}, fmt.Errorf("zvt: status completion: %w", err)
		}
		code, ok := fs.Byte(BMPPaymentType)
		if !ok {
			return StatusReport{}, errors.New("zvt: status completion without status byte")
		}
		objs, _ := fs.TLV()
		return StatusReport{Code: code, TLV: objs}, nil
	}
	end := len(data) - 1
	var objs []TLV
	for i := 1; i < len(data)-1; i++ {
		if data[i] != BMPTLV {
			continue
		}
		n, k, err := berLength(data[i+1:])
		if err != nil || i+1+k+n != len(data) {
			continue
		}
		o, err := ParseTLV(data[i+1+k:])
		if err != nil {
			continue
		}
		end, objs = i-1, o
		break
	}
	return StatusReport{Version: DecodeText(data[:end]), Code: data[end], TLV: objs}, nil
}
