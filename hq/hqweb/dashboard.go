package hqweb

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kiosk-sco/kiosk/hq"
)

//go:embed static templates
var files embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{"t": func(l dict, k string) string { return l.t(k) }}).
	ParseFS(files, "templates/*.html"))

// Sessions of the dashboard: a random 256-bit id in an HttpOnly, SameSite
// Strict cookie, ending after 30 minutes unused or 8 hours.
const (
	sessionCookie = "kiosk_hq"
	sessionIdle   = 30 * time.Minute
	sessionMax    = 8 * time.Hour
	maxSessions   = 4096
)

type session struct {
	p              hq.Principal
	csrf           string
	created, touch time.Time
}

type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func newSessions() *sessions { return &sessions{m: map[string]*session{}} }

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (ss *sessions) start(p hq.Principal) (string, *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := time.Now()
	if len(ss.m) >= maxSessions { // drop the least recently used
		var oldest string
		for id, s := range ss.m {
			if oldest == "" || s.touch.Before(ss.m[oldest].touch) {
				oldest = id
			}
		}
		delete(ss.m, oldest)
	}
	id := randHex(32)
	s := &session{p: p, csrf: randHex(16), created: now, touch: now}
	ss.m[id] = s
	return id, s
}

func (ss *sessions) get(id string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[id]
	now := time.Now()
	if s == nil || now.Sub(s.touch) > sessionIdle || now.Sub(s.created) > sessionMax {
		delete(ss.m, id)
		return nil
	}
	s.touch = now
	return s
}

func (ss *sessions) end(id string) {
	ss.mu.Lock()
	delete(ss.m, id)
	ss.mu.Unlock()
}

func (s *Server) dashboardRoutes(app *fiber.App) {
	app.Use(func(c *fiber.Ctx) error {
		if !strings.HasPrefix(c.Path(), "/api/") {
			c.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		}
		return c.Next()
	})
	app.Get("/static/hq.css", func(c *fiber.Ctx) error {
		b, _ := files.ReadFile("static/hq.css")
		c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
		return c.Send(b)
	})
	app.Get("/login", s.loginPage)
	app.Post("/login", s.login)
	app.Post("/logout", s.logout)
	app.Get("/", s.dashboard)
}

func (s *Server) render(c *fiber.Ctx, name string, data any) error {
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(b.String())
}

func (s *Server) loginPage(c *fiber.Ctx) error {
	return s.render(c, "login.html", fiber.Map{"L": lang(c), "Error": ""})
}

func (s *Server) login(c *fiber.Ctx) error {
	l := lang(c)
	p, err := s.svc.Login(c.UserContext(), c.FormValue("name"), c.FormValue("password"))
	if err != nil {
		s.log.Info("hq: dashboard login refused", "name", short(c.FormValue("name")), "from", c.IP())
		c.Status(fiber.StatusUnauthorized)
		return s.render(c, "login.html", fiber.Map{"L": l, "Error": l.t("login.bad")})
	}
	id, _ := s.sessions.start(p)
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: id, Path: "/", HTTPOnly: true, SameSite: "Strict", Secure: s.opt.SecureCookies})
	s.log.Info("hq: dashboard login", "name", p.Name, "role", p.Role, "from", c.IP())
	return c.Redirect("/?lang="+string(l.code), fiber.StatusSeeOther)
}

func (s *Server) logout(c *fiber.Ctx) error {
	if sess := s.sessions.get(c.Cookies(sessionCookie)); sess != nil && constantEq(c.FormValue("csrf"), sess.csrf) {
		s.sessions.end(c.Cookies(sessionCookie))
	}
	c.ClearCookie(sessionCookie)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// tile is one KPI figure on the dashboard.
type tile struct{ Label, Value, Hint string }

// laneRow is one lane in the dashboard's table.
type laneRow struct {
	Lane, Store, LastSeen, Backlog, Catalog, CatalogError, Devices string
	Alerts                                                         int
	Late, Faulty                                                   bool
}

func (s *Server) dashboard(c *fiber.Ctx) error {
	sess := s.sessions.get(c.Cookies(sessionCookie))
	if sess == nil {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	l := lang(c)
	days := 7
	if d, err := strconv.Atoi(c.Query("days")); err == nil && d >= 1 && d <= 92 {
		days = d
	}
	store := c.Query("store")
	if sess.p.Store != "" {
		store = sess.p.Store // a store's supervisor sees their store
	}
	if len(store) > 32 {
		store = ""
	}
	now := time.Now().In(s.opt.Loc)
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.opt.Loc).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -days)
	rep, err := s.svc.KPIs(c.UserContext(), hq.KPIFilter{Store: store, From: from, To: to, Group: "store", Bucket: "day", Loc: s.opt.Loc})
	if err != nil {
		return err
	}
	k := rep.Total
	pct := func(p *float64) string {
		if p == nil {
			return "–"
		}
		return strconv.FormatFloat(*p*100, 'f', 1, 64) + " %"
	}
	num := func(p *float64, unit string) string {
		if p == nil {
			return "–"
		}
		return strconv.FormatFloat(*p, 'f', 1, 64) + unit
	}
	tiles := []tile{
		{l.t("kpi.transactions"), strconv.Itoa(k.Transactions), fmt.Sprintf("%d %s, %d %s", k.Paid, l.t("kpi.paid"), k.Cancelled, l.t("kpi.cancelled"))},
		{l.t("kpi.sales"), money(k.SalesMinor), ""},
		{l.t("kpi.assist"), pct(k.AssistRate), l.t("kpi.assist.hint")},
		{l.t("kpi.per100"), num(k.Per100, ""), ""},
		{l.t("kpi.ttr"), num(k.TTRP50S, " s") + " / " + num(k.TTRP90S, " s"), l.t("kpi.ttr.hint")},
		{l.t("kpi.deflection"), pct(k.Deflection), fmt.Sprintf("%d / %d", k.HelpDeflected, k.HelpOpened)},
		{l.t("kpi.effort"), num(k.EffortMean, " / 5"), fmt.Sprintf("%d %s", k.EffortAnswers, l.t("kpi.answers"))},
		{l.t("kpi.ipm"), num(k.ItemsPerMinute, ""), ""},
		{l.t("kpi.duration"), num(k.DurationP50S, " s") + " / " + num(k.DurationP90S, " s"), l.t("kpi.ttr.hint")},
	}
	// One bucket per day, empty days included.
	byDay := map[string]hq.Bucket{}
	for _, b := range rep.Series {
		byDay[b.Start.Format("2006-01-02")] = b
	}
	var labels []string
	var sales []float64
	var assist []*float64
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		key := d.Format("2006-01-02")
		labels = append(labels, d.Format("01-02"))
		b := byDay[key]
		sales = append(sales, float64(b.SalesMinor)/100)
		assist = append(assist, b.AssistRate)
	}
	assistPct := make([]*float64, len(assist))
	for i, a := range assist {
		if a != nil {
			v := *a * 100
			assistPct[i] = &v
		}
	}
	reasons := make([]string, 0, len(k.Per100ByReason))
	for r := range k.Per100ByReason {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool { return k.Per100ByReason[reasons[i]] > k.Per100ByReason[reasons[j]] })
	var per100 []float64
	for _, r := range reasons {
		per100 = append(per100, k.Per100ByReason[r])
	}
	hours := make([]string, 24)
	byHour := make([]float64, 24)
	for h := range 24 {
		hours[h] = fmt.Sprintf("%02d", h)
		byHour[h] = float64(k.SalesByHour[h]) / 100
	}
	eur := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	charts := []template.HTML{
		barChart(l.t("chart.sales"), labels, sales, eur),
		lineChart(l.t("chart.assist"), labels, assistPct, 10, func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + " %" }),
		barChart(l.t("chart.reasons"), reasons, per100, func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }),
		barChart(l.t("chart.hours"), hours, byHour, eur),
	}
	lanes, err := s.svc.Lanes(c.UserContext(), store)
	if err != nil {
		return err
	}
	var rows []laneRow
	for _, ln := range lanes {
		r := laneRow{Lane: ln.Lane, Store: ln.Store, LastSeen: ln.LastSeen.In(s.opt.Loc).Format("2006-01-02 15:04:05"), Alerts: ln.OpenAlerts,
			Backlog: strconv.FormatInt(ln.Backlog, 10), Catalog: strconv.FormatInt(ln.CatalogVersion, 10), CatalogError: ln.CatalogError}
		if ln.BacklogOldest != nil {
			age := ln.StatusAt.Sub(*ln.BacklogOldest).Round(time.Second)
			r.Backlog += " (" + age.String() + ")"
			r.Late = age > time.Hour
		}
		r.Late = r.Late || time.Since(ln.LastSeen) > time.Hour
		var devs []string
		for _, d := range sortedKeys(ln.Devices) {
			if ln.Devices[d] != "ok" {
				devs = append(devs, d+": "+ln.Devices[d])
				r.Faulty = true
			}
		}
		r.Devices = strings.Join(devs, "; ")
		if r.Devices == "" {
			r.Devices = l.t("lanes.allok")
		}
		rows = append(rows, r)
	}
	return s.render(c, "dashboard.html", fiber.Map{"L": l, "Who": sess.p, "CSRF": sess.csrf, "Store": store, "Days": days,
		"From": from.Format("2006-01-02"), "To": to.AddDate(0, 0, -1).Format("2006-01-02"), "Tiles": tiles, "Charts": charts, "Lanes": rows,
		"Analyst": sess.p.Role == hq.RoleAnalyst})
}
