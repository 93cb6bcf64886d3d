package pricing

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestLineAmount(t *testing.T) {
	emb := d("3.495")
	for _, tc := range []struct {
		name string
		it   Item
		want string
	}{
		{"3 × 1.19", Item{SoldBy: catalog.ByEach, Qty: 3, UnitPrice: d("1.19")}, "3.57"},
		{"1.234 kg × 1.69 rounds half-up", Item{SoldBy: catalog.ByWeight, WeightG: 1234, UnitPrice: d("1.69")}, "2.09"},
		{"0.785 kg × 12.90 = 10.1265", Item{SoldBy: catalog.ByWeight, WeightG: 785, UnitPrice: d("12.90")}, "10.13"},
		{"exact half 0.005 rounds up", Item{SoldBy: catalog.ByWeight, WeightG: 1, UnitPrice: d("5.00")}, "0.01"},
		{"just under half rounds down", Item{SoldBy: catalog.ByWeight, WeightG: 1, UnitPrice: d("4.99")}, "0.00"},
		{"embedded price wins", Item{SoldBy: catalog.ByEach, Qty: 1, UnitPrice: d("9.99"), Embedded: &emb}, "3.50"},
		{"voided is zero", Item{SoldBy: catalog.ByEach, Qty: 2, UnitPrice: d("1.00"), Voided: true}, "0.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LineAmount(tc.it).StringFixed(2); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestPriceVATPerRate(t *testing.T) {
	items := []Item{
		{SoldBy: catalog.ByEach, Qty: 2, UnitPrice: d("1.19"), VATClass: "reduced", VATRate: d("7")},
		{SoldBy: catalog.ByEach, Qty: 1, UnitPrice: d("1.69"), VATClass: "standard", VATRate: d("19")},
		{SoldBy: catalog.ByWeight, WeightG: 500, UnitPrice: d("2.99"), VATClass: "reduced", VATRate: d("7")},
		{SoldBy: catalog.ByEach, Qty: 1, UnitPrice: d("100"), VATClass: "standard", VATRate: d("19"), Voided: true},
	}
	r := Price(items)
	if r.Total.StringFixed(2) != "5.57" || r.Items != 4 {
		t.Fatalf("total %s items %d", r.Total, r.Items)
	}
	want := []struct{ class, gross, net, tax string }{
		{"standard", "1.69", "1.42", "0.27"},
		{"reduced", "3.88", "3.63", "0.25"}, // 2.38 + 1.50 (1.495 rounded up)
	}
	if len(r.VAT) != len(want) {
		t.Fatalf("VAT %+v", r.VAT)
	}
	for i, w := range want {
		g := r.VAT[i]
		if g.Class != w.class || g.Gross.StringFixed(2) != w.gross || g.Net.StringFixed(2) != w.net || g.Tax.StringFixed(2) != w.tax {
			t.Errorf("VAT[%d] = %s %s %s %s, want %+v", i, g.Class, g.Gross, g.Net, g.Tax, w)
		}
		if !g.Net.Add(g.Tax).Equal(g.Gross) {
			t.Errorf("net + tax != gross for %s", g.Class)
		}
	}
}

// Sum over amounts priced once agrees with pricing every line from scratch,
// on random baskets: totals in decimal, VAT per class and rate.
func TestSumAgreesWithPricingEachLine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rates := []struct {
		class string
		rate  decimal.Decimal
	}{{"standard", d("19")}, {"reduced", d("7")}, {"zero", d("0")}, {"odd", d("5.5")}}
	for n := range 200 {
		var items []Item
		for range rng.IntN(60) {
			r := rates[rng.IntN(len(rates))]
			it := Item{SoldBy: catalog.ByEach, Qty: 1 + rng.IntN(99), UnitPrice: decimal.New(int64(rng.IntN(100000)), -2),
				VATClass: r.class, VATRate: r.rate, Voided: rng.IntN(10) == 0}
			switch rng.IntN(4) {
			case 0:
				it.SoldBy, it.WeightG = catalog.ByWeight, 1+rng.IntN(30000)
			case 1:
				e := decimal.New(int64(rng.IntN(100000)), -3)
				it.Embedded = &e
			}
			items = append(items, it)
		}
		got := Price(items)
		// The reference: every line priced, grouped with a map.
		total := decimal.Zero
		gross := map[string]decimal.Decimal{}
		pieces := 0
		for _, it := range items {
			if it.Voided {
				continue
			}
			a := LineAmount(it)
			total = total.Add(a)
			gross[it.VATClass] = gross[it.VATClass].Add(a)
			if it.SoldBy == catalog.ByWeight || it.Embedded != nil {
				pieces++
			} else {
				pieces += it.Qty
			}
		}
		if !got.Total.Equal(total) || got.Items != pieces || len(got.VAT) != len(gross) {
			t.Fatalf("basket %d: total %s items %d groups %d, want %s %d %d", n, got.Total, got.Items, len(got.VAT), total, pieces, len(gross))
		}
		for _, g := range got.VAT {
			if !g.Gross.Equal(gross[g.Class]) || !g.Net.Add(g.Tax).Equal(g.Gross) {
				t.Fatalf("basket %d: VAT %s gross %s, want %s", n, g.Class, g.Gross, gross[g.Class])
			}
		}
	}
}
