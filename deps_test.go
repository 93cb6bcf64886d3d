package kiosk_test

import (
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
