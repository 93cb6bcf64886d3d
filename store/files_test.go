package store

import (
	"sort"
	"testing"
	"time"
)

func TestStampsSortAsInstants(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var times []time.Time
	for _, ns := range []int{0, 1, 100_000_000, 120_000_000, 123_000_000, 999_999_999} {
		times = append(times, base.Add(time.Duration(ns)))
	}
	times = append(times, base.Add(time.Second), base.In(time.FixedZone("X", 5*3600)).Add(-time.Nanosecond))
	stamps := make([]string, len(times))
	for i, tm := range times {
		stamps[i] = Stamp(tm)
		if len(stamps[i]) != len(stampLayout) {
			t.Errorf("stamp %q is not fixed width", stamps[i])
		}
		if back := ParseStamp(stamps[i]); !back.Equal(tm) {
			t.Errorf("ParseStamp(%q) = %v, want %v", stamps[i], back, tm)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	sorted := append([]string(nil), stamps...)
	sort.Strings(sorted)
	for i := range times {
		if sorted[i] != Stamp(times[i]) {
			t.Fatalf("text order %v differs from time order at %d", sorted, i)
		}
	}
}
