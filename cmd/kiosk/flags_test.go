package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

// laneWithAlert makes a database whose lane has one open alert: #1
// item_not_found.
func laneWithAlert(t *testing.T) string {
	t.Helper()
	return laneAfter(t, kiosk.Command{Op: kiosk.OpScan, Code: "5901234123457"})
}

// laneAfter is a lane database on the demo catalog after cmds.
func laneAfter(t *testing.T, cmds ...kiosk.Command) string {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "k.db")
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat := catalog.NewDB(db)
	if _, err := cat.EnsureDemo(ctx, nil); err != nil {
		t.Fatal(err)
	}
	lane, err := kiosk.Open(ctx, db, cat, kiosk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	lctx, stop := context.WithCancel(ctx)
	go lane.Run(lctx)
	defer func() { stop(); <-lane.Done() }()
	for _, cmd := range cmds {
		if _, err := lane.Do(ctx, cmd); err != nil {
			t.Fatal(err)
		}
	}
	return dbPath
}

// TestFlagsBeforeOrAfterArguments: flags go anywhere among the arguments, and
// "--" ends them.
func TestFlagsBeforeOrAfterArguments(t *testing.T) {
	for _, args := range [][]string{
		{"alert", "resolve", "1", "--by", "anna", "--outcome", "done", "--db", "DB"},
		{"alert", "resolve", "--by", "anna", "1", "--db", "DB"},
		{"alert", "resolve", "--db", "DB", "--by=anna", "1"},
		{"alert", "resolve", "-by", "anna", "-db", "DB", "--", "1"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			db := laneWithAlert(t)
			args = slices.Clone(args)
			for i := range args {
				args[i] = strings.Replace(args[i], "DB", db, 1)
			}
			out, errOut, err := runCLI(t, args...)
			if err != nil || !strings.Contains(out, "alert 1 resolved (done) by anna") {
				t.Fatalf("%v\n%s%s", err, out, errOut)
			}
		})
	}
	t.Run("catalog import FILE --db", func(t *testing.T) {
		dir := t.TempDir()
		csv := filepath.Join(dir, "p.csv")
		os.WriteFile(csv, []byte(header+"4006381333931,,Pen,Stift,Bolígrafo,1.99,each,standard,0,12,,office\n"), 0o600)
		if out, errOut, err := runCLI(t, "catalog", "import", csv, "--db", filepath.Join(dir, "k.db"), "--replace"); err != nil || !strings.Contains(out, "imported 1 products") {
			t.Fatalf("%v\n%s%s", err, out, errOut)
		}
	})
	t.Run("a flag's value that looks like a flag", func(t *testing.T) {
		db := laneWithAlert(t)
		out, errOut, err := runCLI(t, "alert", "resolve", "1", "--by", "-h", "--db", db)
		if err != nil || !strings.Contains(out, "resolved (done) by -h") {
			t.Fatalf("%v\n%s%s", err, out, errOut)
		}
	})
	for _, args := range [][]string{
		{"alert", "resolve", "1", "2", "--by", "anna"},
		{"alert", "resolve", "--by", "anna", "--", "--db"},
		{"alert", "list", "extra"},
		{"catalog", "export", "out.csv"},
		{"alert", "resolve", "1", "--nope"},
		{"alert", "resolve", "1", "--by"},
		{"version", "extra"},
	} {
		t.Run("refused "+strings.Join(args, " "), func(t *testing.T) {
			if _, _, err := runCLI(t, args...); exitCode(err) != 2 {
				t.Fatalf("exit code %d for %v", exitCode(err), err)
			}
		})
	}
}

// TestHelpOnEveryCommand: --help, -h and "kiosk help CMD" print the command's
// usage on stdout and exit 0.
func TestHelpOnEveryCommand(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		want []string
	}{
		{nil, []string{"kiosk serve", "kiosk alert resolve", "kiosk simulate-day"}},
		{[]string{"serve"}, []string{"Usage: kiosk serve", "-addr", "-db", "-config", "-demo", "-tz"}},
		{[]string{"catalog"}, []string{"kiosk catalog import", "kiosk catalog export"}},
		{[]string{"catalog", "import"}, []string{"Usage: kiosk catalog import [flags] FILE.csv", "-replace", "-db"}},
		{[]string{"catalog", "export"}, []string{"Usage: kiosk catalog export", "-o"}},
		{[]string{"alert"}, []string{"kiosk alert list", "kiosk alert resolve"}},
		{[]string{"alert", "list"}, []string{"Usage: kiosk alert list", "-db"}},
		{[]string{"alert", "resolve"}, []string{"Usage: kiosk alert resolve [flags] ID", "-outcome", "-by", "approved", "rejected", "done"}},
		{[]string{"printer"}, []string{"kiosk printer test", "kiosk printer reprint"}},
		{[]string{"printer", "test"}, []string{"Usage: kiosk printer test", "-by"}},
		{[]string{"printer", "reprint"}, []string{"Usage: kiosk printer reprint", "-txn"}},
		{[]string{"staff"}, []string{"kiosk staff add", "kiosk staff list", "kiosk staff disable", "kiosk staff audit"}},
		{[]string{"staff", "audit"}, []string{"Usage: kiosk staff audit", "-after", "-limit"}},
		{[]string{"simulate-day"}, []string{"Usage: kiosk simulate-day", "-seed", "-transactions", "-catalog", "-sweep", "-json", "-config"}},
		{[]string{"version"}, []string{"Usage: kiosk version"}},
	} {
		for _, form := range []string{"--help", "-h", "-help", "help"} {
			var args []string
			if form == "help" {
				args = append([]string{"help"}, tc.cmd...)
			} else {
				args = append(slices.Clone(tc.cmd), form)
			}
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				out, errOut, err := runCLI(t, args...)
				if err != nil || exitCode(err) != 0 {
					t.Fatalf("exit %d: %v\n%s", exitCode(err), err, errOut)
				}
				if errOut != "" {
					t.Errorf("help wrote to stderr: %s", errOut)
				}
				for _, w := range tc.want {
					if !strings.Contains(out, w) {
						t.Errorf("help lacks %q:\n%s", w, out)
					}
				}
			})
		}
	}
	// A flag after the arguments asks for help too.
	if out, _, err := runCLI(t, "alert", "resolve", "3", "--by", "anna", "-h"); err != nil || !strings.Contains(out, "Usage: kiosk alert resolve") {
		t.Fatalf("help after arguments: %v\n%s", err, out)
	}
}

// TestResolveHelpCoversEveryAlertType: the outcome table of "kiosk alert
// resolve --help" names every alert type the lane raises.
func TestResolveHelpCoversEveryAlertType(t *testing.T) {
	out, _, err := runCLI(t, "alert", "resolve", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for typ := range kiosk.AlertTypes {
		if !strings.Contains(out, typ) {
			t.Errorf("alert resolve --help does not say how to resolve %s", typ)
		}
	}
}

// TestConfigPrecedence: the defaults, then the --config file, then the flags
// given; a relative db in the file is relative to the file.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full := write("full.json", `{"db":"lane/k.db","addr":"127.0.0.1:9090","store":"0042","lane":"07","currency":"CHF","lang":"de",
		"timezone":"Europe/Zurich","rcnPreset":"UK","keyboardWedge":true,"demo":true}`)
	defaultDB := write("default-db.json", `{"db":"./data/kiosk.db"}`)
	absDB := write("abs.json", `{"db":"/var/lib/kiosk/k.db"}`)
	noDB := write("nodb.json", `{"store":"0042"}`)
	yes := true
	def := defaultConfig()
	for _, tc := range []struct {
		name string
		args []string
		want Config
	}{
		{"defaults", nil, def},
		{"file", []string{"--config", full}, Config{DB: filepath.Join(dir, "lane/k.db"), Addr: "127.0.0.1:9090", Store: "0042", Lane: "07",
			Currency: "CHF", Lang: "de", TimeZone: "Europe/Zurich", RCNPreset: "UK", KeyboardWedge: true, Demo: &yes}},
		{"file db equal to the default", []string{"--config", defaultDB}, Config{DB: filepath.Join(dir, "data/kiosk.db"), Addr: def.Addr,
			Store: def.Store, Lane: def.Lane, Currency: def.Currency, Lang: def.Lang, RCNPreset: def.RCNPreset}},
		{"file db absolute", []string{"--config", absDB}, Config{DB: "/var/lib/kiosk/k.db", Addr: def.Addr,
			Store: def.Store, Lane: def.Lane, Currency: def.Currency, Lang: def.Lang, RCNPreset: def.RCNPreset}},
		{"file without db", []string{"--config", noDB}, Config{DB: def.DB, Addr: def.Addr,
			Store: "0042", Lane: def.Lane, Currency: def.Currency, Lang: def.Lang, RCNPreset: def.RCNPreset}},
		{"flags win", []string{"--store", "0099", "--config", full, "--db", "mine.db", "--lane", "3", "--addr", "127.0.0.1:7070",
			"--currency", "EUR", "--lang", "es", "--tz", "UTC", "--rcn", "none", "--keyboard-wedge=false", "--demo=false"},
			Config{DB: "mine.db", Addr: "127.0.0.1:7070", Store: "0099", Lane: "3", Currency: "EUR", Lang: "es", TimeZone: "UTC",
				RCNPreset: "none", Demo: new(bool)}},
		{"flags without a file", []string{"--db", "x/y.db", "--lang", "de"}, Config{DB: "x/y.db", Addr: def.Addr,
			Store: def.Store, Lane: def.Lane, Currency: def.Currency, Lang: "de", RCNPreset: def.RCNPreset}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := serveConfig(tc.args, &strings.Builder{}, &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			if (got.Demo == nil) != (tc.want.Demo == nil) || got.Demo != nil && *got.Demo != *tc.want.Demo {
				t.Errorf("demo %v, want %v", got.Demo, tc.want.Demo)
			}
			got.Demo, tc.want.Demo = nil, nil
			if got.DB != tc.want.DB || got.Addr != tc.want.Addr || got.Store != tc.want.Store || got.Lane != tc.want.Lane ||
				got.Currency != tc.want.Currency || got.Lang != tc.want.Lang || got.TimeZone != tc.want.TimeZone ||
				got.RCNPreset != tc.want.RCNPreset || got.KeyboardWedge != tc.want.KeyboardWedge {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, body, want string }{
		{"unknown key", `{"dbPath":"x.db"}`, "unknown field"},
		{"not JSON", `{"db":`, "unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(tc.name+".json", tc.body)
			if _, err := serveConfig([]string{"--config", p}, &strings.Builder{}, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := serveConfig([]string{"--config", filepath.Join(dir, "missing.json")}, &strings.Builder{}, &strings.Builder{}); err == nil {
		t.Fatal("a missing config file was ignored")
	}
}

// Every lane rule of the configuration file reaches the lane: a key that
// parses but is never copied over is a setting that silently does nothing.
func TestLaneConfigFromFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "k.json")
	os.WriteFile(p, []byte(`{"plusKey":{"maxUnitPrice":"0.50","maxQty":10},"maxLines":5,"timezone":"Europe/Berlin",
		"devices":{"scanner":{"path":"/dev/null"},"printer":{"path":"/dev/null","widthMm":58}}}`), 0o600)
	cfg, err := serveConfig([]string{"--config", p}, &strings.Builder{}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	lc, err := cfg.laneConfig()
	if err != nil {
		t.Fatal(err)
	}
	if lc.PlusKey.MaxUnitPrice.String() != "0.5" || lc.PlusKey.MaxQty != 10 || lc.MaxLines != 5 || lc.Location.String() != "Europe/Berlin" ||
		lc.ProduceScale || lc.Receipt.WidthMM != 58 {
		t.Fatalf("lane config %+v", lc)
	}
	// Without a devices section (the demo) the lane has a produce scale.
	if lc, _ := (Config{Store: "1", Lane: "1", Currency: "EUR"}).laneConfig(); !lc.ProduceScale {
		t.Fatal("the demo's simulated produce scale is not known to the lane")
	}
}
