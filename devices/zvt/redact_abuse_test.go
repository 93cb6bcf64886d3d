package zvt

import (
	"strings"
	"testing"
)

// Redact promises a log line without card data: a card number a terminal
// puts in a text field (BMP 3C additional text, 8B card name) is masked
// like BMP 22's.
func TestRedactMasksCardNumbersInText(t *testing.T) {
	const pan = "4761739001010010"
	for _, tc := range []struct {
		name string
		a    APDU
	}{
		{"status info 3C", APDU{0x04, 0x0F, Fields{ByteField(BMPResult, 0), TextField(BMPText, "Karte "+pan)}.Bytes()}},
		{"status info 8B", APDU{0x04, 0x0F, Fields{ByteField(BMPResult, 0), TextField(BMPCardName, pan)}.Bytes()}},
		{"completion 3C", APDU{0x06, 0x0F, Fields{TextField(BMPText, "PAN "+pan)}.Bytes()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Redact(tc.a); strings.Contains(got, pan) || strings.Contains(got, "476173900101") {
				t.Errorf("Redact = %q: the card number is logged", got)
			}
		})
	}
}
