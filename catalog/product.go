package catalog

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// SoldBy says how a product is priced: per piece or per kilogram.
type SoldBy string

const (
	ByEach   SoldBy = "each"
	ByWeight SoldBy = "weight"
)

// Lang is one of the languages the shopper screen and the catalog carry.
type Lang string

const (
	English Lang = "en"
	German  Lang = "de"
	Spanish Lang = "es"
)

// Langs lists the supported languages in display order.
var Langs = []Lang{English, German, Spanish}

// Names holds a product name per language.
type Names struct {
	EN string `json:"en"`
	DE string `json:"de"`
	ES string `json:"es"`
}

// In returns the name in lang, falling back to English.
func (n Names) In(lang Lang) string {
	switch lang {
	case German:
		if n.DE != "" {
			return n.DE
		}
	case Spanish:
		if n.ES != "" {
			return n.ES
		}
	}
	return n.EN
}

// Product is one catalog item.
//
// Price is gross (VAT included): per piece for ByEach, per kilogram for ByWeight.
// WeightG is the expected unit weight in grams for bagging checks; zero means
// "not weighed". ToleranceG is the accepted deviation; zero means the lane default.
// Bagging exempts heavy and no-bag products from the bagging-area check.
// Variable marks a variable-measure product: only for such a product may a
// price, weight or count embedded in its barcode (an in-store label, GS1 AIs
// 310n, 392n, 393n) set what the line costs.
type Product struct {
	GTIN       string          `json:"gtin"` // canonical GTIN-14
	PLU        string          `json:"plu,omitempty"`
	Names      Names           `json:"names"`
	Price      decimal.Decimal `json:"price"`
	SoldBy     SoldBy          `json:"soldBy"`
	VATClass   string          `json:"vatClass"`
	MinAge     int             `json:"minAge"`
	WeightG    int             `json:"weightG,omitempty"`
	ToleranceG int             `json:"toleranceG,omitempty"`
	Category   string          `json:"category"`
	Variable   bool            `json:"variable,omitempty"`
	Bagging    Bagging         `json:"bagging,omitempty"`
}

// Bagging says whether the bagging area checks a product's weight.
type Bagging string

const (
	BagCheck Bagging = ""      // weighed in the bagging area (the default)
	BagHeavy Bagging = "heavy" // too heavy to bag: stays in the trolley, not checked
	BagNone  Bagging = "nobag" // not bagged (flowers, a broom): not checked
)

// BagChecked reports whether the bagging area checks the product.
func (p Product) BagChecked() bool { return p.Bagging == BagCheck }

// Weighed reports whether the product has an expected unit weight.
func (p Product) Weighed() bool { return p.WeightG > 0 }

// String names the product for logs.
func (p Product) String() string { return fmt.Sprintf("%s %q", p.GTIN, p.Names.EN) }

// VATRates maps a VAT class (e.g. "standard") to its rate in percent (e.g. 19).
type VATRates map[string]decimal.Decimal

// DefaultVATRates are the German rates, the demo store's.
func DefaultVATRates() VATRates {
	return VATRates{
		"standard": decimal.NewFromInt(19),
		"reduced":  decimal.NewFromInt(7),
		"zero":     decimal.Zero,
	}
}
