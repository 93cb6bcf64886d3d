package hq

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestPagesWhileLanesWrite pages through events and sales while three lanes
// keep pushing: the pages together hold every row once, in cursor order.
func TestPagesWhileLanesWrite(t *testing.T) {
	for name, d := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t, d(t))
			ctx := context.Background()
			var wg sync.WaitGroup
			done := make(chan struct{})
			for l := range 3 {
				sc := newScript("0007", fmt.Sprint(l+1), time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
				for range 60 {
					sc.sale("paid", 2, 250, time.Minute, nil, nil)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < len(sc.events); i += 7 {
						if _, err := s.Ingest(ctx, sc.batch(i, min(i+7, len(sc.events))), "0007"); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			go func() { wg.Wait(); close(done) }()
			seen := map[string]bool{}
			var last int64
			cursor, finished := "", false
			for !finished {
				select {
				case <-done:
					finished = true // one more pass reads what came last
				default:
				}
				for {
					evs, next, err := s.Events(ctx, Filter{Store: "0007", After: cursor, Limit: 13})
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range evs {
						id, _ := parseCursor(e.Cursor)
						if seen[e.ID] || id <= last {
							t.Fatalf("event %s seen twice or out of cursor order", e.ID)
						}
						seen[e.ID], last = true, id
					}
					if len(evs) > 0 {
						cursor = evs[len(evs)-1].Cursor
					}
					if next == "" {
						break
					}
				}
			}
			var n int64
			s.DB().Model(&Event{}).Count(&n)
			if int64(len(seen)) != n || n == 0 {
				t.Fatalf("paged %d events, HQ holds %d", len(seen), n)
			}
			sales, next, err := s.Sales(ctx, Filter{Store: "0007", Limit: 1000})
			if err != nil || len(sales) != 180 || next != "" || len(sales[0].Lines) != 1 {
				t.Fatalf("sales: %d, next %q, %v", len(sales), next, err)
			}
			if _, _, err := s.Sales(ctx, Filter{After: "bm90IGEgY3Vyc29y"}); err == nil {
				t.Fatal("a forged cursor was accepted")
			}
		})
	}
}
