//go:build sim

package kiosk

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/serialport"
	"github.com/kiosk-sco/kiosk/devices/zvt"
	"github.com/kiosk-sco/kiosk/devices/zvt/zvtsim"
)

// simTerminal is the real ZVT driver on the terminal simulator, over TCP or
// over a pseudo-terminal with the serial link (DLE framing, CRC, ACK).
func simTerminal(t *testing.T, serial bool, o zvtsim.Options, cfg zvt.Config) (*zvtsim.Sim, *zvt.Terminal) {
	t.Helper()
	dir := t.TempDir()
	o.Ledger = filepath.Join(dir, "ledger.jsonl")
	var sim *zvtsim.Sim
	var dial zvt.Dialer
	var err error
	if serial {
		sim, err = zvtsim.New(filepath.Join(dir, "terminal"), o)
		if err == nil {
			dial = zvt.SerialDialer(serialport.Config{Path: sim.Path()}, zvt.SerialOptions{})
		}
	} else {
		sim, err = zvtsim.Listen("127.0.0.1:0", o)
		if err == nil {
			dial = zvt.TCPDialer(sim.Addr())
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	term, err := zvt.New(dial, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close(); sim.Close() })
	return sim, term
}

// TestPaymentsOnTheSimulator runs every path of a card payment through the
// lane, the real ZVT driver and the terminal simulator, and counts the
// terminal's charges against the lane's sales.
func TestPaymentsOnTheSimulator(t *testing.T) {
	for _, tc := range []struct {
		name     string
		serial   bool
		next     string
		cancel   bool   // the shopper cancels while the terminal waits for the card
		wantErr  string // the failed attempt's error key; "" when the first attempt pays
		charges  int    // charges standing in the terminal at the end (net of reversals)
		unknownT bool   // the outcome goes unknown first
	}{
		{name: "approve (tcp)", next: "approve", charges: 1},
		{name: "approve (serial)", serial: true, next: "approve", charges: 1},
		{name: "decline", next: "decline:51", wantErr: "payment.declined", charges: 1},
		{name: "busy", next: "busy", wantErr: "payment.terminal_unavailable", charges: 1},
		{name: "printer not ready", next: "printer_not_ready", wantErr: "payment.terminal_unavailable", charges: 1},
		{name: "shopper cancels", next: "timeout", cancel: true, wantErr: "payment.cancelled", charges: 1},
		{name: "link lost before the card", next: "lose_link:before:200ms", wantErr: "payment.not_charged", charges: 1},
		{name: "link lost after the approval", next: "lose_link:after:200ms", charges: 1, unknownT: true},
		{name: "link lost after the approval (serial)", serial: true, next: "lose_link:after:200ms", charges: 1, unknownT: true},
		{name: "reply dropped after the approval", next: "drop_reply", charges: 1, unknownT: true},
		{name: "offline within the caps", next: "approve_offline", charges: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// T4 (the longest the terminal may stay silent) is short so that a
			// dropped reply is found quickly; long where the shopper acts
			// while the terminal waits, so a slow machine (-race) still
			// cancels before it runs out.
			t4 := 2 * time.Second
			if tc.cancel {
				t4 = 30 * time.Second
			}
			sim, term := simTerminal(t, tc.serial, zvtsim.Options{T3: 300 * time.Millisecond}, zvt.Config{T3: time.Second, T4: t4})
			b, err := zvtsim.ParseBehavior(tc.next)
			if err != nil {
				t.Fatal(err)
			}
			sim.Next(b)
			tl := payLane(t, term, func(c *Config) { c.Payment.EnquiryEvery = 50 * time.Millisecond })
			tl.do(Command{Op: OpPay, Method: MethodCard})
			if tc.cancel {
				tl.waitFor("waiting for the card", func(v *View) bool {
					return v.Payment != nil && v.Payment.CanCancel && v.Payment.Status == "in_progress"
				})
				tl.do(Command{Op: OpPayCancel})
			}
			v := tl.waitFor("an outcome", func(v *View) bool {
				return v.State == StatePaid || (v.State == StateReadyToPay && v.Payment != nil && v.Payment.Status == "failed")
			})
			if tc.wantErr == "" {
				if v.State != StatePaid {
					t.Fatalf("not paid: %+v", v.Payment)
				}
			} else {
				if v.State != StateReadyToPay || v.Payment.Error != tc.wantErr {
					t.Fatalf("state %s, payment %+v; want error %s", v.State, v.Payment, tc.wantErr)
				}
				tl.do(Command{Op: OpPay, Method: MethodCard}) // the next card approves
				tl.waitFor("paid", func(v *View) bool { return v.State == StatePaid })
			}
			if tc.unknownT && !slices.Contains(tl.journalTypes(), "payment_outcome_unknown") {
				t.Fatalf("the lost answer was not asked for: %v", tl.journalTypes())
			}
			tl.do(Command{Op: OpReceipt, Choice: "none"})
			tl.do(Command{Op: OpFinish})
			if n := len(sim.Charges()); n != tc.charges {
				t.Fatalf("the terminal holds %d charges, want %d: %+v", n, tc.charges, sim.Ledger())
			}
			var paid, tenders int64
			tl.db.R.QueryRow(`SELECT coalesce(sum(total_minor), 0) FROM transactions WHERE end_reason = 'paid'`).Scan(&paid)
			tl.db.R.QueryRow(`SELECT coalesce(sum(approved_minor), 0) FROM payments WHERE state = 'approved'`).Scan(&tenders)
			if paid != sim.Net() || tenders != paid {
				t.Fatalf("sales %d, tenders %d, terminal net %d", paid, tenders, sim.Net())
			}
		})
	}
}

// An offline approval over the cap is reversed on the terminal: it holds
// the approval and its reversal, the sale is paid another way.
func TestOfflineCapReversesOnTheSimulator(t *testing.T) {
	sim, term := simTerminal(t, false, zvtsim.Options{}, zvt.Config{})
	sim.Next(zvtsim.Behavior{Kind: zvtsim.ApproveOffline})
	zero := int64(0)
	tl := payLane(t, term, func(c *Config) { c.Payment.OfflineMaxPerSale = &zero })
	tl.do(Command{Op: OpPay, Method: MethodCard})
	v := tl.waitFor("refused offline", func(v *View) bool { return v.State == StateReadyToPay && v.Payment != nil })
	if v.Payment.Error != "payment.offline_limit" {
		t.Fatalf("%+v", v.Payment)
	}
	tl.waitJournal("payment_reversed")
	if n := len(sim.Charges()); n != 0 {
		t.Fatalf("the terminal keeps %d charges after the reversal", n)
	}
	ctx := context.Background()
	if _, err := tl.Do(ctx, Command{Op: OpPay, Method: MethodAttendant}); err != nil {
		t.Fatal(err)
	}
	if _, err := tl.CashTaken(ctx, "anna", ""); err != nil {
		t.Fatal(err)
	}
}

// Staff close the terminal's day after two sales: the terminal's totals are
// journaled.
func TestEndOfDayOnTheSimulator(t *testing.T) {
	_, term := simTerminal(t, false, zvtsim.Options{}, zvt.Config{})
	tl := payLane(t, term, nil)
	if _, err := tl.EndOfDay(context.Background(), ""); err == nil {
		t.Fatal("end of day without a name")
	}
	tl.do(Command{Op: OpPay, Method: MethodCard})
	tl.waitFor("paid", func(v *View) bool { return v.State == StatePaid })
	tl.do(Command{Op: OpFinish})
	res, err := tl.EndOfDay(context.Background(), "anna")
	if err != nil || !res.Approved || res.Amount != 288 {
		t.Fatalf("end of day: %+v, %v", res, err)
	}
	tl.waitJournal("terminal_end_of_day")
	var body string
	tl.db.R.QueryRow(`SELECT body FROM journal WHERE type = 'terminal_end_of_day'`).Scan(&body)
	if !strings.Contains(body, `"total":"2.88"`) || !strings.Contains(body, `"by":"anna"`) {
		t.Fatalf("journaled %s", body)
	}
}
