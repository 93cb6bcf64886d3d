package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go, cached prepared statements)
)

// MinSQLiteVersion is the oldest SQLite the kiosk runs on (3.45: JSON functions,
// WITHOUT ROWID upserts and the partial indexes the schema uses).
const MinSQLiteVersion = 3_045_000

// Readers is the size of the read-only connection pool.
const Readers = 4

// DB is an open kiosk database: W is the single writer, R the read-only pool.
type DB struct {
	W    *sql.DB
	R    *sql.DB
	Path string
	Info Info
}

// Info is what Open read back from SQLite.
type Info struct {
	SQLiteVersion string
	JournalMode   string
	Synchronous   int
	ForeignKeys   int
	BusyTimeoutMS int
	SchemaVersion int
}

// ErrSettings reports that SQLite did not accept the durability settings.
var ErrSettings = errors.New("store: sqlite settings mismatch")

func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return URI(path, q)
}

// URI is the SQLite URI filename of the file at path (relative to the working
// directory, or absolute) with the query q. The path is made absolute and
// escaped: in a URI filename "?" starts the query, "#" a fragment and "%" an
// escape, so a path holding them (or a relative path, which a "file:" URI
// would read as an authority) opens another file or none at all.
func URI(path string, q url.Values) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// Open opens (creating if needed) the database at path, verifies its settings and
// migrates the schema. The lane's sales are for the kiosk's user only: a
// directory Open creates is 0700, and the database file is 0600 (an existing
// one is narrowed to that), which SQLite copies to the -wal and -shm files it
// creates beside it.
func Open(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	if err := privateFile(path); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("store: open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db := &DB{W: w, Path: path}
	if err := db.verify(ctx, w, false); err != nil {
		w.Close()
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open readers: %w", err)
	}
	r.SetMaxOpenConns(Readers)
	r.SetMaxIdleConns(Readers)
	db.R = r
	if err := db.verify(ctx, r, true); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// privateFile creates path with mode 0600, or narrows an existing database and
// its -wal and -shm files to it.
func privateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.R != nil {
		errs = append(errs, db.R.Close())
	}
	errs = append(errs, db.W.Close())
	return errors.Join(errs...)
}

func (db *DB) verify(ctx context.Context, pool *sql.DB, readOnly bool) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: connect %s: %w", db.Path, err)
	}
	defer conn.Close()
	var info Info
	var qonly int
	row := conn.QueryRowContext(ctx, `SELECT sqlite_version(), (SELECT journal_mode FROM pragma_journal_mode),
		(SELECT synchronous FROM pragma_synchronous), (SELECT foreign_keys FROM pragma_foreign_keys),
		(SELECT timeout FROM pragma_busy_timeout), (SELECT query_only FROM pragma_query_only)`)
	if err := row.Scan(&info.SQLiteVersion, &info.JournalMode, &info.Synchronous, &info.ForeignKeys, &info.BusyTimeoutMS, &qonly); err != nil {
		return fmt.Errorf("store: read settings: %w", err)
	}
	var problems []string
	if v := versionNumber(info.SQLiteVersion); v < MinSQLiteVersion {
		problems = append(problems, fmt.Sprintf("sqlite %s older than 3.45", info.SQLiteVersion))
	}
	if !strings.EqualFold(info.JournalMode, "wal") {
		problems = append(problems, "journal_mode="+info.JournalMode+" (want wal)")
	}
	if info.Synchronous != 2 {
		problems = append(problems, fmt.Sprintf("synchronous=%d (want 2, FULL)", info.Synchronous))
	}
	if info.ForeignKeys != 1 {
		problems = append(problems, "foreign_keys off")
	}
	if info.BusyTimeoutMS < 1000 {
		problems = append(problems, fmt.Sprintf("busy_timeout=%d", info.BusyTimeoutMS))
	}
	if readOnly != (qonly == 1) {
		problems = append(problems, fmt.Sprintf("query_only=%d on the %s pool", qonly, map[bool]string{true: "reader", false: "writer"}[readOnly]))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s: %s", ErrSettings, db.Path, strings.Join(problems, "; "))
	}
	if !readOnly {
		db.Info = info
	}
	return nil
}

// versionNumber turns "3.46.1" into 3046001 as SQLITE_VERSION_NUMBER does.
func versionNumber(v string) int {
	parts := strings.SplitN(v, ".", 3)
	n := 0
	for i, mul := range []int{1_000_000, 1_000, 1} {
		if i < len(parts) {
			x, _ := strconv.Atoi(parts[i])
			n += x * mul
		}
	}
	return n
}

// Tx runs fn in one immediate transaction on the writer and commits it, or rolls
// it back when fn or the commit fails.
func (db *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict ("ok" when sound).
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	rows, err := db.W.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n"), rows.Err()
}
