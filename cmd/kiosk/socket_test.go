package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/staff"
	"github.com/kiosk-sco/kiosk/store"
	"github.com/kiosk-sco/kiosk/ui"
)

// dialExit connects to the Unix socket sock: exit 0 when it could, 3 when
// the permission was denied, 4 otherwise.
func dialExit(sock string) int {
	c, err := net.Dial("unix", sock)
	switch {
	case err == nil:
		c.Close()
		return 0
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return 3
	}
	return 4
}

// otherUser can run this test binary as another user (nobody) to try
// connecting to a socket; nil when the test does not run as root.
type otherUser struct{ bin string }

func newOtherUser(t *testing.T) *otherUser {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Log("not root: no other user to try the socket as")
		return nil
	}
	// A copy of the test binary that nobody may run (go test's is in a 0700 dir).
	dir, err := os.MkdirTemp("", "kiosk-other-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "dial")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return &otherUser{bin: bin}
}

// canConnect reports whether user nobody can connect to sock.
func (u *otherUser) canConnect(t *testing.T, sock string) bool {
	t.Helper()
	cmd := exec.Command(u.bin)
	cmd.Env = []string{"KIOSK_TEST_DIAL=" + sock}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return true
	case errors.As(err, &ee) && ee.ExitCode() == 3:
		return false
	}
	t.Fatalf("dial %s as nobody: %v", sock, err)
	return false
}

// worldDir makes a directory every user may enter, so that only a socket's
// own mode stands between another user and it.
func worldDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "kiosk-sock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestStaffSocketPrivateFromTheStart binds the staff socket under umask 000,
// where bind alone creates it open to every user: from the moment it is
// bound until it is in place, no other user can connect to it.
func TestStaffSocketPrivateFromTheStart(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	other := newOtherUser(t)
	dir := worldDir(t)
	sock := filepath.Join(dir, "kiosk.sock")

	if other != nil { // the test can tell: a plain 0777 socket is open to nobody
		ln, err := net.Listen("unix", filepath.Join(dir, "open.sock"))
		if err != nil {
			t.Fatal(err)
		}
		if !other.canConnect(t, filepath.Join(dir, "open.sock")) {
			t.Fatal("nobody cannot connect to a 0777 socket: the test proves nothing")
		}
		ln.Close()
	}

	bound := false
	socketBound = func(tmp string) {
		bound = true
		if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s exists before the socket is private: %v", sock, err)
		}
		fi, err := os.Stat(filepath.Dir(tmp))
		if err != nil || fi.Mode().Perm() != 0o700 || filepath.Dir(filepath.Dir(tmp)) != dir {
			t.Errorf("bound in %s (%v, %v): want a 0700 directory beside the socket", filepath.Dir(tmp), fi.Mode().Perm(), err)
		}
		if other != nil && other.canConnect(t, tmp) {
			t.Errorf("another user can connect to the socket while it is bound at %s", tmp)
		}
	}
	defer func() { socketBound = nil }()
	ln, err := listenStaffSocket(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if !bound {
		t.Fatal("the hook did not run")
	}
	fi, err := os.Lstat(sock)
	if err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v, want a 0600 socket", sock, fi.Mode(), err)
	}
	if other != nil && other.canConnect(t, sock) {
		t.Fatal("another user can connect to the staff socket")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 || entries[0].Name() != "kiosk.sock" {
		t.Errorf("in %s: %v, want only kiosk.sock", dir, entries)
	}
	// It serves: a connection to the final path reaches the listener.
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// TestStaffSocketNeverReplacesAFile: a stale socket is replaced; a database
// or any other file at the socket's path is an error and stays.
func TestStaffSocketNeverReplacesAFile(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // a killed server's socket file stays behind
	ln, err = listenStaffSocket(stale)
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	ln.Close()

	file := filepath.Join(dir, "file.sock")
	os.WriteFile(file, []byte("SQLite format 3\x00"), 0o600)
	if _, err := listenStaffSocket(file); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("a file at the socket path: %v", err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "SQLite format 3\x00" {
		t.Fatalf("the file was touched: %q %v", b, err)
	}
}

// TestSocketBelongsToItsDatabase: the staff socket is the database path with
// ".sock" appended. It used to replace the extension, so lane.db and
// lane.sqlite shared lane.sock (staff commands for one lane reached the other),
// and --db kiosk.sock made the socket the database, which serve deleted to
// bind. serve still refuses to bind over a file that is not a socket, and over
// a socket another server answers on.
func TestSocketBelongsToItsDatabase(t *testing.T) {
	dir := t.TempDir()
	a := Config{DB: filepath.Join(dir, "lane.db")}
	b := Config{DB: filepath.Join(dir, "lane.sqlite")}
	c := Config{DB: filepath.Join(dir, "kiosk.sock")}
	if a.socketPath() == b.socketPath() || c.socketPath() == c.DB {
		t.Fatalf("sockets %s, %s, %s", a.socketPath(), b.socketPath(), c.socketPath())
	}

	db := filepath.Join(dir, "kiosk.sock")
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.NewDB(s).EnsureDemo(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out strings.Builder
	if err := run(ctx, []string{"catalog", "export", "--db", db}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "Bananas") {
		t.Fatalf("a database named kiosk.sock: %v", err)
	}

	// A file that is not a socket at the socket path.
	db = filepath.Join(dir, "lane.db")
	blocker := filepath.Join(dir, "lane.db.sock")
	os.WriteFile(blocker, []byte("keep me"), 0o600)
	err = run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--db", db}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("serve over a file at its socket path: %v", err)
	}
	if b, _ := os.ReadFile(blocker); string(b) != "keep me" {
		t.Fatalf("serve replaced %s", blocker)
	}

	// A socket that answers belongs to a running server: never taken over.
	live := filepath.Join(dir, "live.db.sock")
	ln, err := net.Listen("unix", live)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	if _, err := listenStaffSocket(live); err == nil || !strings.Contains(err.Error(), "answers") {
		t.Fatalf("a live socket was taken over: %v", err)
	}
}

// TestServeUnderUmask000 runs the real binary with umask 000, where every file
// created without an explicit mode is open to all: the data directory is 0700,
// the database files and the lock 0600, the staff socket 0600, and another
// user can connect to none of it.
func TestServeUnderUmask000(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := kioskBinary(t)
	other := newOtherUser(t)
	root := worldDir(t)
	data := filepath.Join(root, "data")
	db := filepath.Join(data, "kiosk.db")
	cmd := exec.Command("/bin/sh", "-c", `umask 000 && exec "$0" "$@"`, bin, "serve", "--demo", "--addr", "127.0.0.1:0", "--db", db)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "staff CLI socket:"); ok {
				ready <- strings.Fields(rest)[0]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	var sock string
	select {
	case sock = <-ready:
	case err := <-exited:
		t.Fatalf("serve exited: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start\n%s", stderr.String())
	}
	if sock != filepath.Join(data, "kiosk.db.sock") {
		t.Errorf("socket at %s", sock)
	}
	for path, mode := range map[string]fs.FileMode{
		data:         fs.ModeDir | 0o700,
		db:           0o600,
		db + "-wal":  0o600,
		db + "-shm":  0o600,
		db + ".lock": 0o600,
		sock:         fs.ModeSocket | 0o600,
	} {
		fi, err := os.Lstat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if fi.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), mode)
		}
	}
	if other != nil && other.canConnect(t, sock) {
		t.Error("another user can connect to the staff socket")
	}
	// The staff CLI still gets in, as the kiosk's user.
	if out, err := exec.Command(bin, "alert", "list", "--db", db).CombinedOutput(); err != nil || !strings.Contains(string(out), "0 open alerts") {
		t.Errorf("alert list through the socket: %v\n%s", err, out)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	exited <- nil // for the deferred kill
	if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the socket stays after shutdown: %v", err)
	}
}

// staffServer runs the staff API of a lane on db's socket and holds db's lock,
// as kiosk serve does.
func staffServer(t *testing.T, db string) (stop func()) {
	t.Helper()
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.DB = db
	unlock, err := lockFile(db + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewDB(s)
	lane, err := kiosk.Open(ctx, s, cat, kiosk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	lctx, stopLane := context.WithCancel(ctx)
	go lane.Run(lctx)
	staffSrv := ui.NewStaff(ui.StaffOptions{Service: staff.New(s, staff.Options{}), Lanes: []*kiosk.Lane{lane}})
	srv := ui.New(lane, cat, ui.Options{Staff: staffSrv})
	admin := srv.AdminApp()
	ln, err := listenStaffSocket(cfg.socketPath())
	if err != nil {
		t.Fatal(err)
	}
	go admin.Listener(ln)
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		srv.CloseStreams()
		staffSrv.Close()
		admin.ShutdownWithTimeout(2 * time.Second)
		os.Remove(cfg.socketPath())
		stopLane()
		<-lane.Done()
		s.Close()
		unlock()
	}
	t.Cleanup(stop)
	return stop
}

// TestStaffCommandsThroughTheSocket: with a server on the database, alert and
// printer commands go through its staff socket, and the server's refusals
// reach the command line as code: message.
func TestStaffCommandsThroughTheSocket(t *testing.T) {
	db := laneWithAlert(t)
	staffServer(t, db)
	out, errOut, err := runCLI(t, "alert", "list", "--db", db)
	if err != nil || !strings.Contains(out, "#1 item_not_found BLOCKING") {
		t.Fatalf("list: %v\n%s%s", err, out, errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"alert", "resolve", "99", "--by", "anna"}, "alert.not_found: no alert 99"},
		{[]string{"alert", "resolve", "1", "--by", "anna", "--outcome", "maybe"}, "request.outcome: outcome must be approved, rejected or done"},
		{[]string{"alert", "resolve", "1", "--by", ""}, "request.by"},
		{[]string{"printer", "test", "--by", "anna"}, "printer.none: this lane has no receipt printer"},
		// The server on this database is lane 0001-01: asked for another
		// lane, staff commands refuse instead of acting on the wrong one.
		{[]string{"alert", "resolve", "1", "--by", "anna", "--lane", "02"}, "serves lane 0001-01, not 0001-02"},
		{[]string{"alert", "list", "--store", "9999"}, "serves lane 0001-01, not 9999-01"},
		{[]string{"printer", "test", "--lane", "7"}, "serves lane 0001-01, not 0001-7"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := runCLI(t, append(tc.args, "--db", db)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	out, errOut, err = runCLI(t, "alert", "resolve", "1", "--by", "anna", "--db", db)
	if err != nil || !strings.Contains(out, "alert 1 resolved (done) by anna") || !strings.Contains(out, "shopping, 0 open alerts") {
		t.Fatalf("resolve: %v\n%s%s", err, out, errOut)
	}
	// The socket has no login, but what staff did through it is audited:
	// the refusals with their code, the resolve as ok.
	out, errOut, err = runCLI(t, "staff", "audit", "--db", db)
	if err != nil {
		t.Fatalf("staff audit: %v\n%s", err, errOut)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\d+\s+\S+ \S+\s+anna\s+-\s+resolve\s+0001-01\s+99\s+cli\s+alert\.not_found$`),
		regexp.MustCompile(`(?m)^\d+\s+\S+ \S+\s+anna\s+-\s+resolve\s+0001-01\s+1\s+cli\s+request\.outcome$`),
		regexp.MustCompile(`(?m)^\d+\s+\S+ \S+\s+anna\s+-\s+printer_test\s+0001-01\s+-\s+cli\s+printer\.none$`),
		regexp.MustCompile(`(?m)^\d+\s+\S+ \S+\s+anna\s+-\s+resolve\s+0001-01\s+1\s+cli\s+ok$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("the audit log lacks %s:\n%s", want, out)
		}
	}
}

// TestCashTakenThroughTheSocket: a shopper waits to pay at the attendant;
// staff say the money was taken, once.
func TestCashTakenThroughTheSocket(t *testing.T) {
	db := laneAfter(t, kiosk.Command{Op: kiosk.OpScan, Code: "4063658814593"}, kiosk.Command{Op: kiosk.OpCheckout},
		kiosk.Command{Op: kiosk.OpPay, Method: kiosk.MethodAttendant})
	staffServer(t, db)
	out, errOut, err := runCLI(t, "payment", "cash-taken", "--by", "anna", "--db", db)
	if err != nil || !strings.Contains(out, "payment taken by anna: 1.19 EUR paid") {
		t.Fatalf("cash-taken: %v\n%s%s", err, out, errOut)
	}
	if _, _, err := runCLI(t, "payment", "cash-taken", "--by", "anna", "--db", db); err == nil || !strings.Contains(err.Error(), "payment.not_waiting") {
		t.Fatalf("second cash-taken: %v", err)
	}
	if _, _, err := runCLI(t, "payment", "cash-taken", "--by", "", "--db", db); err == nil || !strings.Contains(err.Error(), "request.by") {
		t.Fatalf("cash-taken without a name: %v", err)
	}
	// This lane has no card terminal: nothing to close.
	if _, _, err := runCLI(t, "payment", "end-of-day", "--by", "anna", "--db", db); err == nil || !strings.Contains(err.Error(), "payment.no_terminal") {
		t.Fatalf("end-of-day without a terminal: %v", err)
	}
}

// TestCallSocket: the socket client's answers for a server that is gone, that
// answers an error without the API's JSON, or answers garbage.
func TestCallSocket(t *testing.T) {
	dir := t.TempDir()
	serveHTTP := func(name string, h http.HandlerFunc) string {
		sock := filepath.Join(dir, name)
		ln, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		return sock
	}
	var got struct{ OK bool }
	ctx := context.Background()

	if err := callSocket(ctx, filepath.Join(dir, "none.sock"), "GET", "/lane", nil, &got); err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("no socket: %v", err)
	}
	plain := serveHTTP("plain.sock", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream gone", http.StatusBadGateway)
	})
	if err := callSocket(ctx, plain, "GET", "/lane", nil, &got); err == nil || err.Error() != "server answered 502 Bad Gateway" {
		t.Errorf("plain error: %v", err)
	}
	garbage := serveHTTP("garbage.sock", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{ok")) })
	if err := callSocket(ctx, garbage, "GET", "/lane", nil, &got); err == nil {
		t.Error("garbage answer accepted")
	}
	echo := serveHTTP("echo.sock", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.URL.Path != "/printer/test" || r.Header.Get("Content-Type") != "application/json" || string(b) != `{"by":"anna"}` {
			http.Error(w, `{"error":{"code":"test.request","message":"unexpected request"}}`, http.StatusBadRequest)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	})
	if err := callSocket(ctx, echo, "POST", "/printer/test", map[string]string{"by": "anna"}, &got); err != nil || !got.OK {
		t.Errorf("request: %v %+v", err, got)
	}
	if err := callSocket(ctx, echo, "POST", "/printer/nope", map[string]string{"by": "anna"}, &got); err == nil || err.Error() != "test.request: unexpected request" {
		t.Errorf("API error: %v", err)
	}
}

// TestStaffCommandsWithoutDatabaseCreateNothing: a staff command pointed at a
// database that does not exist says so and leaves no directory or lock file.
func TestStaffCommandsWithoutDatabaseCreateNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "kiosk.db")
	for _, args := range [][]string{
		{"alert", "list", "--db", db},
		{"alert", "resolve", "1", "--by", "anna", "--db", db},
		{"printer", "test", "--db", db},
		{"printer", "reprint", "--db", db},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			if _, _, err := runCLI(t, args...); err == nil || !strings.Contains(err.Error(), "no kiosk database at") {
				t.Fatalf("got %v", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("left behind: %v", entries)
			}
		})
	}
}
