// Package serialport opens serial ports — the only package that imports
// github.com/tarm/serial — tells a read timeout from an unplugged device, and
// keeps a device session alive across unplug and replug.
//
// Reconnecting: while a device is away Supervise stats its path every 150 ms
// and opens it as soon as a node is back, however long it was gone; only a
// device whose node is there but fails (open refused, handshake unanswered) is
// retried on a backoff doubling from 0.5 s to 2 s.
//
// tarm/serial facts this package is built on (from its serial.go and
// serial_linux.go, verified on pseudo-terminals): ReadTimeout sets VMIN=0 and
// VTIME in deciseconds (0.1–25.5 s, truncated); a read timeout returns (0, io.EOF); after a
// hang-up every read returns (0, io.EOF) at once, forever, writes fail with EIO and
// the device node disappears; without a read timeout Close blocks while a Read is
// pending, so a read timeout is always set. Name ports by /dev/serial/by-id/… so a
// replugged device is found again even when it comes back as another ttyUSBn.
package serialport
