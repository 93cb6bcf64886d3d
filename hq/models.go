package hq

import "time"

// The tables of HQ's database. Each row that a pull API pages through has an
// autoincrement ID, its cursor: rows are committed in ID order because one
// ingest runs at a time (see Service.Ingest).

// Event is one lane journal event, stored once (EventID is unique) and in
// Seq order per lane (UNIQUE (lane, seq), and Ingest refuses gaps).
type Event struct {
	ID         int64     `gorm:"primaryKey;autoIncrement"`
	EventID    string    `gorm:"size:36;not null;uniqueIndex:events_event_id"`
	Store      string    `gorm:"size:32;not null;index:events_store"`
	Lane       string    `gorm:"size:64;not null;uniqueIndex:events_lane_seq,priority:1"`
	Seq        int64     `gorm:"not null;uniqueIndex:events_lane_seq,priority:2"`
	Txn        string    `gorm:"size:64;index:events_txn"`
	Type       string    `gorm:"size:64;not null"`
	At         time.Time `gorm:"not null"`
	Body       string    `gorm:"type:text;not null"`
	ReceivedAt time.Time `gorm:"not null"`
}

// LaneRow is what HQ knows of a lane: the next Seq it expects and the
// lane's last reported status.
type LaneRow struct {
	Lane           string `gorm:"primaryKey;size:64"`
	Store          string `gorm:"size:32;not null;index:lanes_store"`
	Next           int64  `gorm:"not null"`
	LastSeen       time.Time
	StatusAt       time.Time
	Version        string `gorm:"size:64"`
	Backlog        int64
	BacklogOldest  *time.Time
	CatalogVersion int64
	CatalogLocal   int64
	CatalogRefused int64
	CatalogError   string `gorm:"type:text"`
	Devices        string `gorm:"type:text"` // JSON object device -> "ok" or what is wrong
	OpenAlerts     int
	Closed         bool
}

// TableName keeps the table named lanes.
func (LaneRow) TableName() string { return "lanes" }

// Install is one kiosk database: the next audit Seq HQ expects of it.
type Install struct {
	Install string `gorm:"primaryKey;size:64"`
	Lane    string `gorm:"size:64;not null"`
	Next    int64  `gorm:"not null"`
}

// AuditRow is one entry of a kiosk's audit log, unique per (install, seq).
type AuditRow struct {
	ID      int64     `gorm:"primaryKey;autoIncrement"`
	Install string    `gorm:"size:64;not null;uniqueIndex:audit_install_seq,priority:1"`
	Seq     int64     `gorm:"not null;uniqueIndex:audit_install_seq,priority:2"`
	Store   string    `gorm:"size:32;not null;index:audit_store"`
	Lane    string    `gorm:"size:64;not null"`
	At      time.Time `gorm:"not null"`
	Actor   string    `gorm:"size:128;not null"`
	Role    string    `gorm:"size:32"`
	Action  string    `gorm:"size:64;not null"`
	Target  string    `gorm:"size:256"`
	Where   string    `gorm:"column:where_from;size:256"`
	Outcome string    `gorm:"size:64;not null"`
	Detail  string    `gorm:"type:text"`
}

// TableName keeps the table named audit.
func (AuditRow) TableName() string { return "audit" }

// Sale is one ended transaction (paid or cancelled), projected from the
// event it ended with and the events of it before that.
type Sale struct {
	ID            int64     `gorm:"primaryKey;autoIncrement"`
	Txn           string    `gorm:"size:64;not null;uniqueIndex:sales_txn"`
	Store         string    `gorm:"size:32;not null;index:sales_store_ended,priority:1"`
	Lane          string    `gorm:"size:64;not null"`
	Outcome       string    `gorm:"size:16;not null"`
	Started       time.Time `gorm:"not null"`
	Ended         time.Time `gorm:"not null;index:sales_store_ended,priority:2;index:sales_ended"`
	Items         int
	TotalMinor    int64
	Currency      string `gorm:"size:3"`
	Lang          string `gorm:"size:8"`
	HelpOpened    bool   // the shopper opened self-help in it
	HelpAlert     bool   // and called staff for help
	Effort        int    // the end-of-transaction answer, 1..5; 0: none
	Interventions int    // staff interventions in it
	Detail        string `gorm:"type:text"` // the lane's sale summary (lines, tenders, VAT), JSON
}

// SaleVAT is one VAT group of a paid sale, for sales by VAT rate.
type SaleVAT struct {
	ID         int64  `gorm:"primaryKey;autoIncrement"`
	Txn        string `gorm:"size:64;not null;index:sale_vats_txn"`
	Class      string `gorm:"size:32"`
	Rate       string `gorm:"size:16;not null"`
	NetMinor   int64
	TaxMinor   int64
	GrossMinor int64
}

// Intervention is one alert of a lane: raised, taken, resolved.
type Intervention struct {
	ID         int64     `gorm:"primaryKey;autoIncrement"`
	Lane       string    `gorm:"size:64;not null;uniqueIndex:interventions_lane_alert,priority:1"`
	AlertID    int64     `gorm:"not null;uniqueIndex:interventions_lane_alert,priority:2"`
	Store      string    `gorm:"size:32;not null;index:interventions_store"`
	Txn        string    `gorm:"size:64"`
	Type       string    `gorm:"size:64;not null"`
	RaisedAt   time.Time `gorm:"not null;index:interventions_raised"`
	AckedAt    *time.Time
	AckedBy    string `gorm:"size:64"`
	ResolvedAt *time.Time
	ResolvedBy string `gorm:"size:64"`
	Role       string `gorm:"size:32"` // the resolver's role; empty: the system or the shopper
	Outcome    string `gorm:"size:64"`
	Reason     string `gorm:"size:256"`
	Level      int
}

// Catalog is one catalog publication: the CSV in the lane's import format,
// for one store or (Store empty) the whole chain.
type Catalog struct {
	Version     int64     `gorm:"primaryKey;autoIncrement"`
	Mode        string    `gorm:"size:8;not null"` // full or delta
	Store       string    `gorm:"size:32;not null;default:''"`
	SHA256      string    `gorm:"size:64;not null"`
	Rows        int       `gorm:"not null"`
	Size        int64     `gorm:"not null"`
	Body        []byte    `gorm:"not null"`
	PublishedAt time.Time `gorm:"not null"`
	By          string    `gorm:"size:64;not null"`
	Note        string    `gorm:"size:256"`
}

// User is a person who logs in to the dashboard: an analyst (the chain) or
// a store's supervisor (one store).
type User struct {
	Name      string `gorm:"primaryKey;size:64"`
	Role      string `gorm:"size:16;not null"`
	Store     string `gorm:"size:32;not null;default:''"`
	PassHash  string `gorm:"size:256;not null"`
	CreatedAt time.Time
	Disabled  bool
}

// Token is an API token, kept only as its SHA-256: a store's lanes push
// with a lane token of that store; analysts and stores pull with theirs.
type Token struct {
	ID        int64  `gorm:"primaryKey;autoIncrement"`
	Hash      string `gorm:"size:64;not null;uniqueIndex:tokens_hash"`
	Name      string `gorm:"size:64;not null"`
	Role      string `gorm:"size:16;not null"` // lane, store or analyst
	Store     string `gorm:"size:32;not null;default:''"`
	CreatedAt time.Time
	Disabled  bool
}

var models = []any{&Event{}, &LaneRow{}, &Install{}, &AuditRow{}, &Sale{}, &SaleVAT{}, &Intervention{}, &Catalog{}, &User{}, &Token{}}
