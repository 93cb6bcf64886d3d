// Package hq is the HQ service's storage and logic: it stores what lanes
// push exactly once and in order per lane, projects sales and interventions
// from the events, computes the KPIs, pages the pull API and keeps catalog
// publications, on GORM over SQLite (github.com/glebarez/sqlite) or
// PostgreSQL (gorm.io/driver/postgres).
//
// It imports nothing of the lane but its wire format (hqwire): the lane
// links modernc.org/sqlite, HQ glebarez's fork of it, and both register the
// database/sql driver "sqlite", so the two never share a process.
package hq
