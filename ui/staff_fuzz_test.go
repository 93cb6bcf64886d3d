package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk"
)

// FuzzPeerStream feeds arbitrary bytes to the hub as a peer's event stream:
// nothing panics, and the board keeps only alerts of named lanes, each once,
// all of them the peer's.
func FuzzPeerStream(f *testing.F) {
	for _, s := range []string{
		"retry: 1000\n\nevent: alerts\ndata: {\"lanes\":[{\"id\":\"0001-02\",\"reachable\":true,\"state\":\"shopping\"}],\"alerts\":[{\"lane\":\"0001-02\",\"id\":3,\"type\":\"help\",\"detail\":{}}]}\n\n",
		"event: raised\ndata: {\"lane\":\"0001-02\",\"id\":4,\"type\":\"item_not_found\",\"blocking\":true,\"detail\":{\"code\":\"<img src=x>\"}}\n\n",
		"event: resolved\ndata: {\"lane\":\"0001-02\",\"id\":4}\n\n: ping\n\n",
		"event: lane_down\ndata: {\"lane\":\"0001-02\"}\n\nevent: lane_up\ndata: {\"id\":\"0001-02\"}\n\n",
		"event: raised\ndata: {\"lane\":\"\",\"id\":1}\n\n",
		"event: acked\r\ndata: {\"lane\":\"x\",\"id\":-1,\"ackedBy\":\"a\"}\r\n\r\n",
		"event: alerts\ndata: {\"lanes\":null,\"alerts\":[{\"lane\":\"a\",\"id\":1},{\"lane\":\"a\",\"id\":1}]}\n\n",
		"data: x\ndata: y\n\n", "event:\n\n", "\n\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		s := &Staff{board: newBoard(time.Now), opt: StaffOptions{}}
		const peer = "http://peer"
		readPeerSSE(bytes.NewReader(stream), func() {}, func(event string, data []byte) { s.peerEvent(peer, event, data) })
		snap := s.board.snapshot(false)
		seen := map[string]bool{}
		for _, a := range snap.Alerts {
			key := fmt.Sprint(a.Lane, "/", a.ID)
			if a.Lane == "" || seen[key] {
				t.Fatalf("board alert %+v (seen before: %v)", a, seen[key])
			}
			seen[key] = true
		}
		for _, l := range snap.Lanes {
			if l.Local || l.Peer != peer || l.ID == "" {
				t.Fatalf("board lane %+v", l)
			}
		}
		if len(s.board.snapshot(true).Lanes) != 0 {
			t.Fatal("a peer's lane counts as local")
		}
		s.board.peerDown(peer)
		for _, l := range s.board.snapshot(false).Lanes {
			if l.Reachable {
				t.Fatalf("lane %s reachable after its peer went down", l.ID)
			}
		}
	})
}

// FuzzStaffAction feeds arbitrary bodies to the staff action parser: what it
// accepts is one object of StaffAction's fields that round-trips.
func FuzzStaffAction(f *testing.F) {
	for _, s := range []string{
		`{"op":"ack","alertId":1}`, `{"op":"sell_unknown","alertId":2,"price":"2.49","weightG":250}`,
		`{"op":"resolve","alertId":1,"outcome":"approved","reason":"ID seen"}`, `{"op":"ack","op":"lane_close"}`,
		`{"OP":"ack"}`, `{"op":"ack"} {}`, `[]`, `{"op":"ack","by":"sam"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var a kiosk.StaffAction
		if err := strictDecode(body, &a); err != nil {
			return
		}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var again kiosk.StaffAction
		if err := strictDecode(b, &again); err != nil || again != a {
			t.Fatalf("round trip: %+v -> %s -> %+v (%v)", a, b, again, err)
		}
	})
}
