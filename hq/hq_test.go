package hq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/kiosk-sco/kiosk/hqwire"
	"github.com/kiosk-sco/kiosk/internal/pgtest"
)

// backends are the databases every storage test runs on: SQLite in a
// temporary file and a real PostgreSQL server (skipped where there is none,
// unless KIOSK_REQUIRE_POSTGRES=1).
func backends(t *testing.T) map[string]func(t *testing.T) gorm.Dialector {
	return map[string]func(t *testing.T) gorm.Dialector{
		"sqlite": func(t *testing.T) gorm.Dialector {
			return sqlite.Open(filepath.Join(t.TempDir(), "hq.db"))
		},
		"postgres": func(t *testing.T) gorm.Dialector {
			return pgtest.Dialector(t)
		},
	}
}

func open(t *testing.T, d gorm.Dialector) *Service {
	t.Helper()
	s, err := Open(context.Background(), d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// script builds a lane's journal the way a lane writes it.
type script struct {
	store, lane string
	seq         int64
	at          time.Time
	txn         string
	events      []hqwire.Event
}

func newScript(store, lane string, at time.Time) *script {
	return &script{store: store, lane: store + "-" + lane, at: at}
}

// ev appends an event dt after the previous one.
func (s *script) ev(dt time.Duration, typ string, body any) *script {
	s.seq++
	s.at = s.at.Add(dt)
	b, _ := json.Marshal(body)
	s.events = append(s.events, hqwire.Event{ID: uuid.NewString(), Lane: s.lane, Seq: s.seq, Txn: s.txn, Type: typ, At: s.at, Body: b})
	return s
}

// sale appends a whole transaction: started, items, the given middle
// events, ended (paid or cancelled) after dur.
func (s *script) sale(outcome string, items int, totalMinor int64, dur time.Duration, vat []hqwire.SaleVAT, middle func(*script)) *script {
	s.txn = fmt.Sprintf("%s-t%d", s.lane, s.seq+1)
	start := s.at.Add(time.Minute)
	s.ev(time.Minute, "txn_started", map[string]any{})
	for range items {
		s.ev(0, "item_added", map[string]any{})
	}
	if middle != nil {
		middle(s)
	}
	s.at = start.Add(dur)
	s.seq++
	sale := hqwire.Sale{Txn: s.txn, Outcome: outcome, Started: start, Ended: s.at, Currency: "EUR", Items: items, TotalMinor: totalMinor, VAT: vat,
		Lines: []hqwire.SaleLine{{No: 1, GTIN: "04063658814593", Name: "Milk", SoldBy: "each", Qty: items, AmountMinor: totalMinor}}}
	b, _ := json.Marshal(map[string]any{"by": "shopper", "sale": sale})
	s.events = append(s.events, hqwire.Event{ID: uuid.NewString(), Lane: s.lane, Seq: s.seq, Txn: s.txn, Type: "txn_" + outcome, At: s.at, Body: b})
	s.txn = ""
	return s
}

func (s *script) batch(from, to int) hqwire.Batch {
	return hqwire.Batch{Store: s.store, Lane: s.lane, Install: "inst-" + s.lane, Events: s.events[from:to]}
}

func TestIngestExactlyOnceInOrder(t *testing.T) {
	for name, d := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t, d(t))
			ctx := context.Background()
			sc := newScript("0001", "01", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
			for i := range 20 {
				sc.sale("paid", 1+i%3, 100, time.Minute, nil, nil)
			}
			n := len(sc.events)
			ack, err := s.Ingest(ctx, sc.batch(0, 30), "0001")
			if err != nil || ack.Stored != 30 || ack.Next != 31 {
				t.Fatalf("first batch: %+v %v", ack, err)
			}
			// resent (the lane never heard the answer) with more after it
			ack, err = s.Ingest(ctx, sc.batch(10, 50), "0001")
			if err != nil || ack.Stored != 20 || ack.Duplicates != 20 || ack.Next != 51 {
				t.Fatalf("overlapping batch: %+v %v", ack, err)
			}
			// a gap: nothing stored, HQ says where to start
			var gap *GapError
			if _, err = s.Ingest(ctx, sc.batch(60, n), "0001"); !errors.As(err, &gap) || gap.Next != 51 {
				t.Fatalf("gap: %v", err)
			}
			// the same seq with another id contradicts HQ
			forged := sc.batch(40, 50)
			forged.Events = append([]hqwire.Event(nil), forged.Events...)
			forged.Events[3].ID = uuid.NewString()
			if _, err = s.Ingest(ctx, forged, "0001"); !errors.Is(err, ErrConflict) {
				t.Fatalf("forged resend: %v", err)
			}
			// another store's token
			if _, err = s.Ingest(ctx, sc.batch(50, n), "0002"); !errors.Is(err, ErrForbidden) {
				t.Fatalf("another store's token: %v", err)
			}
			if ack, err = s.Ingest(ctx, sc.batch(50, n), "0001"); err != nil || ack.Next != int64(n)+1 {
				t.Fatalf("rest: %+v %v", ack, err)
			}
			var seqs []int64
			s.DB().Model(&Event{}).Order("id").Pluck("seq", &seqs)
			if len(seqs) != n {
				t.Fatalf("%d events held, want %d", len(seqs), n)
			}
			for i, q := range seqs {
				if q != int64(i+1) {
					t.Fatalf("event %d has seq %d: not in order", i, q)
				}
			}
			var sales int64
			s.DB().Model(&Sale{}).Count(&sales)
			if sales != 20 {
				t.Fatalf("%d sales, want 20", sales)
			}
		})
	}
}

func TestIngestRefusesBadBatches(t *testing.T) {
	s := open(t, sqlite.Open(filepath.Join(t.TempDir(), "hq.db")))
	sc := newScript("0001", "01", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	sc.sale("paid", 1, 100, time.Minute, nil, nil)
	good := sc.batch(0, len(sc.events))
	for _, tc := range []struct {
		name string
		edit func(b *hqwire.Batch)
	}{
		{"no store", func(b *hqwire.Batch) { b.Store = "" }},
		{"lane of another store", func(b *hqwire.Batch) { b.Lane = "0002-01" }},
		{"store with markup", func(b *hqwire.Batch) { b.Store = "<b>" }},
		{"event of another lane", func(b *hqwire.Batch) { b.Events[1].Lane = "0001-02" }},
		{"seq not consecutive", func(b *hqwire.Batch) { b.Events[1].Seq = 9 }},
		{"seq zero", func(b *hqwire.Batch) { b.Events[0].Seq = 0 }},
		{"id not a UUID", func(b *hqwire.Batch) { b.Events[0].ID = "1 OR 1=1" }},
		{"body not JSON", func(b *hqwire.Batch) { b.Events[0].Body = json.RawMessage("{") }},
		{"no time", func(b *hqwire.Batch) { b.Events[0].At = time.Time{} }},
		{"type with spaces", func(b *hqwire.Batch) { b.Events[0].Type = "txn paid" }},
		{"audit without install", func(b *hqwire.Batch) {
			b.Install = ""
			b.Audit = []hqwire.AuditEntry{{Seq: 1, At: time.Now(), Actor: "anna", Action: "login", Outcome: "ok"}}
		}},
		{"audit with control characters", func(b *hqwire.Batch) {
			b.Audit = []hqwire.AuditEntry{{Seq: 1, At: time.Now(), Actor: "anna\x1b[2J", Action: "login", Outcome: "ok"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := good
			b.Events = append([]hqwire.Event(nil), good.Events...)
			tc.edit(&b)
			if _, err := s.Ingest(context.Background(), b, ""); !errors.Is(err, ErrInvalid) {
				t.Fatalf("accepted or wrong error: %v", err)
			}
			var n int64
			s.DB().Model(&Event{}).Count(&n)
			if n != 0 {
				t.Fatalf("a refused batch stored %d events", n)
			}
		})
	}
}

// TestIngestWholeBatchHeld: a batch HQ holds every event of (its answer was
// lost) is all duplicates.
func TestIngestWholeBatchHeld(t *testing.T) {
	s := open(t, sqlite.Open(filepath.Join(t.TempDir(), "hq.db")))
	sc := newScript("0001", "01", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	for range 5 {
		sc.sale("paid", 1, 100, time.Minute, nil, nil)
	}
	ctx := context.Background()
	if _, err := s.Ingest(ctx, sc.batch(0, len(sc.events)), ""); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int{{0, 3}, {2, 4}, {0, len(sc.events)}} {
		ack, err := s.Ingest(ctx, sc.batch(r[0], r[1]), "")
		if err != nil || ack.Stored != 0 || ack.Duplicates != r[1]-r[0] || ack.Next != int64(len(sc.events))+1 {
			t.Fatalf("resend %v: %+v %v", r, ack, err)
		}
	}
}
