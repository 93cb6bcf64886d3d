// Command kiosk-hq runs a chain's HQ: it receives what the lanes push (HTTP
// batches or a NATS JetStream stream), serves the pull API and the
// dashboard, and publishes catalogs to the lanes.
//
// It is its own binary, not a kiosk subcommand: HQ stores through GORM on
// github.com/glebarez/sqlite, the lane through modernc.org/sqlite, and both
// register the database/sql driver "sqlite", so one process cannot link both.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/kiosk-sco/kiosk/hq"
)

const usage = `kiosk-hq — the HQ of a chain of kiosk lanes

Usage:
  kiosk-hq serve [flags]                       receive lanes' batches, serve the pull API and dashboard
  kiosk-hq token add --name N --role R [--store S]   make an API token (printed once): lane, store or analyst
  kiosk-hq user add --name N --role R [--store S]    make a dashboard user (password from stdin): analyst or store
  kiosk-hq catalog publish [flags] FILE.csv    publish a catalog (full or delta) to the lanes

Every command takes --db FILE (SQLite, default ./data/hq.db) or --postgres DSN
(or the environment variable KIOSK_HQ_POSTGRES).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kiosk-hq:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	switch cmd := strings.Join(args[:min(2, len(args))], " "); {
	case args[0] == "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case cmd == "token add":
		return tokenAdd(ctx, args[2:], stdout, stderr)
	case cmd == "user add":
		return userAdd(ctx, args[2:], stdin, stdout, stderr)
	case cmd == "catalog publish":
		return catalogPublish(ctx, args[2:], stdout, stderr)
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

// dbFlags are the database flags of every command.
type dbFlags struct{ path, dsn string }

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.path, "db", "./data/hq.db", "SQLite database file (the embedded default)")
	fs.StringVar(&d.dsn, "postgres", os.Getenv("KIOSK_HQ_POSTGRES"), `PostgreSQL DSN, e.g. "host=db user=hq dbname=hq" (instead of --db)`)
}

func (d *dbFlags) open(ctx context.Context, log *slog.Logger) (*hq.Service, error) {
	var dial gorm.Dialector
	if d.dsn != "" {
		dial = postgres.Open(d.dsn)
	} else {
		if err := os.MkdirAll(filepath.Dir(d.path), 0o750); err != nil {
			return nil, err
		}
		dial = sqlite.Open(d.path)
	}
	return hq.Open(ctx, dial, hq.Options{Log: log})
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func tokenAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token add", stderr)
	var d dbFlags
	d.register(fs)
	name := fs.String("name", "", "what the token is for, e.g. lanes-0001 or ana")
	role := fs.String("role", "", "lane (a store's lanes push), store (a store's figures) or analyst (the chain)")
	store := fs.String("store", "", "the store of a lane or store token")
	out := fs.String("o", "", "write the token to this file (mode 0600) instead of printing it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, err := d.open(ctx, nil)
	if err != nil {
		return err
	}
	defer svc.Close()
	tok, err := svc.CreateToken(ctx, *name, *role, *store)
	if err != nil {
		return err
	}
	if *out != "" {
		return os.WriteFile(*out, []byte(tok+"\n"), 0o600)
	}
	fmt.Fprintln(stdout, tok)
	fmt.Fprintln(stderr, "kiosk-hq: the token is shown once; HQ keeps only its hash")
	return nil
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("user add", stderr)
	var d dbFlags
	d.register(fs)
	name := fs.String("name", "", "login name")
	role := fs.String("role", "", "analyst (the chain) or store (one store's supervisor)")
	store := fs.String("store", "", "the store of a store user")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// The password comes from stdin (never a flag: ps and the shell's
	// history would show it), twice.
	r := bufio.NewReader(stdin)
	fmt.Fprint(stderr, "password (10..128 characters), twice on two lines: ")
	pw1, _ := r.ReadString('\n')
	pw2, _ := r.ReadString('\n')
	pw1, pw2 = strings.TrimRight(pw1, "\r\n"), strings.TrimRight(pw2, "\r\n")
	fmt.Fprintln(stderr)
	if pw1 != pw2 {
		return errors.New("the two passwords differ")
	}
	svc, err := d.open(ctx, nil)
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := svc.CreateUser(ctx, *name, *role, *store, pw1); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s (%s) added\n", *name, *role)
	return nil
}

func catalogPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("catalog publish", stderr)
	var d dbFlags
	d.register(fs)
	mode := fs.String("mode", "full", "full (replaces the lanes' catalog) or delta (adds or changes the rows listed)")
	store := fs.String("store", "", "one store; default: every store")
	note := fs.String("note", "", "what changed")
	by := fs.String("by", os.Getenv("USER"), "who publishes")
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("catalog publish takes one CSV file")
	}
	body, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	svc, err := d.open(ctx, nil)
	if err != nil {
		return err
	}
	defer svc.Close()
	c, err := svc.PublishCatalog(ctx, body, *mode, *store, firstNonEmpty(*by, "cli"), *note)
	var ce *hq.CatalogError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Fprintln(stderr, "  "+p)
		}
		return errors.New("catalog refused whole: nothing was published")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "published catalog version %d (%s, %d rows, sha256 %s)\n", c.Version, c.Mode, c.Rows, c.SHA256[:12])
	return nil
}

// reorder puts flags before the arguments, so that "publish FILE --mode
// delta" works as "publish --mode delta FILE".
func reorder(args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, a)
	}
	return append(flags, rest...)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
