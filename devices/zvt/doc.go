// Package zvt speaks ZVT, the German card-terminal protocol, from the cash
// register's side: an APDU, BMP and TLV codec, the serial and TCP link
// layers (usable from either end), and a Terminal that implements
// devices.PaymentTerminal.
//
// # Wire facts
//
// Sources: ZVT specification PA00P015 13.08 and PA00P016_03, cross-checked
// with Portalum.Zvt and wirelane/ecrterm.
//
//   - An APDU is CLASS INSTR (CCRC APRC for a reply) LENGTH DATA; the length
//     is one byte up to 254, else FF and two bytes little-endian. 80 00 is
//     "ok", 84 xx error xx (83 unknown command, 9A garbled, A0 busy).
//   - Serial: 9600 baud 8N2, no handshake. A frame is DLE STX, the APDU with
//     every DLE (0x10) doubled, DLE ETX, then a CRC-16 (polynomial 0x1021
//     reflected = 0x8408, initial 0, no final XOR) over the unstuffed APDU
//     and ETX, low byte first. The receiver answers each frame at once with
//     ACK 06 or NAK 15. Timers: T1 200 ms between bytes of a frame (else
//     NAK); T2 5 s for the ACK, then at most two repeats.
//   - TCP: port 20007, bare APDUs, no DLE, CRC or ACK.
//   - T3 5 s for the 80 00 to a request; T4 180 s to the Completion,
//     restarted by every intermediate status (04 FF) and status
//     information (04 0F).
//   - BMPs: 04 amount 6 bytes BCD in minor units; 0B trace 3 BCD; 0C time
//     hhmmss, 0D date MMDD; 19 payment type (40 offline, 60 online, 70 PIN),
//     or the status byte in a Completion; 22 masked card number (LLVAR BCD,
//     masked digits E, odd length padded F); 27 result; 29 terminal id 4
//     BCD; 37 original trace; 49 currency 2 BCD (09 78 EUR); 87 receipt
//     number 2 BCD; 8B card name (LLVAR, NUL-terminated); 3C text (LLLVAR);
//     06 a BER-TLV container (tag 26 the accepted commands, 1F1F receipt
//     number sync). LLVAR and LLLVAR lengths are written as digits Fx Fy (Fz).
//     A BMP whose length is not known stops parsing with ErrUnknownBMP.
//
// # The cash register's conversation
//
//   - Registration 06 00: password (3 BCD), config byte, currency (bare,
//     09 78), 03 service byte. Config 0xBE: the cash register prints
//     receipts (0x02, 0x04) sent as print lines 06 D1 (0x80), intermediate
//     status on (0x08), no amount entry or admin on the terminal (0x10,
//     0x20). Service byte 01 lets Repeat Receipt 06 20 re-send the last
//     status information. The terminal answers 80 00, then Completion 06 0F
//     [19 status][29 terminal id][49 currency].
//   - Authorization 06 01: 04 amount, 49 currency. After the terminal's 80
//     00 it is master: it sends 04 FF intermediate statuses (0A insert card,
//     0E and 17 wait, 0B remove card, 15 wrong PIN, 1D declined, 2B offline),
//     06 D1 print lines (an attribute byte, then text), 04 0F status
//     information, and ends with Completion 06 0F or Abort 06 1E (result
//     code). The cash register answers each with 80 00 00.
//   - Once the 04 0F is acknowledged the payment stands even if the
//     Completion is lost; an unacknowledged one may be reversed by the
//     terminal or not (the specification says both). So the result is
//     recorded durably before the 80 00 goes out, and a lost answer is
//     resolved by asking (Repeat Receipt), never by paying again.
//   - Abort 06 B0 from the cash register is honoured until the card is read;
//     the payment then ends with 06 1E result 6C.
//   - Reversal 06 30: password, 87 receipt number, optional 04 amount.
//     Unknown receipt or wrong amount → result B5, already reversed → B4.
//   - End-of-Day 06 50: password; 04 0F with the totals, receipts, 06 0F.
//   - Status Enquiry 05 01: password, 03 service byte. The Completion
//     carries the terminal's software version (ASCII) and one terminal
//     status byte, optionally followed by a 06 TLV container: 00 ready,
//     51 initialisation needed, CC printer not ready, DC card inserted,
//     DF out of order, F0 reconciliation required. (A Completion that starts
//     with BMP 19 is read as the status byte too.)
//
// # What an error says about the money
//
// Terminal methods return errors wrapping devices.ErrNotSent only when the
// terminal cannot have taken the request: it answered 84 xx (RefusedError:
// A0 busy, …), the connection or Registration failed, the line was already
// down (ErrLinkDown), or a serial frame was never acknowledged through T2
// and two repeats (ErrNoAck: the terminal acknowledges every frame it
// receives intact, and acts on no other). Everything lost after the request
// went out — no 80 00 within T3, no Completion within T4, the link gone, a
// Record hook that failed — wraps ErrOutcomeUnknown: ask with LastResult.
// After any such error the link is closed; the next call dials and
// registers again, so a terminal that was switched off or unplugged is found
// again by the next call.
//
// # Limits
//
//   - The serial link layer has no sequence numbers (ZVT has none): a frame
//     repeated because its ACK was lost is delivered twice.
//   - A Status Enquiry's Completion has no BMP for its status byte; its
//     layout (version text, status byte, optional container) is read as
//     described above.
//
// # Card data
//
// No full card number, track data (BMP 23, 24, 2D), expiry (0E) or CVV
// (3A) is kept or logged: APDU logs redact them, and a card number is
// masked to at most its first 6 and last 4 digits whatever the terminal
// sent.
package zvt
