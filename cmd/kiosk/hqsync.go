package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/hqsync"
	"github.com/kiosk-sco/kiosk/store"
)

// startHQSync runs the lane's HQ syncer when the hq section says where HQ
// is; it returns the syncer (nil: no sync) and how to stop it.
func startHQSync(ctx context.Context, cfg Config, db *store.DB, cat *catalog.DB, lane *kiosk.Lane, rates catalog.VATRates, log *slog.Logger) (*hqsync.Syncer, func(), error) {
	h := cfg.HQ
	if !h.enabled() {
		log.Info("no hq section: the journal stays on this kiosk until HQ is configured")
		return nil, func() {}, nil
	}
	tok, err := h.token()
	if err != nil {
		return nil, nil, err
	}
	tlsCfg, err := h.tlsConfig()
	if err != nil {
		return nil, nil, err
	}
	var httpSink *hqsync.HTTPSink
	if h.URL != "" {
		if httpSink, err = hqsync.NewHTTPSink(h.URL, tok, tlsCfg, h.timeout()); err != nil {
			return nil, nil, err
		}
	}
	var sink hqsync.Sink = httpSink
	closeSink := func() {}
	if h.Sink == "nats" {
		ns, err := hqsync.NewNATSSink(h.NATS.URL, h.NATS.Creds, tlsCfg, h.timeout(), log)
		if err != nil {
			return nil, nil, err
		}
		sink, closeSink = ns, ns.Close
	}
	scfg := hqsync.Config{DB: db, Store: cfg.Store, Lane: cfg.Lane, Sink: sink, Status: lane.HQStatus, BatchSize: h.BatchSize,
		AlertAfter: time.Duration(h.AlertAfterS) * time.Second, Log: log,
		OnBacklog: func(behind bool, events int64, oldest time.Duration) {
			if err := lane.HQBacklog(context.Background(), behind, events, oldest); err != nil {
				log.Error("hq backlog alert", "err", err)
			}
		}}
	if httpSink != nil && h.CatalogPollS > 0 {
		scfg.Catalog = httpSink
		scfg.CatalogEvery = time.Duration(h.CatalogPollS) * time.Second
		scfg.Apply = hqsync.ImportCatalog(cat, rates)
	}
	s, err := hqsync.New(ctx, scfg)
	if err != nil {
		closeSink()
		return nil, nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(runCtx) }()
	// Each commit wakes the syncer, so that HQ hears of a sale within
	// moments rather than at the next poll.
	updates, unsub := lane.Subscribe(64)
	go func() {
		for range updates {
			s.Kick()
		}
	}()
	return s, func() { unsub(); cancel(); <-done; closeSink() }, nil
}

// hqSyncStatus is the handheld's view of the sync (nil: not configured).
func hqSyncStatus(s *hqsync.Syncer) func() any {
	if s == nil {
		return nil
	}
	return func() any { return s.Status() }
}
