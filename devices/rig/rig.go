// Package rig starts a lane's device drivers — scanner, produce and bagging
// scales, receipt printer — on configured serial ports, or on simulators behind
// pseudo-terminals when nothing is configured, and feeds their events to one sink.
package rig

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/devices/escpos/printersim"
	"github.com/kiosk-sco/kiosk/devices/scale"
	"github.com/kiosk-sco/kiosk/devices/scale/scalesim"
	"github.com/kiosk-sco/kiosk/devices/scanner"
	"github.com/kiosk-sco/kiosk/devices/scanner/scannersim"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// Port is the serial line of one device. Zero fields take the device's defaults.
type Port struct {
	Path     string `json:"path"` // prefer /dev/serial/by-id/… names
	Baud     int    `json:"baud,omitempty"`
	DataBits int    `json:"dataBits,omitempty"`
	Parity   string `json:"parity,omitempty"` // N, E or O
	StopBits int    `json:"stopBits,omitempty"`
}

func (p Port) serial(def serialport.Config) (serialport.Config, error) {
	c := def
	c.Path = p.Path
	if p.Baud != 0 {
		c.Baud = p.Baud
	}
	if p.DataBits != 0 {
		c.DataBits = p.DataBits
	}
	if p.StopBits != 0 {
		c.StopBits = p.StopBits
	}
	switch strings.ToUpper(p.Parity) {
	case "":
	case "N", "NONE":
		c.Parity = serialport.ParityNone
	case "E", "EVEN":
		c.Parity = serialport.ParityEven
	case "O", "ODD":
		c.Parity = serialport.ParityOdd
	default:
		return c, fmt.Errorf("rig: parity %q (want N, E or O)", p.Parity)
	}
	if c.Path == "" {
		return c, fmt.Errorf("rig: a device needs a path")
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 200 * time.Millisecond
	}
	return c, nil
}

// ScannerConfig is a barcode scanner in serial mode.
type ScannerConfig struct {
	Port
	Terminator   string `json:"terminator,omitempty"` // CR, LF or CRLF: accepted, no effect (CR, LF and CR LF all end a line)
	RequireAIM   bool   `json:"requireAim,omitempty"`
	DoubleReadMS int    `json:"doubleReadMs,omitempty"`
}

// ScaleConfig is a scale; the protocol is Mettler-Toledo 8217 (SASI), 9600 7E1.
type ScaleConfig struct {
	Port
	Protocol string `json:"protocol,omitempty"` // "sasi" (default)
}

// PrinterConfig is an ESC/POS receipt printer.
type PrinterConfig struct {
	Port
	WidthMM int `json:"widthMm,omitempty"` // 58 or 80 (default)
}

// Config lists the lane's devices; a nil device is absent.
type Config struct {
	Scanner      *ScannerConfig `json:"scanner,omitempty"`
	ProduceScale *ScaleConfig   `json:"produceScale,omitempty"`
	BaggingScale *ScaleConfig   `json:"baggingScale,omitempty"`
	Printer      *PrinterConfig `json:"printer,omitempty"`
}

// Rig is a lane's running device drivers, and their simulators when simulated.
type Rig struct {
	Scanner *scanner.Driver
	Produce *scale.Driver
	Bagging *scale.Driver
	Printer *escpos.Driver
	Sims    *Sims // nil with real devices
	wg      sync.WaitGroup
}

// Sims are the simulated devices at the far end of the drivers' ports.
type Sims struct {
	Scanner *scannersim.Sim
	Produce *scalesim.Sim
	Bagging *scalesim.Sim
	Printer *printersim.Sim
	Dir     string
}

// Options tune Start.
type Options struct {
	Backoff serialport.Backoff // default 0.5–10 s
	Now     func() time.Time
	Log     *slog.Logger
	// PrinterStatusEvery overrides the printer's idle status poll (default 3 s).
	PrinterStatusEvery time.Duration
}

// Simulated returns a configuration of all four devices on simulators whose
// stable port names live in dir (like /dev/serial/by-id).
func Simulated(dir string) Config {
	p := func(name string) Port { return Port{Path: filepath.Join(dir, name)} }
	return Config{
		Scanner:      &ScannerConfig{Port: p("usb-Sim_Scanner-if00")},
		ProduceScale: &ScaleConfig{Port: p("usb-Sim_Produce_Scale-if00")},
		BaggingScale: &ScaleConfig{Port: p("usb-Sim_Bagging_Scale-if00")},
		Printer:      &PrinterConfig{Port: p("usb-Sim_Printer-if00"), WidthMM: 80},
	}
}

// StartSimulated starts simulators in dir and the real drivers on them.
func StartSimulated(ctx context.Context, dir string, sink devices.Sink, opt Options) (*Rig, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	cfg := Simulated(dir)
	sims := &Sims{Dir: dir}
	var err error
	fail := func(e error) (*Rig, error) {
		sims.Close()
		return nil, fmt.Errorf("rig: simulators: %w", e)
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
	r, err := Start(ctx, cfg, sink, opt)
	if err != nil {
		return fail(err)
	}
	r.Sims = sims
	return r, nil
}

// Start starts a driver for each configured device; they reconnect on their own
// until ctx ends. Wait waits for them to stop.
func Start(ctx context.Context, cfg Config, sink devices.Sink, opt Options) (*Rig, error) {
	if opt.Backoff.Min == 0 {
		opt.Backoff = serialport.DefaultBackoff
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	// A driver that stops because ctx ended may still report its port closing:
	// that is a shutdown, not an unplug, so nothing reaches the sink after ctx.
	deliver := sink
	sink = func(ev devices.Event) {
		if ctx.Err() == nil {
			deliver(ev)
		}
	}
	r := &Rig{}
	type starter func()
	var run []starter
	if c := cfg.Scanner; c != nil {
		sc, err := c.serial(serialport.Config{Baud: 9600})
		if err != nil {
			return nil, fmt.Errorf("scanner: %w", err)
		}
		scfg := scanner.Config{Terminator: c.Terminator, RequireAIM: c.RequireAIM, DoubleReadWindow: time.Duration(c.DoubleReadMS) * time.Millisecond}
		if err := scfg.Validate(); err != nil {
			return nil, fmt.Errorf("scanner: %w", err)
		}
		r.Scanner = scanner.New(scfg, sink, opt.Now, opt.Log.With("device", "scanner"))
		run = append(run, func() { scanner.Run(ctx, serialport.Opens(sc), opt.Backoff, r.Scanner) })
	}
	for _, s := range []struct {
		cfg  *ScaleConfig
		role devices.Role
		drv  **scale.Driver
	}{{cfg.ProduceScale, devices.RoleProduceScale, &r.Produce}, {cfg.BaggingScale, devices.RoleBaggingScale, &r.Bagging}} {
		if s.cfg == nil {
			continue
		}
		if p := strings.ToLower(s.cfg.Protocol); p != "" && p != "sasi" {
			return nil, fmt.Errorf("%s: protocol %q (this build speaks sasi)", s.role, s.cfg.Protocol)
		}
		proto := scale.SASI{}
		sc, err := s.cfg.serial(proto.SerialConfig())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.role, err)
		}
		d := scale.New(s.role, proto, scale.Config{}, sink, opt.Now, opt.Log) // the driver names its role
		*s.drv = d
		run = append(run, func() { scale.Run(ctx, serialport.Opens(sc), opt.Backoff, d) })
	}
	if c := cfg.Printer; c != nil {
		pcfg := escpos.Config{Width: c.WidthMM, StatusEvery: opt.PrinterStatusEvery, Baud: c.Baud}
		sc, err := c.serial(serialport.Config{Baud: 9600})
		if err != nil {
			return nil, fmt.Errorf("printer: %w", err)
		}
		r.Printer = escpos.New(pcfg, sink, opt.Now, opt.Log) // the driver names itself
		run = append(run, func() { escpos.Run(ctx, serialport.Opens(sc), opt.Backoff, r.Printer) })
	}
	for _, f := range run {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); f() }()
	}
	return r, nil
}

// Wait waits until every driver stopped (after the context given to Start ended),
// then closes the simulators.
func (r *Rig) Wait() {
	r.wg.Wait()
	if r.Sims != nil {
		r.Sims.Close()
	}
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
}
