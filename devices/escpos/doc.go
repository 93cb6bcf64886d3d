// Package escpos drives ESC/POS receipt printers on a serial line: it encodes
// ESC/POS commands, decodes the printer's real-time status, and keeps a
// supervised session that reports faults and prints with flow control.
//
// # Layers
//
//   - Builder encodes commands byte-exact and pure. The receipt's layout is
//     package kiosk/receipt's; escpos/paper is the print engine that draws
//     what a stream prints (the preview and the simulator use it).
//   - DecodeStatus, DecodeASB and Demux turn what the printer sends into
//     conditions (Cond) and device fault and warning codes.
//   - Driver runs a Session per connection (serialport.Supervise via Run):
//     ESC @ and ESC t 19 on connect, DLE EOT polling, XON/XOFF, Print.
//
// The simulator that speaks the other end lives in escpos/printersim (demo and
// test builds only).
//
// # Protocol notes
//
// Sources: python-escpos src/escpos/constants.py and escpos.py (command bytes,
// status validity), escpos-printer-db dist/capabilities.json (code pages,
// paper widths), Epson TM-U220 manual pp. 54–55 and 82–83 (DLE EOT and ASB
// bits), Epson TM-U210 reference p. 373 and NCR 7168 help (GS V 65/66 n),
// Epson TM-T82X p. 73 (XON/XOFF), Citizen CT-S2000 p. 58 (DLE ENQ), Odoo
// printer_driver_base.py (≤255-row raster bands, check_printer_status). The
// facts taken from them follow.
//
//   - Text is sent in code page 858 (ESC t 19): CP850 with € at 0xD5. Runes the
//     page lacks print as '?', and so do control characters, so text from the
//     catalog cannot carry commands.
//   - Size is GS ! n with n = (w−1)·16 + (h−1); Font A is 12×24 dots, so 58 mm
//     paper (384 dots at 203 dpi) has 32 columns and 80 mm (576 dots) 48.
//     (A 180 dpi TM-T88V has 512 dots and 42 columns: not supported here.)
//   - Cut is GS V 65/66 0: feed to the cutter, then cut fully or partly.
//   - Raster is GS v 0 0 xL xH yL yH data, x in bytes, MSB the leftmost dot,
//     1 printed, in bands of at most 255 rows.
//   - Raster barcodes are drawn with boombuler/barcode at a whole number of dots
//     per module: a non-integer scale gives uneven bars that readers refuse
//     (checked with zbarimg). A digit-only transaction id is all Code 128 set C
//     (half the width of set B); the receipt layout picks the largest module
//     that fits the head and falls back to a QR code when none does.
//   - Native codes: GS k 73 n {C… / {B… (GS w 2–6, GS h, GS H 0) and GS ( k
//     (fn 65 model 2, 67 module size, 69 EC M, 80 store, 81 print).
//   - DLE EOT n answers one byte 0xx1xx10, valid iff (b&0x81)==0 &&
//     (b&0x12)==0x12: n=1 bit 3 offline; n=2 bit 2 cover open, bit 5 stopped
//     at paper end, bit 6 error; n=3 bit 3 autocutter, bit 5 unrecoverable,
//     bit 6 auto-recoverable (bit 2 mechanical); n=4 bits 2–3 near end, bits
//     5–6 paper end. The printer answers even when offline or its buffer is
//     full. The driver asks 1, 2, 4, and 3 only when 2 reports an error;
//     a query unanswered for ReplyTimeout is sent once more (a byte may be
//     lost on the line), and silence to both counts as unplugged and ends the
//     session.
//   - Real-time means "when the printer receives it": a query written after a
//     job waits behind the job's bytes still in the UART and on the line (a
//     20 kB receipt takes about 20 s at 9600 baud), so the wait for its reply
//     grows by the line time of the job bytes written since the last reply.
//     For the same reason the status after a job is the printer's at the time
//     it read the query; it may still be printing.
//   - ASB blocks (GS a n) are four bytes, the first 0xx1xx00, the rest 0xx0xxxx;
//     XON is 0x11 and XOFF 0x13. Demux tells them apart by these patterns and
//     passes anything else on as FrameOther. The driver does not enable ASB
//     but applies blocks it receives.
//   - Neither serial library enables IXON, so flow control is done here: after
//     XOFF the driver writes no job bytes until XON (status queries still go
//     out: they are real-time commands).
//
// # Quirks
//
//   - Epson printers act on real-time commands as the bytes arrive, even inside
//     raster data: a job whose image happens to hold 10 04 n draws a reply. The
//     driver counts such sequences as it writes and swallows that many replies
//     (waiting no longer than for a reply) before its next query.
//   - Replies left in the tty by a previous session are flushed on connect
//     when the port can Flush.
//   - Offline is reported only when no cause (cover, paper, error) explains it;
//     near end is not reported once the paper has run out.
package escpos
