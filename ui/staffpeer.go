package ui

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/staff"
)

// The store's kiosks see each other's alerts through one of them, the hub,
// which the handhelds point at: the hub follows GET /peer/events of each of
// its Peers (their own lanes' alerts) and forwards a staff action on a peer's
// lane to POST /peer/lanes/:lane/actions of that peer. Peer requests carry
// Authorization: Bearer <PeerToken>; the peer trusts the hub's word on who
// the staff member is, and runs and audits the action as them, from
// "via <hub> from <handheld>".

// peerActionJSON is an action a hub forwards to the kiosk that runs the lane.
type peerActionJSON struct {
	Actor   kiosk.Actor       `json:"actor"`
	Action  kiosk.StaffAction `json:"action"`
	IdemKey string            `json:"idemKey"`
}

// peerReprintJSON is a reprint a hub forwards.
type peerReprintJSON struct {
	Actor kiosk.Actor `json:"actor"`
	Txn   string      `json:"txn"`
}

// peerAuth lets a peer request through with the store's token.
func (h *staffHandlers) peerAuth(c *fiber.Ctx) error {
	if !h.peersEnabled() {
		return c.Status(fiber.StatusForbidden).JSON(errorBody("permission", "peer.disabled", "this kiosk has no peer token"))
	}
	got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(h.opt.PeerToken)) != 1 {
		return c.Status(fiber.StatusUnauthorized).JSON(errorBody("permission", "peer.token", "a peer request needs the store's peer token"))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

func (h *staffHandlers) peerLaneView(c *fiber.Ctx) error {
	l := h.lanes[c.Params("lane")]
	if l == nil {
		return unknownLane(c, c.Params("lane"))
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(l.View().JSON())
}

// forwardedActor is who a hub says acts, from where.
func forwardedActor(c *fiber.Ctx, a kiosk.Actor) (kiosk.Actor, error) {
	if a.ID == "" || a.Role == "" {
		return a, errors.New("a forwarded action names its staff member and role")
	}
	from := a.Where
	if from == "" {
		from = "handheld"
	}
	a.Where = "via " + c.IP() + " from " + from
	return a, nil
}

func (h *staffHandlers) peerAction(c *fiber.Ctx) error {
	var body peerActionJSON
	if err := strictDecode(c.Body(), &body); err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.body", err.Error()))
	}
	l := h.lanes[c.Params("lane")]
	if l == nil {
		return unknownLane(c, c.Params("lane"))
	}
	actor, err := forwardedActor(c, body.Actor)
	if err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.actor", err.Error()))
	}
	// The hub vouches for who acts (it logged them in): the lane checks the
	// role, and this kiosk audits the action with its outcome.
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	res, err := l.Staff(ctx, actor, body.Action, body.IdemKey)
	outcome := staff.OutcomeOK
	if err != nil {
		outcome = errCode(err)
	}
	target := ""
	switch {
	case body.Action.AlertID != 0:
		target = "alert " + strconv.FormatInt(body.Action.AlertID, 10)
	case body.Action.Line != 0:
		target = "line " + strconv.Itoa(body.Action.Line)
	}
	detail := map[string]any{"forwarded": true}
	if body.Action.Outcome != "" {
		detail["outcome"] = body.Action.Outcome
	}
	if body.Action.Reason != "" {
		detail["reason"] = body.Action.Reason
	}
	if body.Action.Price != "" {
		detail["price"] = body.Action.Price
	}
	if res.Replayed {
		detail["replayed"] = true
	}
	aerr := h.svc.Audit(context.WithoutCancel(ctx), staff.AuditEntry{Actor: actor.ID, Role: actor.Role, Action: string(body.Action.Op),
		Lane: l.ID(), Target: target, Where: actor.Where, Outcome: outcome, Detail: detail})
	if aerr != nil && err == nil {
		err = aerr
	}
	return h.actResult(c, l, res, err)
}

func (h *staffHandlers) peerReprint(c *fiber.Ctx) error {
	var body peerReprintJSON
	if err := strictDecode(c.Body(), &body); err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.body", err.Error()))
	}
	l := h.lanes[c.Params("lane")]
	if l == nil {
		return unknownLane(c, c.Params("lane"))
	}
	actor, err := forwardedActor(c, body.Actor)
	if err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.actor", err.Error()))
	}
	ctx, cancel := context.WithTimeout(h.ctx, 60*time.Second)
	defer cancel()
	err = l.PrintReceipt(ctx, h.opt.Printers[l.ID()], body.Txn, actor.ID)
	outcome, target := staff.OutcomeOK, body.Txn
	if err != nil {
		outcome = errCode(err)
	}
	if target == "" {
		target = "last"
	}
	if aerr := h.svc.Audit(context.WithoutCancel(ctx), staff.AuditEntry{Actor: actor.ID, Role: actor.Role, Action: staff.ActionReprint,
		Lane: l.ID(), Target: target, Where: actor.Where, Outcome: outcome, Detail: map[string]any{"forwarded": true}}); aerr != nil {
		h.opt.Log.Error("ui: staff: audit a reprint", "err", aerr)
	}
	if err != nil {
		return staffError(c, err)
	}
	return c.JSON(fiber.Map{"ok": true})
}

// forward sends a request to a peer and answers with the peer's answer.
func (h *staffHandlers) forward(c *fiber.Ctx, method, url string, body any) error {
	ctx, cancel := context.WithTimeout(h.ctx, 15*time.Second)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return c.Status(fiber.StatusInternalServerError).JSON(errorBody("internal", "peer.request", err.Error()))
	}
	req.Header.Set("Authorization", "Bearer "+h.opt.PeerToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(errorBody("busy", "lane.unreachable", "the kiosk of this lane does not answer"))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(errorBody("busy", "lane.unreachable", "the kiosk of this lane does not answer"))
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(resp.StatusCode).Send(b)
}

// peerIdle is how long a peer's stream may stay silent (it pings every
// staffPing) before the hub takes the peer for down and reconnects.
const peerIdle = 2*staffPing + 5*time.Second

// How the hub reconnects to a peer: after peerBackoffMin, doubling up to
// peerBackoffMax while the peer is down or drops the stream at once; a
// stream that stayed open peerStable starts over from peerBackoffMin.
var (
	peerBackoffMin = 250 * time.Millisecond
	peerBackoffMax = 8 * time.Second
	peerStable     = 30 * time.Second
)

// followPeer keeps the board up to date with peer's lanes, reconnecting
// while the staff app runs.
func (s *Staff) followPeer(peer string) {
	defer s.wg.Done()
	backoff := peerBackoffMin
	for {
		start := time.Now()
		connected := s.readPeer(peer)
		if s.ctx.Err() != nil {
			return
		}
		s.board.peerDown(peer)
		// A peer that answers and hangs up at once (a proxy, a peer
		// refusing mid-stream, a crash loop) is down too: only a stream that
		// lasted resets the backoff, so that no peer makes the hub
		// reconnect several times a second for ever.
		if connected && time.Since(start) >= peerStable {
			backoff = peerBackoffMin
		} else {
			backoff = min(2*backoff, peerBackoffMax)
		}
		t := time.NewTimer(backoff)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// readPeer reads one connection of peer's event stream into the board. It
// reports whether the stream was open.
func (s *Staff) readPeer(peer string) bool {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, peer+"/peer/events", nil)
	if err != nil {
		s.opt.Log.Error("ui: staff: peer URL", "peer", peer, "err", err)
		return false
	}
	req.Header.Set("Authorization", "Bearer "+s.opt.PeerToken)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := s.client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.opt.Log.Warn("ui: staff: peer refused its event stream", "peer", peer, "status", resp.StatusCode)
		return false
	}
	idle := time.AfterFunc(peerIdle, cancel)
	defer idle.Stop()
	readPeerSSE(resp.Body, func() { idle.Reset(peerIdle) }, func(event string, data []byte) { s.peerEvent(peer, event, data) })
	return true
}

// maxSSEEvent bounds one event of a peer's stream (the whole alert list of
// its lanes comes as one).
const maxSSEEvent = 4 << 20

// readPeerSSE reads Server-Sent Events from r until it ends or fails, calling
// touch for every line and emit for every event with a name. An event larger
// than maxSSEEvent ends the stream.
func readPeerSSE(r io.Reader, touch func(), emit func(event string, data []byte)) {
	br := bufio.NewReaderSize(r, 64<<10)
	var event string
	var data bytes.Buffer
	for {
		line, err := br.ReadSlice('\n')
		for err == bufio.ErrBufferFull && data.Len()+len(line) <= maxSSEEvent {
			// A line longer than the buffer: gather it whole.
			var more []byte
			more, err = br.ReadSlice('\n')
			line = append(append([]byte(nil), line...), more...)
		}
		if err != nil {
			return
		}
		touch()
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if event != "" {
				emit(event, data.Bytes())
			}
			event = ""
			data.Reset()
		case line[0] == ':':
		case bytes.HasPrefix(line, []byte("event:")):
			event = string(bytes.TrimSpace(line[len("event:"):]))
		case bytes.HasPrefix(line, []byte("data:")):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.Write(bytes.TrimPrefix(line[len("data:"):], []byte(" ")))
			if data.Len() > maxSSEEvent {
				return
			}
		}
	}
}

// peerEvent applies one event of a peer's stream.
func (s *Staff) peerEvent(peer, event string, data []byte) {
	switch event {
	case evSnapshot:
		var snap snapshot
		if json.Unmarshal(data, &snap) == nil {
			s.board.setPeer(peer, snap)
		}
	case evRaised, evAcked, evEscalated, evUpdated:
		var a StaffAlert
		if json.Unmarshal(data, &a) == nil && a.Lane != "" {
			s.board.applyAlert(event, a, peer)
		}
	case evResolved:
		var r resolvedJSON
		if json.Unmarshal(data, &r) == nil {
			s.board.removeAlert(r, peer)
		}
	case evLane, evLaneUp:
		var st LaneStatus
		if json.Unmarshal(data, &st) == nil && st.ID != "" {
			st.Local, st.Peer, st.Reachable = false, peer, true
			s.board.setLaneStatus(st)
		}
	case evLaneDown:
		var d laneDownJSON
		if json.Unmarshal(data, &d) == nil && d.Lane != "" {
			s.board.laneDown(d.Lane, peer)
		}
	}
}
