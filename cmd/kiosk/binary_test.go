package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The kiosk binaries, each built once per test process and removed by
// TestMain when every test has run: the demo build (-tags sim, with the
// simulated devices) and the production build (no tags).
var (
	binMu   sync.Mutex
	binDir  string
	binErrs = map[string]error{}
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

// kioskBinary returns the kiosk command built from this package with the
// "sim" tag, as make run builds it: tests that need the real process
// (signals, crashes, restarts on the same database) run serve --demo on it.
func kioskBinary(t testing.TB) string { return buildKiosk(t, "kiosk-demo", "-tags", "sim") }

// productionBinary returns the kiosk command built without tags, as make build
// builds it: no simulators.
func productionBinary(t testing.TB) string { return buildKiosk(t, "kiosk") }

func buildKiosk(t testing.TB, name string, flags ...string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	var err error
	if binDir == "" {
		if binDir, err = os.MkdirTemp("", "kiosk-bin-"); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(binDir, name)
	err, built := binErrs[name]
	if !built {
		pkgDir, werr := os.Getwd() // go test runs in the package directory
		if werr != nil {
			t.Fatal(werr)
		}
		cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", path, ".")...)
		cmd.Dir = pkgDir
		if out, berr := cmd.CombinedOutput(); berr != nil {
			err = &buildError{err: berr, out: out}
		}
		binErrs[name] = err
	}
	if err != nil {
		t.Fatalf("build the kiosk binary %s: %v", name, err)
	}
	return path
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }
