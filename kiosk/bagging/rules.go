package bagging

import (
	"maps"
	"math"
	"slices"
	"time"
)

// Kind names a bagging mismatch; each is an alert type of the lane.
type Kind string

// The mismatches the rules find.
const (
	// Unexpected: a settled increase with no scan that explains it.
	Unexpected Kind = "bag_unexpected_item"
	// Mismatch: after a scan, the bagging area changed by something else
	// than the scanned item weighs.
	Mismatch Kind = "bag_weight_mismatch"
	// Removed: a settled decrease before payment.
	Removed Kind = "bag_item_removed"
	// NotBagged: a scanned item did not reach the bagging area in time.
	NotBagged Kind = "bag_item_not_bagged"
)

// Item is a scanned unit the bagging area should receive.
type Item struct {
	Line int    `json:"line"`
	GTIN string `json:"gtin"`
	// G and TolG: the expected weight and tolerance. G 0: the weight is
	// unknown, any settled increase is taken.
	G    int  `json:"g"`
	TolG int  `json:"tolG"`
	Lrnd bool `json:"learned,omitempty"`
	// Due is when it counts as not bagged.
	Due time.Time `json:"due"`
}

// Issue is the open mismatch, if any.
type Issue struct {
	Kind   Kind      `json:"kind"`
	DeltaG int       `json:"deltaG"` // the settled change from the accepted weight
	Line   int       `json:"line,omitempty"`
	GTIN   string    `json:"gtin,omitempty"`
	G      int       `json:"expectedG,omitempty"`
	Since  time.Time `json:"since"`
}

// Verdict is what one input meant. The lane journals each and raises or
// resolves the alert an Issue change asks for.
type Verdict struct {
	// Accepted: these items arrived (settled within tolerance); Observed is
	// the weight one item added alone, for learning (0: several at once).
	Accepted []Item
	Observed int
	// Tared: the own bag was put down and weighed this much.
	Tared int
	// Opened is a mismatch found; Closed the one it replaces or that is
	// over (Corrected: the shopper put things right themselves).
	Opened    *Issue
	Closed    *Issue
	Corrected bool
}

// Changed reports whether the verdict says anything.
func (v Verdict) Changed() bool {
	return len(v.Accepted) > 0 || v.Tared > 0 || v.Opened != nil || v.Closed != nil
}

// Checker is the bagging area of one transaction: the weight accepted so
// far, the scanned items on their way to it and the open mismatch. It is a
// value: copy it with Clone.
type Checker struct {
	// RefG is the settled weight the scans so far explain; LastG the last
	// settled reading.
	RefG  int `json:"refG"`
	LastG int `json:"lastG"`
	// Pending items, oldest first.
	Pending []Item `json:"pending"`
	// Credits are items staff took back (voided) that may leave the area.
	Credits []Item `json:"credits,omitempty"`
	// OwnBag: the shopper said they brought a bag; Bagged: it was tared or
	// the first item arrived (no bag is tared after that).
	OwnBag bool `json:"ownBag,omitempty"`
	Bagged bool `json:"bagged,omitempty"`
	// Paid: the area may be emptied.
	Paid  bool   `json:"paid,omitempty"`
	Issue *Issue `json:"issue,omitempty"`
	// Suspended: the bagging scale failed; nothing is expected until its
	// first settled reading after recovery, which becomes the accepted weight
	// (what happened in the area meanwhile is unknown).
	Suspended bool `json:"suspended,omitempty"`
	// Learned counts the observations learned per product in this
	// transaction (replaced, never changed in place).
	Learned map[string]int `json:"learned,omitempty"`
}

// Start begins a transaction on a bagging area that holds grams now.
func Start(grams int, ownBag bool) Checker {
	return Checker{RefG: grams, LastG: grams, OwnBag: ownBag}
}

// Clone returns a copy that shares nothing with c.
func (c Checker) Clone() Checker {
	c.Pending = slices.Clone(c.Pending)
	c.Credits = slices.Clone(c.Credits)
	c.Learned = maps.Clone(c.Learned)
	if c.Issue != nil {
		i := *c.Issue
		c.Issue = &i
	}
	return c
}

// Scanned expects item in the bagging area within the window from now.
func (c *Checker) Scanned(s Settings, item Item, now time.Time) {
	item.Due = now.Add(time.Duration(s.Window))
	c.Pending = append(c.Pending, item)
}

// Unexpect drops one unit of line still on its way (a void, a lower
// quantity) and reports whether there was one.
func (c *Checker) Unexpect(line int) bool {
	for i, it := range c.Pending {
		if it.Line == line {
			c.Pending = slices.Delete(c.Pending, i, i+1)
			return true
		}
	}
	return false
}

// Voided: staff took back a unit of line. One still on its way is no longer
// expected; for a bagged one, Credit its weight so that it may leave.
func (c *Checker) Voided(line int) { c.Unexpect(line) }

// Credit lets a unit that weighs it.G ± it.TolG leave the area without an
// alert: a bagged unit taken back.
func (c *Checker) Credit(it Item) { c.Credits = append(c.Credits, it) }

// CountLearned notes one more observation of gtin learned in this
// transaction (Settings.PerTxn bounds them).
func (c *Checker) CountLearned(gtin string) {
	m := make(map[string]int, len(c.Learned)+1)
	for k, v := range c.Learned {
		m[k] = v
	}
	m[gtin]++
	c.Learned = m
}

// Suspend: the bagging scale failed (unplugged, overloaded, in motion too
// long). Nothing is awaited and the open mismatch closes: staff come for the
// scale, and the shopper is not held up by a scale that cannot weigh.
func (c *Checker) Suspend() Verdict {
	c.Suspended = true
	c.Pending, c.Credits = nil, nil
	var v Verdict
	if c.Issue != nil {
		v.Closed, c.Issue = c.Issue, nil
	}
	return v
}

// PaidNow: the sale is paid, the shopper may take their bags.
func (c *Checker) PaidNow() Verdict {
	c.Paid = true
	c.Pending = nil
	var v Verdict
	if c.Issue != nil {
		v.Closed, c.Issue = c.Issue, nil
	}
	return v
}

// Settled takes a settled reading of the bagging scale.
func (c *Checker) Settled(s Settings, grams int, now time.Time) Verdict {
	c.LastG = grams
	delta := grams - c.RefG
	if c.Suspended {
		c.Suspended = false
		c.RefG = grams
		return Verdict{}
	}
	if c.Paid {
		c.RefG = grams
		return Verdict{}
	}
	if abs(delta) <= s.NoiseG {
		return c.fine(Verdict{})
	}
	if delta > 0 {
		if c.OwnBag && !c.Bagged && len(c.Pending) == 0 && delta <= s.OwnBagMaxG {
			c.Bagged = true
			c.RefG = grams
			return c.fine(Verdict{Tared: delta})
		}
		if k := matchPrefix(c.Pending, delta); k > 0 {
			v := Verdict{Accepted: slices.Clone(c.Pending[:k])}
			if k == 1 {
				v.Observed = delta
			}
			c.Pending = slices.Delete(c.Pending, 0, k)
			c.Bagged = true
			c.RefG = grams
			return c.fine(v)
		}
		if len(c.Pending) > 0 {
			p := c.Pending[0]
			return c.issue(Issue{Kind: Mismatch, DeltaG: delta, Line: p.Line, GTIN: p.GTIN, G: p.G, Since: now})
		}
		return c.issue(Issue{Kind: Unexpected, DeltaG: delta, Since: now})
	}
	if k := matchCredit(c.Credits, -delta); k >= 0 {
		c.Credits = slices.Delete(c.Credits, k, k+1)
		c.RefG = grams
		return c.fine(Verdict{})
	}
	return c.issue(Issue{Kind: Removed, DeltaG: delta, Since: now})
}

// Tick finds the oldest item past its window: it was not bagged.
func (c *Checker) Tick(now time.Time) Verdict {
	if c.Issue != nil || c.Paid || len(c.Pending) == 0 || now.Before(c.Pending[0].Due) {
		return Verdict{}
	}
	p := c.Pending[0]
	return c.issue(Issue{Kind: NotBagged, Line: p.Line, GTIN: p.GTIN, G: p.G, Since: now})
}

// NextDue is when Tick may next find something; zero when nothing waits.
func (c *Checker) NextDue() time.Time {
	if c.Issue != nil || c.Paid || len(c.Pending) == 0 {
		return time.Time{}
	}
	return c.Pending[0].Due
}

// Cleared: staff at the lane cleared the open mismatch, taking the area as it
// is (the items on their way as bagged, or waved through). For a mismatch of
// one scanned item, the weight staff saw is returned as observed, for
// learning with the staff weight.
func (c *Checker) Cleared() Verdict {
	v := Verdict{}
	if c.Issue != nil {
		v.Closed, c.Issue = c.Issue, nil
		if v.Closed.Kind == Mismatch && len(c.Pending) == 1 && v.Closed.DeltaG > 0 {
			v.Observed = v.Closed.DeltaG
			v.Accepted = slices.Clone(c.Pending)
		}
	}
	c.Pending = nil
	c.Bagged = true
	c.RefG = c.LastG
	return v
}

// fine closes the open issue as corrected: the area is as expected again.
func (c *Checker) fine(v Verdict) Verdict {
	if is := c.Issue; is != nil && is.Kind == NotBagged && len(v.Accepted) == 0 &&
		len(c.Pending) > 0 && c.Pending[0].Line == is.Line {
		// A touch on the scale, or another change that is fine, while the
		// item is still not bagged: it stays open (closing it would restart
		// the shopper's wait and its escalation at the next tick).
		return v
	}
	if c.Issue != nil {
		v.Closed, c.Issue = c.Issue, nil
		v.Corrected = true
	}
	return v
}

// issue opens is, replacing an open issue of another kind or change.
func (c *Checker) issue(is Issue) Verdict {
	if c.Issue != nil {
		if c.Issue.Kind == is.Kind {
			c.Issue.DeltaG = is.DeltaG // the same problem, another reading
			return Verdict{}
		}
		v := Verdict{Closed: c.Issue}
		c.Issue = &is
		opened := is // the verdict's own copy: a later reading updates c.Issue
		v.Opened = &opened
		return v
	}
	c.Issue = &is
	opened := is
	return Verdict{Opened: &opened}
}

// matchPrefix returns k > 0 when delta is what the first k pending items
// weigh together, within their combined tolerance (root of the summed
// squares: independent errors), or 0. An item of unknown weight takes
// whatever settled increase comes alone.
func matchPrefix(pending []Item, delta int) int {
	sum, tol2 := 0, 0.0
	for k, it := range pending {
		if it.G == 0 {
			if k == 0 {
				return 1
			}
			return 0
		}
		sum += it.G
		tol2 += float64(it.TolG) * float64(it.TolG)
		if math.Abs(float64(delta-sum)) <= math.Sqrt(tol2) {
			return k + 1
		}
	}
	return 0
}

func matchCredit(credits []Item, removed int) int {
	for i, it := range credits {
		if it.G > 0 && abs(removed-it.G) <= it.TolG {
			return i
		}
	}
	return -1
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
