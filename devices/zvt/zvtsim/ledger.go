package zvtsim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Entry kinds of the ledger.
const (
	EntryApproval  = "approval"
	EntryDecline   = "decline"
	EntryReversal  = "reversal"
	EntryEndOfDay  = "end_of_day"
	entryAck       = "ack" // a line only: folded into the entry it names
	maxReceiptNo   = 9999
	maxTraceNo     = 999999
	paymentTypePIN = 0x70
	paymentTypeOn  = 0x60
	paymentTypeOff = 0x40
)

// Entry is one line of the terminal's ledger. It holds a masked card number
// only.
type Entry struct {
	Kind        string    `json:"kind"`              // EntryApproval, EntryDecline, EntryReversal or EntryEndOfDay
	ReceiptNo   int       `json:"receipt,omitempty"` // approvals and reversals: the terminal's receipt number
	Trace       int       `json:"trace"`             // the terminal's trace number, unique per entry
	Amount      int64     `json:"amount"`            // minor units; at end of day the day's net total
	Result      byte      `json:"result,omitempty"`  // declines: the result code
	PaymentType byte      `json:"type,omitempty"`    // 40 offline, 60 online, 70 PIN
	Offline     bool      `json:"offline,omitempty"` // approved offline
	MaskedPAN   string    `json:"pan,omitempty"`
	CardName    string    `json:"card,omitempty"`
	At          time.Time `json:"at"`
	// Reversals: the receipt and trace number of the payment reversed, and
	// whether the terminal reversed it by itself (an unacknowledged 04 0F).
	ReversalOf int  `json:"of,omitempty"`
	OrigTrace  int  `json:"origTrace,omitempty"`
	Auto       bool `json:"auto,omitempty"`
	// End of day: how many payments stood in the totals.
	Count int `json:"count,omitempty"`

	// Acked: the cash register acknowledged the entry's 04 0F (80 00).
	Acked bool `json:"-"`
	// Reversed: an approval that a later reversal cancelled.
	Reversed bool `json:"-"`
}

// ledger is the terminal's journal: a file of JSON lines, each appended and
// synced before the cash register hears of it, read back on start. A torn
// last line (a crash mid-append) is cut off on reload; any other bad line is
// an error.
type ledger struct {
	mu      sync.Mutex
	f       *os.File
	entries []Entry
	byTrace map[int]int   // trace → index
	receipt int           // last receipt number given
	trace   int           // last trace number given
	notify  chan struct{} // closed and replaced by every change
}

func openLedger(path string) (*ledger, error) {
	if path == "" {
		return nil, errors.New("zvtsim: no ledger path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("zvtsim: ledger: %w", err)
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("zvtsim: ledger: %w", err)
	}
	l := &ledger{f: f, byTrace: map[int]int{}, notify: make(chan struct{})}
	if err := l.load(); err != nil {
		f.Close()
		return nil, fmt.Errorf("zvtsim: ledger %s: %w", path, err)
	}
	if os.IsNotExist(statErr) {
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			d.Sync() // the new file's name is durable too
			d.Close()
		}
	}
	return l, nil
}

func (l *ledger) load() error {
	data, err := io.ReadAll(l.f)
	if err != nil {
		return err
	}
	good := bytes.LastIndexByte(data, '\n') + 1
	if good < len(data) {
		if err := l.f.Truncate(int64(good)); err != nil {
			return err
		}
	}
	if _, err := l.f.Seek(int64(good), io.SeekStart); err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(data[:good]))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var e Entry
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if err := l.apply(e); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

// apply folds a line into the entries.
func (l *ledger) apply(e Entry) error {
	switch e.Kind {
	case entryAck:
		i, ok := l.byTrace[e.Trace]
		if !ok {
			return fmt.Errorf("ack of unknown trace %d", e.Trace)
		}
		l.entries[i].Acked = true
		l.changed()
		return nil
	case EntryApproval, EntryDecline, EntryReversal, EntryEndOfDay:
	default:
		return fmt.Errorf("unknown kind %q", e.Kind)
	}
	if _, dup := l.byTrace[e.Trace]; dup {
		return fmt.Errorf("trace %d twice", e.Trace)
	}
	if e.Kind == EntryReversal {
		i, ok := l.byTrace[e.OrigTrace]
		if !ok || l.entries[i].Kind != EntryApproval {
			return fmt.Errorf("reversal of unknown trace %d", e.OrigTrace)
		}
		l.entries[i].Reversed = true
	}
	l.byTrace[e.Trace] = len(l.entries)
	l.entries = append(l.entries, e)
	l.changed()
	l.trace = e.Trace
	if e.ReceiptNo != 0 {
		l.receipt = e.ReceiptNo
	}
	return nil
}

// write appends e as a line and syncs the file.
func (l *ledger) write(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("zvtsim: ledger: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("zvtsim: ledger: %w", err)
	}
	return nil
}

func next(n, limit int) int {
	if n >= limit {
		return 1
	}
	return n + 1
}

// add gives e the next trace number (and receipt number when withReceipt),
// journals it and returns it as stored.
func (l *ledger) add(e Entry, withReceipt bool) (Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Trace = next(l.trace, maxTraceNo)
	if withReceipt {
		e.ReceiptNo = next(l.receipt, maxReceiptNo)
	}
	e.At = e.At.Truncate(time.Second)
	if err := l.write(e); err != nil {
		return Entry{}, err
	}
	if err := l.apply(e); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// ack records that the cash register acknowledged the 04 0F of the entry
// with trace.
func (l *ledger) ack(trace int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := Entry{Kind: entryAck, Trace: trace}
	if err := l.write(e); err != nil {
		return err
	}
	return l.apply(e)
}

// reverse journals a reversal of the approval with receipt number rno; the
// lookup and the append are one step, so a payment is reversed once. It
// returns the ZVT result: 00, B5 unknown receipt or wrong amount (amount
// < 0: not checked), B4 already reversed. Only payments since the last end
// of day can be reversed.
func (l *ledger) reverse(rno int, amount int64, auto bool, at time.Time) (Entry, byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var orig *Entry
	for i := len(l.entries) - 1; i >= 0; i-- {
		e := &l.entries[i]
		if e.Kind == EntryEndOfDay {
			break
		}
		if e.Kind == EntryApproval && e.ReceiptNo == rno {
			orig = e
			break
		}
	}
	switch {
	case orig == nil || amount >= 0 && amount != orig.Amount:
		return Entry{}, 0xB5, nil
	case orig.Reversed:
		return Entry{}, 0xB4, nil
	}
	e := Entry{
		Kind: EntryReversal, Amount: orig.Amount, PaymentType: orig.PaymentType, Offline: orig.Offline,
		MaskedPAN: orig.MaskedPAN, CardName: orig.CardName, At: at.Truncate(time.Second),
		ReversalOf: orig.ReceiptNo, OrigTrace: orig.Trace, Auto: auto,
		Trace: next(l.trace, maxTraceNo), ReceiptNo: next(l.receipt, maxReceiptNo),
	}
	if err := l.write(e); err != nil {
		return Entry{}, 0, err
	}
	return e, 0, l.apply(e)
}

// endOfDay journals the day's totals: approvals since the last end of day
// that still stand.
func (l *ledger) endOfDay(at time.Time) (Entry, error) {
	l.mu.Lock()
	total, count := int64(0), 0
	for i := len(l.entries) - 1; i >= 0 && l.entries[i].Kind != EntryEndOfDay; i-- {
		if e := l.entries[i]; e.Kind == EntryApproval && !e.Reversed {
			total += e.Amount
			count++
		}
	}
	l.mu.Unlock()
	return l.add(Entry{Kind: EntryEndOfDay, Amount: total, Count: count, At: at}, false)
}

// last returns the last payment, decline or reversal: what Repeat Receipt
// repeats.
func (l *ledger) last() (Entry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.entries) - 1; i >= 0; i-- {
		if l.entries[i].Kind != EntryEndOfDay {
			return l.entries[i], true
		}
	}
	return Entry{}, false
}

func (l *ledger) list() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Entry(nil), l.entries...)
}

func (l *ledger) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

func (l *ledger) lastTrace() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.trace
}

// changed wakes whoever waits for the ledger to change; l.mu is held, or l
// is not shared yet.
func (l *ledger) changed() {
	close(l.notify)
	l.notify = make(chan struct{})
}

// wait returns a channel closed at the next change.
func (l *ledger) wait() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.notify
}
