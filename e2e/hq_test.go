package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/hqwire"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/hqsync"
	"github.com/kiosk-sco/kiosk/store"
)

// hqBin is the kiosk-hq binary TestMain builds.
var hqBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kiosk-e2e-")
	if err != nil {
		panic(err)
	}
	hqBin = filepath.Join(dir, "kiosk-hq")
	out, err := exec.Command("go", "build", "-o", hqBin, "../cmd/kiosk-hq").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build kiosk-hq: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// hqProc is a running kiosk-hq serve.
type hqProc struct {
	t    testing.TB
	args []string // the database flags
	addr string
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	log  syncBuffer // its log, shown when a test fails
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// startHQ runs kiosk-hq serve on a database (dbArgs: --db FILE or
// --postgres DSN) on a free port.
func startHQ(t testing.TB, dbArgs ...string) *hqProc {
	h := &hqProc{t: t, args: dbArgs, addr: "127.0.0.1:0"}
	h.start()
	t.Cleanup(func() {
		h.stop()
		if t.Failed() {
			h.log.mu.Lock()
			t.Logf("kiosk-hq's log:\n%s", h.log.b.String())
			h.log.mu.Unlock()
		}
	})
	return h
}

var urlLine = regexp.MustCompile(`dashboard:\s+(http://\S+)/`)

func (h *hqProc) start() {
	h.t.Helper()
	args := append([]string{"serve", "--addr", h.addr, "--log", "text"}, h.args...)
	h.cmd = exec.Command(hqBin, args...)
	out, _ := h.cmd.StdoutPipe()
	h.cmd.Stderr = &h.log
	if err := h.cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.done = make(chan struct{})
	go func() { h.cmd.Wait(); close(h.done) }()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
			h.URL = m[1]
			h.addr = strings.TrimPrefix(h.URL, "http://") // a restart takes the same port
			go io.Copy(io.Discard, out)
			return
		}
	}
	h.t.Fatalf("kiosk-hq serve printed no URL")
}

// kill stops HQ at once, as a crash or a pulled cable would.
func (h *hqProc) kill() {
	if h.cmd != nil && h.cmd.Process != nil {
		h.cmd.Process.Kill()
		<-h.done
	}
}

func (h *hqProc) stop() { h.kill() }

// hqTool runs a kiosk-hq command and returns its stdout.
func hqTool(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command(hqBin, args...).Output()
	if err != nil {
		t.Fatalf("kiosk-hq %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// demo catalog products the sales scan.
var shelf = []string{"4063658814593", "4063658105806", "4063658643438"}

// lane is a real lane on its own SQLite file, as a kiosk runs it, with its
// HQ syncer.
type lane struct {
	*kiosk.Lane
	db       *store.DB
	cat      *catalog.DB
	sync     *hqsync.Syncer
	stopSync func() // stops the syncer alone, as a kiosk restart would
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// startLane opens store-lane's database in dir (the demo catalog) and runs
// the lane and its syncer to HQ at hqURL with token.
func startLane(t testing.TB, dir, storeNo, laneNo string, sink hqsync.Sink) *lane {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, storeNo+"-"+laneNo+".db"))
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewDB(db)
	if _, err := cat.EnsureDemo(ctx, catalog.DefaultVATRates()); err != nil {
		t.Fatal(err)
	}
	l, err := kiosk.Open(ctx, db, cat, kiosk.Config{Store: storeNo, Lane: laneNo, Tick: make(chan time.Time)})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	ln := &lane{Lane: l, db: db, cat: cat, cancel: cancel}
	ln.wg.Add(1)
	go func() { defer ln.wg.Done(); l.Run(runCtx) }()
	if sink != nil {
		ln.startSync(t, sink, nil)
	}
	t.Cleanup(func() { ln.stop() })
	return ln
}

func (ln *lane) startSync(t testing.TB, sink hqsync.Sink, edit func(*hqsync.Config)) {
	t.Helper()
	cfg := hqsync.Config{DB: ln.db, Store: ln.Config().Store, Lane: ln.Config().Lane, Sink: sink, Status: ln.HQStatus,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 300 * time.Millisecond, Idle: 50 * time.Millisecond}
	if edit != nil {
		edit(&cfg)
	}
	s, err := hqsync.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln.sync = s
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	prev := ln.cancel
	ln.cancel = func() { cancel(); prev() }
	ln.stopSync = func() { cancel(); <-done }
	ln.wg.Add(1)
	go func() { defer ln.wg.Done(); defer close(done); s.Run(ctx) }()
}

func (ln *lane) stop() {
	if ln.cancel != nil {
		ln.cancel()
		ln.wg.Wait()
		<-ln.Done()
		ln.db.Close()
		ln.cancel = nil
	}
}

// sell runs n whole sales: start, scan items, pay at the attendant, cash
// taken, no receipt, every third shopper answers the effort question,
// finish.
func (ln *lane) sell(t testing.TB, n int) {
	ctx := context.Background()
	do := func(cmd kiosk.Command) {
		if _, err := ln.Do(ctx, cmd); err != nil {
			t.Errorf("%s: %v", cmd.Op, err)
		}
	}
	for i := range n {
		do(kiosk.Command{Op: kiosk.OpStart})
		for j := 0; j <= i%3; j++ {
			do(kiosk.Command{Op: kiosk.OpScan, Code: shelf[(i+j)%len(shelf)]})
		}
		do(kiosk.Command{Op: kiosk.OpCheckout})
		do(kiosk.Command{Op: kiosk.OpPay, Method: kiosk.MethodAttendant})
		if _, err := ln.CashTaken(ctx, "anna", ""); err != nil {
			t.Error(err)
		}
		do(kiosk.Command{Op: kiosk.OpReceipt, Choice: "none"})
		if i%3 == 0 {
			do(kiosk.Command{Op: kiosk.OpEffort, Score: 1 + i%5})
		}
		do(kiosk.Command{Op: kiosk.OpFinish})
		if t.Failed() {
			return
		}
	}
}

// journal is the lane's events: id in seq order.
func (ln *lane) journal(t testing.TB) []string {
	rows, err := ln.db.R.Query(`SELECT event_id FROM journal ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}

// waitDrained waits until every lane's syncer has sent everything.
func waitDrained(t testing.TB, d time.Duration, lanes ...*lane) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := int64(0)
		for _, l := range lanes { // confirmed cursor against the journal's end
			var n int64
			if err := l.db.R.QueryRow(`SELECT count(*) FROM journal WHERE id > (SELECT journal_id FROM sync_state WHERE sink = 'hq')`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			left += n
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, l := range lanes {
				t.Logf("%s: %+v", l.ID(), l.sync.Status())
			}
			t.Fatalf("%d events still unsent after %s", left, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pull is an analyst reading the pull API.
type pull struct {
	t           testing.TB
	base, token string
}

func (p pull) get(path string, v any) http.Header {
	p.t.Helper()
	req, _ := http.NewRequest("GET", p.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+p.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		p.t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			p.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return res.Header
}

type eventRow struct {
	Cursor, ID, Lane, Type string
	Seq                    int64
}

// events pages through HQ's events of a store from cursor, as an analyst
// would, until the last page; it returns them and the last cursor.
func (p pull) events(store, cursor string) ([]eventRow, string) {
	var all []eventRow
	for {
		var pg struct {
			Items []eventRow
			Next  string
		}
		p.get("/api/v1/events?limit=1000&store="+store+"&cursor="+url.QueryEscape(cursor), &pg)
		all = append(all, pg.Items...)
		if len(pg.Items) > 0 {
			cursor = pg.Items[len(pg.Items)-1].Cursor
		}
		if pg.Next == "" {
			return all, cursor
		}
	}
}

// checkExactlyOnce compares HQ's events with each lane's journal: every
// event once, a lane's in seq order.
func checkExactlyOnce(t testing.TB, got []eventRow, lanes ...*lane) {
	t.Helper()
	byLane := map[string][]eventRow{}
	seen := map[string]bool{}
	for _, e := range got {
		if seen[e.ID] {
			t.Fatalf("event %s is held twice", e.ID)
		}
		seen[e.ID] = true
		byLane[e.Lane] = append(byLane[e.Lane], e)
	}
	for _, l := range lanes {
		want := l.journal(t)
		have := byLane[l.ID()]
		if len(have) != len(want) {
			t.Fatalf("lane %s: HQ holds %d events, the lane wrote %d", l.ID(), len(have), len(want))
		}
		for i, e := range have {
			if e.ID != want[i] || e.Seq != int64(i+1) {
				t.Fatalf("lane %s: HQ's event %d is %s seq %d, the lane's is %s seq %d", l.ID(), i, e.ID, e.Seq, want[i], i+1)
			}
		}
	}
}

// sinkFor is the lane's HTTP sink to base with the store's lane token.
func sinkFor(t testing.TB, base, token string, timeout time.Duration) *hqsync.HTTPSink {
	s, err := hqsync.NewHTTPSink(base, token, nil, timeout)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var _ = hqwire.IngestPath
