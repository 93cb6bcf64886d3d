package hqsync

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kiosk-sco/kiosk/hqwire"
)

// NATSSink publishes a lane's batches to NATS JetStream: each event to
// kiosk.events.<store>.<lane> with Nats-Msg-Id = its event id, each audit
// entry to kiosk.audit.<store>.<lane> (Nats-Msg-Id = install/audit/seq,
// header Kiosk-Install), the status to kiosk.status.<store>.<lane>. A batch
// is confirmed up to the first message whose publish ack did not come: the
// ack says the stream stored the message (with sync_interval: always, on
// disk; with replicas, on a quorum), and HQ drains the stream.
type NATSSink struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	timeout time.Duration
	log     *slog.Logger
}

// HeaderInstall names the kiosk database an audit message comes from.
const HeaderInstall = "Kiosk-Install"

// NewNATSSink connects to url (reconnecting forever); creds is a NATS
// credentials file (or ""), tlsCfg the client TLS (or nil).
func NewNATSSink(url, creds string, tlsCfg *tls.Config, timeout time.Duration, log *slog.Logger) (*NATSSink, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []nats.Option{nats.Name("kiosk lane"), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second), nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("hqsync: NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("hqsync: NATS reconnected", "url", c.ConnectedUrl()) })}
	if creds != "" {
		opts = append(opts, nats.UserCredentials(creds))
	}
	if tlsCfg != nil {
		opts = append(opts, nats.Secure(tlsCfg))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("hqsync: NATS %s: %w", url, err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(2*hqMaxBatch+16))
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &NATSSink{nc: nc, js: js, timeout: timeout, log: log}, nil
}

// Name is "nats".
func (s *NATSSink) Name() string { return "nats" }

// Close closes the connection.
func (s *NATSSink) Close() { s.nc.Close() }

// Send publishes the batch asynchronously and waits for every ack.
func (s *NATSSink) Send(ctx context.Context, b hqwire.Batch) (hqwire.Ack, error) {
	if !s.nc.IsConnected() {
		return hqwire.Ack{}, errors.New("hqsync: NATS is not connected")
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	evFut := make([]jetstream.PubAckFuture, 0, len(b.Events))
	for _, e := range b.Events {
		data, _ := json.Marshal(e)
		m := nats.NewMsg(hqwire.Subject(hqwire.SubjectEvents, b.Store, b.Lane))
		m.Data = data
		f, err := s.js.PublishMsgAsync(m, jetstream.WithMsgID(e.ID))
		if err != nil {
			break // what went out is still confirmed below, in order
		}
		evFut = append(evFut, f)
	}
	auFut := make([]jetstream.PubAckFuture, 0, len(b.Audit))
	for _, a := range b.Audit {
		data, _ := json.Marshal(a)
		m := nats.NewMsg(hqwire.Subject(hqwire.SubjectAudit, b.Store, b.Lane))
		m.Data = data
		m.Header.Set(HeaderInstall, b.Install)
		f, err := s.js.PublishMsgAsync(m, jetstream.WithMsgID(hqwire.AuditID(b.Install, a.Seq)))
		if err != nil {
			break
		}
		auFut = append(auFut, f)
	}
	if b.Status != nil {
		data, _ := json.Marshal(b.Status)
		m := nats.NewMsg(hqwire.Subject(hqwire.SubjectStatus, b.Store, b.Lane))
		m.Data = data
		// a status is news only once: its id is the lane and the time
		s.js.PublishMsgAsync(m, jetstream.WithMsgID(b.Lane+"/status/"+strconv.FormatInt(b.Status.At.UnixNano(), 10)))
	}
	confirmed := func(fs []jetstream.PubAckFuture) (int, error) {
		for i, f := range fs {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return i, err
			case <-ctx.Done():
				return i, ctx.Err()
			}
		}
		return len(fs), nil
	}
	ne, errE := confirmed(evFut)
	na, errA := confirmed(auFut)
	if len(b.Events) > 0 && ne == 0 || len(b.Events) == 0 && len(b.Audit) > 0 && na == 0 {
		return hqwire.Ack{}, fmt.Errorf("hqsync: NATS: no publish acknowledged: %v", errors.Join(errE, errA))
	}
	ack := hqwire.Ack{Stored: ne + na}
	if ne > 0 {
		ack.Next = b.Events[ne-1].Seq + 1
	} else if len(b.Events) == 0 {
		ack.Next = 1 // no events: the cursor stays
	}
	if na > 0 {
		ack.AuditNext = b.Audit[na-1].Seq + 1
	}
	if errE != nil || errA != nil {
		s.log.Warn("hqsync: NATS acknowledged part of a batch", "events", ne, "of", len(b.Events), "audit", na, "of", len(b.Audit), "err", errors.Join(errE, errA))
	}
	return ack, nil
}
