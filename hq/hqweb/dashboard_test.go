package hqweb

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kiosk-sco/kiosk/hq"
)

func (e *env) page(method, path, cookie string, form url.Values) (int, http.Header, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, "http://hq.test"+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := e.srv.App().Test(req, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func (e *env) login(name, pw string) string {
	e.t.Helper()
	code, h, _ := e.page("POST", "/login", "", url.Values{"name": {name}, "password": {pw}})
	if code != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d", name, code)
	}
	c := h.Get("Set-Cookie")
	if !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Strict") {
		e.t.Fatalf("cookie %q", c)
	}
	return strings.SplitN(c, ";", 2)[0]
}

var svgRE = regexp.MustCompile(`(?s)<svg.*?</svg>`)

func TestDashboard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.svc.CreateUser(ctx, "ana", hq.RoleAnalyst, "", "analyst-password"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.CreateUser(ctx, "sup1", hq.RoleStore, "0001", "store-password"); err != nil {
		t.Fatal(err)
	}
	e.push("0001-01", 6)
	e.push("0002-01", 2) // another store's lane
	if code, h, _ := e.page("GET", "/", "", nil); code != http.StatusSeeOther || h.Get("Location") != "/login" {
		t.Fatalf("no session: %d %s", code, h.Get("Location"))
	}
	if code, _, body := e.page("POST", "/login", "", url.Values{"name": {"ana"}, "password": {"wrong-password"}}); code != 401 || !strings.Contains(body, "wrong") {
		t.Fatalf("wrong password: %d", code)
	}
	for _, tc := range []struct {
		who, pw, lang string
		want, not     []string
	}{
		{"ana", "analyst-password", "en", []string{"all stores", "0001-01", "0002-01", "Assist rate", "printer: paper_out"}, nil},
		{"ana", "analyst-password", "de", []string{"Assistenzquote", "Umsatz pro Tag"}, nil},
		{"ana", "analyst-password", "es", []string{"Tasa de asistencia"}, nil},
		{"sup1", "store-password", "en", []string{"Store 0001", "0001-01"}, []string{"0002-01"}},
	} {
		t.Run(tc.who+"-"+tc.lang, func(t *testing.T) {
			cookie := e.login(tc.who, tc.pw)
			path := "/?days=92&lang=" + tc.lang
			if tc.who == "sup1" {
				path += "&store=0002" // a store's supervisor cannot look at another store
			}
			code, h, body := e.page("GET", path, cookie, nil)
			if code != 200 || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Fatalf("%d %v", code, h)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("the page shows %q", w)
				}
			}
			charts := svgRE.FindAllString(body, -1)
			if len(charts) != 4 {
				t.Fatalf("%d charts", len(charts))
			}
			for _, c := range charts {
				if err := xml.Unmarshal([]byte(c), new(struct{})); err != nil {
					t.Errorf("a chart is not well-formed XML: %v", err)
				}
			}
		})
	}
}

// TestChartEscapes: a reason or label from the data cannot become markup.
func TestChartEscapes(t *testing.T) {
	for _, c := range []string{
		string(barChart(`<script>alert(1)</script>`, []string{`"><img src=x onerror=alert(1)>`}, []float64{3}, func(v float64) string { return "x" })),
		string(lineChart("t", []string{"a", "<b>"}, []*float64{nil, nil}, 1, func(v float64) string { return "x" })),
		string(barChart("empty", nil, nil, func(v float64) string { return "" })),
	} {
		if strings.Contains(c, "<script") || strings.Contains(c, "<img") || strings.Contains(c, "<b>") {
			t.Fatalf("unescaped: %s", c)
		}
		if err := xml.Unmarshal([]byte(c), new(struct{})); err != nil {
			t.Fatalf("not XML: %v\n%s", err, c)
		}
	}
}
