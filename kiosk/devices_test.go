package kiosk

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
)

func (tl *testLane) waitFor(what string, ok func(*View) bool) *View {
	tl.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		v := tl.View()
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			tl.t.Fatalf("timed out waiting for %s; view %+v", what, v)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func status(role devices.Role, connected bool, faults, warnings []string) devices.Event {
	return devices.Event{Role: role, Kind: devices.KindStatus, Status: &devices.Status{Connected: connected, Faults: faults, Warnings: warnings}}
}

func hasAlert(v *View, typ, fault string) *AlertView {
	for i, a := range v.Alerts {
		var d AlertDetail
		json.Unmarshal(a.Detail, &d)
		if a.Type == typ && d.Fault == fault {
			return &v.Alerts[i]
		}
	}
	return nil
}

func TestScannerEventsAndUnplug(t *testing.T) {
	tl := newTestLane(t)
	ch, cancel := tl.Subscribe(16)
	defer cancel()
	tl.Device(devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, Scan: &devices.Scan{Data: "]E0" + milk}})
	v := tl.waitFor("scanned line", func(v *View) bool { return len(v.Lines) == 1 })
	if v.Lines[0].GTIN != "0"+milk {
		t.Fatalf("line %+v", v.Lines[0])
	}
	<-ch
	// A misread from the scanner changes nothing and tells the screen.
	tl.Device(devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, Scan: &devices.Scan{Data: "4006381333932"}})
	u := <-ch
	if u.View != nil || u.Notice == nil || u.Notice.Code != "scan.check_digit" {
		t.Fatalf("want a scan_refused notice, got %+v", u)
	}
	// Unplugged mid-transaction: blocking; back: resolved by the system.
	tl.Device(status(devices.RoleScanner, false, nil, nil))
	v = tl.waitFor("scanner alert", func(v *View) bool { return hasAlert(v, AlertScannerFault, devices.FaultUnplugged) != nil })
	if !hasAlert(v, AlertScannerFault, devices.FaultUnplugged).Blocking || v.State != StateSuspended {
		t.Fatalf("scanner unplugged mid-transaction must suspend: %+v", v)
	}
	tl.Device(status(devices.RoleScanner, true, nil, nil))
	v = tl.waitFor("recovery", func(v *View) bool { return len(v.Alerts) == 0 })
	if v.State != StateShopping {
		t.Fatalf("state %s", v.State)
	}
	var by, how string
	tl.db.R.QueryRow(`SELECT resolved_by, resolution FROM alerts WHERE type = ?`, AlertScannerFault).Scan(&by, &how)
	if by != "system" || how != "recovered" {
		t.Fatalf("resolved by %q as %q", by, how)
	}
	tl.journalMatches()
}

func TestPrinterFaultsBlockPayment(t *testing.T) {
	tl := newTestLane(t)
	tl.scan(milk)
	tl.Device(status(devices.RolePrinter, true, []string{devices.FaultPaperEnd}, []string{devices.WarnPaperNearEnd}))
	v := tl.waitFor("printer alerts", func(v *View) bool { return len(v.Alerts) == 2 })
	if hasAlert(v, AlertPrinterFault, devices.FaultPaperEnd) == nil || hasAlert(v, AlertPrinterWarning, devices.WarnPaperNearEnd) == nil || v.State != StateShopping {
		t.Fatalf("alerts %+v state %s", v.Alerts, v.State)
	}
	tl.refused(Command{Op: OpCheckout}, KindState, "checkout.printer_fault")
	// The same status again raises nothing new.
	seq := v.Seq
	tl.Device(status(devices.RolePrinter, true, []string{devices.FaultPaperEnd}, []string{devices.WarnPaperNearEnd}))
	tl.Device(status(devices.RolePrinter, true, nil, []string{devices.WarnPaperNearEnd})) // paper in, still low
	v = tl.waitFor("paper end cleared", func(v *View) bool { return len(v.Alerts) == 1 })
	if v.Seq != seq+1 {
		t.Fatalf("seq %d, want %d (one resolve event)", v.Seq, seq+1)
	}
	if v = tl.do(Command{Op: OpCheckout}).View; v.State != StateReadyToPay {
		t.Fatalf("checkout with only a warning open: %s", v.State)
	}
	// The cover opens while the shopper is on the pay screen: back to scanning.
	tl.Device(status(devices.RolePrinter, true, []string{devices.FaultCoverOpen}, []string{devices.WarnPaperNearEnd}))
	v = tl.waitFor("cover alert", func(v *View) bool { return hasAlert(v, AlertPrinterFault, devices.FaultCoverOpen) != nil })
	if v.State != StateShopping {
		t.Fatalf("a payment-blocking fault on the pay screen leaves state %s", v.State)
	}
	if devs := tl.Devices(); len(devs) != 1 || devs[0].Role != devices.RolePrinter || len(devs[0].Warnings) != 1 || devs[0].Faults[0] != devices.FaultCoverOpen {
		t.Fatalf("devices %+v", devs)
	}
}

func TestScalesReachTheLane(t *testing.T) {
	tl := newTestLane(t)
	tl.Device(devices.Event{Role: devices.RoleProduceScale, Kind: devices.KindWeight, Weight: &devices.Weight{Grams: 1234}})
	deadline := time.Now().Add(3 * time.Second)
	for len(tl.Devices()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	v := tl.do(Command{Op: OpWeighed, PLU: bananas}).View // weight from the scale
	if v.Lines[0].WeightG != 1234 || v.Lines[0].Amount != "2.09" {
		t.Fatalf("line %+v", v.Lines[0])
	}
	// A faulted scale's last weight is not used, and is forgotten.
	tl.Device(status(devices.RoleProduceScale, true, []string{devices.FaultOverCapacity}, nil))
	tl.waitFor("scale fault alert", func(v *View) bool { return hasAlert(v, AlertScaleFault, devices.FaultOverCapacity) != nil })
	tl.refused(Command{Op: OpWeighed, PLU: bananas}, KindState, "scale.fault")
	tl.Device(status(devices.RoleProduceScale, true, nil, nil))
	tl.waitFor("scale recovered", func(v *View) bool { return len(v.Alerts) == 0 })
	// Until the scale says its load again, it is settling.
	tl.refused(Command{Op: OpWeighed, PLU: bananas}, KindState, "scale.moving")
	tl.produceEvent(0, false)
	tl.refused(Command{Op: OpWeighed, PLU: bananas}, KindState, "scale.no_weight")

	seq := tl.View().Seq
	tl.Device(devices.Event{Role: devices.RoleBaggingScale, Kind: devices.KindWeight, Weight: &devices.Weight{Grams: 1240}})
	tl.waitFor("bagging event", func(v *View) bool { return v.Seq == seq+1 })
	evs, _ := tl.EventsAfter(t.Context(), seq, 10)
	if len(evs) != 1 || evs[0].Type != "bagging_weight" || string(evs[0].Body) != `{"delta":1240,"grams":1240}` {
		t.Fatalf("events %+v", evs)
	}
	// The load said again after a touch, within the noise, is no change;
	// creep past it is.
	for _, g := range []int{1245, 1232, 1252} {
		tl.Device(devices.Event{Role: devices.RoleBaggingScale, Kind: devices.KindWeight, Weight: &devices.Weight{Grams: g}})
	}
	tl.waitFor("bagging creep", func(v *View) bool { return v.Seq == seq+2 })
	evs, _ = tl.EventsAfter(t.Context(), seq+1, 10)
	if len(evs) != 1 || string(evs[0].Body) != `{"delta":12,"grams":1252}` {
		t.Fatalf("events after noise %+v", evs)
	}
}
