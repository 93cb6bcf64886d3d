package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"
)

// socketBound, when set (tests), is called with the path the staff socket was
// bound to, before it is linked into place.
var socketBound func(tmp string)

// listenStaffSocket listens on a Unix socket at path that, from the moment it
// exists there, only this process's user may connect to — whatever the
// process's umask. A socket gets its mode when bind creates it (0777 less the
// umask), so it is bound inside a fresh 0700 directory beside path, narrowed to
// 0600 there, and only then hard-linked to path (link, unlike rename, never
// replaces a file). A stale socket of a killed server is removed first; any
// other file at path is an error, never deleted.
func listenStaffSocket(path string) (net.Listener, error) {
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode().Type() == fs.ModeSocket:
		// Stale (its server was killed) unless someone answers on it.
		if c, err := net.DialTimeout("unix", path, 500*time.Millisecond); err == nil {
			c.Close()
			return nil, fmt.Errorf("staff socket %s: another kiosk server answers on it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("staff socket: remove the stale %s: %w", path, err)
		}
	case err == nil:
		return nil, fmt.Errorf("staff socket %s: a file that is not a socket is in the way (the socket is the database path with .sock appended)", path)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("staff socket: %w", err)
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), ".sock-")
	if err != nil {
		return nil, fmt.Errorf("staff socket: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, fmt.Errorf("staff socket %s: %w", path, err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false) // path is ours to remove, tmp goes with dir
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("staff socket: %w", err)
	}
	if socketBound != nil {
		socketBound(tmp)
	}
	if err := os.Link(tmp, path); err != nil {
		ln.Close()
		return nil, fmt.Errorf("staff socket: %w", err)
	}
	return ln, nil
}
