//go:build !sim

package main

import (
	"context"
	"errors"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/rig"
	"github.com/kiosk-sco/kiosk/ui"
)

// simulators is false in the production build: it links no simulator and no
// pseudo-terminal library (deps_test.go checks).
const simulators = false

func startSimulated(context.Context, string, devices.Sink, rig.Options) (*rig.Rig, ui.Sims, func(), error) {
	return nil, nil, nil, errors.New("this kiosk binary has no simulated devices")
}
