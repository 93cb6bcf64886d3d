package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/bagging"
	"github.com/kiosk-sco/kiosk/store"
	"github.com/kiosk-sco/kiosk/ui"
)

// Scan-to-event: a scan command goes into the lane, is committed durably
// (journal, basket line, totals in one transaction with synchronous=FULL) and
// comes out to a subscriber. Its baseline is one raw durable commit on a
// database opened the same way: what SQLite and the disk cost at the least.

const (
	// basketScans is how many scans go into one transaction before the
	// benchmark cancels it (untimed); every 5th scan repeats the product
	// before it, so the merge path (quantity +1) is measured too.
	basketScans = 30
	// warmupOps run untimed before the measured operations.
	warmupOps = 20
)

// laneFixture is a lane on a fresh database with the demo catalog.
type laneFixture struct {
	db    *store.DB
	cat   *catalog.DB
	lane  *kiosk.Lane
	codes []string // EAN-13s of packaged products without an age limit
	stop  func()
}

func newLaneFixture(b *testing.B) *laneFixture { return newLaneFixtureWith(b, nil) }

// newLaneFixtureWith is newLaneFixture with edit applied to the lane's configuration.
func newLaneFixtureWith(b *testing.B, edit func(*kiosk.Config)) *laneFixture {
	b.Helper()
	ctx := context.Background()
	db := openStore(b, filepath.Join(benchDir(b, "lane"), "kiosk.db"))
	cat := catalog.NewDB(db)
	if _, err := cat.EnsureDemo(ctx, catalog.DefaultVATRates()); err != nil {
		db.Close()
		b.Fatal(err)
	}
	cfg := kiosk.Config{Log: quietLog}
	if edit != nil {
		edit(&cfg)
	}
	lane, err := kiosk.Open(ctx, db, cat, cfg)
	if err != nil {
		db.Close()
		b.Fatal(err)
	}
	laneCtx, stopLane := context.WithCancel(context.Background())
	go lane.Run(laneCtx)
	f := &laneFixture{db: db, cat: cat, lane: lane, codes: demoScanCodes(b, lane.Config().Decode)}
	f.stop = func() {
		stopLane()
		<-lane.Done()
		db.Close()
	}
	b.Cleanup(f.stop)
	return f
}

// demoScanCodes returns the EAN-13 of every demo product a plain scan adds as
// one piece: sold each, no age limit, not a variable-measure number.
func demoScanCodes(b *testing.B, opt catalog.DecodeOptions) []string {
	b.Helper()
	var codes []string
	_, _, err := catalog.ReadCSV(bytes.NewReader(catalog.DemoCSV()), catalog.DefaultVATRates(), func(_ int, p catalog.Product) error {
		if p.SoldBy != catalog.ByEach || p.MinAge > 0 {
			return nil
		}
		code := catalog.ShortGTIN(p.GTIN)
		c, err := catalog.Decode(code, opt)
		if err != nil || c.LookupGTIN != p.GTIN || c.Variable || c.Price != nil || c.WeightKg != nil || c.Count > 0 {
			return nil
		}
		codes = append(codes, code)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if len(codes) < basketScans {
		b.Fatalf("only %d plain demo products to scan", len(codes))
	}
	return codes
}

// scanCode is the i-th code of the rotation: every 5th scan repeats the one before.
func scanCode(codes []string, i int) string {
	if i%5 == 4 {
		i--
	}
	return codes[(i*7)%len(codes)]
}

// waitUpdate reads updates until the one with sequence number seq (or later).
func waitUpdate(updates <-chan kiosk.Update, seq int64) error {
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case u, ok := <-updates:
			if !ok {
				return errors.New("subscription closed (dropped as too slow?)")
			}
			if u.View.Seq >= seq {
				return nil
			}
		case <-t.C:
			return fmt.Errorf("no update with seq %d within 10s", seq)
		}
	}
}

// endBasket cancels the open transaction: the shopper asks, staff approve.
func endBasket(ctx context.Context, lane *kiosk.Lane) (int64, error) {
	if v := lane.View(); v.Txn == nil {
		return v.Seq, nil
	}
	res, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpCancel})
	if err != nil {
		return 0, fmt.Errorf("cancel: %w", err)
	}
	if res.View.Txn == nil {
		return res.View.Seq, nil // empty basket: cancelled at once
	}
	var id int64
	for _, a := range res.View.Alerts {
		if a.Type == kiosk.AlertCancelRequest {
			id = a.ID
		}
	}
	if id == 0 {
		return 0, errors.New("cancel raised no cancel_request alert")
	}
	res, err = lane.Resolve(ctx, id, "approved", "bench", "")
	if err != nil {
		return 0, fmt.Errorf("resolve cancel_request: %w", err)
	}
	if res.View.Txn != nil {
		return 0, errors.New("the transaction is still open after the approved cancel")
	}
	return res.View.Seq, nil
}

// BenchmarkScanToEvent times lane.Do(scan) until the subscriber holds the
// committed update with that sequence number.
func BenchmarkScanToEvent(b *testing.B) { scanToEvent(b, nil) }

// BenchmarkScanToEventBagging is BenchmarkScanToEvent on a lane with the
// bagging rules on (as a lane with a bagging scale runs): each scan also
// awaits its item and saves the transaction's bagging state.
func BenchmarkScanToEventBagging(b *testing.B) {
	scanToEvent(b, func(c *kiosk.Config) { s := bagging.Defaults(); c.Bagging = &s })
}

func scanToEvent(b *testing.B, edit func(*kiosk.Config)) {
	ctx := context.Background()
	f := newLaneFixtureWith(b, edit)
	updates, unsubscribe := f.lane.Subscribe(256)
	defer unsubscribe()

	scan := func(i int) error {
		res, err := f.lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: scanCode(f.codes, i), Source: "scanner"})
		if err != nil {
			return fmt.Errorf("scan %d: %w", i, err)
		}
		return waitUpdate(updates, res.View.Seq)
	}
	newBasket := func() {
		seq, err := endBasket(ctx, f.lane)
		if err == nil {
			err = waitUpdate(updates, seq)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	measureScans(b, scan, newBasket)
}

// BenchmarkRawDurableCommit is the baseline: BEGIN IMMEDIATE, one INSERT,
// COMMIT on the kiosk's writer connection (WAL, synchronous=FULL).
func BenchmarkRawDurableCommit(b *testing.B) {
	ctx := context.Background()
	db := openStore(b, filepath.Join(benchDir(b, "commit"), "raw.db"))
	defer db.Close()
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE bench_commit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, body TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	ins, err := db.W.PrepareContext(ctx, `INSERT INTO bench_commit (at, body) VALUES (?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer ins.Close()
	body := strings.Repeat("x", 200) // about a journal row's body
	commit := func() error {
		tx, err := db.W.BeginTx(ctx, nil) // _txlock=immediate: BEGIN IMMEDIATE
		if err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, ins).ExecContext(ctx, time.Now().UTC().Format(time.RFC3339Nano), body); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	for range warmupOps {
		if err := commit(); err != nil {
			b.Fatal(err)
		}
	}

	n := opsFor(b, 2000)
	lat := make([]time.Duration, 0, n)
	b.ResetTimer()
	for range n {
		t0 := time.Now()
		if err := commit(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}

// BenchmarkScanToEventHTTP times the shopper's path: POST /api/commands on the
// Fiber app over loopback until the page's SSE stream carries the new state.
func BenchmarkScanToEventHTTP(b *testing.B) {
	f := newLaneFixture(b)
	h := newHTTPFixture(b, f)
	scan := func(i int) error { return h.scan(scanCode(f.codes, i)) }
	measureScans(b, scan, h.newBasket)
}

// httpFixture is the shopper server of a lane fixture on loopback, with an
// open SSE stream.
type httpFixture struct {
	b      *testing.B
	f      *laneFixture
	base   string
	client *http.Client
	sse    *sseStream
}

func newHTTPFixture(b *testing.B, f *laneFixture) *httpFixture {
	b.Helper()
	ctx := context.Background()
	// Scans come as a keyboard-wedge scanner sends them: the page path.
	srv := ui.New(f.lane, f.cat, ui.Options{Log: quietLog, KeyboardWedge: true})
	app := srv.App()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	h := &httpFixture{b: b, f: f, base: "http://" + ln.Addr().String(),
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}}
	sseClient := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	if h.sse, err = openSSE(ctx, sseClient, h.base+"/api/events"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		h.sse.Close()
		h.client.CloseIdleConnections()
		sseClient.CloseIdleConnections()
		srv.CloseStreams()
		_ = app.ShutdownWithTimeout(5 * time.Second)
		<-served
	})
	if err := h.sse.waitSeq(f.lane.View().Seq, 10*time.Second); err != nil {
		b.Fatal(err)
	}
	return h
}

// scan posts a scan and waits for its state on the SSE stream.
func (h *httpFixture) scan(code string) error {
	var r seqReply
	if err := postJSON(context.Background(), h.client, h.base+"/api/commands", `{"op":"scan","code":"`+code+`","source":"keyboard"}`, &r); err != nil {
		return fmt.Errorf("scan %s: %w", code, err)
	}
	return h.sse.waitSeq(r.View.Seq, 10*time.Second)
}

// newBasket cancels the basket over HTTP, staff approve it in process.
func (h *httpFixture) newBasket() {
	ctx := context.Background()
	if h.f.lane.View().Txn == nil {
		return
	}
	var r seqReply
	err := postJSON(ctx, h.client, h.base+"/api/commands", `{"op":"cancel"}`, &r)
	if err == nil && r.View.Txn == nil {
		return // empty basket: cancelled at once
	}
	var id int64
	if err == nil {
		id, err = r.alert(kiosk.AlertCancelRequest)
	}
	var res kiosk.Result
	if err == nil {
		res, err = h.f.lane.Resolve(ctx, id, "approved", "bench", "")
	}
	if err == nil {
		err = h.sse.waitSeq(res.View.Seq, 10*time.Second)
	}
	if err != nil {
		h.b.Fatal(err)
	}
}

// measureScans warms up, then times each scan, starting a new basket (untimed)
// every basketScans scans, and reports the latencies.
func measureScans(b *testing.B, scan func(i int) error, newBasket func()) {
	for i := range warmupOps {
		if err := scan(i); err != nil {
			b.Fatal(err)
		}
	}
	newBasket()

	n := opsFor(b, 2000)
	lat := make([]time.Duration, 0, n)
	b.ResetTimer()
	for i := range n {
		if i > 0 && i%basketScans == 0 {
			b.StopTimer()
			newBasket()
			b.StartTimer()
		}
		t0 := time.Now()
		if err := scan(i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}
