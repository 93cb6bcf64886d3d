package kiosk

import "time"

// stampLayout writes stored instants: UTC, nanoseconds always nine digits, so
// that the text sorts as the instants do (RFC 3339 with trimmed fractions does
// not: "…05.1Z" sorts after "…05.123Z").
const stampLayout = "2006-01-02T15:04:05.000000000Z"

// stamp formats t for storage.
func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

// parseStamp reads a stored instant, written by stamp or by an older build
// (RFC 3339 with a trimmed fraction).
func parseStamp(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
