package ui

import (
	"encoding/json"
	"reflect"
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
		if cmd.Op == kiosk.OpResolve {
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
