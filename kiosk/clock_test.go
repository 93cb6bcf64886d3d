package kiosk

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A sale at 00:30 in Berlin belongs to that Berlin day: its transaction id and
// its receipt say so, while what is stored stays UTC in a form that sorts.
func TestStoreTimeZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	// 23:29:59 UTC on 23 November is 00:29:59 on 24 November in Berlin.
	tl := startLaneWith(t, db, time.Date(2026, 11, 23, 23, 29, 59, 0, time.UTC), func(c *Config) { c.Location = berlin })
	v := tl.scan(milk)
	if !strings.HasPrefix(v.Txn.ID, "000101261124") {
		t.Fatalf("transaction id %s: want the Berlin day 261124", v.Txn.ID)
	}
	r, err := tl.Receipt(context.Background(), v.Txn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Time.Format("2006-01-02 15:04"); got != "2026-11-24 00:30" {
		t.Fatalf("receipt time %s, want 2026-11-24 00:30 (Berlin)", got)
	}
	var started string
	if err := db.R.QueryRow(`SELECT started_at FROM transactions WHERE id = ?`, v.Txn.ID).Scan(&started); err != nil {
		t.Fatal(err)
	}
	if started != "2026-11-23T23:30:00.000000000Z" {
		t.Fatalf("stored start %q: want UTC, fixed width", started)
	}
}
