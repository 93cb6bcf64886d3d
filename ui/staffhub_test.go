package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk"
)

// TestStaffEventsFollowTheLane: the handheld's stream starts with the whole
// list, then follows an alert through raised, acked and resolved.
func TestStaffEventsFollowTheLane(t *testing.T) {
	env := newStaffEnv(t, staffEnvOptions{})
	lane := env.ts.lane
	old := raiseHelp(t, lane) // open before the handheld connects
	anna := env.login(t, "anna")
	es := anna.events(t, "/api/events", nil)
	var snap snapshot
	if ev := es.next(); ev.name != "alerts" || json.Unmarshal(ev.data, &snap) != nil {
		t.Fatalf("first event %s %s, want the alert list", ev.name, ev.data)
	}
	if len(snap.Alerts) != 1 || snap.Alerts[0].ID != old.ID || snap.Alerts[0].Lane != lane.ID() || snap.Alerts[0].Type != kiosk.AlertHelp ||
		snap.Alerts[0].Role == "" || snap.Alerts[0].Presence == "" {
		t.Errorf("snapshot alerts %+v", snap.Alerts)
	}
	if len(snap.Lanes) != 1 || !snap.Lanes[0].Reachable || !snap.Lanes[0].Local || snap.Lanes[0].ID != lane.ID() {
		t.Errorf("snapshot lanes %+v", snap.Lanes)
	}

	// An unknown item: raised, blocking, with its code.
	if _, err := lane.Do(context.Background(), kiosk.Command{Op: kiosk.OpScan, Code: unknownEAN, Source: "typed"}); err != nil {
		t.Fatal(err)
	}
	a := staffAlertOf(t, es.until("raised", nil))
	if a.Type != kiosk.AlertItemNotFound || !a.Blocking || a.Lane != lane.ID() || !strings.Contains(string(a.Detail), unknownEAN) {
		t.Errorf("raised %+v", a)
	}
	if status, body := anna.act(t, lane.ID(), kiosk.StaffAction{Op: kiosk.OpAck, AlertID: a.ID}); status != 200 {
		t.Fatalf("ack: %d %s", status, body)
	}
	if got := staffAlertOf(t, es.until("acked", nil)); got.ID != a.ID || got.AckedBy != "anna" {
		t.Errorf("acked %+v", got)
	}
	// The list orders the blocking alert before the older help call.
	status, body, _ := anna.do(t, "GET", "/api/alerts", "", nil)
	var list snapshot
	if status != 200 || json.Unmarshal(body, &list) != nil || len(list.Alerts) != 2 || list.Alerts[0].ID != a.ID || list.Alerts[1].ID != old.ID {
		t.Errorf("alerts %d %s", status, body)
	}
	sam := env.login(t, "sam")
	if status, body := sam.act(t, lane.ID(), kiosk.StaffAction{Op: kiosk.OpSellUnknown, AlertID: a.ID, Price: "2.49"}); status != 200 {
		t.Fatalf("sell_unknown: %d %s", status, body)
	}
	ev := es.until("resolved", nil)
	var r resolvedJSON
	if json.Unmarshal(ev.data, &r); r.ID != a.ID || r.Lane != lane.ID() {
		t.Errorf("resolved %s", ev.data)
	}
	v := lane.View()
	if v.State == kiosk.StateSuspended || len(v.Lines) == 0 || v.Lines[len(v.Lines)-1].UnitPrice != "2.49" {
		t.Errorf("after sell_unknown: %+v", v)
	}
	// Closing the lane is a lane event.
	if status, body := sam.act(t, lane.ID(), kiosk.StaffAction{Op: kiosk.OpResolve, AlertID: old.ID, Outcome: "done"}); status != 200 {
		t.Fatalf("resolve help: %d %s", status, body)
	}
	if status, body := sam.act(t, lane.ID(), kiosk.StaffAction{Op: kiosk.OpStaffCancel, Reason: "test"}); status != 200 {
		t.Fatalf("cancel: %d %s", status, body)
	}
	if status, body := sam.act(t, lane.ID(), kiosk.StaffAction{Op: kiosk.OpLaneClose, Reason: "break"}); status != 200 {
		t.Fatalf("close: %d %s", status, body)
	}
	var st LaneStatus
	es.until("lane", func(ev sseEvent) bool { return json.Unmarshal(ev.data, &st) == nil && st.Closed })
	if st.ID != lane.ID() || st.State != kiosk.StateClosed {
		t.Errorf("lane event %+v", st)
	}
}

func TestSortAlerts(t *testing.T) {
	at := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	mk := func(lane string, id int64, level int, blocking bool, ago int) StaffAlert {
		return StaffAlert{Lane: lane, AlertView: kiosk.AlertView{ID: id, Level: level, Blocking: blocking, RaisedAt: at.Add(-time.Duration(ago) * time.Second)}}
	}
	as := []StaffAlert{
		mk("01", 1, 0, false, 300), // old help
		mk("02", 2, 0, true, 10),   // fresh blocking
		mk("01", 3, 1, false, 5),   // escalated
		mk("03", 4, 0, true, 60),   // older blocking
		mk("02", 5, 2, false, 1),   // escalated twice
	}
	sortAlerts(as)
	var got []int64
	for _, a := range as {
		got = append(got, a.ID)
	}
	if want := []int64{5, 3, 4, 2, 1}; !equalIDs(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestHubFollowsPeers: a hub kiosk shows its peers' alerts beside its own,
// forwards an action to the kiosk that runs the lane (which audits it as
// coming via the hub), and reports a peer that goes down while its own lane
// keeps flowing.
func TestHubFollowsPeers(t *testing.T) {
	peer1 := newStaffEnv(t, staffEnvOptions{lane: "02"})
	peer2 := newStaffEnv(t, staffEnvOptions{lane: "03"})
	hub := newStaffEnv(t, staffEnvOptions{lane: "01", peers: []string{peer1.url, peer2.url}})
	anna := hub.login(t, "anna")
	es := anna.events(t, "/api/events", nil)
	// The hub learns its peers' lanes in the background: from the first
	// list, or from lane_up events after it.
	seen := map[string]bool{}
	var snap snapshot
	if ev := es.until("alerts", nil); json.Unmarshal(ev.data, &snap) == nil {
		for _, l := range snap.Lanes {
			seen[l.ID] = l.Reachable
		}
	}
	for !seen[peer1.ts.lane.ID()] || !seen[peer2.ts.lane.ID()] {
		var l LaneStatus
		if json.Unmarshal(es.until("lane_up", nil).data, &l) == nil {
			seen[l.ID] = l.Reachable
		}
	}

	// A peer's alert reaches the hub's handheld.
	help := raiseHelp(t, peer1.ts.lane)
	a := staffAlertOf(t, es.until("raised", nil))
	if a.Lane != peer1.ts.lane.ID() || a.ID != help.ID {
		t.Fatalf("raised %+v, want %s #%d", a, peer1.ts.lane.ID(), help.ID)
	}
	// Acting on it through the hub runs on the peer, audited there.
	if status, body := anna.act(t, a.Lane, kiosk.StaffAction{Op: kiosk.OpAck, AlertID: a.ID}); status != 200 {
		t.Fatalf("forwarded ack: %d %s", status, body)
	}
	if got := staffAlertOf(t, es.until("acked", nil)); got.AckedBy != "anna" || got.Lane != a.Lane {
		t.Errorf("acked %+v", got)
	}
	log, _ := peer1.svc.AuditLog(context.Background(), 0, 100)
	found := false
	for _, e := range log {
		found = found || e.Action == "ack" && e.Actor == "anna" && e.Outcome == "ok" && strings.HasPrefix(e.Where, "via ") && strings.Contains(e.Where, " from handheld ")
	}
	if !found {
		t.Errorf("peer audit log has no forwarded ack: %+v", log)
	}
	// The role check is the peer's lane's: an attendant's override is refused.
	scanMilk(t, peer1.ts.lane)
	if status, body := anna.act(t, a.Lane, kiosk.StaffAction{Op: kiosk.OpPriceOverride, Line: 1, Price: "0.10"}); status != 403 || errCodeOf(body) != "staff.role" {
		t.Errorf("forwarded override by an attendant: %d %s", status, body)
	}
	// The hub shows the peer's basket.
	status, body, _ := anna.do(t, "GET", "/api/lanes/"+a.Lane, "", nil)
	if status != 200 || !strings.Contains(string(body), `"lane":"`+a.Lane+`"`) || !strings.Contains(string(body), milk) {
		t.Errorf("peer lane view through the hub: %d %.300s", status, body)
	}

	// Peer 2 goes down: its lane is reported, the rest keeps flowing.
	peer2.stop()
	var down laneDownJSON
	es.until("lane_down", func(ev sseEvent) bool { return json.Unmarshal(ev.data, &down) == nil })
	if down.Lane != peer2.ts.lane.ID() {
		t.Errorf("lane_down %+v, want %s", down, peer2.ts.lane.ID())
	}
	if status, body := anna.act(t, down.Lane, kiosk.StaffAction{Op: kiosk.OpLaneClose}); status != 503 || errCodeOf(body) != "lane.unreachable" {
		t.Errorf("action on a lane that is down: %d %s", status, body)
	}
	own := raiseHelp(t, hub.ts.lane)
	if got := staffAlertOf(t, es.until("raised", nil)); got.Lane != hub.ts.lane.ID() || got.ID != own.ID {
		t.Errorf("own alert after a peer went down: %+v", got)
	}
	if status, body := anna.act(t, a.Lane, kiosk.StaffAction{Op: kiosk.OpResolve, AlertID: a.ID, Outcome: "done"}); status != 200 {
		t.Fatalf("forwarded resolve: %d %s", status, body)
	}
	es.until("resolved", func(ev sseEvent) bool {
		var r resolvedJSON
		return json.Unmarshal(ev.data, &r) == nil && r.Lane == a.Lane && r.ID == a.ID
	})
}

// TestBoardKeepsPeersToTheirLanes: what a peer's stream says changes only
// that peer's lanes, within bounds: not a lane this kiosk runs, not another
// peer's, not more than maxPeerLanes lanes or maxLaneAlerts alerts a lane.
func TestBoardKeepsPeersToTheirLanes(t *testing.T) {
	now := time.Now()
	b := newBoard(func() time.Time { return now })
	local := kiosk.AlertView{ID: 1, Type: kiosk.AlertHelp, RaisedAt: now}
	b.setLane(LaneStatus{ID: "L1", Local: true, Reachable: true, State: kiosk.StateShopping}, 1, []kiosk.AlertView{local})
	b.setPeer("http://a", snapshot{Lanes: []LaneStatus{{ID: "A1"}}})
	const evil = "http://evil"

	fake := kiosk.AlertView{ID: 99, Type: kiosk.AlertRefundDue, RaisedAt: now}
	var lanes []LaneStatus
	var alerts []StaffAlert
	for i := range 3 * maxPeerLanes {
		lanes = append(lanes, LaneStatus{ID: fmt.Sprintf("E%d", i)})
	}
	lanes = append(lanes, LaneStatus{ID: "L1", State: kiosk.StateIdle}, LaneStatus{ID: "A1", Closed: true})
	for i := range 3 * maxLaneAlerts {
		alerts = append(alerts, StaffAlert{Lane: "E0", AlertView: kiosk.AlertView{ID: int64(i + 1), Type: kiosk.AlertHelp, RaisedAt: now}})
	}
	alerts = append(alerts, StaffAlert{Lane: "L1", AlertView: fake}, StaffAlert{Lane: "A1", AlertView: fake})
	b.setPeer(evil, snapshot{Lanes: lanes, Alerts: alerts})
	for _, id := range []string{"L1", "A1"} {
		b.applyAlert(evRaised, StaffAlert{Lane: id, AlertView: fake}, evil)
		b.setLaneStatus(LaneStatus{ID: id, Peer: evil, Reachable: true, Closed: true})
	}
	b.removeAlert(resolvedJSON{Lane: "L1", ID: 1}, evil)
	for i := range 2 * maxPeerLanes {
		b.applyAlert(evRaised, StaffAlert{Lane: fmt.Sprintf("X%d", i), AlertView: fake}, evil)
		b.setLaneStatus(LaneStatus{ID: fmt.Sprintf("Y%d", i), Peer: evil, Reachable: true})
	}
	for i := range 2 * maxLaneAlerts {
		b.applyAlert(evRaised, StaffAlert{Lane: "E1", AlertView: kiosk.AlertView{ID: int64(i + 1), Type: kiosk.AlertHelp, RaisedAt: now}}, evil)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	l1 := b.lanes["L1"]
	if !l1.status.Local || l1.status.Peer != "" || l1.status.State != kiosk.StateShopping || l1.status.Closed ||
		len(l1.alerts) != 1 || l1.alerts[1].Type != kiosk.AlertHelp {
		t.Errorf("a peer changed a local lane: %+v %+v", l1.status, l1.alerts)
	}
	if a1 := b.lanes["A1"]; a1.status.Peer != "http://a" || a1.status.Closed || len(a1.alerts) != 0 {
		t.Errorf("a peer changed another peer's lane: %+v %+v", a1.status, a1.alerts)
	}
	n := 0
	for _, l := range b.lanes {
		if l.status.Peer == evil {
			n++
		}
		if len(l.alerts) > maxLaneAlerts {
			t.Errorf("lane %s holds %d alerts, want at most %d", l.status.ID, len(l.alerts), maxLaneAlerts)
		}
	}
	if n != maxPeerLanes {
		t.Errorf("the peer has %d lanes on the board, want %d", n, maxPeerLanes)
	}
}

// TestHubBacksOffAFlappingPeer: a peer that answers its event stream and
// hangs up at once is reconnected to with a growing backoff, not several
// times a second for ever; and Close stops following peers at once, also
// one whose stream hangs.
func TestHubBacksOffAFlappingPeer(t *testing.T) {
	oldMin, oldMax, oldStable := peerBackoffMin, peerBackoffMax, peerStable
	peerBackoffMin, peerBackoffMax, peerStable = 10*time.Millisecond, 10*time.Second, time.Hour
	t.Cleanup(func() { peerBackoffMin, peerBackoffMax, peerStable = oldMin, oldMax, oldStable })
	var hits atomic.Int64
	flapping := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: alerts\ndata: {\"lanes\":[],\"alerts\":[]}\n\n")
	}))
	defer flapping.Close()
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer hung.Close()
	s := NewStaff(StaffOptions{Peers: []string{flapping.URL, hung.URL}, PeerToken: testPeerToken})
	time.Sleep(700 * time.Millisecond)
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	// 10, 20, 40, ... ms: 6 or 7 connections in 700 ms; at a fixed 10 ms, 50 or more.
	if n := hits.Load(); n > 12 {
		t.Errorf("%d connections to a flapping peer in 700 ms", n)
	}
	n := hits.Load()
	time.Sleep(100 * time.Millisecond)
	if hits.Load() != n {
		t.Error("the hub still connects after Close")
	}
}
