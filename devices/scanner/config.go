package scanner

import (
	"fmt"
	"time"
)

// Terminator names Config.Terminator accepts (it has no effect on framing).
const (
	TermCR   = "CR"
	TermLF   = "LF"
	TermCRLF = "CRLF"
)

// Defaults applied to zero fields of a Config.
const (
	DefaultMaxLen           = 256
	DefaultDoubleReadWindow = 300 * time.Millisecond

	// MaxMaxLen caps Config.MaxLen: no barcode is anywhere near this long.
	MaxMaxLen = 64 << 10
)

// Config describes what the scanner sends.
type Config struct {
	// Terminator ("CR", "LF" or "CRLF") is accepted for configurations written
	// when it chose the line end; it no longer changes framing: CR, LF and CR LF
	// all end a line (see the package doc). Other values are still refused.
	Terminator string
	MaxLen     int // longest accepted line in bytes, AIM prefix included; default 256

	// DoubleReadWindow: the same data again within it is dropped; default 300 ms,
	// negative turns double-read suppression off.
	DoubleReadWindow time.Duration

	RequireAIM bool // refuse lines without an AIM symbology identifier prefix
}

// Validate reports a config New and NewFramer would refuse.
func (c Config) Validate() error {
	switch c.Terminator {
	case "", TermCR, TermLF, TermCRLF:
	default:
		return fmt.Errorf("scanner: terminator %q, want CR, LF or CRLF", c.Terminator)
	}
	if c.MaxLen < 0 || c.MaxLen > MaxMaxLen {
		return fmt.Errorf("scanner: max length %d outside 0–%d", c.MaxLen, MaxMaxLen)
	}
	return nil
}

// withDefaults fills zero fields; c must be valid.
func (c Config) withDefaults() Config {
	if c.MaxLen == 0 {
		c.MaxLen = DefaultMaxLen
	}
	if c.DoubleReadWindow == 0 {
		c.DoubleReadWindow = DefaultDoubleReadWindow
	}
	return c
}
