package receipt

import (
	"time"

	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/i18n"
)

// TestPage lays out the page staff print to see that the printer works: the
// lane and the time, the code page (umlauts, €, ñ), bold and double size, a
// Code 128 and a QR code chosen to fit as a receipt's are, and the cut.
func TestPage(lane, lang string, now time.Time, p Paper) Layout {
	l := newLayout(p)
	l.align(escpos.AlignCenter).bold(true).double(true)
	l.wrapped(i18n.T(lang, "receipt.testPage"))
	l.double(false).bold(false)
	l.wrapped(printable(i18n.T(lang, "header.lane", "lane", lane)))
	l.line(now.Format("2006-01-02 15:04:05"))
	l.blank()
	l.wrapped(printable("äöü ÄÖÜ ß € · ñ Ñ ¿ ¡ é è"))
	l.bold(true)
	l.line("bold")
	l.bold(false)
	l.double(true)
	l.line("2x")
	l.double(false)
	l.blank()
	l.txnCode("0123456789")
	l.blank()
	if !l.qr(printable("kiosk test page " + lane)) {
		l.wrapped("QR?")
	}
	l.align(escpos.AlignLeft).feed(3).cut()
	return l
}
