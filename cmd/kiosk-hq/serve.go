package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/kiosk-sco/kiosk/hq"
	"github.com/kiosk-sco/kiosk/hq/hqweb"
)

// Demo logins of serve --demo (a newcomer's machine only).
const (
	demoAnalyst, demoAnalystPW = "analyst", "demo-analyst-pass"
	demoStore, demoStorePW     = "store0001", "demo-store-pass"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	var d dbFlags
	d.register(fs)
	addr := fs.String("addr", "127.0.0.1:8090", "HTTP listener (the lanes' ingest, the pull API, the dashboard, /metrics)")
	cert := fs.String("cert", "", "TLS certificate (PEM); with --key HQ speaks HTTPS")
	key := fs.String("key", "", "TLS key (PEM)")
	clientCA := fs.String("client-ca", "", "PEM of the CA that signs lane client certificates: asks lanes for one (mutual TLS)")
	natsURL := fs.String("nats", "", "consume the lanes' JetStream stream at this NATS URL (e.g. nats://127.0.0.1:4222)")
	natsStream := fs.String("nats-stream", "KIOSK", "the JetStream stream lanes publish to")
	natsCreate := fs.Bool("nats-create", true, "create the stream when missing (with --nats-replicas)")
	natsReplicas := fs.Int("nats-replicas", 1, "stream replicas when kiosk-hq creates it (3 on a cluster)")
	tz := fs.String("tz", "", "time zone of the dashboard and sales by hour (IANA; default UTC)")
	logFormat := fs.String("log", "json", "log format on stderr: json or text")
	metricsTokenFile := fs.String("metrics-token-file", "", "a file holding the bearer token /metrics asks for (default: none asked)")
	demo := fs.Bool("demo", false, "create demo logins and a lane token for store 0001 (written to --demo-token-file)")
	demoTokenFile := fs.String("demo-token-file", "./data/hq-lane.token", "where --demo writes the lane token")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var log *slog.Logger
	switch *logFormat {
	case "json":
		log = slog.New(slog.NewJSONHandler(stderr, nil))
	case "text":
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	default:
		return fmt.Errorf("--log %q: json or text", *logFormat)
	}
	loc := time.UTC
	if *tz != "" {
		var err error
		if loc, err = time.LoadLocation(*tz); err != nil {
			return fmt.Errorf("--tz: %w", err)
		}
	}
	if (*cert == "") != (*key == "") {
		return errors.New("--cert and --key go together")
	}
	if host, _, err := net.SplitHostPort(*addr); err == nil && *cert == "" {
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			log.Warn("HQ listens beyond this machine without TLS: tokens cross the network in clear; give --cert and --key")
		}
	}
	metricsToken := ""
	if *metricsTokenFile != "" {
		b, err := os.ReadFile(*metricsTokenFile)
		if err != nil {
			return err
		}
		metricsToken = strings.TrimSpace(string(b))
	}
	svc, err := d.open(ctx, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	if *demo {
		if err = ensureDemo(ctx, svc, *demoTokenFile); err != nil {
			return err
		}
	}
	srv := hqweb.New(hqweb.Options{Service: svc, Log: log, Loc: loc, SecureCookies: *cert != "", MetricsToken: metricsToken})
	app := srv.App()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if *cert != "" {
		c, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			ln.Close()
			return err
		}
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{c}}
		if *clientCA != "" {
			if cfg, err = withClientCA(cfg, *clientCA); err != nil {
				ln.Close()
				return err
			}
		}
		ln = tls.NewListener(ln, cfg)
		scheme = "https"
	}
	stopNATS := func() {}
	if *natsURL != "" {
		if stopNATS, err = consumeNATS(ctx, svc, log, *natsURL, *natsStream, *natsCreate, *natsReplicas); err != nil {
			ln.Close()
			return err
		}
	}
	defer stopNATS()
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	base := fmt.Sprintf("%s://%s", scheme, ln.Addr())
	db := d.path
	if d.dsn != "" {
		db = "PostgreSQL"
	}
	fmt.Fprintf(stdout, "kiosk-hq: database %s\n", db)
	fmt.Fprintf(stdout, "  dashboard:   %s/\n", base)
	fmt.Fprintf(stdout, "  pull API:    %s/api/v1/  (OpenAPI: %s/openapi.json)\n", base, base)
	fmt.Fprintf(stdout, "  lane ingest: %s/api/v1/ingest\n", base)
	fmt.Fprintf(stdout, "  metrics:     %s/metrics\n", base)
	if *natsURL != "" {
		fmt.Fprintf(stdout, "  NATS:        consuming stream %s at %s\n", *natsStream, *natsURL)
	}
	if *demo {
		fmt.Fprintf(stdout, "    demo analyst  %s / %s\n", demoAnalyst, demoAnalystPW)
		fmt.Fprintf(stdout, "    demo store    %s / %s (store 0001)\n", demoStore, demoStorePW)
		fmt.Fprintf(stdout, "    lane token of store 0001 in %s\n", *demoTokenFile)
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-errc:
	}
	_ = app.ShutdownWithTimeout(5 * time.Second)
	return err
}

// ensureDemo makes the demo logins once, and at every start a fresh lane
// token for store 0001, written where make run's lane reads it.
func ensureDemo(ctx context.Context, svc *hq.Service, tokenFile string) error {
	if _, err := svc.Login(ctx, demoAnalyst, demoAnalystPW); errors.Is(err, hq.ErrAuth) {
		if err := svc.CreateUser(ctx, demoAnalyst, hq.RoleAnalyst, "", demoAnalystPW); err != nil {
			return err
		}
		if err := svc.CreateUser(ctx, demoStore, hq.RoleStore, "0001", demoStorePW); err != nil {
			return err
		}
	}
	tok, err := svc.CreateToken(ctx, "demo lanes of store 0001", hq.RoleLane, "0001")
	if err != nil {
		return err
	}
	tmp := tokenFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(tok+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, tokenFile)
}
