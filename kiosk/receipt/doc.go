// Package receipt lays out what a shopper takes home once, for the printer's
// paper, and renders that one layout to the ESC/POS bytes the printer prints
// and to a PNG preview drawn from those very bytes.
//
// # One layout
//
// Lay turns a Receipt (what the lane committed: lines, totals, VAT, tenders,
// whether it was paid) into a Layout for one Paper: every line already
// broken to the paper's columns, every barcode's module width chosen to fit
// its head. The layout has three renderings:
//
//   - ESCPOS: the bytes sent to the printer (package escpos builds them).
//   - PNG: the preview. It interprets the ESCPOS bytes with package paper, the
//     print engine the printer simulator prints with, so the preview is
//     exactly what the simulator prints from the same job. We render the
//     bytes rather than drawing the layout a second way: a second drawing
//     would be a second layout that could drift from what prints. What it
//     cannot show is the printer's own ROM font (Font A is drawn from
//     Inconsolata at the same 12×24 cell) and, for native codes, the
//     printer's own drawing of them (drawn here with the same encoder).
//   - Text: a human-readable rendering for golden files and logs: the text
//     lines in their columns, styles named, barcodes with their payloads,
//     module widths and widths in dots spelled out.
//
// # Words and numbers
//
// Every word comes from package i18n, the entries the shopper screen uses
// (totals.total, vat.net, line.weight, …, plus receipt.* for what only paper
// says), in the transaction's language; amounts, weights and rates are
// written by i18n's rules for that language (1.234,56 € / €1,234.56). The
// printer's code page is CP858: a rune it lacks prints as '?', and the
// layout holds what prints, so Text shows the '?' too.
//
// # Paper
//
// One setting: the printer's paper width (58 mm: 384 dots, 32 columns of
// Font A; 80 mm: 576 dots, 48 columns), and whether the printer draws the
// barcodes itself (GS k, GS ( k) or is sent rasters. Barcodes get the largest
// whole number of dots per module that fits the head with its quiet zones (a
// fraction makes uneven bars readers refuse): Code 128 at most 4, natively at
// least 2 (GS w's minimum); QR at most 6. A transaction id no Code 128 of
// which fits is printed as a QR code; a URL no QR code of which fits, as text.
//
// # Status
//
// Only a transaction that ended paid is printed without a mark. An open
// basket is marked NOT PAID and a cancelled one CANCELLED, in large letters
// under the header and again above the footer with a sentence saying so.
// Tenders (card payments: amount, card as the terminal masks it, approval
// code, terminal id and the terminal's own receipt text) print in their own
// section, so payments add to the layout without changing it.
package receipt
