// Package scale drives checkout scales — the produce scale in the scan area and
// the bagging (security) scale — polling them over a serial port, filtering their
// readings to settled weight changes and reporting those, and each fault and
// unplug, as a devices.Event.
//
// The wire protocol sits behind the Protocol interface (commands, framing and
// decoding of replies); SASI is the one implemented. NCI or a Magellan
// scanner-scale's single-cable S11/S14 commands would be further implementations,
// with the driver, settle filter and reconnect logic unchanged. scalesim is a
// simulated 8217 on a pseudo-terminal.
//
// # Mettler-Toledo 8217 ("SASI")
//
// Sources: Odoo addons/iot_drivers/iot_handlers/drivers/serial_scale_driver.py and
// addons/hw_scale/controllers/main.py; the DIVA/Magellan 8500 service manual
// (manualshelf.com …/magellan-8500/service-manual-english/page-51.html); Datalogic
// KA-01089.
//
//   - Line: 9600 baud, 7 data bits, even parity, 1 stop bit (SASI.SerialConfig).
//     Commands are one upper-case ASCII byte with no terminator.
//   - "W" asks for the weight. The reply is STX "ww.www" CR in kilograms with
//     three decimals, a trailing "N" when the weight is net, sent only while the
//     load is stable and in range; otherwise STX "?" status CR.
//   - Status byte: bit 0 motion, 1 over capacity, 2 under zero, 3 outside
//     zero-capture range, 4 centre of zero, 5 net, 6 always 1, 7 parity. So "@"
//     is no flag, "A" motion, "B" over capacity, "D" under zero. Datalogic
//     KA-01089 lists "?C" as under zero where the bits say motion + over capacity:
//     we decode the bits; verify on hardware.
//   - "Z" zeroes (ignored in motion or outside zero capture), "T" tares, "C" clears
//     the tare (status reply about 150 ms later), "H" gives 10× resolution; "E"
//     starts an echo mode (reply STX "E" CR, then echoes) that "F" ends — Odoo
//     probes with "Ehello". This driver sends only "W" and "Z".
//   - Odoo reads with a 1 s timeout and polls every 0.2–0.5 s.
//
// Decoding choices, to verify on hardware:
//
//   - Kilograms only. A weight must be 1–3 digits, ".", exactly 3 digits: a scale
//     set to pounds (two decimals) is refused as malformed rather than misread.
//     Leading spaces and a leading "-" are accepted.
//   - It is a 7-bit protocol: every byte is taken modulo 0x80, so a port opened
//     8N1 on a 7E1 line (parity showing in bit 7) still decodes.
//   - Anything before STX is skipped. A reply cut short by the next STX, longer
//     than 12 bytes without CR, with a bad weight, or a status byte without bit 6
//     is malformed (ErrMalformed). A status reply may carry up to three status
//     bytes; the first is decoded.
//   - Frames are decided on bytes already received, so any chunking of a stream
//     gives the same readings, and at most 13 bytes wait for a CR.
//
// # Settling and faults
//
// The 8217 withholds the weight while the load moves. Settler turns readings into
// lane events after NCR US6215078: a weight is reported only when a settled
// reading — by default 3 identical stable readings spanning 500 ms — leaves a
// ±5 g band around the last weight reported. Motion for 5 s, over capacity and
// under zero become devices.FaultMotion, FaultOverCapacity and FaultUnderZero and
// clear when the scale is quiet again. The suggested lane rules (accept when
// |Δ − expected| ≤ max(2 divisions, 10 g, 5–10 %), unexpected item, item removed,
// placement timeout) belong to the lane, not here.
//
// # Link
//
// The driver polls every 200 ms. One goroutine reads and frames replies while the
// session goroutine polls, so replies are handled when they arrive. Three polls
// in a row without a valid reply end the session as if the scale were unplugged,
// and Run reconnects with backoff (serialport.Supervise).
package scale
