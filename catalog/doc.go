// Package catalog holds products, barcode and GTIN decoding, and the catalog CSV format.
//
// Everything here is a pure function of its input or works on the kiosk's
// database (a *store.DB handed in by the caller) and, while importing, on a
// scratch file and a lock file beside it; the package imports nothing of ours
// but store.
package catalog
