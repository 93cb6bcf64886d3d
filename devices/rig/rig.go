// Package rig starts a lane's device drivers — scanner, produce and bagging
// scales, receipt printer, card terminal — on configured serial ports and feeds their events
// to one sink. (rig/rigsim runs them on simulators, in demo builds only.)
package rig

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/devices/scale"
	"github.com/kiosk-sco/kiosk/devices/scanner"
	"github.com/kiosk-sco/kiosk/devices/serialport"
	"github.com/kiosk-sco/kiosk/devices/zvt"
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
	Payment      *PaymentConfig `json:"payment,omitempty"`
}

// PaymentConfig is a ZVT card terminal, on a serial port (9600 8N2 by
// default) or over TCP (host:port; port 20007 when none is given).
type PaymentConfig struct {
	Port
	TCP      string `json:"tcp,omitempty"`
	Password string `json:"password,omitempty"` // the terminal's cash-register password, 6 digits (default 000000)
	// T4Seconds is the most a payment may take between two messages of the
	// terminal (default 180, ZVT's T4).
	T4Seconds int `json:"t4Seconds,omitempty"`
}

// Rig is a lane's running device drivers.
type Rig struct {
	Scanner *scanner.Driver
	Produce *scale.Driver
	Bagging *scale.Driver
	Printer *escpos.Driver
	Payment *zvt.Terminal
	wg      sync.WaitGroup
}

// PrinterWidthMM is the printer's paper width in mm: 58, or 80 (also when
// there is no printer). Receipts are laid out for it, and for nothing else.
func (c Config) PrinterWidthMM() int {
	if c.Printer != nil && c.Printer.WidthMM == 58 {
		return 58
	}
	return 80
}

// Validate checks what Start cannot learn from opening the ports.
func (c Config) Validate() error {
	if c.Scanner == nil && c.ProduceScale == nil && c.BaggingScale == nil && c.Printer == nil && c.Payment == nil {
		return fmt.Errorf("rig: the devices section lists no device (scanner, produceScale, baggingScale, printer, payment)")
	}
	if p := c.Payment; p != nil && (p.Path == "") == (p.TCP == "") {
		return fmt.Errorf(`rig: the payment terminal needs either a serial "path" or a "tcp" address (host:port), not both`)
	}
	if p := c.Printer; p != nil && p.WidthMM != 0 && p.WidthMM != 58 && p.WidthMM != 80 {
		return fmt.Errorf("rig: printer widthMm %d: the printer's paper is 58 or 80 mm wide", p.WidthMM)
	}
	return nil
}

// Options tune Start.
type Options struct {
	Backoff serialport.Backoff // default 0.5–10 s
	Now     func() time.Time
	Log     *slog.Logger
	// PrinterStatusEvery overrides the printer's idle status poll (default 3 s).
	PrinterStatusEvery time.Duration
}

// Start starts a driver for each configured device; they reconnect on their own
// until ctx ends. Wait waits for them to stop.
func Start(ctx context.Context, cfg Config, sink devices.Sink, opt Options) (*Rig, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
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
	if c := cfg.Payment; c != nil {
		var dial zvt.Dialer
		if c.TCP != "" {
			dial = zvt.TCPDialer(c.TCP)
		} else {
			sc, err := c.serial(serialport.Config{Baud: 9600, StopBits: 2})
			if err != nil {
				return nil, fmt.Errorf("payment: %w", err)
			}
			dial = zvt.SerialDialer(sc, zvt.SerialOptions{})
		}
		t, err := zvt.New(dial, zvt.Config{Password: c.Password, T4: time.Duration(c.T4Seconds) * time.Second,
			Now: opt.Now, Log: opt.Log.With("device", "payment")})
		if err != nil {
			return nil, fmt.Errorf("payment: %w", err)
		}
		r.Payment = t // connects on first use, and again after a lost link
	}
	for _, f := range run {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); f() }()
	}
	return r, nil
}

// Wait waits until every driver stopped, after the context given to Start
// ended.
func (r *Rig) Wait() { r.wg.Wait() }
