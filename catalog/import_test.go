package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/store"
)

func openTestStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// gtinN returns the n-th made-up EAN-13 "40…": GTINs in the order of n.
func gtinN(n int) string {
	payload := fmt.Sprintf("40%010d", n)
	c, _ := CheckDigit(payload)
	return payload + string(c)
}

// catalogCSV renders products n in [from, to) at price cents each, with the
// given header.
func catalogCSV(from, to int, cents int) string {
	var b strings.Builder
	b.WriteString(testHeader + "\n")
	for n := from; n < to; n++ {
		fmt.Fprintf(&b, "%s,,Product %d,,,%d.%02d,each,standard,0,,,pantry,\n", gtinN(n), n, cents/100, cents%100)
	}
	return b.String()
}

// fast imports without pauses: these tests have no other writer to let in.
func fast(opt ImportOptions) ImportOptions {
	opt.Yield = -1
	return opt
}

func mustImport(t *testing.T, c *DB, data string, opt ImportOptions) ImportResult {
	t.Helper()
	res, err := c.Import(context.Background(), strings.NewReader(data), fast(opt))
	if err != nil {
		t.Fatalf("import: %v (%v)", err, res.Errors)
	}
	return res
}

// tables lists the tables of the database, to see that an import leaves no
// staging table behind.
func tables(t *testing.T, db *store.DB) string {
	t.Helper()
	s, err := tableNames(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tableNames(db *store.DB) (string, error) {
	rows, err := db.R.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	return strings.Join(names, ","), rows.Err()
}

// wantTables are the tables of a freshly migrated database: what an import
// must leave (no staging table), whatever tables later migrations add.
var wantTables = func() string {
	dir, err := os.MkdirTemp("", "kiosk-tables-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(context.Background(), filepath.Join(dir, "kiosk.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	s, err := tableNames(db)
	if err != nil {
		panic(err)
	}
	return s
}()

// TestWantTables: the list the import tests compare with is the schema's,
// staging tables not among them.
func TestWantTables(t *testing.T) {
	if !strings.Contains(","+wantTables+",", ",products,") || strings.Contains(wantTables, "_next") {
		t.Fatalf("tables of a fresh database: %s", wantTables)
	}
}

func TestImportRecordsVersions(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t)
	c := NewDB(db)
	if v, err := c.Version(ctx); err != nil || v.Version != 0 {
		t.Fatalf("empty catalog: version %+v, %v", v, err)
	}
	at := time.Date(2026, 3, 1, 23, 30, 0, 5, time.FixedZone("CET", 3600))
	data := catalogCSV(0, 10, 199)
	res := mustImport(t, c, data, ImportOptions{Source: "week-10.csv", Now: func() time.Time { return at }})
	sum := sha256.Sum256([]byte(data))
	want := Version{Version: 1, ImportedAt: at.UTC(), Rows: 10, Products: 10, Mode: "add", Source: "week-10.csv", SHA256: hex.EncodeToString(sum[:])}
	if res.Version != want {
		t.Errorf("result version %+v, want %+v", res.Version, want)
	}
	got, err := c.Version(ctx)
	if err != nil || got != want {
		t.Errorf("Version() = %+v, %v; want %+v", got, err, want)
	}
	var stored string
	db.R.QueryRow(`SELECT imported_at FROM catalog_versions`).Scan(&stored)
	if stored != "2026-03-01T22:30:00.000000005Z" {
		t.Errorf("imported_at stored as %q, want UTC at a fixed width", stored)
	}

	// A second import adds 5 products and updates 5: version 2, 15 products.
	res = mustImport(t, c, catalogCSV(5, 15, 299), ImportOptions{})
	if res.Version.Version != 2 || res.Version.Products != 15 || res.Version.Rows != 10 || res.Version.Source != "-" {
		t.Errorf("second import: %+v", res.Version)
	}
	// A replacing import keeps only its rows.
	res = mustImport(t, c, catalogCSV(12, 14, 399), ImportOptions{Replace: true})
	if res.Version.Version != 3 || res.Version.Products != 2 || res.Version.Mode != "replace" || res.Deleted != 13 {
		t.Errorf("replacing import: %+v, deleted %d", res.Version, res.Deleted)
	}
	if n, _ := c.Count(ctx); n != 2 {
		t.Errorf("%d products after replacing with 2", n)
	}
	if got := tables(t, db); got != wantTables {
		t.Errorf("tables after imports: %s", got)
	}
	if ok, err := db.IntegrityCheck(ctx); ok != "ok" || err != nil {
		t.Errorf("integrity: %s %v", ok, err)
	}
}

// TestImportUpsertsAndMovesPLUs checks the add-and-update import against the
// products in use: other products stay, the file's rows win, and a PLU the
// file gives to another product moves there.
func TestImportUpsertsAndMovesPLUs(t *testing.T) {
	ctx := context.Background()
	c := NewDB(openTestStore(t))
	mustImport(t, c, testHeader+"\n"+
		rowCSV(map[string]string{"gtin": gtinN(1), "plu": "4011", "name_en": "Bananas", "sold_by": "weight", "weight_g": ""})+"\n"+
		rowCSV(map[string]string{"gtin": gtinN(2), "plu": "4012", "name_en": "Oranges", "sold_by": "weight", "weight_g": ""})+"\n"+
		rowCSV(map[string]string{"gtin": gtinN(3), "name_en": "Milk", "price": "1.19"})+"\n", ImportOptions{})
	// 4011 moves from 1 to 9; 1 takes 4012 from 2 — but 2 is not in the
	// file, which would strip its PLU without a word: refused.
	moves := testHeader + "\n" +
		rowCSV(map[string]string{"gtin": gtinN(9), "plu": "4011", "name_en": "Organic bananas", "sold_by": "weight", "weight_g": ""}) + "\n" +
		rowCSV(map[string]string{"gtin": gtinN(1), "plu": "4012", "name_en": "Bananas", "sold_by": "weight", "weight_g": "", "price": "1.29"}) + "\n"
	res, err := c.Import(ctx, strings.NewReader(moves), ImportOptions{Rates: DefaultVATRates()})
	if !errors.Is(err, ErrInvalidRows) || len(res.Errors) != 1 || res.Errors[0].Value != "4012" || !strings.Contains(res.Errors[0].Reason, "Oranges") {
		t.Fatalf("PLU taken from a product the file does not mention: %v %+v", err, res.Errors)
	}
	// The file says what 2 gets (no PLU), and 3 is not in it.
	mustImport(t, c, moves+rowCSV(map[string]string{"gtin": gtinN(2), "name_en": "Oranges", "sold_by": "weight", "weight_g": ""})+"\n", ImportOptions{})
	for _, tc := range []struct{ gtin, plu, price string }{
		{gtinN(1), "4012", "1.29"}, {gtinN(2), "", "1.19"}, {gtinN(3), "", "1.19"}, {gtinN(9), "4011", "1.19"},
	} {
		p, err := c.ByGTIN(ctx, "0"+tc.gtin)
		if err != nil || p.PLU != tc.plu || p.Price.StringFixed(2) != tc.price {
			t.Errorf("%s: %+v, %v; want PLU %q, price %s", tc.gtin, p, err, tc.plu, tc.price)
		}
	}
	if p, err := c.ByPLU(ctx, "4011"); err != nil || p.GTIN != "0"+gtinN(9) {
		t.Errorf("PLU 4011: %v %v", p, err)
	}
}

// TestImportRefusalsChangeNothing: a bad file, a replacing import without
// rows and files over the limits are refused, and the catalog, its version
// and the tables stay as they were.
func TestImportRefusalsChangeNothing(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t)
	c := NewDB(db)
	mustImport(t, c, catalogCSV(0, 5, 100), ImportOptions{})
	long := testHeader + "\n" + rowCSV(map[string]string{"name_en": `"` + strings.Repeat("x", MaxRecordBytes)}) + "\n"
	for _, tc := range []struct {
		name string
		data string
		opt  ImportOptions
		want error
	}{
		{"bad row", catalogCSV(10, 20, 100) + "4000000000020,,x,,,1.00,kg,standard,0,,,x,\n", ImportOptions{}, ErrInvalidRows},
		{"bad row replacing", catalogCSV(10, 20, 100) + "4000000000020,,x,,,1.00,kg,standard,0,,,x,\n", ImportOptions{Replace: true}, ErrInvalidRows},
		{"replace with header only", testHeader + "\n", ImportOptions{Replace: true}, ErrEmptyReplace},
		{"replace with empty file", "", ImportOptions{Replace: true}, ErrCSVHeader},
		{"bad header", "gtin,name\n", ImportOptions{}, ErrCSVHeader},
		{"too many bytes", catalogCSV(10, 20, 100), ImportOptions{MaxBytes: 500}, ErrFileTooLarge},
		{"too many rows", catalogCSV(10, 20, 100), ImportOptions{MaxRows: 9}, ErrTooManyRows},
		{"record too long", long, ImportOptions{}, ErrRecordTooLong},
		{"source with a newline", catalogCSV(10, 20, 100), ImportOptions{Source: "a\nb"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.Import(ctx, strings.NewReader(tc.data), fast(tc.opt))
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if res.Imported {
				t.Error("Imported is true")
			}
			if n, _ := c.Count(ctx); n != 5 {
				t.Errorf("%d products, want the 5 from before", n)
			}
			if v, _ := c.Version(ctx); v.Version != 1 {
				t.Errorf("version %d, want 1", v.Version)
			}
			if got := tables(t, db); got != wantTables {
				t.Errorf("tables: %s", got)
			}
			if _, err := os.Stat(db.Path + "-import"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("scratch file left behind: %v", err)
			}
		})
	}
	t.Run("exactly the limits", func(t *testing.T) {
		data := catalogCSV(10, 20, 100)
		res, err := c.Import(ctx, strings.NewReader(data), fast(ImportOptions{MaxBytes: int64(len(data)), MaxRows: 10}))
		if err != nil || res.Rows != 10 {
			t.Fatalf("%v, %d rows", err, res.Rows)
		}
	})
	t.Run("header only, adding", func(t *testing.T) {
		before, _ := c.Version(ctx)
		res, err := c.Import(ctx, strings.NewReader(testHeader+"\n"), fast(ImportOptions{}))
		if err != nil || !res.Imported || res.Version != before {
			t.Fatalf("%v, %+v; want nothing done, version %d", err, res, before.Version)
		}
	})
}

// TestImportValidatesWithoutTheWriteLock holds the database's one writer
// connection in a transaction (a lane committing) while a bad file is
// imported: the refusal must come without waiting for the writer.
func TestImportValidatesWithoutTheWriteLock(t *testing.T) {
	db := openTestStore(t)
	c := NewDB(db)
	tx, err := db.W.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bad := catalogCSV(0, 1000, 100) + "4000000000020,,x,,,1.00,kg,standard,0,,,x,\n"
	res, err := c.Import(ctx, strings.NewReader(bad), fast(ImportOptions{}))
	if !errors.Is(err, ErrInvalidRows) || res.Rows != 1000 || res.Bad != 1 {
		t.Fatalf("err = %v, %d rows, %d bad; want ErrInvalidRows without waiting for the writer", err, res.Rows, res.Bad)
	}
}

// TestImportLetsTheLaneWriteBetweenChunks writes on the shared writer
// connection from Progress, which runs between two write transactions of
// the import: each write must get the connection at once.
func TestImportLetsTheLaneWriteBetweenChunks(t *testing.T) {
	db := openTestStore(t)
	c := NewDB(db)
	mustImport(t, c, catalogCSV(0, 300, 100), ImportOptions{})
	writes := 0
	var werr error
	opt := ImportOptions{ChunkRows: 50, Progress: func(p ImportProgress) {
		if p.Phase != PhaseWrite || werr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		werr = db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO idempotency (lane_id, key, at, request, response) VALUES ('l', ?, 't', 'r', '{}')`, fmt.Sprint(writes))
			return err
		})
		writes++
	}}
	mustImport(t, c, catalogCSV(200, 500, 200), opt)
	if werr != nil {
		t.Fatalf("write %d between chunks: %v", writes, werr)
	}
	// 300 current rows copied and 300 file rows applied, 50 at a time.
	if writes != 12 {
		t.Errorf("%d writes between chunks, want 12", writes)
	}
}

// TestImportSwitchesAtOnce reads the catalog over and over while a replacing
// import changes every price: each read sees all old prices or all new ones.
func TestImportSwitchesAtOnce(t *testing.T) {
	const n = 3000
	db := openTestStore(t)
	c := NewDB(db)
	mustImport(t, c, catalogCSV(0, n, 100), ImportOptions{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var seen sync.Map
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			var count, lo, hi int
			if err := db.R.QueryRow(`SELECT count(*), min(price_minor), max(price_minor) FROM products`).Scan(&count, &lo, &hi); err != nil {
				readErr = err
				return
			}
			seen.Store(fmt.Sprint(count, lo, hi), true)
		}
	}()
	mustImport(t, c, catalogCSV(0, n, 200), ImportOptions{Replace: true, ChunkRows: 100})
	close(stop)
	wg.Wait()
	if readErr != nil {
		t.Fatal(readErr)
	}
	seen.Range(func(k, _ any) bool {
		if k != fmt.Sprint(n, 100, 100) && k != fmt.Sprint(n, 200, 200) {
			t.Errorf("a reader saw count, min, max price = %s: half a catalog", k)
		}
		return true
	})
}

// TestImportOneAtATime starts a second import while the first is validating.
func TestImportOneAtATime(t *testing.T) {
	db := openTestStore(t)
	c := NewDB(db)
	other := NewDB(db)
	inside := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	once := sync.Once{}
	go func() {
		_, err := c.Import(context.Background(), strings.NewReader(catalogCSV(0, 10, 100)), fast(ImportOptions{Progress: func(ImportProgress) {
			once.Do(func() {
				close(inside)
				<-release
			})
		}}))
		done <- err
	}()
	<-inside
	_, err := other.Import(context.Background(), strings.NewReader(catalogCSV(0, 10, 100)), fast(ImportOptions{}))
	if !errors.Is(err, ErrImportBusy) {
		t.Errorf("second import: %v, want ErrImportBusy", err)
	}
	// A store opened on the same file elsewhere (another process) too.
	db2, err := store.Open(context.Background(), db.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if _, err := NewDB(db2).Import(context.Background(), strings.NewReader(catalogCSV(0, 10, 100)), fast(ImportOptions{})); !errors.Is(err, ErrImportBusy) {
		t.Errorf("import through a second store: %v, want ErrImportBusy", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Once the first is done, the next may run.
	mustImport(t, other, catalogCSV(0, 10, 100), ImportOptions{})
}

// TestImportInterruptedKeepsTheCatalog cancels an import halfway through
// writing, and leaves the tables a crashed import would leave: the old
// catalog stays in use, and the next import (or CleanupImport) clears up.
func TestImportInterruptedKeepsTheCatalog(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t)
	c := NewDB(db)
	mustImport(t, c, catalogCSV(0, 500, 100), ImportOptions{})

	cctx, cancel := context.WithCancel(ctx)
	chunks := 0
	_, err := c.Import(cctx, strings.NewReader(catalogCSV(0, 500, 200)), fast(ImportOptions{Replace: true, ChunkRows: 100, Progress: func(p ImportProgress) {
		if p.Phase == PhaseWrite {
			if chunks++; chunks == 2 {
				cancel()
			}
		}
	}}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled import: %v", err)
	}
	checkPrices := func(cents int64) {
		t.Helper()
		var count, lo, hi int64
		db.R.QueryRow(`SELECT count(*), min(price_minor), max(price_minor) FROM products`).Scan(&count, &lo, &hi)
		if count != 500 || lo != cents || hi != cents {
			t.Fatalf("catalog: %d products at %d..%d, want 500 at %d", count, lo, hi, cents)
		}
	}
	checkPrices(100)
	if got := tables(t, db); got != wantTables {
		t.Errorf("tables after a cancelled import: %s", got)
	}

	// What a crash leaves: a half-built staging table and a replaced table
	// that was not deleted yet, with their indexes.
	crashLeftovers := func() {
		t.Helper()
		for _, s := range []string{
			`CREATE TABLE products_next AS SELECT * FROM products WHERE price_minor > 0`,
			`CREATE UNIQUE INDEX products_plu__v9 ON products_next (plu) WHERE plu IS NOT NULL`,
			`CREATE TABLE products_old (gtin TEXT PRIMARY KEY) WITHOUT ROWID`,
			`INSERT INTO products_old SELECT gtin FROM products`,
		} {
			if _, err := db.W.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(db.Path+"-import", []byte("left over"), 0o600)
	}
	crashLeftovers()
	if err := c.CleanupImport(ctx); err != nil {
		t.Fatal(err)
	}
	if got := tables(t, db); got != wantTables {
		t.Errorf("tables after CleanupImport: %s", got)
	}
	if _, err := os.Stat(db.Path + "-import"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("scratch file left: %v", err)
	}
	crashLeftovers()
	res := mustImport(t, c, catalogCSV(0, 500, 300), ImportOptions{Replace: true})
	checkPrices(300)
	if res.Version.Version != 2 {
		t.Errorf("version %d after a cancelled import, want 2", res.Version.Version)
	}
	if got := tables(t, db); got != wantTables {
		t.Errorf("tables after the next import: %s", got)
	}
	if ok, err := db.IntegrityCheck(ctx); ok != "ok" || err != nil {
		t.Errorf("integrity: %s %v", ok, err)
	}
}

// TestImportKeepsSchema imports three times and checks that products keeps
// its columns, checks and indexes, and that lookups prepared before an
// import work after it.
func TestImportKeepsSchema(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t)
	c := NewDB(db)
	schema := func() string {
		rows, err := db.R.Query(`SELECT name, type, "notnull", coalesce(dflt_value, ''), pk FROM pragma_table_info('products') ORDER BY cid`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var name, typ, dflt string
			var nn, pk int
			rows.Scan(&name, &typ, &nn, &dflt, &pk)
			fmt.Fprintf(&b, "%s %s %d %s %d; ", name, typ, nn, dflt, pk)
		}
		var idx []string
		ir, _ := db.R.Query(`SELECT name, "unique", partial FROM pragma_index_list('products') WHERE origin = 'c' ORDER BY name`)
		for ir.Next() {
			var name string
			var u, p int
			ir.Scan(&name, &u, &p)
			if i := strings.Index(name, "__v"); i >= 0 {
				name = name[:i]
			}
			idx = append(idx, fmt.Sprintf("%s %d %d", name, u, p))
		}
		ir.Close()
		return b.String() + strings.Join(idx, ",")
	}
	before := schema()
	if !strings.Contains(before, "variable_measure INTEGER 1 0 0") || !strings.Contains(before, "products_plu 1 1") || !strings.Contains(before, "products_produce 0 1") {
		t.Fatalf("unexpected schema: %s", before)
	}
	if _, err := c.ByGTIN(ctx, "0"+gtinN(1)); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	for i := range 3 {
		mustImport(t, c, catalogCSV(0, 20, 100+i), ImportOptions{Replace: i == 2})
		if got := schema(); got != before {
			t.Fatalf("import %d changed the schema:\n%s\nwant\n%s", i+1, got, before)
		}
		p, err := c.ByGTIN(ctx, "0"+gtinN(1))
		if err != nil || p.Price.Shift(2).IntPart() != int64(100+i) {
			t.Fatalf("lookup after import %d: %+v, %v", i+1, p, err)
		}
	}
	// The checks came along: variable_measure takes 0 and 1 only.
	if _, err := db.W.Exec(`UPDATE products SET variable_measure = 2`); err == nil {
		t.Error("variable_measure = 2 accepted after imports")
	}
}

// TestLookupAfterCancelledFirstRequest: the first lookup ever comes with a
// context that is already cancelled; later lookups must work.
func TestLookupAfterCancelledFirstRequest(t *testing.T) {
	c := NewDB(openTestStore(t))
	mustImport(t, c, catalogCSV(0, 3, 100), ImportOptions{})
	for _, first := range []string{"ByGTIN", "ByPLU"} {
		t.Run(first, func(t *testing.T) {
			c := NewDB(c.db) // nothing prepared yet
			cancelled, cancel := context.WithCancel(context.Background())
			cancel()
			if first == "ByGTIN" {
				c.ByGTIN(cancelled, "0"+gtinN(1))
			} else {
				c.ByPLU(cancelled, "4011")
			}
			p, err := c.ByGTIN(context.Background(), "0"+gtinN(1))
			if err != nil || p.Names.EN != "Product 1" {
				t.Fatalf("lookup after a cancelled first one: %+v, %v", p, err)
			}
			if _, err := c.ByPLU(context.Background(), "4011"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("PLU lookup after a cancelled first one: %v", err)
			}
		})
	}
}

// TestProduceBeyondManyProducts puts the produce after 25,000 packaged
// products in GTIN order and asks for the list.
func TestProduceBeyondManyProducts(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t)
	c := NewDB(db)
	var b bytes.Buffer
	b.WriteString(catalogCSV(0, 25000, 100))
	for i, plu := range []string{"4011", "94011", "4131", "10000"} {
		fmt.Fprintf(&b, "%s,%s,Produce %s,,,1.99,weight,reduced,0,,,produce,\n", gtinN(90000+i), plu, plu)
	}
	// A PLU on a piece item is no produce.
	fmt.Fprintf(&b, "%s,4999,Gift card,,,5.00,each,standard,0,,,,\n", gtinN(99999))
	mustImport(t, c, b.String(), ImportOptions{})
	ps, err := c.Produce(ctx, 500)
	if err != nil {
		t.Fatal(err)
	}
	var plus []string
	for _, p := range ps {
		plus = append(plus, p.PLU)
	}
	if got := strings.Join(plus, ","); got != "10000,4011,4131,94011" {
		t.Errorf("produce PLUs %s, want 10000,4011,4131,94011", got)
	}
	if ps, _ := c.Produce(ctx, 2); len(ps) != 2 {
		t.Errorf("limit 2: %d items", len(ps))
	}
	// The list comes from the index, not from a walk of the catalog.
	var plan []string
	rows, err := db.R.QueryContext(ctx, `EXPLAIN QUERY PLAN `+produceSQL, 500)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, parent, unused int
		var detail string
		rows.Scan(&id, &parent, &unused, &detail)
		plan = append(plan, detail)
	}
	rows.Close()
	if p := strings.Join(plan, "; "); !strings.Contains(p, "USING INDEX products_produce") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("query plan %q: want the products_produce index, no sort", p)
	}
}
