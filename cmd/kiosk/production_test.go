package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk"
)

// TestProductionServeRefusesWithoutDevices builds the kiosk as make build does
// (no simulators) and starts serve without a devices section: it refuses,
// names what to configure, and leaves no database behind.
func TestProductionServeRefusesWithoutDevices(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := productionBinary(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty-devices.json")
	os.WriteFile(empty, []byte(`{"devices": {}}`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no devices", []string{"serve"}, errNoDevices.Error()},
		{"demo without simulators", []string{"serve", "--demo"}, errNoSimulators.Error()},
		{"empty devices section", []string{"serve", "--config", empty}, "the devices section lists no device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"), "kiosk.db")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, append(tc.args, "--db", db, "--addr", "127.0.0.1:0")...)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Fatalf("output %q lacks %q", out, tc.want)
			}
			if _, err := os.Stat(filepath.Dir(db)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a refused start left %s behind: %v", filepath.Dir(db), err)
			}
		})
	}
	if !strings.Contains(errNoDevices.Error(), `"devices"`) || !strings.Contains(errNoDevices.Error(), "--demo") {
		t.Fatalf("the refusal must name the devices section and --demo: %v", errNoDevices)
	}
	for _, dev := range []string{"scanner", "produceScale", "baggingScale", "printer", "widthMm"} {
		if !strings.Contains(errNoDevices.Error(), dev) {
			t.Errorf("the refusal does not name %q", dev)
		}
	}
}

// TestPaperWidthIsThePrinters: receipts are laid out for the printer's paper,
// and the retired receipt.widthMm is refused with the setting to use.
func TestPaperWidthIsThePrinters(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, json string
		dots       int
		err        string
	}{
		{"58 mm printer", `{"devices": {"printer": {"path": "/dev/x", "widthMm": 58}}}`, 384, ""},
		{"80 mm printer", `{"devices": {"printer": {"path": "/dev/x", "widthMm": 80}}}`, 576, ""},
		{"printer without width", `{"devices": {"printer": {"path": "/dev/x"}}}`, 576, ""},
		{"no printer", `{"devices": {"scanner": {"path": "/dev/x"}}}`, 576, ""},
		{"retired receipt width", `{"devices": {"printer": {"path": "/dev/x", "widthMm": 58}}, "receipt": {"widthMm": 80}}`, 0,
			"receipt.widthMm is no longer read: the paper width is the printer's one setting, devices.printer.widthMm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
			os.WriteFile(path, []byte(tc.json), 0o644)
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			var c commonFlags
			c.register(fs)
			if err := fs.Parse([]string{"--config", path}); err != nil {
				t.Fatal(err)
			}
			err := c.load(fs)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			lcfg, err := c.cfg.laneConfig()
			if err != nil {
				t.Fatal(err)
			}
			if got := lcfg.Receipt.Paper().Dots(); got != tc.dots {
				t.Fatalf("receipts laid out for %d dots, the printer has %d", got, tc.dots)
			}
		})
	}
}

func TestReceiptURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		demo bool
		want string // the URL set, or the error
	}{
		{"", true, "http://127.0.0.1:8080/receipts/{txn}.png"},
		{"", false, ""},
		{"https://receipts.example.com/r/{txn}", false, "https://receipts.example.com/r/{txn}"},
		{"http://192.168.1.20/r/{txn}", false, "http://192.168.1.20/r/{txn}"},
		{"http://127.0.0.1:8080/receipts/{txn}.png", false, "points at this machine: on a shopper's phone 127.0.0.1 is the phone itself"},
		{"http://localhost/r/{txn}", false, "points at this machine"},
		{"http://127.0.0.1:8080/receipts/{txn}.png", true, "http://127.0.0.1:8080/receipts/{txn}.png"},
		{"receipts.example.com/r/{txn}", false, "want an http or https URL"},
		{"javascript:alert(1)", false, "want an http or https URL"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			rc := kiosk.ReceiptConfig{URL: tc.url}
			err := receiptURL(&rc, "127.0.0.1:8080", tc.demo)
			got := rc.URL
			if err != nil {
				got = err.Error()
			}
			if !strings.Contains(got, tc.want) || tc.want == "" && got != "" {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPaymentCapsFromTheFile: offline caps are amounts in the store's
// currency; nonsense is refused with the setting's name.
func TestPaymentCapsFromTheFile(t *testing.T) {
	dir := t.TempDir()
	i := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name, json     string
		perSale, total *int64
		err            string
	}{
		{"defaults", `{}`, nil, nil, ""},
		{"set", `{"payment": {"offlineMaxPerSale": "25.50", "offlineMaxTotal": 300}}`, i(2550), i(30000), ""},
		{"none offline", `{"payment": {"offlineMaxPerSale": "0"}}`, i(0), nil, ""},
		{"negative", `{"payment": {"offlineMaxTotal": "-1"}}`, nil, nil, "payment.offlineMaxTotal -1"},
		{"fraction of a cent", `{"payment": {"offlineMaxPerSale": "1.005"}}`, nil, nil, "payment.offlineMaxPerSale 1.005"},
		{"unknown key", `{"payment": {"offlineMax": "1"}}`, nil, nil, "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
			os.WriteFile(path, []byte(tc.json), 0o644)
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			var c commonFlags
			c.register(fs)
			if err := fs.Parse([]string{"--config", path}); err != nil {
				t.Fatal(err)
			}
			err := c.load(fs)
			var lcfg kiosk.Config
			if err == nil {
				lcfg, err = c.cfg.laneConfig()
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			eq := func(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
			if p := lcfg.Payment; !eq(p.OfflineMaxPerSale, tc.perSale) || !eq(p.OfflineMaxTotal, tc.total) {
				t.Fatalf("caps %v %v", p.OfflineMaxPerSale, p.OfflineMaxTotal)
			}
		})
	}
}

// TestServeFailsFastOnABadTerminal: a device that cannot start ends serve with
// its error, instead of a serve that waits for a lane it never ran.
func TestServeFailsFastOnABadTerminal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.json")
	os.WriteFile(path, []byte(`{"devices": {"payment": {"tcp": "127.0.0.1:1", "password": "12345"}}}`), 0o600)
	done := make(chan error, 1)
	go func() {
		_, _, err := runCLI(t, "serve", "--config", path, "--db", filepath.Join(dir, "k.db"), "--addr", "127.0.0.1:0")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "password") {
			t.Fatalf("serve: %v, want the terminal's password refused", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve hangs after a device failed to start")
	}
}
