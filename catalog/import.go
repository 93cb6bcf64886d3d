package catalog

// Catalog import without stalling the lane.
//
// The lane commits every scan on the same SQLite file, through the one writer
// connection it shares with an import in the same process (store.DB.W, one
// connection) or through SQLite's file lock with an import in another process
// (`kiosk catalog import` beside `kiosk serve`). A write transaction of the
// import therefore delays every scan by as long as it lasts. So an import:
//
//  1. validates the whole file before it writes anything to the kiosk's
//     database: each good row goes into a scratch SQLite file beside it
//     (<db>-import), whose primary key sorts the rows by GTIN; a file with a
//     bad row, too many rows or too many bytes is refused there, having
//     never taken the database's write lock;
//  2. builds the new catalog in a staging table, products_next, with the
//     indexes of products, in transactions that each hold the write lock
//     for about HoldTarget, with a pause after each: the current
//     rows first (unless Replace), then the file's rows, both in GTIN order
//     so that each transaction writes a few neighbouring pages, not one page
//     per row; between two transactions the lane gets the writer;
//  3. switches in one short transaction: products becomes products_old,
//     products_next becomes products, and a catalog_versions row records the
//     import; readers see the old catalog or the new one, never half;
//  4. deletes products_old in chunks.
//
// A crash before step 3 leaves the old catalog untouched; whatever a crashed
// import left (staging table, old table, scratch file) is removed by the next
// import or by CleanupImport. One import runs at a time per database file, in
// any process: an advisory lock on <db>-import.lock refuses a second one with
// ErrImportBusy.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	_ "modernc.org/sqlite" // the scratch file is SQLite too

	"github.com/kiosk-sco/kiosk/store"
)

// Limits of an import.
const (
	// MaxImportBytes is the largest catalog file Import reads (1 GiB; a
	// million products take about 170 MB).
	MaxImportBytes int64 = 1 << 30
	// MaxImportRows is the most data rows (good and bad) a catalog file
	// may have.
	MaxImportRows = 2_000_000
	// HoldTarget is how long one write transaction of an import should
	// hold the database's write lock; a scan waits at most about that long.
	HoldTarget = 25 * time.Millisecond
	// DefaultYield is the pause between two write transactions of an import
	// (see ImportOptions.Yield).
	DefaultYield = 25 * time.Millisecond
	// startChunkRows is the size of the first write transaction before the
	// import has measured one; minChunkRows and maxChunkRows bound the sizes.
	startChunkRows = 2000
	minChunkRows   = 100
	maxChunkRows   = 50_000
	// sortBatch is how many validated rows are sorted in memory before they
	// go to the scratch file (about 10 MB): sorted runs go into its B-tree
	// faster than rows in file order.
	sortBatch = 32 << 10
	// maxSourceBytes bounds ImportOptions.Source.
	maxSourceBytes = 255
)

// ImportCacheKiB is the SQLite page cache the scratch file of an import may
// use (256 MiB): enough to sort a 1,000,000-product catalog in memory.
const ImportCacheKiB = 256 << 10

// Errors of Import. Each leaves the catalog as it was.
var (
	// ErrInvalidRows reports an import refused because of bad rows; the rows
	// are in ImportResult.Errors.
	ErrInvalidRows = errors.New("catalog: import refused: the file has invalid rows")
	// ErrImportBusy reports that another import of the same database runs.
	ErrImportBusy = errors.New("catalog: import refused: another catalog import is running on this database")
	// ErrEmptyReplace reports a replacing import of a file without products,
	// which would empty the catalog.
	ErrEmptyReplace = errors.New("catalog: import refused: the file has no products, and replacing the catalog with it would empty it")
	// ErrFileTooLarge reports a file over ImportOptions.MaxBytes.
	ErrFileTooLarge = errors.New("catalog: import refused: the file is too large")
)

// ImportOptions tune Import.
type ImportOptions struct {
	Rates VATRates
	// Replace deletes products that are not in the file; otherwise rows are
	// added or updated and the other products stay.
	Replace bool
	// Source names the file in the catalog version (at most 255 bytes of
	// printable UTF-8); "" records "-".
	Source string
	// Progress, when set, is called now and then from Import's goroutine:
	// while validating with the bytes read, while writing after each
	// transaction with the rows written. It is never called while the
	// import holds the database's write lock.
	Progress func(ImportProgress)
	// MaxBytes and MaxRows lower the file limits below MaxImportBytes and
	// MaxImportRows; 0 means those.
	MaxBytes int64
	MaxRows  int
	// ChunkRows fixes the number of rows per write transaction. 0 sizes
	// the transactions so that each holds the write lock for about
	// HoldTarget.
	ChunkRows int
	// Yield is the pause after each write transaction. A writer in another
	// process (kiosk serve beside kiosk catalog import) waits for the lock
	// by polling, at growing intervals of up to 100 ms; a pause of about
	// the time one transaction takes lets it in within a few polls. 0 means
	// DefaultYield; a negative value means no pause, for an import through
	// the lane's own store.DB, whose one writer connection database/sql
	// hands to the waiting lane as soon as the import lets go of it.
	Yield time.Duration
	// Now is the clock of the catalog version; nil means time.Now.
	Now func() time.Time
}

// ImportPhase names what an import is doing.
type ImportPhase string

// Phases of an import, in order.
const (
	PhaseValidate ImportPhase = "validate" // reading and checking the file; the database is not written
	PhaseWrite    ImportPhase = "write"    // building the new catalog beside the one in use
)

// ImportProgress is what ImportOptions.Progress is told.
type ImportProgress struct {
	Phase ImportPhase
	Bytes int64 // PhaseValidate: bytes of the file read so far
	Rows  int   // PhaseWrite: rows written to the new catalog so far
	Total int   // PhaseWrite: rows the new catalog will have been written
}

// ImportResult says what an import did.
type ImportResult struct {
	Rows     int   // good rows in the file
	Bad      int   // refused rows; see Errors
	Deleted  int64 // products removed (Replace)
	Errors   []RowError
	Imported bool
	// Version is the catalog version the import recorded, or the current
	// one when the import changed nothing.
	Version Version
}

// Version is one recorded catalog import.
type Version struct {
	Version    int64     `json:"version"` // 0: no import recorded yet
	ImportedAt time.Time `json:"importedAt"`
	Rows       int       `json:"rows"`     // product rows in the file
	Products   int       `json:"products"` // products in the catalog after the import
	Mode       string    `json:"mode"`     // "add" or "replace"
	Source     string    `json:"source"`
	SHA256     string    `json:"sha256"` // of the file's bytes, hex
}

// Version returns the catalog version in use: the last successful import,
// or the zero Version when none was recorded (a catalog from before
// versions, or none).
func (c *DB) Version(ctx context.Context) (Version, error) {
	var v Version
	var at string
	err := c.db.R.QueryRowContext(ctx, `SELECT version, imported_at, rows, products, mode, source, sha256
		FROM catalog_versions ORDER BY version DESC LIMIT 1`).Scan(&v.Version, &at, &v.Rows, &v.Products, &v.Mode, &v.Source, &v.SHA256)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, nil
	}
	if err != nil {
		return Version{}, fmt.Errorf("catalog: version: %w", err)
	}
	if v.ImportedAt = store.ParseStamp(at); v.ImportedAt.IsZero() {
		return Version{}, fmt.Errorf("catalog: version %d: imported_at %q is not an instant", v.Version, at)
	}
	return v, nil
}

// Staging tables of an import: the catalog being built and the one replaced.
const (
	stagingTable = "products_next"
	oldTable     = "products_old"
)

// Import validates a catalog CSV file and, only when every row is valid,
// switches the catalog to it: all or nothing, without holding the database's
// write lock for longer than one chunk of rows (see the comment at the top of
// import.go). Bad rows come back in the result with ErrInvalidRows.
func (c *DB) Import(ctx context.Context, r io.Reader, opt ImportOptions) (ImportResult, error) {
	var res ImportResult
	if opt.Rates == nil {
		opt.Rates = DefaultVATRates()
	}
	if opt.MaxBytes <= 0 || opt.MaxBytes > MaxImportBytes {
		opt.MaxBytes = MaxImportBytes
	}
	if opt.MaxRows <= 0 || opt.MaxRows > MaxImportRows {
		opt.MaxRows = MaxImportRows
	}
	if opt.Yield == 0 {
		opt.Yield = DefaultYield
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Source == "" {
		opt.Source = "-"
	}
	if len(opt.Source) > maxSourceBytes || !utf8.ValidString(opt.Source) || strings.ContainsFunc(opt.Source, textControl) {
		return res, fmt.Errorf("catalog: import: source name %q: at most %d bytes of printable UTF-8", prefix(opt.Source, 40), maxSourceBytes)
	}

	unlock, err := lockImport(c.db.Path)
	if err != nil {
		return res, err
	}
	defer unlock()
	// Leftovers of a crashed import go first (we hold the lock, so nobody
	// else is using them).
	if err := c.cleanup(ctx, newPacer(opt)); err != nil {
		return res, err
	}

	sc, err := createScratch(ctx, c.db.Path+"-import")
	if err != nil {
		return res, err
	}
	defer sc.remove()
	sum, err := c.validate(ctx, r, opt, sc, &res)
	if err != nil {
		return res, err
	}
	if res.Rows == 0 {
		if opt.Replace {
			return res, ErrEmptyReplace
		}
		res.Imported = true // nothing to add: the catalog stays as it is
		res.Version, err = c.Version(ctx)
		return res, err
	}
	if !opt.Replace {
		clashes, err := c.pluClashes(ctx, sc)
		if err != nil {
			return res, err
		}
		if len(clashes) > 0 {
			res.Rows, res.Bad, res.Errors = res.Rows-len(clashes), len(clashes), clashes
			return res, ErrInvalidRows
		}
	}
	if err := sc.close(); err != nil {
		return res, err
	}

	pace := newPacer(opt)
	b := &build{c: c, opt: opt, pace: pace, scratch: sc.path, rows: res.Rows}
	// Whatever happens from here, the staging table must not outlive the
	// import; a crash leaves it to the next one.
	defer c.dropTable(context.WithoutCancel(ctx), stagingTable, pace)
	if err := b.run(ctx); err != nil {
		return res, err
	}
	v := Version{Rows: res.Rows, Mode: "add", Source: opt.Source, SHA256: sum, ImportedAt: opt.Now().UTC()}
	if opt.Replace {
		v.Mode = "replace"
	}
	if err := b.switchOver(ctx, &v); err != nil {
		return res, err
	}
	res.Imported = true
	res.Version = v
	if opt.Replace {
		res.Deleted = int64(b.oldCount - b.matched)
	}
	// The old catalog is gone for every reader; deleting its rows is
	// housekeeping, and a failure is left to the next import.
	c.dropTable(context.WithoutCancel(ctx), oldTable, pace)
	return res, nil
}

// pluClashes finds the file's PLUs that belong to a product the file does not
// mention. Adding and updating would take the PLU away from that product
// without a word (it would vanish from the produce list, and its PLU would
// weigh the other product); the file must say what becomes of it — another
// PLU, or none — or use another PLU. A replacing import has no such product:
// whatever the file does not mention goes.
func (c *DB) pluClashes(ctx context.Context, sc *scratch) ([]RowError, error) {
	type row struct{ gtin, plu string }
	var withPLU []row
	rows, err := sc.db.QueryContext(ctx, `SELECT gtin, plu FROM rows WHERE plu IS NOT NULL ORDER BY plu`)
	if err != nil {
		return nil, fmt.Errorf("catalog: import: scratch file: %w", err)
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.gtin, &r.plu); err != nil {
			rows.Close()
			return nil, fmt.Errorf("catalog: import: scratch file: %w", err)
		}
		withPLU = append(withPLU, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: import: scratch file: %w", err)
	}
	var out []RowError
	for _, r := range withPLU {
		owner, err := c.ByPLU(ctx, r.plu)
		if errors.Is(err, ErrNotFound) || (err == nil && owner.GTIN == r.gtin) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var inFile int
		if err := sc.db.QueryRowContext(ctx, `SELECT count(*) FROM rows WHERE gtin = ?`, owner.GTIN).Scan(&inFile); err != nil {
			return nil, fmt.Errorf("catalog: import: scratch file: %w", err)
		}
		if inFile > 0 {
			continue // the file moves the PLU and says what its old product gets
		}
		out = append(out, RowError{Column: "plu", Value: r.plu, Reason: fmt.Sprintf(
			"PLU %s of %s belongs to %s %q, which the file does not mention: list that product with its new PLU (or none), or choose another PLU",
			r.plu, r.gtin, owner.GTIN, owner.Names.EN)})
		if len(out) >= defaultMaxErrors {
			break
		}
	}
	return out, nil
}

// CleanupImport removes what a crashed import left behind (staging table,
// replaced table, scratch file), in short transactions. It does nothing while
// an import runs. Import does the same before it starts; call it when the
// kiosk starts to give the disk space back earlier.
func (c *DB) CleanupImport(ctx context.Context) error {
	unlock, err := lockImport(c.db.Path)
	if errors.Is(err, ErrImportBusy) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unlock()
	return c.cleanup(ctx, newPacer(ImportOptions{}))
}

func (c *DB) cleanup(ctx context.Context, pace *pacer) error {
	removeScratch(c.db.Path + "-import")
	for _, t := range []string{stagingTable, oldTable} {
		if err := c.dropTable(ctx, t, pace); err != nil {
			return fmt.Errorf("catalog: import: removing the %s table of an earlier import: %w", t, err)
		}
	}
	return nil
}

// validate reads the whole file, checks every row and writes the good ones
// to the scratch file. It returns the SHA-256 of the file. Parsing and the
// scratch file's inserts run in two goroutines; the rows go over in sorted
// batches.
func (c *DB) validate(ctx context.Context, r io.Reader, opt ImportOptions, sc *scratch, res *ImportResult) (string, error) {
	h := sha256.New()
	lr := &limitReader{r: r, h: h, max: opt.MaxBytes}
	tx, err := sc.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("catalog: import: scratch file: %w", err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO rows (`+fileColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return "", fmt.Errorf("catalog: import: scratch file: %w", err)
	}
	defer ins.Close()

	// Three batches at most are in memory: one filling, one waiting, one
	// being inserted.
	free := make(chan []Product, 3)
	for range cap(free) {
		free <- make([]Product, 0, sortBatch)
	}
	full := make(chan []Product, 1)
	inserted := make(chan error, 1)
	go func() {
		var err error
		for b := range full {
			for i := 0; i < len(b) && err == nil; i++ {
				if _, err = ins.ExecContext(ctx, productArgs(b[i])...); err != nil {
					err = fmt.Errorf("scratch file: %w", err)
				}
			}
			clear(b) // let the strings go
			free <- b[:0]
		}
		inserted <- err
	}()
	batch := <-free
	send := func() {
		slices.SortFunc(batch, func(a, b Product) int { return strings.Compare(a.GTIN, b.GTIN) })
		full <- batch
		batch = <-free
	}

	csvOpt := CSVOptions{MaxRows: opt.MaxRows}
	if opt.Progress != nil {
		csvOpt.Progress = func(s ReadStats) { opt.Progress(ImportProgress{Phase: PhaseValidate, Bytes: s.Bytes}) }
	}
	stats, rowErrs, err := ReadCSVWith(lr, opt.Rates, csvOpt, func(line int, p Product) error {
		batch = append(batch, p)
		if len(batch) == cap(batch) {
			send()
		}
		return ctx.Err()
	})
	if len(batch) > 0 {
		send()
	}
	close(full)
	insErr := <-inserted
	res.Rows, res.Bad, res.Errors = stats.Rows, stats.Bad, rowErrs
	switch {
	case lr.over:
		return "", fmt.Errorf("%w: more than %d bytes", ErrFileTooLarge, opt.MaxBytes)
	case errors.Is(err, ErrTooManyRows):
		return "", fmt.Errorf("catalog: import refused: %w (the limit is %d rows)", err, opt.MaxRows)
	case err != nil:
		return "", fmt.Errorf("catalog: import: %w", err)
	case stats.Bad > 0 || len(rowErrs) > 0:
		return "", ErrInvalidRows
	case insErr != nil:
		return "", fmt.Errorf("catalog: import: %w", insErr)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `CREATE INDEX rows_plu ON rows (plu) WHERE plu IS NOT NULL`); err != nil {
		return "", fmt.Errorf("catalog: import: scratch file: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("catalog: import: scratch file: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// limitReader hashes what it reads and refuses to read more than max bytes.
type limitReader struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	max  int64
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n >= l.max {
		// One byte more tells a file of exactly max bytes from a longer one.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			l.over = true
			return 0, ErrFileTooLarge
		}
		return 0, err
	}
	if rest := l.max - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	l.h.Write(p[:n])
	return n, err
}

// fileColumns are the products columns a catalog file sets, in productArgs order.
const fileColumns = productColumns

// scratch is the SQLite file an import sorts the file's rows in.
type scratch struct {
	path string
	db   *sql.DB
}

func createScratch(ctx context.Context, path string) (*scratch, error) {
	removeScratch(path)
	// The catalog is the store's: the scratch file is private like the
	// database (SQLite would create it with the umask's mode).
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("catalog: import: scratch file: %w", err)
	}
	f.Close()
	q := url.Values{}
	// Nothing here needs to survive a crash: no journal, no fsync.
	q.Add("_pragma", "journal_mode(OFF)")
	q.Add("_pragma", "synchronous(OFF)")
	q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -ImportCacheKiB))
	q.Add("_pragma", "temp_store(FILE)")
	db, err := sql.Open("sqlite", store.URI(path, q))
	if err != nil {
		return nil, fmt.Errorf("catalog: import: scratch file: %w", err)
	}
	db.SetMaxOpenConns(1)
	sc := &scratch{path: path, db: db}
	// The same columns and checks as products, so that the rows copied from
	// here into the catalog fail nowhere else.
	_, err = db.ExecContext(ctx, `CREATE TABLE rows (
		gtin             TEXT PRIMARY KEY NOT NULL,
		plu              TEXT,
		name_en          TEXT NOT NULL,
		name_de          TEXT NOT NULL,
		name_es          TEXT NOT NULL,
		price_minor      INTEGER NOT NULL,
		sold_by          TEXT NOT NULL,
		vat_class        TEXT NOT NULL,
		min_age          INTEGER NOT NULL,
		weight_g         INTEGER NOT NULL,
		tolerance_g      INTEGER NOT NULL,
		category         TEXT NOT NULL,
		variable_measure INTEGER NOT NULL,
		bagging          TEXT NOT NULL
	) WITHOUT ROWID`)
	if err != nil {
		sc.remove()
		return nil, fmt.Errorf("catalog: import: scratch file %s: %w", path, err)
	}
	return sc, nil
}

func (s *scratch) close() error {
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	if err != nil {
		return fmt.Errorf("catalog: import: scratch file: %w", err)
	}
	return nil
}

func (s *scratch) remove() {
	s.close()
	removeScratch(s.path)
}

func removeScratch(path string) {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}

// lockImport takes the import lock of the database at dbPath: an advisory
// lock on a file beside it, which the kernel releases when the process ends,
// however it ends.
func lockImport(dbPath string) (func(), error) {
	unlock, err := store.LockFile(dbPath + "-import.lock")
	if errors.Is(err, store.ErrLocked) {
		return nil, ErrImportBusy
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: import lock: %w", err)
	}
	return unlock, nil
}

// build writes the staging table from the current catalog and the scratch file.
type build struct {
	c       *DB
	opt     ImportOptions
	pace    *pacer
	scratch string
	rows    int // rows in the file

	version  int64 // the version being built
	oldCount int   // products before the import
	matched  int   // file rows whose GTIN is already a product
	done     int   // rows written to the staging table
	total    int   // rows to write
}

func (b *build) run(ctx context.Context) error {
	// Counted on a reader: only imports change products, and this one holds
	// the import lock.
	if err := b.c.db.R.QueryRowContext(ctx, `SELECT count(*) FROM products`).Scan(&b.oldCount); err != nil {
		return fmt.Errorf("catalog: import: %w", err)
	}
	if err := b.createStaging(ctx); err != nil {
		return err
	}
	b.total = b.rows
	if !b.opt.Replace {
		b.total += b.oldCount
	}
	if !b.opt.Replace {
		if err := b.copyCurrent(ctx); err != nil {
			return err
		}
	}
	return b.applyFile(ctx)
}

// createStaging creates products_next with the columns, checks and indexes of
// products as the database has them now (its DDL read back from
// sqlite_master), so that the staging table follows every migration.
func (b *build) createStaging(ctx context.Context) error {
	return b.c.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) + 1 FROM catalog_versions`).Scan(&b.version); err != nil {
			return err
		}
		var table string
		if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'products'`).Scan(&table); err != nil {
			return fmt.Errorf("catalog: import: the products table: %w", err)
		}
		i := strings.IndexByte(table, '(')
		if i < 0 {
			return fmt.Errorf("catalog: import: unexpected products DDL %q", prefix(table, 60))
		}
		ddl := []string{"CREATE TABLE " + stagingTable + " " + table[i:]}
		rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'products' AND sql IS NOT NULL`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, sqlText string
			if err := rows.Scan(&name, &sqlText); err != nil {
				return err
			}
			i := strings.IndexByte(sqlText, '(')
			if i < 0 {
				return fmt.Errorf("catalog: import: unexpected index DDL %q", prefix(sqlText, 60))
			}
			create := "CREATE INDEX "
			if strings.HasPrefix(strings.ToUpper(sqlText), "CREATE UNIQUE INDEX") {
				create = "CREATE UNIQUE INDEX "
			}
			ddl = append(ddl, create+quoteIdent(stagedIndexName(name, b.version))+" ON "+stagingTable+" "+sqlText[i:])
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, s := range ddl {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("catalog: import: %s: %w", prefix(s, 60), err)
			}
		}
		return nil
	})
}

// stagedIndexName names an index of the staging table after the products
// index it copies: SQLite cannot rename an index, so the version tells the
// generations apart ("products_plu" → "products_plu__v7").
func stagedIndexName(name string, version int64) string {
	if i := strings.Index(name, "__v"); i >= 0 {
		name = name[:i]
	}
	return fmt.Sprintf("%s__v%d", name, version)
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// chunk runs fn in one write transaction with the scratch file attached
// (read-only) as "scratch", gives the writer back, and paces: fn is told how
// many rows to write and returns how many it wrote.
func (b *build) chunk(ctx context.Context, fn func(tx *sql.Tx, limit int) (int, error)) (int, error) {
	var n int
	held, err := b.tx(ctx, func(tx *sql.Tx) (err error) {
		n, err = fn(tx, b.pace.rows)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, b.pace.done(ctx, n, held)
}

// tx runs fn in one write transaction with the scratch file attached and
// returns how long the transaction held the write lock.
func (b *build) tx(ctx context.Context, fn func(tx *sql.Tx) error) (time.Duration, error) {
	conn, err := b.c.db.W.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("catalog: import: %w", err)
	}
	defer conn.Close()
	uri := store.URI(b.scratch, url.Values{"mode": {"ro"}})
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS scratch`, uri); err != nil {
		return 0, fmt.Errorf("catalog: import: attach the scratch file: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE scratch`); err != nil {
			// The lane must not inherit the attachment: retire the connection.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("catalog: import: begin: %w", err)
	}
	t0 := time.Now()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return 0, fmt.Errorf("catalog: import: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("catalog: import: commit: %w", err)
	}
	return time.Since(t0), nil
}

// pacer sizes an import's write transactions and spaces them out.
type pacer struct {
	rows  int // rows in the next transaction
	fixed bool
	yield time.Duration
}

func newPacer(opt ImportOptions) *pacer {
	p := &pacer{rows: startChunkRows, yield: opt.Yield}
	if opt.ChunkRows > 0 {
		p.rows, p.fixed = opt.ChunkRows, true
	}
	if p.yield == 0 {
		p.yield = DefaultYield
	}
	return p
}

// done takes note that a transaction wrote n rows holding the lock for held,
// sizes the next one for HoldTarget, and pauses.
func (p *pacer) done(ctx context.Context, n int, held time.Duration) error {
	if !p.fixed && n >= p.rows/2 && held > 0 {
		want := int(float64(n) * float64(HoldTarget) / float64(held))
		p.rows = min(max((p.rows+want)/2, minChunkRows), maxChunkRows)
	}
	if p.yield <= 0 || n == 0 {
		return ctx.Err()
	}
	t := time.NewTimer(p.yield)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (b *build) progress() {
	if b.opt.Progress != nil {
		b.opt.Progress(ImportProgress{Phase: PhaseWrite, Rows: b.done, Total: b.total})
	}
}

// copyCurrent copies the products in use into the staging table, in GTIN
// order. A product keeps its PLU unless the file gives that PLU to another
// product (the file wins, and the unique index of PLUs must hold at every
// step).
func (b *build) copyCurrent(ctx context.Context) error {
	cols, err := b.columns(ctx)
	if err != nil {
		return err
	}
	sel := make([]string, len(cols))
	for i, col := range cols {
		sel[i] = "p." + quoteIdent(col)
		if col == "plu" {
			sel[i] = `CASE WHEN EXISTS (SELECT 1 FROM scratch.rows r WHERE r.plu = p.plu AND r.gtin <> p.gtin) THEN NULL ELSE p.plu END`
		}
		cols[i] = quoteIdent(col)
	}
	copySQL := `INSERT INTO main.` + stagingTable + ` (` + strings.Join(cols, ", ") + `) SELECT ` + strings.Join(sel, ", ") +
		` FROM main.products p WHERE p.gtin > ? ORDER BY p.gtin LIMIT ?`
	after := ""
	for {
		n, err := b.chunk(ctx, func(tx *sql.Tx, limit int) (int, error) {
			r, err := tx.ExecContext(ctx, copySQL, after, limit)
			if err != nil {
				return 0, err
			}
			n, err := r.RowsAffected()
			if err != nil || n == 0 {
				return 0, err
			}
			return int(n), tx.QueryRowContext(ctx, `SELECT max(gtin) FROM main.`+stagingTable).Scan(&after)
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		b.done += n
		b.progress()
	}
}

// columns lists the columns of products in table order.
func (b *build) columns(ctx context.Context) ([]string, error) {
	rows, err := b.c.db.R.QueryContext(ctx, `SELECT name FROM pragma_table_info('products') ORDER BY cid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// applyFile writes the file's rows into the staging table in GTIN order:
// inserted into an empty table when replacing, upserted over the copied
// products otherwise.
func (b *build) applyFile(ctx context.Context) error {
	ins := `INSERT INTO main.` + stagingTable + ` (` + fileColumns + `) SELECT ` + fileColumns +
		` FROM scratch.rows WHERE gtin > ? AND gtin <= ? ORDER BY gtin`
	if !b.opt.Replace {
		var set []string
		for _, col := range strings.Split(fileColumns, ", ") {
			if col != "gtin" {
				set = append(set, col+" = excluded."+col)
			}
		}
		ins += ` ON CONFLICT (gtin) DO UPDATE SET ` + strings.Join(set, ", ")
	}
	after := ""
	for {
		var last string
		var matched int
		n, err := b.chunk(ctx, func(tx *sql.Tx, limit int) (int, error) {
			var n int
			err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(max(gtin), '') FROM
				(SELECT gtin FROM scratch.rows WHERE gtin > ? ORDER BY gtin LIMIT ?)`, after, limit).Scan(&n, &last)
			if err != nil || n == 0 {
				return 0, err
			}
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM main.products
				WHERE gtin IN (SELECT gtin FROM scratch.rows WHERE gtin > ? AND gtin <= ?)`, after, last).Scan(&matched); err != nil {
				return 0, err
			}
			_, err = tx.ExecContext(ctx, ins, after, last)
			return n, err
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		after = last
		b.matched += matched
		b.done += n
		b.progress()
	}
}

// switchOver puts the staging table in place of products and records the
// version, in one transaction.
func (b *build) switchOver(ctx context.Context, v *Version) error {
	v.Version = b.version
	v.Products = b.rows
	if !b.opt.Replace {
		v.Products = b.oldCount + b.rows - b.matched
	}
	err := b.c.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, s := range []string{
			`ALTER TABLE products RENAME TO ` + oldTable,
			`ALTER TABLE ` + stagingTable + ` RENAME TO products`,
		} {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO catalog_versions (version, imported_at, rows, products, mode, source, sha256)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, v.Version, store.Stamp(v.ImportedAt), v.Rows, v.Products, v.Mode, v.Source, v.SHA256)
		return err
	})
	if err != nil {
		return fmt.Errorf("catalog: import: switching to the new catalog: %w", err)
	}
	return nil
}

// dropTable removes a staging table in short transactions: its indexes, its
// rows a chunk at a time, then the empty table. DROP TABLE alone would free
// every page of a million-row table in one transaction.
func (c *DB) dropTable(ctx context.Context, table string, pace *pacer) error {
	var n int
	if err := c.db.R.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n == 0 {
		return err
	}
	rows, err := c.db.R.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, table)
	if err != nil {
		return err
	}
	var indexes []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		indexes = append(indexes, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := c.db.W.ExecContext(ctx, `DROP INDEX IF EXISTS `+quoteIdent(ix)); err != nil {
			return err
		}
	}
	del := `DELETE FROM ` + table + ` WHERE gtin IN (SELECT gtin FROM ` + table + ` ORDER BY gtin LIMIT ?)`
	for {
		t0 := time.Now()
		r, err := c.db.W.ExecContext(ctx, del, pace.rows)
		if err != nil {
			return err
		}
		n, _ := r.RowsAffected()
		if n == 0 {
			break
		}
		if err := pace.done(ctx, int(n), time.Since(t0)); err != nil {
			return err
		}
	}
	_, err = c.db.W.ExecContext(ctx, `DROP TABLE IF EXISTS `+table)
	return err
}
