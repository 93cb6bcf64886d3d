package main

import (
	"context"
	"log/slog"

	"github.com/kiosk-sco/kiosk/hq"
	"github.com/kiosk-sco/kiosk/hq/hqnats"
)

// consumeNATS consumes the lanes' JetStream stream into svc until stop.
func consumeNATS(ctx context.Context, svc *hq.Service, log *slog.Logger, url, stream string, create bool, replicas int) (stop func(), err error) {
	c, err := hqnats.Start(ctx, svc, hqnats.Config{URL: url, Stream: stream, Create: create, Replicas: replicas, Log: log})
	if err != nil {
		return nil, err
	}
	return c.Stop, nil
}
