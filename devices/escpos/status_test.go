package escpos

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kiosk-sco/kiosk/devices"
)

func TestValidStatus(t *testing.T) {
	for b := range 256 {
		want := b&0x80 == 0 && b&0x10 != 0 && b&0x02 != 0 && b&0x01 == 0 // 0xx1xx10
		if got := ValidStatus(byte(b)); got != want {
			t.Errorf("%#02x: valid %v, want %v", b, got, want)
		}
		for n := byte(1); n <= 4; n++ {
			_, err := DecodeStatus(n, byte(b))
			if (err == nil) != want {
				t.Errorf("DLE EOT %d reply %#02x: err %v", n, b, err)
			}
		}
	}
}

func TestDecodeStatus(t *testing.T) {
	for _, tc := range []struct {
		n, b byte
		want Cond
	}{
		{1, 0x12, 0},
		{1, 0x16, CondDrawer},
		{1, 0x1A, CondOffline},
		{1, 0x32, CondWaitingRecovery},
		{1, 0x52, CondFeedButton},
		{1, 0x7E, CondDrawer | CondOffline | CondWaitingRecovery | CondFeedButton},
		{2, 0x12, 0},
		{2, 0x16, CondCoverOpen},
		{2, 0x1A, CondFeedButton},
		{2, 0x32, CondPaperEndStop},
		{2, 0x52, CondError},
		{2, 0x7E, CondCoverOpen | CondFeedButton | CondPaperEndStop | CondError},
		{3, 0x12, 0},
		{3, 0x16, CondMechanical},
		{3, 0x1A, CondCutter},
		{3, 0x32, CondUnrecoverable},
		{3, 0x52, CondAutoRecoverable},
		{3, 0x7E, CondMechanical | CondCutter | CondUnrecoverable | CondAutoRecoverable},
		{4, 0x12, 0},
		{4, 0x16, CondNearEnd}, // one of the two near-end bits is enough
		{4, 0x1A, CondNearEnd},
		{4, 0x1E, CondNearEnd},
		{4, 0x32, CondPaperEnd},
		{4, 0x52, CondPaperEnd},
		{4, 0x72, CondPaperEnd},
		{4, 0x7E, CondNearEnd | CondPaperEnd},
	} {
		t.Run(fmt.Sprintf("n%d_%02x", tc.n, tc.b), func(t *testing.T) {
			got, err := DecodeStatus(tc.n, tc.b)
			if err != nil || got != tc.want {
				t.Fatalf("got %b, %v; want %b", got, err, tc.want)
			}
		})
	}
	for _, n := range []byte{0, 5, 17} {
		if _, err := DecodeStatus(n, 0x12); err == nil {
			t.Errorf("DLE EOT %d decoded", n)
		}
	}
}

func TestStatusByteRoundTrip(t *testing.T) {
	for n := byte(1); n <= 4; n++ {
		for b := range 256 {
			c, err := DecodeStatus(n, byte(b))
			if err != nil {
				continue
			}
			back, err := DecodeStatus(n, StatusByte(n, c))
			if err != nil || back != c&^feedIn2(n) {
				t.Errorf("n %d %#02x: %b → %#02x → %b", n, b, c, StatusByte(n, c), back)
			}
		}
	}
}

// feedIn2 is the one condition StatusByte does not encode: the feed button
// seen in DLE EOT 2, which shares its Cond with DLE EOT 1.
func feedIn2(n byte) Cond {
	if n == 2 {
		return CondFeedButton
	}
	return 0
}

func TestCondStatus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		c        Cond
		faults   []string
		warnings []string
	}{
		{"ready", 0, nil, nil},
		{"drawer and button are no faults", CondDrawer | CondFeedButton | CondWaitingRecovery, nil, nil},
		{"offline alone", CondOffline, []string{devices.FaultOffline}, nil},
		{"cover open", CondOffline | CondCoverOpen, []string{devices.FaultCoverOpen}, nil},
		{"paper end", CondOffline | CondPaperEndStop | CondPaperEnd | CondNearEnd, []string{devices.FaultPaperEnd}, nil},
		{"paper end sensor only", CondPaperEnd, []string{devices.FaultPaperEnd}, nil},
		{"near end", CondNearEnd, nil, []string{devices.WarnPaperNearEnd}},
		{"cutter", CondOffline | CondError | CondCutter, []string{devices.FaultCutter}, nil},
		{"unrecoverable", CondOffline | CondError | CondUnrecoverable, []string{devices.FaultUnrecover}, nil},
		{"head hot", CondOffline | CondError | CondAutoRecoverable, []string{devices.FaultRecoverable}, nil},
		{"mechanical", CondError | CondMechanical, []string{devices.FaultRecoverable}, nil},
		{"error without cause", CondOffline | CondError, []string{devices.FaultRecoverable}, nil},
		{"everything", ^Cond(0), []string{devices.FaultCoverOpen, devices.FaultPaperEnd, devices.FaultCutter, devices.FaultUnrecover, devices.FaultRecoverable}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.c.Status()
			if !s.Connected || !slices.Equal(s.Faults, tc.faults) || !slices.Equal(s.Warnings, tc.warnings) {
				t.Errorf("got %+v, want faults %v warnings %v", s, tc.faults, tc.warnings)
			}
		})
	}
}

func TestASB(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    [4]byte
		want Cond
		ok   bool
	}{
		{"ready", [4]byte{0x10, 0, 0, 0}, 0, true},
		{"offline", [4]byte{0x18, 0, 0, 0}, CondOffline, true},
		{"cover", [4]byte{0x38, 0, 0, 0}, CondOffline | CondCoverOpen, true},
		{"drawer and button", [4]byte{0x54, 0, 0, 0}, CondDrawer | CondFeedButton, true},
		{"mechanical", [4]byte{0x18, 0x04, 0, 0}, CondOffline | CondMechanical | CondError, true},
		{"cutter", [4]byte{0x18, 0x08, 0, 0}, CondOffline | CondCutter | CondError, true},
		{"unrecoverable", [4]byte{0x18, 0x20, 0, 0}, CondOffline | CondUnrecoverable | CondError, true},
		{"head hot", [4]byte{0x18, 0x40, 0, 0}, CondOffline | CondAutoRecoverable | CondError, true},
		{"near end", [4]byte{0x10, 0, 0x03, 0}, CondNearEnd, true},
		{"paper end", [4]byte{0x18, 0, 0x0F, 0}, CondOffline | CondNearEnd | CondPaperEnd | CondPaperEndStop, true},
		{"first byte a status reply", [4]byte{0x12, 0, 0, 0}, 0, false},
		{"second byte with bit 4", [4]byte{0x10, 0x10, 0, 0}, 0, false},
		{"fourth byte with bit 7", [4]byte{0x10, 0, 0, 0x80}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeASB(tc.p)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("got %b, %v; want %b ok %v", got, err, tc.want, tc.ok)
			}
			if tc.ok {
				if back, _ := DecodeASB(ASB(got)); back != got {
					t.Errorf("ASB round trip: %b → % x → %b", got, ASB(got), back)
				}
			}
		})
	}
}

func frames(chunks ...[]byte) []Frame {
	var d Demux
	var out []Frame
	for _, c := range chunks {
		d.Feed(c, func(f Frame) { out = append(out, f) })
	}
	d.Flush(func(f Frame) { out = append(out, f) })
	return out
}

func TestDemux(t *testing.T) {
	st := func(b byte) Frame { return Frame{Kind: FrameStatus, B: [4]byte{b}} }
	other := func(b byte) Frame { return Frame{Kind: FrameOther, B: [4]byte{b}} }
	xon := Frame{Kind: FrameXON, B: [4]byte{XON}}
	xoff := Frame{Kind: FrameXOFF, B: [4]byte{XOFF}}
	asb := func(a, b, c, d byte) Frame { return Frame{Kind: FrameASB, B: [4]byte{a, b, c, d}} }
	for _, tc := range []struct {
		name string
		in   []byte
		want []Frame
	}{
		{"replies", []byte{0x12, 0x1A, 0x7E}, []Frame{st(0x12), st(0x1A), st(0x7E)}},
		{"xon xoff", []byte{XOFF, XON}, []Frame{xoff, xon}},
		{"asb", []byte{0x18, 0x00, 0x0F, 0x00}, []Frame{asb(0x18, 0, 0x0F, 0)}},
		{"xoff inside asb", []byte{0x38, XOFF, 0x00, 0x00, XON, 0x00, 0x12}, []Frame{xoff, xon, asb(0x38, 0, 0, 0), st(0x12)}},
		{"reply after asb", []byte{0x10, 0, 0, 0, 0x16}, []Frame{asb(0x10, 0, 0, 0), st(0x16)}},
		{"torn asb", []byte{0x10, 0x00, 0x12, 0x00}, []Frame{other(0x10), other(0x00), st(0x12), other(0x00)}},
		{"asb torn by a new asb", []byte{0x10, 0x00, 0x18, 0, 0, 0}, []Frame{other(0x10), other(0x00), asb(0x18, 0, 0, 0)}},
		{"unsolicited bytes", []byte{0x00, 0xFF, 0x81, 0x13, 0x5B, 0x12}, []Frame{other(0x00), other(0xFF), other(0x81), xoff, other(0x5B), st(0x12)}},
		{"incomplete asb at the end", []byte{0x12, 0x10, 0x00}, []Frame{st(0x12), other(0x10), other(0x00)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := frames(tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("got  %v\nwant %v", got, tc.want)
			}
			for cut := range len(tc.in) + 1 { // every split in two
				if got := frames(tc.in[:cut], tc.in[cut:]); !slices.Equal(got, tc.want) {
					t.Fatalf("split at %d: %v", cut, got)
				}
			}
			var bytewise [][]byte
			for i := range tc.in {
				bytewise = append(bytewise, tc.in[i:i+1])
			}
			if got := frames(bytewise...); !slices.Equal(got, tc.want) {
				t.Fatalf("byte by byte: %v", got)
			}
		})
	}
}

func TestFrameKindString(t *testing.T) {
	for k, want := range map[FrameKind]string{FrameStatus: "status", FrameASB: "asb", FrameXON: "xon", FrameXOFF: "xoff", FrameOther: "other", 0: "FrameKind(0)"} {
		if k.String() != want {
			t.Errorf("%d: %q", k, k.String())
		}
	}
}
