package ui

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kiosk-sco/kiosk/internal/httpmetrics"
)

// TestStaffMetrics: the LAN listener serves Prometheus metrics of its own
// registry, requests labelled by route template, with the lane's gauges
// the caller registered; the kiosk-screen mount has no /metrics.
func TestStaffMetrics(t *testing.T) {
	m := httpmetrics.New("kiosk")
	st := NewStaff(StaffOptions{Metrics: m})
	defer st.Close()
	app := st.App()
	for _, p := range []string{"/api/config", "/api/config", "/api/lanes/0001-01/view", "/no/such/0001-02"} {
		res, err := app.Test(httptest.NewRequest("GET", p, nil))
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
		t.Fatalf("%v\n%s", err, body)
	}
	routes := map[string]bool{}
	for _, mf := range fams["kiosk_http_requests_total"].GetMetric() {
		for _, l := range mf.GetLabel() {
			if l.GetName() == "route" {
				routes[l.GetValue()] = true
			}
		}
	}
	if !routes["/api/config"] {
		t.Fatalf("route labels %v", routes)
	}
	for r := range routes {
		if strings.Contains(r, "0001") {
			t.Fatalf("a raw path became a label: %v", routes)
		}
	}
	res, _ = st.screenApp().Test(httptest.NewRequest("GET", "/metrics", nil))
	if res.StatusCode == 200 {
		t.Fatal("the kiosk screen's staff mount serves /metrics")
	}
}
