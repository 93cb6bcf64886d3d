package kiosk

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"github.com/kiosk-sco/kiosk/devices"
)

// Device hands an event of one of the lane's devices to the lane. Drivers call it
// from their own goroutines; it waits while the lane works on something else.
func (l *Lane) Device(ev devices.Event) {
	select {
	case l.devs <- ev:
	case <-l.done:
	}
}

// DeviceView is what the lane last heard from one device.
type DeviceView struct {
	Role      devices.Role `json:"role"`
	Connected bool         `json:"connected"`
	Faults    []string     `json:"faults"`
	Warnings  []string     `json:"warnings"`
	Grams     *int         `json:"grams,omitempty"`  // scales: last settled weight
	Moving    bool         `json:"moving,omitempty"` // produce scale: the load is changing
}

// Devices returns the devices the lane has heard from, in role order.
func (l *Lane) Devices() []DeviceView {
	if p := l.devView.Load(); p != nil {
		return *p
	}
	return []DeviceView{}
}

func (l *Lane) storeDevices(s *state) {
	out := []DeviceView{}
	for _, role := range slices.Sorted(maps.Keys(s.devStatus)) {
		st := s.devStatus[role]
		v := DeviceView{Role: role, Connected: st.Connected, Faults: orEmpty(st.Faults), Warnings: orEmpty(st.Warnings)}
		switch role {
		case devices.RoleProduceScale:
			g := s.produce.grams
			v.Grams, v.Moving = &g, s.produce.moving
		case devices.RoleBaggingScale:
			g := s.baggingG
			v.Grams = &g
		}
		out = append(out, v)
	}
	l.devView.Store(&out)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// handleDevice runs one device event on the lane goroutine.
func (l *Lane) handleDevice(ctx context.Context, ev devices.Event) {
	var err error
	switch {
	case ev.Kind == devices.KindScan && ev.Scan != nil && ev.Scan.Refused != "":
		// The driver refused the line (noise, a control byte, no symbology
		// identifier): the shopper hears of it as of any misread.
		l.hub.publish(Update{Notice: &Notice{Kind: "scan_refused", Code: "scan." + ev.Scan.Refused,
			Message: "please scan again", Role: string(ev.Role)}})
	case ev.Kind == devices.KindScan && ev.Scan != nil && l.cfg.StaffBadge != nil && l.cfg.StaffBadge(ev.Scan.Data):
		// A staff badge: no product, and no code in the journal (it opens a
		// login); only the lane's own screen hears of it.
		l.hub.publish(Update{Notice: &Notice{Kind: "staff_badge", Code: ev.Scan.Data, Role: string(ev.Role)}})
	case ev.Kind == devices.KindScan && ev.Scan != nil:
		_, err = l.handle(ctx, Command{Op: OpScan, Code: ev.Scan.Data, Source: "scanner"})
		var ke *Error
		if errors.As(err, &ke) && ke.Kind != KindInternal {
			l.hub.publish(Update{Notice: &Notice{Kind: "scan_refused", Code: ke.Code, Message: ke.Detail, Role: string(ev.Role)}})
			return
		}
	case ev.Kind == devices.KindWeight && ev.Weight != nil && ev.Role == devices.RoleProduceScale:
		l.produceWeight(*ev.Weight)
		l.ensureDevice(ev.Role)
		l.storeDevices(&l.st)
		n := &Notice{Kind: "scale", Role: string(ev.Role), Moving: ev.Weight.Moving}
		if !ev.Weight.Moving {
			g := ev.Weight.Grams
			n.Grams = &g
		}
		l.hub.publish(Update{Notice: n})
	case ev.Kind == devices.KindWeight && ev.Weight != nil && ev.Weight.Moving:
		// The bagging rules work on settled weights only.
	case ev.Kind == devices.KindWeight && ev.Weight != nil:
		_, err = l.handle(ctx, Command{Op: opBagging, dev: &ev})
	case ev.Kind == devices.KindStatus && ev.Status != nil:
		_, err = l.handle(ctx, Command{Op: opDeviceStatus, dev: &ev})
	}
	if err != nil {
		l.cfg.Log.Error("lane: device event failed", "lane", l.id, "role", ev.Role, "kind", ev.Kind, "err", err)
	}
}

// produceWeight takes a report of the produce scale into the lane's memory.
func (l *Lane) produceWeight(wt devices.Weight) {
	p := &l.st.produce
	if wt.Moving {
		p.moving = true
		return
	}
	p.grams, p.moving = wt.Grams, false
	if wt.Grams <= l.cfg.ScaleNoiseG {
		p.wasEmpty = true
	}
}

// ensureDevice marks a device that reports weights as connected.
func (l *Lane) ensureDevice(role devices.Role) {
	if l.st.devStatus == nil {
		l.st.devStatus = map[devices.Role]devices.Status{}
	}
	if _, ok := l.st.devStatus[role]; !ok {
		l.st.devStatus[role] = devices.Status{Connected: true}
	}
}

// bagging journals a settled change of the bagging-area scale and runs the
// bagging rules on it.
func (l *Lane) bagging(w *writer, ev *devices.Event) error {
	st := w.st
	g := ev.Weight.Grams
	delta := g - st.baggingG
	noise := l.cfg.ScaleNoiseG
	if l.cfg.Bagging != nil {
		noise = l.cfg.Bagging.NoiseG
	}
	resuming := st.txn != nil && st.txn.bag.Suspended // the first reading after a fault is the new reference, however close
	if delta <= noise && -delta <= noise && !resuming {
		// The scale says its load again after a touch, a fault or a replug:
		// a change within the noise is none. The reference stays, so slow
		// creep is recorded once it adds up.
		return nil
	}
	st.baggingG = g
	if err := w.emit("bagging_weight", map[string]int{"grams": g, "delta": delta}); err != nil {
		return err
	}
	return l.bagSettled(w, g)
}

// deviceStatus turns a device's fault set into alerts: a new fault raises one, a
// fault gone resolves its alert as recovered.
func (l *Lane) deviceStatus(w *writer, ev *devices.Event) error {
	st := w.st
	role := ev.Role
	status := *ev.Status
	if !status.Connected && !status.Has(devices.FaultUnplugged) {
		status.Faults = append(slices.Clone(status.Faults), devices.FaultUnplugged)
	}
	if st.devStatus == nil {
		st.devStatus = map[devices.Role]devices.Status{}
	} else {
		st.devStatus = maps.Clone(st.devStatus)
	}
	st.devStatus[role] = status
	if role == devices.RoleBaggingScale {
		if err := l.bagScale(w, status); err != nil {
			return err
		}
	}
	if role == devices.RoleProduceScale && !status.OK() {
		// A weight from before the fault is no weight to sell by: the scale
		// says the load again once it settles after the recovery (its driver
		// reports the first settled weight after any fault or replug).
		st.produce.grams, st.produce.moving = 0, true
	}
	typ := deviceAlertType(role)
	// Resolve alerts whose fault is gone.
	kept := st.alerts[:0:0]
	open := map[string]bool{}
	for _, a := range st.alerts {
		var d AlertDetail
		if isDeviceAlert(a.Type) && json.Unmarshal(a.Detail, &d) == nil && d.Device == string(role) {
			if !status.Has(d.Fault) {
				if err := l.closeAlert(w, a, "system", "recovered"); err != nil {
					return err
				}
				continue
			}
			open[d.Fault] = true
		}
		kept = append(kept, a)
	}
	st.alerts = kept
	raise := func(t, code string) error {
		if open[code] {
			return nil
		}
		blocking := t == AlertScannerFault && st.txn != nil
		if AlertTypes[t].BlocksPayment {
			// Not on the pay screen while paying cannot work: back to scanning,
			// where the banner says why.
			if err := l.resume(w); err != nil {
				return err
			}
		}
		return l.raiseAs(w, t, AlertDetail{Device: string(role), Fault: code}, blocking)
	}
	for _, f := range status.Faults {
		if err := raise(typ, f); err != nil {
			return err
		}
	}
	for _, f := range status.Warnings {
		t := typ
		if role == devices.RolePrinter {
			t = AlertPrinterWarning
		}
		if err := raise(t, f); err != nil {
			return err
		}
	}
	return nil
}

func deviceAlertType(role devices.Role) string {
	switch role {
	case devices.RoleScanner:
		return AlertScannerFault
	case devices.RolePrinter:
		return AlertPrinterFault
	case devices.RolePayment:
		return AlertTerminalFault
	default:
		return AlertScaleFault
	}
}

func isDeviceAlert(typ string) bool {
	switch typ {
	case AlertScannerFault, AlertPrinterFault, AlertPrinterWarning, AlertScaleFault, AlertTerminalFault:
		return true
	}
	return false
}
