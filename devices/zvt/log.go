package zvt

import (
	"fmt"
	"strings"

	"github.com/kiosk-sco/kiosk/internal/panscan"
)

// Redact describes an APDU for a log without card data: the fields of a
// message whose BMPs parse, with card numbers masked and track data, expiry
// and CVV withheld; print lines and other data only by length.
func Redact(a APDU) string {
	head := fmt.Sprintf("%02X %02X", a.Class, a.Instr)
	if len(a.Data) == 0 {
		return head
	}
	switch {
	case a.Is(CmdStatusInfo), a.Is(CmdAuthorization), a.Is(CmdCompletion):
		if fs, err := ParseFields(a.Data); err == nil {
			return head + " " + redactFields(fs)
		}
	case a.Is(CmdIntermediate), a.Is(CmdAbortPT): // the status or result byte
		return fmt.Sprintf("%s %02X", head, a.Data[0])
	}
	return fmt.Sprintf("%s (%d bytes)", head, len(a.Data))
}

func redactFields(fs Fields) string {
	var parts []string
	for _, f := range fs {
		switch {
		case f.BMP == BMPPAN:
			p, _ := Fields{f}.PAN()
			parts = append(parts, "22="+p)
		case sensitive[f.BMP]:
			parts = append(parts, fmt.Sprintf("%02X=<withheld>", f.BMP))
		case f.BMP == BMPCardName || f.BMP == BMPText:
			parts = append(parts, fmt.Sprintf("%02X=%q", f.BMP, panscan.Mask(DecodeText(f.Data)))) // some terminals put the whole card number in a text
		case f.BMP == BMPTLV:
			parts = append(parts, fmt.Sprintf("06=(%d bytes)", len(f.Data)))
		default:
			parts = append(parts, fmt.Sprintf("%02X=%X", f.BMP, f.Data))
		}
	}
	return strings.Join(parts, " ")
}
