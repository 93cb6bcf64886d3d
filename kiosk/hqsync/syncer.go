package hqsync

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kiosk-sco/kiosk/hqwire"
	"github.com/kiosk-sco/kiosk/store"
)

// Config is a Syncer's settings. DB, Store, Lane and Sink are needed.
type Config struct {
	DB          *store.DB
	Store, Lane string // the lane id is Store-Lane
	Sink        Sink
	// Catalog fetches HQ's catalog pushes (nil: none); Apply imports one
	// (the lane's catalog import: validated whole, applied atomically).
	Catalog interface {
		FetchCatalog(ctx context.Context, lane string, have int64) (*CatalogPush, error)
	}
	Apply func(ctx context.Context, r io.Reader, full bool, version int64) error
	// Status is the lane's own status (devices, alerts) sent with batches.
	Status func() hqwire.LaneStatus
	// BatchSize is the most events (and audit entries) per batch (500).
	BatchSize int
	// MinBackoff and MaxBackoff bound the wait after a failure (1 s, 60 s):
	// it doubles from Min up to Max, and a random part of it is waited.
	MinBackoff, MaxBackoff time.Duration
	// Idle is how long the Syncer waits for new events when it has sent
	// everything (1 s; Kick wakes it sooner). Heartbeat is how often it
	// sends its status with no events (60 s).
	Idle, Heartbeat time.Duration
	// CatalogEvery is how often it asks for a catalog push (60 s).
	CatalogEvery time.Duration
	// AlertAfter: when the oldest unsent event is older, OnBacklog(true, …)
	// is called (at most once a minute); once everything is sent,
	// OnBacklog(false, …) once. 0: never.
	AlertAfter time.Duration
	OnBacklog  func(behind bool, events int64, oldest time.Duration)
	Log        *slog.Logger
	Now        func() time.Time
}

// Status is what the Syncer reports of itself.
type Status struct {
	Sink           string     `json:"sink"`
	Backlog        int64      `json:"backlog"`                // events not yet confirmed
	Oldest         *time.Time `json:"oldest,omitempty"`       // when the oldest of them happened
	LastSent       *time.Time `json:"lastSent,omitempty"`     // the last confirmed batch
	LastError      string     `json:"lastError,omitempty"`    // since the last success
	Failures       int        `json:"failures"`               // in a row
	Sent           int64      `json:"sent"`                   // events confirmed since start
	CatalogVersion int64      `json:"catalogVersion"`         // HQ's catalog version the lane runs
	CatalogError   string     `json:"catalogError,omitempty"` // the last push refused
	CatalogRefused int64      `json:"catalogRefused,omitempty"`
}

// Syncer drains one lane's journal to HQ.
type Syncer struct {
	cfg     Config
	lane    string
	install string
	kick    chan struct{}

	mu     sync.Mutex
	status Status

	// the cursor: confirmed journal id and audit seq (the Syncer's
	// goroutine only)
	journalID, auditSeq int64
	lastBeat, lastAlert time.Time
	behind              bool
}

const sinkKey = "hq"

// New reads (or makes) the lane's sync state.
func New(ctx context.Context, cfg Config) (*Syncer, error) {
	if cfg.DB == nil || cfg.Sink == nil || cfg.Store == "" || cfg.Lane == "" {
		return nil, errors.New("hqsync: DB, Sink, Store and Lane are needed")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.MinBackoff, time.Second)
	def(&cfg.MaxBackoff, time.Minute)
	def(&cfg.Idle, time.Second)
	def(&cfg.Heartbeat, time.Minute)
	def(&cfg.CatalogEvery, time.Minute)
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.BatchSize > hqMaxBatch {
		cfg.BatchSize = hqMaxBatch
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Status == nil {
		cfg.Status = func() hqwire.LaneStatus { return hqwire.LaneStatus{} }
	}
	s := &Syncer{cfg: cfg, lane: cfg.Store + "-" + cfg.Lane, kick: make(chan struct{}, 1)}
	s.status.Sink = cfg.Sink.Name()
	err := cfg.DB.R.QueryRowContext(ctx, `SELECT install, journal_id, audit_seq, catalog_version, catalog_refused, catalog_error FROM sync_state WHERE sink = ?`, sinkKey).
		Scan(&s.install, &s.journalID, &s.auditSeq, &s.status.CatalogVersion, &s.status.CatalogRefused, &s.status.CatalogError)
	if errors.Is(err, sql.ErrNoRows) {
		s.install = uuid.NewString()
		_, err = cfg.DB.W.ExecContext(ctx, `INSERT INTO sync_state (sink, install, updated_at) VALUES (?, ?, ?)`, sinkKey, s.install, store.Stamp(cfg.Now()))
	}
	if err != nil {
		return nil, fmt.Errorf("hqsync: sync state: %w", err)
	}
	if err := s.refreshBacklog(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// hqMaxBatch is HQ's bound on a batch.
const hqMaxBatch = 5000

// Install is the id this database goes by at HQ.
func (s *Syncer) Install() string { return s.install }

// Status is a copy of the Syncer's status (safe from any goroutine).
func (s *Syncer) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Kick wakes the Syncer: the lane committed events.
func (s *Syncer) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run sends until ctx ends.
func (s *Syncer) Run(ctx context.Context) {
	failures := 0
	nextCatalog := time.Time{}
	for ctx.Err() == nil {
		more, err := s.round(ctx)
		if err != nil && ctx.Err() == nil {
			failures++
			s.failed(err, failures)
			s.sleep(ctx, s.backoff(failures), false)
			continue
		}
		failures = 0
		if s.cfg.Catalog != nil && s.cfg.Apply != nil && !s.cfg.Now().Before(nextCatalog) && ctx.Err() == nil {
			nextCatalog = s.cfg.Now().Add(s.cfg.CatalogEvery)
			s.catalog(ctx)
		}
		if !more {
			s.sleep(ctx, s.cfg.Idle, true)
		}
	}
}

// backoff is the wait after the n-th failure in a row: a random part
// ("full jitter") of min·2^(n-1), at most max.
func (s *Syncer) backoff(n int) time.Duration {
	d := s.cfg.MinBackoff << min(n-1, 20)
	if d > s.cfg.MaxBackoff || d <= 0 {
		d = s.cfg.MaxBackoff
	}
	return s.cfg.MinBackoff/2 + rand.N(d)
}

func (s *Syncer) sleep(ctx context.Context, d time.Duration, kickable bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	var kick chan struct{}
	if kickable {
		kick = s.kick
	}
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-kick:
	}
}

func (s *Syncer) failed(err error, n int) {
	s.mu.Lock()
	s.status.LastError, s.status.Failures = err.Error(), n
	s.mu.Unlock()
	var ce *ConfigError
	if errors.As(err, &ce) || n == 1 || n%10 == 0 {
		s.cfg.Log.Warn("hqsync: HQ not reached", "sink", s.cfg.Sink.Name(), "failures", n, "err", err)
	}
	s.checkBacklog()
}

// round sends one batch; more says there may be more to send now.
func (s *Syncer) round(ctx context.Context) (more bool, err error) {
	// The backlog is counted before sending, so that an outage shows (and
	// raises its alert) while every send fails.
	if err := s.refreshBacklog(ctx); err != nil {
		return false, err
	}
	evs, lastID, err := s.readEvents(ctx)
	if err != nil {
		return false, err
	}
	audit, err := s.readAudit(ctx)
	if err != nil {
		return false, err
	}
	now := s.cfg.Now()
	if len(evs) == 0 && len(audit) == 0 && now.Sub(s.lastBeat) < s.cfg.Heartbeat {
		s.checkBacklog()
		return false, nil
	}
	st := s.cfg.Status()
	st.Store, st.Lane, st.At = s.cfg.Store, s.lane, now.UTC()
	cur := s.Status()
	st.Backlog, st.BacklogOldest = cur.Backlog, cur.Oldest
	st.CatalogVersion, st.CatalogRefused, st.CatalogError = cur.CatalogVersion, cur.CatalogRefused, cur.CatalogError
	b := hqwire.Batch{Store: s.cfg.Store, Lane: s.lane, Install: s.install, Events: evs, Audit: audit, Status: &st}
	ack, err := s.cfg.Sink.Send(ctx, b)
	var rw *RewindError
	if errors.As(err, &rw) {
		s.cfg.Log.Warn("hqsync: HQ expects earlier events: sending again from there", "next", rw.Next, "auditNext", rw.AuditNext, "msg", rw.Msg)
		return true, s.rewind(ctx, rw.Next, rw.AuditNext)
	}
	if err != nil {
		return false, err
	}
	s.lastBeat = now
	// Advance over what HQ confirmed, never past what was sent.
	newID, newAudit := s.journalID, s.auditSeq
	sentEvents := int64(0)
	if n := len(evs); n > 0 {
		switch last := evs[n-1].Seq; {
		case ack.Next > last:
			newID, sentEvents = lastID, int64(n)
		case ack.Next > evs[0].Seq:
			k := ack.Next - evs[0].Seq // a prefix
			if newID, err = s.idOfSeq(ctx, evs[k-1].Seq); err != nil {
				return false, err
			}
			sentEvents = k
		case ack.Next < evs[0].Seq:
			return true, s.rewind(ctx, ack.Next, ack.AuditNext)
		}
	}
	if n := len(audit); n > 0 && ack.AuditNext > audit[0].Seq {
		newAudit = min(ack.AuditNext-1, audit[n-1].Seq)
	}
	if err := s.save(ctx, newID, newAudit); err != nil {
		return false, err
	}
	s.mu.Lock()
	s.status.Sent += sentEvents
	t := now.UTC()
	s.status.LastSent, s.status.LastError, s.status.Failures = &t, "", 0
	s.mu.Unlock()
	if err := s.refreshBacklog(ctx); err != nil {
		return false, err
	}
	s.checkBacklog()
	return len(evs) == s.cfg.BatchSize || len(audit) == s.cfg.BatchSize, nil
}

func (s *Syncer) readEvents(ctx context.Context) ([]hqwire.Event, int64, error) {
	rows, err := s.cfg.DB.R.QueryContext(ctx, `SELECT id, event_id, lane_id, seq, coalesce(txn_id, ''), type, at, body FROM journal WHERE id > ? ORDER BY id LIMIT ?`,
		s.journalID, s.cfg.BatchSize)
	if err != nil {
		return nil, 0, fmt.Errorf("hqsync: read journal: %w", err)
	}
	defer rows.Close()
	var evs []hqwire.Event
	var lastID int64
	for rows.Next() {
		var e hqwire.Event
		var at, body string
		if err := rows.Scan(&lastID, &e.ID, &e.Lane, &e.Seq, &e.Txn, &e.Type, &at, &body); err != nil {
			return nil, 0, err
		}
		e.At, e.Body = store.ParseStamp(at), json.RawMessage(body)
		if e.Lane != s.lane { // a database moved to another lane number: HQ keeps lanes apart
			return nil, 0, &ConfigError{Msg: fmt.Sprintf("journal row %d is of lane %s, this lane is %s", lastID, e.Lane, s.lane)}
		}
		evs = append(evs, e)
	}
	return evs, lastID, rows.Err()
}

func (s *Syncer) readAudit(ctx context.Context) ([]hqwire.AuditEntry, error) {
	rows, err := s.cfg.DB.R.QueryContext(ctx, `SELECT seq, at, actor, role, action, lane_id, target, where_from, outcome, detail FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`,
		s.auditSeq, s.cfg.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("hqsync: read audit: %w", err)
	}
	defer rows.Close()
	var out []hqwire.AuditEntry
	for rows.Next() {
		var a hqwire.AuditEntry
		var at, detail string
		if err := rows.Scan(&a.Seq, &at, &a.Actor, &a.Role, &a.Action, &a.Lane, &a.Target, &a.Where, &a.Outcome, &detail); err != nil {
			return nil, err
		}
		a.At = store.ParseStamp(at)
		if detail != "" && detail != "{}" {
			a.Detail = json.RawMessage(detail)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Syncer) idOfSeq(ctx context.Context, seq int64) (int64, error) {
	var id int64
	err := s.cfg.DB.R.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM journal WHERE lane_id = ? AND seq <= ?`, s.lane, seq).Scan(&id)
	return id, err
}

// rewind moves the cursor back so that the next batch starts at seq next.
func (s *Syncer) rewind(ctx context.Context, next, auditNext int64) error {
	id, err := s.idOfSeq(ctx, next-1)
	if err != nil {
		return err
	}
	if id > s.journalID {
		s.cfg.Log.Error("hqsync: HQ expects events the lane never wrote: not skipping any", "next", next)
		return fmt.Errorf("hqsync: HQ expects seq %d, beyond what was sent", next)
	}
	a := max(min(auditNext-1, s.auditSeq), 0)
	if err := s.save(ctx, id, a); err != nil {
		return err
	}
	return s.refreshBacklog(ctx)
}

func (s *Syncer) save(ctx context.Context, journalID, auditSeq int64) error {
	now := store.Stamp(s.cfg.Now())
	if _, err := s.cfg.DB.W.ExecContext(ctx, `UPDATE sync_state SET journal_id = ?, audit_seq = ?, sent_at = ?, updated_at = ? WHERE sink = ?`,
		journalID, auditSeq, now, now, sinkKey); err != nil {
		return fmt.Errorf("hqsync: save cursor: %w", err)
	}
	s.journalID, s.auditSeq = journalID, auditSeq
	return nil
}

// refreshBacklog counts the unsent events and finds when the oldest happened.
func (s *Syncer) refreshBacklog(ctx context.Context) error {
	var n int64
	var oldest sql.NullString
	err := s.cfg.DB.R.QueryRowContext(ctx, `SELECT count(*), (SELECT at FROM journal WHERE id > ?1 ORDER BY id LIMIT 1) FROM journal WHERE id > ?1`, s.journalID).
		Scan(&n, &oldest)
	if err != nil {
		return fmt.Errorf("hqsync: backlog: %w", err)
	}
	s.mu.Lock()
	s.status.Backlog, s.status.Oldest = n, nil
	if oldest.Valid {
		t := store.ParseStamp(oldest.String)
		s.status.Oldest = &t
	}
	s.mu.Unlock()
	return nil
}

// checkBacklog tells the lane when its oldest unsent event is older than
// AlertAfter, and when everything is sent again.
func (s *Syncer) checkBacklog() {
	if s.cfg.AlertAfter <= 0 || s.cfg.OnBacklog == nil {
		return
	}
	st := s.Status()
	now := s.cfg.Now()
	switch {
	case st.Backlog > 0 && st.Oldest != nil && now.Sub(*st.Oldest) > s.cfg.AlertAfter:
		if now.Sub(s.lastAlert) >= time.Minute || !s.behind {
			s.behind, s.lastAlert = true, now
			s.cfg.OnBacklog(true, st.Backlog, now.Sub(*st.Oldest))
		}
	case st.Backlog == 0 && s.behind:
		s.behind = false
		s.cfg.OnBacklog(false, 0, 0)
	}
}

// catalog fetches and applies HQ's next catalog push, if there is one. A
// push the lane refuses is recorded with the import's report and not tried
// again; a newer one is.
func (s *Syncer) catalog(ctx context.Context) {
	st := s.Status()
	have := max(st.CatalogVersion, st.CatalogRefused)
	push, err := s.cfg.Catalog.FetchCatalog(ctx, s.lane, have)
	if err != nil {
		s.cfg.Log.Warn("hqsync: catalog push not fetched", "err", err)
		return
	}
	if push == nil {
		return
	}
	s.cfg.Log.Info("hqsync: applying HQ's catalog", "version", push.Version, "full", push.Full, "bytes", len(push.Body))
	err = s.cfg.Apply(ctx, bytes.NewReader(push.Body), push.Full, push.Version)
	now := store.Stamp(s.cfg.Now())
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		report := err.Error()
		if len(report) > 4000 {
			report = report[:4000] + "…"
		}
		s.cfg.Log.Error("hqsync: HQ's catalog refused", "version", push.Version, "report", report)
		if _, err := s.cfg.DB.W.ExecContext(ctx, `UPDATE sync_state SET catalog_refused = ?, catalog_error = ?, updated_at = ? WHERE sink = ?`,
			push.Version, report, now, sinkKey); err == nil {
			s.mu.Lock()
			s.status.CatalogRefused, s.status.CatalogError = push.Version, report
			s.mu.Unlock()
		}
		s.lastBeat = time.Time{} // HQ hears of the refusal now
		s.Kick()
		return
	}
	if _, err := s.cfg.DB.W.ExecContext(ctx, `UPDATE sync_state SET catalog_version = ?, catalog_error = '', updated_at = ? WHERE sink = ?`,
		push.Version, now, sinkKey); err != nil {
		s.cfg.Log.Error("hqsync: catalog version not recorded", "err", err)
		return
	}
	s.mu.Lock()
	s.status.CatalogVersion, s.status.CatalogError = push.Version, ""
	s.mu.Unlock()
	s.lastBeat = time.Time{} // report the new version now
	s.Kick()
}
