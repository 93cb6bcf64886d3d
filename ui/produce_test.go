package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kiosk-sco/kiosk/catalog"
)

// TestProduceListOnABigCatalog adds 25,000 packaged products whose GTINs sort
// before the demo's produce (GTIN-14 "01…" < "02…"): the produce list must
// still show every weighed product with a PLU.
func TestProduceListOnABigCatalog(t *testing.T) {
	ts := newTestServer(t)
	var b strings.Builder
	b.WriteString("gtin,name_en,price,sold_by,vat_class\n")
	for i := range 25000 {
		payload := fmt.Sprintf("10%010d", i)
		c, _ := catalog.CheckDigit(payload)
		fmt.Fprintf(&b, "%s%c,Packaged %d,1.00,each,standard\n", payload, c, i)
	}
	res, err := ts.cat.Import(context.Background(), strings.NewReader(b.String()), catalog.ImportOptions{Yield: -1})
	if err != nil {
		t.Fatalf("import: %v %v", err, res.Errors)
	}
	resp, err := http.Get(ts.url + "/api/catalog/produce")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Items []struct {
			PLU    string `json:"plu"`
			SoldBy string `json:"soldBy"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	plus := map[string]bool{}
	for _, it := range got.Items {
		if it.PLU == "" || it.SoldBy != "weight" {
			t.Errorf("item %+v in the produce list", it)
		}
		plus[it.PLU] = true
	}
	// The demo catalog has 39 weighed products with a PLU.
	for _, plu := range []string{"4011", "94011", "4629", "4816"} {
		if !plus[plu] {
			t.Errorf("PLU %s missing from the produce list of %d items", plu, len(got.Items))
		}
	}
	if len(got.Items) != 39 {
		t.Errorf("%d produce items, want the demo's 39", len(got.Items))
	}
}
