package hq

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// KPIFilter says which KPIs to compute: of a store or a lane (or the chain),
// over [From, To), in groups (lane, store or chain) and, for the charts,
// time buckets (hour or day) in Loc (default UTC).
type KPIFilter struct {
	Store, Lane string
	From, To    time.Time
	Group       string // lane, store or chain (default)
	Bucket      string // hour or day (default)
	Loc         *time.Location
}

// KPI are the figures of one group. The definitions:
//
//   - Transactions: transactions that ended (paid or cancelled) in the range.
//   - AssistRate: the share of them with at least one staff intervention (an
//     event of the transaction by a staff member: an alert taken or
//     resolved, a void, a price override, a cancel).
//   - Interventions: alerts raised in the range that staff took or resolved
//     (not those the lane closed itself: a device that recovered, a bagging
//     area the shopper put right); Per100ByReason is them per 100
//     Transactions, by alert type.
//   - TTRP50S, TTRP90S: raised to resolved of the staff-resolved ones, in
//     seconds, nearest-rank percentiles.
//   - HelpOpened, HelpDeflected, Deflection: transactions in which the
//     shopper opened self-help; those of them without a help call; the share.
//   - Effort: answers to "How easy was your checkout?" by score 1..5, their
//     count and mean.
//   - ItemsPerMinute: items of paid transactions over their summed duration
//     (start to end) in minutes; DurationP50S, DurationP90S of paid ones.
//   - SalesMinor: the paid total; SalesByHour by hour of day (in Loc);
//     SalesByVAT by VAT rate, net, tax and gross.
type KPI struct {
	Group          string             `json:"group"`
	Transactions   int                `json:"transactions"`
	Paid           int                `json:"paid"`
	Cancelled      int                `json:"cancelled"`
	Assisted       int                `json:"assisted"`
	AssistRate     *float64           `json:"assistRate"`
	Interventions  int                `json:"interventions"`
	ByReason       map[string]int     `json:"interventionsByReason"`
	Per100ByReason map[string]float64 `json:"interventionsPer100ByReason"`
	Per100         *float64           `json:"interventionsPer100"`
	Resolved       int                `json:"resolvedByStaff"`
	TTRP50S        *float64           `json:"ttrP50S"`
	TTRP90S        *float64           `json:"ttrP90S"`
	HelpOpened     int                `json:"helpOpened"`
	HelpDeflected  int                `json:"helpDeflected"`
	Deflection     *float64           `json:"deflection"`
	Effort         map[string]int     `json:"effort"`
	EffortAnswers  int                `json:"effortAnswers"`
	EffortMean     *float64           `json:"effortMean"`
	Items          int                `json:"items"`
	ItemsPerMinute *float64           `json:"itemsPerMinute"`
	DurationP50S   *float64           `json:"durationP50S"`
	DurationP90S   *float64           `json:"durationP90S"`
	SalesMinor     int64              `json:"salesMinor"`
	SalesByHour    [24]int64          `json:"salesByHour"`
	SalesByVAT     []VATSum           `json:"salesByVat"`

	ttr, dur []float64
	minutes  float64
	vat      map[string]*VATSum
}

// VATSum is the paid sales of one VAT rate.
type VATSum struct {
	Rate       string `json:"rate"`
	NetMinor   int64  `json:"netMinor"`
	TaxMinor   int64  `json:"taxMinor"`
	GrossMinor int64  `json:"grossMinor"`
}

// Bucket is one time bucket of the KPIs' series, for charts.
type Bucket struct {
	Start         time.Time      `json:"start"`
	Transactions  int            `json:"transactions"`
	SalesMinor    int64          `json:"salesMinor"`
	Assisted      int            `json:"assisted"`
	AssistRate    *float64       `json:"assistRate"`
	Interventions map[string]int `json:"interventionsByReason"`
}

// KPIReport is the KPIs of a range: all of it, per group, and over time.
type KPIReport struct {
	From   *time.Time `json:"from,omitempty"`
	To     *time.Time `json:"to,omitempty"`
	Group  string     `json:"group"`
	Bucket string     `json:"bucket"`
	Total  KPI        `json:"total"`
	Groups []KPI      `json:"groups"`
	Series []Bucket   `json:"series"`
}

// KPIs computes the figures of f from the sales and interventions HQ holds.
func (s *Service) KPIs(ctx context.Context, f KPIFilter) (*KPIReport, error) {
	if f.Group == "" {
		f.Group = "chain"
	}
	if f.Bucket == "" {
		f.Bucket = "day"
	}
	if f.Loc == nil {
		f.Loc = time.UTC
	}
	if f.Group != "chain" && f.Group != "store" && f.Group != "lane" {
		return nil, fmt.Errorf("%w: group %q: lane, store or chain", ErrInvalid, f.Group)
	}
	if f.Bucket != "hour" && f.Bucket != "day" {
		return nil, fmt.Errorf("%w: bucket %q: hour or day", ErrInvalid, f.Bucket)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, fmt.Errorf("%w: from must be before to", ErrInvalid)
	}
	rep := &KPIReport{Group: f.Group, Bucket: f.Bucket, Total: newKPI("all")}
	if !f.From.IsZero() {
		t := f.From.UTC()
		rep.From = &t
	}
	if !f.To.IsZero() {
		t := f.To.UTC()
		rep.To = &t
	}
	groups := map[string]*KPI{}
	group := func(store, lane string) *KPI {
		key := "chain"
		switch f.Group {
		case "store":
			key = store
		case "lane":
			key = lane
		}
		g := groups[key]
		if g == nil {
			k := newKPI(key)
			g = &k
			groups[key] = g
		}
		return g
	}
	buckets := map[time.Time]*Bucket{}
	bucket := func(t time.Time) *Bucket {
		t = t.In(f.Loc)
		start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, f.Loc)
		if f.Bucket == "hour" {
			start = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, f.Loc)
		}
		b := buckets[start]
		if b == nil {
			b = &Bucket{Start: start, Interventions: map[string]int{}}
			buckets[start] = b
		}
		return b
	}
	db := s.db.WithContext(ctx)
	where := func(table, col string) (string, []any) {
		q, args := "1 = 1", []any{}
		if f.Store != "" {
			q += " AND " + table + ".store = ?"
			args = append(args, f.Store)
		}
		if f.Lane != "" {
			q += " AND " + table + ".lane = ?"
			args = append(args, f.Lane)
		}
		if !f.From.IsZero() {
			q += " AND " + table + "." + col + " >= ?"
			args = append(args, f.From.UTC())
		}
		if !f.To.IsZero() {
			q += " AND " + table + "." + col + " < ?"
			args = append(args, f.To.UTC())
		}
		return q, args
	}

	q, args := where("sales", "ended")
	rows, err := db.Model(&Sale{}).Select("txn, store, lane, outcome, started, ended, items, total_minor, help_opened, help_alert, effort, interventions").
		Where(q, args...).Order("id").Rows()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var r Sale
		if err := db.ScanRows(rows, &r); err != nil {
			rows.Close()
			return nil, err
		}
		b := bucket(r.Ended)
		b.Transactions++
		if r.Interventions > 0 {
			b.Assisted++
		}
		if r.Outcome == "paid" {
			b.SalesMinor += r.TotalMinor
		}
		for _, k := range []*KPI{&rep.Total, group(r.Store, r.Lane)} {
			k.addSale(&r, f.Loc)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	q, args = where("interventions", "raised_at")
	rows, err = db.Model(&Intervention{}).Select("store, lane, type, raised_at, acked_by, resolved_at, role").
		Where(q+" AND (interventions.role <> '' OR interventions.acked_by <> '')", args...).Order("id").Rows()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var r Intervention
		if err := db.ScanRows(rows, &r); err != nil {
			rows.Close()
			return nil, err
		}
		bucket(r.RaisedAt).Interventions[r.Type]++
		for _, k := range []*KPI{&rep.Total, group(r.Store, r.Lane)} {
			k.addIntervention(&r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	q, args = where("sales", "ended")
	var vats []struct {
		Store, Lane, Rate              string
		NetMinor, TaxMinor, GrossMinor int64
	}
	if err := db.Table("sale_vats").Select("sales.store, sales.lane, sale_vats.rate, sale_vats.net_minor, sale_vats.tax_minor, sale_vats.gross_minor").
		Joins("JOIN sales ON sales.txn = sale_vats.txn").Where(q+" AND sales.outcome = 'paid'", args...).Scan(&vats).Error; err != nil {
		return nil, err
	}
	for _, v := range vats {
		for _, k := range []*KPI{&rep.Total, group(v.Store, v.Lane)} {
			sum := k.vat[v.Rate]
			if sum == nil {
				sum = &VATSum{Rate: v.Rate}
				k.vat[v.Rate] = sum
			}
			sum.NetMinor += v.NetMinor
			sum.TaxMinor += v.TaxMinor
			sum.GrossMinor += v.GrossMinor
		}
	}

	rep.Total.finish()
	for _, key := range sortedKeys(groups) {
		g := groups[key]
		g.finish()
		rep.Groups = append(rep.Groups, *g)
	}
	if rep.Groups == nil {
		rep.Groups = []KPI{}
	}
	starts := make([]time.Time, 0, len(buckets))
	for t := range buckets {
		starts = append(starts, t)
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	rep.Series = []Bucket{}
	for _, t := range starts {
		b := buckets[t]
		b.AssistRate = ratio(b.Assisted, b.Transactions)
		rep.Series = append(rep.Series, *b)
	}
	return rep, nil
}

func newKPI(group string) KPI {
	return KPI{Group: group, ByReason: map[string]int{}, Per100ByReason: map[string]float64{}, vat: map[string]*VATSum{},
		Effort: map[string]int{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}}
}

func (k *KPI) addSale(r *Sale, loc *time.Location) {
	k.Transactions++
	if r.Interventions > 0 {
		k.Assisted++
	}
	if r.HelpOpened {
		k.HelpOpened++
		if !r.HelpAlert {
			k.HelpDeflected++
		}
	}
	if r.Effort >= 1 && r.Effort <= 5 {
		k.Effort[fmt.Sprint(r.Effort)]++
		k.EffortAnswers++
	}
	if r.Outcome != "paid" {
		k.Cancelled++
		return
	}
	k.Paid++
	k.SalesMinor += r.TotalMinor
	k.SalesByHour[r.Ended.In(loc).Hour()] += r.TotalMinor
	d := r.Ended.Sub(r.Started).Seconds()
	if d >= 0 {
		k.dur = append(k.dur, d)
		k.minutes += d / 60
		k.Items += r.Items
	}
}

func (k *KPI) addIntervention(r *Intervention) {
	k.Interventions++
	k.ByReason[r.Type]++
	if r.Role != "" && r.ResolvedAt != nil {
		k.Resolved++
		k.ttr = append(k.ttr, r.ResolvedAt.Sub(r.RaisedAt).Seconds())
	}
}

func (k *KPI) finish() {
	k.AssistRate = ratio(k.Assisted, k.Transactions)
	k.Deflection = ratio(k.HelpDeflected, k.HelpOpened)
	if k.Transactions > 0 {
		p := round(100 * float64(k.Interventions) / float64(k.Transactions))
		k.Per100 = &p
		for r, n := range k.ByReason {
			k.Per100ByReason[r] = round(100 * float64(n) / float64(k.Transactions))
		}
	}
	k.TTRP50S, k.TTRP90S = percentile(k.ttr, 50), percentile(k.ttr, 90)
	k.DurationP50S, k.DurationP90S = percentile(k.dur, 50), percentile(k.dur, 90)
	if k.minutes > 0 {
		v := round(float64(k.Items) / k.minutes)
		k.ItemsPerMinute = &v
	}
	if k.EffortAnswers > 0 {
		sum := 0
		for s, n := range k.Effort {
			sum += int(s[0]-'0') * n
		}
		v := round(float64(sum) / float64(k.EffortAnswers))
		k.EffortMean = &v
	}
	k.SalesByVAT = []VATSum{}
	for _, r := range sortedKeys(k.vat) {
		k.SalesByVAT = append(k.SalesByVAT, *k.vat[r])
	}
}

// percentile is the nearest-rank p-th percentile of v (the smallest value
// at least p % of the values are at or below); nil for no values.
func percentile(v []float64, p float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	x := round(s[max(rank, 1)-1])
	return &x
}

func ratio(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := round(float64(n) / float64(of))
	return &v
}

// round keeps 4 decimals: the figures are for people, and JSON stays stable.
func round(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
