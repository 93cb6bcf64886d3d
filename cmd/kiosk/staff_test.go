package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiosk-sco/kiosk/kiosk/staff"
	"github.com/kiosk-sco/kiosk/store"
)

// staffCLI runs the command line with in as its stdin.
func staffCLI(t *testing.T, in string, args ...string) (string, string, error) {
	t.Helper()
	saved := stdin
	stdin = strings.NewReader(in)
	defer func() { stdin = saved }()
	return runCLI(t, args...)
}

func openStaff(t *testing.T, path string, opt staff.Options) (*staff.Service, *store.DB) {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return staff.New(db, opt), db
}

func TestStaffAddListDisable(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "k.db")
	ctx := context.Background()
	out, errOut, err := staffCLI(t, "2580\n2580\n", "staff", "add", "--db", dbPath, "--id", "anna", "--name", "Anna K", "--role", "attendant")
	if err != nil || out != "staff anna (Anna K, attendant) added\n" {
		t.Fatalf("add: %v\n%s%s", err, out, errOut)
	}
	// A badge code from stdin (third line), CRLF line ends.
	if _, errOut, err := staffCLI(t, "139713\r\n139713\r\nSAM-BADGE-42\r\n", "staff", "add", "--db", dbPath, "--id", "sam", "--name", "Sam", "--role", "supervisor", "--badge", "-"); err != nil {
		t.Fatalf("add sam: %v %s", err, errOut)
	}
	if _, _, err := staffCLI(t, "4682\n4682\n", "staff", "add", "--db", dbPath, "--id", "rita", "--name", "Rita", "--role", "remote", "--badge", "RITA-BADGE-7"); err != nil {
		t.Fatal(err)
	}

	// The server's service on the same file: the PINs work, and a session
	// it holds ends when the command line disables the account.
	svc, _ := openStaff(t, dbPath, staff.Options{MaxFailures: 1})
	anna, err := svc.Login(ctx, "anna", "2580", "handheld 10.0.0.7")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := svc.LoginBadge(ctx, "SAM-BADGE-42", "lane screen"); err != nil || s.Actor.ID != "sam" {
		t.Fatalf("sam's badge: %v", err)
	}
	if s, err := svc.LoginBadge(ctx, "RITA-BADGE-7", "lane screen"); err != nil || s.Actor.ID != "rita" {
		t.Fatalf("rita's badge: %v", err)
	}
	if _, err := svc.Login(ctx, "rita", "0000", "h"); !errors.Is(err, staff.ErrLocked) { // MaxFailures 1
		t.Fatalf("lock rita: %v", err)
	}

	out, _, err = runCLI(t, "staff", "disable", "--db", dbPath, "--id", "anna")
	if err != nil || out != "staff anna disabled\n" {
		t.Fatalf("disable: %v %s", err, out)
	}
	if _, ok := svc.Session(anna.Token); ok {
		t.Fatal("the disabled account's session lives on in the server")
	}

	out, _, err = runCLI(t, "staff", "list", "--db", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := [][]string{
		{"ID", "NAME", "ROLE", "STATE", "BADGE", "LOCKED", "UNTIL"},
		{"anna", "Anna", "K", "attendant", "disabled", "no"},
		{"rita", "Rita", "remote", "locked", "yes"}, // and the time
		{"sam", "Sam", "supervisor", "active", "yes"},
	}
	if len(lines) != len(want) {
		t.Fatalf("list:\n%s", out)
	}
	for i, w := range want {
		f := strings.Fields(lines[i])
		if len(f) < len(w) || strings.Join(f[:len(w)], " ") != strings.Join(w, " ") {
			t.Fatalf("list line %d: %q, want %q", i, lines[i], w)
		}
	}
	if f := strings.Fields(lines[2]); len(f) != 7 {
		t.Fatalf("rita's lock time missing: %q", lines[2])
	}

	// Audited as the OS user, from the command line.
	log, err := svc.AuditLog(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var cli []string
	for _, e := range log {
		if e.Where == "cli" {
			if e.Actor != osUser() || e.Outcome != staff.OutcomeOK {
				t.Fatalf("cli entry: %+v", e)
			}
			cli = append(cli, e.Action+" "+e.Target)
		}
	}
	if strings.Join(cli, ", ") != "staff_add anna, staff_add sam, staff_add rita, staff_disable anna" {
		t.Fatalf("cli entries: %v", cli)
	}
	for _, e := range log {
		for _, s := range []string{"2580", "139713", "4682", "SAM-BADGE-42", "RITA-BADGE-7"} {
			if strings.Contains(e.Target+e.Actor+e.Where+e.Outcome, s) || strings.Contains(strings.Join(mapValues(e.Detail), " "), s) {
				t.Fatalf("the audit log holds a secret: %+v", e)
			}
		}
	}
}

func mapValues(m map[string]any) []string {
	var out []string
	for _, v := range m {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestStaffRefusals(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "k.db")
	if _, _, err := staffCLI(t, "7391\n7391\n", "staff", "add", "--db", dbPath, "--id", "anna", "--name", "Anna", "--role", "attendant"); err != nil {
		t.Fatal(err)
	}
	add := func(extra ...string) []string {
		return append([]string{"staff", "add", "--db", dbPath}, extra...)
	}
	for _, tc := range []struct {
		name string
		in   string
		args []string
		code int    // exit code
		msg  string // in the error
	}{
		{"pins differ", "7391\n7392\n", add("--id", "b", "--name", "B", "--role", "attendant"), 1, "the two PINs differ"},
		{"one line", "7391\n", add("--id", "b", "--name", "B", "--role", "attendant"), 1, "expected the PIN twice"},
		{"no stdin", "", add("--id", "b", "--name", "B", "--role", "attendant"), 1, "expected the PIN twice"},
		{"badge line missing", "7391\n7391\n", add("--id", "b", "--name", "B", "--role", "attendant", "--badge", "-"), 1, "and the badge code"},
		{"short pin", "739\n739\n", add("--id", "b", "--name", "B", "--role", "attendant"), 1, "4 to 12 digits"},
		{"letters", "73a1\n73a1\n", add("--id", "b", "--name", "B", "--role", "attendant"), 1, "digits only"},
		{"long line", strings.Repeat("1", 300) + "\n", add("--id", "b", "--name", "B", "--role", "attendant"), 1, "stdin"},
		{"role", "7391\n7391\n", add("--id", "b", "--name", "B", "--role", "manager"), 1, "role must be"},
		{"bad id", "7391\n7391\n", add("--id", "B!", "--name", "B", "--role", "attendant"), 1, "id may hold only"},
		{"bad badge", "7391\n7391\n", add("--id", "b", "--name", "B", "--role", "attendant", "--badge", "abc"), 1, "6 to 64"},
		{"taken", "7391\n7391\n", add("--id", "anna", "--name", "A", "--role", "attendant"), 1, "taken"},
		{"no role", "7391\n7391\n", add("--id", "b", "--name", "B"), 2, "needs --id, --name and --role"},
		{"no id", "7391\n7391\n", add("--name", "B", "--role", "attendant"), 2, "needs --id"},
		{"pin as argument", "", add("--id", "b", "--name", "B", "--role", "attendant", "7391"), 2, "takes no arguments"},
		{"pin flag", "", add("--id", "b", "--name", "B", "--role", "attendant", "--pin", "7391"), 2, ""},
		{"disable nobody", "", []string{"staff", "disable", "--db", dbPath, "--id", "nobody"}, 1, "no such account"},
		{"disable without id", "", []string{"staff", "disable", "--db", dbPath}, 2, "needs --id"},
		{"list no database", "", []string{"staff", "list", "--db", filepath.Join(dir, "none.db")}, 1, "no kiosk database"},
		{"disable no database", "", []string{"staff", "disable", "--db", filepath.Join(dir, "none.db"), "--id", "anna"}, 1, "no kiosk database"},
		{"unknown", "", []string{"staff", "promote"}, 2, "unknown staff command"},
		{"nothing", "", []string{"staff"}, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, err := staffCLI(t, tc.in, tc.args...)
			if exitCode(err) != tc.code || err != nil && !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("exit %d, err %v, want %d %q\n%s", exitCode(err), err, tc.code, tc.msg, errOut)
			}
			if strings.Contains(errOut, "7391") || err != nil && strings.Contains(err.Error(), "7391") {
				t.Fatalf("the PIN is echoed: %v %s", err, errOut)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("list or disable created a database")
	}
	out, _, _ := runCLI(t, "staff", "list", "--db", dbPath)
	if strings.Count(out, "\n") != 2 {
		t.Fatalf("refused adds added accounts:\n%s", out)
	}
}

func TestStaffHelp(t *testing.T) {
	for _, args := range [][]string{{"staff", "--help"}, {"help", "staff"}, {"staff", "add", "--help"}, {"help", "staff", "list"}} {
		out, _, err := runCLI(t, args...)
		if err != nil || !strings.Contains(out, "staff") {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	out, _, _ := runCLI(t, "staff", "add", "--help")
	if !strings.Contains(out, "never from a flag or the environment") {
		t.Fatalf("add help:\n%s", out)
	}
}
