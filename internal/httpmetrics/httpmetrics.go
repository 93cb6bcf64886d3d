// Package httpmetrics gives a Fiber app Prometheus metrics on a private
// registry: requests and their durations labelled by route template (never
// the raw path, so that ids in paths cannot grow the label set), the Go and
// process collectors, and whatever the caller registers, served at /metrics.
package httpmetrics

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Unmatched is the route label of a request no route matched.
const Unmatched = "unmatched"

// Metrics is one app's registry and its request metrics.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New makes a private registry with the Go and process collectors and the
// request metrics <namespace>_http_requests_total{method,route,code} and
// <namespace>_http_request_duration_seconds{method,route}.
func New(namespace string) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests by method, route template and status code."}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "http_request_duration_seconds",
			Help: "HTTP request durations by method and route template (streams count until they end).", Buckets: prometheus.DefBuckets},
			[]string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// Middleware records each request under its route template. Mount it with
// app.Use before the routes.
func (m *Metrics) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		code := c.Response().StatusCode()
		if err != nil {
			if fe, ok := err.(*fiber.Error); ok {
				code = fe.Code
			} else {
				code = fiber.StatusInternalServerError
			}
		}
		// The route that answered. A request no route matched ends on the
		// route of a middleware mounted at "/", whose path is "/".
		route := Unmatched
		if r := c.Route(); r != nil && r.Path != "" && (r.Path != "/" || c.Path() == "/") {
			route = r.Path
		}
		method := strings.Clone(c.Method()) // fasthttp reuses the bytes behind it
		m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
		m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		return err
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
}
