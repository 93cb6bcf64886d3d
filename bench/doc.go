// Package bench measures the kiosk's hot paths beside raw-SQLite baselines.
//
// Every figure is printed next to a baseline measured in the same run on the
// same machine, because the machines that run it are shared and noisy: a
// number alone says little, a ratio to what SQLite itself needs says whether
// our code is the cost. The benchmarks are the performance goals; no unit test
// times anything.
//
//	figure                                   baseline                               target
//	BenchmarkScanToEvent (median)            BenchmarkRawDurableCommit (median)     <= 3x
//	BenchmarkScanToEventHTTP (median)        BenchmarkRawDurableCommit (median)     reported only
//	BenchmarkLookupGTIN (median)             BenchmarkRawPointQuery (median)        <= 1.5x
//	BenchmarkImport (rows/s)                 BenchmarkRawBatchedInsert (rows/s)     >= 50%
//	BenchmarkServeRSS (peak-RSS-MB)          -                                      <= 64 MB (MiB, VmHWM)
//	BenchmarkScanDuringImport (import-max)   idle scans of the same run (p99)       <= 250 ms, no failed scan
//	BenchmarkScanDuringImportShared (max)    -                                      <= 250 ms, no failed scan
//	BenchmarkAlertToHandheld (p99-ms)        -                                      < 100 ms (12 lanes, 3 handhelds, via a hub)
//	BenchmarkSimulateDay (learned-false)     fixed-false (the same day, fixed tol.) <= 0.5x, catching >= fixed per theft kind
//
// Each benchmark runs a fixed number of operations itself and reports their
// median and p90 latency (median-ns/op, p90-ns/op), so `-benchtime=1x` gives a
// full measurement; `go run ./bench/report < bench.out` turns the output of one
// or more runs into a table of ratios and targets. `go test -count=N` runs each
// benchmark N times in a row, minutes away from its baseline; `make bench`
// therefore runs N separate passes of every benchmark once, so that a figure
// and its baseline always run back to back.
//
// Environment:
//
//	KIOSK_BENCH_ROWS  products in the generated catalog (default 1000000)
//	KIOSK_BENCH_OPS   timed operations per latency benchmark (default 2000,
//	                  20000 for the GTIN look-ups)
//	KIOSK_BENCH_DIR   where the benchmarks' databases go (default os.TempDir, or
//	                  ./data/bench when that is a tmpfs, since fsync on tmpfs
//	                  costs nothing and would flatter the figures)
//	KIOSK_BENCH_CACHE keep the generated catalog (CSV and imported database)
//	                  here and reuse it in later processes (`make bench` sets it
//	                  to ./data/bench-cache and removes it at the end)
package bench
