package daysim

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk/bagging"
)

// Config is one store day. Zero fields take the defaults.
type Config struct {
	Seed         uint64
	Transactions int     // default 500
	MeanItems    float64 // mean units per basket (1 + Poisson), default 12
	TheftShare   float64 // share of transactions with a theft act, default 0.06; negative: none
	StaffMedianS float64 // staff response median in seconds, default 40
	// Catalog is the store's products; nil: the demo catalog.
	Catalog []catalog.Product
	// Settings are the lane's thresholds (zero fields: bagging.Defaults);
	// Learn is set by the mode.
	Settings bagging.Settings
	// Progress, when set, is called by Sweep after each day it ran.
	Progress func(done, total int) `json:"-"`
}

// Theft is a kind of theft act.
type Theft string

// The theft acts a dishonest shopper commits.
const (
	Swap      Theft = "swap"
	Unscanned Theft = "unscanned"
	Removed   Theft = "removed"
)

// Thefts lists the kinds in report order.
var Thefts = []Theft{Swap, Unscanned, Removed}

// Catch is how many acts of a kind there were and how many raised an alert.
type Catch struct {
	Acts   int     `json:"acts"`
	Caught int     `json:"caught"`
	Rate   float64 `json:"rate"` // Caught/Acts; 1 when there were none
}

// Mode is the figures of the day under one tolerance mode.
type Mode struct {
	Name         string  `json:"name"` // "fixed" or "learned"
	Transactions int     `json:"transactions"`
	Items        int     `json:"items"` // units scanned
	Alerts       int     `json:"alerts"`
	FalseAlerts  int     `json:"falseAlerts"` // raised during honest behaviour
	FalsePer100  float64 `json:"falsePer100Items"`
	// FalseBy counts the false alerts by alert kind and what the shopper
	// did ("bag_weight_mismatch item, catalog weight": an ordinary unit off
	// its catalog weight's tolerance; "…, learned weight": off the learned
	// one; "…, weighed": off the produce scale's weight).
	FalseBy     map[string]int  `json:"falseBy"`
	Corrected   int             `json:"corrected"` // alerts the shopper put right alone
	Catch       map[Theft]Catch `json:"catch"`
	Assists     int             `json:"assists"` // transactions staff came to
	AssistRate  float64         `json:"assistRate"`
	WaitS       float64         `json:"waitS"` // shopper seconds with an alert open
	WaitPerTxnS float64         `json:"waitPerTxnS"`
	Learned     int             `json:"learnedProducts"` // products whose learned weight is in use at the end
}

// Report is the day under both modes.
type Report struct {
	Seed         uint64           `json:"seed"`
	Transactions int              `json:"transactions"`
	Settings     bagging.Settings `json:"settings"`
	Fixed        Mode             `json:"fixed"`
	Learned      Mode             `json:"learned"`
}

// Target reports whether learned tolerances raise at most half the false
// alerts per 100 items of the fixed ones, at an equal or better catch rate
// for every kind of theft; the error says what was missed.
func (r Report) Target() error {
	var errs []error
	if r.Learned.FalsePer100 > r.Fixed.FalsePer100/2 {
		errs = append(errs, fmt.Errorf("learned false alerts %.2f per 100 items, more than half of fixed %.2f", r.Learned.FalsePer100, r.Fixed.FalsePer100))
	}
	for _, k := range Thefts {
		if l, f := r.Learned.Catch[k], r.Fixed.Catch[k]; l.Rate < f.Rate {
			errs = append(errs, fmt.Errorf("learned catches %d of %d %s acts, fixed %d", l.Caught, l.Acts, k, f.Caught))
		}
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Transactions <= 0 {
		c.Transactions = 500
	}
	if c.MeanItems <= 0 {
		c.MeanItems = 12
	}
	if c.TheftShare == 0 {
		c.TheftShare = 0.06
	}
	if c.StaffMedianS <= 0 {
		c.StaffMedianS = 40
	}
	c.Settings = c.Settings.WithDefaults()
	return c
}

// DemoCatalog is the demo store's catalog.
func DemoCatalog() []catalog.Product {
	ps, err := ReadCatalog(catalog.DemoCSV())
	if err != nil {
		panic("daysim: the demo catalog does not read: " + err.Error())
	}
	return ps
}

// ReadCatalog reads a catalog CSV in the import format; any bad row is an
// error.
func ReadCatalog(csv []byte) ([]catalog.Product, error) {
	var ps []catalog.Product
	_, rowErrs, err := catalog.ReadCSV(bytes.NewReader(csv), catalog.DefaultVATRates(), func(_ int, p catalog.Product) error {
		ps = append(ps, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rowErrs) > 0 {
		return nil, fmt.Errorf("%d bad rows, first: %v", len(rowErrs), rowErrs[0])
	}
	if len(ps) == 0 {
		return nil, errors.New("no products")
	}
	return ps, nil
}

// Run simulates the day of cfg with fixed and with learned tolerances.
func Run(cfg Config) Report {
	cfg = cfg.withDefaults()
	if cfg.Catalog == nil {
		cfg.Catalog = DemoCatalog()
	}
	w := newWorld(cfg)
	rep := Report{Seed: cfg.Seed, Transactions: cfg.Transactions, Settings: cfg.Settings}
	off, on := false, true
	for _, m := range []struct {
		learn *bool
		out   *Mode
		name  string
	}{{&off, &rep.Fixed, "fixed"}, {&on, &rep.Learned, "learned"}} {
		s := cfg.Settings
		s.Learn = m.learn
		*m.out = w.day(s, m.name)
	}
	rep.Settings.Learn = nil
	return rep
}

// product kinds in the simulation.
const (
	exempt   = iota // heavy or no-bag: not checked
	packed          // known catalog weight
	weighed         // sold by weight: the lane knows each unit's weight
	unknownW        // priced per piece, no catalog weight
)

type product struct {
	p      catalog.Product
	bp     bagging.Product
	kind   int
	price  float64
	mean   float64 // true mean gross grams (packed, unknownW)
	sd     float64 // per-unit spread
	lo, hi float64 // net weight range (weighed)
	swaps  []int   // dearer products of a close weight (packed)
}

// world is the day's fixed part: products and their truths, popularity and
// the transactions' scripts, shared by both modes.
type world struct {
	cfg     Config
	prods   []product
	byGTIN  map[string]int
	cdf     []float64 // popularity over prods
	order   []int     // prods by popularity rank
	scripts []script
}

// unit is one scanned (or smuggled) unit of a basket.
type unit struct {
	prod  int
	g     float64 // what it weighs in the bagging area
	label int     // weighed: the lane's known weight
	gap   time.Duration
	bag   time.Duration // scan to placement
	slow  bool
}

type script struct {
	ownBag   bool
	bagG     float64
	rucksack bool
	units    []unit
	// purse put down after unit purseAt (−1: none), taken away fixS after the message.
	purseAt    int
	purseG     float64
	purseFix   time.Duration
	liftAt     int // early lift after unit liftAt of liftK units
	liftK      int
	liftFix    time.Duration
	theft      Theft
	theftAt    int
	smuggled   unit // the swapped-in or unscanned unit
	together   bool // unscanned with the scan of unit theftAt
	removeFrom int  // removed: how many placed units back (0: the last)
	pause      time.Duration
}

func newWorld(cfg Config) *world {
	w := &world{cfg: cfg, byGTIN: map[string]int{}}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x70726f64)) // product truths
	for _, p := range cfg.Catalog {
		pr := product{p: p, bp: bagging.Product{WeightG: p.WeightG, ToleranceG: p.ToleranceG}, price: p.Price.InexactFloat64()}
		switch {
		case !p.BagChecked():
			pr.kind = exempt
		case p.SoldBy == catalog.ByWeight:
			pr.kind, pr.lo, pr.hi = weighed, 150, 1500
			if p.Variable {
				pr.lo, pr.hi = 100, 600
			}
		case p.WeightG > 0:
			pr.kind = packed
			pr.mean = float64(p.WeightG) * (1 + bias(r))
			pr.sd = UnitSD(float64(p.WeightG))
		default:
			pr.kind = unknownW
			pr.mean = uniform(r, 250, 1000)
			pr.sd = 0.15 * pr.mean
		}
		w.byGTIN[p.GTIN] = len(w.prods)
		w.prods = append(w.prods, pr)
	}
	for i := range w.prods {
		x := &w.prods[i]
		if x.kind != packed {
			continue
		}
		for j, y := range w.prods {
			if y.kind == packed && y.price > x.price && math.Abs(float64(y.p.WeightG-x.p.WeightG)) <= 0.25*float64(x.p.WeightG) {
				x.swaps = append(x.swaps, j)
			}
		}
	}
	w.order = r.Perm(len(w.prods))
	w.cdf = make([]float64, len(w.prods))
	sum := 0.0
	for rank := range w.order {
		sum += 1 / float64(rank+1)
		w.cdf[rank] = sum
	}
	for i := range w.cdf {
		w.cdf[i] /= sum
	}
	w.scripts = make([]script, cfg.Transactions)
	for t := range w.scripts {
		w.scripts[t] = w.script(rand.New(rand.NewPCG(cfg.Seed, 0x7478<<32|uint64(t))))
	}
	return w
}

// draw picks a product by popularity among those ok accepts.
func (w *world) draw(r *rand.Rand, ok func(*product) bool) int {
	for range 1000 {
		rank := sort.SearchFloat64s(w.cdf, r.Float64())
		i := w.order[min(rank, len(w.order)-1)]
		if ok == nil || ok(&w.prods[i]) {
			return i
		}
	}
	for _, i := range w.order {
		if ok(&w.prods[i]) {
			return i
		}
	}
	return -1
}

// unitOf draws one unit of product i.
func (w *world) unitOf(r *rand.Rand, i int) unit {
	p := &w.prods[i]
	u := unit{prod: i, gap: secs(uniform(r, 2, 5)), bag: secs(uniform(r, 1, 4))}
	if chance(r, 0.02) {
		u.bag, u.slow = secs(uniform(r, 12, 20)), true
	}
	switch p.kind {
	case packed, unknownW:
		u.g = math.Max(1, p.mean+p.sd*r.NormFloat64())
	case weighed:
		net := uniform(r, p.lo, p.hi)
		u.label = Reading(net, 0, 2) // the produce scale's or the label's weight
		u.g = net + 5                // in a 5 g bag
	}
	return u
}

func (w *world) script(r *rand.Rand) script {
	sc := script{purseAt: -1, liftAt: -1, theftAt: -1, pause: secs(uniform(r, 20, 90))}
	n := 1 + poisson(r, w.cfg.MeanItems-1)
	for range n {
		sc.units = append(sc.units, w.unitOf(r, w.draw(r, nil)))
	}
	if chance(r, 0.40) {
		sc.ownBag, sc.bagG = true, uniform(r, 30, 600)
		if chance(r, 0.03) {
			sc.bagG, sc.rucksack = uniform(r, 1200, 2000), true
		}
	}
	if chance(r, 0.03) {
		sc.purseAt, sc.purseG, sc.purseFix = r.IntN(n), uniform(r, 300, 900), secs(uniform(r, 3, 8))
	}
	if chance(r, 0.03) && n >= 2 {
		sc.liftAt = 1 + r.IntN(n-1)
		sc.liftK, sc.liftFix = 1+r.IntN(min(4, sc.liftAt+1)), secs(uniform(r, 3, 6))
	}
	if w.cfg.TheftShare > 0 && chance(r, w.cfg.TheftShare) {
		sc.theft = Thefts[r.IntN(len(Thefts))]
		sc.theftAt = r.IntN(n)
		switch sc.theft {
		case Swap:
			// Swap a basket unit that has a dearer twin, else add one.
			var can []int
			for i, u := range sc.units {
				if len(w.prods[u.prod].swaps) > 0 {
					can = append(can, i)
				}
			}
			if len(can) > 0 {
				sc.theftAt = can[r.IntN(len(can))]
			} else if x := w.draw(r, func(p *product) bool { return len(p.swaps) > 0 }); x >= 0 {
				sc.units = slices.Insert(sc.units, sc.theftAt, w.unitOf(r, x))
			} else {
				sc.theft = "" // the catalog has nothing to swap
				return sc
			}
			x := &w.prods[sc.units[sc.theftAt].prod]
			sc.smuggled = w.unitOf(r, x.swaps[r.IntN(len(x.swaps))])
		case Unscanned:
			y := w.draw(r, func(p *product) bool { return p.kind == packed })
			if y < 0 {
				sc.theft = "" // nothing of a known weight to smuggle
				return sc
			}
			sc.smuggled = w.unitOf(r, y)
			sc.together = chance(r, 0.5)
		case Removed:
			sc.removeFrom = r.IntN(3)
		}
		// A thief bags at the normal pace.
		sc.units[sc.theftAt].slow = false
		sc.units[sc.theftAt].bag = secs(uniform(r, 1, 4))
	}
	return sc
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Days runs n days, seeds cfg.Seed to cfg.Seed+n-1, each from an empty
// learning state, and adds their figures up: a day holds about ten acts of
// each kind of theft, too few to compare catch rates on; twenty days are
// two hundred. Report.Seed is the first seed.
func Days(cfg Config, n int) Report {
	var sum Report
	for i := range max(n, 1) {
		c := cfg
		c.Seed = cfg.Seed + uint64(i)
		r := Run(c)
		if i == 0 {
			sum = r
			continue
		}
		sum.Transactions += r.Transactions
		sum.Fixed = sum.Fixed.add(r.Fixed)
		sum.Learned = sum.Learned.add(r.Learned)
	}
	return sum
}

// add returns the figures of m and o together, rates recomputed.
func (m Mode) add(o Mode) Mode {
	s := m
	s.Transactions += o.Transactions
	s.Items += o.Items
	s.Alerts += o.Alerts
	s.FalseAlerts += o.FalseAlerts
	s.Corrected += o.Corrected
	s.Assists += o.Assists
	s.WaitS += o.WaitS
	s.Learned = max(s.Learned, o.Learned)
	s.FalseBy = map[string]int{}
	for k, v := range m.FalseBy {
		s.FalseBy[k] += v
	}
	for k, v := range o.FalseBy {
		s.FalseBy[k] += v
	}
	s.Catch = map[Theft]Catch{}
	for _, k := range Thefts {
		c := Catch{Acts: m.Catch[k].Acts + o.Catch[k].Acts, Caught: m.Catch[k].Caught + o.Catch[k].Caught, Rate: 1}
		if c.Acts > 0 {
			c.Rate = float64(c.Caught) / float64(c.Acts)
		}
		s.Catch[k] = c
	}
	if s.Items > 0 {
		s.FalsePer100 = float64(s.FalseAlerts) * 100 / float64(s.Items)
	}
	if s.Transactions > 0 {
		s.AssistRate = float64(s.Assists) / float64(s.Transactions)
		s.WaitPerTxnS = s.WaitS / float64(s.Transactions)
	}
	return s
}
