// Package store opens the kiosk's SQLite file with verified durability settings: one
// writer connection, a small read-only pool, and the schema migrated in order.
//
// Everything a lane commits lives in this one file: catalog, journal, transactions,
// lines, alerts and idempotency keys. The writer uses WAL, synchronous=FULL, foreign
// keys and BEGIN IMMEDIATE; the settings and the SQLite version are read back after
// opening, and a mismatch refuses to start, because a kiosk that silently runs with
// synchronous=OFF would lose acknowledged sales on a power cut.
package store
