package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/hqwire"
	"github.com/kiosk-sco/kiosk/internal/faultproxy"
	"github.com/kiosk-sco/kiosk/internal/pgtest"
)

// outageSales is how many transactions the outage test sells across its
// lanes (KIOSK_E2E_SALES to change it).
func outageSales() int {
	if n, err := strconv.Atoi(os.Getenv("KIOSK_E2E_SALES")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// TestHQOutage sells 10,000 transactions on four lanes of two stores while
// HQ goes through an outage — killed, then answering 500, then hanging,
// then committing but losing its answers — and heals. Afterwards HQ holds
// every event of every lane exactly once and in each lane's order, a batch
// replayed by hand changes nothing, and an analyst who paged the events
// while the lanes sold saw each of them once.
func TestHQOutage(t *testing.T) {
	dir := t.TempDir()
	hqDB := filepath.Join(dir, "hq.db")
	hq := startHQ(t, "--db", hqDB)
	tok := map[string]string{}
	for _, st := range []string{"0001", "0002"} {
		tok[st] = hqTool(t, "token", "add", "--db", hqDB, "--name", "lanes-"+st, "--role", "lane", "--store", st)
	}
	analyst := pull{t: t, base: hq.URL, token: hqTool(t, "token", "add", "--db", hqDB, "--name", "ana", "--role", "analyst")}
	proxy, err := faultproxy.Start(hq.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()

	lanes := []*lane{
		startLane(t, dir, "0001", "01", sinkFor(t, proxy.URL, tok["0001"], 300*time.Millisecond)),
		startLane(t, dir, "0001", "02", sinkFor(t, proxy.URL, tok["0001"], 300*time.Millisecond)),
		startLane(t, dir, "0002", "01", sinkFor(t, proxy.URL, tok["0002"], 300*time.Millisecond)),
		startLane(t, dir, "0002", "02", sinkFor(t, proxy.URL, tok["0002"], 300*time.Millisecond)),
	}
	total := outageSales()
	var selling sync.WaitGroup
	for _, l := range lanes {
		selling.Add(1)
		go func() { defer selling.Done(); l.sell(t, total/len(lanes)) }()
	}
	sold := make(chan struct{})
	go func() { selling.Wait(); close(sold) }()

	// An analyst pages through store 0001's events the whole time.
	var paged []eventRow
	cursor := ""
	page := func() {
		got, c := analyst.events("0001", cursor)
		paged, cursor = append(paged, got...), c
	}

	// The outage, in steps, while the lanes sell.
	steps := []struct {
		name string
		do   func()
	}{
		{"HQ killed", func() { hq.kill() }},
		{"HQ back, answering 500", func() { proxy.Set(faultproxy.Error500); hq.start() }},
		{"HQ hangs", func() { proxy.Set(faultproxy.Hang) }},
		{"HQ commits, its answers are lost", func() { proxy.Set(faultproxy.LoseReply) }},
		{"healed", func() { proxy.Set(faultproxy.Pass) }},
	}
	step := 0
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-sold:
			done = true
		case <-tick.C:
			if step < len(steps) {
				t.Logf("outage: %s", steps[step].name)
				steps[step].do()
				step++
			}
			if proxy.Count(faultproxy.Pass) > 0 && step != 1 && step != 2 { // HQ is up: page on
				page()
			}
		}
	}
	for ; step < len(steps); step++ { // the lanes sold faster than the outage ran
		steps[step].do()
	}
	if t.Failed() {
		t.FailNow()
	}
	waitDrained(t, 2*time.Minute, lanes...)
	page()
	t.Logf("faults met: refused %d, 500 %d, hung %d, answers lost %d; passed %d",
		proxy.Count(faultproxy.Refuse), proxy.Count(faultproxy.Error500), proxy.Count(faultproxy.Hang), proxy.Count(faultproxy.LoseReply), proxy.Count(faultproxy.Pass))
	if proxy.Count(faultproxy.Error500) == 0 || proxy.Count(faultproxy.Hang) == 0 || proxy.Count(faultproxy.LoseReply) == 0 {
		t.Errorf("the outage did not reach the lanes: 500 %d, hang %d, lost %d", proxy.Count(faultproxy.Error500), proxy.Count(faultproxy.Hang), proxy.Count(faultproxy.LoseReply))
	}

	all, _ := analyst.events("", "")
	checkExactlyOnce(t, all, lanes...)
	checkExactlyOnce(t, paged, lanes[0], lanes[1]) // paged while the lanes wrote: no gap, no repeat
	var kpis struct {
		Total struct{ Transactions, Paid, EffortAnswers int }
	}
	analyst.get("/api/v1/kpis", &kpis)
	if kpis.Total.Transactions != total/len(lanes)*len(lanes) || kpis.Total.Paid != kpis.Total.Transactions || kpis.Total.EffortAnswers == 0 {
		t.Errorf("KPIs after the outage: %+v", kpis.Total)
	}

	// A batch replayed by hand (a duplicate the broker could have made)
	// changes nothing.
	l := lanes[0]
	evs := l.journal(t)[:50]
	var replay []hqwire.Event
	for i := range evs {
		var e hqwire.Event
		var at, body string
		if err := l.db.R.QueryRow(`SELECT event_id, lane_id, seq, coalesce(txn_id, ''), type, at, body FROM journal WHERE seq = ?`, i+1).
			Scan(&e.ID, &e.Lane, &e.Seq, &e.Txn, &e.Type, &at, &body); err != nil {
			t.Fatal(err)
		}
		e.At, _ = time.Parse("2006-01-02T15:04:05.000000000Z", at)
		if e.At.IsZero() {
			e.At = time.Now()
		}
		e.Body = json.RawMessage(body)
		replay = append(replay, e)
	}
	b, _ := json.Marshal(hqwire.Batch{Store: "0001", Lane: l.ID(), Events: replay})
	req, _ := http.NewRequest("POST", hq.URL+hqwire.IngestPath, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+tok["0001"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var ack hqwire.Ack
	json.Unmarshal(body, &ack)
	if res.StatusCode != 200 || ack.Stored != 0 || ack.Duplicates != 50 {
		t.Fatalf("replayed batch: %d %s", res.StatusCode, body)
	}
	after, _ := analyst.events("", "")
	if len(after) != len(all) {
		t.Fatalf("the replay changed HQ: %d events, were %d", len(after), len(all))
	}
}

// TestHQOnPostgreSQL runs two lanes into kiosk-hq on a real PostgreSQL
// server, with HQ killed and restarted on the way.
func TestHQOnPostgreSQL(t *testing.T) {
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	hq := startHQ(t, "--postgres", dsn)
	tok := hqTool(t, "token", "add", "--postgres", dsn, "--name", "lanes", "--role", "lane", "--store", "0003")
	analyst := pull{t: t, base: hq.URL, token: hqTool(t, "token", "add", "--postgres", dsn, "--name", "ana", "--role", "analyst")}
	a := startLane(t, dir, "0003", "01", sinkFor(t, hq.URL, tok, time.Second))
	b := startLane(t, dir, "0003", "02", sinkFor(t, hq.URL, tok, time.Second))
	a.sell(t, 100)
	// The kiosk restarts its syncer mid-drain: the new one resumes from the
	// confirmed cursor (a batch HQ held already comes again and is dropped).
	a.stopSync()
	a.startSync(t, sinkFor(t, hq.URL, tok, time.Second), nil)
	hq.kill()
	b.sell(t, 100)
	hq.start()
	waitDrained(t, time.Minute, a, b)
	all, _ := analyst.events("", "")
	checkExactlyOnce(t, all, a, b)
}
