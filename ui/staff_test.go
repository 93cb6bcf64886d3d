package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/staff"
	"github.com/kiosk-sco/kiosk/store"
)

// testPeerToken is the store secret of the tests' kiosks.
const testPeerToken = "test-peer-token-0123456789abcdef-0123"

// testClock is a settable clock for the staff service's sessions.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// staffEnv is one kiosk with its lane, the shopper app (ts, with the staff
// app mounted under /staff) and the staff app on its own listener (url).
type staffEnv struct {
	ts    *testServer
	svc   *staff.Service
	staff *Staff
	url   string
	clock *testClock
	stop  func()
}

// staffEnvOptions vary newStaffEnv.
type staffEnvOptions struct {
	server testServerOptions
	peers  []string
	tls    bool
	lane   string // lane number (default 01)
	// attendantTimeout ends attendant mode without a touch (default 60 s).
	attendantTimeout time.Duration
}

// The tests' staff: one per role, and their PINs.
var testStaff = []struct{ id, name, role, pin, badge string }{
	{"anna", "Anna", kiosk.RoleAttendant, "2580", "BADGE-ANNA-2580"},
	{"sam", "Sam", kiosk.RoleSupervisor, "1397", ""},
	{"rita", "Rita", kiosk.RoleRemote, "4682", ""},
}

func pinOf(id string) string {
	for _, s := range testStaff {
		if s.id == id {
			return s.pin
		}
	}
	return ""
}

func newStaffEnv(t testing.TB, o staffEnvOptions) *staffEnv {
	t.Helper()
	env := &staffEnv{clock: &testClock{t: time.Now()}}
	so := o.server
	userLane := so.lane
	so.lane = func(c *kiosk.Config) {
		if o.lane != "" {
			c.Lane = o.lane
		}
		if userLane != nil {
			userLane(c)
		}
	}
	so.staff = func(lane *kiosk.Lane, db *store.DB) *Staff {
		env.svc = staff.New(db, staff.Options{Now: env.clock.now, Where: "test"})
		for _, s := range testStaff {
			if err := env.svc.Add(context.Background(), s.id, s.name, s.role, s.pin, s.badge, "test"); err != nil {
				t.Fatal(err)
			}
		}
		env.staff = NewStaff(StaffOptions{Service: env.svc, Lanes: []*kiosk.Lane{lane}, Peers: o.peers,
			PeerToken: testPeerToken, TLS: o.tls, AttendantTimeout: o.attendantTimeout})
		return env.staff
	}
	env.ts = newTestServerWith(t, so)
	app := env.staff.App()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	env.url = "http://" + ln.Addr().String()
	var once sync.Once
	env.stop = func() {
		once.Do(func() {
			env.staff.Close()
			app.ShutdownWithTimeout(2 * time.Second)
			env.ts.stop()
		})
	}
	t.Cleanup(env.stop)
	return env
}

// staffClient is one logged-in handheld (or none: zero cookie).
type staffClient struct {
	base   string
	cookie string
	csrf   string
	origin string // sent as Origin (default: base)
}

func (env *staffEnv) login(t testing.TB, id string) *staffClient {
	t.Helper()
	return loginAt(t, env.url, id)
}

func loginAt(t testing.TB, base, id string) *staffClient {
	t.Helper()
	c := &staffClient{base: base}
	status, body, resp := c.do(t, "POST", "/api/login", fmt.Sprintf(`{"id":%q,"pin":%q}`, id, pinOf(id)), nil)
	if status != 200 {
		t.Fatalf("login %s: %d %s", id, status, body)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == CookieName {
			c.cookie = ck.Value
		}
	}
	var me struct {
		CSRF  string
		Staff staffJSON
	}
	if err := json.Unmarshal(body, &me); err != nil || me.CSRF == "" || c.cookie == "" || me.Staff.ID != id {
		t.Fatalf("login %s: %s (cookie %q): %v", id, body, c.cookie, err)
	}
	c.csrf = me.CSRF
	return c
}

// do sends a request as the page would: JSON, same origin, the session's
// cookie and CSRF token; hdr overrides headers ("" removes one).
func (c *staffClient) do(t testing.TB, method, path, body string, hdr map[string]string) (int, []byte, *http.Response) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	origin := c.origin
	if origin == "" {
		u, _ := url.Parse(c.base)
		origin = u.Scheme + "://" + u.Host
	}
	if method != "GET" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		if c.csrf != "" {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: CookieName, Value: c.cookie})
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp
}

func (c *staffClient) act(t testing.TB, lane string, a kiosk.StaffAction) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(a)
	status, body, _ := c.do(t, "POST", "/api/lanes/"+lane+"/actions", string(b), nil)
	return status, body
}

func errCodeOf(body []byte) string {
	var e apiError
	json.Unmarshal(body, &e)
	return e.Error.Code
}

// sseReader reads one SSE stream.
type sseReader struct {
	t    testing.TB
	resp *http.Response
	r    *bufio.Reader
}

func (c *staffClient) events(t testing.TB, path string, hdr map[string]string) *sseReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: CookieName, Value: c.cookie})
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	return &sseReader{t: t, resp: resp, r: bufio.NewReader(resp.Body)}
}

type sseEvent struct {
	name string
	data []byte
}

// next reads the next event (comments skipped).
func (s *sseReader) next() sseEvent {
	s.t.Helper()
	var ev sseEvent
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Fatalf("event stream: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if ev.name != "" {
				return ev
			}
		case strings.HasPrefix(line, "event: "):
			ev.name = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			ev.data = []byte(line[len("data: "):])
		}
	}
}

// until reads events until one named name for which ok (nil: any) holds.
func (s *sseReader) until(name string, ok func(sseEvent) bool) sseEvent {
	s.t.Helper()
	for {
		ev := s.next()
		if ev.name == name && (ok == nil || ok(ev)) {
			return ev
		}
	}
}

func staffAlertOf(t testing.TB, ev sseEvent) StaffAlert {
	t.Helper()
	var a StaffAlert
	if err := json.Unmarshal(ev.data, &a); err != nil {
		t.Fatalf("%s: %s: %v", ev.name, ev.data, err)
	}
	return a
}

// raiseHelp has the shopper of lane ask for help and returns the alert.
func raiseHelp(t testing.TB, lane *kiosk.Lane) kiosk.AlertView {
	t.Helper()
	ctx := context.Background()
	if lane.View().State == kiosk.StateIdle {
		if _, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpStart}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpHelp})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.View.Alerts {
		if a.Type == kiosk.AlertHelp {
			return a
		}
	}
	t.Fatalf("no help alert in %+v", res.View.Alerts)
	return kiosk.AlertView{}
}

func scanMilk(t testing.TB, lane *kiosk.Lane) {
	t.Helper()
	ctx := context.Background()
	if lane.View().State == kiosk.StateIdle {
		if _, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpStart}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: milk, Source: "typed"}); err != nil {
		t.Fatal(err)
	}
}

func TestStaffLoginSetsASafeCookie(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprint("tls=", tls), func(t *testing.T) {
			env := newStaffEnv(t, staffEnvOptions{tls: tls})
			c := &staffClient{base: env.url}
			if tls {
				// The listener is plain HTTP here; the page's origin would be https.
				c.origin = strings.Replace(env.url, "http://", "https://", 1)
			}
			status, body, resp := c.do(t, "POST", "/api/login", `{"id":"anna","pin":"2580"}`, nil)
			if status != 200 {
				t.Fatalf("login: %d %s", status, body)
			}
			raw := resp.Header.Get("Set-Cookie")
			cs := resp.Cookies()
			if len(cs) != 1 || cs[0].Name != CookieName || cs[0].Value == "" || !cs[0].HttpOnly ||
				cs[0].SameSite != http.SameSiteStrictMode || cs[0].Path != "/" || cs[0].Secure != tls {
				t.Errorf("cookie %q: want %s, HttpOnly, SameSite=Strict, Path=/, Secure %v", raw, CookieName, tls)
			}
			var me struct {
				CSRF  string    `json:"csrf"`
				Staff staffJSON `json:"staff"`
			}
			json.Unmarshal(body, &me)
			if me.CSRF == "" || me.Staff != (staffJSON{ID: "anna", Name: "Anna", Role: kiosk.RoleAttendant}) {
				t.Errorf("login answer %s", body)
			}
			if strings.Contains(string(body), "2580") {
				t.Errorf("the answer repeats the PIN: %s", body)
			}
		})
	}
}

func TestStaffLoginRefusals(t *testing.T) {
	env := newStaffEnv(t, staffEnvOptions{})
	c := &staffClient{base: env.url}
	for _, tc := range []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"wrong PIN", "/api/login", `{"id":"anna","pin":"0000"}`, 401, "staff.bad_login"},
		{"unknown id", "/api/login", `{"id":"nobody","pin":"1234"}`, 401, "staff.bad_login"},
		{"unknown badge", "/api/login/badge", `{"badge":"NO-SUCH-BADGE"}`, 401, "staff.bad_login"},
		{"extra field", "/api/login", `{"id":"anna","pin":"2580","role":"supervisor"}`, 400, "request.body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, resp := c.do(t, "POST", tc.path, tc.body, nil)
			if status != tc.status || errCodeOf(body) != tc.code {
				t.Errorf("%d %s, want %d %s", status, body, tc.status, tc.code)
			}
			if resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("a refused login set a cookie: %s", resp.Header.Get("Set-Cookie"))
			}
		})
	}
	// The badge logs its owner in.
	status, body, _ := c.do(t, "POST", "/api/login/badge", `{"badge":"BADGE-ANNA-2580"}`, nil)
	if status != 200 || !strings.Contains(string(body), `"id":"anna"`) {
		t.Errorf("badge login: %d %s", status, body)
	}
	// Five wrong PINs lock the account: the right PIN is refused then too, and
	// the audit log has it.
	for range 5 {
		c.do(t, "POST", "/api/login", `{"id":"sam","pin":"0000"}`, nil)
	}
	status, body, _ = c.do(t, "POST", "/api/login", `{"id":"sam","pin":"1397"}`, nil)
	if status != fiber.StatusLocked || errCodeOf(body) != "staff.locked" {
		t.Errorf("login after 5 failures: %d %s, want 423 staff.locked", status, body)
	}
	log, err := env.svc.AuditLog(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var failed, lockout int
	for _, e := range log {
		if e.Actor == "sam" && e.Action == staff.ActionLoginFailed {
			failed++
		}
		if e.Actor == "sam" && e.Action == staff.ActionLockout {
			lockout++
		}
		if e.Where != "" && !strings.HasPrefix(e.Where, "handheld ") && e.Action != staff.ActionStaffAdd {
			t.Errorf("audit entry from %q, want handheld <addr>: %+v", e.Where, e)
		}
	}
	if failed+lockout < 5 || lockout == 0 {
		t.Errorf("audit log: %d failed logins and %d lockouts of sam, want 5 failures with a lockout: %+v", failed, lockout, log)
	}
}

// TestStaffRoutesRefuse is the security table of the staff app: every
// state-changing route needs a live session, its CSRF token, JSON and the
// page's own origin; the lane refuses the wrong role; peer routes need the
// store's token.
func TestStaffRoutesRefuse(t *testing.T) {
	env := newStaffEnv(t, staffEnvOptions{})
	lane := env.ts.lane
	id := lane.ID()
	scanMilk(t, lane)
	help := raiseHelp(t, lane)
	expired := env.login(t, "sam")
	env.clock.add(31 * time.Minute) // beyond the idle limit of sam's session...
	anna := env.login(t, "anna")    // ...anna logs in afresh
	rita := env.login(t, "rita")
	none := &staffClient{base: env.url}
	ackBody := fmt.Sprintf(`{"op":"ack","alertId":%d}`, help.ID)
	actions := "/api/lanes/" + id + "/actions"

	for _, tc := range []struct {
		name         string
		c            *staffClient
		method, path string
		body         string
		hdr          map[string]string
		status       int
		code         string
	}{
		{"no session: alerts", none, "GET", "/api/alerts", "", nil, 401, "staff.login"},
		{"no session: events", none, "GET", "/api/events", "", nil, 401, "staff.login"},
		{"no session: lane view", none, "GET", "/api/lanes/" + id, "", nil, 401, "staff.login"},
		{"no session: action", none, "POST", actions, ackBody, nil, 401, "staff.login"},
		{"no session: reprint", none, "POST", "/api/lanes/" + id + "/reprint", `{"txn":""}`, nil, 401, "staff.login"},
		{"forged cookie", &staffClient{base: env.url, cookie: "forged", csrf: "forged"}, "POST", actions, ackBody, nil, 401, "staff.login"},
		{"expired session: read", expired, "GET", "/api/alerts", "", nil, 401, "staff.login"},
		{"expired session: action", expired, "POST", actions, ackBody, nil, 401, "staff.login"},
		{"no CSRF token", anna, "POST", actions, ackBody, map[string]string{"X-CSRF-Token": ""}, 403, "staff.csrf"},
		{"wrong CSRF token", anna, "POST", actions, ackBody, map[string]string{"X-CSRF-Token": anna.csrf + "x"}, 403, "staff.csrf"},
		{"cross-origin POST without CSRF", anna, "POST", actions, ackBody,
			map[string]string{"Origin": "http://evil.example", "X-CSRF-Token": ""}, 403, "request.origin"},
		{"cross-origin POST with CSRF", anna, "POST", actions, ackBody, map[string]string{"Origin": "http://evil.example"}, 403, "request.origin"},
		{"cross-site fetch", anna, "POST", actions, ackBody, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "request.site"},
		{"cross-origin login", none, "POST", "/api/login", `{"id":"anna","pin":"2580"}`, map[string]string{"Origin": "http://evil.example"}, 403, "request.origin"},
		{"form post", anna, "POST", actions, ackBody, map[string]string{"Content-Type": "text/plain"}, 415, "request.content_type"},
		{"unknown field", anna, "POST", actions, `{"op":"ack","alertId":1,"by":"sam"}`, nil, 400, "request.body"},
		{"field twice", anna, "POST", actions, `{"op":"ack","op":"lane_close"}`, nil, 400, "request.body"},
		{"wrong role: price override by an attendant", anna, "POST", actions, `{"op":"price_override","line":1,"price":"0.01"}`, nil, 403, "staff.role"},
		{"wrong presence: void from remote", rita, "POST", actions, `{"op":"staff_void","line":1,"qty":0}`, nil, 403, ""},
		{"unknown lane", anna, "POST", "/api/lanes/9999-99/actions", ackBody, nil, 404, "lane.unknown"},
		{"peer events without token", none, "GET", "/peer/events", "", nil, 401, "peer.token"},
		{"peer events with a wrong token", none, "GET", "/peer/events", "", map[string]string{"Authorization": "Bearer " + testPeerToken + "x"}, 401, "peer.token"},
		{"peer events with a session", anna, "GET", "/peer/events", "", nil, 401, "peer.token"},
		{"peer action without token", none, "POST", "/peer/lanes/" + id + "/actions",
			`{"actor":{"id":"sam","role":"supervisor","where":"x"},"action":{"op":"lane_close"},"idemKey":""}`, nil, 401, "peer.token"},
		{"peer action with a wrong token", none, "POST", "/peer/lanes/" + id + "/actions",
			`{"actor":{"id":"sam","role":"supervisor","where":"x"},"action":{"op":"lane_close"},"idemKey":""}`,
			map[string]string{"Authorization": "Bearer nope"}, 401, "peer.token"},
		{"peer lane view with a wrong token", none, "GET", "/peer/lanes/" + id, "", map[string]string{"Authorization": "Basic " + testPeerToken}, 401, "peer.token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, resp := tc.c.do(t, tc.method, tc.path, tc.body, tc.hdr)
			if status != tc.status || tc.code != "" && errCodeOf(body) != tc.code {
				t.Errorf("%d %s, want %d %s", status, body, tc.status, tc.code)
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("no Content-Security-Policy on the refusal")
			}
		})
	}
	if v := lane.View(); v.State == kiosk.StateClosed || v.Lines[0].UnitPrice != "1.19" || len(v.Lines) != 1 || v.Lines[0].Voided {
		t.Errorf("a refused request changed the lane: %+v", v)
	}
	for _, a := range lane.View().Alerts {
		if a.AckedBy != "" {
			t.Errorf("a refused ack took the alert: %+v", a)
		}
	}

	// What is refused above goes through with everything in place.
	if status, body := anna.act(t, id, kiosk.StaffAction{Op: kiosk.OpAck, AlertID: help.ID}); status != 200 {
		t.Errorf("ack: %d %s", status, body)
	}
	status, body, _ := none.do(t, "GET", "/peer/lanes/"+id, "", map[string]string{"Authorization": "Bearer " + testPeerToken})
	if status != 200 || !strings.Contains(string(body), `"ackedBy":"anna"`) {
		t.Errorf("peer lane view with the token: %d %.300s", status, body)
	}
	// The wrong role's refusal is audited with its code.
	log, _ := env.svc.AuditLog(context.Background(), 0, 1000)
	var refused, acked bool
	for _, e := range log {
		refused = refused || e.Action == string(kiosk.OpPriceOverride) && e.Actor == "anna" && e.Outcome == "staff.role"
		acked = acked || e.Action == string(kiosk.OpAck) && e.Actor == "anna" && e.Outcome == "ok" && strings.HasPrefix(e.Where, "handheld ")
	}
	if !refused || !acked {
		t.Errorf("audit log lacks the refused override (%v) or the ack (%v): %+v", refused, acked, log)
	}
}

// TestShopperAPIReachesNoStaffAction: the shopper's loopback app refuses
// every staff op on /api/commands, whatever the lane would say, and its
// /staff mount wants a staff login like the LAN listener.
func TestShopperAPIReachesNoStaffAction(t *testing.T) {
	env := newStaffEnv(t, staffEnvOptions{})
	ts := env.ts
	scanMilk(t, ts.lane)
	help := raiseHelp(t, ts.lane)
	before := ts.lane.View()
	for _, op := range []kiosk.Op{kiosk.OpResolve, kiosk.OpCashTaken, kiosk.OpAck, kiosk.OpStaffVoid, kiosk.OpPriceOverride,
		kiosk.OpSellUnknown, kiosk.OpStaffCancel, kiosk.OpLaneClose, kiosk.OpLaneOpen} {
		t.Run(string(op), func(t *testing.T) {
			body := fmt.Sprintf(`{"op":%q,"alertId":%d,"outcome":"approved","line":1,"qty":0,"price":"0.01","by":"anna"}`, op, help.ID)
			for _, b := range []string{body, fmt.Sprintf(`{"op":%q}`, op)} {
				status, got := ts.post(t, b, "", "application/json")
				if status != 400 {
					t.Errorf("%s: %d %s, want 400", b, status, got)
				}
			}
			if _, err := DecodeCommand([]byte(fmt.Sprintf(`{"op":%q}`, op))); err == nil {
				t.Errorf("DecodeCommand takes %s", op)
			}
		})
	}
	after := ts.lane.View()
	if after.Seq != before.Seq {
		t.Errorf("the shopper API changed the lane: seq %d → %d", before.Seq, after.Seq)
	}
	// The mount: no session, no action; peer routes are not there at all.
	c := &staffClient{base: ts.url + "/staff"}
	status, body, _ := c.do(t, "POST", "/api/lanes/"+ts.lane.ID()+"/actions", fmt.Sprintf(`{"op":"ack","alertId":%d}`, help.ID), nil)
	if status != 401 || errCodeOf(body) != "staff.login" {
		t.Errorf("/staff action without a session: %d %s", status, body)
	}
	status, body, _ = c.do(t, "GET", "/peer/events", "", map[string]string{"Authorization": "Bearer " + testPeerToken})
	if status != 404 {
		t.Errorf("/staff/peer/events on the shopper app: %d %s", status, body)
	}
	status, body, _ = (&staffClient{base: ts.url}).do(t, "GET", "/peer/events", "", map[string]string{"Authorization": "Bearer " + testPeerToken})
	if status != 404 {
		t.Errorf("/peer/events on the shopper app: %d %s", status, body)
	}
	// Logged in on the kiosk's screen, the attendant acts "at the lane screen".
	anna := loginAt(t, ts.url+"/staff", "anna")
	if status, body := anna.act(t, ts.lane.ID(), kiosk.StaffAction{Op: kiosk.OpResolve, AlertID: help.ID, Outcome: "done", Reason: "shown the way"}); status != 200 {
		t.Fatalf("resolve on the kiosk screen: %d %s", status, body)
	}
	log, _ := env.svc.AuditLog(context.Background(), 0, 1000)
	found := false
	for _, e := range log {
		found = found || e.Action == "resolve" && e.Actor == "anna" && e.Where == "lane screen" && e.Outcome == "ok"
	}
	if !found {
		t.Errorf("no audited resolve from the lane screen: %+v", log)
	}
}

// TestStaffCSPEverywhere: every answer of the staff app, pages, static files
// and errors alike, carries the Content-Security-Policy.
func TestStaffCSPEverywhere(t *testing.T) {
	env := newStaffEnv(t, staffEnvOptions{})
	anna := env.login(t, "anna")
	none := &staffClient{base: env.url}
	screen := &staffClient{base: env.ts.url}
	for _, tc := range []struct {
		c      *staffClient
		path   string
		status int
	}{
		{none, "/", 200},
		{none, "/?lane=x&kiosk=1", 200},
		{none, "/static/staff/staff.js", 200},
		{none, "/static/staff/staff.css", 200},
		{none, "/static/i18n.js", 200},
		{none, "/i18n/strings.js", 200},
		{none, "/api/config", 200},
		{none, "/static/staff/nope.js", 404},
		{none, "/nope", 404},
		{none, "/api/alerts", 401},
		{none, "/peer/events", 401},
		{anna, "/api/alerts", 200},
		{anna, "/api/lanes", 200},
		{anna, "/api/lanes/" + env.ts.lane.ID(), 200},
		{anna, "/api/lanes/nope", 404},
		{screen, "/staff/", 200},
		{screen, "/staff/static/staff/staff.js", 200},
		{screen, "/staff/i18n/strings.js", 200},
		{screen, "/staff/api/me", 401},
		{screen, "/staff/nope", 404},
	} {
		status, body, resp := tc.c.do(t, "GET", tc.path, "", nil)
		if status != tc.status {
			t.Errorf("%s%s: %d %.200s, want %d", tc.c.base, tc.path, status, body, tc.status)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s%s: CSP %q", tc.c.base, tc.path, csp)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s%s: no frame/nosniff headers", tc.c.base, tc.path)
		}
	}
	// A POST refused before the handler carries it too.
	_, _, resp := none.do(t, "POST", "/api/login", "x", map[string]string{"Content-Type": "text/plain"})
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("no CSP on a refused POST")
	}
}

// TestStaffEventsEndWithTheSession: a handheld's open event stream ends once
// its session does (logout elsewhere, a disabled account, the idle limit),
// instead of showing the store's alerts for as long as it stays open.
func TestStaffEventsEndWithTheSession(t *testing.T) {
	old := streamRecheck
	streamRecheck = 20 * time.Millisecond
	t.Cleanup(func() { streamRecheck = old })
	env := newStaffEnv(t, staffEnvOptions{})
	for _, tc := range []struct {
		name string
		end  func(c *staffClient)
	}{
		{"logout", func(c *staffClient) {
			if status, body, _ := c.do(t, "POST", "/api/logout", "{}", nil); status != 200 {
				t.Fatalf("logout: %d %s", status, body)
			}
		}},
		{"idle", func(*staffClient) { env.clock.add(31 * time.Minute) }},
		{"disabled", func(*staffClient) {
			if err := env.svc.Disable(context.Background(), "rita", "test"); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := env.login(t, "rita")
			s := c.events(t, "/api/events", nil)
			s.until(evSnapshot, nil)
			tc.end(c)
			done := make(chan error, 1)
			go func() {
				_, err := io.Copy(io.Discard, s.r)
				done <- err
			}()
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				t.Fatal("the event stream outlived its session")
			}
		})
	}
}

// TestStaffStreamsBounded: one staff member holds at most maxStreamsPerStaff
// event streams, and however many handhelds hold, the hub's stream still
// opens.
func TestStaffStreamsBounded(t *testing.T) {
	env := newStaffEnv(t, staffEnvOptions{})
	anna := env.login(t, "anna")
	for range maxStreamsPerStaff {
		anna.events(t, "/api/events", nil).until(evSnapshot, nil)
	}
	if status := streamStatus(t, anna, "/api/events"); status != 503 {
		t.Fatalf("stream %d of one staff member: %d", maxStreamsPerStaff+1, status)
	}
	env.login(t, "sam").events(t, "/api/events", nil).until(evSnapshot, nil)
	// The handhelds take all theirs: the hub's stream still opens.
	env.staff.streamsMu.Lock()
	env.staff.streams[allStreams] = maxStaffStreams
	env.staff.streamsMu.Unlock()
	if status := streamStatus(t, env.login(t, "rita"), "/api/events"); status != 503 {
		t.Fatalf("a handheld stream past maxStaffStreams: %d", status)
	}
	hub := &staffClient{base: env.url}
	hub.events(t, "/peer/events", map[string]string{"Authorization": "Bearer " + testPeerToken}).until(evSnapshot, nil)
}

// streamStatus opens an event stream of c and returns its status, closing it.
func streamStatus(t *testing.T, c *staffClient, path string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	req.AddCookie(&http.Cookie{Name: CookieName, Value: c.cookie})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
