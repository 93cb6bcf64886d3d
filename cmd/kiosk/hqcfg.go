package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// HQConfig is the "hq" section of the configuration file: where the lane
// sends its journal (every sale, intervention and audit entry, exactly once)
// and fetches catalog pushes. Without it nothing leaves the lane: the
// journal keeps everything until a sink is configured.
//
//	"hq": {"url": "https://hq.example.com", "tokenFile": "/etc/kiosk/hq.token"}
//	"hq": {"sink": "nats", "nats": {"url": "nats://nats.example.com:4222", "creds": "/etc/kiosk/lane.creds"},
//	       "url": "https://hq.example.com", "tokenFile": "/etc/kiosk/hq.token"}
type HQConfig struct {
	// Sink is how events travel: "http" (JSON batches to URL, the default)
	// or "nats" (JetStream, NATS.URL).
	Sink string `json:"sink"`
	// URL is HQ's HTTP address: the HTTP sink posts batches there, and
	// catalog pushes are fetched from it (with either sink).
	URL string `json:"url"`
	// Token (or TokenFile, a file holding it) is the bearer token HQ issued
	// for this store.
	Token     string `json:"token"`
	TokenFile string `json:"tokenFile"`
	// ClientCert, ClientKey (PEM files) make a mutual-TLS client; CA (PEM)
	// is the roots HQ's certificate is checked against (default: the
	// system's).
	ClientCert string `json:"clientCert"`
	ClientKey  string `json:"clientKey"`
	CA         string `json:"ca"`
	NATS       struct {
		URL   string `json:"url"`   // nats://host:4222 (tls:// for TLS)
		Creds string `json:"creds"` // a NATS credentials file (JWT + seed)
	} `json:"nats"`
	// BatchSize is the most events in one batch (default 500).
	BatchSize int `json:"batchSize"`
	// AlertAfterS raises an hq_backlog alert when the oldest unsent event is
	// older than this (default 3600: an hour without HQ).
	AlertAfterS int `json:"alertAfterS"`
	// CatalogPollS is how often the lane asks HQ for a catalog push
	// (default 60; 0 in the file means the default, -1 never).
	CatalogPollS int `json:"catalogPollS"`
	// TimeoutS bounds one request to HQ (default 30): a hung HQ is retried.
	TimeoutS int `json:"timeoutS"`
}

// enabled says whether the lane syncs at all.
func (h HQConfig) enabled() bool { return h.URL != "" || h.Sink == "nats" }

func (h *HQConfig) defaults() {
	if h.Sink == "" && h.enabled() {
		h.Sink = "http"
	}
	if h.BatchSize == 0 {
		h.BatchSize = 500
	}
	if h.AlertAfterS == 0 {
		h.AlertAfterS = 3600
	}
	if h.CatalogPollS == 0 {
		h.CatalogPollS = 60
	}
	if h.TimeoutS == 0 {
		h.TimeoutS = 30
	}
}

// validate refuses a section that could not work, saying what to change.
func (h HQConfig) validate() error {
	if !h.enabled() {
		if h.Token != "" || h.TokenFile != "" || h.NATS.URL != "" {
			return errors.New(`hq: a token or nats.url without hq.url or "sink": "nats": say where HQ is`)
		}
		return nil
	}
	switch h.Sink {
	case "http":
		if h.URL == "" {
			return errors.New(`hq: the http sink needs hq.url (e.g. "https://hq.example.com")`)
		}
	case "nats":
		if h.NATS.URL == "" {
			return errors.New(`hq: the nats sink needs hq.nats.url (e.g. "nats://nats.example.com:4222")`)
		}
	default:
		return fmt.Errorf("hq.sink %q: want http or nats", h.Sink)
	}
	if h.URL != "" {
		u, err := url.Parse(h.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
			return fmt.Errorf("hq.url %q: want an http or https URL of HQ, e.g. https://hq.example.com", h.URL)
		}
		if h.Token == "" && h.TokenFile == "" {
			return errors.New("hq: hq.url needs hq.token or hq.tokenFile (the bearer token HQ issued for this store)")
		}
	}
	if h.Token != "" && h.TokenFile != "" {
		return errors.New("hq: give hq.token or hq.tokenFile, not both")
	}
	if (h.ClientCert == "") != (h.ClientKey == "") {
		return errors.New("hq: mutual TLS needs both hq.clientCert and hq.clientKey")
	}
	if h.BatchSize < 1 || h.BatchSize > 5000 {
		return fmt.Errorf("hq.batchSize %d: want 1..5000", h.BatchSize)
	}
	if h.AlertAfterS < 60 {
		return fmt.Errorf("hq.alertAfterS %d: want at least 60 seconds", h.AlertAfterS)
	}
	if h.CatalogPollS < -1 || h.CatalogPollS > 86400 {
		return fmt.Errorf("hq.catalogPollS %d: want 1..86400, or -1 for never", h.CatalogPollS)
	}
	if h.TimeoutS < 1 || h.TimeoutS > 600 {
		return fmt.Errorf("hq.timeoutS %d: want 1..600", h.TimeoutS)
	}
	return nil
}

// token is the bearer token, read from TokenFile when given.
func (h HQConfig) token() (string, error) {
	if h.TokenFile == "" {
		return h.Token, nil
	}
	b, err := os.ReadFile(h.TokenFile)
	if err != nil {
		return "", fmt.Errorf("hq.tokenFile: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("hq.tokenFile %s is empty", h.TokenFile)
	}
	return t, nil
}

// tlsConfig is the client TLS of requests to HQ; nil: Go's defaults.
func (h HQConfig) tlsConfig() (*tls.Config, error) {
	if h.ClientCert == "" && h.CA == "" {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if h.ClientCert != "" {
		cert, err := tls.LoadX509KeyPair(h.ClientCert, h.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("hq.clientCert/clientKey: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	if h.CA != "" {
		pem, err := os.ReadFile(h.CA)
		if err != nil {
			return nil, fmt.Errorf("hq.ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("hq.ca %s: no PEM certificate in it", h.CA)
		}
		c.RootCAs = pool
	}
	return c, nil
}

func (h HQConfig) timeout() time.Duration { return time.Duration(h.TimeoutS) * time.Second }
