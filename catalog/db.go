package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/store"
)

// ErrNotFound reports a code or PLU that is not in the catalog.
var ErrNotFound = errors.New("catalog: not found")

// DB is the catalog kept in the kiosk's SQLite file.
type DB struct {
	db *store.DB

	prep          sync.Once
	prepErr       error
	byGTIN, byPLU *sql.Stmt // prepared once on the read pool: lookups are on the scan path
}

// NewDB returns the catalog stored in db.
func NewDB(db *store.DB) *DB { return &DB{db: db} }

func (c *DB) prepared(ctx context.Context) error {
	c.prep.Do(func() {
		if c.byGTIN, c.prepErr = c.db.R.PrepareContext(ctx, `SELECT `+productColumns+` FROM products WHERE gtin = ?`); c.prepErr != nil {
			return
		}
		c.byPLU, c.prepErr = c.db.R.PrepareContext(ctx, `SELECT `+productColumns+` FROM products WHERE plu = ?`)
	})
	return c.prepErr
}

const productColumns = `gtin, plu, name_en, name_de, name_es, price_minor, sold_by, vat_class, min_age, weight_g, tolerance_g, category`

type scanner interface{ Scan(dest ...any) error }

func scanProduct(row scanner) (Product, error) {
	var p Product
	var plu sql.NullString
	var price int64
	var soldBy string
	err := row.Scan(&p.GTIN, &plu, &p.Names.EN, &p.Names.DE, &p.Names.ES, &price, &soldBy, &p.VATClass, &p.MinAge, &p.WeightG, &p.ToleranceG, &p.Category)
	p.PLU = plu.String
	p.Price = decimal.New(price, -2)
	p.SoldBy = SoldBy(soldBy)
	return p, err
}

// ByGTIN returns the product with the given GTIN-14.
func (c *DB) ByGTIN(ctx context.Context, gtin14 string) (Product, error) {
	if err := c.prepared(ctx); err != nil {
		return Product{}, err
	}
	p, err := scanProduct(c.byGTIN.QueryRowContext(ctx, gtin14))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("%w: GTIN %s", ErrNotFound, gtin14)
	}
	return p, err
}

// ByPLU returns the product with the given price look-up code.
func (c *DB) ByPLU(ctx context.Context, plu string) (Product, error) {
	if err := c.prepared(ctx); err != nil {
		return Product{}, err
	}
	p, err := scanProduct(c.byPLU.QueryRowContext(ctx, plu))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("%w: PLU %s", ErrNotFound, plu)
	}
	return p, err
}

// Count returns the number of products.
func (c *DB) Count(ctx context.Context) (int, error) {
	var n int
	err := c.db.R.QueryRowContext(ctx, `SELECT count(*) FROM products`).Scan(&n)
	return n, err
}

// List returns up to limit products in GTIN order, starting after the GTIN after
// (cursor pagination; "" starts at the beginning). category filters when set.
func (c *DB) List(ctx context.Context, after, category string, limit int) ([]Product, error) {
	q := `SELECT ` + productColumns + ` FROM products WHERE gtin > ?`
	args := []any{after}
	if category != "" {
		q += ` AND category = ?`
		args = append(args, category)
	}
	q += ` ORDER BY gtin LIMIT ?`
	args = append(args, limit)
	rows, err := c.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Export writes the whole catalog as CSV in the import format.
func (c *DB) Export(ctx context.Context, w io.Writer) error {
	rows, err := c.db.R.QueryContext(ctx, `SELECT `+productColumns+` FROM products ORDER BY gtin`)
	if err != nil {
		return err
	}
	defer rows.Close()
	err = WriteCSV(w, func() (Product, bool, error) {
		if !rows.Next() {
			return Product{}, false, rows.Err()
		}
		p, err := scanProduct(rows)
		return p, err == nil, err
	})
	if err != nil {
		return fmt.Errorf("catalog: export: %w", err)
	}
	return nil
}

// ImportOptions tune Import.
type ImportOptions struct {
	Rates VATRates
	// Replace deletes products that are not in the file; otherwise rows are upserted.
	Replace bool
	// Progress, when set, is called now and then with the bytes read so far.
	Progress func(bytesRead int64)
}

// ImportResult says what an import did.
type ImportResult struct {
	Rows     int
	Bad      int
	Deleted  int64
	Errors   []RowError
	Imported bool
}

// ImportCacheKiB is the SQLite page cache an import may use (256 MiB): enough to
// hold the B-trees of a 1,000,000-product catalog.
const ImportCacheKiB = 256 << 10

// ErrInvalidRows reports an import refused because of bad rows; nothing changed.
var ErrInvalidRows = errors.New("catalog: import refused: the file has invalid rows")

const upsertSQL = `INSERT INTO products (` + productColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (gtin) DO UPDATE SET plu = excluded.plu, name_en = excluded.name_en, name_de = excluded.name_de,
	name_es = excluded.name_es, price_minor = excluded.price_minor, sold_by = excluded.sold_by,
	vat_class = excluded.vat_class, min_age = excluded.min_age, weight_g = excluded.weight_g,
	tolerance_g = excluded.tolerance_g, category = excluded.category`

// Import validates every row of a catalog CSV and, only when all are valid, writes
// them in one transaction: all or nothing. Bad rows come back in the result with
// ErrInvalidRows.
func (c *DB) Import(ctx context.Context, r io.Reader, opt ImportOptions) (ImportResult, error) {
	var res ImportResult
	if opt.Rates == nil {
		opt.Rates = DefaultVATRates()
	}
	// Rows arrive in file order, not key order: a big page cache keeps the
	// random B-tree inserts in memory until the commit. The writer is one
	// connection, so the setting is ours until we put it back.
	if _, err := c.db.W.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, -ImportCacheKiB)); err != nil {
		return res, err
	}
	defer c.db.W.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -2000`)
	err := c.db.Tx(ctx, func(tx *sql.Tx) error {
		if opt.Replace {
			if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS import_seen (gtin TEXT PRIMARY KEY) WITHOUT ROWID; DELETE FROM import_seen`); err != nil {
				return err
			}
		}
		ins, err := tx.PrepareContext(ctx, upsertSQL)
		if err != nil {
			return err
		}
		defer ins.Close()
		// A PLU that moves to another GTIN would collide with the unique index:
		// take it off its old product first (the file itself has no duplicates).
		movePLU, err := tx.PrepareContext(ctx, `UPDATE products SET plu = NULL WHERE plu = ? AND gtin <> ?`)
		if err != nil {
			return err
		}
		defer movePLU.Close()
		var seen *sql.Stmt
		if opt.Replace {
			if seen, err = tx.PrepareContext(ctx, `INSERT INTO import_seen VALUES (?)`); err != nil {
				return err
			}
			defer seen.Close()
		}
		failed := false
		cr := &countingReader{r: r, progress: opt.Progress}
		stats, rowErrs, err := ReadCSV(cr, opt.Rates, func(line int, p Product) error {
			if failed {
				return nil // keep validating, stop writing
			}
			if p.PLU != "" {
				if _, err := movePLU.ExecContext(ctx, p.PLU, p.GTIN); err != nil {
					return fmt.Errorf("line %d: %w", line, err)
				}
			}
			if _, err := ins.ExecContext(ctx, productArgs(p)...); err != nil {
				return fmt.Errorf("line %d: %w", line, err)
			}
			if seen != nil {
				if _, err := seen.ExecContext(ctx, p.GTIN); err != nil {
					return fmt.Errorf("line %d: %w", line, err)
				}
			}
			return nil
		})
		res.Rows, res.Bad, res.Errors = stats.Rows, stats.Bad, rowErrs
		if err != nil {
			return fmt.Errorf("catalog: import: %w", err)
		}
		if stats.Bad > 0 || len(rowErrs) > 0 {
			return ErrInvalidRows
		}
		if opt.Replace {
			r, err := tx.ExecContext(ctx, `DELETE FROM products WHERE gtin NOT IN (SELECT gtin FROM import_seen)`)
			if err != nil {
				return err
			}
			res.Deleted, _ = r.RowsAffected()
			if _, err := tx.ExecContext(ctx, `DELETE FROM import_seen`); err != nil {
				return err
			}
		}
		return nil
	})
	res.Imported = err == nil
	return res, err
}

func productArgs(p Product) []any {
	var plu any
	if p.PLU != "" {
		plu = p.PLU
	}
	return []any{p.GTIN, plu, p.Names.EN, p.Names.DE, p.Names.ES, p.Price.Shift(2).IntPart(), string(p.SoldBy),
		p.VATClass, p.MinAge, p.WeightG, p.ToleranceG, p.Category}
}

// EnsureDemo imports the embedded demo catalog when the catalog is empty and
// reports whether it did.
func (c *DB) EnsureDemo(ctx context.Context, rates VATRates) (bool, error) {
	n, err := c.Count(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	res, err := c.Import(ctx, strings.NewReader(string(DemoCSV())), ImportOptions{Rates: rates})
	if err != nil {
		return false, fmt.Errorf("catalog: demo import: %w (%d bad rows)", err, res.Bad)
	}
	return true, nil
}

type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (cr *countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	cr.n += int64(n)
	if cr.progress != nil && n > 0 {
		cr.progress(cr.n)
	}
	return n, err
}
