package panscan

import (
	"slices"
	"testing"
)

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"card 4761739001010010 approved", []string{"4761739001010010"}},
		{"4761 7390 0101 0010", []string{"4761739001010010"}},
		{"4761-7390-0101-0010;", []string{"4761739001010010"}},
		{`"pan":"476173******0010"`, nil},
		{"476173EEEEEE0010", nil},
		{"4761739001010011", nil},                        // fails Luhn
		{"04063658814593 4063658814593", nil},            // GTINs
		{"374245455400126", []string{"374245455400126"}}, // 15 digits (Amex test card)
		{"12345678901234567890123", nil},                 // longer than any PAN
		{"txn 0001012611240001 paid", nil},               // 16 digits failing Luhn (a transaction id)
		{"a5413330089600010b", []string{"5413330089600010"}},
		{"0001012611240005", nil}, // passes Luhn, but a card number never starts with 0
	} {
		if got := Find([]byte(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("Find(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Karte 4761739001010010", "Karte 476173******0010"},
		{"4761 7390 0101 0010 VISA", "4761 73** **** 0010 VISA"},
		{"Karte 476173******0010", "Karte 476173******0010"},
		{"Betrag EUR 1,19", "Betrag EUR 1,19"},
		{"Trace-Nr. 000001 Beleg 0001", "Trace-Nr. 000001 Beleg 0001"},
		{"4761739001010011", "4761739001010011"}, // fails Luhn: not a card number
		{"374245455400126", "374245*****0126"},
	} {
		if got := Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
