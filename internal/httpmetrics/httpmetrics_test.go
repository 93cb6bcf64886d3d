package httpmetrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestRouteTemplatesAsLabels(t *testing.T) {
	m := New("test")
	app := fiber.New()
	app.Use(m.Middleware())
	app.Get("/metrics", m.Handler())
	app.Get("/lanes/:lane", func(c *fiber.Ctx) error { return c.SendString(c.Params("lane")) })
	app.Post("/fail", func(c *fiber.Ctx) error { return fiber.NewError(fiber.StatusConflict, "no") })
	for _, r := range []struct{ method, path string }{
		{"GET", "/lanes/0001-01"}, {"GET", "/lanes/0001-02"}, {"GET", "/lanes/0002-01"},
		{"POST", "/fail"}, {"GET", "/no/such/0001-01"}, {"GET", "/etc/passwd"},
	} {
		res, err := app.Test(httptest.NewRequest(r.method, r.path, nil))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	res, err := app.Test(httptest.NewRequest("GET", "/metrics", nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}
	got := map[string]float64{}
	for _, m := range fams["test_http_requests_total"].GetMetric() {
		l := map[string]string{}
		for _, lp := range m.GetLabel() {
			l[lp.GetName()] = lp.GetValue()
		}
		got[l["method"]+" "+l["route"]+" "+l["code"]] = m.GetCounter().GetValue()
	}
	want := map[string]float64{"GET /lanes/:lane 200": 3, "POST /fail 409": 1, "GET " + Unmatched + " 404": 2}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	for k := range got {
		if strings.Contains(k, "0001") || strings.Contains(k, "passwd") {
			t.Errorf("a raw path became a label: %s", k)
		}
	}
	if fams["go_goroutines"] == nil || fams["test_http_request_duration_seconds"].GetType().String() != "HISTOGRAM" {
		t.Error("the Go collector or the duration histogram is missing")
	}
}
