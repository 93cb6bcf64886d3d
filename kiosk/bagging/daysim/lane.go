package daysim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk/bagging"
)

// cause is what made a change of the bagging area.
type cause int

const (
	honest cause = iota // an ordinary unit and the scale's noise
	theft               // a theft act
	ownBag              // the shopper's own bag (or rucksack)
	purse               // a purse put down
	lift                // a bag lifted early
	slow                // slow bagging
)

var causeNames = map[cause]string{honest: "item", theft: "theft", ownBag: "own_bag", purse: "purse", lift: "early_lift", slow: "slow_bagging"}

// alert is the open alert of the simulated lane.
type alert struct {
	opened  time.Time
	cause   cause
	staffAt time.Time
	fix     func() // what the shopper does to put it right, if anything
	fixIn   time.Duration
}

// lane is one mode's run through the day: the rules, what they learned and
// the open transaction.
type lane struct {
	w        *world
	s        bagging.Settings
	m        *Mode
	learned  map[string]bagging.Stats
	r        *rand.Rand // the lane's side: scale noise, staff
	now      time.Time
	load     float64 // true grams in the area
	chk      bagging.Checker
	line     int
	causes   map[int]cause // per scanned line
	cur      *alert
	assisted bool
	caught   bool
}

func (w *world) day(s bagging.Settings, name string) Mode {
	m := Mode{Name: name, Catch: map[Theft]Catch{}, FalseBy: map[string]int{}}
	l := &lane{w: w, s: s, m: &m, learned: map[string]bagging.Stats{},
		now: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	for t := range w.scripts {
		l.r = rand.New(rand.NewPCG(w.cfg.Seed, 0x6c616e65<<32|uint64(t)))
		l.txn(&w.scripts[t])
	}
	for _, k := range Thefts {
		c := m.Catch[k]
		c.Rate = 1
		if c.Acts > 0 {
			c.Rate = float64(c.Caught) / float64(c.Acts)
		}
		m.Catch[k] = c
	}
	if m.Items > 0 {
		m.FalsePer100 = 100 * float64(m.FalseAlerts) / float64(m.Items)
	}
	if m.Transactions > 0 {
		m.AssistRate = float64(m.Assists) / float64(m.Transactions)
		m.WaitPerTxnS = m.WaitS / float64(m.Transactions)
	}
	if s.Learning() {
		for _, st := range l.learned {
			if st.Weight >= float64(s.MinSamples) {
				m.Learned++
			}
		}
	}
	return m
}

// txn plays one transaction's script.
func (l *lane) txn(sc *script) {
	l.now = l.now.Add(sc.pause)
	l.load, l.line, l.causes, l.assisted, l.caught = 0, 0, map[int]cause{}, false, false
	l.chk = bagging.Start(0, sc.ownBag)
	if sc.ownBag {
		l.wait(secs(uniform(l.r, 2, 6)))
		l.place(sc.bagG, ownBag)
	}
	var placed []float64 // checked units in the area, in order
	for i, u := range sc.units {
		thief := sc.theft != "" && i == sc.theftAt
		l.wait(u.gap)
		l.m.Items++
		p := &l.w.prods[u.prod]
		if p.kind == exempt {
			continue // stays in the trolley
		}
		l.line++
		c := honest
		if u.slow {
			c = slow
		}
		if thief && sc.theft != Removed {
			c = theft
		}
		l.causes[l.line] = c
		l.chk.Scanned(l.s, l.item(u), l.now)
		l.wait(u.bag)
		g := u.g
		switch {
		case thief && sc.theft == Swap:
			g = sc.smuggled.g
		case thief && sc.theft == Unscanned && sc.together:
			g += sc.smuggled.g
		}
		l.place(g, c)
		placed = append(placed, g)
		if thief && sc.theft == Unscanned && !sc.together {
			l.wait(sc.smuggled.gap)
			l.place(sc.smuggled.g, theft)
			placed = append(placed, sc.smuggled.g)
		}
		if thief && sc.theft == Removed {
			k := max(0, len(placed)-1-sc.removeFrom)
			l.wait(secs(uniform(l.r, 2, 5)))
			l.place(-placed[k], theft)
			placed = append(placed[:k], placed[k+1:]...)
		}
		if i == sc.purseAt {
			l.wait(secs(uniform(l.r, 1, 3)))
			g := sc.purseG
			l.placeFix(g, purse, func() { l.place(-g, purse) }, sc.purseFix)
		}
		if i == sc.liftAt && len(placed) > 0 {
			l.wait(secs(uniform(l.r, 1, 3)))
			g := 0.0
			for _, x := range placed[max(0, len(placed)-sc.liftK):] {
				g += x
			}
			l.placeFix(-g, lift, func() { l.place(g, lift) }, sc.liftFix)
		}
		if thief {
			a := l.m.Catch[sc.theft]
			a.Acts++
			if l.caught {
				a.Caught++
			}
			l.m.Catch[sc.theft] = a
		}
	}
	l.settle()
	l.chk.PaidNow()
	l.m.Transactions++
	if l.assisted {
		l.m.Assists++
	}
}

// item is what the lane expects of one unit (kiosk/bagarea.go bagItem).
func (l *lane) item(u unit) bagging.Item {
	p := &l.w.prods[u.prod]
	return l.s.ItemFor(l.line, p.p.GTIN, u.label, p.bp, l.learned[p.p.GTIN])
}

// place puts g grams into the area (negative: takes out), lets the scale
// settle and hands the reading to the rules; then the shopper deals with
// any alert (settle).
func (l *lane) place(g float64, c cause) { l.placeFix(g, c, nil, 0) }

// placeFix is place where the shopper puts an alert right with fix, fixIn
// after its message.
func (l *lane) placeFix(g float64, c cause, fix func(), fixIn time.Duration) {
	l.load += g
	l.wait(secs(uniform(l.r, 0.5, 1.5)))
	grams := Reading(l.load, l.r.NormFloat64(), l.s.DivisionG)
	l.verdict(l.chk.Settled(l.s, grams, l.now), c, 1)
	if l.cur != nil && l.cur.opened.Equal(l.now) && c != theft {
		l.cur.fix, l.cur.fixIn = fix, fixIn
	}
	l.settle()
}

// settle waits until no alert is open: the shopper's correction when their
// behaviour allows one, else staff.
func (l *lane) settle() {
	for l.cur != nil {
		a := l.cur
		if a.fix != nil {
			fix := a.fix
			a.fix = nil
			l.waitUntil(a.opened.Add(a.fixIn))
			if l.cur == a {
				fix()
			}
			continue
		}
		if !a.staffAt.After(l.now) {
			l.staff() // due already
			continue
		}
		l.waitUntil(a.staffAt)
	}
}

// wait lets d pass, ticking the rules every second; staff arrive when due.
func (l *lane) wait(d time.Duration) { l.waitUntil(l.now.Add(d)) }

func (l *lane) waitUntil(end time.Time) {
	for l.now.Before(end) {
		next := l.now.Add(time.Second)
		if end.Before(next) {
			next = end
		}
		if l.cur != nil && l.cur.staffAt.After(l.now) && l.cur.staffAt.Before(next) {
			next = l.cur.staffAt
		}
		l.now = next
		if l.cur != nil && !l.now.Before(l.cur.staffAt) {
			l.staff()
		}
		c := honest
		if len(l.chk.Pending) > 0 {
			c = l.causes[l.chk.Pending[0].Line]
		}
		if v := l.chk.Tick(l.now); v.Changed() {
			l.verdict(v, c, 1)
		}
	}
}

// staff clear the open alert at the lane.
func (l *lane) staff() {
	l.assisted = true
	c := l.cur.cause
	v := l.chk.Cleared()
	if c == theft {
		v.Observed = 0 // staff saw the act: nothing of it is learned
	}
	l.verdict(v, c, l.s.StaffWeight)
}

// verdict books what the rules said and learns an observed weight.
func (l *lane) verdict(v bagging.Verdict, c cause, weight float64) {
	if v.Observed > 0 && len(v.Accepted) == 1 {
		l.learn(v.Accepted[0], v.Observed, weight)
	}
	var staffAt time.Time
	if v.Closed != nil && l.cur != nil {
		l.m.WaitS += l.now.Sub(l.cur.opened).Seconds()
		if v.Corrected {
			l.m.Corrected++
		}
		staffAt = l.cur.staffAt
		l.cur = nil
	}
	if v.Opened != nil {
		l.m.Alerts++
		if c == theft {
			l.caught = true
		} else {
			l.m.FalseAlerts++
			key := string(v.Opened.Kind) + " " + causeNames[c]
			if v.Opened.Kind == bagging.Mismatch && len(l.chk.Pending) > 0 {
				it := l.chk.Pending[0]
				switch {
				case it.Lrnd:
					key += ", learned weight"
				case it.GTIN == "":
					key += ", weighed"
				default:
					key += ", catalog weight"
				}
			}
			l.m.FalseBy[key]++
		}
		if staffAt.IsZero() || v.Closed == nil { // a replaced alert keeps the staff already called
			staffAt = l.now.Add(secs(lognormalMedian(l.r, l.w.cfg.StaffMedianS, 0.5)))
		}
		l.cur = &alert{opened: l.now, cause: c, staffAt: staffAt}
	}
}

// learn takes an observed weight of an accepted item into what the lane
// knows (kiosk/bagarea.go learn): at most PerTxn per product and transaction.
func (l *lane) learn(it bagging.Item, grams int, weight float64) {
	if !l.s.Learning() || it.GTIN == "" || l.chk.Learned[it.GTIN] >= l.s.PerTxn {
		return
	}
	st := l.learned[it.GTIN]
	if l.s.Observe(&st, l.w.prods[l.w.byGTIN[it.GTIN]].bp, grams, math.Max(weight, 1)) {
		l.learned[it.GTIN] = st
		l.chk.CountLearned(it.GTIN)
	}
}
