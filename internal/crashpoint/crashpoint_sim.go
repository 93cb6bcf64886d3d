//go:build sim

package crashpoint

import (
	"os"
	"syscall"
)

var at = os.Getenv("KIOSK_CRASH_AT")

// Hit kills the process with SIGKILL, as a power cut would, when name is the
// point KIOSK_CRASH_AT names. Nothing deferred runs and nothing is flushed.
func Hit(name string) {
	if at != "" && at == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
