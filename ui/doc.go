// Package ui serves the shopper's touchscreen (pages, JSON commands, an SSE stream
// of lane state) on loopback, the staff handheld (live alerts of the store's
// lanes, staff login and actions) on the LAN, and the staff control API on a
// local socket.
//
// It holds no business rules: every request becomes a kiosk.Command, a staff
// action the lane and the staff service judge, or a read of kiosk and catalog
// state.
package ui
