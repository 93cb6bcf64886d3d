package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kiosk-sco/kiosk/internal/httpmetrics"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/hqsync"
)

// laneMetrics is the LAN listener's Prometheus registry: its requests, and
// gauges of the lane (open alerts, closed, devices) and of its HQ sync
// (backlog, its age, events sent, failures in a row).
func laneMetrics(lane *kiosk.Lane, syncer *hqsync.Syncer) *httpmetrics.Metrics {
	m := httpmetrics.New("kiosk")
	labels := prometheus.Labels{"lane": lane.ID()}
	gauge := func(name, help string, f func() float64) {
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "kiosk", Name: name, Help: help, ConstLabels: labels}, f))
	}
	gauge("lane_open_alerts", "Open alerts of the lane.", func() float64 { return float64(len(lane.View().Alerts)) })
	gauge("lane_closed", "1 while staff have closed the lane.", func() float64 {
		if lane.View().Closed {
			return 1
		}
		return 0
	})
	gauge("lane_devices_faulty", "Devices of the lane that are not connected or report a fault.", func() float64 {
		n := 0
		for _, d := range lane.Devices() {
			if !d.Connected || len(d.Faults) > 0 {
				n++
			}
		}
		return float64(n)
	})
	if syncer == nil {
		return m
	}
	gauge("hq_backlog_events", "Journal events not yet confirmed by HQ.", func() float64 { return float64(syncer.Status().Backlog) })
	gauge("hq_backlog_age_seconds", "Age of the oldest event not yet confirmed by HQ (0: none).", func() float64 {
		if o := syncer.Status().Oldest; o != nil {
			return time.Since(*o).Seconds()
		}
		return 0
	})
	gauge("hq_failures", "Failed sends to HQ in a row.", func() float64 { return float64(syncer.Status().Failures) })
	gauge("hq_catalog_version", "HQ catalog version the lane sells from.", func() float64 { return float64(syncer.Status().CatalogVersion) })
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "kiosk", Name: "hq_sent_events_total",
		Help: "Events HQ confirmed since the kiosk started.", ConstLabels: labels}, func() float64 { return float64(syncer.Status().Sent) }))
	return m
}
