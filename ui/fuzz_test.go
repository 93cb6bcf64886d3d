package ui

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kiosk-sco/kiosk/kiosk"
)

// FuzzDecodeCommand feeds arbitrary bodies to the shopper command parser. A body it
// accepts is a single known-field object whose re-encoding decodes to the same
// command, and it never yields a staff-only command.
func FuzzDecodeCommand(f *testing.F) {
	for _, s := range []string{
		`{"op":"scan","code":"4006381333931","source":"typed"}`,
		`{"op":"weighed","plu":"4011","weightG":1250}`,
		`{"op":"quantity","line":1,"qty":3}`,
		`{"op":"resolve","alertId":1,"outcome":"approved","by":"x"}`,
		`{"op":"sell_unknown","alertId":1}`, `{"op":"lane_close"}`, `{"op":"cash_taken"}`,
		`{"op":"scan","code":"\u001d01"}`,
		`{"op":"help"} `,
		`{"op":"help"}{"op":"help"}`,
		`[]`, `null`, `{"op":1}`, `{"OP":"help"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		cmd, err := DecodeCommand(body)
		if err != nil {
			return
		}
		if staffOps[cmd.Op] || cmd.Op == kiosk.OpResolve || cmd.Op == kiosk.OpAck {
			t.Fatalf("accepted a staff command: %s", body)
		}
		if cmd.IdemKey != "" {
			t.Fatal("the idempotency key comes from a header, never the body")
		}
		b, err := json.Marshal(cmd)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeCommand(b)
		if err != nil || !reflect.DeepEqual(again, cmd) {
			t.Fatalf("round trip: %+v -> %s -> %+v (%v)", cmd, b, again, err)
		}
	})
}

// FuzzJSONContentType: an accepted Content-Type is application/json, with at
// most charset=utf-8, whatever the case and the blanks around them.
func FuzzJSONContentType(f *testing.F) {
	for _, s := range []string{"application/json", "application/json; charset=utf-8", "application/jsonx",
		"application/json-evil", "text/plain", "application/json;charset=UTF-8;x=y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ct string) {
		if !JSONContentType(ct) {
			return
		}
		squeezed := strings.ToLower(strings.NewReplacer(" ", "", "\t", "").Replace(ct))
		if squeezed != "application/json" && squeezed != "application/json;charset=utf-8" {
			t.Fatalf("accepted %q", ct)
		}
	})
}

// FuzzAllowedHost: an accepted Host is one of the loopback names with the
// listener's port (bare only on port 80).
func FuzzAllowedHost(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8080", "[::1]:8080", "localhost:8080", "evil.example:8080", "127.0.0.1", "127.1:8080"} {
		f.Add(s, uint16(8080))
	}
	f.Add("localhost", uint16(80))
	f.Fuzz(func(t *testing.T, host string, port uint16) {
		p := strconv.Itoa(int(port))
		if !AllowedHost(host, p) {
			return
		}
		h := strings.ToLower(host)
		for _, name := range []string{"127.0.0.1", "[::1]", "localhost"} {
			if h == name+":"+p || p == "80" && h == name {
				return
			}
		}
		t.Fatalf("accepted %q on port %s", host, p)
	})
}
