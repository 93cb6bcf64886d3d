package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/kiosk-sco/kiosk/hq"
)

// consumeNATS consumes the lanes' JetStream stream into svc until stop.
func consumeNATS(ctx context.Context, svc *hq.Service, log *slog.Logger, url, stream string, create bool, replicas int) (stop func(), err error) {
	return nil, errors.New("NATS: not built yet")
}
