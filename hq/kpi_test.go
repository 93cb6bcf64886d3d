package hq

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/glebarez/sqlite"

	"github.com/kiosk-sco/kiosk/hqwire"
)

// alert appends an alert_raised dt after the last event.
func (s *script) alert(dt time.Duration, id int64, typ string) *script {
	return s.ev(dt, "alert_raised", map[string]any{"id": id, "type": typ, "txn": s.txn, "raisedAt": s.at.Add(dt), "role": "attendant"})
}

// TestKPIsByHand computes the KPIs of six scripted transactions and
// compares them with figures worked out by hand (in the comments).
func TestKPIsByHand(t *testing.T) {
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	l1 := newScript("0001", "01", day)
	// T1 09:01-09:03 paid, 3 items, 3.00, effort 5, no staff.
	l1.sale("paid", 3, 300, 2*time.Minute, []hqwire.SaleVAT{{Rate: "7", NetMinor: 280, TaxMinor: 20, GrossMinor: 300}}, func(s *script) {
		s.ev(time.Second, "effort_answered", hqwire.Effort{Txn: s.txn, Score: 5})
	})
	// T2 09:04-09:08 paid, 2 items, 5.00: an unknown item, taken by anna
	// after 30 s, resolved after 60 s (TTR 60 s). Assisted.
	l1.sale("paid", 2, 500, 4*time.Minute, []hqwire.SaleVAT{{Rate: "19", NetMinor: 420, TaxMinor: 80, GrossMinor: 500}}, func(s *script) {
		s.alert(10*time.Second, 1, "item_not_found")
		s.ev(30*time.Second, "alert_acknowledged", map[string]any{"id": 1, "type": "item_not_found", "by": "anna", "role": "attendant"})
		s.ev(30*time.Second, "alert_resolved", map[string]any{"id": 1, "type": "item_not_found", "by": "anna", "role": "attendant", "outcome": "done"})
	})
	// T3 09:09-09:10 cancelled by sam (supervisor) after a cancel request
	// he resolved in 30 s. Assisted.
	l1.sale("cancelled", 1, 150, time.Minute, nil, func(s *script) {
		s.alert(5*time.Second, 2, "cancel_request")
		s.ev(30*time.Second, "alert_resolved", map[string]any{"id": 2, "type": "cancel_request", "by": "sam", "role": "supervisor", "outcome": "approved"})
	})
	// T4 09:11-09:14 paid, 4 items, 8.00: help opened, no call (deflected), effort 4.
	l1.sale("paid", 4, 800, 3*time.Minute, []hqwire.SaleVAT{{Rate: "7", NetMinor: 748, TaxMinor: 52, GrossMinor: 800}}, func(s *script) {
		s.ev(time.Second, "help_opened", map[string]any{"topic": "weighing"})
		s.ev(time.Second, "effort_answered", hqwire.Effort{Txn: s.txn, Score: 4})
	})
	// T5 09:15-09:17 paid, 1 item, 2.00: help opened and called; anna
	// resolved it in 120 s. Effort 2. Assisted.
	l1.sale("paid", 1, 200, 2*time.Minute, []hqwire.SaleVAT{{Rate: "19", NetMinor: 168, TaxMinor: 32, GrossMinor: 200}}, func(s *script) {
		s.ev(time.Second, "help_opened", map[string]any{"topic": "paying"})
		s.alert(time.Second, 3, "help")
		s.ev(120*time.Second, "alert_resolved", map[string]any{"id": 3, "type": "help", "by": "anna", "role": "attendant", "outcome": "done"})
		s.ev(time.Second, "effort_answered", hqwire.Effort{Txn: s.txn, Score: 2})
	})
	// T6 on lane 02, 10:01-10:02 paid, 2 items, 1.00: a bagging alert the
	// shopper put right (the lane closed it: no staff).
	l2 := newScript("0001", "02", day.Add(time.Hour))
	l2.sale("paid", 2, 100, time.Minute, []hqwire.SaleVAT{{Rate: "7", NetMinor: 93, TaxMinor: 7, GrossMinor: 100}}, func(s *script) {
		s.alert(time.Second, 1, "bag_unexpected_item")
		s.ev(5*time.Second, "alert_resolved", map[string]any{"id": 1, "type": "bag_unexpected_item", "by": "system", "outcome": "corrected"})
	})

	for name, d := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t, d(t))
			ctx := context.Background()
			for _, sc := range []*script{l1, l2} {
				if _, err := s.Ingest(ctx, sc.batch(0, len(sc.events)), ""); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := s.KPIs(ctx, KPIFilter{Store: "0001", From: day, To: day.Add(24 * time.Hour), Group: "lane", Bucket: "hour"})
			if err != nil {
				t.Fatal(err)
			}
			k := rep.Total
			f := func(p *float64) float64 {
				if p == nil {
					return -1
				}
				return *p
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"transactions", float64(k.Transactions), 6},
				{"paid", float64(k.Paid), 5},
				{"cancelled", float64(k.Cancelled), 1},
				{"assisted (T2, T3, T5)", float64(k.Assisted), 3},
				{"assist rate 3/6", f(k.AssistRate), 0.5},
				{"interventions (not the bagging one)", float64(k.Interventions), 3},
				{"interventions per 100", f(k.Per100), 50},
				{"item_not_found per 100 (1/6)", k.Per100ByReason["item_not_found"], 16.6667},
				{"help per 100", k.Per100ByReason["help"], 16.6667},
				{"bag_unexpected_item per 100", k.Per100ByReason["bag_unexpected_item"], 0},
				{"TTR p50 of 30, 60, 120", f(k.TTRP50S), 60},
				{"TTR p90", f(k.TTRP90S), 120},
				{"help opened (T4, T5)", float64(k.HelpOpened), 2},
				{"deflected (T4)", float64(k.HelpDeflected), 1},
				{"deflection", f(k.Deflection), 0.5},
				{"effort answers", float64(k.EffortAnswers), 3},
				{"effort mean (5+4+2)/3", f(k.EffortMean), 3.6667},
				{"effort 4", float64(k.Effort["4"]), 1},
				{"items per minute 12 / 12 min", f(k.ItemsPerMinute), 1},
				{"duration p50 of 60,120,120,180,240 s", f(k.DurationP50S), 120},
				{"duration p90", f(k.DurationP90S), 240},
				{"sales", float64(k.SalesMinor), 1900},
				{"sales 09:00-10:00", float64(k.SalesByHour[9]), 1800},
				{"sales 10:00-11:00", float64(k.SalesByHour[10]), 100},
			} {
				if c.got != c.want {
					t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
				}
			}
			wantVAT := `[{"rate":"19","netMinor":588,"taxMinor":112,"grossMinor":700},{"rate":"7","netMinor":1121,"taxMinor":79,"grossMinor":1200}]`
			if b, _ := json.Marshal(k.SalesByVAT); string(b) != wantVAT {
				t.Errorf("sales by VAT %s, want %s", b, wantVAT)
			}
			if len(rep.Groups) != 2 || rep.Groups[0].Group != "0001-01" || rep.Groups[0].Transactions != 5 || rep.Groups[1].Transactions != 1 ||
				f(rep.Groups[1].AssistRate) != 0 {
				t.Errorf("groups %+v", rep.Groups)
			}
			if len(rep.Series) != 2 || rep.Series[0].Transactions != 5 || rep.Series[0].SalesMinor != 1800 || f(rep.Series[0].AssistRate) != 0.6 ||
				rep.Series[0].Interventions["help"] != 1 {
				t.Errorf("series %+v", rep.Series)
			}
			// A range that holds only T6.
			rep, err = s.KPIs(ctx, KPIFilter{From: day.Add(time.Hour), To: day.Add(2 * time.Hour)})
			if err != nil || rep.Total.Transactions != 1 || rep.Total.SalesMinor != 100 || rep.Total.TTRP50S != nil {
				t.Errorf("10:00-11:00: %+v %v", rep.Total, err)
			}
		})
	}
}

// TestKPIsAcrossBatches: the same day pushed one event per batch gives the
// same figures (a transaction's facts are read back across batches, never
// counted twice).
func TestKPIsAcrossBatches(t *testing.T) {
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sc := newScript("0001", "01", day)
	sc.sale("paid", 1, 200, 2*time.Minute, nil, func(s *script) {
		s.ev(time.Second, "help_opened", map[string]any{"topic": "paying"})
		s.alert(time.Second, 3, "help")
		s.ev(time.Second, "alert_acknowledged", map[string]any{"id": 3, "type": "help", "by": "anna", "role": "attendant"})
		s.ev(120*time.Second, "alert_resolved", map[string]any{"id": 3, "type": "help", "by": "anna", "role": "attendant", "outcome": "done"})
		s.ev(time.Second, "effort_answered", hqwire.Effort{Txn: s.txn, Score: 2})
	})
	for _, size := range []int{1, 2, 3, len(sc.events)} {
		s := open(t, sqlite.Open(filepath.Join(t.TempDir(), "hq.db")))
		for i := 0; i < len(sc.events); i += size {
			if _, err := s.Ingest(context.Background(), sc.batch(i, min(i+size, len(sc.events))), ""); err != nil {
				t.Fatal(err)
			}
		}
		var sale Sale
		s.DB().Take(&sale)
		if !sale.HelpOpened || !sale.HelpAlert || sale.Effort != 2 || sale.Interventions != 2 {
			t.Errorf("batches of %d: %+v", size, sale)
		}
	}
}
