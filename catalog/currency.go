package catalog

import "strings"

// iso4217 maps alphabetic ISO 4217 currency codes to their numeric codes, for
// the currencies of the countries the RCN presets cover and their neighbours.
var iso4217 = map[string]string{
	"EUR": "978", // euro
	"GBP": "826", // pound sterling
	"SEK": "752", // Swedish krona
	"NOK": "578", // Norwegian krone
	"DKK": "208", // Danish krone
	"ISK": "352", // Icelandic króna
	"CHF": "756", // Swiss franc
	"PLN": "985", // Polish złoty
	"CZK": "203", // Czech koruna
	"HUF": "348", // Hungarian forint
	"RON": "946", // Romanian leu
	"BGN": "975", // Bulgarian lev
	"USD": "840", // US dollar
	"CAD": "124", // Canadian dollar
	"AUD": "036", // Australian dollar
	"NZD": "554", // New Zealand dollar
	"JPY": "392", // yen
}

// CurrencyNumeric returns the ISO 4217 numeric code ("978") of an alphabetic
// currency code ("EUR", any case), as GS1 AI 393n carries it in Code.Currency,
// and whether the code is known.
func CurrencyNumeric(alpha string) (string, bool) {
	n, ok := iso4217[strings.ToUpper(alpha)]
	return n, ok
}
