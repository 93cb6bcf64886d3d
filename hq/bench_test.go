package hq

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/kiosk-sco/kiosk/hqwire"
	"github.com/kiosk-sco/kiosk/internal/pgtest"
)

// benchEvents is the size of the queue BenchmarkDrain drains
// (KIOSK_BENCH_EVENTS, default 100,000).
func benchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("KIOSK_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 100000
}

// BenchmarkDrain drains a queue of lane events (whole sales: started, items,
// an alert in every fourth, an effort answer, paid with its summary; four
// lanes) into the HQ service in batches of 500, as lanes push them —
// validated, deduplicated, ordered, projected into sales and interventions,
// committed — beside the same database's raw insert rate of the same rows
// (plain prepared INSERTs, 500 per transaction, into a bare table with a
// UNIQUE event id), on SQLite and on PostgreSQL. The target: the drain
// reaches at least half the raw rate.
//
//	go test -run='^$' -bench=Drain -benchtime=1x ./hq/
func BenchmarkDrain(b *testing.B) {
	n := benchEvents()
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			for range b.N {
				dial := func() gorm.Dialector {
					if backend == "postgres" {
						return pgtest.Dialector(b)
					}
					return sqlite.Open(filepath.Join(b.TempDir(), "hq.db"))
				}
				lanes := queue(n)
				raw := rawRate(b, dial(), lanes)
				s, err := Open(context.Background(), dial(), Options{})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				stored := 0
				for _, sc := range lanes {
					for i := 0; i < len(sc.events); i += 500 {
						ack, err := s.Ingest(context.Background(), sc.batch(i, min(i+500, len(sc.events))), "")
						if err != nil {
							b.Fatal(err)
						}
						stored += ack.Stored
					}
				}
				drain := float64(stored) / time.Since(start).Seconds()
				s.Close()
				if stored != n {
					b.Fatalf("stored %d of %d", stored, n)
				}
				b.ReportMetric(drain, "drain-events/s")
				b.ReportMetric(raw, "raw-events/s")
				b.ReportMetric(drain/raw, "drain/raw")
			}
		})
	}
}

// queue is about n events of four lanes' sales.
func queue(n int) []*script {
	var lanes []*script
	for l := range 4 {
		sc := newScript("0009", fmt.Sprint(l+1), time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
		lanes = append(lanes, sc)
	}
	total := 0
	for i := 0; total < n; i++ {
		sc := lanes[i%4]
		before := len(sc.events)
		sc.sale("paid", 2, 398, 2*time.Minute, []hqwire.SaleVAT{{Class: "reduced", Rate: "7", NetMinor: 372, TaxMinor: 26, GrossMinor: 398}}, func(s *script) {
			if i%4 == 0 {
				s.alert(time.Second, int64(i), "item_not_found")
				s.ev(30*time.Second, "alert_resolved", map[string]any{"id": i, "type": "item_not_found", "by": "anna", "role": "attendant", "outcome": "done"})
			}
			s.ev(time.Second, "effort_answered", hqwire.Effort{Txn: s.txn, Score: 4})
		})
		total += len(sc.events) - before
	}
	// Trim to exactly n, from the last lane filled.
	for total > n {
		for _, sc := range lanes {
			if total > n && len(sc.events) > 0 {
				sc.events = sc.events[:len(sc.events)-1]
				total--
			}
		}
	}
	return lanes
}

// rawRate inserts the queue's events into a bare table of the same columns
// with plain prepared INSERTs, 500 per transaction: the database's own rate.
func rawRate(b *testing.B, d gorm.Dialector, lanes []*script) float64 {
	db, err := gorm.Open(d, &gorm.Config{})
	if err != nil {
		b.Fatal(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	ph := func(i int) string { return "?" }
	if d.Name() == "postgres" {
		ph = func(i int) string { return "$" + strconv.Itoa(i) }
	} else {
		sqlDB.SetMaxOpenConns(1)
		for _, p := range []string{"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"} {
			if _, err := sqlDB.Exec(p); err != nil {
				b.Fatal(err)
			}
		}
	}
	id := "INTEGER PRIMARY KEY"
	if d.Name() == "postgres" {
		id = "BIGSERIAL PRIMARY KEY"
	}
	if _, err := sqlDB.Exec(`CREATE TABLE raw_events (id ` + id + `, event_id TEXT NOT NULL UNIQUE, store TEXT NOT NULL, lane TEXT NOT NULL,
		seq BIGINT NOT NULL, txn TEXT, type TEXT NOT NULL, at TIMESTAMP NOT NULL, body TEXT NOT NULL, received_at TIMESTAMP NOT NULL, UNIQUE (lane, seq))`); err != nil {
		b.Fatal(err)
	}
	q := fmt.Sprintf(`INSERT INTO raw_events (event_id, store, lane, seq, txn, type, at, body, received_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)`,
		ph(1), ph(2), ph(3), ph(4), ph(5), ph(6), ph(7), ph(8), ph(9))
	start := time.Now()
	count := 0
	for _, sc := range lanes {
		for i := 0; i < len(sc.events); i += 500 {
			if err := func() error {
				tx, err := sqlDB.Begin()
				if err != nil {
					return err
				}
				defer tx.Rollback()
				st, err := tx.Prepare(q)
				if err != nil {
					return err
				}
				now := time.Now().UTC()
				for _, e := range sc.events[i:min(i+500, len(sc.events))] {
					if _, err := st.Exec(e.ID, sc.store, sc.lane, e.Seq, sql.NullString{String: e.Txn, Valid: e.Txn != ""}, e.Type, e.At, string(e.Body), now); err != nil {
						return err
					}
					count++
				}
				return tx.Commit()
			}(); err != nil {
				b.Fatal(err)
			}
		}
	}
	return float64(count) / time.Since(start).Seconds()
}
