package faultproxy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestModes(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	p, err := Start(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	get := func() (int, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", p.URL+"/x", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), nil
	}
	for _, tc := range []struct {
		mode       Mode
		code       int // 0: an error
		servedMore int64
	}{
		{Pass, 200, 1},
		{Refuse, 0, 0},
		{Error500, 500, 0},
		{Hang, 0, 0},
		{LoseReply, 0, 1},
		{Pass, 200, 1},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			p.Set(tc.mode)
			before := served.Load()
			code, body, err := get()
			if code != tc.code || (tc.code == 0) != (err != nil) || (code == 200 && body != "ok") {
				t.Fatalf("%s: %d %q %v", tc.mode, code, body, err)
			}
			if got := served.Load() - before; got != tc.servedMore {
				t.Fatalf("%s: the server served %d requests, want %d", tc.mode, got, tc.servedMore)
			}
		})
	}
	if p.Count(Hang) != 1 || p.Count(Pass) != 2 {
		t.Fatalf("counts: hang %d pass %d", p.Count(Hang), p.Count(Pass))
	}
}
