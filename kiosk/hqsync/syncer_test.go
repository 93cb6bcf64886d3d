package hqsync

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kiosk-sco/kiosk/hqwire"
	"github.com/kiosk-sco/kiosk/store"
)

// receiver is a fake of HQ's ingest at the HTTP boundary (the real HQ is
// tried end to end in package e2e): it keeps events by id, a lane's in seq
// order, and answers as HQ does — 409 with where to start on a gap.
type receiver struct {
	mu     sync.Mutex
	next   int64
	ids    []string
	status int // answer this instead, when set
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status != 0 {
		http.Error(w, `{"error":{"code":"x","message":"injected"}}`, r.status)
		return
	}
	var b hqwire.Batch
	body, _ := io.ReadAll(req.Body)
	if err := json.Unmarshal(body, &b); err != nil {
		http.Error(w, "bad", 400)
		return
	}
	if r.next == 0 {
		r.next = 1
	}
	if len(b.Events) > 0 && b.Events[0].Seq > r.next {
		w.WriteHeader(409)
		json.NewEncoder(w).Encode(hqwire.Ack{Next: r.next})
		return
	}
	for _, e := range b.Events {
		if e.Seq == r.next {
			r.ids = append(r.ids, e.ID)
			r.next++
		}
	}
	json.NewEncoder(w).Encode(hqwire.Ack{Next: r.next, AuditNext: 1})
}

// rewindTo makes HQ forget everything from seq on (a restored backup).
func (r *receiver) rewindTo(seq int64) {
	r.mu.Lock()
	r.ids, r.next = r.ids[:seq-1], seq
	r.mu.Unlock()
}

func openDB(t *testing.T) *store.DB {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// journal appends n events of lane 0001-01 as the lane writes them.
func journal(t *testing.T, db *store.DB, from, n int, at time.Time) {
	for i := range n {
		if _, err := db.W.Exec(`INSERT INTO journal (event_id, lane_id, seq, type, at, body) VALUES (?, '0001-01', ?, 'x', ?, '{}')`,
			uuid.NewString(), from+i, store.Stamp(at)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSyncerRewindsAndReportsBacklog(t *testing.T) {
	db := openDB(t)
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	sink, err := NewHTTPSink(srv.URL, "tok", nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	clock := now
	var alerts []bool
	var amu sync.Mutex
	s, err := New(context.Background(), Config{DB: db, Store: "0001", Lane: "01", Sink: sink, BatchSize: 7,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Idle: time.Millisecond,
		AlertAfter: time.Hour, Now: func() time.Time { amu.Lock(); defer amu.Unlock(); return clock },
		OnBacklog: func(behind bool, _ int64, _ time.Duration) { amu.Lock(); alerts = append(alerts, behind); amu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	wait := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: status %+v", what, s.Status())
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	held := func() int { rcv.mu.Lock(); defer rcv.mu.Unlock(); return len(rcv.ids) }

	journal(t, db, 1, 30, now.Add(-2*time.Hour))
	wait("first drain", func() bool { return held() == 30 && s.Status().Backlog == 0 })

	// HQ answers 500 while 10 more events wait two hours: the backlog shows
	// and the alert is called once the oldest is older than an hour.
	rcv.mu.Lock()
	rcv.status = 500
	rcv.mu.Unlock()
	journal(t, db, 31, 10, now)
	amu.Lock()
	clock = now.Add(2 * time.Hour)
	amu.Unlock()
	wait("backlog counted while failing", func() bool { return s.Status().Backlog == 10 && s.Status().Failures > 0 })
	wait("alert raised", func() bool { amu.Lock(); defer amu.Unlock(); return len(alerts) > 0 && alerts[0] })

	// A 401 is a configuration error the status names.
	rcv.mu.Lock()
	rcv.status = 401
	rcv.mu.Unlock()
	wait("401 shown", func() bool { return strings.Contains(s.Status().LastError, "HQ refused (401)") })

	// HQ heals, then loses events 21.. (a restored backup): the lane sends them again.
	rcv.mu.Lock()
	rcv.status = 0
	rcv.mu.Unlock()
	wait("healed", func() bool { return held() == 40 && s.Status().Backlog == 0 })
	wait("alert cleared", func() bool { amu.Lock(); defer amu.Unlock(); return !alerts[len(alerts)-1] })
	rcv.rewindTo(21)
	journal(t, db, 41, 1, now)
	wait("rewound and resent", func() bool { return held() == 41 })
	var ids []string
	rows, _ := db.R.Query(`SELECT event_id FROM journal ORDER BY seq`)
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for i := range ids {
		if rcv.ids[i] != ids[i] {
			t.Fatalf("HQ's event %d is %s, the lane's %s", i, rcv.ids[i], ids[i])
		}
	}
}
