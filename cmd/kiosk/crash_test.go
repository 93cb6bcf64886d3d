package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/store"
)

// crashLane is the demo lane: store 0001, lane 01.
const crashLane = "0001-01"

// TestCrashAcknowledgedScansSurvive is the lane's promise tested on the real
// binary: an event is on disk before it is acknowledged. It scans products one
// at a time, SIGKILLs the server at a random moment, restarts it on the same
// database and checks that the basket holds every acknowledged scan, nothing
// else but (perhaps) the one scan that was in flight, and that the journal and
// the database stay sound.
//
// KIOSK_CRASH_CYCLES sets the number of kills (default 50); KIOSK_CRASH_SEED
// replays the random kill delays of a logged run.
func TestCrashAcknowledgedScansSurvive(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and restarts the real binary")
	}
	cycles := 50
	if s := os.Getenv("KIOSK_CRASH_CYCLES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("KIOSK_CRASH_CYCLES=%q: want a positive number", s)
		}
		cycles = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("KIOSK_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("KIOSK_CRASH_SEED=%q: want an unsigned number", s)
		}
		seed = n
	}
	t.Logf("seed %d (replay the kill delays with KIOSK_CRASH_SEED=%d), %d cycles", seed, seed, cycles)
	rng := rand.New(rand.NewPCG(seed, seed^0x6b696f736b))

	products := crashProducts(t)
	rng.Shuffle(len(products), func(i, j int) { products[i], products[j] = products[j], products[i] })
	bin := kioskBinary(t)
	dbPath := filepath.Join(t.TempDir(), "kiosk.db")

	serverLog := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server stderr, all starts:\n%s", serverLog.String())
		}
	})
	var procs []*kioskProc
	t.Cleanup(func() {
		for _, p := range procs {
			if !p.exited() {
				p.kill()
			}
		}
	})
	start := func(n int) *kioskProc {
		t.Helper()
		fmt.Fprintf(serverLog, "--- start %d ---\n", n)
		p := startKiosk(t, bin, dbPath, serverLog)
		procs = append(procs, p)
		return p
	}

	var (
		m       = newBasketModel()
		nextKey = 0
		nextPrd = 0
		fig     crashFigures
	)
	key := func() string { nextKey++; return fmt.Sprintf("crash-%d-%d", seed, nextKey) }
	product := func() crashProduct { p := products[nextPrd%len(products)]; nextPrd++; return p }

	proc := start(0)
	fig.restarts = append(fig.restarts, proc.startup)
	m.check(t, "first start", getLane(t, proc), nil)

	var replayChecked bool
	var earlier []ack // acknowledged by an earlier process
	for cycle := 1; cycle <= cycles; cycle++ {
		label := fmt.Sprintf("cycle %d", cycle)
		delay := time.Duration(rng.IntN(401)) * time.Millisecond
		done := make(chan scanRun, 1)
		go func() { done <- scanUntilFailure(proc.client, proc.addr, key, product) }()
		time.Sleep(delay)
		proc.kill()
		run := <-done
		if run.bad != nil {
			t.Fatalf("%s: the server answered a scan with an error before the kill: %v", label, run.bad)
		}
		for _, a := range run.acks {
			m.acked(t, label, a)
		}
		fig.acked += len(run.acks)

		proc = start(cycle)
		fig.restarts = append(fig.restarts, proc.startup)
		landed := m.check(t, label+" after restart", getLane(t, proc), run.inflight)
		switch {
		case run.inflight == nil:
			fig.noInflight++
		case landed:
			fig.landed++
		case run.refused:
			fig.refused++
		default:
			fig.lost++
		}
		t.Logf("%s: killed after %v: %d scans acknowledged, in flight: %s", label, delay, len(run.acks), run.describe(landed))

		// A shopper's screen retries the scan it got no answer for with the same
		// key: it must land exactly once, whether or not the first try did.
		if run.inflight != nil {
			m.retry(t, label, proc, *run.inflight, landed)
			fig.retried++
		}
		// An acknowledged key from a dead process must be replayed from disk,
		// not applied again.
		if !replayChecked && len(earlier) > 0 {
			m.replayAcked(t, label, proc, earlier[rng.IntN(len(earlier))])
			replayChecked = true
		}
		earlier = append(earlier, run.acks...)
	}
	if !replayChecked {
		t.Errorf("no scan was acknowledged before a restart: the replay of an idempotency key was not checked")
	}

	// A clean stop, then the file itself.
	if err := proc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-proc.done:
		if proc.waitErr != nil {
			t.Errorf("kiosk serve after SIGTERM: %v (want a clean exit)", proc.waitErr)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("kiosk serve did not stop within 15 s of SIGTERM")
	}
	m.checkDatabase(t, dbPath)

	fig.log(t, cycles, m)
}

// crashProduct is a demo item the crash test scans: sold by the piece, no age
// limit, an EAN-13 that is not an in-store number.
type crashProduct struct {
	EAN  string // what is scanned
	GTIN string // what the basket line shows: the GTIN-14
}

func crashProducts(t *testing.T) []crashProduct {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(catalog.DemoCSV())).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("demo catalog: %v", err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, h := range []string{"gtin", "sold_by", "min_age"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("demo catalog: no %q column in %v", h, recs[0])
		}
	}
	var out []crashProduct
	for _, r := range recs[1:] {
		g := r[col["gtin"]]
		if r[col["sold_by"]] != "each" || r[col["min_age"]] != "0" || len(g) != 13 || g[0] == '2' {
			continue
		}
		out = append(out, crashProduct{EAN: g, GTIN: "0" + g})
	}
	if len(out) < 20 {
		t.Fatalf("demo catalog: only %d plain each-items, want at least 20", len(out))
	}
	return out
}

// The shopper API as this test reads it: only the fields it checks.
type (
	apiResult struct {
		View     *apiView          `json:"view"`
		Events   []json.RawMessage `json:"events"`
		Replayed bool              `json:"replayed"`
	}
	apiView struct {
		Lane  string `json:"lane"`
		Seq   int64  `json:"seq"`
		State string `json:"state"`
		Txn   *struct {
			ID string `json:"id"`
		} `json:"txn"`
		Lines  []apiLine `json:"lines"`
		Totals struct {
			Total string `json:"total"`
			Items int    `json:"items"`
		} `json:"totals"`
		Alerts []json.RawMessage `json:"alerts"`
	}
	apiLine struct {
		No     int    `json:"no"`
		GTIN   string `json:"gtin"`
		Qty    int    `json:"qty"`
		Voided bool   `json:"voided"`
	}
)

// qty is the quantity of gtin over the view's live lines.
func (v *apiView) qty(gtin string) int {
	n := 0
	for _, ln := range v.Lines {
		if ln.GTIN == gtin && !ln.Voided {
			n += ln.Qty
		}
	}
	return n
}

// scan is one scan sent with its idempotency key.
type scan struct {
	Key string
	crashProduct
}

// ack is a scan the server answered with 200 and a result.
type ack struct {
	scan
	Seq int64 // the view's seq in the answer
	Qty int   // the product's quantity in the answer's basket
}

// scanRun is what the client saw of one server's life.
type scanRun struct {
	acks     []ack
	inflight *scan // sent without an answer: killed under it
	refused  bool  // the in-flight scan's connection was refused: it never reached the server
	bad      error // an answer that was not a 200 result
}

func (r scanRun) describe(landed bool) string {
	switch {
	case r.inflight == nil:
		return "none"
	case landed:
		return r.inflight.EAN + " (landed)"
	case r.refused:
		return r.inflight.EAN + " (refused, never sent)"
	}
	return r.inflight.EAN + " (not landed)"
}

// scanUntilFailure scans one product after the other, each with a fresh key,
// until a scan gets no answer (the server was killed) or a wrong one.
func scanUntilFailure(client *http.Client, addr string, key func() string, product func() crashProduct) scanRun {
	var run scanRun
	for {
		s := scan{Key: key(), crashProduct: product()}
		res, err := postScan(client, addr, s)
		if err != nil {
			var bad *badAnswer
			if errors.As(err, &bad) {
				run.bad = err
			}
			run.inflight = &s
			run.refused = errors.Is(err, syscall.ECONNREFUSED)
			return run
		}
		run.acks = append(run.acks, ack{scan: s, Seq: res.View.Seq, Qty: res.View.qty(s.GTIN)})
		if res.Replayed {
			run.bad = fmt.Errorf("scan %s with the fresh key %s was answered as a replay", s.EAN, s.Key)
			return run
		}
	}
}

// badAnswer is a complete HTTP answer that is not a 200 with a result.
type badAnswer struct {
	status int
	body   string
}

func (e *badAnswer) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

// postScan sends s and returns the decoded result. A transport error or a body
// cut short means no answer; a *badAnswer means a wrong one.
func postScan(client *http.Client, addr string, s scan) (*apiResult, error) {
	body := fmt.Sprintf(`{"op":"scan","code":%q,"source":"typed"}`, s.EAN)
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/api/commands", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", s.Key)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &badAnswer{resp.StatusCode, string(b)}
	}
	var res apiResult
	if err := json.Unmarshal(b, &res); err != nil || res.View == nil {
		return nil, &badAnswer{resp.StatusCode, "undecodable result: " + string(b)}
	}
	return &res, nil
}

func getLane(t *testing.T, p *kioskProc) *apiView {
	t.Helper()
	resp, err := p.client.Get("http://" + p.addr + "/api/lane")
	if err != nil {
		t.Fatalf("GET /api/lane: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/lane: HTTP %d, %v: %s", resp.StatusCode, err, b)
	}
	var v apiView
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("GET /api/lane: %v: %s", err, b)
	}
	return &v
}

// basketModel is what the basket must hold: the quantity per GTIN of every scan
// known to have landed, the last seq seen and the open transaction.
type basketModel struct {
	qty  map[string]int
	seq  int64
	txn  string
	scan int // scans that landed
}

func newBasketModel() *basketModel { return &basketModel{qty: map[string]int{}} }

// acked folds an acknowledged scan into the model and checks its answer.
func (m *basketModel) acked(t *testing.T, label string, a ack) {
	t.Helper()
	m.qty[a.GTIN]++
	m.scan++
	if a.Qty != m.qty[a.GTIN] {
		t.Fatalf("%s: scan %s (key %s) was acknowledged with quantity %d, want %d", label, a.EAN, a.Key, a.Qty, m.qty[a.GTIN])
	}
	if a.Seq <= m.seq {
		t.Fatalf("%s: scan %s was acknowledged at seq %d, not after seq %d", label, a.EAN, a.Seq, m.seq)
	}
	m.seq = a.Seq
}

// check compares a view read after a restart with the model and reports
// whether the in-flight scan, if any, landed (folding it into the model).
func (m *basketModel) check(t *testing.T, label string, v *apiView, inflight *scan) (landed bool) {
	t.Helper()
	if v.Lane != crashLane {
		t.Fatalf("%s: lane %q, want %q", label, v.Lane, crashLane)
	}
	if v.Seq < m.seq {
		t.Fatalf("%s: seq went backwards: %d after %d had been acknowledged", label, v.Seq, m.seq)
	}
	if len(v.Alerts) > 0 {
		t.Fatalf("%s: unexpected alerts: %s", label, v.Alerts)
	}
	got := map[string]int{}
	for _, ln := range v.Lines {
		if !ln.Voided {
			got[ln.GTIN] += ln.Qty
		}
	}
	if inflight != nil {
		switch got[inflight.GTIN] {
		case m.qty[inflight.GTIN]:
		case m.qty[inflight.GTIN] + 1:
			landed = true
			m.qty[inflight.GTIN]++
			m.scan++
			if v.Seq <= m.seq {
				t.Fatalf("%s: the in-flight scan %s landed but seq %d is not after %d", label, inflight.EAN, v.Seq, m.seq)
			}
		default:
			t.Fatalf("%s: in-flight scan %s: quantity %d, want %d (lost) or %d (landed); acknowledged scans of it: %d",
				label, inflight.EAN, got[inflight.GTIN], m.qty[inflight.GTIN], m.qty[inflight.GTIN]+1, m.qty[inflight.GTIN])
		}
	}
	var diffs []string
	for g, n := range m.qty {
		if got[g] != n {
			diffs = append(diffs, fmt.Sprintf("%s: quantity %d, acknowledged %d (lost)", g, got[g], n))
		}
	}
	for g, n := range got {
		if _, ok := m.qty[g]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: quantity %d, never acknowledged (phantom)", g, n))
		}
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		t.Fatalf("%s: the basket does not match the acknowledged scans:\n  %s", label, strings.Join(diffs, "\n  "))
	}
	for i, ln := range v.Lines {
		if ln.No != i+1 || ln.Voided || ln.Qty < 1 || len(ln.GTIN) != 14 {
			t.Fatalf("%s: bad line %d: %+v", label, i+1, ln)
		}
	}
	if m.scan == 0 {
		// The first scan starts the transaction in its own commit: no scan, no transaction.
		if v.Txn != nil || v.Seq != 0 {
			t.Fatalf("%s: no scan landed, yet txn %v at seq %d", label, v.Txn, v.Seq)
		}
	} else {
		if v.State != "shopping" || v.Txn == nil {
			t.Fatalf("%s: state %q, txn %v; want shopping in a transaction", label, v.State, v.Txn)
		}
		if m.txn != "" && v.Txn.ID != m.txn {
			t.Fatalf("%s: transaction %s, want %s: a restart must reopen the same transaction", label, v.Txn.ID, m.txn)
		}
		m.txn = v.Txn.ID
	}
	if v.Totals.Items != m.scan {
		t.Fatalf("%s: totals.items %d, want %d", label, v.Totals.Items, m.scan)
	}
	m.seq = v.Seq
	return landed
}

// retry sends the in-flight scan again with its key, as a screen that got no
// answer does: a landed scan is replayed, a lost one is applied now.
func (m *basketModel) retry(t *testing.T, label string, p *kioskProc, s scan, landed bool) {
	t.Helper()
	res, err := postScan(p.client, p.addr, s)
	if err != nil {
		t.Fatalf("%s: retry of the in-flight scan %s (key %s): %v", label, s.EAN, s.Key, err)
	}
	if res.Replayed != landed {
		t.Fatalf("%s: retry of the in-flight scan %s (key %s): replayed=%v, but the scan landed=%v",
			label, s.EAN, s.Key, res.Replayed, landed)
	}
	if landed {
		m.unchanged(t, label+": retry of a landed scan", getLane(t, p))
		return
	}
	m.acked(t, label+": retry of a lost scan", ack{scan: s, Seq: res.View.Seq, Qty: res.View.qty(s.GTIN)})
}

// replayAcked sends an acknowledged scan again with its key after a restart:
// the answer is marked replayed and carries the events the scan committed the
// first time (the last at the acknowledged seq), and the basket does not change.
func (m *basketModel) replayAcked(t *testing.T, label string, p *kioskProc, a ack) {
	t.Helper()
	res, err := postScan(p.client, p.addr, a.scan)
	if err != nil {
		t.Fatalf("%s: replay of key %s: %v", label, a.Key, err)
	}
	var last struct {
		Seq  int64  `json:"seq"`
		Type string `json:"type"`
	}
	if len(res.Events) > 0 {
		json.Unmarshal(res.Events[len(res.Events)-1], &last)
	}
	if !res.Replayed || last.Seq != a.Seq || (last.Type != "item_added" && last.Type != "quantity_changed") {
		t.Fatalf("%s: replay of key %s (scan %s, seq %d): replayed=%v, last event seq %d %q; want the first events, replayed",
			label, a.Key, a.EAN, a.Seq, res.Replayed, last.Seq, last.Type)
	}
	m.unchanged(t, label+": replay of an acknowledged key", getLane(t, p))
	t.Logf("%s: key %s of an earlier process replayed from disk (seq %d), basket unchanged", label, a.Key, a.Seq)
}

// unchanged checks that v is the basket the model already holds, at the same seq.
func (m *basketModel) unchanged(t *testing.T, label string, v *apiView) {
	t.Helper()
	seq := m.seq
	m.check(t, label, v, nil)
	if v.Seq != seq {
		t.Fatalf("%s: seq %d, want %d: nothing was to change", label, v.Seq, seq)
	}
}

// checkDatabase opens the stopped server's file and checks it is sound and
// agrees with the model: integrity, a gapless journal, projections.
func (m *basketModel) checkDatabase(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("store.Open after the crashes: %v", err)
	}
	defer db.Close()
	if got, err := db.IntegrityCheck(ctx); err != nil || got != "ok" {
		t.Fatalf("integrity_check: %q, %v", got, err)
	}
	rows, err := db.R.QueryContext(ctx, `SELECT seq FROM journal WHERE lane_id = ? ORDER BY seq`, crashLane)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			t.Fatal(err)
		}
		n++
		if seq != n {
			rows.Close()
			t.Fatalf("journal: seq %d where %d was due: a gap or a duplicate", seq, n)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if n != m.seq {
		t.Errorf("journal: %d events, the lane's last view said seq %d", n, m.seq)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var c int
		if err := db.R.QueryRowContext(ctx, q, args...).Scan(&c); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return c
	}
	if c := count(`SELECT count(*) FROM journal WHERE lane_id = ? AND type = 'item_added'`, crashLane); c != m.scan {
		t.Errorf("journal: %d item_added events, %d scans landed", c, m.scan)
	}
	if c := count(`SELECT count(*) FROM idempotency WHERE lane_id = ?`, crashLane); c != m.scan {
		t.Errorf("idempotency: %d keys stored, %d scans landed", c, m.scan)
	}
	got := map[string]int{}
	rows, err = db.R.QueryContext(ctx, `SELECT gtin, sum(qty) FROM lines WHERE txn_id = ? AND voided = 0 GROUP BY gtin`, m.txn)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var g string
		var q int
		if err := rows.Scan(&g, &q); err != nil {
			t.Fatal(err)
		}
		got[g] = q
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if !mapsEqual(got, m.qty) {
		t.Errorf("lines table: %v, want %v", got, m.qty)
	}
	var total, items, sumAmount, sumQty int64
	if err := db.R.QueryRowContext(ctx, `SELECT total_minor, items,
		(SELECT coalesce(sum(amount_minor), 0) FROM lines WHERE txn_id = t.id AND voided = 0),
		(SELECT coalesce(sum(qty), 0) FROM lines WHERE txn_id = t.id AND voided = 0)
		FROM transactions t WHERE lane_id = ? AND ended_at IS NULL`, crashLane).Scan(&total, &items, &sumAmount, &sumQty); err != nil {
		t.Fatalf("open transaction: %v", err)
	}
	if total != sumAmount || items != sumQty || items != int64(m.scan) {
		t.Errorf("transaction totals: total_minor %d items %d; lines sum to %d and %d; %d scans landed", total, items, sumAmount, sumQty, m.scan)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// crashFigures are the run's numbers, logged at the end.
type crashFigures struct {
	acked      int // answered 200 while the server lived
	landed     int // in flight at the kill, found in the basket after the restart
	lost       int // in flight at the kill, sent, not in the basket
	refused    int // in flight at the kill, connection refused: never sent
	noInflight int
	retried    int
	restarts   []time.Duration
}

func (f *crashFigures) log(t *testing.T, cycles int, m *basketModel) {
	t.Helper()
	slices.Sort(f.restarts)
	var sum time.Duration
	for _, d := range f.restarts {
		sum += d
	}
	var b strings.Builder
	row := func(k string, v any) { fmt.Fprintf(&b, "  %-44s %v\n", k, v) }
	row("kill/restart cycles", cycles)
	row("scans acknowledged (200) before a kill", f.acked)
	row("in flight at the kill: landed", f.landed)
	row("in flight at the kill: sent, not landed", f.lost)
	row("in flight at the kill: refused, never sent", f.refused)
	row("kills with no scan in flight", f.noInflight)
	row("in-flight scans retried with their key", f.retried)
	row("scans in the final basket", m.scan)
	row("distinct products in the basket", len(m.qty))
	row("final journal seq (gapless 1..N)", m.seq)
	row("start to healthy: median / max", fmt.Sprintf("%v / %v",
		f.restarts[len(f.restarts)/2].Round(time.Millisecond), f.restarts[len(f.restarts)-1].Round(time.Millisecond)))
	row("start to healthy: mean", (sum / time.Duration(len(f.restarts))).Round(time.Millisecond))
	t.Logf("crash test figures:\n%s", b.String())
}

// kioskProc is one running "kiosk serve".
type kioskProc struct {
	cmd     *exec.Cmd
	addr    string
	client  *http.Client
	startup time.Duration // from exec to a healthy /healthz
	done    chan struct{} // closed when the process has been waited for
	waitErr error         // set before done closes
}

func (p *kioskProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill SIGKILLs the process and waits for it.
func (p *kioskProc) kill() {
	p.cmd.Process.Kill()
	<-p.done
	p.client.CloseIdleConnections()
}

// errBind is a start that failed because the chosen port was taken meanwhile.
var errBind = errors.New("address already in use")

// startKiosk starts "kiosk serve --demo" on db at a free loopback port and waits
// until it says it listens and answers /healthz; a port taken between choosing
// and binding it means another try on another port.
func startKiosk(t *testing.T, bin, db string, stderr io.Writer) *kioskProc {
	t.Helper()
	return startKioskWith(t, bin, db, stderr, startOpts{})
}

// startOpts are more arguments and environment variables for kiosk serve.
type startOpts struct {
	args, env []string
}

func startKioskWith(t *testing.T, bin, db string, stderr io.Writer, o startOpts) *kioskProc {
	t.Helper()
	for attempt := 1; ; attempt++ {
		p, err := tryStartKiosk(bin, db, freeLoopbackAddr(t), stderr, o)
		if err == nil {
			return p
		}
		if errors.Is(err, errBind) && attempt < 5 {
			t.Logf("start: %v; another port", err)
			continue
		}
		t.Fatalf("start kiosk serve: %v", err)
	}
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func tryStartKiosk(bin, db, addr string, stderr io.Writer, o startOpts) (*kioskProc, error) {
	const timeout = 10 * time.Second
	began := time.Now()
	errs := &syncBuffer{}
	ready := &lineWatcher{want: "http://" + addr + "/", seen: make(chan struct{})}
	cmd := exec.Command(bin, append([]string{"serve", "--demo", "--db", db, "--addr", addr, "--staff-addr", "127.0.0.1:0"}, o.args...)...)
	if o.env != nil {
		cmd.Env = append(os.Environ(), o.env...)
	}
	cmd.Stdout = ready
	cmd.Stderr = io.MultiWriter(errs, stderr)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &kioskProc{
		cmd:    cmd,
		addr:   addr,
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}},
		done:   make(chan struct{}),
	}
	go func() { p.waitErr = cmd.Wait(); close(p.done) }()
	fail := func(why string) (*kioskProc, error) {
		if !p.exited() {
			p.kill()
		}
		if strings.Contains(errs.String(), "address already in use") {
			return nil, fmt.Errorf("%s: %w", addr, errBind)
		}
		return nil, fmt.Errorf("%s (exit: %v); stderr:\n%s", why, p.waitErr, errs.String())
	}
	deadline := time.After(timeout)
	select {
	case <-ready.seen:
	case <-p.done:
		return fail("exited before it listened")
	case <-deadline:
		return fail(fmt.Sprintf("did not print its address within %v", timeout))
	}
	health := &http.Client{Timeout: time.Second}
	defer health.CloseIdleConnections()
	for {
		resp, err := health.Get("http://" + addr + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.startup = time.Since(began)
				return p, nil
			}
		}
		select {
		case <-p.done:
			return fail("exited before /healthz answered")
		case <-deadline:
			return fail(fmt.Sprintf("/healthz did not answer 200 within %v (last: %v)", timeout, err))
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// lineWatcher is a process's stdout: it closes seen once want has been written.
type lineWatcher struct {
	want string
	seen chan struct{}
	buf  []byte
	done bool
}

func (w *lineWatcher) Write(b []byte) (int, error) {
	if !w.done {
		w.buf = append(w.buf, b...)
		if bytes.Contains(w.buf, []byte(w.want)) {
			w.done = true
			w.buf = nil
			close(w.seen)
		}
	}
	return len(b), nil
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
