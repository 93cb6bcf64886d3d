// Package catalog holds products, barcode and GTIN decoding, and the catalog CSV format.
//
// Everything here is a pure function of its input or works on a *sql.DB handed in by
// the caller; the package imports nothing of ours but store.
package catalog
