// Package zvtsim is a simulated ZVT card terminal (the terminal's side of
// the protocol) on a pseudo-terminal or a TCP port, scripted per payment
// and keeping a durable ledger of what it charged.
//
// It speaks through package zvt's codec and link layers: on a
// pseudo-terminal the serial link (DLE STX … DLE ETX CRC frames, ACK/NAK,
// repeats) behind a stable symlink that can be unplugged and replugged; on
// TCP bare APDUs, one cash register connection at a time.
//
// What the terminal does (ZVT PA00P015 13.08, from the terminal's side):
//
//   - Registration 06 00: remembers the config byte (0x08: send 04 FF
//     intermediate statuses; 0x80 or 0x02: send receipts as 06 D1 print
//     lines) and the service byte (BMP 03, bit 0: Repeat Receipt re-sends
//     the last 04 0F); answers 80 00, then Completion 06 0F [19 status][29
//     terminal id][49 currency]. Before Registration and after Log-Off 06 02
//     it behaves as with config 0x86 and service byte 00.
//   - Authorization 06 01 (04 amount required, 49 currency 0978 if given):
//     80 00; 04 FF 0A insert card; [04 FF 01 PIN from 50.00 on]; 04 FF 17
//     wait; [2B offline]; 04 FF 0B remove card; 04 0F status information (27
//     result, 04 amount, 0B trace, 0C/0D time/date, 19 payment type 40
//     offline / 60 online / 70 PIN, 22 masked card number, 29 terminal id,
//     87 receipt number, 8B card name, 49 currency); it waits T3 for the 80
//     00, then sends the receipt lines and Completion 06 0F. A decline sends
//     04 0F with its result and ends with Abort 06 1E and that result.
//     Every message it sends as master waits T3 for the 80 00 (a 04 FF
//     left unanswered is let pass: it only informs); 84 9C makes it send the
//     message again; a command other than 06 B0 meanwhile is answered 84 A0
//     (busy).
//   - Abort 06 B0 from the cash register is granted (80 00, then 06 1E 6C)
//     until the card is read, refused with 84 83 00 after that.
//   - Status Enquiry 05 01: 80 00, then Completion with the software version
//     and the terminal status byte (00 ready, CC printer not ready, DF out of
//     order, …).
//   - Repeat Receipt 06 20: the last 04 0F again (only when the service byte
//     allowed it), the receipt lines, Completion; 06 1E 83 when there was no
//     payment yet. After an automatic reversal the last 04 0F is the
//     reversal's, which carries BMP 37.
//   - Reversal 06 30 (password, 87 receipt number, optional 04 amount):
//     reverses a payment since the last end of day with its own trace and
//     receipt number, BMP 37 the original trace; unknown receipt number or
//     wrong amount → 06 1E B5, already reversed → 06 1E B4.
//   - End-of-Day 06 50: 04 0F with the day's net total, receipt, Completion.
//   - Any other command → 84 83 00.
//
// Where it simplifies: receipts go only as 06 D1 lines (never 06 D3 text
// blocks), one customer copy; the password is not checked; TLV containers
// the cash register sends are ignored; a declined payment gets a trace
// number but no receipt number.
//
// An approval whose 04 0F the cash register did not acknowledge within T3
// (or never received) is kept or reversed by the terminal, as
// Options.Unacked says: the specification says both (§2.2.8 and chapter 4).
//
// The ledger is a file of JSON lines: every approval, decline, reversal,
// end of day and acknowledgement is appended and synced before the cash
// register hears of it, and read back when a terminal starts on the same
// file, so trace and receipt numbers continue and a test can count charges
// across a restart. A last line cut short by a crash is dropped on reload.
// It is an append-only journal, so it is not rewritten through a temporary
// file.
//
// The terminal never sees a card: it uses the masked numbers of public test
// cards and sends nothing but masked numbers.
package zvtsim
