package escpos

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/kiosk-sco/kiosk/devices"
)

// TestPrintErrorSaysWhy: a refused job's message names its cause in words —
// the one a staff member reads in `kiosk printer test` — with every other fault
// the printer reported, and errors.Is finds the sentinel a UI acts on.
func TestPrintErrorSaysWhy(t *testing.T) {
	connected := func(faults ...string) devices.Status { return devices.Status{Connected: true, Faults: faults} }
	tests := []struct {
		name    string
		status  devices.Status
		cause   error
		reprint bool
		is      error
		want    string
	}{
		{"unplugged", unplugged(), nil, false, ErrNotConnected, "escpos: printer not connected"},
		{"cover open", connected(devices.FaultCoverOpen), nil, false, ErrCoverOpen, "escpos: printer cover open"},
		{"paper end", connected(devices.FaultPaperEnd), nil, false, ErrPaperEnd, "escpos: printer out of paper"},
		{"offline", connected(devices.FaultOffline), nil, false, ErrOffline, "escpos: printer offline"},
		{"autocutter", connected(devices.FaultCutter), nil, false, ErrFault, "escpos: printer error: autocutter jammed"},
		{"unrecoverable", connected(devices.FaultUnrecover), nil, false, ErrFault,
			"escpos: printer error: unrecoverable error, switch the printer off and on"},
		{"recoverable", connected(devices.FaultRecoverable), nil, false, ErrFault,
			"escpos: printer error: recoverable error (print head too hot or mechanism blocked)"},
		{"autocutter and unrecoverable", connected(devices.FaultCutter, devices.FaultUnrecover), nil, false, ErrFault,
			"escpos: printer error: autocutter jammed; unrecoverable error, switch the printer off and on"},
		{"cover open and paper end", connected(devices.FaultCoverOpen, devices.FaultPaperEnd), nil, false, ErrCoverOpen,
			"escpos: printer cover open; also out of paper"},
		{"paper end and autocutter", connected(devices.FaultPaperEnd, devices.FaultCutter), nil, false, ErrPaperEnd,
			"escpos: printer out of paper; also autocutter jammed"},
		{"unknown fault code", connected("thermistor"), nil, false, ErrFault, "escpos: printer error: thermistor"},
		{"paper end while printing", connected(devices.FaultPaperEnd), nil, true, ErrPaperEnd,
			"escpos: printer out of paper (job sent, offer a reprint)"},
		{"write failed", unplugged(), fmt.Errorf("escpos: write: %w", syscall.EIO), true, ErrNotConnected,
			"escpos: printer not connected: escpos: write: input/output error (job sent, offer a reprint)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := statusErr(tt.status)
			if err != tt.is {
				t.Fatalf("statusErr(%+v) = %v, want %v", tt.status, err, tt.is)
			}
			pe := &PrintError{Reprint: tt.reprint, Status: tt.status, Err: err, Cause: tt.cause}
			if got := pe.Error(); got != tt.want {
				t.Fatalf("Error() = %q\nwant      %q", got, tt.want)
			}
			if !errors.Is(pe, tt.is) || tt.cause != nil && !errors.Is(pe, tt.cause) {
				t.Fatalf("errors.Is misses %v or %v", tt.is, tt.cause)
			}
		})
	}
	t.Run("busy", func(t *testing.T) {
		pe := &PrintError{Status: connected(), Err: ErrBusy, Cause: context.DeadlineExceeded}
		if got, want := pe.Error(), "escpos: printer busy with another job: context deadline exceeded"; got != want {
			t.Fatalf("Error() = %q, want %q", got, want)
		}
		if !errors.Is(pe, ErrBusy) || !errors.Is(pe, context.DeadlineExceeded) {
			t.Fatal("errors.Is")
		}
	})
	t.Run("zero value", func(t *testing.T) {
		if got := (&PrintError{}).Error(); got != "escpos: print failed" {
			t.Fatalf("Error() = %q", got)
		}
	})
}

// TestEveryFaultHasWords: each fault and warning code a printer status can
// carry reads as words, not as a snake_case code.
func TestEveryFaultHasWords(t *testing.T) {
	for _, code := range []string{devices.FaultUnplugged, devices.FaultOffline, devices.FaultCoverOpen, devices.FaultPaperEnd,
		devices.FaultCutter, devices.FaultUnrecover, devices.FaultRecoverable, devices.WarnPaperNearEnd} {
		t.Run(code, func(t *testing.T) {
			if w := FaultText(code); w == "" || strings.Contains(w, "_") || code != devices.FaultOffline && w == code {
				t.Fatalf("FaultText(%q) = %q", code, w)
			}
		})
	}
}
