package zvtsim

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/zvt"
)

// TestLedgerSurvivesRestart: what a terminal charged is there after it is
// closed and started again on the same file, on either transport, and its
// numbers go on from there.
func TestLedgerSurvivesRestart(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.jsonl")
			s := tr.start(t, Options{Ledger: path})
			v := &env{t: t, tr: tr, s: s}
			v.redial()
			v.register(0xBE, 0x01)
			for _, a := range []int64{1000, 2000} {
				v.pay(a)
				v.expectAck()
				v.approveFlow(approveSmall...)
			}
			v.reverse(1, 0)
			v.expectAck()
			v.intermediates(imWait)
			v.take(zvt.CmdStatusInfo)
			v.finish()
			before := s.Ledger()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			s = tr.start(t, Options{Ledger: path})
			v = &env{t: t, tr: tr, s: s}
			v.redial()
			after := s.Ledger()
			if len(after) != 3 || !slices.EqualFunc(before, after, sameEntry) {
				t.Fatalf("after the restart\n%+v\nbefore\n%+v", after, before)
			}
			if s.Net() != 2000 || len(s.Charges()) != 1 {
				t.Fatalf("net %d, charges %+v", s.Net(), s.Charges())
			}
			v.register(0xBE, 0x01)
			v.cmd(0x06, 0x20, nil)
			v.expectAck()
			if i := readInfo(t, v.take(zvt.CmdStatusInfo)); i.receipt != 3 || i.origTrace != 1 {
				t.Fatalf("last result after the restart %+v, want the reversal", i)
			}
			v.finish()
			v.pay(500)
			v.expectAck()
			if i, _ := v.approveFlow(approveSmall...); i.receipt != 4 || i.trace != 4 {
				t.Fatalf("numbers after the restart: receipt %d trace %d", i.receipt, i.trace)
			}
		})
	}
}

func sameEntry(a, b Entry) bool {
	at := a.At.Equal(b.At)
	a.At, b.At = time.Time{}, time.Time{}
	return at && a == b
}

func TestLedgerFile(t *testing.T) {
	const (
		approval = `{"kind":"approval","receipt":7,"trace":9,"amount":1050,"type":96,"pan":"476173******0010","card":"VISA","at":"2026-12-03T07:00:00Z"}` + "\n"
		ack      = `{"kind":"ack","trace":9,"amount":0,"at":"0001-01-01T00:00:00Z"}` + "\n"
	)
	for _, tc := range []struct {
		name, file string
		fails      string // part of the error, when it must fail
		entries    int
		kept       string // the file after opening
	}{
		{"empty", "", "", 0, ""},
		{"approval_and_ack", approval + ack, "", 1, approval + ack},
		{"torn_last_line", approval + `{"kind":"appr`, "", 1, approval},
		{"bad_line", approval + "{}\n" + ack, "line 2", 0, ""},
		{"unknown_field", `{"kind":"approval","trace":1,"amount":1,"at":"2026-12-03T07:00:00Z","full_pan":"4"}` + "\n", "line 1", 0, ""},
		{"ack_of_nothing", ack, "unknown trace", 0, ""},
		{"trace_twice", approval + approval, "trace 9 twice", 0, ""},
		{"reversal_of_nothing", `{"kind":"reversal","receipt":2,"trace":2,"amount":1,"at":"2026-12-03T07:00:00Z","of":1,"origTrace":1}` + "\n", "reversal of unknown", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.jsonl")
			if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			l, err := openLedger(path)
			if tc.fails != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fails) {
					t.Fatalf("open: %v, want an error with %q", err, tc.fails)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer l.close()
			if got := len(l.list()); got != tc.entries {
				t.Fatalf("%d entries, want %d", got, tc.entries)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.kept {
				t.Fatalf("file %q, want %q", b, tc.kept)
			}
			// The next entry goes on from the file's numbers, on a line of its own.
			e, err := l.add(Entry{Kind: EntryApproval, Amount: 1, At: time.Now()}, true)
			if err != nil {
				t.Fatal(err)
			}
			if tc.entries > 0 && (e.Trace != 10 || e.ReceiptNo != 8) {
				t.Fatalf("next entry %+v", e)
			}
			l.close()
			l, err = openLedger(path)
			if err != nil {
				t.Fatal(err)
			}
			defer l.close()
			if got := len(l.list()); got != tc.entries+1 {
				t.Fatalf("%d entries after an append, want %d", got, tc.entries+1)
			}
		})
	}
}

// TestNumbersWrap: receipt numbers have 4 digits, traces 6; after the
// largest comes 1.
func TestNumbersWrap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	line := `{"kind":"approval","receipt":9999,"trace":999999,"amount":1,"at":"2026-12-03T07:00:00Z"}` + "\n"
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := openLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	e, err := l.add(Entry{Kind: EntryApproval, Amount: 1}, true)
	if err != nil || e.ReceiptNo != 1 || e.Trace != 1 {
		t.Fatalf("after the largest numbers: %+v %v", e, err)
	}
}

// TestLedgerHoldsNoFullCardNumber: the file has masked card numbers only.
func TestLedgerHoldsNoFullCardNumber(t *testing.T) {
	tr := transports[1]
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	s := tr.start(t, Options{Ledger: path})
	v := &env{t: t, tr: tr, s: s}
	v.redial()
	for range 3 {
		v.pay(1050)
		v.expectAck()
		v.approveFlow()
	}
	s.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, full := range []string{"4761739001010010", "5413330089010434"} {
		if strings.Contains(string(b), full) {
			t.Fatalf("ledger holds a full card number:\n%s", b)
		}
	}
	if !strings.Contains(string(b), "476173******0010") || !strings.Contains(string(b), "541333******0434") {
		t.Fatalf("ledger lacks the masked numbers:\n%s", b)
	}
}
