package hqsync

import (
	"errors"
	"testing"
)

// FuzzDecodeAck: whatever HQ (or something in its place) answers, the lane
// reads a confirmation only from a 200 with an acknowledgement, a rewind
// only from a 409 that names where to start, and never panics.
func FuzzDecodeAck(f *testing.F) {
	f.Add(200, []byte(`{"stored":3,"duplicates":0,"next":4,"auditNext":1}`))
	f.Add(409, []byte(`{"next":2,"auditNext":1,"error":"gap"}`))
	f.Add(200, []byte(`{"next":0}`))
	f.Add(500, []byte(`<html>bad gateway</html>`))
	f.Add(401, []byte(`{"error":{"code":"unauthorized"}}`))
	f.Add(200, []byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		ack, err := decodeAck(status, body)
		var rw *RewindError
		switch {
		case err == nil && (status != 200 || ack.Next < 1):
			t.Fatalf("confirmed from %d %q: %+v", status, body, ack)
		case errors.As(err, &rw) && (status != 409 || rw.Next < 1):
			t.Fatalf("rewind from %d %q: %+v", status, body, rw)
		}
	})
}
