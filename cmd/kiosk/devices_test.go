//go:build sim

package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/rig"
	"github.com/kiosk-sco/kiosk/devices/rig/rigsim"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

// laneWithDevices runs a lane on the simulated devices through the real drivers
// and real pseudo-terminals, as kiosk serve --demo does without device
// configuration.
func laneWithDevices(t *testing.T) (*kiosk.Lane, *rig.Rig, *rigsim.Sims) {
	t.Helper()
	return laneWithDevicesAt(t, filepath.Join(t.TempDir(), "kiosk.db"))
}

// laneWithDevicesAt is laneWithDevices on the database file dbPath.
func laneWithDevicesAt(t *testing.T, dbPath string) (*kiosk.Lane, *rig.Rig, *rigsim.Sims) {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Dir(dbPath)
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewDB(db)
	if _, err := cat.EnsureDemo(ctx, nil); err != nil {
		t.Fatal(err)
	}
	lane, err := kiosk.Open(ctx, db, cat, kiosk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	laneCtx, stopLane := context.WithCancel(ctx)
	go lane.Run(laneCtx)
	devCtx, stopDevs := context.WithCancel(ctx)
	r, sims, err := rigsim.Start(devCtx, filepath.Join(dir, "by-id"), lane.Device, rig.Options{PrinterStatusEvery: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopDevs()
		r.Wait()
		sims.Close()
		stopLane()
		<-lane.Done()
		db.Close()
	})
	waitFor(t, "all devices connected", 5*time.Second, func() bool {
		n := 0
		for _, d := range lane.Devices() {
			if d.Connected && len(d.Faults) == 0 {
				n++
			}
		}
		return n == 4
	})
	return lane, r, sims
}

func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) time.Duration {
	t.Helper()
	took, done := poll(limit, ok)
	if !done {
		t.Fatalf("no %s within %s", what, limit)
	}
	return took
}

// poll waits until ok or the limit; safe to call from any goroutine.
func poll(limit time.Duration, ok func() bool) (time.Duration, bool) {
	start := time.Now()
	for !ok() {
		if time.Since(start) > limit {
			return limit, false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start), true
}

func deviceAlert(v *kiosk.View, role devices.Role, fault string) bool {
	for _, a := range v.Alerts {
		var d kiosk.AlertDetail
		json.Unmarshal(a.Detail, &d)
		if d.Device == string(role) && d.Fault == fault {
			return true
		}
	}
	return false
}

// TestUnplugReplugEveryDevice pulls each simulated cable 20 times: every unplug
// raises the device's alert, every replug reconnects within 2 s and clears it.
func TestUnplugReplugEveryDevice(t *testing.T) {
	if testing.Short() {
		t.Skip("pty unplug loops")
	}
	lane, _, sims := laneWithDevices(t)
	type plug interface {
		Unplug()
		Replug() error
	}
	cables := map[devices.Role]plug{
		devices.RoleScanner:      sims.Scanner,
		devices.RoleProduceScale: sims.Produce,
		devices.RoleBaggingScale: sims.Bagging,
		devices.RolePrinter:      sims.Printer,
	}
	var mu sync.Mutex
	worst := map[devices.Role]time.Duration{}
	var wg sync.WaitGroup
	for role, cable := range cables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				cable.Unplug()
				if _, ok := poll(5*time.Second, func() bool { return deviceAlert(lane.View(), role, devices.FaultUnplugged) }); !ok {
					t.Errorf("%s cycle %d: no unplugged alert within 5 s", role, i)
					return
				}
				if err := cable.Replug(); err != nil {
					t.Errorf("%s replug %d: %v", role, i, err)
					return
				}
				took, ok := poll(2*time.Second, func() bool { return !deviceAlert(lane.View(), role, devices.FaultUnplugged) })
				if !ok {
					t.Errorf("%s cycle %d: not reconnected within 2 s of the replug", role, i)
					return
				}
				mu.Lock()
				worst[role] = max(worst[role], took)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("slowest reconnect per device: %v", worst)
	if v := lane.View(); len(v.Alerts) != 0 {
		t.Fatalf("alerts left open: %+v", v.Alerts)
	}
}

// TestDevicesDriveTheLane scans through the scanner's wire protocol, weighs with
// the produce scale and prints the receipt on the printer simulator.
func TestDevicesDriveTheLane(t *testing.T) {
	lane, r, sims := laneWithDevices(t)
	ctx := context.Background()
	if err := sims.Apply(rigsim.Action{Device: "scanner", Do: "scan", Data: "]E04063658814593"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "scanned line", 3*time.Second, func() bool { return len(lane.View().Lines) == 1 })
	sims.Apply(rigsim.Action{Device: "scale.produce", Do: "set", Grams: 1250})
	waitFor(t, "settled produce weight", 3*time.Second, func() bool {
		for _, d := range lane.Devices() {
			if d.Role == devices.RoleProduceScale && d.Grams != nil && *d.Grams == 1250 {
				return true
			}
		}
		return false
	})
	res, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpWeighed, PLU: "4011"})
	if err != nil || res.View.Lines[1].WeightG != 1250 || res.View.Lines[1].Amount != "2.11" { // 1.69 × 1.25 = 2.1125
		t.Fatalf("weighed: %v %+v", err, res.View)
	}
	// Noise from the scanner is refused by the driver and changes nothing.
	seq := lane.View().Seq
	sims.Apply(rigsim.Action{Device: "scanner", Do: "noise"})
	time.Sleep(300 * time.Millisecond)
	if lane.View().Seq != seq {
		t.Fatal("scanner noise changed the lane")
	}
	// Paper end blocks payment, paper back clears it.
	sims.Apply(rigsim.Action{Device: "printer", Do: "paper_end", On: true})
	waitFor(t, "paper end alert", 3*time.Second, func() bool { return deviceAlert(lane.View(), devices.RolePrinter, devices.FaultPaperEnd) })
	if _, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpCheckout}); kiosk.KindOf(err) != kiosk.KindState {
		t.Fatalf("checkout with paper end: %v", err)
	}
	if err := lane.PrintReceipt(ctx, r.Printer, "", "test"); err == nil {
		t.Fatal("printed with paper end")
	}
	sims.Apply(rigsim.Action{Device: "printer", Do: "paper_end", On: false})
	waitFor(t, "paper back", 3*time.Second, func() bool { return !deviceAlert(lane.View(), devices.RolePrinter, devices.FaultPaperEnd) })
	if err := lane.PrintReceipt(ctx, r.Printer, "", "test"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "receipt cut", 3*time.Second, func() bool { return len(sims.Printer.Receipts()) == 1 })
	if _, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpCheckout}); err != nil {
		t.Fatal(err)
	}
}
