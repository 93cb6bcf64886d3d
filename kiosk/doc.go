// Package kiosk is the lane: one goroutine owns a lane's state, turns each command
// into journal events committed to SQLite together with their projections, and only
// then shows the new state to anyone.
//
// Nothing here knows HTTP or an ORM; the ui package drives a Lane through Do and
// Subscribe, and the devices feed it scans.
package kiosk
