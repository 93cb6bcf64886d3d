package kiosk_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/kiosk-sco/kiosk/"

// depRule bans imports from the packages that Pkgs matches. Each key of Bad
// is an import path (which also bans the packages below it) or a prefix ending
// in "/", and its value says why the rule exists.
type depRule struct {
	Pkgs string // a go list pattern
	// Direct checks only the packages' own imports, tests included; otherwise
	// every package they depend on, tests excluded (what ships).
	Direct bool
	Except []string // packages of Pkgs the rule does not apply to
	Bad    map[string]string
}

const (
	whyDown      = "imports point down only: cmd → ui → kiosk → {devices, catalog} → store"
	whyNoHTTP    = "the lane knows nothing of HTTP: ui turns requests into kiosk.Commands and views into JSON"
	whyNoORM     = "the lane stores through database/sql on modernc.org/sqlite, prepared statements measured against raw SQLite; GORM is for the HQ service"
	whySiblings  = "devices and catalog are siblings under kiosk: a driver reports codes and grams, the lane looks them up"
	whyNoFiber   = "only ui speaks HTTP"
	whyBottom    = whyDown + ": store is the bottom layer"
	whySerialOne = "only devices/serialport opens serial ports, so swapping the port library is a one-file change"
	whyHQApart   = "HQ lives beside the lanes, never inside them: the two share only hqwire, the wire format"
	whyWire      = "hqwire is the wire format both ends share: a leaf that imports nothing of ours"
	whyTwoSQLite = "modernc.org/sqlite (the lane) and github.com/glebarez/go-sqlite (HQ) both register the database/sql driver \"sqlite\": one process cannot link both"
)

// depRules are the layers of the design. Add a rule here with its reason.
var depRules = []depRule{
	{Pkgs: "./hqwire/...", Bad: map[string]string{
		mod: whyWire,
	}},
	{Pkgs: "./kiosk/...", Except: []string{mod + "kiosk/hqsync"}, Bad: map[string]string{
		"github.com/glebarez/": whyTwoSQLite,
		"github.com/gofiber/":  whyNoHTTP,
		"github.com/valyala/":  whyNoHTTP,
		"net/http":             whyNoHTTP,
		"gorm.io/":             whyNoORM,
		mod + "ui":             whyDown,
		mod + "cmd":            whyDown,
	}},
	{Pkgs: "./kiosk/hqsync", Bad: map[string]string{
		"github.com/glebarez/": whyTwoSQLite,
		"github.com/gofiber/":  whyNoFiber,
		"gorm.io/":             whyNoORM,
		mod + "ui":             whyDown,
		mod + "cmd":            whyDown,
		mod + "kiosk/staff":    "the syncer reads the journal and the audit log; it acts on nothing",
		mod + "hq":             whyHQApart,
	}},
	{Pkgs: "./hq/...", Bad: map[string]string{
		"modernc.org/sqlite": whyTwoSQLite,
		mod + "kiosk":        whyHQApart,
		mod + "store":        whyHQApart,
		mod + "catalog":      whyHQApart,
		mod + "ui":           whyHQApart,
		mod + "cmd":          whyHQApart,
	}},
	{Pkgs: "./e2e/...", Direct: true, Bad: map[string]string{
		mod + "hq":             "e2e runs HQ as the kiosk-hq binary, as a store's lanes meet it: " + whyTwoSQLite,
		"github.com/glebarez/": whyTwoSQLite,
	}},
	{Pkgs: "./cmd/kiosk", Bad: map[string]string{
		"github.com/glebarez/": whyTwoSQLite,
		mod + "hq":             whyHQApart,
	}},
	{Pkgs: "./catalog/...", Bad: map[string]string{
		"github.com/gofiber/": whyNoFiber,
		"gorm.io/":            whyNoORM,
		mod + "kiosk":         whyDown,
		mod + "ui":            whyDown,
		mod + "cmd":           whyDown,
		mod + "devices":       whySiblings,
	}},
	{Pkgs: "./devices/...", Bad: map[string]string{
		"github.com/gofiber/": whyNoFiber,
		"gorm.io/":            "drivers keep no database of their own",
		mod + "kiosk":         whyDown,
		mod + "ui":            whyDown,
		mod + "cmd":           whyDown,
		mod + "catalog":       whySiblings,
	}},
	{Pkgs: "./store/...", Bad: map[string]string{
		mod + "kiosk":   whyBottom,
		mod + "catalog": whyBottom,
		mod + "devices": whyBottom,
		mod + "ui":      whyBottom,
		mod + "cmd":     whyBottom,
	}},
	{Pkgs: "./ui/...", Bad: map[string]string{
		mod + "cmd": "cmd wires ui, never the other way round",
		"gorm.io/":  whyNoORM,
	}},
	{Pkgs: "./...", Direct: true, Except: []string{mod + "devices/serialport"}, Bad: map[string]string{
		"github.com/tarm/serial": whySerialOne,
	}},
}

// TestImportDirection keeps the layers honest with go list, one rule at a time.
func TestImportDirection(t *testing.T) {
	for _, r := range depRules {
		name := r.Pkgs
		if r.Direct {
			name += " direct"
		}
		t.Run(name, func(t *testing.T) {
			args := []string{"list", "-test=false", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, r.Pkgs}
			if r.Direct {
				args = []string{"list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}{{range .TestImports}} {{.}}{{end}}{{range .XTestImports}} {{.}}{{end}}`, r.Pkgs}
			}
			out, err := exec.Command("go", args...).CombinedOutput()
			if err != nil {
				t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if lines[0] == "" {
				t.Fatalf("go list matched nothing for %s", r.Pkgs)
			}
			for _, line := range lines {
				f := strings.Fields(line)
				pkg, deps := f[0], f[1:]
				if slices.Contains(r.Except, pkg) {
					continue
				}
				for _, dep := range deps {
					for bad, why := range r.Bad {
						if banned(dep, bad) {
							t.Errorf("%s imports %s: %s", pkg, dep, why)
						}
					}
				}
			}
		})
	}
}

// banned reports whether dep is bad, or below it: a path bans itself and its
// subpackages, a prefix ending in "/" everything under it.
func banned(dep, bad string) bool {
	if strings.HasSuffix(bad, "/") {
		return strings.HasPrefix(dep, bad)
	}
	return dep == bad || strings.HasPrefix(dep, bad+"/")
}

func TestBanned(t *testing.T) {
	for _, tc := range []struct {
		dep, bad string
		want     bool
	}{
		{mod + "kiosk", mod + "kiosk", true},
		{mod + "kiosk/pricing", mod + "kiosk", true},
		{mod + "kioskish", mod + "kiosk", false},
		{"github.com/gofiber/fiber/v2", "github.com/gofiber/", true},
		{"net/http/httptest", "net/http", true},
		{"net/httpx", "net/http", false},
	} {
		t.Run(tc.dep+" "+tc.bad, func(t *testing.T) {
			if got := banned(tc.dep, tc.bad); got != tc.want {
				t.Fatalf("banned(%q, %q) = %v", tc.dep, tc.bad, got)
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
