package main

import (
	"fmt"

	"github.com/kiosk-sco/kiosk/kiosk/bagging"
)

// BaggingConfig is the "bagging" section of the configuration file:
//
//	"bagging": {"enabled": true, "pct": 5, "windowS": 10, "learn": true}
//
// enabled defaults to on when the lane has a bagging scale (the demo's
// simulators include one); every other field is a threshold of
// bagging.Settings, 0 or absent for its default.
type BaggingConfig struct {
	Enabled *bool `json:"enabled,omitempty"`
	bagging.Settings
}

// lane returns the lane's bagging settings, or nil when the rules are off.
func (b BaggingConfig) lane(hasScale bool) (*bagging.Settings, error) {
	if b.Enabled != nil && !*b.Enabled {
		return nil, nil
	}
	if !hasScale {
		if b.Enabled != nil {
			return nil, fmt.Errorf("bagging: enabled, but the devices section has no baggingScale")
		}
		return nil, nil
	}
	s := b.Settings.WithDefaults()
	if err := s.Check(); err != nil {
		return nil, err
	}
	return &s, nil
}
