package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHQConfig(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "hq.token")
	if err := os.WriteFile(tokenFile, []byte("  s3cr3t-token-of-the-store\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.token")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*HQConfig)
		err  string // "" accepted
	}{
		{"none: nothing leaves the lane", func(h *HQConfig) {}, ""},
		{"http", func(h *HQConfig) { h.URL, h.Token = "https://hq.example.com", "t" }, ""},
		{"http with token file", func(h *HQConfig) { h.URL, h.TokenFile = "http://10.0.0.2:8090", tokenFile }, ""},
		{"nats", func(h *HQConfig) { h.Sink, h.NATS.URL = "nats", "nats://nats:4222" }, ""},
		{"nats with catalog url", func(h *HQConfig) { h.Sink, h.NATS.URL, h.URL, h.Token = "nats", "nats://nats:4222", "https://hq", "t" }, ""},
		{"token without url", func(h *HQConfig) { h.Token = "t" }, "say where HQ is"},
		{"url without token", func(h *HQConfig) { h.URL = "https://hq.example.com" }, "needs hq.token"},
		{"both tokens", func(h *HQConfig) { h.URL, h.Token, h.TokenFile = "https://hq", "t", tokenFile }, "not both"},
		{"ftp url", func(h *HQConfig) { h.URL, h.Token = "ftp://hq", "t" }, "want an http or https URL"},
		{"url with a query", func(h *HQConfig) { h.URL, h.Token = "https://hq/?x=1", "t" }, "want an http or https URL"},
		{"unknown sink", func(h *HQConfig) { h.Sink, h.URL, h.Token = "kafka", "https://hq", "t" }, `hq.sink "kafka"`},
		{"nats without url", func(h *HQConfig) { h.Sink = "nats" }, "needs hq.nats.url"},
		{"half mutual TLS", func(h *HQConfig) { h.URL, h.Token, h.ClientCert = "https://hq", "t", "c.pem" }, "both hq.clientCert"},
		{"huge batch", func(h *HQConfig) { h.URL, h.Token, h.BatchSize = "https://hq", "t", 100000 }, "batchSize"},
		{"alert too soon", func(h *HQConfig) { h.URL, h.Token, h.AlertAfterS = "https://hq", "t", 5 }, "alertAfterS"},
		{"catalog poll", func(h *HQConfig) { h.URL, h.Token, h.CatalogPollS = "https://hq", "t", -7 }, "catalogPollS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h HQConfig
			tc.edit(&h)
			h.defaults()
			err := h.validate()
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("validate: %v, want %q", err, tc.err)
			}
		})
	}
	h := HQConfig{URL: "https://hq", TokenFile: tokenFile}
	if tok, err := h.token(); err != nil || tok != "s3cr3t-token-of-the-store" {
		t.Fatalf("token from file: %q %v", tok, err)
	}
	h.TokenFile = empty
	if _, err := h.token(); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty token file: %v", err)
	}
	h = HQConfig{CA: tokenFile}
	if _, err := h.tlsConfig(); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("a CA file without a certificate: %v", err)
	}
}
