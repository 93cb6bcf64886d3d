package hq

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/kiosk-sco/kiosk/hqwire"
)

// FuzzCheckBatch: a batch body from outside is either refused as invalid or
// one whose every event is of its lane, in consecutive seqs, with a UUID
// and a JSON body — never a panic.
func FuzzCheckBatch(f *testing.F) {
	f.Add([]byte(`{"store":"0001","lane":"0001-01","install":"i","events":[{"id":"0190a0b0-0000-7000-8000-000000000001","lane":"0001-01","seq":1,"type":"txn_started","at":"2026-12-01T09:00:00Z","body":{}}]}`))
	f.Add([]byte(`{"store":"0001","lane":"0001-01","events":[],"audit":[{"seq":1,"at":"2026-12-01T09:00:00Z","actor":"anna","action":"login","outcome":"ok"}]}`))
	f.Add([]byte(`{"store":"../x","lane":"0001-01","events":null}`))
	f.Add([]byte(`{"store":"0001","lane":"0001-01","events":[{"seq":9223372036854775807}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var b hqwire.Batch
		if json.Unmarshal(body, &b) != nil {
			return
		}
		err := checkBatch(&b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("not an ErrInvalid: %v", err)
			}
			return
		}
		for i, e := range b.Events {
			if e.Lane != b.Lane || e.Seq < 1 || (i > 0 && e.Seq != b.Events[i-1].Seq+1) || !json.Valid(e.Body) {
				t.Fatalf("accepted %+v", e)
			}
		}
	})
}

// FuzzCatalogCheck: a catalog file from an analyst is refused with its
// problems or counted, never a panic.
func FuzzCatalogCheck(f *testing.F) {
	f.Add([]byte("gtin,name_en,price,sold_by,vat_class\n4063658814593,Milk,1.19,each,reduced\n"))
	f.Add([]byte("gtin;name_en;price;sold_by;vat_class\n4063658814593;Milch;1,19;each;reduced\n"))
	f.Add([]byte("\"unclosed,quote\n"))
	f.Add([]byte("\xef\xbb\xbfgtin,price\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := checkCatalog(body)
		var ce *CatalogError
		if err != nil && (!errors.As(err, &ce) || len(ce.Problems) == 0) {
			t.Fatalf("a refusal without problems: %v", err)
		}
		if err == nil && n < 1 {
			t.Fatal("accepted a catalog without rows")
		}
	})
}
