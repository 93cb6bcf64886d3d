package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenVerifiesSettings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Info.JournalMode != "wal" || db.Info.Synchronous != 2 || db.Info.ForeignKeys != 1 {
		t.Fatalf("settings not applied: %+v", db.Info)
	}
	if versionNumber(db.Info.SQLiteVersion) < MinSQLiteVersion {
		t.Fatalf("old sqlite %s", db.Info.SQLiteVersion)
	}
	if db.Info.SchemaVersion != SchemaVersion {
		t.Fatalf("schema %d, want %d", db.Info.SchemaVersion, SchemaVersion)
	}
	// The read pool must refuse writes.
	const ins = `INSERT INTO idempotency (lane_id, key, at, request, response) VALUES ('l', 'k', 't', 'r', '{}')`
	if _, err := db.R.ExecContext(ctx, ins); err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("read-only pool and a write: %v", err)
	}
	if _, err := db.W.ExecContext(ctx, ins); err != nil { // the same statement is fine on the writer
		t.Fatal(err)
	}
	// Foreign keys are enforced on the writer.
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO lines (txn_id, line_no, gtin, names, sold_by, qty, unit_minor, amount_minor, vat_class, vat_rate, added_at)
			VALUES ('nope', 1, '00000000000000', '{}', 'each', 1, 1, 1, 'standard', '19', 'now')`)
		return err
	})
	if err == nil {
		t.Fatal("foreign key not enforced")
	}
	if got, err := db.IntegrityCheck(ctx); err != nil || got != "ok" {
		t.Fatalf("integrity_check = %q, %v", got, err)
	}
}

func TestReopenKeepsSchemaAndRefusesNewer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `PRAGMA user_version = 999`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(ctx, path); err == nil {
		t.Fatal("opened a file from a newer schema")
	}
}

func TestVerifyRejectsWrongSettings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	pool, err := sql.Open("sqlite", "file:"+path+"?_pragma=synchronous(OFF)&_pragma=journal_mode(DELETE)")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	db := &DB{Path: path}
	err = db.verify(ctx, pool, false)
	if !errors.Is(err, ErrSettings) {
		t.Fatalf("verify = %v, want ErrSettings", err)
	}
}

func TestVersionNumber(t *testing.T) {
	for in, want := range map[string]int{"3.45.0": 3045000, "3.50.4": 3050004, "3.8": 3008000, "": 0} {
		if got := versionNumber(in); got != want {
			t.Errorf("versionNumber(%q) = %d, want %d", in, got, want)
		}
	}
}

// TestMigration2MarksVariableMeasure upgrades a version-1 file with products:
// in-store numbers and indicator-9 GTINs become variable-measure, the rest not.
func TestMigration2MarksVariableMeasure(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	raw, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, migrations[0]+`; PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"02810010000000": 1, // EAN-13 2810010000000: German weight label
		"02000000040110": 1, // EAN-13 prefix 20
		"02999999999995": 1, // prefix 29
		"00212345000007": 1, // UPC-A 212345000007: number system 2
		"90012345678908": 1, // indicator digit 9
		"04006381333931": 0, // a manufacturer's EAN-13
		"00022303898924": 0, // UPC-A number system 0
		"00000096385074": 0, // EAN-8
		"10012345678905": 0, // indicator digit 1
		"03012345678900": 0, // EAN-13 prefix 30
	}
	for g := range want {
		if _, err := raw.ExecContext(ctx, `INSERT INTO products (gtin, name_en, price_minor, sold_by, vat_class) VALUES (?, 'x', 100, 'each', 'standard')`, g); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for g, w := range want {
		t.Run(g, func(t *testing.T) {
			var got int
			if err := db.R.QueryRowContext(ctx, `SELECT variable_measure FROM products WHERE gtin = ?`, g).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != w {
				t.Errorf("variable_measure = %d, want %d", got, w)
			}
		})
	}
	// The flag only takes 0 and 1.
	if _, err := db.W.ExecContext(ctx, `UPDATE products SET variable_measure = 2`); err == nil {
		t.Error("variable_measure = 2 accepted")
	}
}

// Paths a shell allows but a SQLite URI reads differently: relative ones (the
// README's ./data/kiosk.db), and ones holding "?", "#", "%" or spaces.
func TestOpenOddPaths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	for _, path := range []string{"./data/kiosk.db", "data2/kiosk.db", "q?mark/kiosk.db", "ha#sh/kiosk.db", "per%25cent/kiosk.db", "with space/kiosk.db"} {
		t.Run(path, func(t *testing.T) {
			db, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.W.ExecContext(ctx, `INSERT INTO idempotency (lane_id, key, at, request, response) VALUES ('l', 'k', 't', 'r', '{}')`); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, path)); err != nil {
				t.Fatalf("the database is not at %s: %v", path, err)
			}
		})
	}
}

// TestMigrateFromV4WithData upgrades a version-4 file holding what a lane
// kept before staff existed (an open transaction with lines, a payment, an
// open and a resolved alert) to the current schema: the new columns read as
// their defaults or NULL (which the lane reads as "from before"), nothing old
// is lost, and the new tables and rules work on top.
func TestMigrateFromV4WithData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	raw, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	v4 := strings.Join(migrations[:4], ";\n") + `;
PRAGMA user_version = 4;
INSERT INTO transactions (id, lane_id, state, started_at, ended_at, end_reason, currency, total_minor, items) VALUES
	('T0', '01', 'ended', '2026-10-31T10:00:00.000000000Z', '2026-10-31T10:05:00.000000000Z', 'paid', 'EUR', 119, 1);
INSERT INTO transactions (id, lane_id, state, started_at, currency, total_minor, items) VALUES
	('T1', '01', 'shopping', '2026-11-01T10:00:00.000000000Z', 'EUR', 238, 2);
INSERT INTO lines (txn_id, line_no, gtin, names, sold_by, qty, unit_minor, amount_minor, vat_class, vat_rate, added_at)
	VALUES ('T1', 1, '04006381333931', '{"en":"Milk"}', 'each', 2, 119, 238, 'reduced', '0.07', '2026-11-01T10:01:00.000000000Z');
INSERT INTO payments (txn_id, attempt, lane_id, method, amount_minor, state, created_at, updated_at)
	VALUES ('T0', 1, '01', 'card', 119, 'approved', '2026-10-31T10:04:00.000000000Z', '2026-10-31T10:04:00.000000000Z');
INSERT INTO alerts (lane_id, txn_id, type, blocking, detail, raised_at) VALUES
	('01', 'T1', 'item_not_found', 1, '{"code":"123"}', '2026-11-01T10:02:00.000000000Z');
INSERT INTO alerts (lane_id, txn_id, type, blocking, raised_at, resolved_at, resolved_by, resolution) VALUES
	('01', 'T0', 'help', 0, '2026-10-31T10:01:00.000000000Z', '2026-10-31T10:02:00.000000000Z', 'anna', 'done');
`
	if _, err := raw.ExecContext(ctx, v4); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open a version-4 file: %v", err)
	}
	defer db.Close()
	if db.Info.SchemaVersion != SchemaVersion {
		t.Fatalf("schema %d, want %d", db.Info.SchemaVersion, SchemaVersion)
	}
	var topics string
	var total int64
	if err := db.R.QueryRowContext(ctx, `SELECT help_topics, total_minor FROM transactions WHERE id = 'T1'`).Scan(&topics, &total); err != nil || topics != "[]" || total != 238 {
		t.Fatalf("open transaction after the upgrade: %q %d %v", topics, total, err)
	}
	rows, err := db.R.QueryContext(ctx, `SELECT id, level, role IS NULL, acked_at IS NULL, acked_by IS NULL, escalates_at IS NULL,
		escalated_at IS NULL, reason IS NULL, resolved_at IS NULL FROM alerts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	n, open := 0, 0
	for rows.Next() {
		var id, level int
		var nulls [7]bool
		if err := rows.Scan(&id, &level, &nulls[0], &nulls[1], &nulls[2], &nulls[3], &nulls[4], &nulls[5], &nulls[6]); err != nil {
			t.Fatal(err)
		}
		n++
		if nulls[6] {
			open++
		}
		if level != 0 || !nulls[0] || !nulls[1] || !nulls[2] || !nulls[3] || !nulls[4] || !nulls[5] {
			t.Errorf("alert %d after the upgrade: level %d, NULLs (role, acked_at, acked_by, escalates_at, escalated_at, reason) %v", id, level, nulls[:6])
		}
	}
	if err := rows.Err(); err != nil || n != 2 || open != 1 {
		t.Fatalf("%d alerts, %d open: %v", n, open, err)
	}
	var lines, payments, staff, audit, lanes int
	if err := db.R.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM lines), (SELECT count(*) FROM payments), (SELECT count(*) FROM staff),
		(SELECT count(*) FROM audit), (SELECT count(*) FROM lane_state)`).Scan(&lines, &payments, &staff, &audit, &lanes); err != nil {
		t.Fatal(err)
	}
	if lines != 1 || payments != 1 || staff != 0 || audit != 0 || lanes != 0 {
		t.Fatalf("rows after the upgrade: %d lines, %d payments, %d staff, %d audit, %d lane_state", lines, payments, staff, audit, lanes)
	}
	// The new columns take what the lane writes on the old rows.
	if _, err := db.W.ExecContext(ctx, `UPDATE alerts SET acked_at = 'x', acked_by = 'anna', level = 1, role = 'supervisor' WHERE resolved_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `UPDATE transactions SET help_topics = '["paying"]' WHERE id = 'T1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `INSERT INTO audit (at, actor, action, outcome) VALUES ('t', 'cli', 'staff_add', 'ok')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `DELETE FROM audit`); err == nil {
		t.Fatal("the upgraded audit log takes a DELETE")
	}
}
