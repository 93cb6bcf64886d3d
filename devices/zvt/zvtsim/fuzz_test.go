package zvtsim

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/zvt"
)

// ackLink is a cash register that acknowledges everything the terminal
// sends as master, for the fuzz test: no line, no timing.
type ackLink struct {
	mu   sync.Mutex
	sent []zvt.APDU
	acks chan zvt.APDU
}

func (l *ackLink) Send(ctx context.Context, a zvt.APDU) error {
	l.mu.Lock()
	l.sent = append(l.sent, a)
	l.mu.Unlock()
	if !zvt.IsReply(a) {
		l.acks <- zvt.Ack()
	}
	return nil
}

func (l *ackLink) Recv(ctx context.Context) (zvt.APDU, error) {
	select {
	case a := <-l.acks:
		return a, nil
	default:
	}
	select {
	case a := <-l.acks:
		return a, nil
	case <-ctx.Done():
		return zvt.APDU{}, ctx.Err()
	}
}

func (l *ackLink) Close() error { return nil }

// FuzzCommand: whatever a cash register sends, the terminal answers without
// failing, sends only masked card numbers, and its ledger never charges
// more than it approved.
func FuzzCommand(f *testing.F) {
	for _, seed := range []struct {
		kind byte
		apdu string
	}{
		{0, "\x06\x00\x08\x00\x00\x00\xBE\x09\x78\x03\x01"},
		{0, "\x06\x01\x0A\x04\x00\x00\x00\x00\x10\x50\x49\x09\x78"},
		{2, "\x06\x01\x08\x04\x00\x00\x00\x00\x10\x50"},
		{5, "\x06\x01\x08\x04\x00\x00\x00\x00\x99\x99"},
		{0, "\x06\x30\x07\x00\x00\x00\x87\x00\x01"},
		{0, "\x06\x20\x00"},
		{0, "\x06\x50\x03\x00\x00\x00"},
		{0, "\x05\x01\x03\x00\x00\x00"},
		{0, "\x06\xB0\x00"},
		{0, "\x06\x01\x03\x06\x01\xFF"},
	} {
		f.Add(seed.kind, []byte(seed.apdu))
	}
	f.Fuzz(func(t *testing.T, kind byte, raw []byte) {
		a, err := zvt.ParseAPDU(raw)
		if err != nil {
			return
		}
		s, err := newSim(Options{Ledger: filepath.Join(t.TempDir(), "l.jsonl"), T3: 10 * time.Millisecond, CardTimeout: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer s.ledger.close()
		defer s.cancel()
		s.Next(Behavior{Kind: kinds[int(kind)%len(kinds)], Result: kind})
		l := &ackLink{acks: make(chan zvt.APDU, 8)}
		ss := &session{s: s, l: l, cut: func() {}}
		// twice: the second time there is a payment to repeat, reverse or total
		ss.command(a)
		ss.command(a)
		for _, m := range l.sent {
			if !m.Is(zvt.CmdStatusInfo) {
				continue
			}
			fs, err := zvt.ParseFields(m.Data)
			if err != nil {
				t.Fatalf("the terminal sent a status information it cannot read: %v", err)
			}
			if pan, ok := fs.PAN(); ok && strings.Count(pan, "*") < 6 {
				t.Fatalf("card number %s is not masked", pan)
			}
		}
		var approved int64
		for _, e := range s.Ledger() {
			if e.Kind == EntryApproval {
				approved += e.Amount
			}
		}
		if n := s.Net(); n < 0 || n > approved {
			t.Fatalf("net %d of %d approved", n, approved)
		}
	})
}
