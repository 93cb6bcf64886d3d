// Package hqwire is the wire format between a lane and HQ: event batches and
// their acknowledgement, lane status, the sale summary a transaction ends
// with, and catalog pushes.
//
// Both ends import it and nothing else of each other: a lane links
// modernc.org/sqlite, the HQ service github.com/glebarez/sqlite, and the two
// drivers cannot share one process (both register "sqlite").
//
// The rules the two ends keep:
//
//   - An Event's ID (a UUID) is its idempotency key: HQ stores an event at
//     most once, whatever the transport delivered (HTTP retry, a NATS
//     redelivery, a broker's dedupe window long past).
//   - A lane's events carry Seq 1, 2, 3… without gaps. HQ stores them in
//     that order only: an event whose Seq is beyond the next one HQ expects
//     is refused (Ack.Next says which it expects), so HQ's copy of a lane is
//     always a prefix of the lane's journal.
//   - A lane marks events sent only after HQ confirmed a durable store: over
//     HTTP HQ's Ack, given after its database commit; over NATS the
//     JetStream publish ack, given once the stream (sync_interval: always)
//     holds the message, which HQ's consumer acknowledges in turn only
//     after its own commit.
//   - A staff intervention in a transaction is an event of it whose body
//     names both "by" (a staff id) and "role" (attendant, supervisor or
//     remote): an acknowledged or resolved alert, a void, a price override,
//     an item sold by staff, a cancel, cash taken.
//   - Money is in minor units (hundredths) as integers; times are UTC.
package hqwire

import (
	"encoding/json"
	"time"
)

// Paths of HQ's HTTP API that lanes call.
const (
	// IngestPath takes a Batch (POST, application/json, Bearer token) and
	// answers an Ack: 200 when every event is stored (new or duplicate),
	// 409 with Ack.Next when the batch starts beyond what HQ holds.
	IngestPath = "/api/v1/ingest"
	// CatalogPath answers the next catalog push for a lane (GET, Bearer
	// token, ?have=<HQ catalog version the lane runs>): 204 when there is
	// none, else 200 with the CSV in the import format and the Catalog*
	// headers.
	CatalogPath = "/api/v1/lanes/{lane}/catalog"
)

// Headers of a catalog push.
const (
	HeaderCatalogVersion = "Kiosk-Catalog-Version" // HQ's version number, > 0
	HeaderCatalogMode    = "Kiosk-Catalog-Mode"    // "full" (replace) or "delta" (add or change the rows listed)
	HeaderCatalogSHA256  = "Kiosk-Catalog-Sha256"  // hex SHA-256 of the body
)

// Catalog push modes.
const (
	CatalogFull  = "full"
	CatalogDelta = "delta"
)

// NATS subjects: a lane publishes to Subject(kind, store, lane). HQ's stream
// binds "kiosk.>" (see README "Connecting a lane to HQ").
const (
	SubjectEvents = "kiosk.events"
	SubjectAudit  = "kiosk.audit"
	SubjectStatus = "kiosk.status"
)

// Subject is the NATS subject of a kind of message from one lane, e.g.
// "kiosk.events.0001.0001-01".
func Subject(kind, store, lane string) string { return kind + "." + store + "." + lane }

// Event is one row of a lane's journal; its JSON is the lane's own event JSON.
type Event struct {
	ID   string          `json:"id"`
	Lane string          `json:"lane"`
	Seq  int64           `json:"seq"`
	Txn  string          `json:"txn,omitempty"`
	Type string          `json:"type"`
	At   time.Time       `json:"at"`
	Body json.RawMessage `json:"body"`
}

// AuditEntry is one row of a kiosk's append-only audit log (staff actions,
// logins, configuration changes). It is unique per (Install, Seq).
type AuditEntry struct {
	Seq     int64           `json:"seq"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Role    string          `json:"role,omitempty"`
	Action  string          `json:"action"`
	Lane    string          `json:"lane,omitempty"`
	Target  string          `json:"target,omitempty"`
	Where   string          `json:"where,omitempty"`
	Outcome string          `json:"outcome"`
	Detail  json.RawMessage `json:"detail,omitempty"`
}

// AuditID is the idempotency key of an audit entry (the NATS message id).
func AuditID(install string, seq int64) string {
	return install + "/audit/" + itoa(seq)
}

// Batch is what a lane sends in one request: its next events in Seq order,
// its next audit entries in Seq order, and its status.
type Batch struct {
	Store   string       `json:"store"`
	Lane    string       `json:"lane"`
	Install string       `json:"install"` // the kiosk database's id (a UUID made at its first sync)
	Events  []Event      `json:"events"`
	Audit   []AuditEntry `json:"audit,omitempty"`
	Status  *LaneStatus  `json:"status,omitempty"`
}

// Ack is HQ's answer to a Batch.
type Ack struct {
	Stored     int    `json:"stored"`     // events and audit entries new to HQ, now committed
	Duplicates int    `json:"duplicates"` // already held: ignored
	Next       int64  `json:"next"`       // the lane's next Seq HQ expects
	AuditNext  int64  `json:"auditNext"`  // the install's next audit Seq HQ expects
	Error      string `json:"error,omitempty"`
}

// LaneStatus is how a lane is doing, sent with each batch (and, when there
// are no events to send, once a minute as a heartbeat).
type LaneStatus struct {
	Store   string    `json:"store"`
	Lane    string    `json:"lane"`
	At      time.Time `json:"at"`
	Version string    `json:"version,omitempty"` // kiosk build
	// CatalogVersion is the HQ catalog version the lane sells from (0: none
	// from HQ yet); CatalogLocal the lane's own import count.
	CatalogVersion int64 `json:"catalogVersion"`
	CatalogLocal   int64 `json:"catalogLocal"`
	// CatalogError is the lane's report on the last push it refused.
	CatalogError   string `json:"catalogError,omitempty"`
	CatalogRefused int64  `json:"catalogRefused,omitempty"` // the version it refused
	// Backlog is how many events wait to be sent (this batch included),
	// BacklogOldest when the oldest of them happened.
	Backlog       int64      `json:"backlog"`
	BacklogOldest *time.Time `json:"backlogOldest,omitempty"`
	// Devices maps a device (scanner, scale, printer, terminal, bagging) to
	// "ok" or what is wrong with it.
	Devices    map[string]string `json:"devices,omitempty"`
	OpenAlerts int               `json:"openAlerts"`
	Closed     bool              `json:"closed,omitempty"` // the lane is closed by staff
}

// Sale is the body's "sale" of the event a transaction ends with (txn_paid,
// txn_cancelled): everything HQ reports of it, so that HQ needs no other
// event to know a sale.
type Sale struct {
	Txn        string       `json:"txn"`
	Outcome    string       `json:"outcome"` // paid or cancelled
	Started    time.Time    `json:"started"`
	Ended      time.Time    `json:"ended"`
	Currency   string       `json:"currency"`
	Lang       string       `json:"lang"`
	Items      int          `json:"items"` // units sold: the quantity of each line, 1 per weighed line
	TotalMinor int64        `json:"totalMinor"`
	Lines      []SaleLine   `json:"lines"`
	Tenders    []SaleTender `json:"tenders,omitempty"`
	VAT        []SaleVAT    `json:"vat,omitempty"`
	Bags       string       `json:"bags,omitempty"`
	HelpTopics []string     `json:"helpTopics,omitempty"`
}

// SaleLine is one basket line; a voided line is kept with Voided set.
type SaleLine struct {
	No          int    `json:"no"`
	GTIN        string `json:"gtin"`
	PLU         string `json:"plu,omitempty"`
	Name        string `json:"name"`
	SoldBy      string `json:"soldBy"` // each or weight
	Qty         int    `json:"qty"`
	WeightG     int    `json:"weightG,omitempty"`
	UnitMinor   int64  `json:"unitMinor"`
	AmountMinor int64  `json:"amountMinor"`
	VATClass    string `json:"vatClass"`
	VATRate     string `json:"vatRate"` // percent, decimal text, e.g. "19"
	Voided      bool   `json:"voided,omitempty"`
}

// SaleTender is one approved payment.
type SaleTender struct {
	Method      string `json:"method"` // card or cash
	AmountMinor int64  `json:"amountMinor"`
	CardName    string `json:"cardName,omitempty"`
	MaskedPAN   string `json:"maskedPan,omitempty"` // as the terminal masked it, never more
	Offline     bool   `json:"offline,omitempty"`
	ReceiptNo   int    `json:"receiptNo,omitempty"`
}

// SaleVAT is one VAT group of a sale.
type SaleVAT struct {
	Class      string `json:"class"`
	Rate       string `json:"rate"`
	NetMinor   int64  `json:"netMinor"`
	TaxMinor   int64  `json:"taxMinor"`
	GrossMinor int64  `json:"grossMinor"`
}

// Effort is the body of effort_answered: the shopper's answer to "How easy
// was your checkout?", 1 (very hard) to 5 (very easy), for transaction Txn.
type Effort struct {
	Txn   string `json:"txn"`
	Score int    `json:"score"`
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
