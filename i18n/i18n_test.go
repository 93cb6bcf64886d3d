package i18n

import (
	"regexp"
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
)

func TestEveryLanguageHasEveryWord(t *testing.T) {
	var want []string
	for _, l := range catalog.Langs {
		want = append(want, string(l))
	}
	slices.Sort(want)
	if got := Langs(); !slices.Equal(got, want) {
		t.Fatalf("languages %v, the catalog has names in %v", got, want)
	}
	placeholders := regexp.MustCompile(`\{\w+\}`)
	for _, lang := range Langs() {
		t.Run(lang, func(t *testing.T) {
			for key, en := range table[Default] {
				s, ok := table[lang][key]
				if !ok {
					t.Errorf("%s: no %q", lang, key)
					continue
				}
				a, b := placeholders.FindAllString(en, -1), placeholders.FindAllString(s, -1)
				slices.Sort(a)
				slices.Sort(b)
				if !slices.Equal(a, b) {
					t.Errorf("%s %q: placeholders %v, English has %v", lang, key, b, a)
				}
			}
			for key := range table[lang] {
				if _, ok := table[Default][key]; !ok {
					t.Errorf("%s has %q, English does not", lang, key)
				}
			}
		})
	}
}

func TestT(t *testing.T) {
	for _, tc := range []struct {
		lang, key string
		vars      []string
		want      string
	}{
		{"de", "totals.total", nil, "Summe"},
		{"es", "header.lane", []string{"lane", "0001-01"}, "Caja 0001-01"},
		{"fr", "totals.total", nil, "Total"},      // unknown language: English
		{"de", "no.such.key", nil, "no.such.key"}, // unknown key: the key
		{"en", "header.lane", []string{"lane"}, "Lane {lane}"},
	} {
		t.Run(tc.lang+" "+tc.key, func(t *testing.T) {
			if got := T(tc.lang, tc.key, tc.vars...); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		lang, cur, amount, want string
	}{
		{"en", "EUR", "1234.56", "€1,234.56"},
		{"de", "EUR", "1234.56", "1.234,56 €"},
		{"es", "EUR", "1234.56", "1.234,56 €"},
		{"en", "EUR", "0", "€0.00"},
		{"de", "EUR", "-0.5", "-0,50 €"},
		{"en", "EUR", "-0.5", "-€0.50"},
		{"en", "EUR", "-0.001", "€0.00"},
		{"de", "EUR", "1234567.895", "1.234.567,90 €"},
		{"en", "GBP", "12", "£12.00"},
		{"en", "CHF", "1234.5", "CHF 1,234.50"},
		{"de", "CHF", "1234.5", "1.234,50 CHF"},
		{"es", "USD", "999.99", "999,99 $"},
		{"xx", "EUR", "1", "€1.00"},
	} {
		t.Run(tc.lang+" "+tc.cur+" "+tc.amount, func(t *testing.T) {
			if got := Money(tc.lang, tc.cur, decimal.RequireFromString(tc.amount)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPercentAndKg(t *testing.T) {
	for _, tc := range []struct {
		lang, rate, want string
	}{
		{"en", "19", "19%"}, {"de", "19", "19 %"}, {"es", "21", "21 %"}, {"de", "5.5", "5,5 %"}, {"en", "0", "0%"}, {"en", "2.125", "2.13%"},
	} {
		t.Run(tc.lang+" "+tc.rate+"%", func(t *testing.T) {
			if got := Percent(tc.lang, decimal.RequireFromString(tc.rate)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		lang  string
		grams int
		want  string
	}{{"en", 1250, "1.250"}, {"de", 532, "0,532"}, {"es", 1234567, "1.234,567"}, {"en", -5, "-0.005"}} {
		t.Run(tc.lang+" "+tc.want, func(t *testing.T) {
			if got := Kg(tc.lang, tc.grams); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
