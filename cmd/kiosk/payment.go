package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kiosk-sco/kiosk/kiosk"
)

// paymentCmd is staff's side of payments until the handheld exists: the
// money of a pay-at-attendant sale was taken; the card terminal's day ends.
func paymentCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const paymentUsage = `Usage:
  kiosk payment cash-taken [flags]          the shopper waiting at the lane paid staff
  kiosk payment end-of-day [flags]          close the card terminal's day (sends its offline payments)
`
	if wantsHelp(args) {
		fmt.Fprint(stdout, paymentUsage)
		return nil
	}
	if len(args) == 0 || (args[0] != "cash-taken" && args[0] != "end-of-day") {
		fmt.Fprint(stderr, paymentUsage)
		return fmt.Errorf("%w: payment cash-taken | payment end-of-day", errUsage)
	}
	about := "Complete the sale of a shopper who chose to pay at the attendant: staff took the money (cash, or anything the store accepts at its till). " +
		"The lane must be waiting for it (its cash_payment alert is open); the sale is then paid and the shopper chooses a receipt. " +
		"Through the running server's staff socket, or, when no server runs on the database, on the database directly."
	if args[0] == "end-of-day" {
		about = "Close the card terminal's day (ZVT End-of-Day): it settles with the card networks and sends the payments it approved offline. " +
			"Through the running server, which owns the terminal; it waits for a payment in progress to end."
	}
	fs := newFlagSet("payment "+args[0], "payment "+args[0]+" [flags]", about, stderr)
	var c commonFlags
	c.register(fs)
	by := fs.String("by", os.Getenv("USER"), "who does it (1 to 64 characters)")
	if err := parseFlags(fs, args[1:], stdout); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: payment %s takes no arguments", errUsage, args[0])
	}
	if err := c.load(fs); err != nil {
		return err
	}
	if args[0] == "end-of-day" {
		return endOfDay(ctx, c.cfg, *by, stdout)
	}
	var res kiosk.Result
	err := withLane(ctx, c.cfg, "POST", "/payments/cash", map[string]string{"by": *by}, &res, func(l *kiosk.Lane) (any, error) {
		return l.CashTaken(ctx, *by, "")
	})
	if err != nil {
		return err
	}
	total := ""
	if res.View != nil && res.View.Receipt != nil {
		total = " " + res.View.Receipt.Total + " " + res.View.Currency
	}
	fmt.Fprintf(stdout, "payment taken by %s:%s paid\n", *by, total)
	return nil
}

func endOfDay(ctx context.Context, cfg Config, by string, stdout io.Writer) error {
	if _, err := os.Stat(cfg.DB); err != nil {
		return fmt.Errorf("no kiosk database at %s, so no kiosk server that owns a card terminal", cfg.DB)
	}
	unlock, err := lockFile(cfg.DB + ".lock")
	if err == nil {
		unlock()
		return errors.New("the kiosk server is not running on this database; the card terminal belongs to it (start it with kiosk serve)")
	}
	if !errors.Is(err, errLocked) {
		return err
	}
	var out struct {
		Approved bool
		Result   int
		Total    int64
		Receipt  []string
	}
	if err := callLane(ctx, cfg, "POST", "/payments/end-of-day", map[string]string{"by": by}, &out); err != nil {
		return err
	}
	if !out.Approved {
		return fmt.Errorf("the terminal did not close its day (result %02X)", out.Result)
	}
	fmt.Fprintf(stdout, "card terminal's day closed by %s\n", by)
	for _, l := range out.Receipt {
		fmt.Fprintln(stdout, "  "+l)
	}
	return nil
}
