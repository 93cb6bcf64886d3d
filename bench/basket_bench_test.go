package bench

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
)

// Scan cost against basket size: the 500th scan of one basket must cost about
// what the first does (target: at most 1.2×). Whatever a scan does per line
// already in the basket — pricing every line again, a view with every line
// in the journal, the idempotency row or the SSE message — shows here.

// bigBasket is the basket size whose last scan is compared with the first.
const bigBasket = 500

// addBasketProducts imports bigBasket packaged products with their own GTINs
// (the demo catalog has too few), and returns their codes.
func addBasketProducts(b *testing.B, cat *catalog.DB) []string {
	b.Helper()
	var buf bytes.Buffer
	buf.WriteString("gtin,name_en,name_de,name_es,price,sold_by,vat_class,category\n")
	codes := make([]string, bigBasket)
	for i := range codes {
		codes[i] = gtinFor(900_000 + i)
		fmt.Fprintf(&buf, "%s,Basket item %d,Korbartikel %d,Artículo %d,%d.%02d,each,standard,bench\n",
			codes[i], i, i, i, 1+i%9, i%100)
	}
	if _, err := cat.Import(context.Background(), &buf, catalog.ImportOptions{Rates: catalog.DefaultVATRates()}); err != nil {
		b.Fatal(err)
	}
	return codes
}

// measureBasketSizes fills one basket per sample with bigBasket distinct
// products and times its first and its last scan.
func measureBasketSizes(b *testing.B, codes []string, scan func(code string) error, newBasket func()) {
	samples := max(3, opsFor(b, 2000)/100)
	first := make([]time.Duration, 0, samples)
	last := make([]time.Duration, 0, samples)
	timed := func(code string, into *[]time.Duration) {
		t0 := time.Now()
		if err := scan(code); err != nil {
			b.Fatal(err)
		}
		*into = append(*into, time.Since(t0))
	}
	b.ResetTimer()
	for range samples {
		b.StopTimer()
		newBasket()
		b.StartTimer()
		timed(codes[0], &first)
		b.StopTimer()
		for _, c := range codes[1 : bigBasket-1] {
			if err := scan(c); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		timed(codes[bigBasket-1], &last)
	}
	b.StopTimer()
	b.ReportMetric(float64(median(first).Nanoseconds()), "scan1-median-ns/op")
	b.ReportMetric(float64(median(last).Nanoseconds()), fmt.Sprintf("scan%d-median-ns/op", bigBasket))
	b.ReportMetric(float64(samples), "baskets")
}

func median(lat []time.Duration) time.Duration {
	s := slices.Clone(lat)
	slices.Sort(s)
	return quantile(s, 0.5)
}

// BenchmarkBasketSize times the first and the 500th scan of a basket in
// process: lane.Do until the subscriber holds the update.
func BenchmarkBasketSize(b *testing.B) {
	ctx := context.Background()
	f := newLaneFixtureWith(b, func(c *kiosk.Config) { c.MaxLines = bigBasket })
	codes := addBasketProducts(b, f.cat)
	updates, unsubscribe := f.lane.Subscribe(1024)
	defer unsubscribe()
	scan := func(code string) error {
		res, err := f.lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: code, Source: "scanner"})
		if err != nil {
			return err
		}
		return waitUpdate(updates, res.View.Seq)
	}
	newBasket := func() {
		if f.lane.View().Txn == nil {
			return
		}
		seq, err := endBasket(ctx, f.lane)
		if err == nil {
			err = waitUpdate(updates, seq)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	measureBasketSizes(b, codes, scan, newBasket)
}

// BenchmarkBasketSizeHTTP is the same over the shopper's path: POST
// /api/commands until the SSE stream carries the new state.
func BenchmarkBasketSizeHTTP(b *testing.B) {
	f := newLaneFixtureWith(b, func(c *kiosk.Config) { c.MaxLines = bigBasket })
	codes := addBasketProducts(b, f.cat)
	h := newHTTPFixture(b, f)
	scan := func(code string) error { return h.scan(code) }
	measureBasketSizes(b, codes, scan, h.newBasket)
}

// BenchmarkDatabaseGrowth scans 3,000 times into one basket, each scan with
// its own idempotency key as the shopper page sends them, and reports the
// database's size: the bytes the first 1,000 scans added and the bytes the last
// 1,000 added should be about the same (the file grows linearly with the basket).
func BenchmarkDatabaseGrowth(b *testing.B) {
	const scans = 3000
	ctx := context.Background()
	f := newLaneFixtureWith(b, func(c *kiosk.Config) { c.MaxLines = scans })
	codes := append(addBasketProducts(b, f.cat), f.codes...)
	size := func() int64 {
		b.Helper()
		if _, err := f.db.W.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		var pages, pageSize int64
		if err := f.db.W.QueryRowContext(ctx, `SELECT (SELECT page_count FROM pragma_page_count), (SELECT page_size FROM pragma_page_size)`).Scan(&pages, &pageSize); err != nil {
			b.Fatal(err)
		}
		return pages * pageSize
	}
	b.ResetTimer()
	start := size()
	var at1000, at2000 int64
	for i := range scans {
		cmd := kiosk.Command{Op: kiosk.OpScan, Code: codes[i%len(codes)], Source: "scanner", IdemKey: fmt.Sprintf("growth-%d", i)}
		if _, err := f.lane.Do(ctx, cmd); err != nil {
			b.Fatalf("scan %d: %v", i, err)
		}
		switch i + 1 {
		case 1000:
			at1000 = size()
		case 2000:
			at2000 = size()
		}
	}
	end := size()
	b.StopTimer()
	b.ReportMetric(float64(end-start)/1e6, "MB-after-3000-scans")
	b.ReportMetric(float64(at1000-start)/1000, "first1000-bytes/scan")
	b.ReportMetric(float64(end-at2000)/1000, "last1000-bytes/scan")
}
