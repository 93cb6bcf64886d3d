// Package ui serves the shopper's touchscreen (pages, JSON commands, an SSE stream
// of lane state) on loopback, and the staff control API on a local socket.
//
// It holds no business rules: every request becomes a kiosk.Command or a read of
// kiosk and catalog state.
package ui
