package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk"
)

// Peak memory of the real binary: `kiosk serve` on a copy of the shared
// catalog database (KIOSK_BENCH_ROWS products), driven over HTTP like the
// shopper page drives it, measured by the kernel (VmHWM).

const (
	rssScans  = 500
	rssBasket = 50 // scans per transaction; staff approve a cancel between baskets
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// kioskBinary builds ./cmd/kiosk once per run.
func kioskBinary(b *testing.B) string {
	b.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = err
			return
		}
		dir := filepath.Join(runDir, "bin")
		binPath = filepath.Join(dir, "kiosk")
		out, err := exec.Command(goTool, "build", "-tags", "sim", "-o", binPath, "github.com/kiosk-sco/kiosk/cmd/kiosk").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binPath
}

// BenchmarkServeRSS reports the peak resident set of `kiosk serve` after
// start-up, 500 scans over POST /api/commands, GET /api/lane now and then and
// an SSE stream following along.
func BenchmarkServeRSS(b *testing.B) {
	d := sharedData(b)
	bin := kioskBinary(b)
	var peak, startup float64
	for range b.N {
		p, s := serveRSS(b, bin, d)
		peak, startup = max(peak, p), max(startup, s)
	}
	b.ReportMetric(peak, "peak-RSS-MB")
	b.ReportMetric(startup, "startup-RSS-MB")
	b.ReportMetric(float64(d.rows), "products")
}

func serveRSS(b *testing.B, bin string, d *catalogData) (peakMB, startupMB float64) {
	b.Helper()
	ctx := context.Background()
	dir := benchDir(b, "serve")
	dbPath := filepath.Join(dir, "kiosk.db")
	if err := copyFile(d.dbPath, dbPath); err != nil {
		b.Fatal(err)
	}
	addr := freeAddr(b)
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logf.Close()
	showLog := func() string {
		out, _ := os.ReadFile(logf.Name())
		return string(out)
	}
	// --demo: the lane's devices on simulators, as before a store configures
	// its ports (the catalog is not empty, so no demo catalog is imported).
	cmd := exec.Command(bin, "serve", "--demo", "--db", dbPath, "--addr", addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	}()

	base := "http://" + addr
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
	defer client.CloseIdleConnections()
	sock := dbPath + ".sock" // the staff socket: the database path with .sock appended
	admin := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}}
	defer admin.CloseIdleConnections()

	// Wait for /healthz.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var h struct{ OK bool }
		if err := getJSON(ctx, client, base+"/healthz", &h); err == nil && h.OK {
			break
		}
		select {
		case err := <-exited:
			stopped = true
			b.Fatalf("kiosk serve exited: %v\n%s", err, showLog())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.Fatalf("kiosk serve did not answer /healthz within 2 minutes\n%s", showLog())
		}
	}
	pid := cmd.Process.Pid
	startupMB = procStatusMB(b, pid, "VmRSS")

	sseClient := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer sseClient.CloseIdleConnections()
	sse, err := openSSE(ctx, sseClient, base+"/api/events")
	if err != nil {
		b.Fatal(err)
	}
	defer sse.Close()

	var last int64
	for i := range rssScans {
		if i > 0 && i%rssBasket == 0 {
			var r seqReply
			err := postJSON(ctx, client, base+"/api/commands", `{"op":"cancel"}`, &r)
			var id int64
			if err == nil {
				id, err = r.alert(kiosk.AlertCancelRequest)
			}
			if err == nil {
				err = postJSON(ctx, admin, "http://kiosk/alerts/"+strconv.FormatInt(id, 10)+"/resolve", `{"outcome":"approved","by":"bench"}`, &r)
			}
			if err != nil {
				b.Fatalf("cancel basket: %v\n%s", err, showLog())
			}
		}
		code := d.plain[(i*7919)%len(d.plain)]
		var r seqReply
		if err := postJSON(ctx, client, base+"/api/commands", `{"op":"scan","code":"`+code+`","source":"typed"}`, &r); err != nil {
			b.Fatalf("scan %d (%s): %v\n%s", i, code, err, showLog())
		}
		last = r.View.Seq
		if i%10 == 9 {
			if err := getJSON(ctx, client, base+"/api/lane", nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := sse.waitSeq(last, 30*time.Second); err != nil {
		b.Fatal(err)
	}
	peakMB = procStatusMB(b, pid, "VmHWM")

	sse.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			b.Errorf("kiosk serve ended with %v after SIGTERM\n%s", err, showLog())
		}
	case <-time.After(15 * time.Second):
		b.Errorf("kiosk serve still running 15s after SIGTERM\n%s", showLog())
	}
	return peakMB, startupMB
}

// procStatusMB reads a "kB" line of /proc/PID/status in megabytes (MiB).
func procStatusMB(b *testing.B, pid int, field string) float64 {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			b.Fatalf("%s: %q", field, rest)
		}
		return kb / 1024
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
