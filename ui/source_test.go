package ui

import (
	"encoding/json"
	"testing"
)

// The page cannot claim that a code came from the lane's serial scanner (whose
// labels are trusted to carry a weight or price), and a production page cannot
// claim the simulator; a code without a source is typed.
func TestScanSourceFromThePage(t *testing.T) {
	ts := newTestServer(t) // demo: /sim may send "sim"
	for _, tc := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"op":"scan","code":"` + milk + `","source":"scanner"}`, 400, "request.source"},
		{`{"op":"scan","code":"` + milk + `","source":"sim"}`, 200, ""},
		{`{"op":"scan","code":"` + milk + `","source":"keyboard"}`, 400, "request.source"}, // no keyboard wedge configured
		{`{"op":"scan","code":"` + milk + `"}`, 200, ""},
	} {
		t.Run(tc.body, func(t *testing.T) {
			status, body := ts.post(t, tc.body, "", "application/json")
			var e apiError
			json.Unmarshal(body, &e)
			if status != tc.status || e.Error.Code != tc.code {
				t.Fatalf("status %d code %q, want %d %q: %s", status, e.Error.Code, tc.status, tc.code, body)
			}
		})
	}
	store := newTestServerWith(t, testServerOptions{ui: func(o *Options) { o.Demo, o.KeyboardWedge = false, true }})
	if status, body := store.post(t, `{"op":"scan","code":"`+milk+`","source":"keyboard"}`, "", "application/json"); status != 200 {
		t.Fatalf("a wedge scan with the wedge on: %d %s", status, body)
	}
	if status, body := store.post(t, `{"op":"scan","code":"`+milk+`","source":"sim"}`, "", "application/json"); status != 400 {
		t.Fatalf("a simulated scan outside the demo: %d %s", status, body)
	}
	// A typed GS1 code with a weight on a product sold by its label asks
	// staff instead of selling.
	status, body := ts.post(t, `{"op":"scan","code":"(01)02810010000000(3103)000001"}`, "", "application/json")
	var res struct {
		View struct {
			State  string
			Alerts []struct{ Type string }
			Lines  []json.RawMessage
		}
	}
	json.Unmarshal(body, &res)
	if status != 200 || res.View.State != "suspended" || len(res.View.Alerts) != 1 || res.View.Alerts[0].Type != "typed_label" {
		t.Fatalf("typed GS1 price: %d %s", status, body)
	}
}

// A command's keys are spelled exactly, once each: encoding/json alone would
// take "OP" for "op" and let the second of two "op" win.
func TestCommandKeysExact(t *testing.T) {
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`{"op":"help"}`, true},
		{`{"op":"help","op":"cancel"}`, false},
		{`{"OP":"cancel"}`, false},
		{`{"op":"scan","Code":"4006381333931"}`, false},
		{`{"op":"scan","code":"4006381333931","source":"typed","Source":"scanner"}`, false},
		{`[{"op":"help"}]`, false},
		{`{"op":"help"} {"op":"cancel"}`, false},
	} {
		t.Run(tc.body, func(t *testing.T) {
			_, err := DecodeCommand([]byte(tc.body))
			if (err == nil) != tc.ok {
				t.Fatalf("DecodeCommand: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
