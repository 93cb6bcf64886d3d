package hqsync

import (
	"context"
	"fmt"

	"github.com/kiosk-sco/kiosk/hqwire"
)

// Sink takes a lane's batch to HQ.
type Sink interface {
	// Name says which sink it is, for logs and status ("http", "nats").
	Name() string
	// Send returns once HQ (or the stream HQ drains) holds the batch's
	// events durably up to Ack.Next-1 and its audit entries up to
	// Ack.AuditNext-1; a sink that stored only a prefix says so there. An
	// error means nothing is confirmed, except a *RewindError.
	Send(ctx context.Context, b hqwire.Batch) (hqwire.Ack, error)
}

// RewindError says HQ expects the lane's events from an earlier seq than
// the batch started with: it holds less than the lane thought (a restored
// backup). The Syncer moves its cursor back to Next and sends again.
type RewindError struct {
	Next, AuditNext int64
	Msg             string
}

func (e *RewindError) Error() string {
	return fmt.Sprintf("hqsync: HQ expects seq %d (audit %d): %s", e.Next, e.AuditNext, e.Msg)
}

// ConfigError is a refusal no retry will cure (a bad token, a forbidden
// store, a batch HQ calls malformed): the Syncer keeps trying, slowly, and
// shows it in its status so that someone fixes the configuration.
type ConfigError struct {
	Status int
	Msg    string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("hqsync: HQ refused (%d): %s", e.Status, e.Msg)
}
