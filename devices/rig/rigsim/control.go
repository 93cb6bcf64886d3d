package rigsim

import (
	"errors"
	"fmt"
	"time"
	"unicode"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/zvt/zvtsim"
)

// Action is an input or a fault to inject into a simulated device, as the /sim
// page sends it.
type Action struct {
	Device string `json:"device"` // scanner, scale.produce, scale.bagging, printer, payment
	Do     string `json:"do"`     // see Apply
	Data   string `json:"data,omitempty"`
	Grams  int    `json:"grams,omitempty"`
	On     bool   `json:"on,omitempty"`
}

// ErrNoSim reports an action for a device that is not simulated.
var ErrNoSim = errors.New("rigsim: no such simulated device")

// Apply performs a on the simulators:
//
//	scanner:        scan (Data), double (Data), noise, unplug, replug
//	scale.produce,
//	scale.bagging:  set (Grams), motion (On), overload (On), under_zero (On), drift (Grams per s), zero, unplug, replug
//	printer:        paper_near_end (On), paper_end (On), cover_open (On), offline (On), unplug, replug
//	payment:        next (Data: what the next card does, zvtsim.ParseBehavior), clear, unplug, replug
func (s *Sims) Apply(a Action) error {
	if s == nil {
		return ErrNoSim
	}
	switch devices.Role(a.Device) {
	case devices.RoleScanner:
		if s.Scanner == nil {
			return ErrNoSim
		}
		switch a.Do {
		case "scan", "double":
			if a.Data == "" || len(a.Data) > 200 {
				return errors.New("rigsim: scan needs 1..200 characters of data")
			}
			for _, r := range a.Data {
				if r > unicode.MaxASCII {
					return errors.New("rigsim: a serial scanner sends ASCII")
				}
			}
			if a.Do == "double" {
				return s.Scanner.DoubleRead(a.Data)
			}
			return s.Scanner.Scan(a.Data)
		case "noise":
			return s.Scanner.Noise(12)
		case "unplug":
			s.Scanner.Unplug()
			return nil
		case "replug":
			return s.Scanner.Replug()
		}
	case devices.RoleProduceScale, devices.RoleBaggingScale:
		sim := s.Produce
		if a.Device == string(devices.RoleBaggingScale) {
			sim = s.Bagging
		}
		if sim == nil {
			return ErrNoSim
		}
		switch a.Do {
		case "set":
			if a.Grams < 0 || a.Grams > 100000 {
				return errors.New("rigsim: grams must be 0..100000")
			}
			sim.Set(a.Grams)
			return nil
		case "motion":
			sim.Motion(a.On)
			return nil
		case "overload":
			sim.Overload(a.On)
			return nil
		case "under_zero":
			sim.UnderZero(a.On)
			return nil
		case "drift":
			sim.Drift(a.Grams)
			return nil
		case "zero":
			sim.Zero()
			return nil
		case "unplug":
			sim.Unplug()
			return nil
		case "replug":
			return sim.Replug()
		}
	case devices.RolePrinter:
		if s.Printer == nil {
			return ErrNoSim
		}
		switch a.Do {
		case "paper_near_end":
			s.Printer.PaperNearEnd(a.On)
			return nil
		case "paper_end":
			s.Printer.PaperEnd(a.On)
			return nil
		case "cover_open":
			s.Printer.CoverOpen(a.On)
			return nil
		case "offline":
			s.Printer.Offline(a.On)
			return nil
		case "unplug":
			s.Printer.Unplug()
			return nil
		case "replug":
			return s.Printer.Replug()
		}
	case devices.RolePayment:
		if s.Terminal == nil {
			return ErrNoSim
		}
		switch a.Do {
		case "next": // what the next card does: approve, decline[:05], approve_offline, timeout, drop_reply, lose_link[:after], printer_not_ready, busy
			b, err := zvtsim.ParseBehavior(a.Data)
			if err != nil {
				return err
			}
			if b.Kind == zvtsim.LoseLink && b.ReplugAfter == 0 {
				b.ReplugAfter = 3 * time.Second // the demo's cable goes back by itself
			}
			s.Terminal.Next(b)
			return nil
		case "clear":
			s.Terminal.Clear()
			return nil
		case "unplug":
			s.Terminal.Unplug()
			return nil
		case "replug":
			return s.Terminal.Replug()
		}
	default:
		return fmt.Errorf("%w: %q", ErrNoSim, a.Device)
	}
	return fmt.Errorf("rigsim: %s cannot %q", a.Device, a.Do)
}
