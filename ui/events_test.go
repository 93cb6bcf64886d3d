package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

// seedJournal writes n journal events of lane 0001-01 (seq 1..n) with bodies
// of about bodyBytes, in one transaction: a lane that has been busy for a while.
func seedJournal(t *testing.T, n, bodyBytes int) func(*store.DB) {
	return func(db *store.DB) {
		t.Helper()
		ctx := context.Background()
		tx, err := db.W.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO journal (event_id, lane_id, seq, type, at, body) VALUES (?, '0001-01', ?, 'seeded', ?, ?)`)
		if err != nil {
			t.Fatal(err)
		}
		body := `{"pad":"` + strings.Repeat("x", bodyBytes) + `"}`
		at := time.Now().UTC().Format(time.RFC3339Nano)
		for i := 1; i <= n; i++ {
			if _, err := ins.ExecContext(ctx, fmt.Sprintf("seed-%08d", i), i, at, body); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// openStream starts GET /api/events, resuming after lastEventID ("" for none).
func (ts *testServer) openStream(t *testing.T, lastEventID string) *bufio.Reader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.url+"/api/events", nil)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if resp.StatusCode != 200 {
		t.Fatalf("events: status %d", resp.StatusCode)
	}
	return bufio.NewReaderSize(resp.Body, 64<<10)
}

// streamChecker follows one stream and checks that journal ids come one by one
// without a gap or a repeat, and that a state is never behind them.
type streamChecker struct {
	t       *testing.T
	r       *bufio.Reader
	journal int64 // the last journal id
	state   int64 // the last state id
}

func (c *streamChecker) next() sseMsg {
	c.t.Helper()
	m := readSSE(c.t, c.r, 1)[0]
	id, err := strconv.ParseInt(m.id, 10, 64)
	if err != nil && m.event != "notice" {
		c.t.Fatalf("%s without a numeric id: %+v", m.event, m)
	}
	switch m.event {
	case "journal":
		if id != c.journal+1 {
			c.t.Fatalf("journal %d after %d: a gap or a repeat", id, c.journal)
		}
		c.journal = id
	case "state":
		if id < c.journal || id < c.state {
			c.t.Fatalf("state %d after journal %d, state %d", id, c.journal, c.state)
		}
		c.state = id
	}
	return m
}

// untilState reads until the state with id seq.
func (c *streamChecker) untilState(seq int64) {
	c.t.Helper()
	for c.state < seq {
		c.next()
	}
	if c.state != seq || c.journal != seq {
		c.t.Fatalf("state %d, journal %d, want both %d", c.state, c.journal, seq)
	}
}

// TestResumeAfterManyMissedEvents resumes a stream 23,888 events behind (more
// than any one read of the journal) while the lane keeps committing: every
// event arrives once, in order, then the state, then live updates.
func TestResumeAfterManyMissedEvents(t *testing.T) {
	const missed = 23888
	ts := newTestServerWith(t, testServerOptions{seed: seedJournal(t, missed, 40)})
	if seq := ts.lane.View().Seq; seq != missed {
		t.Fatalf("seeded lane at %d", seq)
	}
	c := &streamChecker{t: t, r: ts.openStream(t, "0")}
	for range 10 {
		c.next()
	}
	// The lane commits while the stream is still replaying, more often than
	// a stream may fall behind live updates (liveBuffer).
	for range liveBuffer + 16 {
		if status, b := ts.post(t, `{"op":"scan","code":"`+milk+`"}`, "", "application/json"); status != 200 {
			t.Fatalf("scan: %d %s", status, b)
		}
	}
	c.untilState(ts.lane.View().Seq)
	if c.journal <= missed {
		t.Fatalf("journal ends at %d", c.journal)
	}
	// Live from here.
	ts.post(t, `{"op":"help"}`, "", "application/json")
	c.untilState(ts.lane.View().Seq)
}

// TestResumeFromEveryPoint resumes at the start, inside a page, at a page's
// edge, at the end, and with no Last-Event-ID.
func TestResumeFromEveryPoint(t *testing.T) {
	const n = 2*replayPage + 3
	ts := newTestServerWith(t, testServerOptions{seed: seedJournal(t, n, 10)})
	for _, after := range []string{"", "0", "1", strconv.Itoa(replayPage - 1), strconv.Itoa(replayPage), strconv.Itoa(n - 1), strconv.Itoa(n)} {
		t.Run("after "+after, func(t *testing.T) {
			c := &streamChecker{t: t, r: ts.openStream(t, after)}
			if after == "" {
				c.journal = n // no history, only the state
			} else {
				c.journal, _ = strconv.ParseInt(after, 10, 64)
			}
			if m := c.next(); after == "" || after == strconv.Itoa(n) {
				if m.event != "state" || m.id != strconv.Itoa(n) {
					t.Fatalf("first message %+v, want the state %d", m, n)
				}
			}
			c.untilState(n)
		})
	}
}

// TestLastEventIDAheadResets: a client that saw more of the journal than the
// lane has (its database was replaced) gets a reset with the current view,
// then live updates — not a stream that skips everything up to its old id.
func TestLastEventIDAheadResets(t *testing.T) {
	ts := newTestServer(t)
	ts.post(t, `{"op":"scan","code":"`+milk+`"}`, "", "application/json") // seq 2
	r := ts.openStream(t, "999")
	m := readSSE(t, r, 1)[0]
	var v kiosk.View
	json.Unmarshal([]byte(m.data), &v)
	if m.event != "reset" || m.id != "2" || v.Seq != 2 || len(v.Lines) != 1 {
		t.Fatalf("first message %+v, want a reset to seq 2", m)
	}
	ts.post(t, `{"op":"help"}`, "", "application/json")
	c := &streamChecker{t: t, r: r, journal: 2, state: 2}
	c.untilState(ts.lane.View().Seq)
}

// TestManyResumesStayWithinMemory: clients that resume from far behind and
// then stop reading (a stalled page, a slow tab) hold at most a page of the
// backlog each, not the backlog; and the number of streams is capped.
func TestManyResumesStayWithinMemory(t *testing.T) {
	const (
		events  = 10500
		clients = 8
		budget  = 16 << 20 // bytes of heap the stalled streams may hold together
	)
	ts := newTestServerWith(t, testServerOptions{seed: seedJournal(t, events, 1000)})
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	// A client with a small receive buffer, so that the server's writes block
	// soon after the client stops reading.
	slow := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		Control: func(_, _ string, c syscall.RawConn) error {
			var err error
			c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10) })
			return err
		}}).DialContext}}
	defer slow.CloseIdleConnections()
	before := heap()
	for i := range clients {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.url+"/api/events", nil)
		req.Header.Set("Last-Event-ID", "0")
		resp, err := slow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cancel(); resp.Body.Close() })
		// Read up to the first journal event, then stop reading.
		if m := readSSE(t, bufio.NewReaderSize(resp.Body, 16), 1)[0]; m.event != "journal" || m.id != "1" {
			t.Fatalf("client %d: first message %+v", i, m)
		}
	}
	grew := int64(heap()) - int64(before)
	t.Logf("%d stalled streams resuming %d events of 1 kB hold %d kB", clients, events, grew>>10)
	if grew > budget {
		t.Fatalf("%d stalled streams hold %d MB of heap, budget %d MB", clients, grew>>20, budget>>20)
	}

	// Streams beyond maxStreams are refused, not queued.
	for range maxStreams - clients {
		ts.openStream(t, "")
	}
	resp, err := http.Get(ts.url + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("stream %d: status %d, want 503", maxStreams+1, resp.StatusCode)
	}
}
