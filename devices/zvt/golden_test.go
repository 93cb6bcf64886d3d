package zvt

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestPayTranscriptGolden: the bytes of an approved payment on the serial
// line, each direction on its own (their interleaving depends on timing),
// one frame or ACK per line with its APDU spelled out. Regenerate with
// go test ./devices/zvt -run Golden -update.
func TestPayTranscriptGolden(t *testing.T) {
	var mu sync.Mutex
	var in, out []byte
	onLine := func(isIn bool, b []byte) {
		mu.Lock()
		defer mu.Unlock()
		if isIn {
			in = append(in, b...)
		} else {
			out = append(out, b...)
		}
	}
	sp := simPort(t)
	pt := &testPT{t: t, script: map[[2]byte]func(*ptConn, APDU){CmdAuthorization: approve(t, "4761730000000010")}}
	go pt.serve(NewSerialLink(sp, SerialOptions{}))
	term := newTerminal(t, SerialDialer(serialport.Config{Path: sp.Path()}, SerialOptions{OnLine: onLine}))
	if _, err := term.Pay(ctxT(t), devices.PaymentRequest{Amount: 1050}, devices.PaymentHooks{}); err != nil {
		t.Fatal(err)
	}
	term.Close()
	mu.Lock()
	got := "# register → terminal\n" + transcript(out) + "\n# terminal → register\n" + transcript(in)
	mu.Unlock()
	path := filepath.Join("testdata", "pay_serial.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("transcript differs from %s:\n%s", path, got)
	}
}

func transcript(b []byte) string {
	var d deframer
	var sb strings.Builder
	for _, ev := range d.feed(b) {
		switch ev.kind {
		case ACK:
			sb.WriteString("06                                  ACK\n")
		case NAK:
			sb.WriteString("15                                  NAK\n")
		case evBad:
			fmt.Fprintf(&sb, "bad frame: %s\n", ev.cause)
		case evFrame:
			a, err := ParseAPDU(ev.apdu)
			desc := Redact(a)
			if err != nil {
				desc = err.Error()
			}
			fmt.Fprintf(&sb, "% X\n    %s\n", EncodeFrame(ev.apdu), desc)
		}
	}
	return sb.String()
}
