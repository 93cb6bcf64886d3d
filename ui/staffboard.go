package ui

import (
	"cmp"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk"
)

// StaffAlert is an open alert as the handheld lists it: the lane's AlertView
// with the lane it is on and how long the shopper has waited so far.
type StaffAlert struct {
	Lane string `json:"lane"`
	kiosk.AlertView
	WaitedS int `json:"waitedS"`
}

// LaneStatus is one lane of the store as the handheld sees it.
type LaneStatus struct {
	ID        string      `json:"id"`
	Local     bool        `json:"local"`     // this kiosk runs it
	Reachable bool        `json:"reachable"` // its kiosk answers (always true for a local lane that runs)
	State     kiosk.State `json:"state,omitempty"`
	Closed    bool        `json:"closed"`
	Peer      string      `json:"peer,omitempty"` // the base URL of the kiosk that serves it
}

// Board event kinds, as the SSE streams name them.
const (
	evSnapshot  = "alerts"    // the whole list: {lanes, alerts}
	evRaised    = "raised"    // a StaffAlert
	evAcked     = "acked"     // a StaffAlert
	evEscalated = "escalated" // a StaffAlert
	evUpdated   = "updated"   // a StaffAlert whose other fields changed
	evResolved  = "resolved"  // {lane, id}
	evLane      = "lane"      // a LaneStatus whose state changed
	evLaneDown  = "lane_down" // {lane, peer}: its kiosk does not answer; its alerts are kept as last seen
	evLaneUp    = "lane_up"   // a LaneStatus: its kiosk answers again
)

// boardEvent is one change of the board, encoded once for every stream.
type boardEvent struct {
	kind  string
	data  []byte
	local bool // about a lane this kiosk runs: peer streams carry only these
}

// snapshot is the whole board, the first event of every stream.
type snapshot struct {
	Lanes  []LaneStatus `json:"lanes"`
	Alerts []StaffAlert `json:"alerts"`
}

type resolvedJSON struct {
	Lane string `json:"lane"`
	ID   int64  `json:"id"`
}

type laneDownJSON struct {
	Lane string `json:"lane,omitempty"`
	Peer string `json:"peer,omitempty"`
}

type boardLane struct {
	status LaneStatus
	seq    int64
	alerts map[int64]kiosk.AlertView
}

type boardSub struct {
	ch        chan boardEvent
	localOnly bool
}

// board holds the open alerts of every lane the handheld sees (this kiosk's
// and its peers') and fans each change out to the open streams. A stream too
// slow to keep up is dropped; its client reconnects and starts over from a
// snapshot.
type board struct {
	now func() time.Time

	mu    sync.Mutex
	lanes map[string]*boardLane
	peers map[string]bool // peer base URL → reachable
	subs  map[*boardSub]struct{}
}

func newBoard(now func() time.Time) *board {
	return &board{now: now, lanes: map[string]*boardLane{}, peers: map[string]bool{}, subs: map[*boardSub]struct{}{}}
}

// subBuffer is how many events a stream may fall behind before it is dropped.
const subBuffer = 256

// subscribe returns the board as it is now and a channel of the changes after
// it; cancel ends the subscription. The channel closes when the stream fell
// too far behind.
func (b *board) subscribe(localOnly bool) (snapshot, <-chan boardEvent, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := &boardSub{ch: make(chan boardEvent, subBuffer), localOnly: localOnly}
	b.subs[s] = struct{}{}
	return b.snapshotLocked(localOnly), s.ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[s]; ok {
			delete(b.subs, s)
			close(s.ch)
		}
	}
}

func (b *board) snapshot(localOnly bool) snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.snapshotLocked(localOnly)
}

func (b *board) snapshotLocked(localOnly bool) snapshot {
	s := snapshot{Lanes: []LaneStatus{}, Alerts: []StaffAlert{}}
	now := b.now()
	for _, l := range b.lanes {
		if localOnly && !l.status.Local {
			continue
		}
		s.Lanes = append(s.Lanes, l.status)
		for _, a := range l.alerts {
			s.Alerts = append(s.Alerts, staffAlert(l.status.ID, a, now))
		}
	}
	slices.SortFunc(s.Lanes, func(x, y LaneStatus) int { return cmp.Compare(x.ID, y.ID) })
	sortAlerts(s.Alerts)
	return s
}

func staffAlert(lane string, a kiosk.AlertView, now time.Time) StaffAlert {
	w := int(now.Sub(a.RaisedAt) / time.Second)
	return StaffAlert{Lane: lane, AlertView: a, WaitedS: max(w, 0)}
}

// sortAlerts orders alerts as the handheld lists them: the most escalated
// first, then blocking ones, then the longest waiting.
func sortAlerts(as []StaffAlert) {
	slices.SortStableFunc(as, func(x, y StaffAlert) int {
		if c := cmp.Compare(y.Level, x.Level); c != 0 {
			return c
		}
		if x.Blocking != y.Blocking {
			if x.Blocking {
				return -1
			}
			return 1
		}
		if c := x.RaisedAt.Compare(y.RaisedAt); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Lane, y.Lane); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
}

func (b *board) publishLocked(kind string, local bool, v any) {
	data, _ := json.Marshal(v)
	ev := boardEvent{kind: kind, data: data, local: local}
	for s := range b.subs {
		if s.localOnly && !local {
			continue
		}
		select {
		case s.ch <- ev:
		default:
			delete(b.subs, s)
			close(s.ch)
		}
	}
}

// setLane records lane status st and its open alerts as of seq (views older
// than the one recorded are ignored) and publishes what changed.
func (b *board) setLane(st LaneStatus, seq int64, alerts []kiosk.AlertView) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.lanes[st.ID]
	if l == nil {
		l = &boardLane{alerts: map[int64]kiosk.AlertView{}, seq: -1}
		b.lanes[st.ID] = l
		l.status = st
		b.publishLocked(evLaneUp, st.Local, st)
	}
	if seq >= 0 && seq < l.seq && l.status.Reachable {
		return
	}
	l.seq = seq
	old := l.status
	l.status = st
	switch {
	case !old.Reachable && st.Reachable:
		b.publishLocked(evLaneUp, st.Local, st)
	case old.State != st.State || old.Closed != st.Closed:
		b.publishLocked(evLane, st.Local, st)
	}
	now := b.now()
	seen := make(map[int64]bool, len(alerts))
	for _, a := range alerts {
		seen[a.ID] = true
		prev, had := l.alerts[a.ID]
		l.alerts[a.ID] = a
		kind := ""
		switch {
		case !had:
			kind = evRaised
		case a.Level > prev.Level:
			kind = evEscalated
		case a.AckedBy != prev.AckedBy || !timeEq(a.AckedAt, prev.AckedAt):
			kind = evAcked
		case !alertEq(a, prev):
			kind = evUpdated
		}
		if kind != "" {
			b.publishLocked(kind, st.Local, staffAlert(st.ID, a, now))
		}
	}
	for id := range l.alerts {
		if !seen[id] {
			delete(l.alerts, id)
			b.publishLocked(evResolved, st.Local, resolvedJSON{Lane: st.ID, ID: id})
		}
	}
}

// What the board keeps of one peer's word: a peer (or whoever holds the
// store's peer token) could otherwise name lanes and alerts without end.
const (
	maxPeerLanes  = 64  // lanes one peer serves
	maxLaneAlerts = 256 // open alerts of one peer lane
)

// peerMayLocked reports whether peer may change lane id: a lane this kiosk
// runs, and one another peer serves, are not its to change; a lane nobody
// has yet is, within maxPeerLanes. b.mu is held.
func (b *board) peerMayLocked(id, peer string) bool {
	if l := b.lanes[id]; l != nil {
		return !l.status.Local && l.status.Peer == peer
	}
	n := 0
	for _, l := range b.lanes {
		if !l.status.Local && l.status.Peer == peer {
			n++
		}
	}
	return n < maxPeerLanes
}

// applyAlert records one change of a peer's alert as the peer reported it.
func (b *board) applyAlert(kind string, a StaffAlert, peer string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.peerMayLocked(a.Lane, peer) {
		return
	}
	l := b.lanes[a.Lane]
	if l == nil {
		l = &boardLane{alerts: map[int64]kiosk.AlertView{}, seq: -1,
			status: LaneStatus{ID: a.Lane, Reachable: true, Peer: peer}}
		b.lanes[a.Lane] = l
	}
	if _, had := l.alerts[a.ID]; !had && len(l.alerts) >= maxLaneAlerts {
		return
	}
	l.alerts[a.ID] = a.AlertView
	b.publishLocked(kind, false, staffAlert(a.Lane, a.AlertView, b.now()))
}

// removeAlert records a peer's resolved alert.
func (b *board) removeAlert(r resolvedJSON, peer string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l := b.lanes[r.Lane]; l != nil && b.peerMayLocked(r.Lane, peer) {
		if _, ok := l.alerts[r.ID]; ok {
			delete(l.alerts, r.ID)
			b.publishLocked(evResolved, false, r)
		}
	}
}

// setPeer replaces what the board knows of peer's lanes with its snapshot.
func (b *board) setPeer(peer string, s snapshot) {
	byLane := map[string][]kiosk.AlertView{}
	for _, a := range s.Alerts {
		if a.Lane != "" && len(byLane[a.Lane]) < maxLaneAlerts {
			byLane[a.Lane] = append(byLane[a.Lane], a.AlertView)
		}
	}
	b.mu.Lock()
	b.peers[peer] = true
	// Only the peer's own lanes, new ones within maxPeerLanes.
	mine := 0
	for _, l := range b.lanes {
		if !l.status.Local && l.status.Peer == peer {
			mine++
		}
	}
	seen := map[string]bool{}
	s.Lanes = slices.DeleteFunc(slices.Clone(s.Lanes), func(l LaneStatus) bool {
		if l.ID == "" || seen[l.ID] {
			return true
		}
		seen[l.ID] = true
		if x := b.lanes[l.ID]; x != nil {
			return x.status.Local || x.status.Peer != peer
		}
		if mine >= maxPeerLanes {
			return true
		}
		mine++
		return false
	})
	var gone []string
	for id, l := range b.lanes {
		if l.status.Peer == peer && !slices.ContainsFunc(s.Lanes, func(x LaneStatus) bool { return x.ID == id }) {
			gone = append(gone, id)
		}
	}
	b.mu.Unlock()
	for _, st := range s.Lanes {
		st.Local, st.Peer, st.Reachable = false, peer, true
		b.setLane(st, -1, byLane[st.ID])
	}
	for _, id := range gone {
		b.setLane(LaneStatus{ID: id, Peer: peer, Reachable: true}, -1, nil)
	}
}

// peerDown marks peer's lanes unreachable; their alerts stay as last seen.
func (b *board) peerDown(peer string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	was, known := b.peers[peer]
	b.peers[peer] = false
	any := false
	for _, l := range b.lanes {
		if l.status.Peer == peer {
			any = true
			if l.status.Reachable {
				l.status.Reachable = false
				b.publishLocked(evLaneDown, false, laneDownJSON{Lane: l.status.ID, Peer: peer})
			}
		}
	}
	if !any && (was || !known) {
		b.publishLocked(evLaneDown, false, laneDownJSON{Peer: peer})
	}
}

// localDown marks a local lane stopped.
func (b *board) localDown(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l := b.lanes[id]; l != nil && l.status.Reachable {
		l.status.Reachable = false
		b.publishLocked(evLaneDown, true, laneDownJSON{Lane: id})
	}
}

// peerOf returns the base URL of the peer that serves lane id ("" when unknown).
func (b *board) peerOf(id string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l := b.lanes[id]; l != nil {
		return l.status.Peer
	}
	return ""
}

// peerStatus lists the peers and whether each answers.
func (b *board) peerStatus() map[string]bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]bool, len(b.peers))
	for p, ok := range b.peers {
		out[p] = ok
	}
	return out
}

func timeEq(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func alertEq(a, b kiosk.AlertView) bool {
	return a.Type == b.Type && a.Blocking == b.Blocking && string(a.Detail) == string(b.Detail) &&
		a.RaisedAt.Equal(b.RaisedAt) && a.TxnID == b.TxnID && a.Role == b.Role && a.Level == b.Level &&
		a.Presence == b.Presence && timeEq(a.AckedAt, b.AckedAt) && a.AckedBy == b.AckedBy &&
		timeEq(a.EscalatesAt, b.EscalatesAt) && a.ExpectedWaitS == b.ExpectedWaitS
}

// setLaneStatus records a peer lane's new status (its alerts unchanged).
func (b *board) setLaneStatus(st LaneStatus) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.peerMayLocked(st.ID, st.Peer) {
		return
	}
	l := b.lanes[st.ID]
	if l == nil {
		l = &boardLane{alerts: map[int64]kiosk.AlertView{}, seq: -1, status: st}
		b.lanes[st.ID] = l
		b.publishLocked(evLaneUp, false, st)
		return
	}
	old := l.status
	l.status = st
	switch {
	case !old.Reachable:
		b.publishLocked(evLaneUp, false, st)
	case old.State != st.State || old.Closed != st.Closed:
		b.publishLocked(evLane, false, st)
	}
}

// laneDown marks one lane of peer unreachable (the peer reports it stopped).
func (b *board) laneDown(id, peer string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l := b.lanes[id]; l != nil && l.status.Peer == peer && l.status.Reachable {
		l.status.Reachable = false
		b.publishLocked(evLaneDown, false, laneDownJSON{Lane: id, Peer: peer})
	}
}
