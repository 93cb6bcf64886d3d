package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

const milk = "4063658814593"

type testServer struct {
	url  string
	addr string
	lane *kiosk.Lane
	srv  *Server
	cat  *catalog.DB
	app  *fiber.App
	db   *store.DB
	stop func() // shuts the server, the lane and the database down (also at cleanup)
}

// testServerOptions vary newTestServerWith.
type testServerOptions struct {
	dbPath string              // default: a new file in t.TempDir()
	addr   string              // default: 127.0.0.1:0
	seed   func(db *store.DB)  // runs before the lane opens
	noRun  bool                // do not run the lane: its commands wait until their context ends
	ui     func(*Options)      // changes the server's options (default: the demo)
	lane   func(*kiosk.Config) // changes the lane's configuration
	// staff, when set, makes the staff app of the lane (mounted under
	// /staff on the shopper app too).
	staff func(lane *kiosk.Lane, db *store.DB) *Staff
	// sims, when set, gives /sim its device simulators (they report to lane).
	sims func(lane *kiosk.Lane) Sims
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return newTestServerWith(t, testServerOptions{})
}

func newTestServerWith(t testing.TB, o testServerOptions) *testServer {
	t.Helper()
	ctx := context.Background()
	if o.dbPath == "" {
		o.dbPath = filepath.Join(t.TempDir(), "kiosk.db")
	}
	if o.addr == "" {
		o.addr = "127.0.0.1:0"
	}
	db, err := store.Open(ctx, o.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewDB(db)
	if _, err := cat.EnsureDemo(ctx, catalog.DefaultVATRates()); err != nil {
		t.Fatal(err)
	}
	if o.seed != nil {
		o.seed(db)
	}
	de, _ := catalog.RCNPreset("DE")
	lcfg := kiosk.Config{Decode: catalog.DecodeOptions{RCN: de}}
	if o.lane != nil {
		o.lane(&lcfg)
	}
	lane, err := kiosk.Open(ctx, db, cat, lcfg)
	if err != nil {
		t.Fatal(err)
	}
	laneCtx, stopLane := context.WithCancel(ctx)
	run := !o.noRun
	if run {
		go lane.Run(laneCtx)
	}
	uo := Options{Demo: true}
	if o.ui != nil {
		o.ui(&uo)
	}
	if o.staff != nil {
		uo.Staff = o.staff(lane, db)
	}
	if o.sims != nil {
		uo.Sims = o.sims(lane)
	}
	srv := New(lane, cat, uo)
	app := srv.App()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			srv.CloseStreams()
			if uo.Staff != nil {
				uo.Staff.Close()
			}
			app.ShutdownWithTimeout(2 * time.Second)
			stopLane()
			if run {
				<-lane.Done()
			}
			db.Close()
		})
	}
	t.Cleanup(stop)
	return &testServer{url: "http://" + ln.Addr().String(), addr: ln.Addr().String(), lane: lane, srv: srv, cat: cat, app: app, db: db, stop: stop}
}

type apiError struct {
	Error struct{ Kind, Code, Message string }
}

func (ts *testServer) post(t *testing.T, body, key, ctype string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.url+"/api/commands", strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestBadRequestsChangeNothing(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct {
		name, body, ctype string
		status            int
		code              string
	}{
		{"not JSON", `{"op":"scan",`, "application/json", 400, "request.body"},
		{"unknown field", `{"op":"scan","code":"` + milk + `","price":"0.01"}`, "application/json", 400, "request.body"},
		{"two objects", `{"op":"help"}{"op":"help"}`, "application/json", 400, "request.body"},
		{"array", `[{"op":"help"}]`, "application/json", 400, "request.body"},
		{"wrong type", `{"op":"quantity","line":"1","qty":2}`, "application/json", 400, "request.body"},
		{"form post", `op=scan`, "application/x-www-form-urlencoded", 415, "request.content_type"},
		{"staff op", `{"op":"resolve","alertId":1,"outcome":"done","by":"me"}`, "application/json", 400, "request.body"},
		{"unknown op", `{"op":"pay_later"}`, "application/json", 400, "request.op"},
		{"misread", `{"op":"scan","code":"4006381333932"}`, "application/json", 400, "scan.check_digit"},
		{"control bytes", `{"op":"scan","code":"4006\u001b[A"}`, "application/json", 400, "scan.control_byte"},
		{"no such line", `{"op":"void","line":7}`, "application/json", 409, "txn.none"},
		{"too big", `{"op":"scan","code":"` + strings.Repeat("1", MaxBody) + `"}`, "application/json", 413, "http.413"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := ts.post(t, tc.body, "", tc.ctype)
			var e apiError
			json.Unmarshal(body, &e)
			if status != tc.status || e.Error.Code != tc.code || e.Error.Message == "" {
				t.Fatalf("got %d %s, want %d %s", status, body, tc.status, tc.code)
			}
			if seq := ts.lane.View().Seq; seq != 0 {
				t.Fatalf("refused request changed the lane (seq %d)", seq)
			}
		})
	}
}

func TestIdempotencyKeyReturnsFirstResult(t *testing.T) {
	ts := newTestServer(t)
	body := `{"op":"scan","code":"` + milk + `","source":"typed"}`
	s1, b1 := ts.post(t, body, "double-tap-1", "application/json")
	s2, b2 := ts.post(t, body, "double-tap-1", "application/json")
	if s1 != 200 || s2 != 200 {
		t.Fatalf("status %d %d: %s %s", s1, s2, b1, b2)
	}
	var r1, r2 kiosk.Result
	json.Unmarshal(b1, &r1)
	json.Unmarshal(b2, &r2)
	if r1.Replayed || !r2.Replayed || r2.View.Seq != r1.View.Seq {
		t.Fatalf("replay: %+v / %+v", r1.View, r2.View)
	}
	if v := ts.lane.View(); len(v.Lines) != 1 || v.Lines[0].Qty != 1 {
		t.Fatalf("the retry added to the basket: %+v", v.Lines)
	}
	// The same key on another command is refused (409), not answered with the first result.
	if status, b := ts.post(t, `{"op":"help"}`, "double-tap-1", "application/json"); status != 409 || !strings.Contains(string(b), "request.idempotency_key_reused") {
		t.Fatalf("reused key: %d %s", status, b)
	}
	// A different key is a new scan.
	ts.post(t, body, "double-tap-2", "application/json")
	if v := ts.lane.View(); v.Lines[0].Qty != 2 {
		t.Fatalf("qty %d", v.Lines[0].Qty)
	}
}

type sseMsg struct {
	id, event, data string
}

func readSSE(t *testing.T, r *bufio.Reader, n int) []sseMsg {
	t.Helper()
	var out []sseMsg
	var cur sseMsg
	for len(out) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended after %d messages: %v", len(out), err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if cur.event != "" {
				out = append(out, cur)
			}
			cur = sseMsg{}
		case strings.HasPrefix(line, "id: "):
			cur.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			cur.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			cur.data = line[6:]
		}
	}
	return out
}

func TestEventStreamResumesWithLastEventID(t *testing.T) {
	ts := newTestServer(t)
	for range 3 {
		ts.post(t, `{"op":"scan","code":"`+milk+`"}`, "", "application/json") // seq 1..4
	}
	req, _ := http.NewRequest("GET", ts.url+"/api/events", nil)
	req.Header.Set("Last-Event-ID", "2")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	msgs := readSSE(t, r, 3) // journal 3, journal 4, state 4
	if msgs[0].id != "3" || msgs[0].event != "journal" || msgs[1].id != "4" || msgs[2].event != "state" || msgs[2].id != "4" {
		t.Fatalf("resume: %+v", msgs)
	}
	// Live: the next commit arrives as journal event(s) then state.
	ts.post(t, `{"op":"help"}`, "", "application/json")
	msgs = readSSE(t, r, 2)
	var v kiosk.View
	json.Unmarshal([]byte(msgs[1].data), &v)
	if msgs[0].event != "journal" || msgs[1].event != "state" || v.Seq != 5 || len(v.Alerts) != 1 {
		t.Fatalf("live: %+v", msgs)
	}
	// Closing the streams (shutdown) ends the response.
	ts.srv.CloseStreams()
	if _, err := io.ReadAll(r); err != nil && !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("stream did not end cleanly: %v", err)
	}
}

func TestLastEventIDMustBeNumber(t *testing.T) {
	ts := newTestServer(t)
	req, _ := http.NewRequest("GET", ts.url+"/api/events", nil)
	req.Header.Set("Last-Event-ID", "abc")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestPagesAndReadAPIs(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct{ path, want string }{
		{"/", "<html"},
		{"/sim", "<html"},
		{"/static/app.js", "EventSource"},
		{"/i18n/strings.js", `"receipt.notPaid": "NICHT BEZAHLT"`}, // the receipt's words are the page's
		{"/api/config", `"keyboardWedge":false`},
		{"/api/catalog/produce", `"plu":"4011"`},
		{"/api/sim/items", `"samples"`},
		{"/api/lane", `"state":"idle"`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Get(ts.url + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.Contains(string(b), tc.want) {
				t.Fatalf("%d %.200s", resp.StatusCode, b)
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Fatal("no CSP header")
			}
		})
	}
}

// peerListener makes every accepted connection report peer as its remote
// address, as if it came from that machine.
type peerListener struct {
	net.Listener
	peer net.Addr
}

func (l peerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return peerConn{c, l.peer}, nil
}

type peerConn struct {
	net.Conn
	peer net.Addr
}

func (c peerConn) RemoteAddr() net.Addr { return c.peer }

// TestLoopbackOnly serves the real app on a real listener whose connections
// say they come from another machine (a LAN address, or a loopback one for the
// control): every route refuses the LAN peer and changes nothing.
func TestLoopbackOnly(t *testing.T) {
	ts := newTestServer(t)
	serve := func(peer string) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		app := ts.srv.App()
		go app.Listener(peerListener{ln, &net.TCPAddr{IP: net.ParseIP(peer), Port: 40000}})
		t.Cleanup(func() { app.ShutdownWithTimeout(2 * time.Second) })
		return "http://" + ln.Addr().String()
	}
	scan := `{"op":"scan","code":"` + milk + `"}`
	for _, peer := range []string{"192.168.1.23", "10.0.0.7", "::ffff:192.168.1.23", "fe80::1", "2001:db8::1", "0.0.0.0"} {
		url := serve(peer)
		for _, tc := range []struct{ method, path, body string }{
			{"GET", "/", ""},
			{"GET", "/sim", ""},
			{"GET", "/static/app.js", ""},
			{"GET", "/api/lane", ""},
			{"GET", "/api/events", ""},
			{"GET", "/receipts/last.png", ""},
			{"POST", "/api/commands", scan},
			{"POST", "/api/sim/device", `{"device":"scanner","action":"scan","code":"` + milk + `"}`},
		} {
			t.Run(peer+" "+tc.method+" "+tc.path, func(t *testing.T) {
				req, _ := http.NewRequest(tc.method, url+tc.path, strings.NewReader(tc.body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					t.Fatalf("peer %s: status %d, want 403", peer, resp.StatusCode) // not read: it may be a stream
				}
				b, _ := io.ReadAll(resp.Body)
				var e apiError
				json.Unmarshal(b, &e)
				if e.Error.Kind != "permission" || e.Error.Code != "http.403" {
					t.Fatalf("peer %s: %d %.200s, want 403", peer, resp.StatusCode, b)
				}
				if seq := ts.lane.View().Seq; seq != 0 {
					t.Fatalf("a LAN peer changed the lane (seq %d)", seq)
				}
			})
		}
	}
	// The control: the same wrapping with a loopback peer is served.
	for _, peer := range []string{"127.0.0.1", "127.0.0.5", "::1"} {
		t.Run("loopback "+peer, func(t *testing.T) {
			req, _ := http.NewRequest("POST", serve(peer)+"/api/commands", strings.NewReader(scan))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("loopback peer %s: status %d", peer, resp.StatusCode)
			}
		})
	}
}

func TestReceiptPreview(t *testing.T) {
	ts := newTestServer(t)
	if resp, _ := http.Get(ts.url + "/receipts/last.png"); resp.StatusCode != 404 {
		t.Fatalf("no basket yet: status %d", resp.StatusCode)
	}
	ts.post(t, `{"op":"scan","code":"`+milk+`"}`, "", "application/json")
	for _, path := range []string{"/receipts/last.png", "/receipts/" + ts.lane.View().Txn.ID + ".png"} {
		resp, err := http.Get(ts.url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(string(b), "\x89PNG") {
			t.Fatalf("%s: %d %s %.40q", path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
	if resp, _ := http.Get(ts.url + "/receipts/12ab.png"); resp.StatusCode != 400 {
		t.Fatalf("bad id: %d", resp.StatusCode)
	}
}
