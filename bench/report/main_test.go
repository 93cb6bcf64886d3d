package main

import (
	"strings"
	"testing"
)

const sample = `bench: data in /tmp/kiosk-bench-1 (os.TempDir, on disk)
goos: linux
goarch: amd64
pkg: github.com/kiosk-sco/kiosk/bench
cpu: Some CPU
BenchmarkImport-2             	       1	3122669622 ns/op	    156133 ns/row	     20000 rows	      6000 rows/s
BenchmarkImport-2             	       1	3122669622 ns/op	    156133 ns/row	     20000 rows	      7000 rows/s
BenchmarkImport-2             	       1	3122669622 ns/op	    156133 ns/row	     20000 rows	      8000 rows/s
BenchmarkRawBatchedInsert-2   	       1	2206202373 ns/op	    110310 ns/row	     20000 rows	     10000 rows/s
BenchmarkRawBatchedInsert-2   	       1	2206202373 ns/op	    110310 ns/row	     20000 rows	     20000 rows/s
BenchmarkRawBatchedInsert-2   	       1	2206202373 ns/op	    110310 ns/row	     20000 rows	     30000 rows/s
BenchmarkLookupGTIN-2         	       1	     28236 ns/op	     24000 median-ns/op	        50.00 ops	     38342 p90-ns/op
BenchmarkRawPointQuery-2      	       1	     16480 ns/op	     15000 median-ns/op	        50.00 ops	     16250 p90-ns/op
BenchmarkScanToEvent-2        	       1	   3296915 ns/op	   2100000 median-ns/op	        50.00 ops	   5966861 p90-ns/op
BenchmarkRawDurableCommit-2   	       1	   2089384 ns/op	   1900000 median-ns/op	        50.00 ops	   5612770 p90-ns/op
BenchmarkBasketSize-2         	       1	   8252695 ns/op	         5.000 baskets	    600000 scan1-median-ns/op	    660000 scan500-median-ns/op
BenchmarkBasketSizeHTTP-2     	       1	  10385785 ns/op	         5.000 baskets	   1000000 scan1-median-ns/op	   4000000 scan500-median-ns/op
BenchmarkDatabaseGrowth-2     	       1	2981198575 ns/op	         2.134 MB-after-3000-scans	       823.3 first1000-bytes/scan	       655.4 last1000-bytes/scan
BenchmarkServeRSS-2           	       1	8603432755 ns/op	        21.30 peak-RSS-MB	     20000 products	        16.63 startup-RSS-MB
BenchmarkScanDuringImport-2         	       1	20369869819 ns/op	         0 idle-failed-scans	   4507259 idle-max-ns/op	    399551 idle-median-ns/op	   1589763 idle-p99-ns/op	       500.0 idle-scans	         0 import-failed-scans	  75516897 import-max-ns/op	    864654 import-median-ns/op	  38972014 import-p99-ns/op	     49704 import-rows/s	       989.0 import-scans	   1000000 rows
BenchmarkScanDuringImportShared-2   	       1	11544938811 ns/op	         0 idle-failed-scans	  21580323 idle-max-ns/op	    499129 idle-median-ns/op	   4813111 idle-p99-ns/op	       500.0 idle-scans	         1.000 import-failed-scans	 930916202 import-max-ns/op	    683327 import-median-ns/op	 930916202 import-p99-ns/op	     90556 import-rows/s	         5.000 import-scans	   1000000 rows
BenchmarkAlertToHandheld-2   	       1	 449503225 ns/op	       500.0 alerts	         0.4880 commit-p50-ms	         6.149 commit-p99-ms	         0.6040 p50-ms	         6.291 p99-ms
BenchmarkSimulateDay-2   	       1	  10014327 ns/op	         5.660 fixed-false/100items	       100.0 fixed-removed-caught-%	        90.00 fixed-swap-caught-%	       100.0 fixed-unscanned-caught-%	      5866 items	         2.500 learned-false/100items	       100.0 learned-removed-caught-%	        60.00 learned-swap-caught-%	       100.0 learned-unscanned-caught-%	       853.6 ns/item
PASS
ok  	github.com/kiosk-sco/kiosk/bench	18.696s
`

func TestReport(t *testing.T) {
	var out strings.Builder
	if code := run(strings.NewReader(sample), &out); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"  scan-to-event median 2.10 ms vs raw durable commit 1.90 ms = 1.11x (target <= 2.00x) PASS",
		"  500th scan of a basket 660.0 µs vs its first scan 600.0 µs = 1.10x (target <= 1.20x) PASS",
		"! 500th scan of a basket over HTTP+SSE 4.00 ms vs its first scan 1.00 ms = 4.00x (target <= 1.20x) MISS by 233% (over the target)",
		"  database growth, scans 2,001-3,000 of one basket 655 B/scan vs scans 1-1,000 823 B/scan = 0.80x (target <= 1.20x) PASS",
		"  database size after 3,000 scans with idempotency keys 2.1 MB",
		"! GTIN lookup median 24.0 µs vs raw indexed point query 15.0 µs = 1.60x (target <= 1.50x) MISS by 7% (over the target)",
		"! catalog import 7000 rows/s vs raw batched insert 20000 rows/s = 35% (target >= 50%) MISS by 30% (short of the target)  [3 runs, per-run ratio 27% to 60%]",
		"  peak RSS of kiosk serve (20000 products) 21.3 MB (target <= 64 MB) PASS",
		"  scan during a catalog import (CLI beside serve), max 75.52 ms (target <= 250.00 ms) PASS",
		"  scan during a catalog import (CLI beside serve), p99 38.97 ms vs idle p99 1.59 ms = 24.51x (no target)",
		"  scans failed during a catalog import (CLI beside serve) 0 (target 0) PASS",
		"! scan during a catalog import (HQ push in serve), max 930.92 ms (target <= 250.00 ms) MISS by 272% (over the target)",
		"! scans failed during a catalog import (HQ push in serve) 1 (target 0) MISS",
		"scan-to-event over HTTP+SSE median: n/a",
		"cpu: Some CPU",
		"  alert raised to 3 handhelds via the hub of 12 lanes, p99 6.29 ms (target <= 100.00 ms) PASS",
		"  alert raised to 3 handhelds via the hub of 12 lanes, p50 0.60 ms vs the lane's own command and commit p50 0.49 ms = 1.24x (no target)",
		"  store day (seed 1): false alerts with learned tolerance 2.50 per 100 items vs fixed tolerance 5.66 per 100 items = 0.44x (target <= 0.50x) PASS",
		"! 20 store days (seeds 1–20): swaps caught with learned tolerance 60 % vs fixed tolerance 90 % = 67% (target >= 100%) MISS by 33% (short of the target)",
		"  20 store days (seeds 1–20): removed items caught with learned tolerance 100 % vs fixed tolerance 100 % = 100% (target >= 100%) PASS",
		"  store day simulation, time per simulated item 854 ns",
		"10 PASS, 6 MISS, 5 reported only, 2 not measured",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestReportFailedRun(t *testing.T) {
	var out strings.Builder
	in := "BenchmarkScanToEvent-2 1 5 ns/op 4 median-ns/op\n--- FAIL: BenchmarkRawDurableCommit-2\nFAIL\n"
	if code := run(strings.NewReader(in), &out); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out.String())
	}
	if code := run(strings.NewReader("nothing here\n"), &out); code != 1 {
		t.Fatalf("no results: exit %d, want 1", code)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
