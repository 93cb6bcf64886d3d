//go:build unix

package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOpenMakesFilesPrivate opens a new database under umask 000, where
// anything created with a wider mode would be open to every user: the
// directories it creates are 0700, the database and its -wal and -shm 0600.
// A database left world-readable by an older build is narrowed.
func TestOpenMakesFilesPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()
	root := t.TempDir()
	path := filepath.Join(root, "data", "lane", "kiosk.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `INSERT INTO idempotency (lane_id, key, at, request, response) VALUES ('l', 'k', 't', 'r', '{}')`); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{
		filepath.Join(root, "data"):         0o700,
		filepath.Join(root, "data", "lane"): 0o700,
		path:                                0o600,
		path + "-wal":                       0o600,
		path + "-shm":                       0o600,
	}
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), mode)
		}
	}
	db.Close()

	// A database and -shm left readable to all by an older build.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+"-shm", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, p := range []string{path, path + "-shm", path + "-wal"} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s after reopening: %v %v, want 0600", p, fi.Mode().Perm(), err)
		}
	}
}
