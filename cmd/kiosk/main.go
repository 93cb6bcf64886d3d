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
  kiosk payment cash-taken [flags]          staff took the money of a pay-at-attendant sale
  kiosk payment end-of-day [flags]          close the card terminal's day
  kiosk staff add [flags]                   create a staff account (PIN from stdin)
  kiosk staff list [flags]                  list the staff accounts
  kiosk staff disable [flags]               disable a staff account
  kiosk staff audit [flags]                 print the audit log (logins, failed logins, staff actions)
  kiosk simulate-day [flags]                simulate a store day at the bagging area: fixed vs learned tolerance
  kiosk version

Flags go before or after the arguments. "kiosk COMMAND --help" (or
"kiosk help COMMAND") prints a command's flags.
`

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		os.Exit(exitCode(err))
	}
}

// errUsage marks a command line that could not be understood.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, errFlags):
		return 2
	}
	return 1
}

// errFlags marks flags that could not be parsed; the flag package has printed
// the error and the usage already.
var errFlags = errors.New("bad flags")

// run runs the command line args. Asking for help (--help, -h) prints the
// usage on stdout and returns nil.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
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
	case "payment":
		return paymentCmd(ctx, args[1:], stdout, stderr)
	case "staff":
		return staffCmd(ctx, args[1:], stdout, stderr)
	case "simulate-day":
		return simulateDay(ctx, args[1:], stdout, stderr)
	case "version":
		if len(args) > 1 {
			if wantsHelp(args[1:]) {
				fmt.Fprintln(stdout, "Usage: kiosk version\n\nPrint the kiosk's version.")
				return nil
			}
			return fmt.Errorf("%w: version takes no arguments", errUsage)
		}
		fmt.Fprintln(stdout, "kiosk", version)
		return nil
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[0] == "help" { // kiosk help alert resolve
			return dispatch(ctx, append(args[1:len(args):len(args)], "--help"), stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}
