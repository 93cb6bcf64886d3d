package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/kiosk-sco/kiosk/kiosk"
)

// paymentCmd is staff's side of paying at the attendant, until the handheld
// exists: the money was taken.
func paymentCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const paymentUsage = `Usage:
  kiosk payment cash-taken [flags]          the shopper waiting at the lane paid staff
`
	if wantsHelp(args) {
		fmt.Fprint(stdout, paymentUsage)
		return nil
	}
	if len(args) == 0 || args[0] != "cash-taken" {
		fmt.Fprint(stderr, paymentUsage)
		return fmt.Errorf("%w: payment cash-taken", errUsage)
	}
	fs := newFlagSet("payment cash-taken", "payment cash-taken [flags]",
		"Complete the sale of a shopper who chose to pay at the attendant: staff took the money (cash, or anything the store accepts at its till). "+
			"The lane must be waiting for it (its cash_payment alert is open); the sale is then paid and the shopper chooses a receipt. "+
			"Through the running server's staff socket, or, when no server runs on the database, on the database directly.", stderr)
	var c commonFlags
	c.register(fs)
	by := fs.String("by", os.Getenv("USER"), "who took the money (1 to 64 characters)")
	if err := parseFlags(fs, args[1:], stdout); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: payment cash-taken takes no arguments", errUsage)
	}
	if err := c.load(fs); err != nil {
		return err
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
