package hqweb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/glebarez/sqlite"
	"github.com/google/uuid"

	"github.com/kiosk-sco/kiosk/hq"
	"github.com/kiosk-sco/kiosk/hqwire"
)

type env struct {
	t                           *testing.T
	srv                         *Server
	svc                         *hq.Service
	lane, analyst, store, other string // tokens
	router                      routers.Router
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	svc, err := hq.Open(ctx, sqlite.Open(filepath.Join(t.TempDir(), "hq.db")), hq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	e := &env{t: t, svc: svc, srv: New(Options{Service: svc})}
	mk := func(name, role, store string) string {
		tok, err := svc.CreateToken(ctx, name, role, store)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	e.lane, e.analyst, e.store, e.other = mk("lanes-0001", hq.RoleLane, "0001"), mk("ana", hq.RoleAnalyst, ""), mk("sup-0001", hq.RoleStore, "0001"), mk("sup-0002", hq.RoleStore, "0002")
	doc, err := openapi3.NewLoader().LoadFromData(openapiJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: "http://hq.test"}}
	if e.router, err = gorillamux.NewRouter(doc); err != nil {
		t.Fatal(err)
	}
	return e
}

// do sends a request and, for every answer, validates it against
// openapi.json: the route, the parameters and the response body.
func (e *env) do(method, path, token, ctype string, body []byte) (int, http.Header, []byte) {
	e.t.Helper()
	req := httptest.NewRequest(method, "http://hq.test"+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := e.srv.App().Test(req, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	vreq := httptest.NewRequest(method, "http://hq.test"+path, bytes.NewReader(body))
	vreq.Header = req.Header.Clone()
	route, params, err := e.router.FindRoute(vreq)
	if err != nil {
		e.t.Fatalf("%s %s is not in openapi.json: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(got)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		e.t.Errorf("%s %s answered %d, not as openapi.json says: %v\n%s", method, path, res.StatusCode, err, got)
	}
	return res.StatusCode, res.Header, got
}

// push sends a lane's scripted day: sales with alerts, help, effort; audit.
func (e *env) push(lane string, sales int) {
	e.t.Helper()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var evs []hqwire.Event
	seq := int64(0)
	add := func(txn, typ string, body any) {
		seq++
		at = at.Add(20 * time.Second)
		b, _ := json.Marshal(body)
		evs = append(evs, hqwire.Event{ID: uuid.NewString(), Lane: lane, Seq: seq, Txn: txn, Type: typ, At: at, Body: b})
	}
	for i := range sales {
		txn := fmt.Sprintf("%s-%d", lane, i)
		start := at
		add(txn, "txn_started", map[string]any{})
		if i%2 == 0 {
			add(txn, "alert_raised", map[string]any{"id": i + 1, "type": "item_not_found", "raisedAt": at.Add(20 * time.Second)})
			add(txn, "alert_resolved", map[string]any{"id": i + 1, "type": "item_not_found", "by": "anna", "role": "attendant", "outcome": "done"})
		}
		add(txn, "effort_answered", hqwire.Effort{Txn: txn, Score: 1 + i%5})
		sale := hqwire.Sale{Txn: txn, Outcome: "paid", Started: start, Ended: at.Add(20 * time.Second), Currency: "EUR", Items: 2, TotalMinor: 398,
			Lines:   []hqwire.SaleLine{{No: 1, GTIN: "04063658814593", Name: "=HYPERLINK(\"x\")", SoldBy: "each", Qty: 2, UnitMinor: 199, AmountMinor: 398, VATClass: "reduced", VATRate: "7"}},
			Tenders: []hqwire.SaleTender{{Method: "card", AmountMinor: 398, MaskedPAN: "************1234"}},
			VAT:     []hqwire.SaleVAT{{Class: "reduced", Rate: "7", NetMinor: 372, TaxMinor: 26, GrossMinor: 398}}}
		add(txn, "txn_paid", map[string]any{"by": "shopper", "sale": sale})
	}
	b, _ := json.Marshal(hqwire.Batch{Store: strings.Split(lane, "-")[0], Lane: lane, Install: "i-" + lane, Events: evs,
		Audit:  []hqwire.AuditEntry{{Seq: 1, At: at, Actor: "anna", Role: "attendant", Action: "login", Outcome: "ok"}},
		Status: &hqwire.LaneStatus{Lane: lane, At: at, CatalogVersion: 0, Backlog: 0, Devices: map[string]string{"scanner": "ok", "printer": "paper_out"}}})
	tok := e.lane
	if st := strings.Split(lane, "-")[0]; st != "0001" {
		var err error
		if tok, err = e.svc.CreateToken(context.Background(), "lanes-"+st, hq.RoleLane, st); err != nil {
			e.t.Fatal(err)
		}
	}
	if code, _, body := e.do("POST", "/api/v1/ingest", tok, "application/json", b); code != 200 {
		e.t.Fatalf("ingest: %d %s", code, body)
	}
}

func TestAPIAnswersAsDocumented(t *testing.T) {
	e := newEnv(t)
	e.push("0001-01", 12)
	e.push("0001-02", 3)
	for _, path := range []string{"/api/v1/sales", "/api/v1/interventions", "/api/v1/audit", "/api/v1/events", "/api/v1/lanes", "/api/v1/kpis",
		"/api/v1/kpis?group=lane&bucket=hour&tz=Europe/Berlin", "/api/v1/sales?limit=5&lane=0001-01", "/api/v1/catalogs",
		"/api/v1/sales?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z"} {
		for _, format := range []string{"json", "csv"} {
			if path == "/api/v1/catalogs" && format == "csv" {
				continue
			}
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			code, h, body := e.do("GET", path+sep+"format="+format, e.analyst, "", nil)
			if code != 200 {
				t.Errorf("%s %s: %d %s", path, format, code, body)
				continue
			}
			if format == "csv" && !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
				t.Errorf("%s csv: content type %s", path, h.Get("Content-Type"))
			}
		}
	}
	// A formula in a product name is not run by a spreadsheet.
	_, _, body := e.do("GET", "/api/v1/sales?format=csv", e.analyst, "", nil)
	if strings.Contains(string(body), ",=HYPERLINK") {
		t.Error("a CSV cell starts with a formula")
	}
	// Pages: 15 sales, 4 per page, no gap and no repeat.
	seen := map[string]bool{}
	cursor := ""
	for range 10 {
		_, _, b := e.do("GET", "/api/v1/sales?limit=4&cursor="+url.QueryEscape(cursor), e.analyst, "", nil)
		var pg struct {
			Items []hq.SaleOut
			Next  string
		}
		json.Unmarshal(b, &pg)
		for _, s := range pg.Items {
			if seen[s.Txn] {
				t.Fatalf("sale %s twice", s.Txn)
			}
			seen[s.Txn] = true
		}
		if cursor = pg.Next; cursor == "" {
			break
		}
	}
	if len(seen) != 15 {
		t.Fatalf("paged %d sales, want 15", len(seen))
	}
	var rep hq.KPIReport
	_, _, b := e.do("GET", "/api/v1/kpis?group=lane", e.analyst, "", nil)
	json.Unmarshal(b, &rep)
	if rep.Total.Transactions != 15 || len(rep.Groups) != 2 || rep.Total.Interventions != 8 || rep.Total.EffortAnswers != 15 {
		t.Fatalf("kpis %+v", rep.Total)
	}
}

func TestAPIRefusals(t *testing.T) {
	e := newEnv(t)
	e.push("0001-01", 2)
	good, _ := json.Marshal(hqwire.Batch{Store: "0002", Lane: "0002-01", Events: []hqwire.Event{}})
	for _, tc := range []struct {
		name, method, path, token string
		body                      []byte
		code                      int
	}{
		{"no token", "GET", "/api/v1/sales", "", nil, 401},
		{"unknown token", "GET", "/api/v1/sales", "kh_" + strings.Repeat("A", 43), nil, 401},
		{"lane token pulls", "GET", "/api/v1/sales", e.lane, nil, 403},
		{"store token pushes", "POST", "/api/v1/ingest", e.store, good, 403},
		{"another store's lane", "POST", "/api/v1/ingest", e.lane, good, 403},
		{"store token asks another store", "GET", "/api/v1/sales?store=0001", e.other, nil, 403},
		{"store token asks another store's lane", "GET", "/api/v1/interventions?lane=0001-01", e.other, nil, 403},
		{"bad time", "GET", "/api/v1/sales?from=yesterday", e.analyst, nil, 400},
		{"from after to", "GET", "/api/v1/sales?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", e.analyst, nil, 400},
		{"forged cursor", "GET", "/api/v1/sales?cursor=eHl6", e.analyst, nil, 400},
		{"limit too high", "GET", "/api/v1/sales?limit=100000", e.analyst, nil, 400},
		{"bad group", "GET", "/api/v1/kpis?group=planet", e.analyst, nil, 400},
		{"bad tz", "GET", "/api/v1/kpis?tz=Mars/Olympus", e.analyst, nil, 400},
		{"bad format", "GET", "/api/v1/sales?format=xml", e.analyst, nil, 400},
		{"bad JSON", "POST", "/api/v1/ingest", e.lane, []byte(`{"store":`), 400},
		{"unknown field", "POST", "/api/v1/ingest", e.lane, []byte(`{"store":"0001","lane":"0001-01","events":[],"admin":true}`), 400},
		{"catalog of another store's lane", "GET", "/api/v1/lanes/0002-01/catalog", e.lane, nil, 403},
		{"analyst publishes junk", "POST", "/api/v1/catalogs?mode=full", e.analyst, []byte("gtin,price\nnot-a-gtin,1.00\n"), 422},
		{"store publishes", "POST", "/api/v1/catalogs", e.store, []byte("gtin,name_en,price,sold_by,vat_class\n4063658814593,Milk,1.19,each,reduced\n"), 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctype := ""
			if tc.method == "POST" {
				ctype = "application/json"
				if strings.Contains(tc.path, "catalogs") {
					ctype = "text/csv"
				}
			}
			code, _, body := e.do(tc.method, tc.path, tc.token, ctype, tc.body)
			if code != tc.code {
				t.Fatalf("%d %s, want %d", code, body, tc.code)
			}
		})
	}
	// A gap answers 409 with where to start.
	b, _ := json.Marshal(hqwire.Batch{Store: "0001", Lane: "0001-01", Events: []hqwire.Event{{ID: uuid.NewString(), Lane: "0001-01", Seq: 99, Type: "x",
		At: time.Now(), Body: json.RawMessage(`{}`)}}})
	code, _, body := e.do("POST", "/api/v1/ingest", e.lane, "application/json", b)
	var ack hqwire.Ack
	json.Unmarshal(body, &ack)
	if code != 409 || ack.Next != 9 { // two sales: 5 events and 3
		t.Fatalf("gap: %d %s", code, body)
	}
}

func TestCatalogPushDown(t *testing.T) {
	e := newEnv(t)
	csvFull := []byte("gtin,name_en,price,sold_by,vat_class\n4063658814593,Milk,1.19,each,reduced\n")
	csvDelta := []byte("gtin,name_en,price,sold_by,vat_class\n4063658814593,Milk,1.29,each,reduced\n")
	if code, _, body := e.do("GET", "/api/v1/lanes/0001-01/catalog?have=0", e.lane, "", nil); code != 204 {
		t.Fatalf("nothing published: %d %s", code, body)
	}
	for _, c := range []struct {
		mode string
		body []byte
	}{{"full", csvFull}, {"delta", csvDelta}} {
		if code, _, body := e.do("POST", "/api/v1/catalogs?mode="+c.mode+"&note=test", e.analyst, "text/csv", c.body); code != 201 {
			t.Fatalf("publish %s: %d %s", c.mode, code, body)
		}
	}
	code, h, body := e.do("GET", "/api/v1/lanes/0001-01/catalog?have=0", e.lane, "", nil)
	if code != 200 || h.Get(hqwire.HeaderCatalogVersion) != "1" || h.Get(hqwire.HeaderCatalogMode) != "full" || !bytes.Equal(body, csvFull) {
		t.Fatalf("first push: %d %v %s", code, h, body)
	}
	code, h, body = e.do("GET", "/api/v1/lanes/0001-01/catalog?have=1", e.lane, "", nil)
	if code != 200 || h.Get(hqwire.HeaderCatalogVersion) != "2" || h.Get(hqwire.HeaderCatalogMode) != "delta" || !bytes.Equal(body, csvDelta) {
		t.Fatalf("then the delta: %d %v %s", code, h, body)
	}
	if code, _, _ := e.do("GET", "/api/v1/lanes/0001-01/catalog?have=2", e.lane, "", nil); code != 204 {
		t.Fatalf("up to date: %d", code)
	}
	code, _, body = e.do("POST", "/api/v1/catalogs", e.analyst, "text/csv", []byte("gtin;name_en;price;sold_by;vat_class\n123;Milk;x;each;reduced\n"))
	if code != 422 || !strings.Contains(string(body), "line 2: gtin") || !strings.Contains(string(body), "line 2: price") {
		t.Fatalf("a bad file: %d %s", code, body)
	}
}
