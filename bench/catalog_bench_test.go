package bench

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/store"
)

// The catalog benchmarks share one generated catalog of KIOSK_BENCH_ROWS
// products per run: the CSV file, and a database it was imported into. With
// KIOSK_BENCH_CACHE set they are kept there and reused by later `go test`
// processes (`make bench` runs one process per pass, so that each figure is
// measured right beside its baseline rather than minutes apart).

// generatorVersion names the generator's output; change it with the generator
// (2: the variable_measure column).
const generatorVersion = 2

// catalogData is the shared catalog of one run.
type catalogData struct {
	rows    int
	csvPath string
	dbPath  string   // imported with catalog.Import, closed (WAL checkpointed)
	gtins   []string // every GTIN-14, in file order
	plain   []string // EAN-13s of products a plain scan adds: each, no age limit
	err     error
}

var (
	catalogOnce   sync.Once
	sharedCatalog catalogData
)

// sharedData generates (once per run) the catalog CSV and imports it.
func sharedData(b *testing.B) *catalogData {
	b.Helper()
	catalogOnce.Do(func() {
		d := &sharedCatalog
		d.rows = envInt(b, "KIOSK_BENCH_ROWS", 1_000_000)
		d.err = d.prepare()
	})
	if sharedCatalog.err != nil {
		b.Fatal("bench: shared catalog: ", sharedCatalog.err)
	}
	return &sharedCatalog
}

func (d *catalogData) prepare() error {
	dir := filepath.Join(runDir, "catalog")
	cache := os.Getenv("KIOSK_BENCH_CACHE")
	if cache != "" {
		dir = filepath.Join(cache, fmt.Sprintf("catalog-%d-v%d", d.rows, generatorVersion))
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	d.csvPath = filepath.Join(dir, "catalog.csv")
	d.dbPath = filepath.Join(dir, "catalog.db")
	stamp := filepath.Join(dir, "complete")
	if _, err := os.Stat(stamp); err == nil {
		t0 := time.Now()
		if err := d.generate(nil); err != nil { // the GTIN lists only
			return err
		}
		fmt.Printf("bench: catalog of %d products reused from %s (lists rebuilt in %v)\n", d.rows, dir, time.Since(t0).Round(time.Millisecond))
		return nil
	}
	t0 := time.Now()
	f, err := os.Create(d.csvPath)
	if err != nil {
		return err
	}
	err = d.generate(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	st, err := os.Stat(d.csvPath)
	if err != nil {
		return err
	}
	t1 := time.Now()
	os.Remove(d.dbPath)
	if err := d.importShared(); err != nil {
		return err
	}
	fmt.Printf("bench: catalog of %d products in %s: CSV %.0f MB generated in %v, imported in %v\n",
		d.rows, dir, float64(st.Size())/1e6, t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	if cache != "" {
		return os.WriteFile(stamp, nil, 0o640)
	}
	return nil
}

func (d *catalogData) importShared() error {
	ctx := context.Background()
	db, err := store.Open(ctx, d.dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := os.Open(d.csvPath)
	if err != nil {
		return err
	}
	defer f.Close()
	// No lane runs here: no need to pause for one between transactions.
	res, err := catalog.NewDB(db).Import(ctx, f, catalog.ImportOptions{Yield: -1})
	if err != nil {
		return fmt.Errorf("import: %w (%v)", err, res.Errors)
	}
	if res.Rows != d.rows {
		return fmt.Errorf("imported %d rows of %d", res.Rows, d.rows)
	}
	return nil
}

func openFile(b *testing.B, path string) *os.File {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// Word lists for product names: English, German, Spanish.
type words [3]string

type category struct {
	key     string
	vat     string
	items   []words
	sizes   []words
	weighed []words // sold by weight at the counter or loose
}

var brands = []string{"Alpenhof", "Sonnenfeld", "Nordkap", "Casa Verde", "Hofgut", "Bella Terra", "Gut & Gerne",
	"Mar Azul", "Waldquelle", "El Molino", "Kornkammer", "Rheintal", "La Huerta", "Bergbauer", "Ostseeperle",
	"Vista Alegre", "Landliebe Hof", "Sierra Norte", "Goldähre", "Fjordfisk", "Bäckerstolz", "Olivar", "Milchwerk",
	"Tierra Sol", "Frischeglück", "Crujiente", "Küstenkind", "Valle Real", "Brotzeit", "Don Simón"}

var qualifiers = []words{{"", "", ""}, {"Organic", "Bio", "Ecológico"}, {"Fresh", "Frische", "Fresco"},
	{"Classic", "Klassik", "Clásico"}, {"Light", "Leicht", "Ligero"}, {"Family pack", "Familienpackung", "Pack familiar"},
	{"Premium", "Premium", "Premium"}, {"Regional", "Regional", "Regional"}, {"Whole grain", "Vollkorn", "Integral"},
	{"Low-fat", "Fettarm", "Bajo en grasa"}, {"Extra", "Extra", "Extra"}, {"Mild", "Mild", "Suave"}}

var categories = []category{
	{key: "dairy", vat: "reduced",
		items: []words{{"Whole milk 3.5%", "Vollmilch 3,5 %", "Leche entera 3,5 %"}, {"Natural yoghurt", "Naturjoghurt", "Yogur natural"},
			{"Butter", "Butter", "Mantequilla"}, {"Cream cheese", "Frischkäse", "Queso crema"}, {"Whipping cream", "Schlagsahne", "Nata para montar"},
			{"Quark", "Speisequark", "Requesón"}, {"Gouda slices", "Gouda in Scheiben", "Gouda en lonchas"}, {"Kefir", "Kefir", "Kéfir"}},
		sizes: []words{{"1 l", "1 l", "1 l"}, {"500 g", "500 g", "500 g"}, {"250 g", "250 g", "250 g"}, {"200 ml", "200 ml", "200 ml"}},
		weighed: []words{{"Mountain cheese", "Bergkäse", "Queso de montaña"}, {"Emmental", "Emmentaler", "Emmental"},
			{"Aged Gouda", "Alter Gouda", "Gouda curado"}}},
	{key: "bakery", vat: "reduced",
		items: []words{{"Rye bread", "Roggenbrot", "Pan de centeno"}, {"Pretzel rolls", "Laugenbrötchen", "Panecillos de pretzel"},
			{"Croissants", "Croissants", "Cruasanes"}, {"Toast bread", "Toastbrot", "Pan de molde"}, {"Apple strudel", "Apfelstrudel", "Strudel de manzana"}},
		sizes: []words{{"500 g", "500 g", "500 g"}, {"4 pcs", "4 Stück", "4 uds."}, {"750 g", "750 g", "750 g"}}},
	{key: "produce", vat: "reduced",
		items: []words{{"Cherry tomatoes", "Cherrytomaten", "Tomates cherry"}, {"Carrots", "Karotten", "Zanahorias"},
			{"Baby spinach", "Babyspinat", "Espinacas baby"}, {"Blueberries", "Heidelbeeren", "Arándanos"}, {"Iceberg lettuce", "Eisbergsalat", "Lechuga iceberg"}},
		sizes: []words{{"250 g", "250 g", "250 g"}, {"1 kg", "1 kg", "1 kg"}, {"125 g", "125 g", "125 g"}, {"1 pc", "1 Stück", "1 ud."}},
		weighed: []words{{"Loose tomatoes", "Tomaten lose", "Tomates a granel"}, {"Bananas", "Bananen", "Plátanos"},
			{"Apples Elstar", "Äpfel Elstar", "Manzanas Elstar"}, {"Potatoes", "Kartoffeln", "Patatas"}, {"Red peppers", "Paprika rot", "Pimientos rojos"},
			{"Lemons", "Zitronen", "Limones"}, {"Onions", "Zwiebeln", "Cebollas"}, {"Pears", "Birnen", "Peras"}}},
	{key: "meat", vat: "reduced",
		items: []words{{"Minced beef", "Rinderhackfleisch", "Carne picada de vacuno"}, {"Chicken breast", "Hähnchenbrust", "Pechuga de pollo"},
			{"Bratwurst", "Bratwurst", "Salchichas bratwurst"}, {"Smoked ham", "Schinken geräuchert", "Jamón ahumado"}, {"Salami", "Salami", "Salami"}},
		sizes: []words{{"400 g", "400 g", "400 g"}, {"100 g", "100 g", "100 g"}, {"2 × 200 g", "2 × 200 g", "2 × 200 g"}},
		weighed: []words{{"Pork neck steaks", "Schweinenackensteaks", "Filetes de aguja de cerdo"}, {"Beef rump", "Rinderhüfte", "Cadera de ternera"},
			{"Fresh fish", "Frischer Fisch", "Pescado fresco"}}},
	{key: "pantry", vat: "reduced",
		items: []words{{"Spaghetti", "Spaghetti", "Espaguetis"}, {"Basmati rice", "Basmatireis", "Arroz basmati"},
			{"Olive oil", "Olivenöl", "Aceite de oliva"}, {"Chopped tomatoes", "Gehackte Tomaten", "Tomate troceado"},
			{"Muesli", "Müsli", "Muesli"}, {"Coffee beans", "Kaffeebohnen", "Café en grano"}, {"Honey", "Honig", "Miel"},
			{"Chickpeas", "Kichererbsen", "Garbanzos"}, {"Wheat flour type 405", "Weizenmehl Type 405", "Harina de trigo tipo 405"}},
		sizes: []words{{"500 g", "500 g", "500 g"}, {"1 kg", "1 kg", "1 kg"}, {"0.75 l", "0,75 l", "0,75 l"}, {"400 g", "400 g", "400 g"}}},
	{key: "snacks", vat: "reduced",
		items: []words{{`Crisps "Paprika"`, `Chips „Paprika“`, `Patatas fritas "Pimentón"`}, {"Milk chocolate", "Vollmilchschokolade", "Chocolate con leche"},
			{"Salted peanuts", "Erdnüsse gesalzen", "Cacahuetes salados"}, {"Gummy bears", "Gummibärchen", "Ositos de goma"}, {"Butter biscuits", "Butterkekse", "Galletas de mantequilla"}},
		sizes: []words{{"175 g", "175 g", "175 g"}, {"100 g", "100 g", "100 g"}, {"200 g", "200 g", "200 g"}}},
	{key: "drinks", vat: "standard",
		items: []words{{"Mineral water sparkling", "Mineralwasser spritzig", "Agua mineral con gas"}, {"Orange juice", "Orangensaft", "Zumo de naranja"},
			{"Cola", "Cola", "Cola"}, {"Apple spritzer", "Apfelschorle", "Refresco de manzana"}, {"Iced tea peach", "Eistee Pfirsich", "Té helado de melocotón"}},
		sizes: []words{{"1.5 l", "1,5 l", "1,5 l"}, {"1 l", "1 l", "1 l"}, {"0.5 l", "0,5 l", "0,5 l"}, {"6 × 1.5 l", "6 × 1,5 l", "6 × 1,5 l"}}},
	{key: "household", vat: "standard",
		items: []words{{"Dishwasher tabs", "Spülmaschinentabs", "Pastillas lavavajillas"}, {"Toilet paper", "Toilettenpapier", "Papel higiénico"},
			{"Kitchen roll", "Küchenrolle", "Rollo de cocina"}, {"Laundry detergent", "Waschmittel", "Detergente"}, {"Bin bags", "Müllbeutel", "Bolsas de basura"}},
		sizes: []words{{"40 pcs", "40 Stück", "40 uds."}, {"8 rolls", "8 Rollen", "8 rollos"}, {"1.35 l", "1,35 l", "1,35 l"}}},
	{key: "care", vat: "standard",
		items: []words{{"Shampoo", "Shampoo", "Champú"}, {"Toothpaste", "Zahnpasta", "Pasta de dientes"}, {"Shower gel", "Duschgel", "Gel de ducha"},
			{"Hand cream", "Handcreme", "Crema de manos"}},
		sizes: []words{{"250 ml", "250 ml", "250 ml"}, {"75 ml", "75 ml", "75 ml"}, {"300 ml", "300 ml", "300 ml"}}},
	{key: "baby", vat: "standard",
		items: []words{{"Nappies size 4", "Windeln Größe 4", "Pañales talla 4"}, {"Baby wipes", "Feuchttücher", "Toallitas"}},
		sizes: []words{{"44 pcs", "44 Stück", "44 uds."}, {"3 × 80 pcs", "3 × 80 Stück", "3 × 80 uds."}}},
	{key: "books", vat: "zero",
		items: []words{{"Puzzle magazine", "Rätselheft", "Revista de pasatiempos"}},
		sizes: []words{{"1 pc", "1 Stück", "1 ud."}}},
}

var alcohol = []struct {
	w      words
	sizes  []words
	minAge int
}{
	{words{"Pilsner beer", "Pils", "Cerveza pilsner"}, []words{{"0.5 l", "0,5 l", "0,5 l"}, {"6 × 0.33 l", "6 × 0,33 l", "6 × 0,33 l"}}, 16},
	{words{"Riesling dry", "Riesling trocken", "Riesling seco"}, []words{{"0.75 l", "0,75 l", "0,75 l"}}, 16},
	{words{"Rioja red wine", "Rioja Rotwein", "Vino tinto Rioja"}, []words{{"0.75 l", "0,75 l", "0,75 l"}}, 16},
	{words{"Vodka 37.5%", "Wodka 37,5 %", "Vodka 37,5 %"}, []words{{"0.7 l", "0,7 l", "0,7 l"}}, 18},
	{words{"Dry gin", "Dry Gin", "Ginebra seca"}, []words{{"0.7 l", "0,7 l", "0,7 l"}}, 18},
}

// The generated catalog: 5% sold by weight (with distinct 5-digit PLUs while
// they last), 1.5% alcohol (age 16 or 18), the rest packaged goods.
const (
	weighedEvery = 20 // 5%
	alcoholEvery = 67 // 1.5%
	firstPLU     = 10000
	lastPLU      = 99999
)

// gtinFor returns the i-th GTIN-13: "4" + 11 digits from a bijection of
// [0, 10^11), so every GTIN is distinct, + the check digit.
func gtinFor(i int) string {
	const space = 100_000_000_000
	const mul = 7_919_113 // odd, not a multiple of 5: coprime with 10^11
	v := (uint64(i)*mul + 12_345_678_901) % space
	payload := fmt.Sprintf("4%011d", v)
	c, _ := catalog.CheckDigit(payload)
	return payload + string(c)
}

// generate writes the catalog CSV to out (rows in scattered GTIN order, as a
// supplier's file would be) and keeps the GTINs for the look-up and scan
// benchmarks. With out nil it only rebuilds the GTIN lists.
func (d *catalogData) generate(out io.Writer) error {
	var w *csv.Writer
	var bw *bufio.Writer
	if out != nil {
		bw = bufio.NewWriterSize(out, 1<<20)
		w = csv.NewWriter(bw)
		if err := w.Write(catalog.CSVHeader); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(2024, 7))
	d.gtins, d.plain = make([]string, 0, d.rows), nil
	plu := firstPLU
	rec := make([]string, len(catalog.CSVHeader))
	for i := range d.rows {
		gtin := gtinFor(i)
		clear(rec)
		rec[0] = gtin
		brand := brands[rng.IntN(len(brands))]
		q := qualifiers[rng.IntN(len(qualifiers))]
		name := func(item, size words) {
			for l := range 3 {
				n := brand + " "
				if q[l] != "" {
					n += q[l] + " "
				}
				n += item[l]
				if size[l] != "" {
					n += " " + size[l]
				}
				rec[2+l] = n
			}
		}
		switch {
		case i%weighedEvery == 7:
			var c category
			for c.weighed == nil {
				c = categories[rng.IntN(len(categories))]
			}
			name(c.weighed[rng.IntN(len(c.weighed))], words{"per kg", "je kg", "por kg"})
			if plu <= lastPLU {
				rec[1] = strconv.Itoa(plu)
				plu++
			}
			rec[5] = price(rng, 99, 3990)
			rec[6], rec[7], rec[11] = "weight", c.vat, c.key
		case i%alcoholEvery == 3:
			a := alcohol[rng.IntN(len(alcohol))]
			name(a.w, a.sizes[rng.IntN(len(a.sizes))])
			rec[5] = price(rng, 79, 2999)
			rec[6], rec[7], rec[8], rec[11] = "each", "standard", strconv.Itoa(a.minAge), "alcohol"
			rec[9], rec[10] = strconv.Itoa(500+rng.IntN(1200)), "30"
		default:
			c := categories[rng.IntN(len(categories))]
			name(c.items[rng.IntN(len(c.items))], c.sizes[rng.IntN(len(c.sizes))])
			rec[5] = price(rng, 29, 4999)
			rec[6], rec[7], rec[8], rec[11] = "each", c.vat, "0", c.key
			if rng.IntN(10) > 0 { // 10% have no expected weight yet
				wg := 20 + rng.IntN(4980)
				rec[9] = strconv.Itoa(wg)
				if rng.IntN(3) > 0 {
					rec[10] = strconv.Itoa(max(5, wg/50))
				}
			}
			d.plain = append(d.plain, gtin)
		}
		if w != nil {
			if err := w.Write(rec); err != nil {
				return err
			}
		}
		d.gtins = append(d.gtins, "0"+gtin)
	}
	if w == nil {
		return nil
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// price returns a random price between lo and hi cents, as "12.34".
func price(rng *rand.Rand, lo, hi int) string {
	c := lo + rng.IntN(hi-lo+1)
	return fmt.Sprintf("%d.%02d", c/100, c%100)
}

// BenchmarkImport imports the catalog CSV into a fresh database as `kiosk
// catalog import` does: reading and validation, the staged catalog written in
// short transactions with a pause after each (for a lane that may be
// selling), the switch.
func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	d := sharedData(b)
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dir := benchDir(b, "import")
		db := openStore(b, filepath.Join(dir, "kiosk.db"))
		f := openFile(b, d.csvPath)
		b.StartTimer()
		t0 := time.Now()
		res, err := catalog.NewDB(db).Import(ctx, f, catalog.ImportOptions{})
		total += time.Since(t0)
		b.StopTimer()
		f.Close()
		db.Close()
		os.RemoveAll(dir)
		if err != nil || res.Rows != d.rows {
			b.Fatalf("import: %d of %d rows: %v %v", res.Rows, d.rows, err, res.Errors)
		}
	}
	reportRate(b, d.rows, total)
}

// rawProduct is a catalog row already in the types the products table stores.
type rawProduct struct {
	gtin, nameEN, nameDE, nameES, soldBy, vatClass, category string
	plu                                                      any // nil or string
	priceMinor                                               int64
	minAge, weightG, toleranceG                              int
}

// BenchmarkRawBatchedInsert is the import's baseline: the same rows, parsed
// beforehand, inserted with one prepared INSERT in one transaction.
func BenchmarkRawBatchedInsert(b *testing.B) {
	ctx := context.Background()
	d := sharedData(b)
	rows := make([]rawProduct, 0, d.rows)
	f := openFile(b, d.csvPath)
	_, bad, err := catalog.ReadCSV(f, catalog.DefaultVATRates(), func(_ int, p catalog.Product) error {
		r := rawProduct{gtin: p.GTIN, nameEN: p.Names.EN, nameDE: p.Names.DE, nameES: p.Names.ES, soldBy: string(p.SoldBy),
			vatClass: p.VATClass, category: p.Category, priceMinor: p.Price.Shift(2).IntPart(), minAge: p.MinAge,
			weightG: p.WeightG, toleranceG: p.ToleranceG}
		if p.PLU != "" {
			r.plu = p.PLU
		}
		rows = append(rows, r)
		return nil
	})
	f.Close()
	if err != nil || len(bad) > 0 || len(rows) != d.rows {
		b.Fatalf("parse: %d of %d rows: %v %v", len(rows), d.rows, err, bad)
	}

	var total time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dir := benchDir(b, "rawinsert")
		db := openStore(b, filepath.Join(dir, "kiosk.db"))
		// The page cache the import gives its scratch file: the baseline is
		// raw SQLite at its best, not at its defaults.
		if _, err := db.W.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, -catalog.ImportCacheKiB)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			ins, err := tx.PrepareContext(ctx, `INSERT INTO products (gtin, plu, name_en, name_de, name_es, price_minor, sold_by,
				vat_class, min_age, weight_g, tolerance_g, category) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`)
			if err != nil {
				return err
			}
			defer ins.Close()
			for _, r := range rows {
				if _, err := ins.ExecContext(ctx, r.gtin, r.plu, r.nameEN, r.nameDE, r.nameES, r.priceMinor, r.soldBy,
					r.vatClass, r.minAge, r.weightG, r.toleranceG, r.category); err != nil {
					return err
				}
			}
			return nil
		})
		total += time.Since(t0)
		b.StopTimer()
		db.Close()
		os.RemoveAll(dir)
		if err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, d.rows, total)
}

func reportRate(b *testing.B, rows int, total time.Duration) {
	n := float64(rows) * float64(b.N)
	b.ReportMetric(n/total.Seconds(), "rows/s")
	b.ReportMetric(float64(total.Nanoseconds())/n, "ns/row")
	b.ReportMetric(float64(rows), "rows")
}

// lookupGTINs picks n existing GTIN-14s at random, the same ones for the
// product and the baseline.
func lookupGTINs(d *catalogData, n int) []string {
	rng := rand.New(rand.NewPCG(42, 42))
	out := make([]string, n)
	for i := range out {
		out[i] = d.gtins[rng.IntN(len(d.gtins))]
	}
	return out
}

// BenchmarkLookupGTIN times catalog.DB.ByGTIN on the shared catalog.
func BenchmarkLookupGTIN(b *testing.B) {
	ctx := context.Background()
	d := sharedData(b)
	db := openStore(b, d.dbPath)
	defer db.Close()
	cat := catalog.NewDB(db)
	gtins := lookupGTINs(d, opsFor(b, 20000))
	lookup := func(g string) error {
		p, err := cat.ByGTIN(ctx, g)
		if err == nil && p.GTIN != g {
			err = fmt.Errorf("ByGTIN(%s) returned %s", g, p.GTIN)
		}
		return err
	}
	for _, g := range gtins[:min(len(gtins), 200)] {
		if err := lookup(g); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, len(gtins))
	b.ResetTimer()
	for _, g := range gtins {
		t0 := time.Now()
		if err := lookup(g); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}

// BenchmarkRawPointQuery is the look-up's baseline: a prepared
// SELECT price_minor FROM products WHERE gtin = ? on the read pool.
func BenchmarkRawPointQuery(b *testing.B) {
	ctx := context.Background()
	d := sharedData(b)
	db := openStore(b, d.dbPath)
	defer db.Close()
	q, err := db.R.PrepareContext(ctx, `SELECT price_minor FROM products WHERE gtin = ?`)
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	gtins := lookupGTINs(d, opsFor(b, 20000))
	var price int64
	for _, g := range gtins[:min(len(gtins), 200)] {
		if err := q.QueryRowContext(ctx, g).Scan(&price); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, len(gtins))
	b.ResetTimer()
	for _, g := range gtins {
		t0 := time.Now()
		if err := q.QueryRowContext(ctx, g).Scan(&price); err != nil {
			b.Fatal(g, err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}
