package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/hqsync"
)

const milk = "4063658814593"

// TestCatalogPushDown: an analyst publishes a price change at HQ; the lane
// takes it through its own import while a shopper's basket is open, the
// basket keeps the price it had, the next shopper pays the new one, and HQ
// sees the version the lane runs. A file the lane refuses changes nothing
// and HQ sees the lane's report; the next good one is taken.
func TestCatalogPushDown(t *testing.T) {
	dir := t.TempDir()
	hqDB := filepath.Join(dir, "hq.db")
	hq := startHQ(t, "--db", hqDB)
	tok := hqTool(t, "token", "add", "--db", hqDB, "--name", "lanes", "--role", "lane", "--store", "0001")
	analyst := pull{t: t, base: hq.URL, token: hqTool(t, "token", "add", "--db", hqDB, "--name", "ana", "--role", "analyst")}
	sink := sinkFor(t, hq.URL, tok, 5*time.Second)
	ln := startLane(t, dir, "0001", "01", nil)
	ln.startSync(t, sink, func(c *hqsync.Config) {
		c.Catalog, c.Apply, c.CatalogEvery = sink, hqsync.ImportCatalog(ln.cat, catalog.DefaultVATRates()), 100*time.Millisecond
	})
	ctx := context.Background()
	res, err := ln.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: milk})
	if err != nil || res.View.Lines[0].UnitPrice != "1.19" {
		t.Fatalf("milk before: %v %+v", err, res.View.Lines)
	}
	publish := func(name, mode, body string) {
		f := filepath.Join(dir, name)
		os.WriteFile(f, []byte(body), 0o644)
		hqTool(t, "catalog", "publish", "--db", hqDB, "--mode", mode, "--note", name, f)
	}
	header := "gtin,name_en,price,sold_by,vat_class\n"
	waitVersion := func(v int64, refused bool) hqsync.Status {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			st := ln.sync.Status()
			if (!refused && st.CatalogVersion == v) || (refused && st.CatalogRefused == v) {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("the lane did not take catalog version %d: %+v", v, st)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	publish("v1.csv", "delta", header+milk+",Whole milk 3.5% 1 l,1.49,each,reduced\n")
	waitVersion(1, false)
	v := ln.View()
	if v.Lines[0].UnitPrice != "1.19" {
		t.Fatalf("the open basket's milk changed price: %+v", v.Lines[0])
	}
	if _, err := ln.Do(ctx, kiosk.Command{Op: kiosk.OpCancel}); err != nil {
		t.Fatal(err)
	}
	for _, a := range ln.View().Alerts { // a basket with items is cancelled by staff
		ln.Resolve(ctx, a.ID, "approved", "anna", "")
	}
	res, err = ln.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: milk})
	if err != nil || res.View.Lines[0].UnitPrice != "1.49" {
		t.Fatalf("the next shopper's milk: %v %+v", err, res.View.Lines)
	}

	// A file HQ takes (it checks the shape) but the lane refuses (a GTIN
	// whose check digit is wrong): nothing changes, HQ hears why.
	publish("v2.csv", "full", header+"4063658814594,Milk,0.01,each,reduced\n")
	st := waitVersion(2, true)
	if st.CatalogVersion != 1 || !strings.Contains(st.CatalogError, "nothing was imported") {
		t.Fatalf("refused push: %+v", st)
	}
	if p, err := ln.cat.ByGTIN(ctx, "0"+milk); err != nil || p.Price.StringFixed(2) != "1.49" {
		t.Fatalf("the refused file changed the catalog: %+v %v", p, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var lanes struct {
			Items []struct {
				Lane           string
				CatalogVersion int64
				CatalogRefused int64
				CatalogError   string
			}
		}
		analyst.get("/api/v1/lanes", &lanes)
		if len(lanes.Items) == 1 && lanes.Items[0].CatalogRefused == 2 && lanes.Items[0].CatalogVersion == 1 && lanes.Items[0].CatalogError != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HQ does not show the lane's catalog: %+v", lanes.Items)
		}
		time.Sleep(100 * time.Millisecond)
	}
	publish("v3.csv", "delta", header+milk+",Whole milk 3.5% 1 l,1.39,each,reduced\n")
	if st := waitVersion(3, false); st.CatalogError != "" {
		t.Fatalf("a good push after a refused one: %+v", st)
	}
}
