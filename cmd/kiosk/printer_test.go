//go:build sim

package main

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/ui"
)

// TestPrinterRefusalSaysWhy opens the simulated printer's cover and asks for a
// test page and a reprint, through the real driver on a pseudo-terminal: the
// lane's own call and kiosk printer over the staff socket both name the cause.
func TestPrinterRefusalSaysWhy(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "kiosk.db")
	lane, r, sims := laneWithDevicesAt(t, dbPath)
	ctx := context.Background()
	res, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: "4063658814593"})
	if err != nil {
		t.Fatal(err)
	}
	txn := res.View.Txn.ID

	// The staff socket of a running server: it holds the lock, serves the admin app.
	unlock, err := lockFile(dbPath + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	srv := ui.New(lane, nil, ui.Options{Printer: r.Printer})
	admin := srv.AdminApp()
	ln, err := net.Listen("unix", Config{DB: dbPath}.socketPath())
	if err != nil {
		t.Fatal(err)
	}
	go admin.Listener(ln)
	defer admin.ShutdownWithTimeout(2 * time.Second)

	sims.Printer.CoverOpen(true)
	waitFor(t, "cover open alert", 3*time.Second, func() bool { return deviceAlert(lane.View(), devices.RolePrinter, devices.FaultCoverOpen) })
	for _, tc := range []struct {
		name   string
		direct func() error
		cli    []string
		want   string
	}{
		{"test page", func() error { return lane.PrintTestPage(ctx, r.Printer, "anna") },
			[]string{"printer", "test", "--db", dbPath, "--by", "anna"},
			"printer.cover_open: test page not printed: the printer cover is open"},
		{"reprint", func() error { return lane.PrintReceipt(ctx, r.Printer, txn, "anna") },
			[]string{"printer", "reprint", "--db", dbPath, "--by", "anna", "--txn", txn},
			"printer.cover_open: receipt " + txn + " not printed: the printer cover is open"},
	} {
		t.Run(tc.name+" direct", func(t *testing.T) {
			if err := tc.direct(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want %q", err, tc.want)
			}
		})
		t.Run(tc.name+" over the staff socket", func(t *testing.T) {
			out, _, err := runCLI(t, tc.cli...)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("%v (stdout %q), want %q", err, out, tc.want)
			}
		})
	}
	if n := len(sims.Printer.Receipts()); n != 0 {
		t.Fatalf("%d receipts printed with the cover open", n)
	}
	sims.Printer.CoverOpen(false)
	waitFor(t, "cover closed", 3*time.Second, func() bool { return !deviceAlert(lane.View(), devices.RolePrinter, devices.FaultCoverOpen) })
	if out, _, err := runCLI(t, "printer", "test", "--db", dbPath, "--by", "anna"); err != nil || !strings.Contains(out, "test page printed") {
		t.Fatalf("test page with the cover closed: %v %q", err, out)
	}
	waitFor(t, "test page cut", 5*time.Second, func() bool { return len(sims.Printer.Receipts()) == 1 })
	if text := sims.Printer.Texts()[0]; !strings.Contains(text, "Lane 0001-01") || !strings.Contains(text, "TEST PAGE") {
		t.Fatalf("test page:\n%s", text)
	}
}

// TestSimControl is /sim's way to the simulators: strict JSON, "no such
// device" told apart from a bad action, the printer's last receipt.
func TestSimControl(t *testing.T) {
	lane, r, sims := laneWithDevices(t)
	c := simControl{sims}
	for _, tc := range []struct {
		body   string
		noSuch bool
	}{
		{`{"device":"drawer","do":"open"}`, true},
		{`{"device":"printer","do":"explode"}`, false},
		{`{"device":"scanner","do":"scan","data":"1","extra":1}`, false},
		{`not json`, false},
	} {
		t.Run(tc.body, func(t *testing.T) {
			err := c.Apply([]byte(tc.body))
			if err == nil || errors.Is(err, ui.ErrNoSimDevice) != tc.noSuch {
				t.Fatalf("%v", err)
			}
		})
	}
	if _, err := c.LastReceiptPNG(); err == nil {
		t.Fatal("a receipt before anything was printed")
	}
	if err := c.Apply([]byte(`{"device":"scanner","do":"scan","data":"]E04063658814593"}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "scanned line", 3*time.Second, func() bool { return len(lane.View().Lines) == 1 })
	if err := lane.PrintReceipt(context.Background(), r.Printer, "", "test"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "receipt cut", 3*time.Second, func() bool { return len(sims.Printer.Receipts()) == 1 })
	if png, err := c.LastReceiptPNG(); err != nil || !strings.HasPrefix(string(png), "\x89PNG") {
		t.Fatalf("last receipt: %v", err)
	}
}
