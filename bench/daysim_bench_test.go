package bench

import (
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk/bagging/daysim"
)

// BenchmarkSimulateDay runs the default synthetic store day (kiosk
// simulate-day: 500 transactions, seed 1) through the bagging rules with
// fixed and with learned tolerances, b.N times, and twenty days (seeds 1–20,
// kiosk simulate-day --days 20) once for the catch rates: a day holds about
// ten acts of each kind, too few to compare. Reported:
//
//	fixed-false/100items, learned-false/100items  false alerts per 100 items
//	                                              (target: learned <= 0.5x fixed)
//	fixed-<kind>-caught-%, learned-<kind>-caught-%  share of the 20 days' theft
//	                                              acts of each kind (swap,
//	                                              unscanned, removed) that
//	                                              raised an alert (target:
//	                                              learned >= fixed)
//	ns/item                                       wall time per simulated item
//	                                              (both modes' items counted)
//	items                                         items scanned in the day
//
// The figures are the day's, the same for every run of a seed; only ns/item
// varies.
func BenchmarkSimulateDay(b *testing.B) {
	var rep daysim.Report
	cfg := daysim.Config{Seed: 1, Catalog: daysim.DemoCatalog()} // parsed outside the clock
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		rep = daysim.Run(cfg)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	days := daysim.Days(cfg, 20)
	items := float64(rep.Fixed.Items + rep.Learned.Items)
	b.ReportMetric(float64(elapsed.Nanoseconds())/(items*float64(b.N)), "ns/item")
	b.ReportMetric(float64(rep.Fixed.Items), "items")
	b.ReportMetric(rep.Fixed.FalsePer100, "fixed-false/100items")
	b.ReportMetric(rep.Learned.FalsePer100, "learned-false/100items")
	for _, k := range daysim.Thefts {
		b.ReportMetric(100*days.Fixed.Catch[k].Rate, "fixed-"+string(k)+"-caught-%")
		b.ReportMetric(100*days.Learned.Catch[k].Rate, "learned-"+string(k)+"-caught-%")
	}
	verdict := "PASS"
	if err := days.Target(); err != nil {
		verdict = "MISS: " + err.Error()
	}
	b.Logf("store day seed 1: false alerts per 100 items fixed %.2f, learned %.2f; 20 days: fixed %.2f, learned %.2f; target over 20 days (learned <= half, catching as much) %s",
		rep.Fixed.FalsePer100, rep.Learned.FalsePer100, days.Fixed.FalsePer100, days.Learned.FalsePer100, verdict)
}
