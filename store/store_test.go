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
