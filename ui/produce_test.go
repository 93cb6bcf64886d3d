package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/internal/testout"
	"github.com/kiosk-sco/kiosk/kiosk"
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

// produceGet reads /api/catalog/produce with query q.
func produceGet(t *testing.T, ts *testServer, q string) (int, produceAnswer) {
	t.Helper()
	resp, err := http.Get(ts.url + "/api/catalog/produce?" + q)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got produceAnswer
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, got
}

func plusOf(items []itemJSON) string {
	var s []string
	for _, it := range items {
		s = append(s, it.PLU)
	}
	return strings.Join(s, ",")
}

// TestProduceSearch pages, searches and filters the demo's produce on the
// server, as the picker asks for it.
func TestProduceSearch(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct {
		name, query string
		total       int
		first       string // PLUs of the page, in order, when set
		letters     string
	}{
		{"all, first page", "lang=en&limit=3", 39, "4081,4011,4060", ""},
		{"second page", "lang=en&limit=3&offset=3", 39, "4562,4079,4450", ""},
		{"past the end", "lang=en&offset=500", 39, "", ""},
		{"German order", "lang=de&limit=3", 39, "4430,4131,4135", ""}, // Ananas, Äpfel Fuji, Äpfel Gala: Ä sorts as A
		{"letter B in English", "lang=en&letter=B", 2, "4011,4060", ""},
		{"letter A in German", "lang=de&letter=A&limit=2", 8, "4430,4131", ""}, // "Bio-Äpfel" are under B
		{"search in another language", "lang=en&q=apfel", 6, "4131,4135,4020,4017,94131,4130", ""},
		{"search folds accents", "lang=es&q=PLATANO", 2, "", "P"},
		{"PLU prefix", "lang=en&q=9401", 1, "94011", "O"},
		{"category", "lang=en&category=produce&limit=1", 39, "4081", ""},
		{"no such category", "lang=en&category=dairy", 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, got := produceGet(t, ts, tc.query)
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			if got.Total != tc.total {
				t.Errorf("total %d, want %d (%s)", got.Total, tc.total, plusOf(got.Items))
			}
			if tc.first != "" && plusOf(got.Items) != tc.first {
				t.Errorf("page %s, want %s", plusOf(got.Items), tc.first)
			}
			if tc.letters != "" && strings.Join(got.Letters, "") != tc.letters {
				t.Errorf("letters %v, want %s", got.Letters, tc.letters)
			}
			if len(got.Categories) != 1 || got.Categories[0] != (produceCategory{"produce", 39}) {
				t.Errorf("categories %+v", got.Categories)
			}
		})
	}
	for _, q := range []string{"letter=AB", "letter=1", "offset=-1", "limit=0", "limit=x", "q=" + strings.Repeat("a", 41)} {
		if code, _ := produceGet(t, ts, q); code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, code)
		}
	}
}

// TestProducePagesOnABigProduceList: a store with hundreds of produce items
// among 25,000 packaged products pages through all of them and finds each.
func TestProducePagesOnABigProduceList(t *testing.T) {
	ts := newTestServer(t)
	var b strings.Builder
	b.WriteString("gtin,plu,name_en,price,sold_by,vat_class,category\n")
	for i := range 25000 {
		payload := fmt.Sprintf("10%010d", i)
		c, _ := catalog.CheckDigit(payload)
		fmt.Fprintf(&b, "%s%c,,Packaged %d,1.00,each,standard,\n", payload, c, i)
	}
	// More weighed items than a produce list used to hold (1,000): every one
	// is found by paging, by letter and by search.
	for i := range 2500 {
		payload := fmt.Sprintf("20%010d", i)
		c, _ := catalog.CheckDigit(payload)
		cat := "fruit"
		if i%2 == 1 {
			cat = "vegetables"
		}
		fmt.Fprintf(&b, "%s%c,%d,Zz produce %04d,1.00,weight,reduced,%s\n", payload, c, 30000+i, i, cat)
	}
	res, err := ts.cat.Import(context.Background(), strings.NewReader(b.String()), catalog.ImportOptions{Yield: -1})
	if err != nil {
		t.Fatalf("import: %v %v", err, res.Errors)
	}
	seen := map[string]bool{}
	for offset := 0; ; offset += produceMaxPage {
		_, got := produceGet(t, ts, fmt.Sprintf("lang=en&letter=Z&offset=%d&limit=%d", offset, produceMaxPage))
		if got.Total != 2500 {
			t.Fatalf("total %d, want 2500", got.Total)
		}
		if len(got.Items) == 0 {
			break
		}
		for _, it := range got.Items {
			seen[it.PLU] = true
		}
	}
	if len(seen) != 2500 {
		t.Errorf("paged through %d of 2500 items", len(seen))
	}
	_, got := produceGet(t, ts, "lang=en&q=produce%202499")
	if plusOf(got.Items) != "32499" {
		t.Errorf("search: %s", plusOf(got.Items))
	}
	_, got = produceGet(t, ts, "lang=en&category=vegetables&limit=1")
	if got.Total != 1250 || len(got.Categories) != 3 {
		t.Errorf("vegetables: %d items, categories %+v", got.Total, got.Categories)
	}
}

// TestProduceArt: every produce item of the demo has its own drawing (no
// generic picture), an organic code that of its conventional one plus a
// badge, any other PLU the generic basket; each is well-formed SVG.
func TestProduceArt(t *testing.T) {
	ts := newTestServer(t)
	ps, err := ts.cat.Produce(context.Background(), catalog.MaxProduceList)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if artOf(p.PLU).shape == "basket" {
			t.Errorf("PLU %s (%s) has no drawing", p.PLU, p.Names.EN)
		}
	}
	for shape := range shapes {
		if strings.Contains(shapes[shape], "%") {
			t.Errorf("shape %s holds a format verb", shape)
		}
	}
	for _, tc := range []struct {
		plu, shape string
		status     int
	}{
		{"4011", "banana", 200}, {"94011", "banana", 200}, {"1234", "basket", 200}, {"123456", "", 400}, {"40a1", "", 400},
	} {
		resp, err := http.Get(ts.url + "/produce/" + tc.plu + ".svg")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.plu, resp.StatusCode, tc.status)
			continue
		}
		if tc.status != 200 {
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != "image/svg+xml" {
			t.Errorf("%s: content type %q", tc.plu, ct)
		}
		if string(body) != string(produceSVG(tc.plu)) || artOf(tc.plu).shape != tc.shape {
			t.Errorf("%s: not the %s picture", tc.plu, tc.shape)
		}
		dec := xml.NewDecoder(bytes.NewReader(body))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Errorf("%s: bad SVG: %v\n%s", tc.plu, err, body)
				break
			}
		}
	}
}

// TestReceiptQR: the e-receipt's QR code on the thank-you screen holds the
// transaction's e-receipt address, as a phone reads it.
func TestReceiptQR(t *testing.T) {
	ts := newTestServerWith(t, testServerOptions{lane: func(c *kiosk.Config) {
		c.Receipt.URL = "https://receipts.example.com/r/{txn}"
	}})
	ts.post(t, `{"op":"scan","code":"`+milk+`"}`, "", "application/json")
	txn := ts.lane.View().Txn.ID
	resp, err := http.Get(ts.url + "/receipts/" + txn + "/qr.png")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("status %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	path := filepath.Join(testout.Dir(t, "receipts"), "receipt-qr.png")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := testout.Zbar(t, path); len(got) != 1 || got[0] != "https://receipts.example.com/r/"+txn {
		t.Errorf("the QR code reads %q", got)
	}
	for _, tc := range []struct {
		txn    string
		status int
	}{{"12ab", 400}, {"999", 404}} {
		resp, err := http.Get(ts.url + "/receipts/" + tc.txn + "/qr.png")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.txn, resp.StatusCode, tc.status)
		}
	}
}

// TestReceiptQRWithoutAddress: a lane without an e-receipt address has no QR.
func TestReceiptQRWithoutAddress(t *testing.T) {
	ts := newTestServer(t)
	ts.post(t, `{"op":"scan","code":"`+milk+`"}`, "", "application/json")
	resp, err := http.Get(ts.url + "/receipts/" + ts.lane.View().Txn.ID + "/qr.png")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
}
