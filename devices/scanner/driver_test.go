package scanner_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/scanner"
	"github.com/kiosk-sco/kiosk/devices/scanner/scannersim"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

const (
	statusWithin = 2 * time.Second // a connect or unplug is reported this fast
	scanWithin   = 5 * time.Second // generous: a loaded 2-core machine under -race
)

// clock is a manual clock for the double-read window.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// lane runs a driver with Run against a simulated scanner, as the lane does.
type lane struct {
	sim    *scannersim.Sim
	drv    *scanner.Driver
	events chan devices.Event
}

func startLane(t *testing.T, cfg scanner.Config, simTerm string, now func() time.Time) *lane {
	t.Helper()
	sim, err := scannersim.New(filepath.Join(t.TempDir(), "by-id", "usb-Datalogic_sim-if00"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetTerminator(simTerm); err != nil {
		t.Fatal(err)
	}
	l := &lane{sim: sim, events: make(chan devices.Event, 1000)}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	l.drv = scanner.New(cfg, func(ev devices.Event) { l.events <- ev }, now, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		scanner.Run(ctx, serialport.Opens(serialport.Config{Path: sim.Path(), ReadTimeout: 100 * time.Millisecond}),
			serialport.Backoff{Min: 50 * time.Millisecond, Max: 400 * time.Millisecond}, l.drv)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Error("Run did not return within 2 s of cancel")
		}
		sim.Close()
	})
	l.wantStatus(t, true, statusWithin)
	return l
}

func (l *lane) next(t *testing.T, within time.Duration) devices.Event {
	t.Helper()
	select {
	case ev := <-l.events:
		if ev.Role != devices.RoleScanner {
			t.Fatalf("event of role %q", ev.Role)
		}
		return ev
	case <-time.After(within):
		t.Fatalf("no event within %s; stats %+v", within, l.drv.Stats())
		return devices.Event{}
	}
}

func (l *lane) wantScan(t *testing.T, data string) {
	t.Helper()
	ev := l.next(t, scanWithin)
	if ev.Kind != devices.KindScan || ev.Scan == nil || ev.Scan.Data != data || ev.Scan.Refused != "" {
		t.Fatalf("got %s event %+v %+v, want scan %q", ev.Kind, ev.Scan, ev.Status, data)
	}
}

// wantRefused waits for the refusal of a line: its reason is one of reasons
// and, unless data is "", its excerpt is data. It returns the reason.
func (l *lane) wantRefused(t *testing.T, data string, reasons ...scanner.Reason) scanner.Reason {
	t.Helper()
	ev := l.next(t, scanWithin)
	if ev.Kind != devices.KindScan || ev.Scan == nil || ev.At.IsZero() {
		t.Fatalf("got %s event %+v %+v, want a refused scan", ev.Kind, ev.Scan, ev.Status)
	}
	if !slices.Contains(reasons, scanner.Reason(ev.Scan.Refused)) || data != "" && ev.Scan.Data != data {
		t.Fatalf("got scan %+v, want refused %q for one of %q", *ev.Scan, data, reasons)
	}
	for _, c := range []byte(ev.Scan.Data) {
		if c < 0x20 || c > 0x7e {
			t.Fatalf("refusal excerpt %q holds byte %#x", ev.Scan.Data, c)
		}
	}
	return scanner.Reason(ev.Scan.Refused)
}

func (l *lane) wantStatus(t *testing.T, up bool, within time.Duration) {
	t.Helper()
	ev := l.next(t, within)
	if ev.Kind != devices.KindStatus || ev.Status == nil {
		t.Fatalf("got %s event %+v, want status", ev.Kind, ev.Scan)
	}
	want := devices.Status{Connected: up}
	if !up {
		want.Faults = []string{devices.FaultUnplugged}
	}
	if !ev.Status.Equal(want) {
		t.Fatalf("status %+v, want %+v", *ev.Status, want)
	}
}

func (l *lane) scan(t *testing.T, data string) {
	t.Helper()
	if err := l.sim.Scan(data); err != nil {
		t.Fatal(err)
	}
}

// waitStats waits until the driver's stats satisfy ok: lines the driver drops
// give no event to wait for.
func (l *lane) waitStats(t *testing.T, what string, ok func(scanner.Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(scanWithin)
	for !ok(l.drv.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("stats never had %s: %+v", what, l.drv.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func checkStatsAddUp(t *testing.T, s scanner.Stats) {
	t.Helper()
	n := s.Scans + s.Doubles
	for _, r := range s.Refused {
		n += r
	}
	if n != s.Frames {
		t.Fatalf("stats do not add up: %+v", s)
	}
}

func TestScansArriveInOrder(t *testing.T) {
	barcodes := []string{
		"4006381333931",
		"]E04006381333931",
		"]C11012345\x1d17260101", // GS1-128: batch, FNC1 as GS, expiry
		"]e00190012345678908310300125039220049",
		"04252614",
	}
	type pair struct{ sim, drv string }
	var pairs []pair
	for _, drv := range []string{"", "CR", "LF", "CRLF"} { // the driver's setting does not matter
		for _, sim := range []string{"CR", "LF", "CRLF"} {
			pairs = append(pairs, pair{sim, drv})
		}
	}
	for _, tc := range pairs {
		t.Run(fmt.Sprintf("scanner %s driver %q", tc.sim, tc.drv), func(t *testing.T) {
			l := startLane(t, scanner.Config{Terminator: tc.drv}, tc.sim, nil)
			for _, b := range barcodes {
				l.scan(t, b)
			}
			for i := range 50 { // a burst, each its own write
				l.scan(t, fmt.Sprintf("2000000%06d", i))
			}
			for _, b := range barcodes {
				l.wantScan(t, b)
			}
			for i := range 50 {
				l.wantScan(t, fmt.Sprintf("2000000%06d", i))
			}
			s := l.drv.Stats()
			if s.Scans != len(barcodes)+50 || s.Doubles != 0 || len(s.Refused) != 0 {
				t.Fatalf("stats %+v", s)
			}
			checkStatsAddUp(t, s)
		})
	}
}

func TestNoiseIsRefusedAndCounted(t *testing.T) {
	l := startLane(t, scanner.Config{}, "CRLF", nil)
	garbled := []scanner.Reason{scanner.ReasonControlByte, scanner.ReasonNonASCII}
	tests := []struct {
		name    string
		send    func() error
		reasons []scanner.Reason
	}{
		{"1 random byte", func() error { return l.sim.Noise(1) }, garbled},
		{"40 random bytes", func() error { return l.sim.Noise(40) }, garbled},
		{"300 random bytes", func() error { return l.sim.Noise(300) }, []scanner.Reason{scanner.ReasonOverlong}},
		{"ESC [A", func() error { return l.sim.Send([]byte("123\x1b[A\r\n")) }, garbled[:1]},
		{"non-ASCII", func() error { return l.sim.Send([]byte("4006381333931\xe2\x80\x8b\r\n")) }, garbled[1:]},
		{"overlong digits", func() error { return l.sim.Send([]byte(fmt.Sprintf("%0300d\r\n", 7))) }, []scanner.Reason{scanner.ReasonOverlong}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := l.drv.Stats()
			if err := tt.send(); err != nil {
				t.Fatal(err)
			}
			sentinel := fmt.Sprintf("40063813339%02d", i)
			l.scan(t, sentinel)
			l.wantRefused(t, "", tt.reasons...) // one refusal, no scan, before the sentinel
			l.wantScan(t, sentinel)
			after := l.drv.Stats()
			refused := func(s scanner.Stats) (n int) {
				for _, r := range s.Refused {
					n += r
				}
				return n
			}
			if d := refused(after) - refused(before); d != 1 {
				t.Fatalf("%d refusals, want 1: %+v", d, after)
			}
			checkStatsAddUp(t, after)
		})
	}
	s := l.drv.Stats()
	if s.Refused[scanner.ReasonOverlong] < 2 || s.Refused[scanner.ReasonNonASCII]+s.Refused[scanner.ReasonControlByte] < 3 {
		t.Fatalf("refusals by reason: %v", s.Refused)
	}
}

func TestRequireAIMOverPty(t *testing.T) {
	l := startLane(t, scanner.Config{RequireAIM: true}, "CR", nil)
	l.scan(t, "4006381333931")
	l.sim.SetAIM("]E0")
	l.scan(t, "4006381333931")
	l.wantRefused(t, "4006381333931", scanner.ReasonNoAIM)
	l.wantScan(t, "]E04006381333931")
	if s := l.drv.Stats(); s.Refused[scanner.ReasonNoAIM] != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestDoubleReads(t *testing.T) {
	const window = 300 * time.Millisecond
	clk := newClock()
	l := startLane(t, scanner.Config{DoubleReadWindow: window}, "CRLF", clk.Now)
	doubles := func(n int) func(scanner.Stats) bool {
		return func(s scanner.Stats) bool { return s.Doubles == n }
	}

	if err := l.sim.DoubleRead("4006381333931"); err != nil {
		t.Fatal(err)
	}
	l.wantScan(t, "4006381333931")
	l.waitStats(t, "1 double", doubles(1))

	l.scan(t, "4006381333931") // again, clock unchanged: within the window
	l.waitStats(t, "2 doubles", doubles(2))

	l.scan(t, "]E04006381333931") // other data passes at once
	l.wantScan(t, "]E04006381333931")
	l.scan(t, "4006381333931") // not the last read: a second item, not a double
	l.wantScan(t, "4006381333931")

	clk.Advance(window - time.Millisecond) // still inside; and the window restarts
	l.scan(t, "4006381333931")
	l.waitStats(t, "3 doubles", doubles(3))

	clk.Advance(window) // a whole window since the last read of it
	l.scan(t, "4006381333931")
	l.wantScan(t, "4006381333931")

	s := l.drv.Stats()
	if s.Scans != 4 || s.Doubles != 3 {
		t.Fatalf("stats %+v", s)
	}
	checkStatsAddUp(t, s)
	select {
	case ev := <-l.events:
		t.Fatalf("unexpected event %+v", ev)
	default:
	}
}

func TestDoubleReadSuppressionOff(t *testing.T) {
	l := startLane(t, scanner.Config{DoubleReadWindow: -1}, "CRLF", newClock().Now)
	if err := l.sim.DoubleRead("12345670"); err != nil {
		t.Fatal(err)
	}
	l.wantScan(t, "12345670")
	l.wantScan(t, "12345670")
}

// TestUnplugReplug pulls the scanner's cable again and again: every unplug is
// reported, every replug too within 2 s, and the scanner works after it.
func TestUnplugReplug(t *testing.T) {
	l := startLane(t, scanner.Config{}, "CRLF", nil)
	const cycles = 25
	for i := range cycles {
		l.sim.Unplug()
		l.wantStatus(t, false, statusWithin)
		if err := l.sim.Scan("lost"); err == nil {
			t.Fatal("scan while unplugged succeeded")
		}
		if err := l.sim.Replug(); err != nil {
			t.Fatal(err)
		}
		l.wantStatus(t, true, statusWithin)
		data := fmt.Sprintf("]E0200000%04d", i)
		l.scan(t, data)
		l.wantScan(t, data)
	}
	if s := l.drv.Stats(); s.Scans != cycles || len(s.Refused) != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestLineCutByUnplug: half a line sent before an unplug must not glue onto the
// first line after the replug.
func TestLineCutByUnplug(t *testing.T) {
	l := startLane(t, scanner.Config{}, "CRLF", nil)
	if err := l.sim.Send([]byte("96385074\r\n4006")); err != nil { // one write, one read
		t.Fatal(err)
	}
	l.wantScan(t, "96385074")
	l.sim.Unplug()
	l.wantStatus(t, false, statusWithin)
	if err := l.sim.Replug(); err != nil {
		t.Fatal(err)
	}
	l.wantStatus(t, true, statusWithin)
	if err := l.sim.Send([]byte("1333931\r\n")); err != nil {
		t.Fatal(err)
	}
	l.wantScan(t, "1333931") // not "40061333931"
}

func TestRunStartsUnplugged(t *testing.T) {
	sim, err := scannersim.New(filepath.Join(t.TempDir(), "by-id", "usb-sim-if00"))
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	sim.Unplug()
	events := make(chan devices.Event, 10)
	drv := scanner.New(scanner.Config{}, func(ev devices.Event) { events <- ev }, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		scanner.Run(ctx, serialport.Opens(serialport.Config{Path: sim.Path(), ReadTimeout: 100 * time.Millisecond}),
			serialport.Backoff{Min: 50 * time.Millisecond, Max: 400 * time.Millisecond}, drv)
	}()
	l := &lane{sim: sim, drv: drv, events: events}
	l.wantStatus(t, false, statusWithin)
	if err := sim.Replug(); err != nil {
		t.Fatal(err)
	}
	l.wantStatus(t, true, statusWithin)
	l.scan(t, "4006381333931")
	l.wantScan(t, "4006381333931")
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return within 2 s of cancel")
	}
	select {
	case ev := <-events:
		t.Fatalf("event after cancel: %+v", ev)
	default:
	}
}

// script is a port that replays reads, then fails.
type script struct {
	reads []string
	end   error
}

func (s *script) Read(b []byte) (int, error) {
	if len(s.reads) == 0 {
		return 0, s.end
	}
	r := s.reads[0]
	s.reads = s.reads[1:]
	if r == "" {
		return 0, serialport.ErrTimeout
	}
	return copy(b, r), nil
}
func (s *script) Write(b []byte) (int, error) { return len(b), nil }
func (s *script) Close() error                { return nil }

func TestSession(t *testing.T) {
	tests := []struct {
		name  string
		reads []string
		end   error
		scans []string
	}{
		{"timeouts between chunks", []string{"", "400638", "", "1333931\r", "", "\n"}, serialport.ErrUnplugged, []string{"4006381333931"}},
		{"several lines in one read", []string{"1\r\n2\r\n3"}, serialport.ErrUnplugged, []string{"1", "2"}},
		{"other read error", []string{"1\r\n"}, io.ErrUnexpectedEOF, []string{"1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			d := scanner.New(scanner.Config{}, func(ev devices.Event) {
				if ev.Kind != devices.KindScan || ev.Role != devices.RoleScanner || ev.At.IsZero() {
					t.Errorf("event %+v", ev)
				}
				got = append(got, ev.Scan.Data)
			}, nil, nil)
			err := d.Session(context.Background(), &script{reads: tt.reads, end: tt.end})
			if !errors.Is(err, tt.end) {
				t.Fatalf("Session = %v, want %v", err, tt.end)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.scans) {
				t.Fatalf("scans %q, want %q", got, tt.scans)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		d := scanner.New(scanner.Config{}, func(devices.Event) {}, nil, nil)
		if err := d.Session(ctx, &script{end: serialport.ErrTimeout}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Session = %v", err)
		}
	})
}

func TestNewPanicsOnBadConfig(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	scanner.New(scanner.Config{Terminator: "ETX"}, func(devices.Event) {}, nil, nil)
}

// TestRefusedLinesReachTheLane: every line the driver refuses reaches the sink
// as a scan with its reason and an escaped excerpt (never the raw bytes, never
// a barcode), however fast the refusals come (the log is rate-limited, the
// events are not), and a valid scan right behind it still arrives.
func TestRefusedLinesReachTheLane(t *testing.T) {
	tests := []struct {
		name   string
		cfg    scanner.Config
		line   string // sent as is, terminator included
		reason scanner.Reason
		data   string
	}{
		{"ESC [A", scanner.Config{}, "123\x1b[A\r\n", scanner.ReasonControlByte, `123\x1b[A`},
		{"NUL", scanner.Config{}, "\x00\n", scanner.ReasonControlByte, `\x00`},
		{"DEL", scanner.Config{}, "4006381333931\x7f\r", scanner.ReasonControlByte, `4006381333931\x7f`},
		{"UTF-8 zero width space", scanner.Config{}, "4006381333931\xe2\x80\x8b\r\n", scanner.ReasonNonASCII, `4006381333931\xe2\x80\x8b`},
		{"300 digits", scanner.Config{}, strings.Repeat("7", 300) + "\r\n", scanner.ReasonOverlong, strings.Repeat("7", 64) + "..."},
		{"9 bytes over MaxLen 11", scanner.Config{MaxLen: 11}, "123456789012\n", scanner.ReasonOverlong, "12345678901"},
		{"no AIM", scanner.Config{RequireAIM: true}, "4006381333931\r\n", scanner.ReasonNoAIM, "4006381333931"},
		{"AIM prefix only", scanner.Config{RequireAIM: true}, "]E0\r\n", scanner.ReasonNoAIM, "]E0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.DoubleReadWindow = -1 // the same good scan again is a new item
			l := startLane(t, tt.cfg, "CRLF", nil)
			const good = "]E096385074"
			for i := range 3 { // the second and third fall inside the log's rate limit
				if err := l.sim.Send([]byte(tt.line)); err != nil {
					t.Fatal(err)
				}
				l.scan(t, good)
				l.wantRefused(t, tt.data, tt.reason)
				l.wantScan(t, good)
				if i < 2 {
					if err := l.sim.Send([]byte(tt.line + good + "\r\n")); err != nil { // one write
						t.Fatal(err)
					}
					l.wantRefused(t, tt.data, tt.reason)
					l.wantScan(t, good)
				}
			}
			s := l.drv.Stats()
			if s.Refused[tt.reason] != 5 || s.Scans != 5 {
				t.Fatalf("stats %+v", s)
			}
			checkStatsAddUp(t, s)
		})
	}
}

// TestRefusalLogIsRateLimitedEventsAreNot: a scanner at the wrong baud rate
// refuses every line; the log says so once a second per reason, the lane hears
// of every line.
func TestRefusalLogIsRateLimitedEventsAreNot(t *testing.T) {
	clk := newClock()
	var logs strings.Builder
	var refused []string
	d := scanner.New(scanner.Config{}, func(ev devices.Event) {
		if ev.Kind == devices.KindScan && ev.Scan.Refused != "" {
			refused = append(refused, ev.Scan.Refused)
		}
	}, clk.Now, slog.New(slog.NewTextHandler(&logs, nil)))
	feed := func(s string) {
		t.Helper()
		if err := d.Session(context.Background(), &script{reads: []string{s}, end: io.ErrUnexpectedEOF}); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatal(err)
		}
	}
	for range 10 {
		feed("\x1b\r\n")
		clk.Advance(50 * time.Millisecond)
	}
	feed("\xff\r\n") // another reason has its own limit
	clk.Advance(time.Second)
	feed("\x1b\r\n")
	if len(refused) != 12 {
		t.Fatalf("%d refusal events, want 12: %q", len(refused), refused)
	}
	if n := strings.Count(logs.String(), "line refused"); n != 3 {
		t.Fatalf("%d refusal logs, want 3:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "unlogged_since_last=9") {
		t.Fatalf("log does not count the unlogged refusals:\n%s", logs.String())
	}
}
