// Package testout gives tests a place for what a person should look at
// (rendered receipts, screenshots) and reads barcodes back from pictures.
package testout

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Dir is the directory sub of the test artifacts, created: under
// $KIOSK_ARTIFACTS, or else under out/ at the module root (gitignored).
func Dir(t testing.TB, sub string) string {
	t.Helper()
	dir := os.Getenv("KIOSK_ARTIFACTS")
	if dir == "" {
		root, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			if parent == root {
				t.Fatal("testout: no go.mod above the test")
			}
			root = parent
		}
		dir = filepath.Join(root, "out")
	}
	dir = filepath.Join(dir, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// Zbar decodes every barcode in a PNG file with zbarimg (Debian zbar-tools).
// Without it the test is skipped, except under CI, where it fails.
func Zbar(t testing.TB, path string) []string {
	t.Helper()
	bin, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("zbarimg missing (apt-get install zbar-tools)")
		}
		t.Skip("zbarimg missing (apt-get install zbar-tools)")
	}
	cmd := exec.Command(bin, "--raw", "-q", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zbarimg %s: %v\n%s", path, err, stderr.String())
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}
