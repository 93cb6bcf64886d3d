package hqsync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kiosk-sco/kiosk/hqwire"
)

// HTTPSink posts batches to HQ's ingest as JSON with a bearer token, and
// fetches catalog pushes.
type HTTPSink struct {
	base, token string
	client      *http.Client
}

// Limits of what the sink reads from HQ.
const (
	maxAckBytes     = 64 << 10
	MaxCatalogBytes = 256 << 20
)

// NewHTTPSink makes a sink for HQ at base (e.g. https://hq.example.com).
// tlsCfg, when not nil, is the client's TLS (a client certificate for
// mutual TLS, the roots HQ's certificate is checked against); timeout bounds
// one request, so that a hung HQ is retried rather than waited for.
func NewHTTPSink(base, token string, tlsCfg *tls.Config, timeout time.Duration) (*HTTPSink, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("hqsync: HQ URL %q: want http(s)://host[:port]", base)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	tr.ResponseHeaderTimeout = timeout
	return &HTTPSink{base: strings.TrimRight(base, "/"), token: token, client: &http.Client{Transport: tr, Timeout: timeout}}, nil
}

// Name is "http".
func (s *HTTPSink) Name() string { return "http" }

// Send posts b and reads HQ's Ack: 200 confirms, 409 with Next asks for a
// rewind, 401/403/400/413 are configuration errors, anything else (5xx, a
// refused or cut connection, a timeout) is a failure to retry.
func (s *HTTPSink) Send(ctx context.Context, b hqwire.Batch) (hqwire.Ack, error) {
	body, err := json.Marshal(b)
	if err != nil {
		return hqwire.Ack{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+hqwire.IngestPath, bytes.NewReader(body))
	if err != nil {
		return hqwire.Ack{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := s.client.Do(req)
	if err != nil {
		return hqwire.Ack{}, fmt.Errorf("hqsync: HQ: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAckBytes+1))
	if err != nil {
		return hqwire.Ack{}, fmt.Errorf("hqsync: HQ's answer: %w", err)
	}
	return decodeAck(res.StatusCode, raw)
}

// decodeAck reads HQ's answer to a batch.
func decodeAck(status int, raw []byte) (hqwire.Ack, error) {
	if len(raw) > maxAckBytes {
		return hqwire.Ack{}, fmt.Errorf("hqsync: HQ's answer is over %d bytes", maxAckBytes)
	}
	switch {
	case status == http.StatusOK:
		var ack hqwire.Ack
		if err := json.Unmarshal(raw, &ack); err != nil || ack.Next < 1 {
			return hqwire.Ack{}, fmt.Errorf("hqsync: HQ answered 200 without an acknowledgement: %q", cut(raw))
		}
		return ack, nil
	case status == http.StatusConflict:
		var ack hqwire.Ack
		if err := json.Unmarshal(raw, &ack); err == nil && ack.Next >= 1 {
			return hqwire.Ack{}, &RewindError{Next: ack.Next, AuditNext: ack.AuditNext, Msg: ack.Error}
		}
		return hqwire.Ack{}, &ConfigError{Status: status, Msg: cut(raw)} // a contradiction: someone must look
	case status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden ||
		status == http.StatusNotFound || status == http.StatusRequestEntityTooLarge:
		return hqwire.Ack{}, &ConfigError{Status: status, Msg: cut(raw)}
	}
	return hqwire.Ack{}, fmt.Errorf("hqsync: HQ answered %d: %s", status, cut(raw))
}

func cut(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// CatalogPush is a catalog HQ published for the lane.
type CatalogPush struct {
	Version int64
	Full    bool // replaces the catalog; else adds or changes the rows listed
	Body    []byte
}

// FetchCatalog asks HQ for the push after version have; nil: none.
func (s *HTTPSink) FetchCatalog(ctx context.Context, lane string, have int64) (*CatalogPush, error) {
	u := s.base + strings.Replace(hqwire.CatalogPath, "{lane}", url.PathEscape(lane), 1) + "?have=" + strconv.FormatInt(have, 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("hqsync: catalog: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	if res.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(res.Body, maxAckBytes))
		return nil, fmt.Errorf("hqsync: catalog: HQ answered %d: %s", res.StatusCode, cut(raw))
	}
	v, err := strconv.ParseInt(res.Header.Get(hqwire.HeaderCatalogVersion), 10, 64)
	if err != nil || v <= have {
		return nil, fmt.Errorf("hqsync: catalog: version %q is not after %d", res.Header.Get(hqwire.HeaderCatalogVersion), have)
	}
	mode := res.Header.Get(hqwire.HeaderCatalogMode)
	if mode != hqwire.CatalogFull && mode != hqwire.CatalogDelta {
		return nil, fmt.Errorf("hqsync: catalog: mode %q", mode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, MaxCatalogBytes+1))
	if err != nil {
		return nil, fmt.Errorf("hqsync: catalog: %w", err)
	}
	if len(body) > MaxCatalogBytes {
		return nil, errors.New("hqsync: catalog: larger than 256 MiB")
	}
	sum := sha256.Sum256(body)
	if want := res.Header.Get(hqwire.HeaderCatalogSHA256); !strings.EqualFold(want, hex.EncodeToString(sum[:])) {
		return nil, fmt.Errorf("hqsync: catalog version %d: its SHA-256 is not the one HQ announced (cut short?)", v)
	}
	return &CatalogPush{Version: v, Full: mode == hqwire.CatalogFull, Body: body}, nil
}
