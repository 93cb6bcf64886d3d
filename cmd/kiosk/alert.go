package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

func alertCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: alert list | alert resolve ID", errUsage)
	}
	fs := flag.NewFlagSet("alert "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c commonFlags
	c.register(fs)
	outcome := fs.String("outcome", "done", "approved, rejected or done")
	by := fs.String("by", os.Getenv("USER"), "who resolves it")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := c.load(fs); err != nil {
		return err
	}
	var view kiosk.View
	switch args[0] {
	case "list":
		if fs.NArg() != 0 {
			return fmt.Errorf("%w: alert list takes no arguments", errUsage)
		}
		if err := withLane(ctx, c.cfg, "GET", "/lane", nil, &view, func(l *kiosk.Lane) (any, error) { return l.View(), nil }); err != nil {
			return err
		}
	case "resolve":
		if fs.NArg() != 1 {
			return fmt.Errorf("%w: alert resolve takes one alert ID", errUsage)
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil || id < 1 {
			return fmt.Errorf("%w: alert ID must be a positive number, got %q", errUsage, fs.Arg(0))
		}
		var res kiosk.Result
		body := map[string]string{"outcome": *outcome, "by": *by}
		err = withLane(ctx, c.cfg, "POST", fmt.Sprintf("/alerts/%d/resolve", id), body, &res, func(l *kiosk.Lane) (any, error) {
			return l.Resolve(ctx, id, *outcome, *by, "")
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "alert %d resolved (%s) by %s\n", id, *outcome, *by)
		if res.View == nil {
			return nil
		}
		view = *res.View
	default:
		return fmt.Errorf("%w: unknown alert command %q", errUsage, args[0])
	}
	fmt.Fprintf(stdout, "lane %s: %s, %d open alerts\n", view.Lane, view.State, len(view.Alerts))
	for _, a := range view.Alerts {
		block := ""
		if a.Blocking {
			block = " BLOCKING"
		}
		fmt.Fprintf(stdout, "  #%d %s%s since %s %s\n", a.ID, a.Type, block, a.RaisedAt.Local().Format(time.TimeOnly), a.Detail)
	}
	return nil
}

// withLane talks to the running server over its staff socket, or, when no server
// runs on this database, opens the lane itself for one command.
func withLane(ctx context.Context, cfg Config, method, path string, body, out any, direct func(*kiosk.Lane) (any, error)) error {
	unlock, err := lockFile(cfg.DB + ".lock")
	if errors.Is(err, errLocked) {
		return callSocket(ctx, cfg.socketPath(), method, path, body, out)
	}
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(cfg.DB); err != nil {
		return fmt.Errorf("no kiosk database at %s", cfg.DB)
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	lcfg, err := cfg.laneConfig()
	if err != nil {
		return err
	}
	lane, err := kiosk.Open(ctx, db, catalog.NewDB(db), lcfg)
	if err != nil {
		return err
	}
	laneCtx, stop := context.WithCancel(ctx)
	go lane.Run(laneCtx)
	defer func() { stop(); <-lane.Done() }()
	v, err := direct(lane)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(v)
	return json.Unmarshal(b, out)
}

func callSocket(ctx context.Context, sock, method, path string, body, out any) error {
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://kiosk"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("the kiosk server holds the database but its staff socket %s does not answer: %w", sock, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Code != "" {
			return fmt.Errorf("%s: %s", e.Error.Code, e.Error.Message)
		}
		return fmt.Errorf("server answered %s", resp.Status)
	}
	return json.Unmarshal(b, out)
}
