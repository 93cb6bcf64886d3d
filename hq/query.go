package hq

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kiosk-sco/kiosk/hqwire"
)

// Filter narrows a pull: a store, a lane, a time range [From, To), the page
// after a cursor.
type Filter struct {
	Store, Lane string
	From, To    time.Time // zero: open
	After       string    // a cursor from the last page; "" the first page
	Limit       int       // 1..MaxPage; 0: DefaultPage
}

// Page sizes.
const (
	DefaultPage = 100
	MaxPage     = 1000
)

// Cursor is the opaque position after the last row of a page: the row's ID.
func Cursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c1:" + strconv.FormatInt(id, 10)))
}

// parseCursor reads a Cursor; "" is the start.
func parseCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "c1:") {
		return 0, fmt.Errorf("%w: cursor %q is not one this API gave", ErrInvalid, c)
	}
	id, err := strconv.ParseInt(string(b[3:]), 10, 64)
	if err != nil || id < 0 {
		return 0, fmt.Errorf("%w: cursor %q is not one this API gave", ErrInvalid, c)
	}
	return id, nil
}

func (f Filter) limit() int {
	if f.Limit <= 0 {
		return DefaultPage
	}
	return min(f.Limit, MaxPage)
}

// scope applies the filter to a query on a table with store, lane, the time
// column timeCol and ID.
func (f Filter) scope(q *gorm.DB, timeCol string) (*gorm.DB, error) {
	after, err := parseCursor(f.After)
	if err != nil {
		return nil, err
	}
	q = q.Where("id > ?", after)
	if f.Store != "" {
		q = q.Where("store = ?", f.Store)
	}
	if f.Lane != "" {
		q = q.Where("lane = ?", f.Lane)
	}
	if !f.From.IsZero() {
		q = q.Where(timeCol+" >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where(timeCol+" < ?", f.To.UTC())
	}
	return q.Order("id").Limit(f.limit() + 1), nil
}

// page fetches one page of T and the next cursor ("" at the end).
func page[T any](ctx context.Context, s *Service, f Filter, timeCol string, id func(*T) int64) ([]T, string, error) {
	q, err := f.scope(s.db.WithContext(ctx).Model(new(T)), timeCol)
	if err != nil {
		return nil, "", err
	}
	var rows []T
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", err
	}
	next := ""
	if n := f.limit(); len(rows) > n {
		rows = rows[:n]
		next = Cursor(id(&rows[n-1]))
	}
	return rows, next, nil
}

// SaleOut is a sale as the pull API shows it.
type SaleOut struct {
	Cursor        string              `json:"cursor"`
	Txn           string              `json:"txn"`
	Store         string              `json:"store"`
	Lane          string              `json:"lane"`
	Outcome       string              `json:"outcome"`
	Started       time.Time           `json:"started"`
	Ended         time.Time           `json:"ended"`
	DurationS     float64             `json:"durationS"`
	Items         int                 `json:"items"`
	TotalMinor    int64               `json:"totalMinor"`
	Currency      string              `json:"currency"`
	Lang          string              `json:"lang"`
	HelpOpened    bool                `json:"helpOpened"`
	HelpAlert     bool                `json:"helpAlert"`
	Effort        int                 `json:"effort,omitempty"`
	Interventions int                 `json:"interventions"`
	Lines         []hqwire.SaleLine   `json:"lines"`
	Tenders       []hqwire.SaleTender `json:"tenders"`
	VAT           []hqwire.SaleVAT    `json:"vat"`
}

// Sales pages through ended transactions (paid and cancelled), by the time
// they ended.
func (s *Service) Sales(ctx context.Context, f Filter) ([]SaleOut, string, error) {
	rows, next, err := page(ctx, s, f, "ended", func(r *Sale) int64 { return r.ID })
	if err != nil {
		return nil, "", err
	}
	out := make([]SaleOut, len(rows))
	for i, r := range rows {
		o := SaleOut{Cursor: Cursor(r.ID), Txn: r.Txn, Store: r.Store, Lane: r.Lane, Outcome: r.Outcome, Started: r.Started.UTC(), Ended: r.Ended.UTC(),
			DurationS: r.Ended.Sub(r.Started).Seconds(), Items: r.Items, TotalMinor: r.TotalMinor, Currency: r.Currency, Lang: r.Lang,
			HelpOpened: r.HelpOpened, HelpAlert: r.HelpAlert, Effort: r.Effort, Interventions: r.Interventions,
			Lines: []hqwire.SaleLine{}, Tenders: []hqwire.SaleTender{}, VAT: []hqwire.SaleVAT{}}
		var d hqwire.Sale
		if r.Detail != "" && json.Unmarshal([]byte(r.Detail), &d) == nil {
			o.Lines, o.Tenders, o.VAT = nonNil(d.Lines), nonNil(d.Tenders), nonNil(d.VAT)
		}
		out[i] = o
	}
	return out, next, nil
}

// InterventionOut is an alert as the pull API shows it.
type InterventionOut struct {
	Cursor     string     `json:"cursor"`
	Store      string     `json:"store"`
	Lane       string     `json:"lane"`
	AlertID    int64      `json:"alertId"`
	Txn        string     `json:"txn,omitempty"`
	Reason     string     `json:"reason"` // the alert type: why staff were called
	RaisedAt   time.Time  `json:"raisedAt"`
	AckedAt    *time.Time `json:"ackedAt,omitempty"`
	AckedBy    string     `json:"ackedBy,omitempty"`
	ResolvedAt *time.Time `json:"resolvedAt,omitempty"`
	ResolvedBy string     `json:"resolvedBy,omitempty"`
	Role       string     `json:"role,omitempty"`
	Outcome    string     `json:"outcome,omitempty"`
	Note       string     `json:"note,omitempty"` // the reason staff gave
	Level      int        `json:"level"`
	Staff      bool       `json:"staff"`                    // a staff member resolved it
	TTRS       *float64   `json:"timeToResolveS,omitempty"` // raised to resolved, seconds
}

// Interventions pages through alerts by the time they were raised.
func (s *Service) Interventions(ctx context.Context, f Filter) ([]InterventionOut, string, error) {
	rows, next, err := page(ctx, s, f, "raised_at", func(r *Intervention) int64 { return r.ID })
	if err != nil {
		return nil, "", err
	}
	out := make([]InterventionOut, len(rows))
	for i, r := range rows {
		o := InterventionOut{Cursor: Cursor(r.ID), Store: r.Store, Lane: r.Lane, AlertID: r.AlertID, Txn: r.Txn, Reason: r.Type, RaisedAt: r.RaisedAt.UTC(),
			AckedAt: utcp(r.AckedAt), AckedBy: r.AckedBy, ResolvedAt: utcp(r.ResolvedAt), ResolvedBy: r.ResolvedBy, Role: r.Role, Outcome: r.Outcome,
			Note: r.Reason, Level: r.Level, Staff: r.Role != ""}
		if r.ResolvedAt != nil {
			d := r.ResolvedAt.Sub(r.RaisedAt).Seconds()
			o.TTRS = &d
		}
		out[i] = o
	}
	return out, next, nil
}

// AuditOut is an audit entry as the pull API shows it.
type AuditOut struct {
	Cursor  string          `json:"cursor"`
	Store   string          `json:"store"`
	Lane    string          `json:"lane"`
	Install string          `json:"install"`
	Seq     int64           `json:"seq"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Role    string          `json:"role,omitempty"`
	Action  string          `json:"action"`
	Target  string          `json:"target,omitempty"`
	Where   string          `json:"where,omitempty"`
	Outcome string          `json:"outcome"`
	Detail  json.RawMessage `json:"detail,omitempty"`
}

// Audit pages through the kiosks' audit logs by time.
func (s *Service) Audit(ctx context.Context, f Filter) ([]AuditOut, string, error) {
	rows, next, err := page(ctx, s, f, "at", func(r *AuditRow) int64 { return r.ID })
	if err != nil {
		return nil, "", err
	}
	out := make([]AuditOut, len(rows))
	for i, r := range rows {
		o := AuditOut{Cursor: Cursor(r.ID), Store: r.Store, Lane: r.Lane, Install: r.Install, Seq: r.Seq, At: r.At.UTC(), Actor: r.Actor, Role: r.Role,
			Action: r.Action, Target: r.Target, Where: r.Where, Outcome: r.Outcome}
		if r.Detail != "" {
			o.Detail = json.RawMessage(r.Detail)
		}
		out[i] = o
	}
	return out, next, nil
}

// EventOut is a lane event as the pull API shows it.
type EventOut struct {
	Cursor string          `json:"cursor"`
	ID     string          `json:"id"`
	Store  string          `json:"store"`
	Lane   string          `json:"lane"`
	Seq    int64           `json:"seq"`
	Txn    string          `json:"txn,omitempty"`
	Type   string          `json:"type"`
	At     time.Time       `json:"at"`
	Body   json.RawMessage `json:"body"`
}

// Events pages through the raw lane events by the time they happened.
func (s *Service) Events(ctx context.Context, f Filter) ([]EventOut, string, error) {
	rows, next, err := page(ctx, s, f, "at", func(r *Event) int64 { return r.ID })
	if err != nil {
		return nil, "", err
	}
	out := make([]EventOut, len(rows))
	for i, r := range rows {
		out[i] = EventOut{Cursor: Cursor(r.ID), ID: r.EventID, Store: r.Store, Lane: r.Lane, Seq: r.Seq, Txn: r.Txn, Type: r.Type, At: r.At.UTC(), Body: json.RawMessage(r.Body)}
	}
	return out, next, nil
}

// LaneOut is a lane's sync and health as HQ last heard.
type LaneOut struct {
	Lane           string            `json:"lane"`
	Store          string            `json:"store"`
	Events         int64             `json:"events"` // held at HQ: the last seq
	LastSeen       time.Time         `json:"lastSeen"`
	StatusAt       time.Time         `json:"statusAt"`
	Version        string            `json:"version,omitempty"`
	Backlog        int64             `json:"backlog"`
	BacklogOldest  *time.Time        `json:"backlogOldest,omitempty"`
	CatalogVersion int64             `json:"catalogVersion"`
	CatalogRefused int64             `json:"catalogRefused,omitempty"`
	CatalogError   string            `json:"catalogError,omitempty"`
	Devices        map[string]string `json:"devices"`
	OpenAlerts     int               `json:"openAlerts"`
	Closed         bool              `json:"closed"`
}

// Lanes lists the lanes (of a store), by lane id.
func (s *Service) Lanes(ctx context.Context, store string) ([]LaneOut, error) {
	q := s.db.WithContext(ctx).Order("lane")
	if store != "" {
		q = q.Where("store = ?", store)
	}
	var rows []LaneRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]LaneOut, len(rows))
	for i, r := range rows {
		o := LaneOut{Lane: r.Lane, Store: r.Store, Events: r.Next - 1, LastSeen: r.LastSeen.UTC(), StatusAt: r.StatusAt.UTC(), Version: r.Version,
			Backlog: r.Backlog, BacklogOldest: utcp(r.BacklogOldest), CatalogVersion: r.CatalogVersion, CatalogRefused: r.CatalogRefused,
			CatalogError: r.CatalogError, OpenAlerts: r.OpenAlerts, Closed: r.Closed, Devices: map[string]string{}}
		if r.Devices != "" {
			json.Unmarshal([]byte(r.Devices), &o.Devices)
		}
		if o.Devices == nil {
			o.Devices = map[string]string{}
		}
		out[i] = o
	}
	return out, nil
}

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
