// Package rigsim runs a lane's five devices on simulators behind
// pseudo-terminals, with the real drivers of package rig on them: the demo and
// the tests. Only builds with the "sim" tag link it into the kiosk binary.
package rigsim

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/escpos/printersim"
	"github.com/kiosk-sco/kiosk/devices/rig"
	"github.com/kiosk-sco/kiosk/devices/scale/scalesim"
	"github.com/kiosk-sco/kiosk/devices/scanner/scannersim"
	"github.com/kiosk-sco/kiosk/devices/zvt/zvtsim"
)

// Sims are the simulated devices at the far end of the drivers' ports.
type Sims struct {
	Scanner *scannersim.Sim
	Produce *scalesim.Sim
	Bagging *scalesim.Sim
	Printer *printersim.Sim
	// Terminal is the ZVT card terminal; its ledger of approvals lives in
	// Dir (terminal-ledger.jsonl) and survives restarts.
	Terminal *zvtsim.Sim
	Dir      string
}

// Config returns a configuration of all four devices on simulators whose
// stable port names live in dir (like /dev/serial/by-id); the printer takes
// 80 mm paper.
func Config(dir string) rig.Config {
	p := func(name string) rig.Port { return rig.Port{Path: filepath.Join(dir, name)} }
	return rig.Config{
		Scanner:      &rig.ScannerConfig{Port: p("usb-Sim_Scanner-if00")},
		ProduceScale: &rig.ScaleConfig{Port: p("usb-Sim_Produce_Scale-if00")},
		BaggingScale: &rig.ScaleConfig{Port: p("usb-Sim_Bagging_Scale-if00")},
		Printer:      &rig.PrinterConfig{Port: p("usb-Sim_Printer-if00"), WidthMM: 80},
		Payment:      &rig.PaymentConfig{Port: p("usb-Sim_Card_Terminal-if00")},
	}
}

// Start starts the simulators of Config(dir) and the real drivers on them.
// When ctx ends, wait for the drivers (Rig.Wait), then Close the simulators.
func Start(ctx context.Context, dir string, sink devices.Sink, opt rig.Options) (*rig.Rig, *Sims, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, nil, err
	}
	cfg := Config(dir)
	sims := &Sims{Dir: dir}
	var err error
	fail := func(e error) (*rig.Rig, *Sims, error) {
		sims.Close()
		return nil, nil, fmt.Errorf("rigsim: simulators: %w", e)
	}
	if sims.Scanner, err = scannersim.New(cfg.Scanner.Path); err != nil {
		return fail(err)
	}
	if sims.Produce, err = scalesim.New(cfg.ProduceScale.Path, scalesim.Options{}); err != nil {
		return fail(err)
	}
	if sims.Bagging, err = scalesim.New(cfg.BaggingScale.Path, scalesim.Options{Capacity: 30000}); err != nil {
		return fail(err)
	}
	if sims.Printer, err = printersim.New(cfg.Printer.Path, cfg.Printer.WidthMM); err != nil {
		return fail(err)
	}
	if sims.Terminal, err = zvtsim.New(cfg.Payment.Path, zvtsim.Options{Ledger: filepath.Join(dir, "terminal-ledger.jsonl")}); err != nil {
		return fail(err)
	}
	r, err := rig.Start(ctx, cfg, sink, opt)
	if err != nil {
		return fail(err)
	}
	return r, sims, nil
}

// Close unplugs every simulator for good.
func (s *Sims) Close() {
	if s == nil {
		return
	}
	if s.Scanner != nil {
		s.Scanner.Close()
	}
	if s.Produce != nil {
		s.Produce.Close()
	}
	if s.Bagging != nil {
		s.Bagging.Close()
	}
	if s.Printer != nil {
		s.Printer.Close()
	}
	if s.Terminal != nil {
		s.Terminal.Close()
	}
}
