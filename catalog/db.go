package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/store"
)

// ErrNotFound reports a code or PLU that is not in the catalog.
var ErrNotFound = errors.New("catalog: not found")

// DB is the catalog kept in the kiosk's SQLite file.
type DB struct {
	db *store.DB

	mu    sync.Mutex              // serializes preparing
	stmts atomic.Pointer[lookups] // prepared once on the read pool: lookups are on the scan path
}

type lookups struct{ byGTIN, byPLU *sql.Stmt }

// NewDB returns the catalog stored in db.
func NewDB(db *store.DB) *DB { return &DB{db: db} }

// prepareTimeout bounds the preparation of the lookup statements.
const prepareTimeout = 10 * time.Second

// prepared returns the lookup statements, preparing them on first use. They
// are prepared with a context of their own, not the caller's: they outlive
// the request that happens to come first, and a first request that was
// already cancelled must not break every later lookup. A failed preparation
// is tried again by the next lookup.
func (c *DB) prepared() (byGTIN, byPLU *sql.Stmt, err error) {
	if l := c.stmts.Load(); l != nil {
		return l.byGTIN, l.byPLU, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if l := c.stmts.Load(); l != nil {
		return l.byGTIN, l.byPLU, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), prepareTimeout)
	defer cancel()
	g, err := c.db.R.PrepareContext(ctx, `SELECT `+productColumns+` FROM products WHERE gtin = ?`)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: prepare lookup: %w", err)
	}
	p, err := c.db.R.PrepareContext(ctx, `SELECT `+productColumns+` FROM products WHERE plu = ?`)
	if err != nil {
		g.Close()
		return nil, nil, fmt.Errorf("catalog: prepare lookup: %w", err)
	}
	c.stmts.Store(&lookups{byGTIN: g, byPLU: p})
	return g, p, nil
}

// productColumns are the products columns the catalog reads and writes, in
// the order of scanProduct and productArgs.
const productColumns = `gtin, plu, name_en, name_de, name_es, price_minor, sold_by, vat_class, min_age, weight_g, tolerance_g, category, variable_measure, bagging`

type scanner interface{ Scan(dest ...any) error }

func scanProduct(row scanner) (Product, error) {
	var p Product
	var plu sql.NullString
	var price int64
	var soldBy string
	// Integers scan into int64: database/sql converts an int64 into an int
	// through a string and reflection, on every lookup of the scan path.
	var variable, minAge, weight, tolerance int64
	err := row.Scan(&p.GTIN, &plu, &p.Names.EN, &p.Names.DE, &p.Names.ES, &price, &soldBy, &p.VATClass, &minAge, &weight, &tolerance, &p.Category, &variable, &p.Bagging)
	p.Variable = variable != 0
	p.MinAge, p.WeightG, p.ToleranceG = int(minAge), int(weight), int(tolerance)
	p.PLU = plu.String
	p.Price = decimal.New(price, -2)
	p.SoldBy = SoldBy(soldBy)
	return p, err
}

// ByGTIN returns the product with the given GTIN-14.
func (c *DB) ByGTIN(ctx context.Context, gtin14 string) (Product, error) {
	byGTIN, _, err := c.prepared()
	if err != nil {
		return Product{}, err
	}
	p, err := scanProduct(byGTIN.QueryRowContext(ctx, gtin14))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("%w: GTIN %s", ErrNotFound, gtin14)
	}
	return p, err
}

// ByPLU returns the product with the given price look-up code.
func (c *DB) ByPLU(ctx context.Context, plu string) (Product, error) {
	_, byPLU, err := c.prepared()
	if err != nil {
		return Product{}, err
	}
	p, err := scanProduct(byPLU.QueryRowContext(ctx, plu))
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
	return c.query(ctx, q, args...)
}

// MaxProduceList bounds Produce's limit: more than the standard PLU ranges
// (IFPS 3000–4999 and their organic 9xxxx) and a store's own codes hold.
const MaxProduceList = 10000

// Produce returns up to limit products for the shopper's produce list: sold
// by weight and carrying a PLU, in PLU order (text order: "10000" before
// "4011"). It reads the products_produce index, so its cost does not depend
// on the size of the catalog. limit is capped at MaxProduceList.
func (c *DB) Produce(ctx context.Context, limit int) ([]Product, error) {
	limit = min(max(limit, 0), MaxProduceList)
	return c.query(ctx, produceSQL, limit)
}

// produceSQL matches the WHERE of the partial index products_produce term for
// term, which is what lets SQLite use it.
const produceSQL = `SELECT ` + productColumns + ` FROM products WHERE sold_by = 'weight' AND plu IS NOT NULL ORDER BY plu LIMIT ?`

func (c *DB) query(ctx context.Context, q string, args ...any) ([]Product, error) {
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

func productArgs(p Product) []any {
	var plu any
	if p.PLU != "" {
		plu = p.PLU
	}
	return []any{p.GTIN, plu, p.Names.EN, p.Names.DE, p.Names.ES, p.Price.Shift(2).IntPart(), string(p.SoldBy),
		p.VATClass, p.MinAge, p.WeightG, p.ToleranceG, p.Category, p.Variable, string(p.Bagging)}
}

// EnsureDemo imports the embedded demo catalog when the catalog is empty and
// reports whether it did.
func (c *DB) EnsureDemo(ctx context.Context, rates VATRates) (bool, error) {
	n, err := c.Count(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	res, err := c.Import(ctx, strings.NewReader(string(DemoCSV())), ImportOptions{Rates: rates, Source: "demo.csv"})
	if err != nil {
		if res.Bad > 0 {
			return false, fmt.Errorf("catalog: demo import: %w (%d bad rows)", err, res.Bad)
		}
		return false, fmt.Errorf("catalog: demo import: %w", err)
	}
	return true, nil
}
