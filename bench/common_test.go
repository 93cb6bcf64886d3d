package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/store"
)

// runDir holds everything one run of the benchmarks writes; TestMain removes it.
var runDir string

func TestMain(m *testing.M) {
	base, why := baseDir()
	if err := os.MkdirAll(base, 0o750); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp(base, "kiosk-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	runDir = dir
	if benchRequested() {
		fmt.Printf("bench: data in %s (%s)\n", dir, why)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// benchRequested reports whether -test.bench was given (TestMain runs for plain
// `go test` too, where the message would only be noise).
func benchRequested() bool {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.bench=") && a != "-test.bench=" {
			return true
		}
	}
	return false
}

// baseDir picks a directory on a real disk: KIOSK_BENCH_DIR, else os.TempDir
// unless it is a tmpfs (where fsync is free), else the repository's ignored
// ./data/bench.
func baseDir() (dir, why string) {
	if d := os.Getenv("KIOSK_BENCH_DIR"); d != "" {
		return d, "KIOSK_BENCH_DIR"
	}
	tmp := os.TempDir()
	switch fs := fsType(tmp); fs {
	case "tmpfs":
		d, _ := filepath.Abs(filepath.Join("..", "data", "bench"))
		return d, "os.TempDir " + tmp + " is a tmpfs: using the repository's ./data/bench"
	case "":
		return tmp, "os.TempDir"
	default:
		return tmp, "os.TempDir, on " + fs
	}
}

// benchDir returns a fresh directory under the run's directory, removed when
// the benchmark ends.
func benchDir(b *testing.B, name string) string {
	b.Helper()
	d, err := os.MkdirTemp(runDir, name+"-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// envInt reads a positive integer from the environment.
func envInt(b testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// opsFor is how many timed operations a latency benchmark runs: KIOSK_BENCH_OPS
// (or def), and at least b.N, so that a run without -benchtime=1x is still sound.
func opsFor(b *testing.B, def int) int {
	return max(b.N, envInt(b, "KIOSK_BENCH_OPS", def))
}

// openStore opens a kiosk database exactly as the kiosk does.
func openStore(b testing.TB, path string) *store.DB {
	b.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	return db
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// reportLatencies reports the median, p90 and mean of per-operation latencies;
// the mean replaces the framework's ns/op, which would count b.N iterations.
func reportLatencies(b *testing.B, lat []time.Duration) {
	b.Helper()
	if len(lat) == 0 {
		b.Fatal("no operations measured")
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	b.ReportMetric(float64(quantile(s, 0.5).Nanoseconds()), "median-ns/op")
	b.ReportMetric(float64(quantile(s, 0.9).Nanoseconds()), "p90-ns/op")
	b.ReportMetric(float64(sum.Nanoseconds())/float64(len(s)), "ns/op")
	b.ReportMetric(float64(len(s)), "ops")
}

// quantile returns the q-quantile of sorted s (nearest rank).
func quantile(s []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// sseStream reads a kiosk SSE stream (/api/events) and hands on the sequence
// number of every "state" event.
type sseStream struct {
	resp   *http.Response
	states chan int64
	done   chan struct{}
	err    error // set before done closes
	last   int64
}

func openSSE(ctx context.Context, client *http.Client, url string) (*sseStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	s := &sseStream{resp: resp, states: make(chan int64, 1<<14), done: make(chan struct{}), last: -1}
	go s.read()
	return s, nil
}

func (s *sseStream) read() {
	defer close(s.done)
	sc := bufio.NewScanner(s.resp.Body)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var id int64 = -1
	var event string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if event == "state" && id >= 0 {
				s.states <- id
			}
			id, event = -1, ""
		case strings.HasPrefix(line, "id: "):
			id, _ = strconv.ParseInt(line[4:], 10, 64)
		case strings.HasPrefix(line, "event: "):
			event = line[7:]
		}
	}
	s.err = sc.Err()
	if s.err == nil {
		s.err = io.ErrUnexpectedEOF
	}
}

// waitSeq waits until a state event with a sequence number >= seq arrived.
func (s *sseStream) waitSeq(seq int64, timeout time.Duration) error {
	if s.last >= seq {
		return nil
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case id := <-s.states:
			s.last = max(s.last, id)
			if s.last >= seq {
				return nil
			}
		case <-s.done:
			return fmt.Errorf("SSE stream ended before seq %d: %w", seq, s.err)
		case <-t.C:
			return fmt.Errorf("no SSE state event with seq %d within %v (last %d)", seq, timeout, s.last)
		}
	}
}

func (s *sseStream) Close() {
	s.resp.Body.Close()
	<-s.done
}

// postJSON posts body and decodes a JSON answer into out; a status other than
// 200 is an error carrying the answer.
func postJSON(ctx context.Context, client *http.Client, url, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return doJSON(client, req, out)
}

func getJSON(ctx context.Context, client *http.Client, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	return doJSON(client, req, out)
}

func doJSON(client *http.Client, req *http.Request, out any) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// seqReply is the part of a command's answer the benchmarks need.
type seqReply struct {
	View struct {
		Seq int64 `json:"seq"`
		Txn *struct {
			ID string `json:"id"`
		} `json:"txn"`
		Alerts []struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"alerts"`
	} `json:"view"`
}

func (r seqReply) alert(typ string) (int64, error) {
	for _, a := range r.View.Alerts {
		if a.Type == typ {
			return a.ID, nil
		}
	}
	return 0, errors.New("no open " + typ + " alert in the view")
}
