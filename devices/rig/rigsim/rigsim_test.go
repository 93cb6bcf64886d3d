package rigsim

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/rig"
)

func TestApplyOnSimulators(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var got []devices.Event
	r, sims, err := Start(ctx, filepath.Join(t.TempDir(), "by-id"), func(e devices.Event) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	}, rig.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); r.Wait(); sims.Close() }()
	var nilSims *Sims
	for _, tc := range []struct {
		name string
		a    Action
		want error
	}{
		{"no sims", Action{Device: "scanner", Do: "noise"}, ErrNoSim},
		{"unknown device", Action{Device: "drawer", Do: "open"}, ErrNoSim},
		{"unknown action", Action{Device: "printer", Do: "explode"}, nil},
		{"empty scan", Action{Device: "scanner", Do: "scan"}, nil},
		{"non-ASCII scan", Action{Device: "scanner", Do: "scan", Data: "4006381333931é"}, nil},
		{"negative grams", Action{Device: "scale.produce", Do: "set", Grams: -5}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sims
			if tc.name == "no sims" {
				s = nilSims
			}
			err := s.Apply(tc.a)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if err := sims.Apply(Action{Device: "scanner", Do: "scan", Data: "4006381333931"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		mu.Lock()
		n := 0
		for _, e := range got {
			if e.Kind == devices.KindScan && e.Scan.Data == "4006381333931" {
				n++
			}
		}
		mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("scan did not reach the sink through the real driver")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The simulated card terminal, driven through the real ZVT driver over its
// pseudo-terminal: /sim's choice of what the next card does reaches it.
func TestSimulatedTerminal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := filepath.Join(t.TempDir(), "by-id")
	r, sims, err := Start(ctx, dir, func(devices.Event) {}, rig.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); r.Wait(); r.Payment.Close(); sims.Close() }()
	if err := sims.Apply(Action{Device: "payment", Do: "next", Data: "decline:51"}); err != nil {
		t.Fatal(err)
	}
	if err := sims.Apply(Action{Device: "payment", Do: "next", Data: "fly"}); err == nil {
		t.Fatal("an unknown behaviour was taken")
	}
	var recorded []devices.PaymentResult
	hooks := devices.PaymentHooks{Record: func(r devices.PaymentResult) error { recorded = append(recorded, r); return nil }}
	res, err := r.Payment.Pay(ctx, devices.PaymentRequest{Amount: 288, Currency: "978"}, hooks)
	if err != nil || res.Approved || res.Result != 0x51 {
		t.Fatalf("declined payment: %+v, %v", res, err)
	}
	res, err = r.Payment.Pay(ctx, devices.PaymentRequest{Amount: 288, Currency: "978"}, hooks)
	if err != nil || !res.Approved || res.Amount != 288 || res.MaskedPAN == "" || len(recorded) != 2 {
		t.Fatalf("approved payment: %+v, %v (recorded %d)", res, err, len(recorded))
	}
	if n := len(sims.Terminal.Charges()); n != 1 {
		t.Fatalf("the terminal's ledger holds %d charges, want 1", n)
	}
}
