// Package paper interprets ESC/POS as a 203 dpi thermal receipt printer prints
// it and gives back each cut receipt as an image, its text and its barcodes.
// The receipt preview and the printer simulator both draw with it, so a
// preview shows what the printer simulator prints from the same bytes.
//
// What it does, and where it simplifies:
//
//   - Commands: ESC @, ESC t (19 = CP858; other pages print '?' for bytes above
//     0x7F), ESC E, ESC !, GS !, ESC a, ESC d, ESC J, ESC 2/3, LF, GS V, GS v 0
//     (modes 0–3), GS k 73 (Code 128, drawn with boombuler/barcode at GS w dots
//     per module and GS h high, HRI by GS H), GS ( k for QR (fn 65, 67, 69,
//     80, 81; the version is the smallest that holds the data, as printers
//     choose it). Other barcodes and 2-D symbols print as a framed placeholder;
//     other known commands are skipped by their length. A code wider than the
//     paper is not printed (Epson printers ignore it); a raster wider than the
//     paper loses what lies beyond the head.
//   - Text is Font A, 12×24 dots: Inconsolata 8×16 (Latin-1 and €, from
//     golang.org/x/image/font/inconsolata) resampled and thresholded, box
//     drawing by rule. Justification applies to text, rasters and barcodes.
//     A line longer than the head wraps, as on the printer.
//   - Real-time commands (DLE EOT, DLE ENQ) and automatic status back (GS a)
//     are skipped: answering them is the business of whatever holds the line.
//   - A page stops growing at 2 m of paper between two cuts.
package paper
