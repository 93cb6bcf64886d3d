package kiosk

import (
	"context"
	"sync"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
)

// Terminal status codes a status enquiry answers (ZVT 05 01), as far as the
// lane tells them apart.
const (
	termReady           = 0x00
	termPrinterNotReady = 0xCC // the terminal's own printer: the terminal still takes cards
	termCardInserted    = 0xDC // a card was left in the terminal
)

// Device fault and warning codes of the card terminal.
const (
	FaultTerminalNotReady = "not_ready"     // the terminal answers but cannot take a payment now
	WarnTerminalPrinter   = "printer"       // the terminal's own printer is not ready
	WarnCardLeft          = "card_inserted" // a card was left in the terminal
)

// guardedTerminal lets one call at a time reach the terminal (Abort excepted:
// it is meant to interrupt a payment), so that the status watcher never talks
// into a payment.
type guardedTerminal struct {
	devices.PaymentTerminal
	mu sync.Mutex
}

func (g *guardedTerminal) Pay(ctx context.Context, req devices.PaymentRequest, h devices.PaymentHooks) (devices.PaymentResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.PaymentTerminal.Pay(ctx, req, h)
}

func (g *guardedTerminal) LastResult(ctx context.Context) (devices.PaymentResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.PaymentTerminal.LastResult(ctx)
}

func (g *guardedTerminal) Reverse(ctx context.Context, receiptNo int, amount int64, h devices.PaymentHooks) (devices.PaymentResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.PaymentTerminal.Reverse(ctx, receiptNo, amount, h)
}

func (g *guardedTerminal) EndOfDay(ctx context.Context) (devices.PaymentResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.PaymentTerminal.EndOfDay(ctx)
}

// tryStatus asks for the status unless another call holds the terminal.
func (g *guardedTerminal) tryStatus(ctx context.Context) (devices.TerminalStatus, bool, error) {
	if !g.mu.TryLock() {
		return devices.TerminalStatus{}, false, nil
	}
	defer g.mu.Unlock()
	s, err := g.PaymentTerminal.Status(ctx)
	return s, true, err
}

// watchTerminal asks the idle terminal for its status now and then, and
// reports it as the payment device's status: a terminal that does not answer
// or is not ready raises a terminal_fault alert, and the pay screen offers
// the attendant only.
func (l *Lane) watchTerminal(ctx context.Context, g *guardedTerminal) {
	defer l.workers.Done()
	for {
		if s, asked, err := g.tryStatus(ctx); asked && ctx.Err() == nil {
			st := devices.Status{Connected: err == nil}
			switch {
			case err != nil:
			case s.Code == termPrinterNotReady:
				st.Warnings = []string{WarnTerminalPrinter}
			case s.Code == termCardInserted:
				st.Warnings = []string{WarnCardLeft}
			case !s.Ready && s.Code != termReady:
				st.Faults = []string{FaultTerminalNotReady}
			}
			l.Device(devices.Event{Role: devices.RolePayment, Kind: devices.KindStatus, At: time.Now(), Status: &st}) // cfg.Now belongs to the lane goroutine
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(l.cfg.Payment.StatusEvery):
		}
	}
}

// EndOfDay closes the card terminal's day (ZVT 06 50): the terminal settles
// with the card networks and sends the offline payments it stored. Staff run
// it after closing; it is journaled with its totals. It waits for a payment
// in progress to end.
func (l *Lane) EndOfDay(ctx context.Context, by string) (devices.PaymentResult, error) {
	if l.term == nil {
		return devices.PaymentResult{}, errorf(KindState, "payment.no_terminal", "this lane has no card terminal")
	}
	if by == "" || len(by) > 64 {
		return devices.PaymentResult{}, errorf(KindInvalid, "request.by", "say who closes the day (1..64 characters)")
	}
	res, err := l.term.EndOfDay(ctx)
	if err != nil {
		return res, errorf(KindBusy, "payment.end_of_day", "the terminal did not close its day: %v", err)
	}
	note := map[string]any{"by": by, "approved": res.Approved, "result": res.Result, "total": money(res.Amount), "receiptLines": len(res.Receipt)}
	_, err = l.do(ctx, Command{Op: opEndOfDay, note: note})
	return res, err
}
