package hq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/kiosk-sco/kiosk/hqwire"
)

// Bounds of one batch.
const (
	MaxBatchEvents = 5000
	MaxBatchAudit  = 5000
	MaxEventBody   = 64 << 10
)

// Ingest stores a lane's batch in one database transaction and answers once
// it is committed: events new to HQ are stored and projected (sales,
// interventions), events HQ holds already are counted as duplicates, the
// lane's status is kept. store, when not empty, is the only store the caller
// may push for (its token's). A batch that starts beyond the lane's next Seq
// stores nothing and returns a *GapError; an event that contradicts one HQ
// holds (the same Seq with another id) stores nothing and returns
// ErrConflict.
func (s *Service) Ingest(ctx context.Context, b hqwire.Batch, store string) (hqwire.Ack, error) {
	if err := checkBatch(&b); err != nil {
		return hqwire.Ack{}, err
	}
	if store != "" && b.Store != store {
		return hqwire.Ack{}, fmt.Errorf("%w: this token pushes for store %s, not %s", ErrForbidden, store, b.Store)
	}
	s.ingest.Lock()
	defer s.ingest.Unlock()
	var ack hqwire.Ack
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		ack, err = s.ingestTx(tx, &b)
		return err
	})
	if err != nil {
		return hqwire.Ack{}, err
	}
	return ack, nil
}

func (s *Service) ingestTx(tx *gorm.DB, b *hqwire.Batch) (hqwire.Ack, error) {
	now := s.now().UTC()
	var ack hqwire.Ack
	var lane LaneRow
	err := tx.Where("lane = ?", b.Lane).Take(&lane).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		lane = LaneRow{Lane: b.Lane, Store: b.Store, Next: 1}
		if err := tx.Create(&lane).Error; err != nil {
			return ack, err
		}
	case err != nil:
		return ack, err
	case lane.Store != b.Store:
		return ack, fmt.Errorf("%w: lane %s belongs to store %s", ErrConflict, b.Lane, lane.Store)
	}
	var inst Install
	if b.Install != "" {
		err := tx.Where("install = ?", b.Install).Take(&inst).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			inst = Install{Install: b.Install, Lane: b.Lane, Next: 1}
			if err := tx.Create(&inst).Error; err != nil {
				return ack, err
			}
		case err != nil:
			return ack, err
		case inst.Lane != b.Lane:
			return ack, fmt.Errorf("%w: install %s belongs to lane %s", ErrConflict, b.Install, inst.Lane)
		}
	}

	if n := len(b.Events); n > 0 {
		first, last := b.Events[0].Seq, b.Events[n-1].Seq
		if first > lane.Next {
			return ack, &GapError{Lane: b.Lane, Next: lane.Next, Got: first, AuditNext: inst.Next}
		}
		if held := min(last, lane.Next-1); held >= first { // resent: they must be the same events
			var ids []struct {
				Seq     int64
				EventID string
			}
			if err := tx.Model(&Event{}).Select("seq, event_id").Where("lane = ? AND seq BETWEEN ? AND ?", b.Lane, first, held).Find(&ids).Error; err != nil {
				return ack, err
			}
			if int64(len(ids)) != held-first+1 {
				return ack, fmt.Errorf("hq: lane %s holds %d events of seq %d..%d", b.Lane, len(ids), first, held)
			}
			for _, r := range ids {
				if b.Events[r.Seq-first].ID != r.EventID {
					return ack, fmt.Errorf("%w: lane %s seq %d is event %s at HQ, the lane sent %s (a reinstalled lane needs a new lane number)",
						ErrConflict, b.Lane, r.Seq, r.EventID, b.Events[r.Seq-first].ID)
				}
			}
			ack.Duplicates += int(held - first + 1)
		}
		fresh := b.Events[min(int64(n), max(0, lane.Next-first)):]
		if len(fresh) > 0 {
			rows := make([]Event, len(fresh))
			for i, e := range fresh {
				rows[i] = Event{EventID: e.ID, Store: b.Store, Lane: b.Lane, Seq: e.Seq, Txn: e.Txn, Type: e.Type, At: e.At.UTC(), Body: string(e.Body), ReceivedAt: now}
			}
			if err := insertEvents(tx, rows); err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) || isUnique(err) {
					return ack, fmt.Errorf("%w: an event id of lane %s's batch is held for another event: %v", ErrConflict, b.Lane, err)
				}
				return ack, err
			}
			if err := s.project(tx, b.Store, b.Lane, rows); err != nil {
				return ack, err
			}
			lane.Next = last + 1
			ack.Stored += len(fresh)
		}
	}

	// An audit log's seq is AUTOINCREMENT: a rolled-back insert leaves a
	// hole for good, so entries need only ascend; those below the install's
	// next seq are held already.
	if n := len(b.Audit); n > 0 {
		k := 0
		for k < n && b.Audit[k].Seq < inst.Next {
			k++
		}
		fresh := b.Audit[k:]
		ack.Duplicates += n - len(fresh)
		if len(fresh) > 0 {
			rows := make([]AuditRow, len(fresh))
			for i, a := range fresh {
				rows[i] = AuditRow{Install: b.Install, Seq: a.Seq, Store: b.Store, Lane: b.Lane, At: a.At.UTC(), Actor: a.Actor, Role: a.Role,
					Action: a.Action, Target: a.Target, Where: a.Where, Outcome: a.Outcome, Detail: string(a.Detail)}
			}
			if err := tx.CreateInBatches(rows, 200).Error; err != nil {
				return ack, err
			}
			inst.Next = b.Audit[n-1].Seq + 1
			ack.Stored += len(fresh)
			if err := tx.Model(&Install{}).Where("install = ?", inst.Install).Update("next", inst.Next).Error; err != nil {
				return ack, err
			}
		}
	}

	lane.LastSeen = now
	if st := b.Status; st != nil {
		lane.StatusAt, lane.Version = st.At.UTC(), st.Version
		lane.Backlog, lane.BacklogOldest = st.Backlog, st.BacklogOldest
		lane.CatalogVersion, lane.CatalogLocal, lane.CatalogRefused, lane.CatalogError = st.CatalogVersion, st.CatalogLocal, st.CatalogRefused, st.CatalogError
		lane.OpenAlerts, lane.Closed = st.OpenAlerts, st.Closed
		devs, _ := json.Marshal(st.Devices)
		lane.Devices = string(devs)
	}
	if err := tx.Save(&lane).Error; err != nil {
		return ack, err
	}
	ack.Next, ack.AuditNext = lane.Next, inst.Next
	return ack, nil
}

// checkBatch refuses a malformed batch, saying what is wrong.
func checkBatch(b *hqwire.Batch) error {
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: "+f, append([]any{ErrInvalid}, a...)...) }
	if !ident(b.Store, 32) {
		return bad("store %q: 1..32 letters, digits, '-' or '_'", b.Store)
	}
	if !ident(b.Lane, 64) || !strings.HasPrefix(b.Lane, b.Store+"-") {
		return bad("lane %q: the store's number, '-', the lane's", b.Lane)
	}
	if b.Install != "" && !ident(b.Install, 64) {
		return bad("install %q: 1..64 letters, digits, '-' or '_'", b.Install)
	}
	if len(b.Events) > MaxBatchEvents || len(b.Audit) > MaxBatchAudit {
		return bad("at most %d events and %d audit entries in a batch", MaxBatchEvents, MaxBatchAudit)
	}
	if len(b.Audit) > 0 && b.Install == "" {
		return bad("audit entries need the install they come from")
	}
	for i, e := range b.Events {
		switch {
		case e.Lane != b.Lane:
			return bad("event %d is of lane %q in a batch of lane %q", i, e.Lane, b.Lane)
		case e.Seq < 1 || (i > 0 && e.Seq != b.Events[i-1].Seq+1):
			return bad("event %d has seq %d: a batch's events are consecutive from 1 up", i, e.Seq)
		case uuid.Validate(e.ID) != nil:
			return bad("event seq %d: id %q is not a UUID", e.Seq, e.ID)
		case !ident(e.Type, 64):
			return bad("event seq %d: type %q", e.Seq, e.Type)
		case len(e.Txn) > 64 || !utf8.ValidString(e.Txn):
			return bad("event seq %d: txn too long", e.Seq)
		case e.At.IsZero() || e.At.Year() < 2000 || e.At.Year() > 9999:
			return bad("event seq %d: time %s", e.Seq, e.At)
		case len(e.Body) > MaxEventBody || !json.Valid(e.Body):
			return bad("event seq %d: the body is not JSON of at most %d bytes", e.Seq, MaxEventBody)
		}
	}
	for i, a := range b.Audit {
		switch {
		case a.Seq < 1 || (i > 0 && a.Seq <= b.Audit[i-1].Seq):
			return bad("audit entry %d has seq %d: ascending from 1 up", i, a.Seq)
		case a.At.IsZero() || a.At.Year() < 2000 || a.At.Year() > 9999:
			return bad("audit seq %d: time %s", a.Seq, a.At)
		case !text(a.Actor, 128) || !text(a.Role, 32) || !text(a.Action, 64) || !text(a.Target, 256) || !text(a.Where, 256) || !text(a.Outcome, 64):
			return bad("audit seq %d: a field is too long or not text", a.Seq)
		case len(a.Detail) > MaxEventBody || (len(a.Detail) > 0 && !json.Valid(a.Detail)):
			return bad("audit seq %d: detail is not JSON", a.Seq)
		}
	}
	if st := b.Status; st != nil && (len(st.CatalogError) > 8192 || len(st.Devices) > 32 || len(st.Version) > 64) {
		return bad("status too large")
	}
	return nil
}

// ident: 1..max ASCII letters, digits, '-', '_' or '.'.
func ident(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// text: valid UTF-8 of at most max bytes without control characters.
func text(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func isUnique(err error) bool {
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "unique") || strings.Contains(m, "duplicate key")
}

// insertEvents writes rows with multi-row INSERTs of 100 (9 parameters a
// row, well below SQLite's and PostgreSQL's limits), without reading ids
// back: the projections need none, and reading them costs more than the
// insert.
func insertEvents(tx *gorm.DB, rows []Event) error {
	const chunk = 100
	for i := 0; i < len(rows); i += chunk {
		part := rows[i:min(i+chunk, len(rows))]
		var q strings.Builder
		q.WriteString("INSERT INTO events (event_id, store, lane, seq, txn, type, at, body, received_at) VALUES ")
		args := make([]any, 0, 9*len(part))
		for j, r := range part {
			if j > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, r.EventID, r.Store, r.Lane, r.Seq, r.Txn, r.Type, r.At, r.Body, r.ReceivedAt)
		}
		if err := tx.Exec(q.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}
