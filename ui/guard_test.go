package ui

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAllowedHost(t *testing.T) {
	for _, tc := range []struct {
		host, port string
		ok         bool
	}{
		{"127.0.0.1:8080", "8080", true},
		{"[::1]:8080", "8080", true},
		{"localhost:8080", "8080", true},
		{"LocalHost:8080", "8080", true},
		{"127.0.0.1", "80", true},
		{"localhost", "80", true},
		{"[::1]", "80", true},
		{"127.0.0.1:80", "80", true},

		{"evil.example:8080", "8080", false},
		{"evil.example", "8080", false},
		{"127.0.0.1", "8080", false},      // missing port
		{"localhost", "8080", false},      // missing port
		{"127.0.0.1:", "8080", false},     // empty port
		{"127.0.0.1:8081", "8080", false}, // another port
		{"localhost:80", "8080", false},
		{"127.0.0.1:08080", "8080", false},
		{"127.1:8080", "8080", false},
		{"0x7f.0.0.1:8080", "8080", false},
		{"2130706433:8080", "8080", false},
		{"127.0.0.2:8080", "8080", false},
		{"0.0.0.0:8080", "8080", false},
		{"[::ffff:127.0.0.1]:8080", "8080", false},
		{"[127.0.0.1]:8080", "8080", false},
		{"::1:8080", "8080", false},
		{"localhost.:8080", "8080", false},
		{"localhost.evil.example:8080", "8080", false},
		{"127.0.0.1:8080.evil.example", "8080", false},
		{"evil.example@127.0.0.1:8080", "8080", false},
		{"127.0.0.1:8080 ", "8080", false},
		{"", "8080", false},
		{"127.0.0.1:8080", "", false}, // no known port (a fake connection)
		{"evil.example", "80", false},
	} {
		t.Run(tc.host+"/"+tc.port, func(t *testing.T) {
			if got := AllowedHost(tc.host, tc.port); got != tc.ok {
				t.Fatalf("AllowedHost(%q, %q) = %v, want %v", tc.host, tc.port, got, tc.ok)
			}
		})
	}
}

func TestJSONContentType(t *testing.T) {
	for _, tc := range []struct {
		ct string
		ok bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"application/json;charset=UTF-8", true},
		{"Application/JSON; Charset=Utf-8", true},
		{"application/json ; charset=utf-8", true},

		{"", false},
		{"application/jsonx", false},
		{"application/json-evil", false},
		{"application/json+evil", false},
		{"application/jsonp", false},
		{"application/json; charset=latin1", false},
		{"application/json; charset=utf-8; boundary=x", false},
		{"application/json; foo=bar", false},
		{"application/json, text/plain", false},
		{"application/json;", false},
		{"text/plain", false},
		{"text/plain; charset=utf-8", false},
		{"application/x-www-form-urlencoded", false},
		{"multipart/form-data; boundary=x", false},
		{"text/json", false},
		{"application/ld+json", false},
	} {
		t.Run(tc.ct, func(t *testing.T) {
			if got := JSONContentType(tc.ct); got != tc.ok {
				t.Fatalf("JSONContentType(%q) = %v, want %v", tc.ct, got, tc.ok)
			}
		})
	}
}

// rawRequest sends one HTTP/1.1 request as written (request line and headers
// verbatim) and returns the status and body.
func rawRequest(t *testing.T, addr, req string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the answer to %q: %v", req, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestHostMustNameUs sends the shopper API requests that reach it on loopback
// under another name, as a DNS-rebinding page's requests do. None changes or
// reads the lane; the lane's own names do.
func TestHostMustNameUs(t *testing.T) {
	ts := newTestServer(t)
	port := ts.addr[strings.LastIndex(ts.addr, ":")+1:]
	scan := `{"op":"scan","code":"` + milk + `"}`
	post := func(target, host string) string {
		return "POST " + target + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nConnection: close\r\n" +
			"Content-Length: " + itoa(len(scan)) + "\r\n\r\n" + scan
	}
	get := func(target, host string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"
	}
	for _, tc := range []struct{ name, req string }{
		{"evil.example", post("/api/commands", "evil.example:"+port)},
		{"evil.example without port", post("/api/commands", "evil.example")},
		{"loopback without port", post("/api/commands", "127.0.0.1")},
		{"localhost without port", post("/api/commands", "localhost")},
		{"other port", post("/api/commands", "127.0.0.1:1")},
		{"127.1", post("/api/commands", "127.1:"+port)},
		{"localhost.", post("/api/commands", "localhost.:"+port)},
		{"empty host", post("/api/commands", "")},
		{"absolute URI of another host", post("http://evil.example/api/commands", "127.0.0.1:"+port)},
		{"sim device", "POST /api/sim/device HTTP/1.1\r\nHost: evil.example:" + port + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"},
		{"read the lane", get("/api/lane", "evil.example:"+port)},
		{"the page", get("/", "evil.example:"+port)},
		{"event stream", get("/api/events", "evil.example:"+port)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawRequest(t, ts.addr, tc.req)
			var e apiError
			json.Unmarshal([]byte(body), &e)
			if status != http.StatusForbidden || e.Error.Code != "request.host" {
				t.Fatalf("got %d %.200s, want 403 request.host", status, body)
			}
			if seq := ts.lane.View().Seq; seq != 0 {
				t.Fatalf("the request changed the lane (seq %d)", seq)
			}
		})
	}
	for i, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port} {
		t.Run("ours "+host, func(t *testing.T) {
			if status, body := rawRequest(t, ts.addr, post("/api/commands", host)); status != 200 {
				t.Fatalf("got %d %.200s", status, body)
			}
			if seq := ts.lane.View().Seq; seq < int64(i+1) {
				t.Fatalf("seq %d", seq)
			}
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestCrossOriginRefused sends what browsers send for another page's requests.
func TestCrossOriginRefused(t *testing.T) {
	ts := newTestServer(t)
	port := ts.addr[strings.LastIndex(ts.addr, ":")+1:]
	scan := `{"op":"scan","code":"` + milk + `"}`
	device := `{"device":"scanner","action":"scan","code":"` + milk + `"}`
	type hdr = map[string]string
	for _, tc := range []struct {
		name, method, path, body string
		headers                  hdr
		status                   int
		code                     string
	}{
		{"other site", "POST", "/api/commands", scan, hdr{"Origin": "http://evil.example"}, 403, "request.origin"},
		{"other port", "POST", "/api/commands", scan, hdr{"Origin": "http://127.0.0.1:1"}, 403, "request.origin"},
		{"https", "POST", "/api/commands", scan, hdr{"Origin": "https://127.0.0.1:" + port}, 403, "request.origin"},
		{"null origin", "POST", "/api/commands", scan, hdr{"Origin": "null"}, 403, "request.origin"},
		{"origin with a path", "POST", "/api/commands", scan, hdr{"Origin": "http://127.0.0.1:" + port + "/"}, 403, "request.origin"},
		{"cross-site fetch", "POST", "/api/commands", scan, hdr{"Sec-Fetch-Site": "cross-site"}, 403, "request.site"},
		{"same-site fetch", "POST", "/api/commands", scan, hdr{"Sec-Fetch-Site": "same-site"}, 403, "request.site"},
		{"user-initiated post", "POST", "/api/commands", scan, hdr{"Sec-Fetch-Site": "none"}, 403, "request.site"},
		{"sim device from another site", "POST", "/api/sim/device", device, hdr{"Origin": "http://evil.example"}, 403, "request.origin"},
		{"sim print from another site", "POST", "/api/sim/print", "", hdr{"Origin": "http://evil.example"}, 403, "request.origin"},
		{"event stream from another site", "GET", "/api/events", "", hdr{"Origin": "http://evil.example"}, 403, "request.origin"},
		{"lane read from another site", "GET", "/api/lane", "", hdr{"Sec-Fetch-Site": "cross-site"}, 403, "request.site"},
		{"text/plain command", "POST", "/api/commands", scan, hdr{"Content-Type": "text/plain;charset=UTF-8"}, 415, "request.content_type"},
		{"text/plain sim scan", "POST", "/api/sim/device", device, hdr{"Content-Type": "text/plain"}, 415, "request.content_type"},
		{"form sim scan", "POST", "/api/sim/device", device, hdr{"Content-Type": "application/x-www-form-urlencoded"}, 415, "request.content_type"},
		{"no content type", "POST", "/api/commands", scan, hdr{"Content-Type": ""}, 415, "request.content_type"},
		{"application/jsonx", "POST", "/api/commands", scan, hdr{"Content-Type": "application/jsonx"}, 415, "request.content_type"},
		{"application/json-evil", "POST", "/api/commands", scan, hdr{"Content-Type": "application/json-evil"}, 415, "request.content_type"},
		{"application/json; charset=latin1", "POST", "/api/commands", scan, hdr{"Content-Type": "application/json; charset=latin1"}, 415, "request.content_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.url+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tc.headers {
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
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var e apiError
			json.Unmarshal(b, &e)
			if resp.StatusCode != tc.status || e.Error.Code != tc.code {
				t.Fatalf("got %d %.200s, want %d %s", resp.StatusCode, b, tc.status, tc.code)
			}
			if seq := ts.lane.View().Seq; seq != 0 {
				t.Fatalf("the request changed the lane (seq %d)", seq)
			}
		})
	}
	// What the kiosk's own page sends is accepted.
	for _, tc := range []struct {
		name, method, path, body string
		headers                  hdr
	}{
		{"own page command", "POST", "/api/commands", scan, hdr{"Origin": "http://127.0.0.1:" + port, "Sec-Fetch-Site": "same-origin"}},
		{"own page via localhost", "POST", "/api/commands", scan, hdr{"Origin": "http://localhost:" + port}},
		{"charset", "POST", "/api/commands", scan, hdr{"Content-Type": "application/json; charset=UTF-8"}},
		{"own page read", "GET", "/api/lane", "", hdr{"Sec-Fetch-Site": "same-origin"}},
		{"kiosk browser opens the page", "GET", "/", "", hdr{"Sec-Fetch-Site": "none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.url+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("got %d %.200s", resp.StatusCode, b)
			}
		})
	}
}
