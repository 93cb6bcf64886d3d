// Package pricing turns a basket into priced lines, a total and a VAT breakdown per
// rate: a pure function that promotions and deposits will extend.
package pricing

import (
	"sort"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
)

// MinorDigits is the number of fraction digits of the currency (cents).
const MinorDigits = 2

// Item is one basket line as the pricing function sees it. Prices are gross.
type Item struct {
	SoldBy    catalog.SoldBy
	Qty       int             // pieces (ByEach)
	WeightG   int             // grams (ByWeight)
	UnitPrice decimal.Decimal // per piece, or per kg for ByWeight
	Embedded  *decimal.Decimal
	VATClass  string
	VATRate   decimal.Decimal // percent
	Voided    bool
}

// VATLine is the VAT of one rate on the receipt.
type VATLine struct {
	Class string
	Rate  decimal.Decimal
	Gross decimal.Decimal
	Net   decimal.Decimal
	Tax   decimal.Decimal
}

// Result is a priced basket.
type Result struct {
	Amounts []decimal.Decimal // per item, zero for voided ones
	Total   decimal.Decimal
	Items   int // pieces of ByEach lines plus one per weighed line
	VAT     []VATLine
}

var thousand = decimal.NewFromInt(1000)

// Round rounds an amount half-up (away from zero) to the currency's minor unit.
func Round(d decimal.Decimal) decimal.Decimal { return d.Round(MinorDigits) }

// LineAmount is the gross amount of one item, rounded half-up to the minor unit:
// an embedded barcode price wins; otherwise price × quantity, or price per kg ×
// weight.
func LineAmount(it Item) decimal.Decimal {
	switch {
	case it.Voided:
		return decimal.Zero
	case it.Embedded != nil:
		return Round(*it.Embedded)
	case it.SoldBy == catalog.ByWeight:
		return Round(it.UnitPrice.Mul(decimal.NewFromInt(int64(it.WeightG))).Div(thousand))
	default:
		return Round(it.UnitPrice.Mul(decimal.NewFromInt(int64(it.Qty))))
	}
}

// Price prices a basket: per-line amounts, the total, and per VAT rate the gross,
// net and tax, with net = gross / (1 + rate) rounded half-up once per rate.
func Price(items []Item) Result {
	res := Result{Amounts: make([]decimal.Decimal, len(items))}
	type key struct{ class, rate string }
	groups := map[key]*VATLine{}
	for i, it := range items {
		a := LineAmount(it)
		res.Amounts[i] = a
		if it.Voided {
			continue
		}
		res.Total = res.Total.Add(a)
		if it.SoldBy == catalog.ByWeight || it.Embedded != nil {
			res.Items++
		} else {
			res.Items += it.Qty
		}
		k := key{it.VATClass, it.VATRate.String()}
		g := groups[k]
		if g == nil {
			g = &VATLine{Class: it.VATClass, Rate: it.VATRate}
			groups[k] = g
		}
		g.Gross = g.Gross.Add(a)
	}
	hundred := decimal.NewFromInt(100)
	for _, g := range groups {
		g.Net = Round(g.Gross.Mul(hundred).Div(hundred.Add(g.Rate)))
		g.Tax = g.Gross.Sub(g.Net)
		res.VAT = append(res.VAT, *g)
	}
	sort.Slice(res.VAT, func(i, j int) bool {
		if c := res.VAT[i].Rate.Cmp(res.VAT[j].Rate); c != 0 {
			return c > 0
		}
		return res.VAT[i].Class < res.VAT[j].Class
	})
	return res
}
