package ui

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRequestInFlightEndsAtShutdown: a command waiting for the lane (here one
// that does not run, as a lane stuck on a slow disk) ends when the server
// shuts down, with an answer that says so, instead of holding the shutdown
// until its own timeout.
func TestRequestInFlightEndsAtShutdown(t *testing.T) {
	ts := newTestServerWith(t, testServerOptions{noRun: true})
	type answer struct {
		status int
		body   []byte
		err    error
	}
	answers := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("POST", ts.url+"/api/commands", strings.NewReader(`{"op":"help"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answers <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answers <- answer{status: resp.StatusCode, body: b}
	}()
	// Wait until the server serves the request's connection.
	for ts.app.Server().GetOpenConnectionsCount() < 1 {
		time.Sleep(time.Millisecond)
	}
	ts.srv.CloseStreams()
	shut := make(chan error, 1)
	go func() { shut <- ts.app.ShutdownWithTimeout(time.Minute) }()
	a := <-answers
	var e apiError
	json.Unmarshal(a.body, &e)
	if a.err != nil || a.status != http.StatusServiceUnavailable || e.Error.Code != "server.shutdown" {
		t.Fatalf("in-flight command: %v %d %s, want 503 server.shutdown", a.err, a.status, a.body)
	}
	if err := <-shut; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
