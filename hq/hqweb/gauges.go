package hqweb

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// laneCollector reads the lanes' sync state at each scrape: per lane, the
// events HQ holds, the lane's backlog and its age, the catalog version it
// runs and its open alerts. Labels are lane and store ids: bounded by the
// chain's lanes.
type laneCollector struct {
	s                                       *Server
	held, backlog, age, catalog, alerts, up *prometheus.Desc
}

func (s *Server) registerGauges() {
	l := []string{"store", "lane"}
	s.metrics.Registry.MustRegister(&laneCollector{s: s,
		held:    prometheus.NewDesc("kiosk_hq_lane_events", "Events of the lane HQ holds (its last seq).", l, nil),
		backlog: prometheus.NewDesc("kiosk_hq_lane_backlog_events", "Events the lane reported waiting to be sent.", l, nil),
		age:     prometheus.NewDesc("kiosk_hq_lane_backlog_age_seconds", "Age of the lane's oldest unsent event when it last reported (0: none).", l, nil),
		catalog: prometheus.NewDesc("kiosk_hq_lane_catalog_version", "HQ catalog version the lane runs.", l, nil),
		alerts:  prometheus.NewDesc("kiosk_hq_lane_open_alerts", "Open alerts of the lane when it last reported.", l, nil),
		up:      prometheus.NewDesc("kiosk_hq_lane_last_seen_seconds", "Seconds since HQ last heard from the lane.", l, nil),
	})
}

func (c *laneCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.held, c.backlog, c.age, c.catalog, c.alerts, c.up} {
		ch <- d
	}
}

func (c *laneCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	lanes, err := c.s.svc.Lanes(ctx, "")
	if err != nil {
		c.s.log.Warn("hq: metrics: lanes", "err", err)
		return
	}
	now := time.Now()
	for _, l := range lanes {
		age := 0.0
		if l.BacklogOldest != nil {
			age = l.StatusAt.Sub(*l.BacklogOldest).Seconds()
		}
		for _, m := range []struct {
			d *prometheus.Desc
			v float64
		}{{c.held, float64(l.Events)}, {c.backlog, float64(l.Backlog)}, {c.age, max(age, 0)}, {c.catalog, float64(l.CatalogVersion)},
			{c.alerts, float64(l.OpenAlerts)}, {c.up, now.Sub(l.LastSeen).Seconds()}} {
			ch <- prometheus.MustNewConstMetric(m.d, prometheus.GaugeValue, m.v, l.Store, l.Lane)
		}
	}
}
