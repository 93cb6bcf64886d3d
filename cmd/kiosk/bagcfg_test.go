package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBaggingConfig: the bagging section turns the rules on with a bagging
// scale, takes thresholds from the file and refuses nonsense.
func TestBaggingConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, file string
		on         bool
		want       string // "" accepts
		check      func(t *testing.T, c Config)
	}{
		{"the demo has a bagging scale: on with defaults", `{}`, true, "", func(t *testing.T, c Config) {}},
		{"thresholds from the file", `{"bagging":{"pct":7.5,"windowS":12,"learn":false}}`, true, "", func(t *testing.T, c Config) {
			lc, _ := c.laneConfig()
			if lc.Bagging.Pct != 7.5 || time.Duration(lc.Bagging.Window) != 12*time.Second || lc.Bagging.Learning() || lc.Bagging.AbsG != 10 {
				t.Fatalf("settings %+v", *lc.Bagging)
			}
		}},
		{"off", `{"bagging":{"enabled":false}}`, false, "", nil},
		{"a tolerance of 90 %", `{"bagging":{"pct":90}}`, true, "pct", nil},
		{"a window of an hour and more", `{"bagging":{"windowS":4000}}`, true, "duration", nil},
		{"an unknown threshold", `{"bagging":{"tolerance":5}}`, true, "unknown field", nil},
		{"noise above the tolerance", `{"bagging":{"noiseG":50}}`, true, "noiseG", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
			os.WriteFile(p, []byte(tc.file), 0o600)
			cfg, err := serveConfig([]string{"--config", p}, &strings.Builder{}, &strings.Builder{})
			if err == nil {
				var lc any
				lcfg, lerr := cfg.laneConfig()
				err, lc = lerr, lcfg.Bagging
				if err == nil && (lcfg.Bagging != nil) != tc.on {
					t.Fatalf("bagging %v, want on=%v", lc, tc.on)
				}
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
			if tc.check != nil {
				tc.check(t, cfg)
			}
		})
	}
}
