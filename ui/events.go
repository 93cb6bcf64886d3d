package ui

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kiosk-sco/kiosk/kiosk"
)

const (
	// replayPage is how many journal events a resuming stream reads and writes
	// in one step; a stream never holds more of the backlog than that.
	replayPage = 256
	// maxReplays is how many streams read a page of the journal at once.
	maxReplays = 4
	// maxStreams is how many event streams may be open at once (a kiosk has
	// its own page and /sim open): with replayPage it bounds the memory that
	// streams resuming from far behind take, however many clients ask.
	maxStreams = 32
	// liveBuffer is how many lane updates a stream may fall behind before the
	// lane drops it; the stream then catches up from the journal.
	liveBuffer = 64
)

// events streams the lane as Server-Sent Events, each with the lane sequence
// number as id:
//
//   - event: journal — one committed journal event;
//   - event: state — the lane view after the events before it: whole first,
//     then partial (kiosk.View.Partial: the lines the change touched, to
//     apply onto the state before), whole again after any gap;
//   - event: notice (no id) — something the lane tells the screen without
//     recording it (a refused device scan, a produce-scale weight);
//   - event: reset — the current view, sent instead of anything else when the
//     client's Last-Event-ID is above the lane's sequence number (the database
//     was replaced or restored): the page drops what it shows and starts over
//     from this view.
//
// A client that reconnects with Last-Event-ID (header, or lastEventId in the
// query) first gets every journal event it missed — however many, read from
// the journal a page at a time — then the current state, then live updates,
// none lost and none twice.
func (s *Server) events(c *fiber.Ctx) error {
	var after int64 = -1
	if h := c.Get("Last-Event-ID", c.Query("lastEventId")); h != "" {
		n, err := strconv.ParseInt(h, 10, 64)
		if err != nil || n < 0 {
			return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.last_event_id", "Last-Event-ID must be a sequence number"))
		}
		after = n
	}
	if s.streams.Add(1) > maxStreams {
		s.streams.Add(-1)
		return c.Status(fiber.StatusServiceUnavailable).JSON(errorBody("busy", "events.busy", "too many event streams are open"))
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderConnection, "keep-alive")
	c.Set("X-Accel-Buffering", "no")
	// fasthttp runs the writer at once, on its own goroutine, even when the
	// client is gone already: the count always comes down.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.streams.Add(-1)
		s.stream(w, after)
	})
	return nil
}

// stream writes the lane to one client, which has seen the journal up to after
// (-1: nothing), until the client goes away, the lane stops or the server
// shuts down.
func (s *Server) stream(w *bufio.Writer, after int64) {
	fmt.Fprintf(w, "retry: 1000\n\n")
	last := after // the last sequence number the client has
	for first := true; ; first = false {
		// Subscribe before reading the view: every commit after the view is then
		// in updates, every one up to it in the journal.
		updates, cancel := s.lane.Subscribe(liveBuffer)
		view := s.lane.View()
		switch {
		case first && after > view.Seq:
			writeSSE(w, view.Seq, "reset", view)
			last = view.Seq
		case last < view.Seq:
			if last >= 0 && !s.replay(w, &last, view.Seq) {
				cancel()
				return
			}
			writeSSE(w, view.Seq, "state", view)
			last = view.Seq
		case first:
			writeSSE(w, view.Seq, "state", view)
		}
		more := w.Flush() == nil && s.follow(w, updates, &last)
		cancel()
		if !more {
			return
		}
		// The lane dropped this stream as too slow: catch up from the journal.
	}
}

// follow writes live updates after *last. It reports whether the stream should
// go on from the journal: the lane dropped the subscription as too slow.
func (s *Server) follow(w *bufio.Writer, updates <-chan kiosk.Update, last *int64) bool {
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-s.stop:
			return false
		case <-s.lane.Done():
			return false
		case <-ping.C:
			fmt.Fprintf(w, ": ping\n\n")
		case u, ok := <-updates:
			if !ok {
				return true
			}
			if u.View == nil {
				if u.Notice != nil {
					writeSSE(w, -1, "notice", u.Notice) // no id: a notice is not a journal position
				}
				break
			}
			if u.View.Seq <= *last {
				continue
			}
			shown := *last // the seq of the last state this stream wrote
			if len(u.Events) > 0 && u.Events[0].Seq > *last+1 && !s.replay(w, last, u.Events[0].Seq-1) {
				return false // never a gap, even if an update went missing
			}
			for _, ev := range u.Events {
				if ev.Seq > *last {
					writeSSE(w, ev.Seq, "journal", ev)
				}
			}
			if u.Patch != nil && u.Patch.From == shown {
				writeSSE(w, u.View.Seq, "state", u.Patch) // the lines that changed, not the whole basket
			} else {
				writeSSE(w, u.View.Seq, "state", u.View)
			}
			*last = u.View.Seq
		}
		if w.Flush() != nil {
			return false
		}
	}
}

// replay writes the journal events after *last up to and including to, a page
// at a time: a stream holds one page at most, and reads it from the journal
// holding one of maxReplays tokens. It reports false when the stream should end
// (client gone, server stopping, or the journal could not be read: the client
// resumes from *last).
func (s *Server) replay(w *bufio.Writer, last *int64, to int64) bool {
	for *last < to {
		evs := s.replayPage(*last, to)
		if evs == nil {
			return false
		}
		for _, ev := range evs {
			if ev.Seq > to {
				break
			}
			writeSSE(w, ev.Seq, "journal", ev)
			*last = ev.Seq
		}
		if w.Flush() != nil {
			return false
		}
	}
	return true
}

// replayPage reads the next page of the journal after last, up to to; nil when
// the stream should end.
func (s *Server) replayPage(last, to int64) []kiosk.Event {
	select {
	case s.replays <- struct{}{}:
	case <-s.stop:
		return nil
	}
	defer func() { <-s.replays }()
	ctx, cancel := s.handlerContext(10 * time.Second)
	defer cancel()
	evs, err := s.lane.EventsAfter(ctx, last, int(min(replayPage, to-last)))
	if err == nil && len(evs) == 0 {
		err = fmt.Errorf("no journal events after %d, the lane is at %d", last, to)
	}
	if err != nil {
		if s.ctx.Err() == nil {
			s.opt.Log.Error("ui: event stream: read the journal", "after", last, "err", err)
		}
		return nil
	}
	return evs
}

// writeSSE writes one event whose data is v as JSON. Lane events and views
// bring their own JSON, encoded once for all streams and the command's answer.
func writeSSE(w *bufio.Writer, id int64, event string, v any) {
	var b []byte
	switch v := v.(type) {
	case kiosk.Event:
		b = v.JSON()
	case *kiosk.View:
		b = v.JSON()
	default:
		b, _ = json.Marshal(v)
	}
	if id >= 0 {
		fmt.Fprintf(w, "id: %d\n", id)
	}
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
}
