package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// printerCmd prints a test page or reprints a receipt through the running server,
// which owns the printer's port.
func printerCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "test" && args[0] != "reprint") {
		return fmt.Errorf("%w: printer test | printer reprint [-txn ID]", errUsage)
	}
	fs := flag.NewFlagSet("printer "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c commonFlags
	c.register(fs)
	txn := fs.String("txn", "", "transaction to reprint (default: the last basket)")
	by := fs.String("by", os.Getenv("USER"), "who asks for it")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: printer %s takes no arguments", errUsage, args[0])
	}
	if err := c.load(fs); err != nil {
		return err
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
	if err := callSocket(ctx, c.cfg.socketPath(), "POST", "/printer/"+args[0], map[string]string{"txn": *txn, "by": *by}, &out); err != nil {
		return err
	}
	if args[0] == "test" {
		fmt.Fprintln(stdout, "test page printed")
	} else {
		fmt.Fprintln(stdout, "receipt printed")
	}
	return nil
}
