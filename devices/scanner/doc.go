// Package scanner drives a barcode scanner in serial mode: it frames the lines the
// scanner sends, refuses anything that is not a clean barcode, drops double reads
// and reports each scan, each refused line, and each connect and unplug, as a
// devices.Event.
//
// # Wire protocol
//
// A scanner in serial mode (RS-232, or USB-CDC showing up as /dev/ttyACMn) sends
// each decoded barcode as one line of ASCII followed by a terminator: CR, LF or
// CR LF. There is no header, no checksum and no reply; the driver never writes.
// Typical link defaults are 9600 baud, 8N1, optionally RTS/CTS (Unitech manual);
// Datalogic's RS-232 default is no header and a CR LF terminator (QuickScan Mobile
// manual). Neither serial library we may use does hardware flow control, so the
// scanner must be set to "standard RS-232, no handshake". Zebra's packetised SSI
// mode needs RTS/CTS or a wake-up command and is not supported. tarm/serial, the
// port library, sets no flow control and no modem lines.
//
// With an AIM / ISO 15424 symbology identifier enabled as prefix, each line starts
// with "]" + code letter + modifier, e.g. "]E0" EAN-13/UPC-A, "]E4" EAN-8,
// "]C1" GS1-128, "]e0" GS1 DataBar, "]d2" GS1 DataMatrix, "]Q3" GS1 QR, "]C0"
// plain Code 128. The prefix stays in devices.Scan.Data: the catalog decodes it.
// GS1 FNC1 separators arrive as ASCII GS (0x1D) and are kept.
//
// # Recommended scanner configuration
//
// The same for Datalogic and Honeywell handhelds and presentation scanners (the
// programming labels are in each model's manual; these are settings, not codes,
// and a suggestion rather than a sourced fact):
//
//   - interface: RS-232 standard (or USB-COM / USB-CDC serial), never USB keyboard
//     (HID wedge): a barcode may carry control characters that would "type"
//     hotkeys into the kiosk browser;
//   - 9600 baud, 8 data bits, no parity, 1 stop bit; handshaking/flow control off;
//   - no prefix other than the AIM identifier; suffix/terminator CR LF (CR or
//     LF alone work as well);
//   - AIM symbology identifier transmitted as prefix (its menu name differs per
//     vendor and model: "AIM ID", "label ID", "code ID"), then set
//     Config.RequireAIM so that anything without one — e.g. a scanner reset to
//     factory defaults — is refused;
//   - the scanner's own same-code delay may stay on; this driver drops doubles too.
//
// # Framing rules
//
// CR, LF and CR LF each end a line, whatever Config.Terminator says: a barcode
// never holds CR or LF, and a scanner whose suffix was set differently from the
// configuration (or reset to its factory default) must not lose scans. A CR
// directly followed by LF is one terminator. Config.Terminator is still
// accepted, for configurations written before, but no longer changes framing.
// A barcode that embeds CR or LF arrives as two lines: that is the wire
// protocol; RequireAIM makes such a forged second line need its own AIM prefix.
//
// A line is refused when it holds a control byte other than GS ("control_byte";
// DEL 0x7F counts as one), a byte from 0x80 up ("non_ascii"), lacks a valid AIM
// prefix and payload when RequireAIM is set ("no_aim"), or grows past MaxLen
// ("overlong": the line is dropped up to the next terminator and reported once,
// when it overflows, so memory stays bounded by MaxLen however long a stream
// without terminator is). A refused line is counted by reason, logged escaped
// (at most once a second per reason) and always reported as a devices.Scan
// whose Refused names the reason and whose Data is an escaped, printable
// excerpt (never a barcode to sell), so the lane can ask for the item again.
// Empty lines (a stray terminator) are ignored silently. Bytes give the same
// frames however they are chunked.
//
// A read of the same data again within Config.DoubleReadWindow of the previous
// read of it is a double read and is dropped; the window restarts with every such
// read, so a barcode held in front of the scanner counts once until it has been
// away for a whole window.
package scanner
