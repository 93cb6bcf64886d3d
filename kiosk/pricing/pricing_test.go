package pricing

import (
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
