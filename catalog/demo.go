package catalog

import _ "embed"

//go:embed demo/demo.csv
var demoCSV string

// DemoCSV returns the demo store's catalog, a German supermarket of a few
// hundred items in the format ReadCSV reads: packaged goods with expected
// weights, produce sold by weight with IFPS PLU codes, age-restricted drinks,
// and variable-measure items for in-store barcodes (German layout: prefixes
// 28/29 weight-embedded, 22/23 price-embedded; the catalog GTIN carries the
// item number with the value digits zeroed). The GTINs are made up. Each
// call returns a fresh copy.
func DemoCSV() []byte { return []byte(demoCSV) }
