package rig

import (
	"context"
	"testing"

	"github.com/kiosk-sco/kiosk/devices"
)

func TestConfigRefusesNonsense(t *testing.T) {
	for name, cfg := range map[string]Config{
		"scanner without path": {Scanner: &ScannerConfig{}},
		"parity M":             {Printer: &PrinterConfig{Port: Port{Path: "/dev/x", Parity: "M"}}},
		"scale protocol nci":   {ProduceScale: &ScaleConfig{Port: Port{Path: "/dev/x"}, Protocol: "nci"}},
		"terminator TAB":       {Scanner: &ScannerConfig{Port: Port{Path: "/dev/x"}, Terminator: "TAB"}},
		"no device":            {},
		"printer 76 mm":        {Printer: &PrinterConfig{Port: Port{Path: "/dev/x"}, WidthMM: 76}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Start(context.Background(), cfg, func(devices.Event) {}, Options{}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestPrinterWidth(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want int
	}{
		{Config{}, 80},
		{Config{Printer: &PrinterConfig{}}, 80},
		{Config{Printer: &PrinterConfig{WidthMM: 58}}, 58},
		{Config{Printer: &PrinterConfig{WidthMM: 80}}, 80},
	} {
		if got := tc.cfg.PrinterWidthMM(); got != tc.want {
			t.Errorf("%+v: %d mm, want %d", tc.cfg.Printer, got, tc.want)
		}
	}
}
