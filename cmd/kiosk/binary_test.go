package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The kiosk binary, built once per test process by kioskBinary and removed by
// TestMain when every test has run.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	if sock := os.Getenv("KIOSK_TEST_DIAL"); sock != "" {
		os.Exit(dialExit(sock)) // a helper process of canConnectAs
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// kioskBinary returns the path of the kiosk command built from this package with
// "go build", building it on the first call. Tests that need the real process
// (signals, crashes, restarts on the same database) share it.
func kioskBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		pkgDir, err := os.Getwd() // go test runs in the package directory
		if err != nil {
			binErr = err
			return
		}
		if binDir, binErr = os.MkdirTemp("", "kiosk-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "kiosk")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = pkgDir
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = &buildError{err: err, out: out}
		}
	})
	if binErr != nil {
		t.Fatalf("build the kiosk binary: %v", binErr)
	}
	return binPath
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }
