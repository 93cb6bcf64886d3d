package hqweb

import (
	"bytes"
	"crypto/subtle"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kiosk-sco/kiosk/hq"
	"github.com/kiosk-sco/kiosk/hqwire"
)

// MaxCatalogUpload bounds a request body, a published catalog's included
// (a million products is about 100 MB of CSV).
const MaxCatalogUpload = 128 << 20

// HeaderNextCursor carries a CSV page's next cursor ("" at the end).
const HeaderNextCursor = "Kiosk-Next-Cursor"

func constantEq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func (s *Server) ingest(c *fiber.Ctx) error {
	if len(c.Body()) > MaxIngestBytes {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, fmt.Sprintf("a batch has at most %d bytes", MaxIngestBytes))
	}
	var b hqwire.Batch
	if err := decodeJSON(c.Body(), &b); err != nil {
		return err
	}
	ack, err := s.svc.Ingest(c.UserContext(), b, principal(c).Store)
	var gap *hq.GapError
	if errors.As(err, &gap) {
		return c.Status(fiber.StatusConflict).JSON(hqwire.Ack{Next: gap.Next, AuditNext: gap.AuditNext, Error: gap.Error()})
	}
	if err != nil {
		return err
	}
	return c.JSON(ack)
}

func (s *Server) catalogNext(c *fiber.Ctx) error {
	p := principal(c)
	lane := c.Params("lane")
	if !strings.HasPrefix(lane, p.Store+"-") {
		return fmt.Errorf("%w: lane %s is not of store %s", hq.ErrForbidden, lane, p.Store)
	}
	have, err := strconv.ParseInt(c.Query("have", "0"), 10, 64)
	if err != nil || have < 0 {
		return fmt.Errorf("%w: have: the HQ catalog version the lane runs, 0 or more", hq.ErrInvalid)
	}
	cat, err := s.svc.NextCatalog(c.UserContext(), p.Store, have)
	if err != nil {
		return err
	}
	if cat == nil {
		return c.SendStatus(fiber.StatusNoContent)
	}
	c.Set(hqwire.HeaderCatalogVersion, strconv.FormatInt(cat.Version, 10))
	c.Set(hqwire.HeaderCatalogMode, cat.Mode)
	c.Set(hqwire.HeaderCatalogSHA256, cat.SHA256)
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	return c.Send(cat.Body)
}

// CatalogOut is a publication as the API lists it.
type CatalogOut struct {
	Version     int64     `json:"version"`
	Mode        string    `json:"mode"`
	Store       string    `json:"store,omitempty"`
	SHA256      string    `json:"sha256"`
	Rows        int       `json:"rows"`
	Size        int64     `json:"size"`
	PublishedAt time.Time `json:"publishedAt"`
	By          string    `json:"by"`
	Note        string    `json:"note,omitempty"`
}

func catalogOut(c hq.Catalog) CatalogOut {
	return CatalogOut{Version: c.Version, Mode: c.Mode, Store: c.Store, SHA256: c.SHA256, Rows: c.Rows, Size: c.Size,
		PublishedAt: c.PublishedAt.UTC(), By: c.By, Note: c.Note}
}

func (s *Server) catalogPublish(c *fiber.Ctx) error {
	cat, err := s.svc.PublishCatalog(c.UserContext(), c.Body(), c.Query("mode", hqwire.CatalogFull), c.Query("store"), principal(c).Name, c.Query("note"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(catalogOut(cat))
}

func (s *Server) catalogList(c *fiber.Ctx) error {
	cats, err := s.svc.Catalogs(c.UserContext(), 100)
	if err != nil {
		return err
	}
	out := []CatalogOut{}
	p := principal(c)
	for _, cat := range cats {
		if p.Store == "" || cat.Store == "" || cat.Store == p.Store {
			out = append(out, catalogOut(cat))
		}
	}
	return c.JSON(fiber.Map{"items": out})
}

// filter reads the pull API's query: store, lane, from, to (RFC 3339),
// cursor, limit. A store token sees its own store only.
func filter(c *fiber.Ctx) (hq.Filter, error) {
	f := hq.Filter{Store: c.Query("store"), Lane: c.Query("lane"), After: c.Query("cursor")}
	if p := principal(c); p.Store != "" {
		if f.Store != "" && f.Store != p.Store {
			return f, fmt.Errorf("%w: this token sees store %s only", hq.ErrForbidden, p.Store)
		}
		f.Store = p.Store
		if f.Lane != "" && !strings.HasPrefix(f.Lane, p.Store+"-") {
			return f, fmt.Errorf("%w: lane %s is not of store %s", hq.ErrForbidden, f.Lane, p.Store)
		}
	}
	var err error
	if f.From, err = queryTime(c, "from"); err != nil {
		return f, err
	}
	if f.To, err = queryTime(c, "to"); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, fmt.Errorf("%w: from must be before to", hq.ErrInvalid)
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > hq.MaxPage {
			return f, fmt.Errorf("%w: limit: 1..%d", hq.ErrInvalid, hq.MaxPage)
		}
		f.Limit = n
	}
	if len(f.Store) > 32 || len(f.Lane) > 64 || len(f.After) > 64 {
		return f, fmt.Errorf("%w: a parameter is too long", hq.ErrInvalid)
	}
	return f, nil
}

func queryTime(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, fmt.Errorf("%w: %s %q: an RFC 3339 time such as 2026-12-01T00:00:00Z", hq.ErrInvalid, name, v)
	}
	return t, nil
}

// wantCSV: ?format=csv, or an Accept header that asks for text/csv.
func wantCSV(c *fiber.Ctx) (bool, error) {
	switch c.Query("format") {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
		return strings.Contains(c.Get(fiber.HeaderAccept), "text/csv"), nil
	}
	return false, fmt.Errorf("%w: format: json or csv", hq.ErrInvalid)
}

// page answers a page of items as JSON {"items", "next"} or as CSV with
// a header row and the next cursor in a header.
func page[T any](c *fiber.Ctx, items []T, next string, header []string, row func(T) []string) error {
	csvOut, err := wantCSV(c)
	if err != nil {
		return err
	}
	if !csvOut {
		if items == nil {
			items = []T{}
		}
		return c.JSON(fiber.Map{"items": items, "next": next})
	}
	c.Set(HeaderNextCursor, next)
	return sendCSV(c, header, len(items), func(i int) []string { return row(items[i]) })
}

func sendCSV(c *fiber.Ctx, header []string, n int, row func(int) []string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(header)
	for i := range n {
		rec := row(i)
		for j, v := range rec {
			rec[j] = csvSafe(v)
		}
		w.Write(rec)
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	return c.Send(buf.Bytes())
}

// csvSafe keeps a spreadsheet from running a cell as a formula: a value
// that starts with = + - @ (or a tab or CR) gets a leading apostrophe,
// unless it is a plain number.
func csvSafe(v string) string {
	if v == "" || !strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return v
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return v
	}
	return "'" + v
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return ts(*t)
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func money(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

func (s *Server) sales(c *fiber.Ctx) error {
	f, err := filter(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.Sales(c.UserContext(), f)
	if err != nil {
		return err
	}
	return page(c, items, next, []string{"cursor", "txn", "store", "lane", "outcome", "started", "ended", "duration_s", "items", "total", "currency",
		"lines", "tenders", "vat", "help_opened", "help_called", "effort", "interventions"}, func(o hq.SaleOut) []string {
		var tenders, vat []string
		for _, t := range o.Tenders {
			tenders = append(tenders, t.Method+" "+money(t.AmountMinor))
		}
		for _, v := range o.VAT {
			vat = append(vat, v.Rate+"% "+money(v.GrossMinor))
		}
		effort := ""
		if o.Effort > 0 {
			effort = strconv.Itoa(o.Effort)
		}
		return []string{o.Cursor, o.Txn, o.Store, o.Lane, o.Outcome, ts(o.Started), ts(o.Ended), strconv.FormatFloat(o.DurationS, 'f', -1, 64),
			strconv.Itoa(o.Items), money(o.TotalMinor), o.Currency, strconv.Itoa(len(o.Lines)), strings.Join(tenders, "; "), strings.Join(vat, "; "),
			strconv.FormatBool(o.HelpOpened), strconv.FormatBool(o.HelpAlert), effort, strconv.Itoa(o.Interventions)}
	})
}

func (s *Server) interventions(c *fiber.Ctx) error {
	f, err := filter(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.Interventions(c.UserContext(), f)
	if err != nil {
		return err
	}
	return page(c, items, next, []string{"cursor", "store", "lane", "alert_id", "txn", "reason", "raised_at", "acked_at", "acked_by", "resolved_at",
		"resolved_by", "role", "outcome", "note", "level", "staff", "time_to_resolve_s"}, func(o hq.InterventionOut) []string {
		ttr := ""
		if o.TTRS != nil {
			ttr = strconv.FormatFloat(*o.TTRS, 'f', -1, 64)
		}
		return []string{o.Cursor, o.Store, o.Lane, i64(o.AlertID), o.Txn, o.Reason, ts(o.RaisedAt), tsp(o.AckedAt), o.AckedBy, tsp(o.ResolvedAt),
			o.ResolvedBy, o.Role, o.Outcome, o.Note, strconv.Itoa(o.Level), strconv.FormatBool(o.Staff), ttr}
	})
}

func (s *Server) audit(c *fiber.Ctx) error {
	f, err := filter(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.Audit(c.UserContext(), f)
	if err != nil {
		return err
	}
	return page(c, items, next, []string{"cursor", "store", "lane", "install", "seq", "at", "actor", "role", "action", "target", "where", "outcome", "detail"},
		func(o hq.AuditOut) []string {
			return []string{o.Cursor, o.Store, o.Lane, o.Install, i64(o.Seq), ts(o.At), o.Actor, o.Role, o.Action, o.Target, o.Where, o.Outcome, string(o.Detail)}
		})
}

func (s *Server) events(c *fiber.Ctx) error {
	f, err := filter(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.Events(c.UserContext(), f)
	if err != nil {
		return err
	}
	return page(c, items, next, []string{"cursor", "id", "store", "lane", "seq", "txn", "type", "at", "body"}, func(o hq.EventOut) []string {
		return []string{o.Cursor, o.ID, o.Store, o.Lane, i64(o.Seq), o.Txn, o.Type, ts(o.At), string(o.Body)}
	})
}

func (s *Server) lanes(c *fiber.Ctx) error {
	store := c.Query("store")
	if p := principal(c); p.Store != "" {
		if store != "" && store != p.Store {
			return fmt.Errorf("%w: this token sees store %s only", hq.ErrForbidden, p.Store)
		}
		store = p.Store
	}
	items, err := s.svc.Lanes(c.UserContext(), store)
	if err != nil {
		return err
	}
	return page(c, items, "", []string{"lane", "store", "events", "last_seen", "backlog", "backlog_oldest", "catalog_version", "catalog_error",
		"open_alerts", "closed", "devices"}, func(o hq.LaneOut) []string {
		var devs []string
		for _, k := range sortedKeys(o.Devices) {
			devs = append(devs, k+": "+o.Devices[k])
		}
		return []string{o.Lane, o.Store, i64(o.Events), ts(o.LastSeen), i64(o.Backlog), tsp(o.BacklogOldest), i64(o.CatalogVersion), o.CatalogError,
			strconv.Itoa(o.OpenAlerts), strconv.FormatBool(o.Closed), strings.Join(devs, "; ")}
	})
}

func (s *Server) kpis(c *fiber.Ctx) error {
	f, err := filter(c)
	if err != nil {
		return err
	}
	if f.After != "" || f.Limit != 0 {
		return fmt.Errorf("%w: KPIs are one report: no cursor or limit", hq.ErrInvalid)
	}
	loc := s.opt.Loc
	if tz := c.Query("tz"); tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil || len(tz) > 64 {
			return fmt.Errorf("%w: tz %q: an IANA time zone such as Europe/Berlin", hq.ErrInvalid, tz)
		}
	}
	rep, err := s.svc.KPIs(c.UserContext(), hq.KPIFilter{Store: f.Store, Lane: f.Lane, From: f.From, To: f.To, Group: c.Query("group"), Bucket: c.Query("bucket"), Loc: loc})
	if err != nil {
		return err
	}
	csvOut, err := wantCSV(c)
	if err != nil || !csvOut {
		if err != nil {
			return err
		}
		return c.JSON(rep)
	}
	rows := append([]hq.KPI{rep.Total}, rep.Groups...)
	return sendCSV(c, []string{"group", "transactions", "paid", "cancelled", "assist_rate", "interventions_per_100", "ttr_p50_s", "ttr_p90_s",
		"help_opened", "deflection", "effort_answers", "effort_mean", "items_per_minute", "duration_p50_s", "duration_p90_s", "sales"}, len(rows),
		func(i int) []string {
			k := rows[i]
			return []string{k.Group, strconv.Itoa(k.Transactions), strconv.Itoa(k.Paid), strconv.Itoa(k.Cancelled), fp(k.AssistRate), fp(k.Per100),
				fp(k.TTRP50S), fp(k.TTRP90S), strconv.Itoa(k.HelpOpened), fp(k.Deflection), strconv.Itoa(k.EffortAnswers), fp(k.EffortMean),
				fp(k.ItemsPerMinute), fp(k.DurationP50S), fp(k.DurationP90S), money(k.SalesMinor)}
		})
}

func fp(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
