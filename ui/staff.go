package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/kiosk-sco/kiosk/internal/httpmetrics"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/staff"
)

// StaffOptions configure the staff app.
type StaffOptions struct {
	// Service keeps the staff accounts, sessions and the audit log, and runs
	// staff actions on a lane (it checks nothing itself: the lane checks roles).
	Service *staff.Service
	// Lanes are the lanes this process runs (usually one).
	Lanes []*kiosk.Lane
	// Printers are the lanes' receipt printers by lane id (missing: none).
	Printers map[string]kiosk.Printer
	// Peers are the base URLs (https://10.0.0.12:8443) of the staff listeners
	// of the store's other kiosks: this kiosk is then the store's hub and
	// shows their alerts beside its own.
	Peers []string
	// PeerToken is the store's shared secret that kiosks show each other
	// (Authorization: Bearer). Shorter than MinPeerToken disables the peer
	// routes and the peers.
	PeerToken string
	// TLS: the LAN listener serves HTTPS; the session cookie is then Secure.
	TLS bool
	// AttendantTimeout ends attendant mode on the kiosk's screen after this
	// long without a touch (default 60 s): the page logs out and returns to
	// the shopper screen.
	AttendantTimeout time.Duration
	// PeerClient makes the requests to peers (nil: a client with sane timeouts;
	// give one that trusts the store's certificates under TLS).
	PeerClient *http.Client
	Log        *slog.Logger
	// Now is the clock of the wait times (nil: time.Now).
	Now func() time.Time
	// Metrics, when set, counts the LAN listener's requests by route
	// template and serves its registry at /metrics (Prometheus; no login:
	// it holds counts, never a sale or a name).
	Metrics *httpmetrics.Metrics
	// HQSync, when set, says how the lane's HQ sync is doing: the handheld
	// shows its backlog (GET /api/sync).
	HQSync func() any
}

// MinPeerToken is the shortest peer token the staff app accepts.
const MinPeerToken = 32

// CookieName is the staff session cookie.
const CookieName = "kiosk_staff"

// Staff serves the staff handheld: a phone-sized page and its JSON API that
// list the live alerts of the store's lanes and run staff actions on them.
// It holds no business rules: the staff service logs staff in and audits,
// the lane decides which role may do what.
type Staff struct {
	opt    StaffOptions
	svc    *staff.Service
	lanes  map[string]*kiosk.Lane
	board  *board
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	client *http.Client
	// streams counts the open event streams: handheld ones by staff id and
	// in all (handhelds), the hubs' under peerStreams.
	streamsMu sync.Mutex
	streams   map[string]int
}

// Bounds of the open event streams of the staff app: those of all handhelds,
// those of one staff member (a page or two, a reconnect overlapping the old
// stream), and the hubs' (a store has one hub; it reconnects). The hubs'
// count apart, so that handhelds cannot take the hub's place.
const (
	maxStaffStreams    = 64
	maxStreamsPerStaff = 4
	maxPeerStreams     = 8
)

// peerStreams and allStreams are the keys of streams for the hubs' streams
// and all handhelds'; a staff member's is "staff " and their id.
const (
	peerStreams = "peer"
	allStreams  = "all"
)

// openStream counts a stream of who ("" for a hub) if the bounds allow.
func (s *Staff) openStream(who string) bool {
	s.streamsMu.Lock()
	defer s.streamsMu.Unlock()
	if who == "" {
		if s.streams[peerStreams] >= maxPeerStreams {
			return false
		}
		s.streams[peerStreams]++
		return true
	}
	key := "staff " + who
	if s.streams[allStreams] >= maxStaffStreams || s.streams[key] >= maxStreamsPerStaff {
		return false
	}
	s.streams[allStreams]++
	s.streams[key]++
	return true
}

// closeStream uncounts a stream openStream counted.
func (s *Staff) closeStream(who string) {
	s.streamsMu.Lock()
	defer s.streamsMu.Unlock()
	keys := []string{peerStreams}
	if who != "" {
		keys = []string{allStreams, "staff " + who}
	}
	for _, k := range keys {
		if s.streams[k]--; s.streams[k] <= 0 {
			delete(s.streams, k)
		}
	}
}

// NewStaff returns the staff app's server and starts following its lanes and
// peers; Close stops it.
func NewStaff(opt StaffOptions) *Staff {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.AttendantTimeout <= 0 {
		opt.AttendantTimeout = 60 * time.Second
	}
	if opt.PeerClient == nil {
		// No overall timeout: the peer event stream stays open. Dial and
		// header timeouts notice a peer that is down.
		opt.PeerClient = &http.Client{Transport: &http.Transport{
			Proxy:                 nil,
			ResponseHeaderTimeout: 5 * time.Second,
			IdleConnTimeout:       60 * time.Second,
			MaxIdleConnsPerHost:   8,
		}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Staff{opt: opt, svc: opt.Service, lanes: map[string]*kiosk.Lane{}, board: newBoard(opt.Now),
		ctx: ctx, cancel: cancel, client: opt.PeerClient, streams: map[string]int{}}
	for _, l := range opt.Lanes {
		s.lanes[l.ID()] = l
		s.board.setLane(localStatus(l.View()), l.View().Seq, l.View().Alerts)
		s.wg.Add(1)
		go s.followLane(l)
	}
	if len(opt.Peers) > 0 && !s.peersEnabled() {
		opt.Log.Error("ui: staff: the peer token is shorter than 32 characters: peers are off")
	}
	if s.peersEnabled() {
		for _, p := range opt.Peers {
			p = strings.TrimRight(p, "/")
			s.wg.Add(1)
			go s.followPeer(p)
		}
	}
	return s
}

// Close ends the event streams and stops following lanes and peers.
func (s *Staff) Close() {
	s.once.Do(func() {
		s.cancel()
		s.wg.Wait()
	})
}

func (s *Staff) peersEnabled() bool { return len(s.opt.PeerToken) >= MinPeerToken }

func localStatus(v *kiosk.View) LaneStatus {
	return LaneStatus{ID: v.Lane, Local: true, Reachable: true, State: v.State, Closed: v.Closed || v.State == kiosk.StateClosed}
}

// followLane keeps the board up to date with lane l's open alerts.
func (s *Staff) followLane(l *kiosk.Lane) {
	defer s.wg.Done()
	for {
		updates, cancel := l.Subscribe(liveBuffer)
		v := l.View()
		s.board.setLane(localStatus(v), v.Seq, v.Alerts)
		func() {
			defer cancel()
			for {
				select {
				case <-s.ctx.Done():
					return
				case u, ok := <-updates:
					if !ok {
						return
					}
					if u.View != nil && !u.View.Partial {
						s.board.setLane(localStatus(u.View), u.View.Seq, u.View.Alerts)
					}
				}
			}
		}()
		select {
		case <-s.ctx.Done():
			return
		case <-l.Done():
			s.board.localDown(l.ID())
			return
		default: // dropped as too slow: subscribe again
		}
	}
}

// App returns the staff app for the LAN listener.
//
//	GET  /                          the handheld page (it shows the login form without a session)
//	GET  /static/staff/...          its script and style
//	GET  /api/config                {attendantTimeoutS}
//	POST /api/login                 {id, pin} → {csrf, staff}; sets the session cookie
//	POST /api/login/badge           {badge} → the same
//	POST /api/logout
//	GET  /api/me                    {csrf, staff} of the session
//	GET  /api/alerts                {lanes, alerts}: open alerts of every lane, most urgent first
//	GET  /api/events                SSE: "alerts" (the whole list) first, then raised, acked,
//	                                escalated, updated, resolved, lane, lane_down, lane_up
//	GET  /api/lanes                 {lanes, peers}
//	GET  /api/lanes/:lane           the lane's view: the basket as the shopper sees it
//	POST /api/lanes/:lane/actions   a kiosk.StaffAction; Idempotency-Key makes a retry safe
//	POST /api/lanes/:lane/reprint   {txn} (empty: the last sale)
//	GET  /peer/events               SSE of this kiosk's own lanes (Authorization: Bearer PeerToken)
//	GET  /peer/lanes/:lane          a local lane's view, for the hub
//	POST /peer/lanes/:lane/actions  {actor, action, idemKey}: an action a hub forwards
//	POST /peer/lanes/:lane/reprint  {actor, txn}
//
// Every /api route but login needs the session cookie; every POST needs
// Content-Type application/json, an Origin (when sent) equal to the page's
// own, and (but login) the session's token in X-CSRF-Token.
func (s *Staff) App() *fiber.App { return s.app(false) }

// screenApp is the staff app as the shopper app mounts it under /staff for
// attendant mode on the kiosk's own screen: no peer routes, actions come from
// "lane screen", the cookie is scoped to /staff.
func (s *Staff) screenApp() *fiber.App { return s.app(true) }

type staffHandlers struct {
	*Staff
	screen bool
}

func (s *Staff) app(screen bool) *fiber.App {
	h := &staffHandlers{Staff: s, screen: screen}
	app := newApp("kiosk staff")
	if m := s.opt.Metrics; m != nil && !screen {
		app.Use(m.Middleware())
		app.Get("/metrics", m.Handler())
	}
	app.Use(securityHeaders, h.sameOrigin)
	static, _ := fs.Sub(staticFS, "static")
	app.Get("/", h.page(static))
	app.Get("/i18n/strings.js", stringsJS)
	app.Get("/static/i18n.js", func(c *fiber.Ctx) error { return sendStatic(c, static, "i18n.js", "text/javascript; charset=utf-8") })
	app.Use("/static/staff", filesystem.New(filesystem.Config{Root: http.FS(mustSub(static, "staff")), MaxAge: 300}))
	app.Get("/api/config", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"attendantTimeoutS": int(s.opt.AttendantTimeout / time.Second)})
	})
	app.Post("/api/login", h.login)
	app.Post("/api/login/badge", h.loginBadge)
	api := app.Group("/api", h.session)
	api.Post("/logout", h.logout)
	api.Get("/me", h.me)
	api.Get("/sync", func(c *fiber.Ctx) error {
		if s.opt.HQSync == nil {
			return c.JSON(fiber.Map{"configured": false})
		}
		return c.JSON(fiber.Map{"configured": true, "status": s.opt.HQSync()})
	})
	api.Get("/alerts", func(c *fiber.Ctx) error { return c.JSON(s.board.snapshot(false)) })
	api.Get("/events", func(c *fiber.Ctx) error {
		sess := sessionOf(c)
		return s.events(c, false, sess.Actor.ID, func() bool { return s.svc.Alive(sess.Token) })
	})
	api.Get("/lanes", h.lanesList)
	api.Get("/lanes/:lane", h.laneView)
	api.Post("/lanes/:lane/actions", h.action)
	api.Post("/lanes/:lane/reprint", h.reprint)
	if !screen {
		peer := app.Group("/peer", h.peerAuth)
		peer.Get("/events", func(c *fiber.Ctx) error { return s.events(c, true, "", nil) })
		peer.Get("/lanes/:lane", h.peerLaneView)
		peer.Post("/lanes/:lane/actions", h.peerAction)
		peer.Post("/lanes/:lane/reprint", h.peerReprint)
	}
	app.Use(func(c *fiber.Ctx) error {
		return c.Status(fiber.StatusNotFound).JSON(errorBody("not_found", "http.404", "no such page: "+c.Path()))
	})
	return app
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

func sendStatic(c *fiber.Ctx, static fs.FS, name, ctype string) error {
	b, err := fs.ReadFile(static, name)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(b)
}

func (h *staffHandlers) page(static fs.FS) fiber.Handler {
	return func(c *fiber.Ctx) error {
		// The page loads its script and API by relative URLs, so that it works
		// at / on the LAN listener and at /staff/ on the kiosk's own screen.
		if p := c.Path(); !strings.HasSuffix(p, "/") {
			q := string(c.Request().URI().QueryString())
			if q != "" {
				q = "?" + q
			}
			return c.Redirect(p+"/"+q, fiber.StatusFound)
		}
		return sendStatic(c, static, "staff/index.html", fiber.MIMETextHTMLCharsetUTF8)
	}
}

// sameOrigin refuses a request that another page sent: an Origin header must
// name this very server (scheme and Host of the request), Sec-Fetch-Site must
// say same-origin (a GET may say none: a typed address or a bookmark), and a
// POST must be application/json, which no cross-site form can send.
func (h *staffHandlers) sameOrigin(c *fiber.Ctx) error {
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && origin != h.scheme()+"://"+string(c.Request().Header.Host()) {
		return c.Status(fiber.StatusForbidden).JSON(errorBody("permission", "request.origin",
			"requests from other pages are refused"))
	}
	safe := safeMethod(c.Method())
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && (!safe || site != "none") {
		return c.Status(fiber.StatusForbidden).JSON(errorBody("permission", "request.site",
			"requests from other pages are refused"))
	}
	if !safe && !JSONContentType(c.Get(fiber.HeaderContentType)) {
		return c.Status(fiber.StatusUnsupportedMediaType).JSON(errorBody("invalid", "request.content_type",
			"send the request as application/json"))
	}
	return c.Next()
}

func (h *staffHandlers) scheme() string {
	if h.opt.TLS && !h.screen {
		return "https"
	}
	return "http"
}

func (h *staffHandlers) where(c *fiber.Ctx) string {
	if h.screen {
		return "lane screen"
	}
	return "handheld " + c.IP()
}

func (h *staffHandlers) cookiePath() string {
	if h.screen {
		return "/staff"
	}
	return "/"
}

func (h *staffHandlers) setCookie(c *fiber.Ctx, token string, expires time.Time) {
	c.Cookie(&fiber.Cookie{
		Name:     CookieName,
		Value:    token,
		Path:     h.cookiePath(),
		Expires:  expires,
		HTTPOnly: true,
		Secure:   h.opt.TLS && !h.screen,
		SameSite: fiber.CookieSameSiteStrictMode,
	})
}

type staffJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func sessionJSON(sess *staff.Session) fiber.Map {
	return fiber.Map{"csrf": sess.CSRF, "staff": staffJSON{ID: sess.Actor.ID, Name: sess.Name, Role: sess.Actor.Role}}
}

func (h *staffHandlers) login(c *fiber.Ctx) error {
	var body struct {
		ID  string `json:"id"`
		PIN string `json:"pin"`
	}
	if err := strictDecode(c.Body(), &body); err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.body", err.Error()))
	}
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	sess, err := h.svc.Login(ctx, body.ID, body.PIN, h.where(c))
	return h.loggedIn(c, sess, err)
}

func (h *staffHandlers) loginBadge(c *fiber.Ctx) error {
	var body struct {
		Badge string `json:"badge"`
	}
	if err := strictDecode(c.Body(), &body); err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.body", err.Error()))
	}
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	sess, err := h.svc.LoginBadge(ctx, body.Badge, h.where(c))
	return h.loggedIn(c, sess, err)
}

func (h *staffHandlers) loggedIn(c *fiber.Ctx, sess *staff.Session, err error) error {
	switch {
	case errors.Is(err, staff.ErrLocked):
		return c.Status(fiber.StatusLocked).JSON(errorBody("permission", "staff.locked", err.Error()))
	case errors.Is(err, staff.ErrThrottled):
		return c.Status(fiber.StatusTooManyRequests).JSON(errorBody("permission", "staff.throttled", err.Error()))
	case errors.Is(err, staff.ErrBadLogin):
		return c.Status(fiber.StatusUnauthorized).JSON(errorBody("permission", "staff.bad_login", err.Error()))
	case err != nil:
		return staffError(c, err)
	case sess == nil:
		return c.Status(fiber.StatusInternalServerError).JSON(errorBody("internal", "staff.login", "no session"))
	}
	h.setCookie(c, sess.Token, sess.Expires)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(sessionJSON(sess))
}

const sessionKey = "staffSession"

// session lets a request through with a live session: the cookie's token,
// and for a POST the session's CSRF token in X-CSRF-Token.
func (h *staffHandlers) session(c *fiber.Ctx) error {
	token := c.Cookies(CookieName)
	var sess *staff.Session
	if token != "" {
		sess, _ = h.svc.Session(token)
	}
	if sess == nil {
		return c.Status(fiber.StatusUnauthorized).JSON(errorBody("permission", "staff.login", "log in first (the session is missing or has expired)"))
	}
	if !safeMethod(c.Method()) {
		if !sess.CheckCSRF(c.Get("X-CSRF-Token")) { // constant time
			return c.Status(fiber.StatusForbidden).JSON(errorBody("permission", "staff.csrf", "the request lacks the session's CSRF token"))
		}
	}
	c.Locals(sessionKey, sess)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

func sessionOf(c *fiber.Ctx) *staff.Session {
	sess, _ := c.Locals(sessionKey).(*staff.Session)
	return sess
}

func (h *staffHandlers) logout(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	h.svc.Logout(ctx, sessionOf(c).Token)
	h.setCookie(c, "", time.Unix(1, 0))
	return c.JSON(fiber.Map{"ok": true})
}

func (h *staffHandlers) me(c *fiber.Ctx) error { return c.JSON(sessionJSON(sessionOf(c))) }

func (h *staffHandlers) lanesList(c *fiber.Ctx) error {
	snap := h.board.snapshot(false)
	type peerJSON struct {
		URL       string `json:"url"`
		Reachable bool   `json:"reachable"`
	}
	peers := []peerJSON{}
	st := h.board.peerStatus()
	for _, p := range h.opt.Peers {
		p = strings.TrimRight(p, "/")
		peers = append(peers, peerJSON{URL: p, Reachable: st[p]})
	}
	return c.JSON(fiber.Map{"lanes": snap.Lanes, "peers": peers})
}

func (h *staffHandlers) laneView(c *fiber.Ctx) error {
	id := c.Params("lane")
	if l := h.lanes[id]; l != nil {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(l.View().JSON())
	}
	if p := h.remoteLane(id); p != "" {
		return h.forward(c, http.MethodGet, p+"/peer/lanes/"+id, nil)
	}
	return unknownLane(c, id)
}

func unknownLane(c *fiber.Ctx, id string) error {
	return c.Status(fiber.StatusNotFound).JSON(errorBody("not_found", "lane.unknown", "no such lane: "+id))
}

// remoteLane is the peer serving lane id, "" when none (or peers are off).
func (h *staffHandlers) remoteLane(id string) string {
	if h.screen || !h.peersEnabled() {
		return ""
	}
	return h.board.peerOf(id)
}

func (h *staffHandlers) action(c *fiber.Ctx) error {
	var a kiosk.StaffAction
	if err := strictDecode(c.Body(), &a); err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.body", err.Error()))
	}
	sess := sessionOf(c)
	id := c.Params("lane")
	idem := c.Get("Idempotency-Key")
	if l := h.lanes[id]; l != nil {
		ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
		defer cancel()
		res, err := h.svc.Act(ctx, l, sess, a, idem)
		return h.actResult(c, l, res, err)
	}
	if p := h.remoteLane(id); p != "" {
		return h.forward(c, http.MethodPost, p+"/peer/lanes/"+id+"/actions", peerActionJSON{Actor: sess.Actor, Action: a, IdemKey: idem})
	}
	return unknownLane(c, id)
}

func (h *staffHandlers) actResult(c *fiber.Ctx, l *kiosk.Lane, res kiosk.Result, err error) error {
	if err != nil && res.View == nil {
		return staffError(c, err)
	}
	if err != nil {
		// Done, but not audited: the lane changed, so say so; the log has it.
		h.opt.Log.Error("ui: staff: action done but not audited", "lane", l.ID(), "err", err)
	}
	if res.View == nil {
		res.View = l.View()
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(resultJSON(res))
}

func (h *staffHandlers) reprint(c *fiber.Ctx) error {
	var body struct {
		Txn string `json:"txn"`
	}
	if err := strictDecode(c.Body(), &body); err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.body", err.Error()))
	}
	sess := sessionOf(c)
	id := c.Params("lane")
	if l := h.lanes[id]; l != nil {
		ctx, cancel := context.WithTimeout(h.ctx, 60*time.Second)
		defer cancel()
		if err := h.svc.Reprint(ctx, l, h.opt.Printers[id], sess, body.Txn); err != nil {
			return staffError(c, err)
		}
		return c.JSON(fiber.Map{"ok": true})
	}
	if p := h.remoteLane(id); p != "" {
		return h.forward(c, http.MethodPost, p+"/peer/lanes/"+id+"/reprint", peerReprintJSON{Actor: sess.Actor, Txn: body.Txn})
	}
	return unknownLane(c, id)
}

func errCode(err error) string {
	var ke *kiosk.Error
	if errors.As(err, &ke) {
		return ke.Code
	}
	return staff.OutcomeError
}

// staffError answers a refused staff request: the lane's and the service's
// error codes pass through; a refusal for the role or for where the staff
// member is (staff.role, staff.presence) is 403, an ended session 401.
func staffError(c *fiber.Ctx, err error) error {
	var ke *kiosk.Error
	switch {
	case errors.As(err, &ke) && (ke.Code == "staff.role" || ke.Code == "staff.presence"):
		return c.Status(fiber.StatusForbidden).JSON(errorBody("permission", ke.Code, ke.Detail))
	case errors.Is(err, staff.ErrNoSession):
		return c.Status(fiber.StatusUnauthorized).JSON(errorBody("permission", "staff.login", "log in first (the session is missing or has expired)"))
	case errors.Is(err, staff.ErrInvalid):
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "staff.invalid", err.Error()))
	}
	return replyError(c, err)
}

// events streams the board as Server-Sent Events: "alerts" (the whole list)
// first, then each change; a ping comment every 15 s. localOnly: this kiosk's
// own lanes (the peer stream). who is the staff member whose stream it is
// ("" for a hub's), for the bounds of openStream. alive (nil: always) is asked every
// streamRecheck: the stream ends when it says no, so that a handheld's
// stream ends with its session (logout, a disabled account, the idle or
// absolute limit) instead of showing the alerts for as long as it stays open.
func (s *Staff) events(c *fiber.Ctx, localOnly bool, who string, alive func() bool) error {
	if !s.openStream(who) {
		return c.Status(fiber.StatusServiceUnavailable).JSON(errorBody("busy", "events.busy", "too many event streams are open"))
	}
	snap, ch, cancel := s.board.subscribe(localOnly)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderConnection, "keep-alive")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.closeStream(who)
		defer cancel()
		fmt.Fprintf(w, "retry: 1000\n\n")
		writeSSE(w, -1, evSnapshot, snap)
		if w.Flush() != nil {
			return
		}
		ping := time.NewTicker(staffPing)
		defer ping.Stop()
		recheck := time.NewTicker(streamRecheck)
		defer recheck.Stop()
		for {
			select {
			case <-s.ctx.Done():
				return
			case <-recheck.C:
				if alive != nil && !alive() {
					return // the client reconnects, is refused, and shows the login
				}
				continue
			case <-ping.C:
				fmt.Fprintf(w, ": ping\n\n")
			case ev, ok := <-ch:
				if !ok {
					return // too slow: the client reconnects and starts from a snapshot
				}
				fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.kind, ev.data)
			drain:
				for {
					select {
					case ev, ok := <-ch:
						if !ok {
							w.Flush()
							return
						}
						fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.kind, ev.data)
					default:
						break drain
					}
				}
			}
			if w.Flush() != nil {
				return
			}
		}
	})
	return nil
}

// staffPing is how often an idle stream sends a comment, so that a client (or
// the hub) notices a dead connection.
const staffPing = 15 * time.Second

// streamRecheck is how often a handheld's event stream checks that its
// session is still live.
var streamRecheck = 5 * time.Second
