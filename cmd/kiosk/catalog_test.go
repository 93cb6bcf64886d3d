package main

import (
	"context"
	"fmt"
	"os"
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
