package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/kiosk-sco/kiosk/kiosk/staff"
	"github.com/kiosk-sco/kiosk/store"
)

// stdin is where staff add reads the PIN; tests replace it.
var stdin io.Reader = os.Stdin

const staffUsage = `Usage:
  kiosk staff add [flags]       create a staff account (the PIN is read from stdin)
  kiosk staff list [flags]      list the staff accounts
  kiosk staff disable [flags]   disable an account and end its sessions
  kiosk staff audit [flags]     print the audit log: every login, failed login and staff action

These open the database directly, also while "kiosk serve" runs on it (SQLite
WAL lets both write): the server reads an account's state on every use of a
session, so a disabled account's sessions end at once. Each command is
audited as done by your login name, from "cli".
`

const staffAddAbout = `Create a staff account. The PIN (4 to 12 digits) is read twice: at a
terminal, prompted without echo; otherwise as the first two lines of stdin
(never from a flag or the environment, which other users see in ps, and your
shell keeps in its history). It is stored only as a slow salted hash
(argon2id).

A badge code (6 to 64 printable ASCII characters, from the staff badge's
barcode) lets the member log in at the lane by scanning it. "--badge -" reads
it from stdin too (at a terminal, prompted; otherwise the third line), which
keeps it out of ps; a code given on the command line is visible there.

Roles: attendant (the floor), supervisor (what an attendant does, and price
overrides), remote (clears from anywhere what needs no one at the lane).

Example:
  printf '2580\n2580\n' | kiosk staff add --id anna --name "Anna K" --role attendant`

func staffCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if wantsHelp(args) {
		fmt.Fprint(stdout, staffUsage)
		return nil
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, staffUsage)
		return fmt.Errorf("%w: staff add | staff list | staff disable | staff audit", errUsage)
	}
	var fs *flag.FlagSet
	var id, name, role, badge *string
	var after *int64
	var limit *int
	switch args[0] {
	case "add":
		fs = newFlagSet("staff add", "staff add [flags]", staffAddAbout, stderr)
		id = fs.String("id", "", "login name: 1 to 32 of a-z, 0-9, '.', '-', '_'")
		name = fs.String("name", "", "name shown on screens and in the audit log")
		role = fs.String("role", "", "attendant, supervisor or remote")
		badge = fs.String("badge", "", `badge code; "-" reads it from stdin after the PIN`)
	case "list":
		fs = newFlagSet("staff list", "staff list [flags]", "List the staff accounts: id, name, role, state, whether a badge is set, and until when a locked account is locked.", stderr)
	case "disable":
		fs = newFlagSet("staff disable", "staff disable [flags]", "Disable a staff account: it can no longer log in, and its sessions end (also those of a running server).", stderr)
		id = fs.String("id", "", "the account's login name")
	case "audit":
		fs = newFlagSet("staff audit", "staff audit [flags]", "Print the audit log, oldest first: sequence number, time, who, role, action, lane, target, where from, outcome.", stderr)
		after = fs.Int64("after", 0, "print the entries after this sequence number")
		limit = fs.Int("limit", 100, fmt.Sprintf("print at most this many entries (1..%d)", staff.MaxAuditPage))
	default:
		fmt.Fprint(stderr, staffUsage)
		return fmt.Errorf("%w: unknown staff command %q", errUsage, args[0])
	}
	var c commonFlags
	c.cfg = defaultConfig()
	fs.StringVar(&c.config, "config", "", "configuration file (JSON)")
	fs.StringVar(&c.cfg.DB, "db", c.cfg.DB, "SQLite database file")
	if err := parseFlags(fs, args[1:], stdout); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: staff %s takes no arguments", errUsage, args[0])
	}
	if err := c.load(fs); err != nil {
		return err
	}
	if id != nil && *id == "" {
		return fmt.Errorf("%w: staff %s needs --id", errUsage, args[0])
	}
	if args[0] != "add" { // only add may create the database
		if _, err := os.Stat(c.cfg.DB); err != nil {
			return fmt.Errorf("no kiosk database at %s", c.cfg.DB)
		}
	}

	var pin string
	if args[0] == "add" {
		if *name == "" || *role == "" {
			return fmt.Errorf("%w: staff add needs --id, --name and --role", errUsage)
		}
		// Check what can be checked before asking for the PIN.
		if err := staff.ValidID(*id); err != nil {
			return err
		}
		if *badge != "" && *badge != "-" {
			if err := staff.ValidBadge(*badge); err != nil {
				return err
			}
		}
		var err error
		if pin, err = readSecrets(stdin, stderr, *badge == "-", badge); err != nil {
			return err
		}
	}

	db, err := store.Open(ctx, c.cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := staff.New(db, staff.Options{Where: "cli"})
	by := osUser()
	switch args[0] {
	case "add":
		if err := svc.Add(ctx, *id, *name, *role, pin, *badge, by); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "staff %s (%s, %s) added\n", *id, *name, *role)
	case "disable":
		if err := svc.Disable(ctx, *id, by); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "staff %s disabled\n", *id)
	case "list":
		accts, err := svc.List(ctx)
		if err != nil {
			return err
		}
		printAccounts(stdout, accts)
	case "audit":
		if *limit < 1 || *limit > staff.MaxAuditPage || *after < 0 {
			return fmt.Errorf("%w: --limit wants 1..%d and --after 0 or more", errUsage, staff.MaxAuditPage)
		}
		es, err := svc.AuditLog(ctx, *after, *limit)
		if err != nil {
			return err
		}
		printAudit(stdout, es)
	}
	return nil
}

func printAudit(w io.Writer, es []staff.AuditEntry) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ	TIME	WHO	ROLE	ACTION	LANE	TARGET	WHERE	OUTCOME")
	for _, e := range es {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Local().Format(time.DateTime), dash(e.Actor), dash(e.Role),
			e.Action, dash(e.Lane), dash(e.Target), dash(e.Where), e.Outcome)
	}
	tw.Flush()
	if len(es) == 0 {
		fmt.Fprintln(w, "(no entries)")
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// readSecrets reads the PIN twice, and with badgeToo the badge code into
// *badge: at a terminal prompted on stderr without echo, otherwise as lines
// of in.
func readSecrets(in io.Reader, stderr io.Writer, badgeToo bool, badge *string) (string, error) {
	var pin, again string
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		// Raw mode before the first prompt: from the moment a prompt shows,
		// nothing typed is echoed (term.ReadPassword turns echo off only
		// after the prompt is written, so fast input could show).
		fd := int(f.Fd())
		old, err := term.MakeRaw(fd)
		if err != nil {
			return "", err
		}
		defer term.Restore(fd, old)
		t := term.NewTerminal(struct {
			io.Reader
			io.Writer
		}{f, stderr}, "")
		prompt := func(what string) (string, error) {
			s, err := t.ReadPassword(what)
			if errors.Is(err, io.EOF) { // Ctrl-C or Ctrl-D
				return "", errors.New("cancelled")
			}
			return s, err
		}
		if pin, err = prompt("PIN (4 to 12 digits): "); err != nil {
			return "", err
		}
		if again, err = prompt("PIN again: "); err != nil {
			return "", err
		}
		if badgeToo {
			if *badge, err = prompt("Badge code (scan it): "); err != nil {
				return "", err
			}
		}
	} else {
		n := 2
		if badgeToo {
			n = 3
		}
		lines, err := readLines(in, n)
		if err != nil {
			return "", err
		}
		pin, again = lines[0], lines[1]
		if badgeToo {
			*badge = lines[2]
		}
	}
	if pin != again {
		return "", errors.New("the two PINs differ")
	}
	if err := staff.ValidPIN(pin); err != nil {
		return "", err
	}
	if badgeToo {
		if err := staff.ValidBadge(*badge); err != nil {
			return "", err
		}
	}
	return pin, nil
}

// readLines reads n lines (of at most 128 bytes) from in, without their line
// ends.
func readLines(in io.Reader, n int) ([]string, error) {
	sc := bufio.NewScanner(io.LimitReader(in, int64(n)*130))
	sc.Buffer(make([]byte, 0, 256), 256)
	var lines []string
	for len(lines) < n && sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if len(lines) < n {
		what := "the PIN twice, one per line"
		if n == 3 {
			what = "the PIN twice and the badge code, one per line"
		}
		return nil, fmt.Errorf("stdin is not a terminal: expected %s", what)
	}
	return lines, nil
}

// osUser is who runs the command, for the audit log.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return fmt.Sprintf("uid %d", os.Getuid())
}

func printAccounts(w io.Writer, accts []staff.Account) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tSTATE\tBADGE\tLOCKED UNTIL")
	for _, a := range accts {
		state, badge, locked := "active", "no", ""
		switch {
		case a.Disabled:
			state = "disabled"
		case !a.LockedTo.IsZero():
			state = "locked"
		}
		if a.HasBadge {
			badge = "yes"
		}
		if !a.LockedTo.IsZero() {
			locked = a.LockedTo.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Name, a.Role, state, badge, locked)
	}
	tw.Flush()
	if len(accts) == 0 {
		fmt.Fprintln(w, "(no accounts: add one with kiosk staff add)")
	}
}
