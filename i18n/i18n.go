// Package i18n holds every word the shopper reads, on the screen and on the
// receipt, in each language the kiosk speaks, and formats amounts, weights and
// rates the way that language writes them.
//
// The words are strings.json, embedded here and served to the page as is
// (ui's /i18n/strings.js): a receipt and the screen take the same entry for
// the same word. Each language maps keys to strings with {name} placeholders;
// a key missing in a language falls back to English, then to the key itself.
//
// Numbers follow the language's "fmt.*" entries, the same on screen and paper:
//
//	en  €1,234.56   -€0.50   19%     1.250 kg   CHF 1,234.56
//	de  1.234,56 €  -0,50 €  19 %    1,250 kg   1.234,56 CHF
//	es  1.234,56 €  -0,50 €  19 %    1,250 kg   1.234,56 CHF
//
// A currency with a "currency.XXX" symbol (EUR, GBP, USD) is written with it,
// any other with its ISO 4217 code. Spanish groups thousands from four digits
// on (1.234,56 €), like German; CLDR would leave a four-digit Spanish amount
// ungrouped, which we do not follow so that every amount on one receipt is
// grouped alike.
package i18n

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// Default is the language every other one falls back to.
const Default = "en"

//go:embed strings.json
var stringsJSON []byte

var table = mustParse(stringsJSON)

func mustParse(b []byte) map[string]map[string]string {
	var t map[string]map[string]string
	if err := json.Unmarshal(b, &t); err != nil {
		panic(fmt.Sprintf("i18n: strings.json: %v", err))
	}
	if t[Default] == nil {
		panic("i18n: strings.json has no " + Default)
	}
	return t
}

// JSON returns strings.json: {"en": {"key": "text", …}, "de": …}.
func JSON() []byte { return stringsJSON }

// Langs returns the languages there are words for, sorted.
func Langs() []string {
	out := make([]string, 0, len(table))
	for l := range table {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// Has reports whether lang has its own entry for key.
func Has(lang, key string) bool {
	_, ok := table[lang][key]
	return ok
}

// T returns the entry for key in lang (else English, else the key) with each
// {name} replaced by the value that follows name in vars.
func T(lang, key string, vars ...string) string {
	s, ok := table[lang][key]
	if !ok {
		if s, ok = table[Default][key]; !ok {
			return key
		}
	}
	for i := 0; i+1 < len(vars); i += 2 {
		s = strings.ReplaceAll(s, "{"+vars[i]+"}", vars[i+1])
	}
	return s
}

// Number writes d with exactly places decimals (rounded half away from zero)
// and the language's decimal mark and thousands separator.
func Number(lang string, d decimal.Decimal, places int32) string {
	return number(lang, d.StringFixed(places))
}

// number writes a plain decimal string ("-1234.50") in lang.
func number(lang, s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if strings.Trim(intPart+frac, "0") == "" {
		sign = "" // no "-0,00"
	}
	var b strings.Builder
	b.WriteString(sign)
	group := T(lang, "fmt.group")
	for i := range len(intPart) {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteByte(intPart[i])
	}
	if frac != "" {
		b.WriteString(T(lang, "fmt.decimal"))
		b.WriteString(frac)
	}
	return b.String()
}

// Amount writes an amount of money without its currency, with two decimals
// (the minor unit of EUR, GBP, USD, CHF): 1,234.56 or 1.234,56.
func Amount(lang string, d decimal.Decimal) string { return Number(lang, d, 2) }

// Money writes an amount with its currency (ISO 4217), the sign in front:
// €1,234.56 or 1.234,56 €.
func Money(lang, currency string, d decimal.Decimal) string {
	sign := ""
	if d.IsNegative() && !d.Round(2).IsZero() {
		sign, d = "-", d.Neg()
	}
	amount := Amount(lang, d)
	if sym := "currency." + currency; Has(lang, sym) || Has(Default, sym) {
		return sign + T(lang, "fmt.money", "symbol", T(lang, sym), "amount", amount)
	}
	return sign + T(lang, "fmt.moneyCode", "currency", currency, "amount", amount)
}

// Percent writes a rate given in percent with up to two decimals: 19%, 5,5 %.
func Percent(lang string, rate decimal.Decimal) string {
	return T(lang, "fmt.percent", "n", number(lang, rate.Round(2).String()))
}

// Kg writes grams as kilograms with three decimals: 1.250 or 1,250.
func Kg(lang string, grams int) string {
	return Number(lang, decimal.New(int64(grams), -3), 3)
}
