package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

const alertUsage = `Usage:
  kiosk alert list [flags]          show the lane's open alerts
  kiosk alert resolve [flags] ID    resolve an alert as staff

"kiosk alert resolve --help" lists the outcomes of each alert type.
`

// resolveAbout documents each outcome per alert type, as the lane applies them
// (kiosk.Lane.Resolve).
const resolveAbout = `
Resolve alert ID of the lane as staff member --by, with --outcome:

  alert type       outcome    what the lane does
  item_not_found   done       the item was dealt with (keyed in, or set aside): the
                              lane leaves suspended and scanning goes on
                   approved,  recorded as given; the same effect as done
                   rejected
  void_request     approved   the line is removed, or set to the quantity the
                              shopper asked for
                   rejected   the line stays as it is
  cancel_request   approved   the transaction is cancelled
                   rejected   shopping goes on
  age_check        approved   the age-restricted items stay, and later items with the
                              same or a lower age limit need no new check in this
                              transaction
                   rejected   the items above the approved age leave the basket
  typed_label      approved   staff checked the label of a typed code with a price,
                              weight or count: it is sold as typed, by them
                   rejected   nothing is sold
  help             done       the shopper was helped (approved and rejected are
                              recorded as given)
  cash_payment     approved   the shopper paid staff (cash): the sale is paid
                              (the same as "kiosk payment cash-taken")
                   rejected   not paid: the shopper is back at the pay screen
  payment_unknown  approved   the terminal shows the card payment as approved: the
                              sale is paid (the lane asks the terminal itself and
                              closes this alert when it answers)
                   rejected   the terminal shows no such payment: not charged, the
                              shopper pays again; an approval the terminal reports
                              later for it is reversed
  payment_failed   done       staff saw the decline or the terminal fault
  receipt_not_printed
                   done       the receipt was reprinted ("kiosk printer reprint --txn ID")
                              or the shopper left without it
  refund_due       done       the terminal took money no sale stands on and the lane
                              could not reverse it (or cannot tell whose it is):
                              staff checked the terminal's journal and refunded
  scanner_fault, printer_fault, printer_warning, scale_fault, terminal_fault
                   done       closed by hand; the lane closes these itself
                              ("recovered") when the device reports the fault gone,
                              and raises a new alert when it reports the fault again
  bag_unexpected_item, bag_weight_mismatch, bag_item_removed, bag_item_not_bagged
                   done       staff at the lane saw the bagging area and take it as it
                              is (the purse is the shopper's, the item is the one
                              scanned, a heavy item waved through); a one-item weight
                              they confirm is learned. The lane closes these itself
                              ("corrected") when the shopper puts the area right
  hq_backlog       done       someone knows HQ has not been reached for too long and
                              checks the store's network; the lane closes it itself
                              ("recovered") once HQ has everything, and raises it once
                              per outage

void_request, cancel_request, age_check, typed_label, cash_payment and
payment_unknown refuse done: say approved or rejected.
Through the running server's staff socket, or, when no server runs on the
database, on the database directly.

Examples:
  kiosk alert resolve 3 --by anna --outcome approved
  kiosk alert resolve --by anna 7
`

func alertCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if wantsHelp(args) {
		fmt.Fprint(stdout, alertUsage)
		return nil
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, alertUsage)
		return fmt.Errorf("%w: alert list | alert resolve ID", errUsage)
	}
	var fs *flag.FlagSet
	var outcome, by *string
	switch args[0] {
	case "list":
		fs = newFlagSet("alert list", "alert list [flags]", "Show the lane's open alerts, through the running server's staff socket or, when no server runs on the database, from the database.", stderr)
	case "resolve":
		fs = newFlagSet("alert resolve", "alert resolve [flags] ID", resolveAbout, stderr)
		outcome = fs.String("outcome", "done", "approved, rejected or done: see the table above")
		by = fs.String("by", os.Getenv("USER"), "who resolves it (1 to 64 characters)")
	default:
		fmt.Fprint(stderr, alertUsage)
		return fmt.Errorf("%w: unknown alert command %q", errUsage, args[0])
	}
	var c commonFlags
	c.register(fs)
	if err := parseFlags(fs, args[1:], stdout); err != nil {
		return err
	}
	if err := c.load(fs); err != nil {
		return err
	}
	var view kiosk.View
	switch args[0] {
	case "list":
		if fs.NArg() != 0 {
			return fmt.Errorf("%w: alert list takes no arguments", errUsage)
		}
		if err := withLane(ctx, c.cfg, "GET", "/lane", nil, &view, func(l *kiosk.Lane) (any, error) { return l.View(), nil }); err != nil {
			return err
		}
	case "resolve":
		if fs.NArg() != 1 {
			return fmt.Errorf("%w: alert resolve takes one alert ID", errUsage)
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil || id < 1 {
			return fmt.Errorf("%w: alert ID must be a positive number, got %q", errUsage, fs.Arg(0))
		}
		var res kiosk.Result
		body := map[string]string{"outcome": *outcome, "by": *by}
		err = withLane(ctx, c.cfg, "POST", fmt.Sprintf("/alerts/%d/resolve", id), body, &res, func(l *kiosk.Lane) (any, error) {
			return l.Resolve(ctx, id, *outcome, *by, "")
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "alert %d resolved (%s) by %s\n", id, *outcome, *by)
		if res.View == nil {
			return nil
		}
		view = *res.View
	}
	fmt.Fprintf(stdout, "lane %s: %s, %d open alerts\n", view.Lane, view.State, len(view.Alerts))
	for _, a := range view.Alerts {
		block := ""
		if a.Blocking {
			block = " BLOCKING"
		}
		fmt.Fprintf(stdout, "  #%d %s%s since %s %s\n", a.ID, a.Type, block, a.RaisedAt.Local().Format(time.TimeOnly), a.Detail)
	}
	return nil
}

// withLane talks to the running server over its staff socket, or, when no server
// runs on this database, opens the lane itself for one command.
func withLane(ctx context.Context, cfg Config, method, path string, body, out any, direct func(*kiosk.Lane) (any, error)) error {
	// Before the lock, which would create the directory and the lock file.
	if _, err := os.Stat(cfg.DB); err != nil {
		return fmt.Errorf("no kiosk database at %s", cfg.DB)
	}
	unlock, err := lockFile(cfg.DB + ".lock")
	if errors.Is(err, errLocked) {
		return callLane(ctx, cfg, method, path, body, out)
	}
	if err != nil {
		return err
	}
	defer unlock()
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	lcfg, err := cfg.laneConfig()
	if err != nil {
		return err
	}
	lane, err := kiosk.Open(ctx, db, catalog.NewDB(db), lcfg)
	if err != nil {
		return err
	}
	laneCtx, stop := context.WithCancel(ctx)
	go lane.Run(laneCtx)
	defer func() { stop(); <-lane.Done() }()
	v, err := direct(lane)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(v)
	return json.Unmarshal(b, out)
}

// callLane calls the server that serves cfg's database over its staff socket.
// When the command line or a configuration file named the lane, the server
// must be that lane: a staff member who asks for lane 02 must not resolve lane
// 01's alert.
func callLane(ctx context.Context, cfg Config, method, path string, body, out any) error {
	if cfg.laneNamed {
		var v struct{ Lane string }
		if err := callSocket(ctx, cfg.socketPath(), "GET", "/lane", nil, &v); err != nil {
			return err
		}
		if want := cfg.Store + "-" + cfg.Lane; v.Lane != want {
			return fmt.Errorf("the kiosk server on %s serves lane %s, not %s: check --db, --store and --lane", cfg.DB, v.Lane, want)
		}
	}
	return callSocket(ctx, cfg.socketPath(), method, path, body, out)
}

func callSocket(ctx context.Context, sock, method, path string, body, out any) error {
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://kiosk"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("the kiosk server holds the database but its staff socket %s does not answer: %w", sock, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Code != "" {
			return fmt.Errorf("%s: %s", e.Error.Code, e.Error.Message)
		}
		return fmt.Errorf("server answered %s", resp.Status)
	}
	return json.Unmarshal(b, out)
}
