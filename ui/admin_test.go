package ui

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk"
)

// adminClient talks to the staff API of ts over a real Unix socket.
type adminClient struct {
	t      *testing.T
	client *http.Client
}

func startAdmin(t *testing.T, ts *testServer) *adminClient {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "kiosk.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	app := ts.srv.AdminApp()
	go app.Listener(ln)
	t.Cleanup(func() { app.ShutdownWithTimeout(2 * time.Second) })
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &adminClient{t: t, client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (a *adminClient) do(method, path, ctype, body string, header ...string) (int, []byte) {
	a.t.Helper()
	req, _ := http.NewRequest(method, "http://kiosk"+path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestAdminAPI(t *testing.T) {
	ts := newTestServer(t)
	admin := startAdmin(t, ts)
	const js = "application/json"
	// Alert 1: an unknown item (blocking); alert 2: a void request.
	ts.post(t, `{"op":"scan","code":"`+milk+`"}`, "", js)
	ts.post(t, `{"op":"scan","code":"5901234123457"}`, "", js)
	if status, b := admin.do("POST", "/alerts/1/resolve", js, `{"outcome":"done","by":"anna"}`); status != 200 {
		t.Fatalf("resolve the unknown item: %d %s", status, b)
	}
	ts.post(t, `{"op":"void","line":1}`, "", js)
	v := ts.lane.View()
	if len(v.Alerts) != 1 || v.Alerts[0].Type != kiosk.AlertVoidRequest || v.Alerts[0].ID != 2 {
		t.Fatalf("alerts %+v", v.Alerts)
	}
	seq := v.Seq

	for _, tc := range []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
	}{
		{"id not a number", "POST", "/alerts/abc/resolve", js, `{"outcome":"approved","by":"anna"}`, 400, "request.alert"},
		{"id zero", "POST", "/alerts/0/resolve", js, `{"outcome":"approved","by":"anna"}`, 400, "request.alert"},
		{"id negative", "POST", "/alerts/-2/resolve", js, `{"outcome":"approved","by":"anna"}`, 400, "request.alert"},
		{"form body", "POST", "/alerts/2/resolve", "application/x-www-form-urlencoded", `outcome=approved&by=anna`, 415, "request.content_type"},
		{"no content type", "POST", "/alerts/2/resolve", "", `{"outcome":"approved","by":"anna"}`, 415, "request.content_type"},
		{"content type prefix", "POST", "/alerts/2/resolve", "application/jsonx", `{"outcome":"approved","by":"anna"}`, 415, "request.content_type"},
		{"not JSON", "POST", "/alerts/2/resolve", js, `{"outcome":`, 400, "request.body"},
		{"unknown field", "POST", "/alerts/2/resolve", js, `{"outcome":"approved","by":"anna","role":"manager"}`, 400, "request.body"},
		{"two objects", "POST", "/alerts/2/resolve", js, `{"outcome":"approved","by":"anna"}{}`, 400, "request.body"},
		{"unknown outcome", "POST", "/alerts/2/resolve", js, `{"outcome":"maybe","by":"anna"}`, 400, "request.outcome"},
		{"done for a void", "POST", "/alerts/2/resolve", js, `{"outcome":"done","by":"anna"}`, 400, "request.outcome"},
		{"nobody", "POST", "/alerts/2/resolve", js, `{"outcome":"approved","by":""}`, 400, "request.by"},
		{"control byte in the name", "POST", "/alerts/2/resolve", js, `{"outcome":"approved","by":"an\u001bna"}`, 400, "request.by"},
		{"no such alert", "POST", "/alerts/99/resolve", js, `{"outcome":"approved","by":"anna"}`, 404, "alert.not_found"},
		{"resolved already", "POST", "/alerts/1/resolve", js, `{"outcome":"done","by":"anna"}`, 409, "alert.resolved"},
		{"no printer", "POST", "/printer/test", js, `{"by":"anna"}`, 409, "printer.none"},
		{"reprint without printer", "POST", "/printer/reprint", "", ``, 409, "printer.none"},
		{"unknown print job", "POST", "/printer/scan", js, `{}`, 404, "http.404"},
		{"printer body unknown field", "POST", "/printer/test", js, `{"copies":3}`, 400, "request.body"},
		{"no such call", "GET", "/alerts", "", ``, 404, "http.404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, b := admin.do(tc.method, tc.path, tc.ctype, tc.body)
			var e apiError
			json.Unmarshal(b, &e)
			if status != tc.status || e.Error.Code != tc.code || e.Error.Message == "" {
				t.Fatalf("got %d %s, want %d %s", status, b, tc.status, tc.code)
			}
			if s := ts.lane.View().Seq; s != seq {
				t.Fatalf("a refused staff call changed the lane: seq %d -> %d", seq, s)
			}
		})
	}

	t.Run("read the lane and the devices", func(t *testing.T) {
		status, b := admin.do("GET", "/lane", "", "")
		var view kiosk.View
		if err := json.Unmarshal(b, &view); status != 200 || err != nil || view.Seq != seq || len(view.Alerts) != 1 {
			t.Fatalf("lane: %d %.300s", status, b)
		}
		if status, b := admin.do("GET", "/devices", "", ""); status != 200 || !strings.Contains(string(b), `"devices"`) {
			t.Fatalf("devices: %d %s", status, b)
		}
	})

	t.Run("approve the void, retried", func(t *testing.T) {
		body := `{"outcome":"approved","by":"anna"}`
		s1, b1 := admin.do("POST", "/alerts/2/resolve", "application/json; charset=utf-8", body, "Idempotency-Key", "staff-1")
		s2, b2 := admin.do("POST", "/alerts/2/resolve", js, body, "Idempotency-Key", "staff-1")
		var r1, r2 kiosk.Result
		json.Unmarshal(b1, &r1)
		json.Unmarshal(b2, &r2)
		if s1 != 200 || s2 != 200 || r1.Replayed || !r2.Replayed || r1.View.Seq != r2.View.Seq {
			t.Fatalf("resolve: %d %s / %d %s", s1, b1, s2, b2)
		}
		v := ts.lane.View()
		if len(v.Alerts) != 0 || len(v.Lines) != 1 || !v.Lines[0].Voided {
			t.Fatalf("after the approved void: alerts %+v, lines %+v", v.Alerts, v.Lines)
		}
	})
}

// The staff API reads its bodies as strictly as the shopper's: a key spelled
// another way or given twice is refused, not read as the last one.
func TestStaffBodyKeysExact(t *testing.T) {
	var body struct {
		Outcome string `json:"outcome"`
		By      string `json:"by"`
	}
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`{"outcome":"rejected","by":"anna"}`, true},
		{`{"outcome":"rejected","Outcome":"approved","by":"anna"}`, false},
		{`{"outcome":"rejected","outcome":"approved","by":"anna"}`, false},
		{`{"OUTCOME":"approved","by":"anna"}`, false},
	} {
		if err := strictDecode([]byte(tc.in), &body); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}
