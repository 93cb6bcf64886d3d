// Report reads the output of the kiosk benchmarks (`go test -bench` in
// ./bench, any -count) on standard input and prints each figure beside its
// baseline from the same run, the ratio, the target and PASS or MISS.
//
//	go test -run='^$' -bench=. -benchtime=1x -count=3 ./bench/ | tee bench.out
//	go run ./bench/report < bench.out
//
// With several runs of a benchmark the median of its runs is used. A MISS is
// reported, not enforced: the exit status is 0 unless the input has no
// benchmark results or shows a failed benchmark, because shared machines are
// too noisy for a build to fail on a ratio.
package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// results maps a benchmark name (without the -GOMAXPROCS suffix) and a unit to
// the values of each run, in input order.
type results map[string]map[string][]float64

var nameSuffix = regexp.MustCompile(`-\d+$`)

// parse reads `go test -bench` output. It returns the results, the context
// lines (goos, cpu, ...) and the lines that report failures.
func parse(r io.Reader) (results, []string, []string, error) {
	res := results{}
	var context, failures []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "goos:"), strings.HasPrefix(line, "goarch:"), strings.HasPrefix(line, "cpu:"),
			strings.HasPrefix(line, "pkg:"):
			if !slices.Contains(context, trimmed) {
				context = append(context, trimmed)
			}
		case strings.HasPrefix(trimmed, "--- FAIL"), strings.HasPrefix(trimmed, "FAIL"), strings.HasPrefix(trimmed, "panic:"):
			failures = append(failures, trimmed)
		case strings.HasPrefix(line, "Benchmark"):
			f := strings.Fields(line)
			// name, iterations, then value unit pairs.
			if len(f) < 4 || len(f)%2 != 0 {
				continue
			}
			if _, err := strconv.Atoi(f[1]); err != nil {
				continue
			}
			name := nameSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
			if res[name] == nil {
				res[name] = map[string][]float64{}
			}
			for i := 2; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					continue
				}
				res[name][f[i+1]] = append(res[name][f[i+1]], v)
			}
		}
	}
	return res, context, failures, sc.Err()
}

// median of values; NaN when there are none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// A check compares a figure with its baseline (or, without one, with an
// absolute limit).
type check struct {
	label     string
	bench     string
	unit      string
	baseLabel string
	baseBench string
	baseUnit  string
	// target: ratio (or absolute value) must be <= max, or >= min; 0 means none.
	max, min float64
	format   func(float64) string
	percent  bool // show the ratio as a percentage
	absUnit  string
	// absFormat shows an absolute target with format (e.g. "250.00 ms");
	// zero makes the target "0" (a count that must stay nought).
	absFormat bool
	zero      bool
}

var checks = []check{
	{label: "scan-to-event median", bench: "ScanToEvent", unit: "median-ns/op",
		baseLabel: "raw durable commit", baseBench: "RawDurableCommit", baseUnit: "median-ns/op", max: 2, format: duration},
	{label: "scan-to-event with the bagging rules median", bench: "ScanToEventBagging", unit: "median-ns/op",
		baseLabel: "raw durable commit", baseBench: "RawDurableCommit", baseUnit: "median-ns/op", max: 2, format: duration},
	{label: "scan-to-event p90", bench: "ScanToEvent", unit: "p90-ns/op",
		baseLabel: "raw durable commit p90", baseBench: "RawDurableCommit", baseUnit: "p90-ns/op", format: duration},
	{label: "scan-to-event over HTTP+SSE median", bench: "ScanToEventHTTP", unit: "median-ns/op",
		baseLabel: "raw durable commit", baseBench: "RawDurableCommit", baseUnit: "median-ns/op", max: 3, format: duration},
	{label: "500th scan of a basket", bench: "BasketSize", unit: "scan500-median-ns/op",
		baseLabel: "its first scan", baseBench: "BasketSize", baseUnit: "scan1-median-ns/op", max: 1.2, format: duration},
	{label: "500th scan of a basket over HTTP+SSE", bench: "BasketSizeHTTP", unit: "scan500-median-ns/op",
		baseLabel: "its first scan", baseBench: "BasketSizeHTTP", baseUnit: "scan1-median-ns/op", max: 1.2, format: duration},
	{label: "database growth, scans 2,001-3,000 of one basket", bench: "DatabaseGrowth", unit: "last1000-bytes/scan",
		baseLabel: "scans 1-1,000", baseBench: "DatabaseGrowth", baseUnit: "first1000-bytes/scan", max: 1.2, format: bytesPerScan},
	{label: "database size after 3,000 scans with idempotency keys", bench: "DatabaseGrowth", unit: "MB-after-3000-scans", format: megabytes},
	{label: "GTIN lookup median", bench: "LookupGTIN", unit: "median-ns/op",
		baseLabel: "raw indexed point query", baseBench: "RawPointQuery", baseUnit: "median-ns/op", max: 1.5, format: duration},
	{label: "catalog import", bench: "Import", unit: "rows/s",
		baseLabel: "raw batched insert", baseBench: "RawBatchedInsert", baseUnit: "rows/s", min: 0.5, format: rate, percent: true},
	{label: "peak RSS of kiosk serve", bench: "ServeRSS", unit: "peak-RSS-MB", max: 64, format: megabytes, absUnit: " MB"},
	{label: "scan during a catalog import (CLI beside serve), max", bench: "ScanDuringImport", unit: "import-max-ns/op", max: 250e6, format: duration, absFormat: true},
	{label: "scan during a catalog import (CLI beside serve), p99", bench: "ScanDuringImport", unit: "import-p99-ns/op",
		baseLabel: "idle p99", baseBench: "ScanDuringImport", baseUnit: "idle-p99-ns/op", format: duration},
	{label: "scans failed during a catalog import (CLI beside serve)", bench: "ScanDuringImport", unit: "import-failed-scans", zero: true, format: count},
	{label: "scan during a catalog import (HQ push in serve), max", bench: "ScanDuringImportShared", unit: "import-max-ns/op", max: 250e6, format: duration, absFormat: true},
	{label: "scans failed during a catalog import (HQ push in serve)", bench: "ScanDuringImportShared", unit: "import-failed-scans", zero: true, format: count},
	{label: "alert raised to 3 handhelds via the hub of 12 lanes, p99", bench: "AlertToHandheld", unit: "p99-ms", max: 100, format: millis, absFormat: true},
	{label: "alert raised to 3 handhelds via the hub of 12 lanes, p50", bench: "AlertToHandheld", unit: "p50-ms",
		baseLabel: "the lane's own command and commit p50", baseBench: "AlertToHandheld", baseUnit: "commit-p50-ms", format: millis},
	{label: "store day (seed 1): false alerts with learned tolerance", bench: "SimulateDay", unit: "learned-false/100items",
		baseLabel: "fixed tolerance", baseBench: "SimulateDay", baseUnit: "fixed-false/100items", max: 0.5, format: per100},
	{label: "20 store days (seeds 1–20): swaps caught with learned tolerance", bench: "SimulateDay", unit: "learned-swap-caught-%",
		baseLabel: "fixed tolerance", baseBench: "SimulateDay", baseUnit: "fixed-swap-caught-%", min: 1, format: percent, percent: true},
	{label: "20 store days (seeds 1–20): unscanned items caught with learned tolerance", bench: "SimulateDay", unit: "learned-unscanned-caught-%",
		baseLabel: "fixed tolerance", baseBench: "SimulateDay", baseUnit: "fixed-unscanned-caught-%", min: 1, format: percent, percent: true},
	{label: "20 store days (seeds 1–20): removed items caught with learned tolerance", bench: "SimulateDay", unit: "learned-removed-caught-%",
		baseLabel: "fixed tolerance", baseBench: "SimulateDay", baseUnit: "fixed-removed-caught-%", min: 1, format: percent, percent: true},
	{label: "store day simulation, time per simulated item", bench: "SimulateDay", unit: "ns/item", format: duration},
}

func duration(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func millis(ms float64) string { return fmt.Sprintf("%.2f ms", ms) }

func rate(v float64) string { return fmt.Sprintf("%.0f rows/s", v) }

func megabytes(v float64) string { return fmt.Sprintf("%.1f MB", v) }

func bytesPerScan(v float64) string { return fmt.Sprintf("%.0f B/scan", v) }

func count(v float64) string { return fmt.Sprintf("%.0f", v) }

func per100(v float64) string { return fmt.Sprintf("%.2f per 100 items", v) }

func percent(v float64) string { return fmt.Sprintf("%.0f %%", v) }

// line evaluates c against res: the report line (verdict after the target,
// the spread over runs after that) and the verdict ("PASS", "MISS", "info" or
// "n/a").
func (c check) line(res results) (string, string) {
	vals := res[c.bench][c.unit]
	if len(vals) == 0 {
		return fmt.Sprintf("%s: n/a (Benchmark%s did not report %s)", c.label, c.bench, c.unit), "n/a"
	}
	fig := median(vals)
	runs := fmt.Sprintf("%d run", len(vals))
	if len(vals) != 1 {
		runs += "s"
	}
	if c.baseBench == "" {
		label := c.label
		if n := res[c.bench]["products"]; len(n) > 0 {
			label = fmt.Sprintf("%s (%.0f products)", c.label, median(n))
		}
		s := fmt.Sprintf("%s %s", label, c.format(fig))
		verdict := "info"
		switch {
		case c.zero:
			verdict = passMiss(fig == 0)
			s += " (target 0) " + verdict
		case c.max > 0:
			verdict = passMiss(fig <= c.max)
			target := fmt.Sprintf("%g%s", c.max, c.absUnit)
			if c.absFormat {
				target = c.format(c.max)
			}
			s += fmt.Sprintf(" (target <= %s) %s", target, verdict+missBy(fig/c.max-1, "over"))
		}
		return fmt.Sprintf("%s  [%s, range %s to %s]", s, runs, c.format(slices.Min(vals)), c.format(slices.Max(vals))), verdict
	}
	bvals := res[c.baseBench][c.baseUnit]
	if len(bvals) == 0 {
		return fmt.Sprintf("%s %s vs %s: n/a (Benchmark%s did not report %s)", c.label, c.format(fig), c.baseLabel, c.baseBench, c.baseUnit), "n/a"
	}
	base := median(bvals)
	ratio := fig / base
	s := fmt.Sprintf("%s %s vs %s %s = %s", c.label, c.format(fig), c.baseLabel, c.format(base), c.ratio(ratio))
	verdict := "info"
	switch {
	case c.max > 0:
		verdict = passMiss(ratio <= c.max)
		s += fmt.Sprintf(" (target <= %s) %s", c.ratio(c.max), verdict+missBy(ratio/c.max-1, "over"))
	case c.min > 0:
		verdict = passMiss(ratio >= c.min)
		s += fmt.Sprintf(" (target >= %s) %s", c.ratio(c.min), verdict+missBy(1-ratio/c.min, "short of"))
	default:
		s += " (no target)"
	}
	// The ratio of each run to the baseline of the same run shows the spread.
	if len(vals) > 1 && len(vals) == len(bvals) {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range vals {
			r := vals[i] / bvals[i]
			lo, hi = min(lo, r), max(hi, r)
		}
		s += fmt.Sprintf("  [%s, per-run ratio %s to %s]", runs, c.ratio(lo), c.ratio(hi))
	} else {
		s += fmt.Sprintf("  [%s, baseline runs %d]", runs, len(bvals))
	}
	return s, verdict
}

func (c check) ratio(r float64) string {
	if c.percent {
		return fmt.Sprintf("%.0f%%", r*100)
	}
	return fmt.Sprintf("%.2fx", r)
}

// missBy says how far a missed target is, as a share of the target; "" when met.
func missBy(share float64, how string) string {
	if share <= 0 {
		return ""
	}
	return fmt.Sprintf(" by %.0f%% (%s the target)", share*100, how)
}

func passMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func main() {
	os.Exit(run(os.Stdin, os.Stdout))
}

func run(in io.Reader, out io.Writer) int {
	res, context, failures, err := parse(in)
	if err != nil {
		fmt.Fprintln(out, "report: reading input:", err)
		return 1
	}
	fmt.Fprintln(out, "kiosk benchmarks: medians over runs, each figure against its baseline from the same run")
	for _, c := range context {
		fmt.Fprintln(out, "  "+c)
	}
	fmt.Fprintln(out)
	count := map[string]int{}
	for _, c := range checks {
		s, verdict := c.line(res)
		count[verdict]++
		mark := " "
		if verdict == "MISS" {
			mark = "!"
		}
		fmt.Fprintf(out, "%s %s\n", mark, s)
	}
	fmt.Fprintf(out, "\n%d PASS, %d MISS, %d reported only, %d not measured\n", count["PASS"], count["MISS"], count["info"], count["n/a"])
	if count["MISS"] > 0 {
		fmt.Fprintln(out, "MISS: a target was missed; the lines marked ! say by how much (reported, not enforced)")
	}
	if len(failures) > 0 {
		fmt.Fprintln(out, "\nthe benchmark run failed:")
		for _, f := range failures {
			fmt.Fprintln(out, "  "+f)
		}
		return 1
	}
	if len(res) == 0 {
		fmt.Fprintln(out, "report: no benchmark results in the input")
		return 1
	}
	return 0
}
