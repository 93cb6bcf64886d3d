package store

import (
	"context"
	"database/sql"
	"errors"
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
