package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; PRAGMA user_version records how many ran.
// Never edit a released entry: append a new one.
var migrations = []string{
	// 1: catalog, journal, transactions, lines, alerts, idempotency keys.
	`
CREATE TABLE products (
	gtin        TEXT PRIMARY KEY NOT NULL CHECK (length(gtin) = 14),
	plu         TEXT,
	name_en     TEXT NOT NULL,
	name_de     TEXT NOT NULL DEFAULT '',
	name_es     TEXT NOT NULL DEFAULT '',
	price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
	sold_by     TEXT NOT NULL CHECK (sold_by IN ('each', 'weight')),
	vat_class   TEXT NOT NULL,
	min_age     INTEGER NOT NULL DEFAULT 0,
	weight_g    INTEGER NOT NULL DEFAULT 0,
	tolerance_g INTEGER NOT NULL DEFAULT 0,
	category    TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE UNIQUE INDEX products_plu ON products (plu) WHERE plu IS NOT NULL;

-- The journal is the lane's history and HQ's outbox: id orders the whole file,
-- (lane_id, seq) orders one lane, event_id is globally unique.
CREATE TABLE journal (
	id       INTEGER PRIMARY KEY,
	event_id TEXT NOT NULL UNIQUE,
	lane_id  TEXT NOT NULL,
	seq      INTEGER NOT NULL,
	txn_id   TEXT,
	type     TEXT NOT NULL,
	at       TEXT NOT NULL,
	body     TEXT NOT NULL,
	UNIQUE (lane_id, seq)
);

CREATE TABLE transactions (
	id           TEXT PRIMARY KEY NOT NULL,
	lane_id      TEXT NOT NULL,
	state        TEXT NOT NULL,
	started_at   TEXT NOT NULL,
	ended_at     TEXT,
	end_reason   TEXT,
	currency     TEXT NOT NULL,
	total_minor  INTEGER NOT NULL DEFAULT 0,
	items        INTEGER NOT NULL DEFAULT 0,
	age_approved INTEGER NOT NULL DEFAULT 0,
	lang         TEXT NOT NULL DEFAULT 'en'
);
CREATE UNIQUE INDEX transactions_open ON transactions (lane_id) WHERE ended_at IS NULL;

CREATE TABLE lines (
	txn_id         TEXT NOT NULL REFERENCES transactions (id),
	line_no        INTEGER NOT NULL,
	gtin           TEXT NOT NULL,
	plu            TEXT NOT NULL DEFAULT '',
	code           TEXT NOT NULL DEFAULT '',
	names          TEXT NOT NULL,
	sold_by        TEXT NOT NULL,
	qty            INTEGER NOT NULL CHECK (qty >= 0),
	weight_g       INTEGER NOT NULL DEFAULT 0,
	unit_minor     INTEGER NOT NULL,
	embedded_minor INTEGER,
	amount_minor   INTEGER NOT NULL,
	vat_class      TEXT NOT NULL,
	vat_rate       TEXT NOT NULL,
	min_age        INTEGER NOT NULL DEFAULT 0,
	voided         INTEGER NOT NULL DEFAULT 0,
	added_at       TEXT NOT NULL,
	PRIMARY KEY (txn_id, line_no)
) WITHOUT ROWID;

CREATE TABLE alerts (
	id          INTEGER PRIMARY KEY,
	lane_id     TEXT NOT NULL,
	txn_id      TEXT REFERENCES transactions (id),
	type        TEXT NOT NULL,
	blocking    INTEGER NOT NULL,
	detail      TEXT NOT NULL DEFAULT '{}',
	raised_at   TEXT NOT NULL,
	resolved_at TEXT,
	resolved_by TEXT,
	resolution  TEXT
);
CREATE INDEX alerts_open ON alerts (lane_id) WHERE resolved_at IS NULL;

CREATE TABLE idempotency (
	lane_id  TEXT NOT NULL,
	key      TEXT NOT NULL,
	at       TEXT NOT NULL,
	request  TEXT NOT NULL, -- fingerprint of the command the key came with
	response TEXT NOT NULL,
	PRIMARY KEY (lane_id, key)
) WITHOUT ROWID;
`,
	// 2: variable-measure flag, produce index, catalog versions.
	`
-- An embedded price, weight or count counts only for products marked here.
-- Rows imported before the flag existed are marked when their number is one
-- that carries such a value: an in-store number (GTIN-13 prefix 20-29, i.e.
-- GTIN-14 "02…", or UPC-A number system 2, "002…") or a GTIN-14 with
-- indicator digit 9, so that a kiosk keeps selling its deli labels.
ALTER TABLE products ADD COLUMN variable_measure INTEGER NOT NULL DEFAULT 0 CHECK (variable_measure IN (0, 1));
UPDATE products SET variable_measure = 1
	WHERE substr(gtin, 1, 2) = '02' OR substr(gtin, 1, 3) = '002' OR substr(gtin, 1, 1) = '9';

-- The shopper's produce list: products sold by weight that have a PLU.
CREATE INDEX products_produce ON products (plu) WHERE sold_by = 'weight' AND plu IS NOT NULL;

-- One row per successful catalog import; the highest version is the catalog
-- the lane sells from.
CREATE TABLE catalog_versions (
	version     INTEGER PRIMARY KEY,
	imported_at TEXT NOT NULL,           -- UTC, fixed width
	rows        INTEGER NOT NULL,        -- product rows in the file
	products    INTEGER NOT NULL,        -- products in the catalog afterwards
	mode        TEXT NOT NULL CHECK (mode IN ('add', 'replace')),
	source      TEXT NOT NULL,           -- file name as given
	sha256      TEXT NOT NULL CHECK (length(sha256) = 64)
);
`,
	// 3: idempotency rows hold a fingerprint and a journal range, not the whole
	// answer (which held the whole basket: 3,000 scans made 1.2 GB), and are
	// pruned by age.
	`
UPDATE idempotency SET response = json_object(
	'seq', coalesce(json_extract(response, '$.view.seq'), 0),
	'first', coalesce(json_extract(response, '$.events[0].seq'), 0),
	'last', coalesce(json_extract(response, '$.events[#-1].seq'), 0))
WHERE json_valid(response) AND json_type(response, '$.view') IS NOT NULL;
CREATE INDEX idempotency_age ON idempotency (lane_id, at);
`,
	// 4: payments. One row per attempt to pay a transaction. A card attempt
	// is written before the terminal is asked ("requested"), again before the
	// request is sent ("sent", with the terminal's last receipt number so the
	// outcome can be asked for after a crash), and with the terminal's result
	// before it is acknowledged. No card number is ever stored: only the
	// masked PAN the terminal sends (at most first 6 and last 4 digits).
	`
CREATE TABLE payments (
	txn_id        TEXT NOT NULL REFERENCES transactions (id),
	attempt       INTEGER NOT NULL,
	lane_id       TEXT NOT NULL,
	method        TEXT NOT NULL CHECK (method IN ('card', 'cash')),
	amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
	state         TEXT NOT NULL CHECK (state IN ('requested', 'sent', 'unknown', 'waiting_staff',
	                                             'approved', 'reversing', 'declined', 'not_charged', 'reversed')),
	after_receipt INTEGER,           -- terminal's last receipt number before the request; NULL: unknown
	result        INTEGER,           -- terminal result code
	approved_minor INTEGER,          -- what the terminal charged
	receipt_no    INTEGER,
	trace         INTEGER,
	masked_pan    TEXT,
	card_name     TEXT,
	offline       INTEGER NOT NULL DEFAULT 0,
	terminal_id   TEXT,
	terminal_text TEXT,              -- the terminal's own receipt lines, JSON array
	by            TEXT,              -- staff member who took cash, or resolved the outcome
	confirmed     INTEGER NOT NULL DEFAULT 0, -- approved, and the terminal finished the payment (its answer acknowledged)
	-- An approval no sale stands on (another amount, over the offline caps, for
	-- an attempt already closed) is to be reversed: its receipt number and
	-- amount, kept until the terminal confirms the reversal (retried at start).
	reverse_receipt INTEGER,
	reverse_minor   INTEGER,
	reversed_at     TEXT,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	PRIMARY KEY (txn_id, attempt)
) WITHOUT ROWID;
CREATE INDEX payments_open ON payments (lane_id) WHERE state IN ('requested', 'sent', 'unknown', 'waiting_staff');
CREATE INDEX payments_to_reverse ON payments (lane_id) WHERE reverse_receipt IS NOT NULL AND reversed_at IS NULL;
`,
	// 5: the life of an alert (acknowledged, escalated, resolved with a
	// reason), whether a lane is closed, and the self-help topics a shopper
	// opened in a transaction (a help opened without a staff call is a
	// deflected one).
	`
ALTER TABLE alerts ADD COLUMN acked_at TEXT;      -- first "on my way"
ALTER TABLE alerts ADD COLUMN acked_by TEXT;      -- who took it last
ALTER TABLE alerts ADD COLUMN level INTEGER NOT NULL DEFAULT 0; -- escalations so far
ALTER TABLE alerts ADD COLUMN role TEXT;          -- the role called now; NULL: the type's
ALTER TABLE alerts ADD COLUMN escalated_at TEXT;  -- the last escalation
ALTER TABLE alerts ADD COLUMN escalates_at TEXT;  -- the next one; NULL: none (or the type's default for older rows)
ALTER TABLE alerts ADD COLUMN reason TEXT;        -- why staff resolved it so
CREATE INDEX alerts_acked ON alerts (lane_id, acked_at) WHERE acked_at IS NOT NULL;

CREATE TABLE lane_state (
	lane_id    TEXT PRIMARY KEY NOT NULL,
	closed     INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
	changed_by TEXT NOT NULL,
	changed_at TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

ALTER TABLE transactions ADD COLUMN help_topics TEXT NOT NULL DEFAULT '[]'; -- JSON array, in the order first opened
`,
	// 6: staff accounts and the audit log. A PIN is kept only as a slow salted
	// hash (argon2id, its parameters in the string), a badge code as its
	// SHA-256 (hex). failures counts failed logins in a row; locked_until
	// (UTC, fixed width) is when a lockout ends, so a restart does not unlock.
	// The audit log is append-only: the triggers refuse every UPDATE, DELETE
	// and REPLACE, and seq (AUTOINCREMENT, never reused) is the order HQ pulls it in.
	`
CREATE TABLE staff (
	id           TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 32),
	name         TEXT NOT NULL,
	role         TEXT NOT NULL CHECK (role IN ('attendant', 'supervisor', 'remote')),
	pin_hash     TEXT NOT NULL,
	badge_hash   TEXT UNIQUE CHECK (badge_hash IS NULL OR length(badge_hash) = 64),
	disabled     INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
	locked_until TEXT,
	created_at   TEXT NOT NULL,
	created_by   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE audit (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	at         TEXT NOT NULL,
	actor      TEXT NOT NULL,
	role       TEXT NOT NULL DEFAULT '',
	action     TEXT NOT NULL,
	lane_id    TEXT NOT NULL DEFAULT '',
	target     TEXT NOT NULL DEFAULT '',
	where_from TEXT NOT NULL DEFAULT '',
	outcome    TEXT NOT NULL,
	detail     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
-- REPLACE deletes the row it conflicts with without firing delete triggers.
CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit WHEN NEW.seq IN (SELECT seq FROM audit)
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`,
	// 7: bagging security. A product may be exempt from the bagging-area
	// check (heavy: stays in the trolley; nobag: flowers, a broom). What the
	// lane learned of a product's weight in the bagging area: observations
	// counted (n), their summed weight after fading (weight), the weighted
	// mean and sum of squared deviations (grams, grams²).
	`
ALTER TABLE products ADD COLUMN bagging TEXT NOT NULL DEFAULT '' CHECK (bagging IN ('', 'heavy', 'nobag'));
CREATE TABLE bag_weights (
	gtin       TEXT PRIMARY KEY NOT NULL CHECK (length(gtin) = 14),
	n          INTEGER NOT NULL CHECK (n >= 0),
	weight     REAL NOT NULL CHECK (weight >= 0),
	mean_g     REAL NOT NULL,
	m2         REAL NOT NULL CHECK (m2 >= 0),
	updated_at TEXT NOT NULL
) WITHOUT ROWID;
-- The open transaction's bagging area (JSON): the accepted weight, the items
-- on their way, the open mismatch; NULL: no bagging rules ran.
ALTER TABLE transactions ADD COLUMN bagging TEXT;
`,
	// 8: HQ sync. The journal is the outbox: journal_id is the highest
	// journal.id HQ confirmed it stored, audit_seq the highest audit.seq.
	// install names this database to HQ (audit entries are unique per
	// install and seq). The catalog columns are the last push from HQ: the
	// version the lane sells from, and the report on a version it refused.
	`
CREATE TABLE sync_state (
	sink            TEXT PRIMARY KEY NOT NULL,
	install         TEXT NOT NULL,
	journal_id      INTEGER NOT NULL DEFAULT 0 CHECK (journal_id >= 0),
	audit_seq       INTEGER NOT NULL DEFAULT 0 CHECK (audit_seq >= 0),
	catalog_version INTEGER NOT NULL DEFAULT 0,
	catalog_refused INTEGER NOT NULL DEFAULT 0,
	catalog_error   TEXT NOT NULL DEFAULT '',
	sent_at         TEXT,
	updated_at      TEXT NOT NULL
) WITHOUT ROWID;
`,
}

// SchemaVersion is the number of migrations this build knows.
var SchemaVersion = len(migrations)

func (db *DB) migrate(ctx context.Context) error {
	var have int
	if err := db.W.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&have); err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("store: %s has schema version %d, this build knows %d: refusing to run an older kiosk on a newer file", db.Path, have, len(migrations))
	}
	for v := have; v < len(migrations); v++ {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %d: %w", v+1, err)
		}
	}
	db.Info.SchemaVersion = len(migrations)
	return nil
}
