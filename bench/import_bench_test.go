package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

// Scan latency while the catalog is imported: a lane on the demo catalog
// commits scans while the shared catalog (KIOSK_BENCH_ROWS products) is
// imported into the same database file, added to the demo products. The same
// scans are first timed on the idle lane. Target: no scan fails and none waits
// more than 250 ms while the import runs.
//
// BenchmarkScanDuringImport imports through a second connection to the file,
// as `kiosk catalog import` does beside a running `kiosk serve`, with the
// default options; BenchmarkScanDuringImportShared imports through the lane's
// own store.DB, as a catalog pushed by HQ to the running server is, without
// pauses between transactions (ImportOptions.Yield < 0): the one writer
// connection goes to the waiting lane whenever the import lets go of it.

const (
	// importScanEvery paces the scans during the import: a scan starts every
	// 20 ms (or as soon as the one before returns), far more often than a
	// shopper scans, so that the import's whole run is sampled.
	importScanEvery = 20 * time.Millisecond
	// importScanTimeout is how long one scan may take before it counts as
	// failed; the shopper's page gives up after 10 s.
	importScanTimeout = 10 * time.Second
)

func BenchmarkScanDuringImport(b *testing.B) { scanDuringImport(b, false) }

func BenchmarkScanDuringImportShared(b *testing.B) { scanDuringImport(b, true) }

// scanStats is what one phase of scanDuringImport measured.
type scanStats struct {
	lat    []time.Duration // successful scans
	failed int
	errs   []error // the first few failures, for the log
}

func (s *scanStats) add(d time.Duration, err error) {
	if err != nil {
		s.failed++
		if len(s.errs) < 3 {
			s.errs = append(s.errs, err)
		}
		return
	}
	s.lat = append(s.lat, d)
}

// report reports median, p99 and max latency and the failures under prefix.
func (s *scanStats) report(b *testing.B, prefix string) {
	b.Helper()
	if len(s.lat) == 0 {
		b.Errorf("%s: no scan succeeded (%d failed: %v)", prefix, s.failed, s.errs)
		return
	}
	l := slices.Clone(s.lat)
	slices.Sort(l)
	b.ReportMetric(float64(quantile(l, 0.5).Nanoseconds()), prefix+"-median-ns/op")
	b.ReportMetric(float64(quantile(l, 0.99).Nanoseconds()), prefix+"-p99-ns/op")
	b.ReportMetric(float64(l[len(l)-1].Nanoseconds()), prefix+"-max-ns/op")
	b.ReportMetric(float64(len(s.lat)+s.failed), prefix+"-scans")
	b.ReportMetric(float64(s.failed), prefix+"-failed-scans")
	if s.failed > 0 {
		b.Logf("%s: %d of %d scans failed, e.g. %v", prefix, s.failed, len(s.lat)+s.failed, s.errs)
	}
}

func scanDuringImport(b *testing.B, shared bool) {
	ctx := context.Background()
	d := sharedData(b)
	f := newLaneFixture(b)

	n := 0
	scan := func() (time.Duration, error) {
		sctx, cancel := context.WithTimeout(ctx, importScanTimeout)
		defer cancel()
		t0 := time.Now()
		_, err := f.lane.Do(sctx, kiosk.Command{Op: kiosk.OpScan, Code: scanCode(f.codes, n), Source: "scanner"})
		took := time.Since(t0)
		if err == nil {
			n++
		}
		return took, err
	}
	// rotate starts a new basket every basketScans good scans; it retries
	// until it succeeds, so that a refused step never leaves the lane
	// suspended, and it is not timed.
	rotate := func(deadline time.Time) {
		if n == 0 || n%basketScans != 0 {
			return
		}
		for {
			_, err := endBasket(ctx, f.lane)
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				b.Fatalf("cannot start a new basket: %v", err)
			}
			if v := f.lane.View(); v.Txn != nil {
				for _, a := range v.Alerts {
					if a.Type == kiosk.AlertCancelRequest {
						f.lane.Resolve(ctx, a.ID, "approved", "bench", "")
					}
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	for range warmupOps {
		if _, err := scan(); err != nil {
			b.Fatal(err)
		}
	}

	var idle scanStats
	idleOps := opsFor(b, 500)
	b.ResetTimer()
	for range idleOps {
		idle.add(scan())
		rotate(time.Now().Add(time.Minute))
	}

	importDB := f.db
	opt := catalog.ImportOptions{Yield: -1}
	if !shared {
		importDB = openStore(b, f.db.Path)
		defer importDB.Close()
		opt = catalog.ImportOptions{}
	}
	file := openFile(b, d.csvPath)
	defer file.Close()
	type importResult struct {
		res  catalog.ImportResult
		err  error
		took time.Duration
	}
	done := make(chan importResult, 1)
	go func() {
		t0 := time.Now()
		res, err := catalog.NewDB(importDB).Import(ctx, file, opt)
		done <- importResult{res, err, time.Since(t0)}
	}()

	var during scanStats
	var imp importResult
	tick := time.NewTicker(importScanEvery)
	defer tick.Stop()
scanning:
	for {
		during.add(scan())
		rotate(time.Now().Add(time.Minute))
		select {
		case imp = <-done:
			break scanning
		case <-tick.C:
		}
	}
	b.StopTimer()
	if imp.err != nil {
		b.Fatalf("import: %v (%d bad rows: %v)", imp.err, imp.res.Bad, imp.res.Errors)
	}
	if imp.res.Rows != d.rows {
		b.Fatalf("imported %d rows of %d", imp.res.Rows, d.rows)
	}
	if err := checkCatalogSize(ctx, f.db, d.rows); err != nil {
		b.Fatal(err)
	}
	idle.report(b, "idle")
	during.report(b, "import")
	b.ReportMetric(float64(d.rows)/imp.took.Seconds(), "import-rows/s")
	b.ReportMetric(float64(d.rows), "rows")
}

// checkCatalogSize checks that the lane's database holds the imported rows
// beside the demo catalog.
func checkCatalogSize(ctx context.Context, db *store.DB, rows int) error {
	n, err := catalog.NewDB(db).Count(ctx)
	if err != nil {
		return err
	}
	if n < rows {
		return fmt.Errorf("catalog holds %d products after importing %d", n, rows)
	}
	return nil
}
