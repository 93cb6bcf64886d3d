package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// printerCmd prints a test page or reprints a receipt through the running server,
// which owns the printer's port.
func printerCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const printerUsage = `Usage:
  kiosk printer test [flags]                print a test page on the lane's printer
  kiosk printer reprint [flags] [-txn ID]   reprint the last (or a given) basket
`
	if wantsHelp(args) {
		fmt.Fprint(stdout, printerUsage)
		return nil
	}
	if len(args) == 0 || (args[0] != "test" && args[0] != "reprint") {
		fmt.Fprint(stderr, printerUsage)
		return fmt.Errorf("%w: printer test | printer reprint [-txn ID]", errUsage)
	}
	synopsis, about := "printer test [flags]", "Print a test page (code page, sizes, a Code 128 and a QR code, the cut) on the lane's printer, through the running server, which owns the printer's port."
	if args[0] == "reprint" {
		synopsis, about = "printer reprint [flags]", "Reprint the receipt of the last basket, or of --txn, on the lane's printer, through the running server."
	}
	fs := newFlagSet("printer "+args[0], synopsis, about, stderr)
	var c commonFlags
	c.register(fs)
	var txn *string
	if args[0] == "reprint" {
		txn = fs.String("txn", "", "transaction to reprint (default: the last basket)")
	} else {
		txn = new(string)
	}
	by := fs.String("by", os.Getenv("USER"), "who asks for it")
	if err := parseFlags(fs, args[1:], stdout); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: printer %s takes no arguments", errUsage, args[0])
	}
	if err := c.load(fs); err != nil {
		return err
	}
	if _, err := os.Stat(c.cfg.DB); err != nil {
		return fmt.Errorf("no kiosk database at %s, so no kiosk server that owns a printer", c.cfg.DB)
	}
	unlock, err := lockFile(c.cfg.DB + ".lock")
	if err == nil {
		unlock()
		return errors.New("the kiosk server is not running on this database; the printer belongs to it (start it with kiosk serve)")
	}
	if !errors.Is(err, errLocked) {
		return err
	}
	var out struct{ OK bool }
	if err := callLane(ctx, c.cfg, "POST", "/printer/"+args[0], map[string]string{"txn": *txn, "by": *by}, &out); err != nil {
		return err
	}
	if args[0] == "test" {
		fmt.Fprintln(stdout, "test page printed")
	} else {
		fmt.Fprintln(stdout, "receipt printed")
	}
	return nil
}
