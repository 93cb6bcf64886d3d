package zvtsim

import (
	"fmt"
	"strings"
	"time"

	"github.com/kiosk-sco/kiosk/devices/zvt"
)

// Intermediate status codes the terminal sends (04 FF).
const (
	imInsertCard = 0x0A
	imRemoveCard = 0x0B
	imPIN        = 0x01 // look at the PIN pad
	imWait       = 0x17
	imDeclined   = 0x1D
	imOffline    = 0x2B
)

// Result codes (ZVT §10) the terminal sends.
const (
	resOK              = 0x00
	resAborted         = 0x6C
	resWrongCurrency   = 0x6F
	resNotPossible     = 0x83
	resAlreadyReversed = 0xB4
	resNoReversal      = 0xB5
	resPrinterNotReady = 0xCC
)

const eur = 978

// Test cards: only their masked numbers exist here (the VISA and
// Mastercard test cards 4761 7390 0101 0010 and 5413 3300 8901 0434).
var testCards = []struct{ pan, name string }{
	{"476173******0010", "VISA"},
	{"541333******0434", "MASTERCARD"},
}

func intermediate(code byte) zvt.APDU {
	return zvt.APDU{Class: zvt.CmdIntermediate[0], Instr: zvt.CmdIntermediate[1], Data: []byte{code}}
}

func abortPT(result byte) zvt.APDU {
	return zvt.APDU{Class: zvt.CmdAbortPT[0], Instr: zvt.CmdAbortPT[1], Data: []byte{result}}
}

func completion(data []byte) zvt.APDU {
	return zvt.APDU{Class: zvt.CmdCompletion[0], Instr: zvt.CmdCompletion[1], Data: data}
}

func num(bmp byte, v int64) zvt.Field {
	f, err := zvt.NumberField(bmp, v)
	if err != nil {
		panic(err) // every caller passes a value that fits
	}
	return f
}

func timeFields(at time.Time) zvt.Fields {
	return zvt.Fields{
		num(zvt.BMPTime, int64(at.Hour()*10000+at.Minute()*100+at.Second())),
		num(zvt.BMPDate, int64(int(at.Month())*100+at.Day())),
	}
}

// statusInfo is the 04 0F of a ledger entry: what the terminal sends once a
// payment, decline, reversal or end of day is decided, and what Repeat
// Receipt sends again.
func statusInfo(e Entry, tid string) zvt.APDU {
	result := byte(resOK)
	if e.Kind == EntryDecline {
		result = e.Result
	}
	fs := zvt.Fields{zvt.ByteField(zvt.BMPResult, result), num(zvt.BMPAmount, e.Amount), num(zvt.BMPTrace, int64(e.Trace))}
	if e.Kind == EntryReversal {
		fs = append(fs, num(zvt.BMPOrigTrace, int64(e.OrigTrace)))
	}
	fs = append(fs, timeFields(e.At)...)
	if e.PaymentType != 0 {
		fs = append(fs, zvt.ByteField(zvt.BMPPaymentType, e.PaymentType))
	}
	if e.MaskedPAN != "" {
		fs = append(fs, zvt.PANField(e.MaskedPAN))
	}
	fs = append(fs, tidField(tid))
	if e.ReceiptNo != 0 {
		fs = append(fs, num(zvt.BMPReceiptNo, int64(e.ReceiptNo)))
	}
	if e.CardName != "" {
		fs = append(fs, zvt.TextField(zvt.BMPCardName, e.CardName))
	}
	fs = append(fs, num(zvt.BMPCurrency, eur))
	return zvt.APDU{Class: zvt.CmdStatusInfo[0], Instr: zvt.CmdStatusInfo[1], Data: fs.Bytes()}
}

func tidField(tid string) zvt.Field {
	d, err := zvt.DigitsBCD(tid)
	if err != nil || len(d) != 4 {
		panic("zvtsim: terminal id " + tid) // checked by the constructors
	}
	return zvt.Field{BMP: zvt.BMPTID, Data: d}
}

// receipt is the customer receipt of an entry, as print lines.
func receipt(e Entry, tid string) []string {
	money := func(v int64) string { return fmt.Sprintf("EUR %d,%02d", v/100, v%100) }
	row := func(l, r string) string { return l + strings.Repeat(" ", max(1, 24-len(l)-len(r))) + r }
	var title, outcome string
	switch e.Kind {
	case EntryApproval:
		title, outcome = "Kartenzahlung", "Zahlung erfolgt"
		if e.Offline {
			outcome = "Zahlung erfolgt (offline)"
		}
	case EntryReversal:
		title, outcome = "Storno", "Storno erfolgt"
	case EntryDecline:
		title, outcome = "Kartenzahlung", fmt.Sprintf("Abgelehnt (%02X)", e.Result)
	case EntryEndOfDay:
		return []string{
			"Kassenschnitt",
			row("Terminal-ID", tid),
			row("Trace-Nr.", fmt.Sprintf("%06d", e.Trace)),
			e.At.Format("02.01.2006 15:04"),
			row("Anzahl", fmt.Sprint(e.Count)),
			row("Summe", money(e.Amount)),
			"Kassenschnitt erfolgreich",
		}
	}
	lines := []string{
		title,
		row("Terminal-ID", tid),
		row("Trace-Nr.", fmt.Sprintf("%06d", e.Trace)),
		row("Beleg-Nr.", fmt.Sprintf("%04d", e.ReceiptNo)),
	}
	if e.Kind == EntryReversal {
		lines = append(lines, row("Storno Beleg-Nr.", fmt.Sprintf("%04d", e.ReversalOf)))
	}
	lines = append(lines,
		e.CardName,
		row("Karte", e.MaskedPAN),
		e.At.Format("02.01.2006 15:04"),
		row("Betrag", money(e.Amount)),
		outcome,
	)
	return lines
}

// printLines makes 06 D1 print lines: attribute 00, the last line FF.
func printLines(lines []string) []zvt.APDU {
	out := make([]zvt.APDU, len(lines))
	for i, s := range lines {
		attr := byte(0x00)
		if i == len(lines)-1 {
			attr = 0xFF
		}
		out[i] = zvt.APDU{Class: zvt.CmdPrintLine[0], Instr: zvt.CmdPrintLine[1], Data: append([]byte{attr}, zvt.EncodeText(s)...)}
	}
	return out
}
