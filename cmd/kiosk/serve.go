package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/rig"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/staff"
	"github.com/kiosk-sco/kiosk/store"
	"github.com/kiosk-sco/kiosk/ui"
)

// serveConfig reads serve's command line: the defaults, the --config file, the
// flags given.
func serveConfig(args []string, stdout, stderr io.Writer) (Config, error) {
	fs := newFlagSet("serve", "serve [flags]", `Run the lane: the shopper screen on --addr (loopback only), and the staff socket
for "kiosk alert" and "kiosk printer" beside the database (its path with .sock appended).
Settings come from the defaults, then the --config file, then the flags given.`, stderr)
	var c commonFlags
	c.register(fs)
	demo := fs.Bool("demo", false, "import the demo catalog when the catalog is empty and serve /sim")
	fs.StringVar(&c.cfg.Addr, "addr", c.cfg.Addr, "shopper listener (loopback only)")
	fs.StringVar(&c.cfg.Currency, "currency", c.cfg.Currency, "ISO 4217 currency")
	fs.StringVar(&c.cfg.Lang, "lang", c.cfg.Lang, "default language: en, de, es")
	fs.StringVar(&c.cfg.TimeZone, "tz", c.cfg.TimeZone, "store time zone, IANA name (default: the machine's)")
	fs.StringVar(&c.cfg.RCNPreset, "rcn", c.cfg.RCNPreset, "variable-measure barcode layouts: "+fmt.Sprint(catalog.RCNPresetNames())+" or none")
	fs.BoolVar(&c.cfg.KeyboardWedge, "keyboard-wedge", false, "accept a keyboard-mode USB scanner on the shopper page")
	fs.StringVar(&c.cfg.Log, "log", c.cfg.Log, "log format on stderr: json or text")
	fs.StringVar(&c.cfg.HQ.URL, "hq-url", "", "HQ's URL: send the journal there and take catalog pushes from it (also hq.url)")
	fs.StringVar(&c.cfg.HQ.TokenFile, "hq-token-file", "", "file holding the bearer token HQ issued for this store (also hq.tokenFile)")
	fs.StringVar(&c.cfg.Staff.Addr, "staff-addr", "", "staff handhelds' listener (default: --addr's host, next port; a LAN address needs staff.cert and staff.key)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("%w: serve takes no arguments", errUsage)
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "demo" {
			c.cfg.Demo = demo
		}
	})
	if err := c.load(fs); err != nil {
		return Config{}, err
	}
	c.cfg.HQ.defaults()
	if err := c.cfg.HQ.validate(); err != nil {
		return Config{}, err
	}
	c.cfg.Staff.defaults(c.cfg.Addr)
	if err := c.cfg.Staff.validate(); err != nil {
		return Config{}, err
	}
	return c.cfg, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := serveConfig(args, stdout, stderr)
	if err != nil {
		return err
	}
	isDemo := cfg.Demo != nil && *cfg.Demo
	if err := requireLoopback(cfg.Addr); err != nil {
		return err
	}
	lcfg, err := cfg.laneConfig()
	if err != nil {
		return err
	}
	if cfg.Devices == nil && !isDemo {
		return errNoDevices
	}
	if cfg.Devices != nil {
		if err := cfg.Devices.Validate(); err != nil {
			return err
		}
	}
	if cfg.Devices == nil && !simulators {
		return errNoSimulators
	}
	log, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}
	lcfg.Log = log
	if err := receiptURL(&lcfg.Receipt, cfg.Addr, isDemo); err != nil {
		return err
	}
	if lcfg.Receipt.URL == "" {
		log.Info("receipt.url is not set: receipts carry no e-receipt QR code")
	}

	unlock, err := lockFile(cfg.DB + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	cat := catalog.NewDB(db)
	if err := cat.CleanupImport(ctx); err != nil { // what an import killed mid-way left behind
		return err
	}
	if isDemo {
		if imported, err := cat.EnsureDemo(ctx, lcfg.Rates); err != nil {
			return err
		} else if imported {
			log.Info("imported the demo catalog")
		}
	}
	staffSvc := staff.New(db, staff.Options{MaxFailures: cfg.Staff.MaxFailures, LockFor: cfg.Staff.LockFor()})
	var demoStaff []staff.DemoAccount
	if isDemo {
		if demoStaff, err = staffSvc.EnsureDemo(ctx); err != nil {
			return err
		}
	}
	lcfg.StaffBadge = staffSvc.IsBadge
	lcfg.RemoteAgeChecks = cfg.Staff.RemoteAgeChecks
	lane, err := kiosk.Open(ctx, db, cat, lcfg)
	if err != nil {
		return err
	}
	laneCtx, stopLane := context.WithCancel(context.Background())
	defer stopLane()

	devCtx, stopDevices := context.WithCancel(context.Background())
	var devs *rig.Rig
	var sims ui.Sims
	stopSims := func() {}
	simDir := filepath.Join(filepath.Dir(cfg.DB), "sim")
	if cfg.Devices == nil { // --demo in a build with simulators
		devs, sims, stopSims, err = startSimulated(devCtx, simDir, lane.Device, rig.Options{Log: log})
	} else {
		devs, err = rig.Start(devCtx, *cfg.Devices, lane.Device, rig.Options{Log: log})
	}
	if err != nil {
		stopDevices()
		return err
	}
	defer func() { stopDevices(); devs.Wait(); stopSims() }()

	var printer kiosk.Printer
	if devs.Printer != nil {
		printer = devs.Printer
	}
	var term devices.PaymentTerminal
	if devs.Payment != nil {
		term = devs.Payment
		defer devs.Payment.Close()
	}
	// The lane runs once it knows its printer and terminal: a payment that a
	// crash left open is asked for on the terminal at once. Device events
	// that came meanwhile wait in the lane's queue.
	lane.Attach(term, printer)
	go lane.Run(laneCtx)
	defer func() { stopLane(); <-lane.Done() }() // only once it runs: a failed start must not wait for it
	syncer, stopSync, err := startHQSync(ctx, cfg, db, cat, lane, lcfg.Rates, log)
	if err != nil {
		return err
	}
	defer stopSync()
	peerClient, err := cfg.Staff.peerClient()
	if err != nil {
		return err
	}
	printers := map[string]kiosk.Printer{}
	if printer != nil {
		printers[lane.ID()] = printer
	}
	staffSrv := ui.NewStaff(ui.StaffOptions{Service: staffSvc, Lanes: []*kiosk.Lane{lane}, Printers: printers,
		Peers: cfg.Staff.Peers, PeerToken: cfg.Staff.PeerToken, TLS: cfg.Staff.TLS(), PeerClient: peerClient,
		AttendantTimeout: time.Duration(cfg.Staff.AttendantTimeoutS) * time.Second, Log: log,
		Metrics: laneMetrics(lane, syncer), HQSync: hqSyncStatus(syncer)})
	defer staffSrv.Close()
	srv := ui.New(lane, cat, ui.Options{Demo: isDemo, KeyboardWedge: cfg.KeyboardWedge, Printer: printer, Sims: sims, Staff: staffSrv, Log: log})
	app := srv.App()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	staffApp := staffSrv.App()
	sln, err := listenStaff(cfg.Staff)
	if err != nil {
		ln.Close()
		return err
	}
	sock := cfg.socketPath()
	admin := srv.AdminApp()
	aln, err := listenStaffSocket(sock) // replaces a stale socket: the lock proves no server runs
	if err != nil {
		ln.Close()
		sln.Close()
		return err
	}
	defer os.Remove(sock)

	errc := make(chan error, 3)
	go func() { errc <- app.Listener(ln) }()
	go func() { errc <- admin.Listener(aln) }()
	go func() { errc <- staffApp.Listener(sln) }()
	n, _ := cat.Count(ctx)
	fmt.Fprintf(stdout, "kiosk %s: lane %s, %d products, SQLite %s at %s\n", version, lane.ID(), n, db.Info.SQLiteVersion, cfg.DB)
	fmt.Fprintf(stdout, "  shopper screen:    http://%s/\n", ln.Addr())
	if isDemo {
		fmt.Fprintf(stdout, "  simulated devices: http://%s/sim\n", ln.Addr())
	}
	scheme := "http"
	if cfg.Staff.TLS() {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "  staff handheld:    %s://%s/\n", scheme, sln.Addr())
	for _, a := range demoStaff {
		fmt.Fprintf(stdout, "    demo %-10s  id %-5s PIN %s\n", a.Role, a.ID, a.PIN)
	}
	fmt.Fprintf(stdout, "  metrics:           %s://%s/metrics\n", scheme, sln.Addr())
	fmt.Fprintf(stdout, "  attendant mode:    http://%s/staff/ on the kiosk screen (or scan a staff badge)\n", ln.Addr())
	fmt.Fprintf(stdout, "  staff CLI socket:  %s (kiosk alert list --db %s)\n", sock, cfg.DB)
	if syncer != nil {
		where := cfg.HQ.URL
		if cfg.HQ.Sink == "nats" {
			where = cfg.HQ.NATS.URL
		}
		fmt.Fprintf(stdout, "  HQ sync:           %s sink to %s\n", cfg.HQ.Sink, where)
	}
	if sims != nil {
		fmt.Fprintf(stdout, "  devices:           simulated, ports in %s\n", simDir)
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-errc:
	}
	srv.CloseStreams()
	staffSrv.Close()
	_ = app.ShutdownWithTimeout(5 * time.Second)
	_ = admin.ShutdownWithTimeout(5 * time.Second)
	_ = staffApp.ShutdownWithTimeout(5 * time.Second)
	return err
}

// newLogger is the process's structured log on w: JSON lines (the default,
// what a log collector reads) or text.
func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "", "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("log %q: want json or text", format)
}

// errNoDevices refuses to run a lane with no devices: a production kiosk says
// where its devices are, the demo says --demo.
var errNoDevices = errors.New(`no devices configured: add a "devices" section to the configuration file (--config) ` +
	`with the serial port "path" of each device: "scanner", "produceScale", "baggingScale", "printer" (and the printer's "widthMm", 58 or 80); ` +
	`or start the demo on simulated devices with --demo`)

// errNoSimulators refuses --demo without devices in a production binary.
var errNoSimulators = errors.New(`--demo without a "devices" section runs simulated devices, and this kiosk binary has none: ` +
	`build it with -tags sim (make run does), or configure "devices"`)

// receiptURL sets the e-receipt URL the receipt's QR code points to. The
// demo defaults to this kiosk's own receipt preview, which only the kiosk's
// own browser can open; a store configures receipt.url, and an address on
// this machine is refused there: a phone scanning the code would open itself.
func receiptURL(rc *kiosk.ReceiptConfig, addr string, demo bool) error {
	if rc.URL == "" {
		if demo {
			rc.URL = "http://" + addr + "/receipts/{txn}.png"
		}
		return nil
	}
	u, err := url.Parse(strings.ReplaceAll(rc.URL, "{txn}", "0"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("receipt.url %q: want an http or https URL, e.g. https://receipts.example.com/r/{txn}", rc.URL)
	}
	if ip := net.ParseIP(u.Hostname()); !demo && (u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()) {
		return fmt.Errorf("receipt.url %q points at this machine: on a shopper's phone %s is the phone itself; use an address phones can reach", rc.URL, u.Hostname())
	}
	return nil
}

// requireLoopback refuses a shopper listener that other machines could reach.
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("addr %q: the shopper API listens on loopback only (e.g. 127.0.0.1:8080)", addr)
	}
	return nil
}

// errLocked reports that another kiosk process holds the database.
var errLocked = errors.New("another kiosk is running on this database")

// lockFile takes the database's lock for as long as the process runs.
func lockFile(path string) (func(), error) {
	unlock, err := store.LockFile(path)
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w (%s)", errLocked, path)
	}
	return unlock, err
}
