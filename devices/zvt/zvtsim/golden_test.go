package zvtsim

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/zvt"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestMessagesGolden: the 04 0F and the print lines the terminal sends for
// each kind of entry, one file per case: the APDU in hex, its fields spelled
// out, and the receipt as text. Regenerate with -update.
func TestMessagesGolden(t *testing.T) {
	at := time.Date(2026, 12, 3, 7, 15, 9, 0, time.UTC)
	for _, tc := range []struct {
		name string
		e    Entry
	}{
		{"approval", Entry{Kind: EntryApproval, ReceiptNo: 42, Trace: 123, Amount: 1050, PaymentType: paymentTypeOn, MaskedPAN: "476173******0010", CardName: "VISA", At: at}},
		{"approval_offline_pin", Entry{Kind: EntryApproval, ReceiptNo: 43, Trace: 124, Amount: 10010, PaymentType: paymentTypeOff, Offline: true, MaskedPAN: "541333******0434", CardName: "MASTERCARD", At: at}},
		{"decline", Entry{Kind: EntryDecline, Trace: 125, Amount: 999, Result: 0x05, PaymentType: paymentTypeOn, MaskedPAN: "476173******0010", CardName: "VISA", At: at}},
		{"reversal", Entry{Kind: EntryReversal, ReceiptNo: 44, Trace: 126, Amount: 1050, PaymentType: paymentTypeOn, MaskedPAN: "476173******0010", CardName: "VISA", At: at, ReversalOf: 42, OrigTrace: 123}},
		{"end_of_day", Entry{Kind: EntryEndOfDay, Trace: 127, Amount: 10010, Count: 1, At: at}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sb strings.Builder
			si := statusInfo(tc.e, "52500001")
			fmt.Fprintf(&sb, "# status information\n% X\n%s\n\n# print lines\n", si.Bytes(), zvt.Redact(si))
			for _, pl := range printLines(receipt(tc.e, "52500001")) {
				fmt.Fprintf(&sb, "%02X |%s|\n", pl.Data[0], zvt.DecodeText(pl.Data[1:]))
			}
			got := sb.String()
			path := filepath.Join("testdata", tc.name+".golden")
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
				t.Fatalf("differs from %s:\n%s", path, got)
			}
		})
	}
}
