package kiosk

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A key first used on a command that changed nothing is still taken: another
// command sent under it later is refused, not executed.
func TestIdempotencyKeyOfANoOpIsKept(t *testing.T) {
	tl := newTestLane(t)
	res := tl.do(Command{Op: OpLang, Lang: "en", IdemKey: "k-noop"}) // already English: nothing to record
	if len(res.Events) != 0 {
		t.Fatalf("a no-op recorded events: %+v", res.Events)
	}
	again := tl.do(Command{Op: OpLang, Lang: "en", IdemKey: "k-noop"})
	if !again.Replayed {
		t.Fatal("the retry of a no-op was not answered as a replay")
	}
	tl.refused(Command{Op: OpScan, Code: milk, IdemKey: "k-noop"}, KindState, "request.idempotency_key_reused")
}

// A replay answers with the events the command committed the first time, read
// back from the journal, and the lane's view of now.
func TestReplayReturnsTheFirstEvents(t *testing.T) {
	tl := newTestLane(t)
	first := tl.do(Command{Op: OpScan, Code: milk, IdemKey: "k1"})
	tl.scan(yoghurt)
	again := tl.do(Command{Op: OpScan, Code: milk, IdemKey: "k1"})
	if !again.Replayed || len(again.Events) != len(first.Events) {
		t.Fatalf("replay events %+v, want %+v", again.Events, first.Events)
	}
	for i := range first.Events {
		if again.Events[i].ID != first.Events[i].ID || string(again.Events[i].Body) != string(first.Events[i].Body) {
			t.Fatalf("replayed event %d = %+v, want %+v", i, again.Events[i], first.Events[i])
		}
	}
	if again.View.Seq != tl.View().Seq || len(again.View.Lines) != 2 {
		t.Fatalf("replay view seq %d with %d lines, want the current one", again.View.Seq, len(again.View.Lines))
	}
}

// The idempotency row of a scan stays the same size however full the basket
// is, so the database grows linearly with the basket (it held the whole view:
// 3,000 scans made 1.2 GB).
func TestIdempotencyRowsStaySmall(t *testing.T) {
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	tl := startLaneWith(t, db, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), func(c *Config) { c.MaxLines = 1000 })
	codes := plainDemoCodes(t)
	for i := range 200 {
		tl.do(Command{Op: OpScan, Code: codes[i%len(codes)], IdemKey: fmt.Sprintf("scan-%d", i)})
	}
	var longest int
	if err := db.R.QueryRow(`SELECT max(length(response)) FROM idempotency`).Scan(&longest); err != nil {
		t.Fatal(err)
	}
	if longest > 64 {
		t.Fatalf("an idempotency row holds %d bytes: it grows with the basket", longest)
	}
}

// Keys older than IdemMaxAge are forgotten when the next basket starts.
func TestIdempotencyKeysArePruned(t *testing.T) {
	db := openTestDB(t)
	t.Cleanup(func() { db.Close() })
	tl := startLaneWith(t, db, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), func(c *Config) { c.IdemMaxAge = time.Hour })
	tl.do(Command{Op: OpScan, Code: milk, IdemKey: "old"})
	tl.cancelBasket()
	tl.clock = tl.clock.Add(2 * time.Hour)
	tl.do(Command{Op: OpScan, Code: yoghurt, IdemKey: "new"})
	var keys []string
	rows, err := db.R.Query(`SELECT key FROM idempotency ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		rows.Scan(&k)
		keys = append(keys, k)
	}
	if fmt.Sprint(keys) != "[new]" {
		t.Fatalf("keys after pruning: %v, want [new]", keys)
	}
}

// A partial view carries only the lines a command touched and applies onto
// the view before it to give the whole view.
func TestPatchAppliesOntoThePreviousView(t *testing.T) {
	tl := newTestLane(t)
	ch, cancel := tl.Subscribe(64)
	defer cancel()
	shown := tl.View()
	apply := func(p *View) {
		t.Helper()
		if !p.Partial || p.From != shown.Seq {
			t.Fatalf("patch from %d (partial %v), screen shows %d", p.From, p.Partial, shown.Seq)
		}
		next := *p
		next.Partial, next.From = false, 0
		next.Lines = nil
		if shown.Txn != nil && p.Txn != nil && shown.Txn.ID == p.Txn.ID {
			next.Lines = append(next.Lines, shown.Lines...)
		}
		for _, ln := range p.Lines {
			for len(next.Lines) < ln.No {
				next.Lines = append(next.Lines, LineView{})
			}
			next.Lines[ln.No-1] = ln
		}
		next.Lines = next.Lines[:p.LineCount]
		if next.Lines == nil {
			next.Lines = []LineView{}
		}
		shown = &next
	}
	tl.scan(milk)
	tl.scan(yoghurt)
	tl.scan(milk) // merges into line 1
	v := tl.do(Command{Op: OpVoid, Line: 2}).View
	tl.resolve(alertOf(t, v, AlertVoidRequest).ID, "approved")
	tl.cancelBasket()
	tl.scan(oatDrink) // a new basket
	for {
		select {
		case u := <-ch:
			if len(u.Patch.Lines) > 1 {
				t.Fatalf("a patch of one change carries %d lines", len(u.Patch.Lines))
			}
			apply(u.Patch)
			continue
		default:
		}
		break
	}
	got, _ := json.Marshal(shown)
	want, _ := json.Marshal(tl.View())
	if string(got) != string(want) {
		t.Fatalf("patched view\n%s\nwant\n%s", got, want)
	}
}

// cancelBasket cancels the open basket, through staff when it holds items.
func (tl *testLane) cancelBasket() {
	tl.t.Helper()
	v := tl.do(Command{Op: OpCancel}).View
	if v.Txn != nil {
		tl.resolve(alertOf(tl.t, v, AlertCancelRequest).ID, "approved")
	}
}

// plainDemoCodes are demo products a scan adds as one piece at catalog price.
func plainDemoCodes(t *testing.T) []string {
	t.Helper()
	return strings.Fields(`4063658814593 4063658551306 4063658718020 4063658643438 4063658578150 4075234003321 4063658105806
		4075234376494 4075234589375 4075234898071 4328385890488 4328385275544 4328385329667 4328385467451 4328385977752
		4063658835864 4075234947793 4328385117523 4063658705259 4328385376968 4328385184662 4063658922717 4063658756848
		4328385032420 4063658483454 4328385604337 4271485557631 4358166983238 4358166643606 4259596687676`)
}
