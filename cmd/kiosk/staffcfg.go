package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// StaffConfig is the "staff" section of the configuration file: the
// listener staff handhelds open on the store LAN, and the store's other
// kiosks whose alerts this one gathers.
//
//	"staff": {
//	  "addr": "0.0.0.0:8443", "cert": "/etc/kiosk/staff.crt", "key": "/etc/kiosk/staff.key",
//	  "peers": ["https://10.0.0.12:8443", "https://10.0.0.13:8443"], "peerToken": "…32 characters or more…"
//	}
type StaffConfig struct {
	// Addr is the staff listener (default: the shopper listener's host on
	// the next port, 127.0.0.1:8081: this machine only).
	Addr string `json:"addr"`
	// Cert and Key are PEM files: with them the listener speaks TLS.
	Cert string `json:"cert"`
	Key  string `json:"key"`
	// PlainHTTP allows a listener other machines reach without TLS: staff
	// PINs and session cookies then cross the LAN in clear. Off by default.
	PlainHTTP bool `json:"plainHttp"`
	// Peers are the staff URLs of the store's other kiosks: a handheld
	// pointed at this kiosk sees their alerts too and acts on their lanes.
	Peers []string `json:"peers"`
	// PeerToken is the store's shared secret between its kiosks (at least
	// 32 characters); a kiosk accepts forwarded staff actions only with it.
	PeerToken string `json:"peerToken"`
	// PeerCA is a PEM file of the certificates that sign the peers' TLS
	// certificates (a store's own CA, or the peers' self-signed
	// certificates); default: the system's roots.
	PeerCA string `json:"peerCa"`
	// RemoteAgeChecks lets remote staff approve age checks; by default an age
	// check needs someone at the lane.
	RemoteAgeChecks bool `json:"remoteAgeChecks"`
	// AttendantTimeoutS ends attendant mode on the kiosk screen after this
	// many seconds without a touch (default 60).
	AttendantTimeoutS int `json:"attendantTimeoutS"`
	// MaxFailures failed logins in a row lock a staff account for
	// LockMinutes (defaults 5 and 15).
	MaxFailures int `json:"maxFailures"`
	LockMinutes int `json:"lockMinutes"`
}

// defaults fills what the file left out. The listener's default is the
// shopper listener's host on the next port (127.0.0.1:8081 beside the
// default 127.0.0.1:8080; port 0, any free port, stays 0): this machine only.
func (s *StaffConfig) defaults(shopperAddr string) {
	if s.Addr == "" {
		s.Addr = "127.0.0.1:8081"
		if host, port, err := net.SplitHostPort(shopperAddr); err == nil {
			if p, err := strconv.Atoi(port); err == nil && p >= 0 && p < 65535 {
				if p > 0 {
					p++
				}
				if !loopbackHost(host) {
					host = "127.0.0.1" // serve refuses that shopper address, and says why
				}
				s.Addr = net.JoinHostPort(host, strconv.Itoa(p))
			}
		}
	}
	if s.AttendantTimeoutS == 0 {
		s.AttendantTimeoutS = 60
	}
	if s.MaxFailures == 0 {
		s.MaxFailures = 5
	}
	if s.LockMinutes == 0 {
		s.LockMinutes = 15
	}
}

// TLS reports whether the listener speaks TLS.
func (s StaffConfig) TLS() bool { return s.Cert != "" }

// LockFor is how long a locked account stays locked.
func (s StaffConfig) LockFor() time.Duration { return time.Duration(s.LockMinutes) * time.Minute }

// validate refuses settings that would expose staff logins or silently do
// nothing.
func (s StaffConfig) validate() error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("staff.addr %q: %w", s.Addr, err)
	}
	if (s.Cert == "") != (s.Key == "") {
		return fmt.Errorf("staff: give both cert and key (PEM files), or neither")
	}
	for _, f := range []string{s.Cert, s.Key, s.PeerCA} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("staff: %w", err)
		}
	}
	if !s.TLS() && !s.PlainHTTP && !loopbackHost(host) {
		return fmt.Errorf("staff.addr %q reaches the LAN without TLS: staff PINs would cross it in clear; "+
			`set "cert" and "key", or "plainHttp": true if the network is yours alone`, s.Addr)
	}
	if s.AttendantTimeoutS < 10 || s.AttendantTimeoutS > 600 {
		return fmt.Errorf("staff.attendantTimeoutS %d: want 10..600 seconds", s.AttendantTimeoutS)
	}
	if s.MaxFailures < 1 || s.MaxFailures > 20 || s.LockMinutes < 1 || s.LockMinutes > 24*60 {
		return fmt.Errorf("staff: maxFailures wants 1..20 and lockMinutes 1..1440")
	}
	if len(s.Peers) > 0 && len(s.PeerToken) < 32 {
		return fmt.Errorf("staff.peers need a peerToken of at least 32 characters, the same on every kiosk of the store")
	}
	seen := map[string]bool{}
	for _, p := range s.Peers {
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return fmt.Errorf("staff.peers %q: want a kiosk's staff URL such as https://10.0.0.12:8443", p)
		}
		if u.Scheme == "http" && !s.PlainHTTP && !loopbackHost(u.Hostname()) {
			return fmt.Errorf("staff.peers %q: plain HTTP across the LAN needs \"plainHttp\": true", p)
		}
		key := strings.ToLower(u.Scheme + "://" + u.Host)
		if seen[key] {
			return fmt.Errorf("staff.peers %q: listed twice", p)
		}
		seen[key] = true
	}
	return nil
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// peerClient is the HTTP client a hub asks its peers with: short timeouts for
// requests (event streams carry their own heartbeats), and the store's CA
// when one is configured.
func (s StaffConfig) peerClient() (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 5 * time.Second
	if s.PeerCA != "" {
		b, err := os.ReadFile(s.PeerCA)
		if err != nil {
			return nil, fmt.Errorf("staff.peerCa: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("staff.peerCa %s: no PEM certificate in it", s.PeerCA)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil
}

// listenStaff opens the staff listener: TLS 1.2 or later when a certificate
// is configured.
func listenStaff(s StaffConfig) (net.Listener, error) {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return nil, fmt.Errorf("staff.addr: %w", err)
	}
	if !s.TLS() {
		return ln, nil
	}
	cert, err := tls.LoadX509KeyPair(s.Cert, s.Key)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("staff: certificate: %w", err)
	}
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}), nil
}
