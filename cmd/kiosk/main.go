// Command kiosk runs a self-checkout lane: the server, catalog import and export,
// and the staff's command-line tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `kiosk — self-checkout lane server

Usage:
  kiosk serve [flags]                       run the lane (shopper screen on 127.0.0.1:8080)
  kiosk catalog import [flags] FILE.csv     validate and import a catalog, all or nothing
  kiosk catalog export [flags] [-o FILE]    write the catalog as CSV
  kiosk alert list [flags]                  show the lane's open alerts
  kiosk alert resolve [flags] ID            resolve an alert as staff
  kiosk printer test [flags]                print a test page on the lane's printer
  kiosk printer reprint [flags] [-txn ID]   reprint the last (or a given) basket
  kiosk version

Run "kiosk COMMAND -h" for the flags of a command.
`

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kiosk:", err)
		}
		os.Exit(exitCode(err))
	}
}

// errUsage marks a command line that could not be understood.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: no command", errUsage)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "catalog":
		return catalogCmd(ctx, args[1:], stdout, stderr)
	case "alert":
		return alertCmd(ctx, args[1:], stdout, stderr)
	case "printer":
		return printerCmd(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "kiosk", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}
