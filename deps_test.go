package kiosk_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection keeps the layers of DESIGN.md honest: cmd → ui → kiosk →
// {devices, catalog}; kiosk knows neither HTTP frameworks nor ORMs, catalog and
// devices import nothing of ours above them.
func TestImportDirection(t *testing.T) {
	const mod = "github.com/kiosk-sco/kiosk/"
	for _, tc := range []struct {
		pkg       string
		forbidden []string
	}{
		{"./kiosk/...", []string{"github.com/gofiber/", "gorm.io/", "net/http", mod + "ui", mod + "cmd"}},
		{"./catalog/...", []string{"github.com/gofiber/", "gorm.io/", mod + "kiosk", mod + "ui", mod + "devices", mod + "cmd"}},
		{"./store/...", []string{mod + "kiosk", mod + "catalog", mod + "ui", mod + "cmd"}},
		{"./ui/...", []string{mod + "cmd", "gorm.io/"}},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "-test=false", tc.pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, bad := range tc.forbidden {
					if dep == strings.TrimSuffix(bad, "/") || strings.HasPrefix(dep, bad) {
						t.Errorf("%s imports %s", tc.pkg, dep)
					}
				}
			}
		})
	}
}

// TestDefaultBinaryLinksNoSimulator: the kiosk a store runs (go build, no
// tags) links no device simulator and no pseudo-terminal library. Why: a
// simulator answers like a scanner, scale or printer, so a production kiosk
// that could start one by mistake would sell against fake devices; the demo
// and the tests get them with -tags sim. The tagged build must have them, or
// this rule could not fail.
func TestDefaultBinaryLinksNoSimulator(t *testing.T) {
	const mod = "github.com/kiosk-sco/kiosk/"
	simulator := func(dep string) bool {
		return strings.HasPrefix(dep, mod+"devices/") && strings.HasSuffix(dep, "sim") ||
			dep == mod+"devices/simport" || strings.HasPrefix(dep, "github.com/creack/pty")
	}
	for _, tc := range []struct {
		tags string
		want bool
	}{{"", false}, {"sim", true}} {
		t.Run("tags="+tc.tags, func(t *testing.T) {
			cmd := exec.Command("go", "list", "-deps", "-test=false", "-tags="+tc.tags, "./cmd/kiosk")
			cmd.Env = append(os.Environ(), "GOFLAGS=")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, out)
			}
			var found []string
			for _, dep := range strings.Fields(string(out)) {
				if simulator(dep) {
					found = append(found, dep)
				}
			}
			if tc.want && len(found) < 5 { // scanner, scale, printer, rig simulators and simport
				t.Errorf("the demo build links only %v", found)
			}
			if !tc.want && len(found) > 0 {
				t.Errorf("the production binary links %v", found)
			}
		})
	}
}

// TestTranslationsImportNothingOfOurs: package i18n holds the words of the
// screen and the receipt. Why: every layer from kiosk/receipt up reads it, so
// it must sit below all of them.
func TestTranslationsImportNothingOfOurs(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test=false", "./i18n").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/kiosk-sco/kiosk/") && dep != "github.com/kiosk-sco/kiosk/i18n" {
			t.Errorf("i18n imports %s", dep)
		}
	}
}
