//go:build sim

package kiosk

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/scale"
	"github.com/kiosk-sco/kiosk/devices/scale/scalesim"
	"github.com/kiosk-sco/kiosk/devices/serialport"
	"github.com/kiosk-sco/kiosk/kiosk/bagging"
)

// simBagLane is a lane with the bagging rules on whose bagging scale is the
// real SASI driver polling a simulated 8217 over a pseudo-terminal.
func simBagLane(t *testing.T) (*testLane, *scalesim.Sim) {
	t.Helper()
	sim, err := scalesim.New(filepath.Join(t.TempDir(), "bagging"), scalesim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	s := bagging.Defaults()
	tl := newLaneWith(t, func(c *Config) {
		c.Bagging = &s
		c.Now = time.Now // the driver's settle filter and the window run on real time here
	})
	ctx, cancel := context.WithCancel(context.Background())
	sc := scale.SASI{}.SerialConfig()
	sc.Path = sim.Path()
	d := scale.New(devices.RoleBaggingScale, scale.SASI{}, scale.Config{}, tl.Device, nil, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		scale.Run(ctx, serialport.Opens(sc), serialport.Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond}, d)
	}()
	t.Cleanup(func() { cancel(); <-done })
	// The driver reports the empty platter once it has settled: from then on
	// the lane knows the area's weight.
	tl.waitFor("the bagging scale's first weight", func(v *View) bool {
		for _, d := range tl.Devices() {
			if d.Role == devices.RoleBaggingScale && d.Connected && d.Grams != nil {
				return true
			}
		}
		return false
	})
	return tl, sim
}

func bagAlertOf(v *View, typ string) *AlertView {
	if a := openBagAlert(v); a != nil && a.Type == typ {
		return a
	}
	return nil
}

// TestBaggingOverTheRealScaleDriver: an item put in the bagging area without
// a scan reaches the lane through the SASI driver and a pty as an unexpected
// item; staff clear it, and the lane resumes: the next scan sells, and
// bagging it raises nothing.
func TestBaggingOverTheRealScaleDriver(t *testing.T) {
	tl, sim := simBagLane(t)
	tl.scan(milk)
	sim.Set(milkG)
	tl.waitFor("the milk accepted", func(v *View) bool { return v.Bagging != nil && v.Bagging.AcceptedG == milkG && v.Bagging.Awaited == 0 })

	sim.Set(milkG + 480) // a bag of coffee, not scanned
	v := tl.waitFor("an unexpected item", func(v *View) bool { return bagAlertOf(v, AlertBagUnexpected) != nil })
	a := bagAlertOf(v, AlertBagUnexpected)
	var d AlertDetail
	json.Unmarshal(a.Detail, &d)
	if !a.Blocking || d.DeltaG != 480 || v.State != StateSuspended {
		t.Fatalf("alert %+v detail %+v state %s", a, d, v.State)
	}
	tl.refused(Command{Op: OpScan, Code: yoghurt}, KindBusy, "scan.suspended")

	// Staff at the lane see it is the shopper's own, and clear it.
	tl.staff(anna, StaffAction{Op: OpResolve, AlertID: a.ID, Outcome: "done", Reason: "shopper's own coffee"})
	if v := tl.View(); openBagAlert(v) != nil || v.State != StateShopping || v.Bagging.AcceptedG != milkG+480 {
		t.Fatalf("after staff: state %s alerts %+v bagging %+v", v.State, v.Alerts, v.Bagging)
	}
	_, body := tl.lastEvent("alert_resolved")
	if body["by"] != "anna" || body["outcome"] != "done" || body["reason"] != "shopper's own coffee" {
		t.Fatalf("resolution %v", body)
	}
	// The lane resumes.
	tl.scan(yoghurt)
	sim.Set(milkG + 480 + 520)
	tl.waitFor("the yoghurt accepted", func(v *View) bool { return v.Bagging.Awaited == 0 && v.Bagging.AcceptedG == milkG+480+520 })
	if v := tl.View(); openBagAlert(v) != nil || len(v.Lines) != 2 {
		t.Fatalf("alerts %+v lines %d", v.Alerts, len(v.Lines))
	}
	tl.journalMatches()
}

// The shopper takes the unexpected item away again: the lane closes the
// alert itself, without staff.
func TestBaggingCorrectedOverTheRealScaleDriver(t *testing.T) {
	tl, sim := simBagLane(t)
	tl.do(Command{Op: OpStart})
	sim.Set(650)
	tl.waitFor("an unexpected item", func(v *View) bool { return bagAlertOf(v, AlertBagUnexpected) != nil })
	sim.Set(0)
	tl.waitFor("the alert corrected", func(v *View) bool { return openBagAlert(v) == nil })
	_, body := tl.lastEvent("alert_resolved")
	if body["outcome"] != "corrected" || body["type"] != AlertBagUnexpected {
		t.Fatalf("resolution %v", body)
	}
	tl.scan(milk) // scanning goes on
}
