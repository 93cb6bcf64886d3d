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
	amounts := make([]decimal.Decimal, len(items))
	priced := make([]Priced, len(items))
	for i, it := range items {
		amounts[i] = LineAmount(it)
		priced[i] = PricedOf(it, amounts[i])
	}
	res := Sum(priced)
	res.Amounts = amounts
	return res
}

// Priced is a line whose amount is already known: what Sum needs of it.
type Priced struct {
	Minor    int64 // gross amount in minor units
	Pieces   int   // what the line adds to the item count
	VATClass string
	VATRate  decimal.Decimal
	Voided   bool
}

// PricedOf is it with its amount, as LineAmount gave it.
func PricedOf(it Item, amount decimal.Decimal) Priced {
	p := Priced{Minor: amount.Shift(MinorDigits).IntPart(), VATClass: it.VATClass, VATRate: it.VATRate, Voided: it.Voided}
	if it.SoldBy == catalog.ByWeight || it.Embedded != nil {
		p.Pieces = 1
	} else {
		p.Pieces = it.Qty
	}
	return p
}

// Sum totals lines priced before: the total, the item count and the VAT per
// rate, as Price does, without pricing any line again. The lane keeps each
// line's amount, so a scan costs the same in a basket of 500 lines as in one of
// five; Amounts is left nil.
func Sum(lines []Priced) Result {
	var res Result
	type group struct {
		class string
		rate  decimal.Decimal
		gross int64
	}
	var groups []group // a handful of rates: a slice beats a map
	var total int64
	for _, ln := range lines {
		if ln.Voided {
			continue
		}
		total += ln.Minor
		res.Items += ln.Pieces
		i := 0
		for i < len(groups) && !(groups[i].class == ln.VATClass && groups[i].rate.Equal(ln.VATRate)) {
			i++
		}
		if i == len(groups) {
			groups = append(groups, group{class: ln.VATClass, rate: ln.VATRate})
		}
		groups[i].gross += ln.Minor
	}
	res.Total = decimal.New(total, -MinorDigits)
	hundred := decimal.NewFromInt(100)
	for _, g := range groups {
		v := VATLine{Class: g.class, Rate: g.rate, Gross: decimal.New(g.gross, -MinorDigits)}
		v.Net = Round(v.Gross.Mul(hundred).Div(hundred.Add(g.rate)))
		v.Tax = v.Gross.Sub(v.Net)
		res.VAT = append(res.VAT, v)
	}
	sort.Slice(res.VAT, func(i, j int) bool {
		if c := res.VAT[i].Rate.Cmp(res.VAT[j].Rate); c != 0 {
			return c > 0
		}
		return res.VAT[i].Class < res.VAT[j].Class
	})
	return res
}
