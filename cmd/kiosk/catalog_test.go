package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

// TestCatalogImportKeepsBasketPrices runs `kiosk catalog import` beside a
// lane with an open basket, as an operator would beside `kiosk serve`: the
// line already in the basket keeps the price it was scanned at, also after
// the lane restarts; the next scan of the product is priced from the new
// catalog, and the catalog version moves on.
func TestCatalogImportKeepsBasketPrices(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "kiosk.db")
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat := catalog.NewDB(db)
	if _, err := cat.EnsureDemo(ctx, nil); err != nil {
		t.Fatal(err)
	}
	startLane := func() (*kiosk.Lane, func()) {
		lane, err := kiosk.Open(ctx, db, cat, kiosk.Config{})
		if err != nil {
			t.Fatal(err)
		}
		lctx, stop := context.WithCancel(ctx)
		go lane.Run(lctx)
		return lane, func() { stop(); <-lane.Done() }
	}
	lane, stop := startLane()
	defer func() { stop() }()
	const milk = "4063658814593" // 1.19 in the demo catalog
	if _, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: milk}); err != nil {
		t.Fatal(err)
	}
	v1, err := cat.Version(ctx)
	if err != nil || v1.Version != 1 || v1.Source != "demo.csv" {
		t.Fatalf("demo catalog version %+v, %v", v1, err)
	}

	file := filepath.Join(dir, "prices.csv")
	os.WriteFile(file, []byte(header+milk+",,Whole milk 3.5% 1 l,,,1.49,each,reduced,0,1045,25,dairy\n"), 0o644)
	if out, errOut, err := runCLI(t, "catalog", "import", "--db", dbPath, file); err != nil || !strings.Contains(out, "catalog version 2") {
		t.Fatalf("import: %v\n%s%s", err, out, errOut)
	}
	if v2, err := cat.Version(ctx); err != nil || v2.Version != 2 || v2.Source != file || v2.Rows != 1 {
		t.Fatalf("version after the import: %+v, %v", v2, err)
	}

	lines := func(v *kiosk.View) string {
		var s []string
		for _, l := range v.Lines {
			s = append(s, fmt.Sprintf("%d×%s", l.Qty, l.UnitPrice))
		}
		return strings.Join(s, " ") + " = " + v.Totals.Total
	}
	if got := lines(lane.View()); got != "1×1.19 = 1.19" {
		t.Errorf("basket after the import: %s, want the line at its scanned price", got)
	}
	res, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: milk})
	if err != nil {
		t.Fatal(err)
	}
	if got := lines(res.View); got != "1×1.19 1×1.49 = 2.68" {
		t.Errorf("basket after a second scan: %s", got)
	}
	stop()
	lane, stop = startLane()
	if got := lines(lane.View()); got != "1×1.19 1×1.49 = 2.68" {
		t.Errorf("basket after a restart: %s", got)
	}
}

// TestCatalogImportKilledMidWrite SIGKILLs `kiosk catalog import` while it
// writes the new catalog: the catalog in use stays whole and consistent, and
// the next import removes what the dead one left and succeeds.
func TestCatalogImportKilledMidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	ctx := context.Background()
	bin := kioskBinary(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "kiosk.db")
	// 60,000 products: big enough (about 4 MB) for the import to log its
	// progress and to take a few hundred milliseconds to write.
	writeCatalog := func(name string, cents int) string {
		var b strings.Builder
		b.WriteString(header)
		for i := range 60000 {
			payload := fmt.Sprintf("40%010d", i)
			c, _ := catalog.CheckDigit(payload)
			fmt.Fprintf(&b, "%s%c,,Product number %d of the test catalog,Produkt Nummer %d,Producto número %d,%d.%02d,each,standard,0,,,pantry\n",
				payload, c, i, i, i, cents/100, cents%100)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	first, second := writeCatalog("first.csv", 100), writeCatalog("second.csv", 200)
	if out, errOut, err := runCLI(t, "catalog", "import", "--db", dbPath, first); err != nil {
		t.Fatalf("first import: %v\n%s%s", err, out, errOut)
	}

	// The import logs "importing FILE: 10%" while it writes: kill it there.
	cmd := exec.Command(bin, "catalog", "import", "--replace", "--db", dbPath, second)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "importing "+second+": ") {
			cmd.Process.Kill()
			killed = true
			break
		}
	}
	go io.Copy(io.Discard, stderr)
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the import ended (%v) before it logged its write phase", err)
	}

	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check := func(when string, cents int64, version int64) {
		t.Helper()
		var n, lo, hi int64
		if err := db.R.QueryRow(`SELECT count(*), min(price_minor), max(price_minor) FROM products`).Scan(&n, &lo, &hi); err != nil {
			t.Fatal(err)
		}
		if n != 60000 || lo != cents || hi != cents {
			t.Errorf("%s: %d products at %d..%d, want 60000 at %d", when, n, lo, hi, cents)
		}
		if v, err := catalog.NewDB(db).Version(ctx); err != nil || v.Version != version {
			t.Errorf("%s: version %+v, %v; want %d", when, v, err, version)
		}
		if ok, err := db.IntegrityCheck(ctx); ok != "ok" || err != nil {
			t.Errorf("%s: integrity %q, %v", when, ok, err)
		}
	}
	check("after the kill", 100, 1)
	var staged int
	db.R.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'products_next'`).Scan(&staged)
	t.Logf("killed mid-write: staging table left behind: %v", staged == 1)

	if out, errOut, err := runCLI(t, "catalog", "import", "--replace", "--db", dbPath, second); err != nil {
		t.Fatalf("import after the kill: %v\n%s%s", err, out, errOut)
	}
	check("after the next import", 200, 2)
	var left int
	db.R.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('products_next', 'products_old')`).Scan(&left)
	if left != 0 {
		t.Errorf("%d staging tables left after the next import", left)
	}
	if _, err := os.Stat(dbPath + "-import"); !os.IsNotExist(err) {
		t.Errorf("scratch file left: %v", err)
	}
}

// The README runs the CLI with a relative --db (./data/kiosk.db), and so does
// make run: the import's scratch file must open there too.
func TestCatalogImportRelativeDB(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("demo.csv", []byte(header+"4006381333931,,Pen,Stift,Bolígrafo,1.99,each,standard,0,12,,office\n"), 0o644)
	for _, db := range []string{"./data/kiosk.db", "data/other.db", "odd#dir/kiosk.db"} {
		if out, errOut, err := runCLI(t, "catalog", "import", "--db", db, "demo.csv"); err != nil || !strings.Contains(out, "imported 1 products") {
			t.Fatalf("import into %s: %v\n%s%s", db, err, out, errOut)
		}
	}
}

// An import that adds and updates cannot take a PLU from a product it does not
// mention: Bananas would lose 4011 without a word. Moving the PLU in the same
// file is fine; so is a replacing import.
func TestImportPLUClash(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	write := func(name, rows string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(header+rows), 0o644)
		return p
	}
	base := write("base.csv", "2000000040110,4011,Bananas,Bananen,Plátanos,1.69,weight,reduced,0,,,produce\n")
	if _, errOut, err := runCLI(t, "catalog", "import", "--db", db, base); err != nil {
		t.Fatalf("%v %s", err, errOut)
	}
	clash := write("clash.csv", "4006381333931,4011,Pen,Stift,Bolígrafo,1.99,each,standard,0,,,office\n")
	_, errOut, err := runCLI(t, "catalog", "import", "--db", db, clash)
	if err == nil || !strings.Contains(errOut, `clash.csv: plu "4011": PLU 4011 of 04006381333931 belongs to 02000000040110 "Bananas"`) ||
		!strings.Contains(err.Error(), "1 of 1 rows are invalid") {
		t.Fatalf("clash imported: %v\n%s", err, errOut)
	}
	out, _, _ := runCLI(t, "catalog", "export", "--db", db)
	if !strings.Contains(out, "2000000040110,4011,Bananas") || strings.Contains(out, "Pen") {
		t.Fatalf("after the refused import:\n%s", out)
	}
	moved := write("moved.csv", "4006381333931,4011,Pen,Stift,Bolígrafo,1.99,each,standard,0,,,office\n"+
		"2000000040110,4012,Bananas,Bananen,Plátanos,1.69,weight,reduced,0,,,produce\n")
	if _, errOut, err := runCLI(t, "catalog", "import", "--db", db, moved); err != nil {
		t.Fatalf("a PLU moved in one file: %v %s", err, errOut)
	}
}
