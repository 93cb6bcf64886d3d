package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// stampLayout writes stored instants: UTC, nanoseconds always nine digits, so
// that the text sorts as the instants do (RFC 3339 with trimmed fractions does
// not: "…05.1Z" sorts after "…05.123Z").
const stampLayout = "2006-01-02T15:04:05.000000000Z"

// Stamp formats t for storage.
func Stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

// ParseStamp reads a stored instant, written by Stamp or by an older build
// (RFC 3339 with a trimmed fraction); the zero time when s is neither.
func ParseStamp(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// ErrLocked reports a lock file another process holds.
var ErrLocked = errors.New("store: locked by another process")

// LockFile takes an exclusive advisory lock on the file at path (created 0600,
// its directory 0700 if missing), which the kernel releases when the process
// ends, however it ends. It fails with ErrLocked when another holds it.
func LockFile(path string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
