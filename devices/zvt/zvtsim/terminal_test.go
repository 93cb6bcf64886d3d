package zvtsim

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/serialport"
	"github.com/kiosk-sco/kiosk/devices/zvt"
)

// TestWithTheDriver: the lane's ZVT driver (zvt.Terminal) against the
// simulator, each behaviour once, on both transports.
func TestWithTheDriver(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			s := tr.start(t, Options{})
			dial := zvt.TCPDialer(s.Addr())
			if tr.name == "pty" {
				dial = zvt.SerialDialer(serialport.Config{Path: s.Path()}, zvt.SerialOptions{})
			}
			term, err := zvt.New(dial, zvt.Config{T4: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer term.Close()
			ctx := ctxT(t)

			if st, err := term.Status(ctx); err != nil || !st.Ready || st.TerminalID != "52500001" {
				t.Fatalf("status %+v %v", st, err)
			}

			var mu sync.Mutex
			var progress []string
			var recorded []devices.PaymentResult
			hooks := devices.PaymentHooks{
				Progress: func(code, _ string) { mu.Lock(); progress = append(progress, code); mu.Unlock() },
				Record: func(r devices.PaymentResult) error {
					mu.Lock()
					recorded = append(recorded, r)
					mu.Unlock()
					return nil
				},
			}
			r, err := term.Pay(ctx, devices.PaymentRequest{Amount: 1050, Currency: "978"}, hooks)
			if err != nil || !r.Approved || r.Amount != 1050 || r.ReceiptNo != 1 || r.MaskedPAN != "476173******0010" || r.CardName != "VISA" || r.TerminalID != "52500001" || !slices.Contains(r.Receipt, "Zahlung erfolgt") {
				t.Fatalf("pay: %+v %v", r, err)
			}
			mu.Lock()
			if len(recorded) != 1 || !slices.Equal(progress, []string{devices.ProgressInsertCard, devices.ProgressWait, devices.ProgressRemoveCard}) {
				t.Fatalf("recorded %+v, progress %q", recorded, progress)
			}
			mu.Unlock()

			s.Next(Behavior{Kind: Decline, Result: 0x51})
			if r, err := term.Pay(ctx, devices.PaymentRequest{Amount: 300}, devices.PaymentHooks{}); err != nil || r.Approved || r.Result != 0x51 {
				t.Fatalf("decline: %+v %v", r, err)
			}

			s.Next(Behavior{Kind: Busy})
			if _, err := term.Pay(ctx, devices.PaymentRequest{Amount: 300}, devices.PaymentHooks{}); !errors.Is(err, devices.ErrNotSent) {
				t.Fatalf("busy: %v", err)
			}

			s.Next(Behavior{Kind: Timeout})
			abort := devices.PaymentHooks{Progress: func(code, _ string) {
				if code == devices.ProgressInsertCard {
					go term.Abort(ctx)
				}
			}}
			if r, err := term.Pay(ctx, devices.PaymentRequest{Amount: 300}, abort); err != nil || r.Approved || r.Result != 0x6C {
				t.Fatalf("aborted: %+v %v", r, err)
			}

			s.Next(Behavior{Kind: DropReply})
			if _, err := term.Pay(ctx, devices.PaymentRequest{Amount: 400}, devices.PaymentHooks{}); !errors.Is(err, zvt.ErrOutcomeUnknown) {
				t.Fatalf("drop reply: %v", err)
			}
			if r, err := term.LastResult(ctx); err != nil || !r.Approved || r.Amount != 400 || r.ReceiptNo != 2 {
				t.Fatalf("last result after a dropped reply: %+v %v", r, err)
			}

			s.Next(Behavior{Kind: LoseLink, AfterApproval: true})
			if _, err := term.Pay(ctx, devices.PaymentRequest{Amount: 500}, devices.PaymentHooks{}); !errors.Is(err, zvt.ErrOutcomeUnknown) {
				t.Fatalf("lost line: %v", err)
			}
			if err := s.Replug(); err != nil {
				t.Fatal(err)
			}
			if r, err := term.LastResult(ctx); err != nil || !r.Approved || r.Amount != 500 || r.ReceiptNo != 3 {
				t.Fatalf("last result after a lost line: %+v %v", r, err)
			}

			if r, err := term.Reverse(ctx, 1, 1050, devices.PaymentHooks{}); err != nil || !r.Approved || r.ReceiptNo != 4 {
				t.Fatalf("reverse: %+v %v", r, err)
			}
			if r, err := term.Reverse(ctx, 1, 1050, devices.PaymentHooks{}); err != nil || r.Approved || r.Result != resAlreadyReversed {
				t.Fatalf("reverse again: %+v %v", r, err)
			}
			if r, err := term.EndOfDay(ctx); err != nil || !r.Approved || r.Amount != 900 {
				t.Fatalf("end of day: %+v %v", r, err)
			}
			if s.Net() != 900 || len(s.Charges()) != 2 {
				t.Fatalf("net %d charges %+v", s.Net(), s.Charges())
			}
		})
	}
}

// TestReplugAfter: a lost line on a pseudo-terminal comes back by itself
// when the behaviour says so.
func TestReplugAfter(t *testing.T) {
	tr := transports[0]
	s := tr.start(t, Options{})
	v := &env{t: t, tr: tr, s: s}
	v.redial()
	s.Next(Behavior{Kind: LoseLink, ReplugAfter: 50 * time.Millisecond})
	v.pay(1050)
	v.expectAck()
	v.down()
	deadline := time.Now().Add(5 * time.Second)
	for !s.Plugged() { // no event to wait on: the path comes back
		if time.Now().After(deadline) {
			t.Fatal("the cable stayed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
	v.ecr = &ecr{t: t, l: tr.dial(t, s)}
	if got := v.status(); got != 0 {
		t.Fatalf("status %02X", got)
	}
}

// TestOneConnectionAtATime: on TCP a second cash register waits until the
// first is gone.
func TestOneConnectionAtATime(t *testing.T) {
	tr := transports[1]
	s := tr.start(t, Options{})
	first := &ecr{t: t, l: tr.dial(t, s)}
	first.status()
	second := &ecr{t: t, l: tr.dial(t, s)}
	second.cmd(0x05, 0x01, []byte{0, 0, 0})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if a, err := second.l.Recv(ctx); err == nil {
		t.Fatalf("the second connection was answered %s while the first was open", zvt.Redact(a))
	}
	first.l.Close()
	second.expectAck()
	second.take(zvt.CmdCompletion)
}

// TestCloseMidPayment: Close while a payment waits for a card returns, and
// twice is fine.
func TestCloseMidPayment(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s := tr.start(t, Options{})
			v := &env{t: t, tr: tr, s: s}
			v.redial()
			s.Next(Behavior{Kind: Timeout})
			v.pay(1050)
			v.expectAck()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			v.down()
			if err := s.Replug(); err == nil {
				t.Fatal("replug after Close")
			}
		})
	}
}
