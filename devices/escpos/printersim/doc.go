// Package printersim is a simulated ESC/POS receipt printer on the far end of
// a pseudo-terminal: it interprets what a driver sends, renders every cut
// receipt to an image, answers real-time status queries and takes injected
// faults.
//
// What it does, and where it simplifies:
//
//   - Printing is package paper's print engine, the one the receipt preview
//     draws with: commands, Font A text, rasters, Code 128 and QR codes, cuts.
//     GS a (automatic status back) is handled here.
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
