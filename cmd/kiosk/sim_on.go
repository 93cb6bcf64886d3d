//go:build sim

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/rig"
	"github.com/kiosk-sco/kiosk/devices/rig/rigsim"
	"github.com/kiosk-sco/kiosk/ui"
)

// simulators is true in builds with the "sim" tag: they can run the demo on
// simulated devices.
const simulators = true

// startSimulated starts a simulator for every device in dir and the real
// drivers on them. stop closes the simulators once the drivers stopped.
func startSimulated(ctx context.Context, dir string, sink devices.Sink, opt rig.Options) (r *rig.Rig, sims ui.Sims, stop func(), err error) {
	r, s, err := rigsim.Start(ctx, dir, sink, opt)
	if err != nil {
		return nil, nil, nil, err
	}
	return r, simControl{s}, s.Close, nil
}

// simControl lets /sim drive the simulators.
type simControl struct{ sims *rigsim.Sims }

func (c simControl) Apply(body []byte) error {
	var a rigsim.Action
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return fmt.Errorf("bad JSON: %w", err)
	}
	if err := c.sims.Apply(a); err != nil {
		if errors.Is(err, rigsim.ErrNoSim) {
			return fmt.Errorf("%w: %v", ui.ErrNoSimDevice, err)
		}
		return err
	}
	return nil
}

func (c simControl) LastReceiptPNG() ([]byte, error) { return c.sims.Printer.LastPNG() }
