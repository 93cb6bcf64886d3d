// Package crashpoint lets the crash tests kill the kiosk at a named point of
// its work (KIOSK_CRASH_AT=name): in builds with the "sim" tag only; in a
// store's build Hit does nothing.
package crashpoint
