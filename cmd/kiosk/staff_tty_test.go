//go:build sim

package main

import (
	"bufio"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/kiosk-sco/kiosk/kiosk/staff"
)

// TestStaffAddAtATerminal runs "kiosk staff add" on a real pseudo-terminal:
// it prompts for the PIN twice and the terminal does not echo it.
func TestStaffAddAtATerminal(t *testing.T) {
	bin := productionBinary(t)
	dbPath := filepath.Join(t.TempDir(), "k.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "staff", "add", "--db", dbPath, "--id", "anna", "--name", "Anna K", "--role", "attendant", "--badge", "-")
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	rd := bufio.NewReader(tty)
	var seen strings.Builder
	// expect reads the terminal up to and including s.
	expect := func(s string) {
		t.Helper()
		for !strings.HasSuffix(seen.String(), s) {
			b, err := rd.ReadByte()
			if err != nil {
				t.Fatalf("waiting for %q: %v; the terminal showed %q", s, err, seen.String())
			}
			seen.WriteByte(b)
		}
	}
	expect("PIN (4 to 12 digits): ")
	tty.WriteString("9081\r")
	expect("PIN again: ")
	tty.WriteString("9081\r")
	expect("Badge code (scan it): ")
	tty.WriteString("ANNA-BADGE-9081\r")
	expect("added\r\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("staff add: %v\n%s", err, seen.String())
	}
	if strings.Contains(seen.String(), "9081") {
		t.Fatalf("the terminal echoed a secret:\n%q", seen.String())
	}
	svc, _ := openStaff(t, dbPath, staff.Options{})
	if _, err := svc.Login(ctx, "anna", "9081", "h"); err != nil {
		t.Fatalf("login with the PIN typed: %v", err)
	}
	if _, err := svc.LoginBadge(ctx, "ANNA-BADGE-9081", "h"); err != nil {
		t.Fatalf("login with the badge typed: %v", err)
	}
}

// TestStaffAddCancelled: Ctrl-C at the PIN prompt (the terminal is raw, so
// it arrives as a byte) ends the command without an account.
func TestStaffAddCancelled(t *testing.T) {
	bin := productionBinary(t)
	dbPath := filepath.Join(t.TempDir(), "k.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "staff", "add", "--db", dbPath, "--id", "anna", "--name", "Anna K", "--role", "attendant")
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	rd := bufio.NewReader(tty)
	var seen strings.Builder
	for !strings.HasSuffix(seen.String(), "PIN (4 to 12 digits): ") {
		b, err := rd.ReadByte()
		if err != nil {
			t.Fatalf("no prompt: %v; %q", err, seen.String())
		}
		seen.WriteByte(b)
	}
	tty.WriteString("12\x03")
	rest, _ := io.ReadAll(rd) // until the command exits (EIO)
	if err := cmd.Wait(); err == nil || !strings.Contains(string(rest), "cancelled") {
		t.Fatalf("exit %v, terminal %q", err, rest)
	}
	svc, _ := openStaff(t, dbPath, staff.Options{})
	if accts, err := svc.List(ctx); err != nil || len(accts) != 0 {
		t.Fatalf("accounts after a cancel: %v %v", accts, err)
	}
}
