// Package hqnats is HQ's JetStream consumer: it drains the stream the lanes
// publish to (kiosk.events|audit|status.<store>.<lane>) into the HQ
// service, and acknowledges each message only after HQ committed it.
//
// The stream dedupes by Nats-Msg-Id within its window; HQ dedupes by event
// id for good. A lane's events are stored in seq order only: a message
// beyond the lane's next seq (its predecessor is still being retried by the
// lane, or comes later in the stream) is negatively acknowledged with a
// short delay and comes again. A message that can never be stored (not
// JSON, of the wrong subject, contradicting what HQ holds) is terminated
// and logged, so that it never blocks the stream. A message delivered but
// not yet answered when the broker went down comes again after AckWait
// (10 s): a restarted broker forgets the delays of negative acknowledgements.
package hqnats

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kiosk-sco/kiosk/hq"
	"github.com/kiosk-sco/kiosk/hqwire"
)

// Config is the consumer's settings.
type Config struct {
	URL      string // nats://host:4222
	Stream   string // default KIOSK
	Durable  string // the consumer's name, default kiosk-hq
	Create   bool   // create the stream when missing
	Replicas int    // of a stream it creates (default 1; 3 on a cluster)
	// Options are extra connection options (credentials, TLS).
	Options []nats.Option
	Log     *slog.Logger
}

// StreamConfig is the stream HQ needs: every lane subject, on disk,
// deduplicated by message id for two minutes (HQ dedupes for good).
func StreamConfig(name string, replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{Name: name, Subjects: []string{"kiosk.>"}, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Duplicates: 2 * time.Minute, Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardOld}
}

// Consumer drains the stream into an HQ service.
type Consumer struct {
	cfg  Config
	svc  *hq.Service
	nc   *nats.Conn
	cons jetstream.Consumer
	stop context.CancelFunc
	done chan struct{}

	mu                         sync.Mutex
	stored, duplicates, waited int64
	terminated                 int64
}

// Start connects, makes sure of the stream and the durable consumer, and
// consumes until Stop.
func Start(ctx context.Context, svc *hq.Service, cfg Config) (*Consumer, error) {
	if cfg.Stream == "" {
		cfg.Stream = "KIOSK"
	}
	if cfg.Durable == "" {
		cfg.Durable = "kiosk-hq"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	opts := append([]nats.Option{nats.Name("kiosk-hq"), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second), nats.RetryOnFailedConnect(true)}, cfg.Options...)
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("hqnats: %s: %w", cfg.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	var stream jetstream.Stream
	if cfg.Create {
		stream, err = js.CreateOrUpdateStream(ctx, StreamConfig(cfg.Stream, cfg.Replicas))
	} else {
		stream, err = js.Stream(ctx, cfg.Stream)
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("hqnats: stream %s: %w", cfg.Stream, err)
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: cfg.Durable, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: 10 * time.Second, MaxDeliver: -1, MaxAckPending: 20000, FilterSubject: "kiosk.>"})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("hqnats: consumer %s: %w", cfg.Durable, err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	c := &Consumer{cfg: cfg, svc: svc, nc: nc, cons: cons, stop: cancel, done: make(chan struct{})}
	go c.run(runCtx)
	return c, nil
}

// Stop ends consuming and closes the connection.
func (c *Consumer) Stop() {
	c.stop()
	<-c.done
	c.nc.Close()
}

// Counts are what the consumer did so far.
func (c *Consumer) Counts() (stored, duplicates, waited, terminated int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stored, c.duplicates, c.waited, c.terminated
}

func (c *Consumer) run(ctx context.Context) {
	defer close(c.done)
	for ctx.Err() == nil {
		batch, err := c.cons.Fetch(1000, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() == nil {
				c.cfg.Log.Warn("hqnats: fetch", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		var msgs []jetstream.Msg
		for m := range batch.Messages() {
			msgs = append(msgs, m)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
			c.cfg.Log.Warn("hqnats: fetch", "err", err)
		}
		if len(msgs) > 0 {
			c.handle(ctx, msgs)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// item is one decoded message.
type item struct {
	msg         jetstream.Msg
	kind        string // events, audit, status
	store, lane string
	ev          hqwire.Event
	au          hqwire.AuditEntry
	install     string
	st          *hqwire.LaneStatus
}

// run is consecutive messages of one lane and kind, stored together.
type run struct {
	items []item
	batch hqwire.Batch
}

func (c *Consumer) handle(ctx context.Context, msgs []jetstream.Msg) {
	var items []item
	for _, m := range msgs {
		it, err := decode(m)
		if err != nil {
			c.terminate(m, err)
			continue
		}
		items = append(items, it)
	}
	// A lane's events in seq order, whatever order the stream redelivered
	// them in (a message that waited comes back after later ones); then
	// runs: a lane's events with consecutive seqs (or audit entries of one
	// install); a lane whose run waits holds back its later runs too.
	slices.SortStableFunc(items, func(a, b item) int { // events first, by lane, then seq
		ea, eb := a.kind == "events", b.kind == "events"
		switch {
		case ea != eb:
			if ea {
				return -1
			}
			return 1
		case !ea:
			return 0
		}
		return cmp.Or(cmp.Compare(a.lane, b.lane), cmp.Compare(a.ev.Seq, b.ev.Seq))
	})
	var runs []*run
	last := map[string]*run{}
	for _, it := range items {
		key := it.kind + " " + it.lane + " " + it.install
		r := last[key]
		switch it.kind {
		case "events":
			if r != nil && len(r.batch.Events) < hq.MaxBatchEvents && r.batch.Events[len(r.batch.Events)-1].Seq+1 == it.ev.Seq {
				r.batch.Events = append(r.batch.Events, it.ev)
				r.items = append(r.items, it)
				continue
			}
			r = &run{batch: hqwire.Batch{Store: it.store, Lane: it.lane, Events: []hqwire.Event{it.ev}}}
		case "audit":
			if r != nil && len(r.batch.Audit) < hq.MaxBatchAudit && r.batch.Audit[len(r.batch.Audit)-1].Seq < it.au.Seq {
				r.batch.Audit = append(r.batch.Audit, it.au)
				r.items = append(r.items, it)
				continue
			}
			r = &run{batch: hqwire.Batch{Store: it.store, Lane: it.lane, Install: it.install, Events: []hqwire.Event{}, Audit: []hqwire.AuditEntry{it.au}}}
		case "status":
			r = &run{batch: hqwire.Batch{Store: it.store, Lane: it.lane, Events: []hqwire.Event{}, Status: it.st}}
		}
		r.items = append(r.items, it)
		last[key] = r
		runs = append(runs, r)
	}
	waiting := map[string]bool{} // lanes whose events wait for an earlier one
	for _, r := range runs {
		lane := r.batch.Lane
		if len(r.batch.Events) > 0 && waiting[lane] {
			c.wait(r)
			continue
		}
		ack, err := c.svc.Ingest(ctx, r.batch, r.batch.Store)
		var gap *hq.GapError
		switch {
		case errors.As(err, &gap):
			c.cfg.Log.Debug("hqnats: waiting", "lane", lane, "next", gap.Next, "got", gap.Got, "n", len(r.items))
			waiting[lane] = true
			c.wait(r)
		case errors.Is(err, hq.ErrInvalid), errors.Is(err, hq.ErrConflict), errors.Is(err, hq.ErrForbidden):
			for _, it := range r.items {
				c.terminate(it.msg, err)
			}
		case err != nil:
			// HQ's database failed: leave the messages to come again.
			c.cfg.Log.Error("hqnats: store", "lane", lane, "err", err)
			for _, it := range r.items {
				it.msg.NakWithDelay(time.Second)
			}
		default:
			for _, it := range r.items {
				it.msg.Ack()
			}
			c.mu.Lock()
			c.stored += int64(ack.Stored)
			c.duplicates += int64(ack.Duplicates)
			c.mu.Unlock()
		}
	}
}

func (c *Consumer) wait(r *run) {
	for _, it := range r.items {
		it.msg.NakWithDelay(200 * time.Millisecond)
	}
	c.mu.Lock()
	c.waited += int64(len(r.items))
	c.mu.Unlock()
}

func (c *Consumer) terminate(m jetstream.Msg, why error) {
	c.cfg.Log.Error("hqnats: a message that cannot be stored is dropped", "subject", m.Subject(), "err", why)
	m.Term()
	c.mu.Lock()
	c.terminated++
	c.mu.Unlock()
}

// decode reads a message by its subject kiosk.<kind>.<store>.<lane>.
func decode(m jetstream.Msg) (item, error) {
	parts := strings.Split(m.Subject(), ".")
	if len(parts) != 4 || parts[0] != "kiosk" {
		return item{}, fmt.Errorf("subject %q is not kiosk.<kind>.<store>.<lane>", m.Subject())
	}
	it := item{msg: m, kind: parts[1], store: parts[2], lane: parts[3]}
	var err error
	switch it.kind {
	case "events":
		err = json.Unmarshal(m.Data(), &it.ev)
		if err == nil && it.ev.Lane != it.lane {
			err = fmt.Errorf("an event of lane %q on lane %q's subject", it.ev.Lane, it.lane)
		}
	case "audit":
		err = json.Unmarshal(m.Data(), &it.au)
		if it.install = m.Headers().Get("Kiosk-Install"); it.install == "" && err == nil {
			err = errors.New("an audit entry without its Kiosk-Install header")
		}
	case "status":
		it.st = &hqwire.LaneStatus{}
		err = json.Unmarshal(m.Data(), it.st)
	default:
		err = fmt.Errorf("unknown kind %q", it.kind)
	}
	return it, err
}
