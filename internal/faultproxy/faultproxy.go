// Package faultproxy is an HTTP reverse proxy for tests that puts the faults
// of a far-away server between a client and the real one: refused
// connections, 5xx answers, requests that hang, answers lost after the
// server did the work.
package faultproxy

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
)

// Mode is what the proxy does with the next requests.
type Mode int32

const (
	Pass      Mode = iota // forward to the server
	Refuse                // close the connection without an answer
	Error500              // answer 500 without asking the server
	Hang                  // never answer (until the client gives up or the proxy closes)
	LoseReply             // forward, then drop the server's answer: the work is done, the client never hears
)

func (m Mode) String() string {
	return [...]string{"pass", "refuse", "500", "hang", "lose-reply"}[m]
}

// Proxy forwards to a target URL in the mode set last.
type Proxy struct {
	URL string // the proxy's own base URL

	mode    atomic.Int32
	counts  [5]atomic.Int64
	srv     *http.Server
	ln      net.Listener
	stop    chan struct{}
	stopped sync.Once
}

// Start listens on a free loopback port and forwards to target.
func Start(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), ln: ln, stop: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // a server that is down answers 502; that is the point
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := Mode(p.mode.Load())
		p.counts[m].Add(1)
		switch m {
		case Refuse:
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		case Error500:
			io.Copy(io.Discard, r.Body)
			http.Error(w, "injected fault", http.StatusInternalServerError)
		case Hang:
			select {
			case <-r.Context().Done():
			case <-p.stop:
			}
			panic(http.ErrAbortHandler)
		case LoseReply:
			rp.ServeHTTP(discard{}, r) // the server commits; its answer goes nowhere
			panic(http.ErrAbortHandler)
		default:
			rp.ServeHTTP(w, r)
		}
	})}
	go p.srv.Serve(ln)
	return p, nil
}

// Set changes the mode for the requests that come next.
func (p *Proxy) Set(m Mode) { p.mode.Store(int32(m)) }

// Count is how many requests met mode m.
func (p *Proxy) Count(m Mode) int64 { return p.counts[m].Load() }

// Close stops the proxy and releases hanging requests.
func (p *Proxy) Close() error {
	p.stopped.Do(func() { close(p.stop) })
	return p.srv.Close()
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
