// Package printersim is a simulated ESC/POS receipt printer on the far end of
// a pseudo-terminal: it interprets what a driver sends, renders every cut
// receipt to an image, answers real-time status queries and takes injected
// faults.
//
// What it does, and where it simplifies:
//
//   - Commands: ESC @, ESC t (19 = CP858; other pages print '?' for bytes above
//     0x7F), ESC E, ESC !, GS !, ESC a, ESC d, ESC J, ESC 2/3, LF, GS V, GS v 0
//     (modes 0–3), GS k 73 (Code 128, drawn with boombuler/barcode at GS w dots
//     per module and GS h high, HRI by GS H), GS ( k for QR (fn 65, 67, 69,
//     80, 81), GS a (ASB). Other barcodes and 2-D symbols print as a framed
//     placeholder; other known commands are skipped by their length.
//   - Text is Font A, 12×24 dots: Inconsolata 8×16 (Latin-1 and €, from
//     golang.org/x/image/font/inconsolata) resampled and thresholded, box
//     drawing by rule. Justification applies to text, rasters and barcodes.
//   - Real-time commands act as bytes arrive, even inside raster data or while
//     offline, as on Epson printers: DLE EOT n (n 1–4) is answered with the
//     state after everything received before it was printed; DLE ENQ 1/2
//     clears a cutter error.
//   - While offline (Offline, CoverOpen, PaperEnd, CutterError) or held (Hold:
//     a full buffer) data is kept and printed on recovery; XOFF is sent when
//     the printer stops taking data and XON when it takes it again, once the
//     host has spoken on the connection. Silent stops all replies.
//   - A replug is a new connection: half-received commands are kept, flow
//     control starts afresh.
package printersim
