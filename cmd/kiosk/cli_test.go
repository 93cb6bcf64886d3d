package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

// header leaves out the optional variable_measure column; the export writes
// every column (exportHeader).
const header = "gtin,plu,name_en,name_de,name_es,price,sold_by,vat_class,min_age,weight_g,weight_tolerance_g,category\n"

const exportHeader = "gtin,plu,name_en,name_de,name_es,price,sold_by,vat_class,min_age,weight_g,weight_tolerance_g,category,variable_measure,bagging\n"

func TestCatalogImportAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte(header+
		"4006381333931,,Pen,Stift,Bolígrafo,1.99,each,standard,0,12,,office\n"+
		"2000000040110,4011,Bananas,Bananen,Plátanos,1.69,weight,reduced,0,,,produce\n"), 0o644)
	out, errOut, err := runCLI(t, "catalog", "import", "--db", db, good)
	if err != nil || !strings.Contains(out, "imported 2 products") {
		t.Fatalf("import: %v\n%s%s", err, out, errOut)
	}
	if strings.Contains(errOut, "%") {
		t.Fatalf("progress lines for a tiny file: %q", errOut)
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(header+
		"5000112637922,,Cola,Cola,Cola,1.29,each,standard,0,,,drinks\n"+
		"4006381333932,,Bad check,,,1.00,each,standard,0,,,x\n"+
		"5000112637922,,Cola again,,,1.29,each,standard,0,,,drinks\n"+
		"8410076472885,,Olives,,,\"2,49\",each,reduced,0,,,pantry\n"), 0o644)
	_, errOut, err = runCLI(t, "catalog", "import", "--db", db, bad)
	if err == nil {
		t.Fatal("bad file imported")
	}
	for _, want := range []string{"bad.csv:3: gtin \"4006381333932\"", "bad.csv:4: gtin", "duplicate GTIN, first on line 2", "bad.csv:5: price \"2,49\"", "3 of 4 rows are invalid; nothing was imported"} {
		if !strings.Contains(errOut+err.Error(), want) {
			t.Errorf("report lacks %q:\n%s\n%v", want, errOut, err)
		}
	}
	// Nothing of the bad file landed: still the two products, Cola absent.
	sdb, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := catalog.NewDB(sdb).Count(context.Background())
	_, colaErr := catalog.NewDB(sdb).ByGTIN(context.Background(), "05000112637922")
	sdb.Close()
	if n != 2 || !errors.Is(colaErr, catalog.ErrNotFound) {
		t.Fatalf("after refused import: %d products, cola: %v", n, colaErr)
	}

	// Export writes the same format back, atomically to a file.
	exp := filepath.Join(dir, "export.csv")
	if _, errOut, err := runCLI(t, "catalog", "export", "--db", db, "-o", exp); err != nil {
		t.Fatalf("export: %v %s", err, errOut)
	}
	b, _ := os.ReadFile(exp)
	if !strings.HasPrefix(string(b), exportHeader) || !strings.Contains(string(b), "Plátanos") || strings.Count(string(b), "\n") != 3 {
		t.Fatalf("export:\n%s", b)
	}
	// And it imports again with --replace into a fresh database.
	if out, errOut, err := runCLI(t, "catalog", "import", "--replace", "--db", filepath.Join(dir, "k2.db"), exp); err != nil {
		t.Fatalf("re-import: %v %s %s", err, out, errOut)
	}
}

func TestAlertResolveWithoutServer(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "k.db")
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewDB(db)
	cat.EnsureDemo(ctx, nil)
	lane, err := kiosk.Open(ctx, db, cat, kiosk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	lctx, stop := context.WithCancel(ctx)
	go lane.Run(lctx)
	res, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: "5901234123457"}) // unknown: alert 1
	if err != nil || res.View.State != kiosk.StateSuspended {
		t.Fatalf("scan: %v", err)
	}
	stop()
	<-lane.Done()
	db.Close()

	out, errOut, err := runCLI(t, "alert", "list", "--db", dbPath)
	if err != nil || !strings.Contains(out, "#1 item_not_found BLOCKING") {
		t.Fatalf("list: %v\n%s%s", err, out, errOut)
	}
	if _, _, err := runCLI(t, "alert", "resolve", "--db", dbPath, "--by", "", "1"); err == nil {
		t.Fatal("resolved without a name")
	}
	out, errOut, err = runCLI(t, "alert", "resolve", "--db", dbPath, "--by", "anna", "1")
	if err != nil || !strings.Contains(out, "alert 1 resolved (done) by anna") || !strings.Contains(out, "shopping, 0 open alerts") {
		t.Fatalf("resolve: %v\n%s%s", err, out, errOut)
	}
	if _, _, err := runCLI(t, "alert", "resolve", "--db", dbPath, "--by", "anna", "1"); err == nil || !strings.Contains(err.Error(), "already resolved") {
		t.Fatalf("second resolve: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"catalog"}, {"catalog", "import"}, {"alert", "resolve", "--db", "x.db", "abc"}, {"serve", "extra"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if _, _, err := runCLI(t, args...); exitCode(err) != 2 {
				t.Fatalf("exit code %d for %v", exitCode(err), err)
			}
		})
	}
	if _, _, err := runCLI(t, "serve", "--addr", "0.0.0.0:8080", "--db", filepath.Join(t.TempDir(), "k.db")); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("non-loopback addr: %v", err)
	}
}

func TestProgressLinesWhenNotATerminal(t *testing.T) {
	var buf bytes.Buffer
	progress, done := newProgress(&buf, 10<<20, "importing big.csv", false, true)
	for n := int64(0); n <= 10<<20; n += 1 << 20 {
		progress(n)
	}
	done()
	if got := strings.Count(buf.String(), "importing big.csv: "); got != 10 || !strings.Contains(buf.String(), ": 100%") {
		t.Fatalf("progress log:\n%s", buf.String())
	}
}
