package escpos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/devices/escpos/printersim"
	"github.com/kiosk-sco/kiosk/devices/serialport"
	"github.com/kiosk-sco/kiosk/internal/testout"
)

// Short timings: a loaded 2-core machine under -race still keeps them.
const (
	statusEvery  = 100 * time.Millisecond
	replyTimeout = 200 * time.Millisecond
	readTimeout  = 100 * time.Millisecond
	within       = 3 * time.Second // for a change the next poll must show
)

var backoff = serialport.Backoff{Min: 50 * time.Millisecond, Max: 400 * time.Millisecond}

// recorder keeps every event a driver emits.
type recorder struct {
	mu     sync.Mutex
	events []devices.Event
	notify chan struct{}
}

func (r *recorder) sink(e devices.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *recorder) snapshot() []devices.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]devices.Event(nil), r.events...)
}

type harness struct {
	t    *testing.T
	sim  *printersim.Sim
	d    *escpos.Driver
	rec  *recorder
	next int // first event not yet consumed by wait
}

// start runs a driver against a simulated printer on a real pty opened by
// serialport (tarm/serial) until the test ends.
func start(t *testing.T, widthMM int, cfg escpos.Config) *harness {
	t.Helper()
	sim, err := printersim.New(filepath.Join(t.TempDir(), "by-id", "usb-Epson_TM-T20-if00"), widthMM)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{notify: make(chan struct{}, 1)}
	cfg.Width = widthMM
	if cfg.StatusEvery == 0 {
		cfg.StatusEvery = statusEvery
	}
	cfg.ReplyTimeout = replyTimeout
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := escpos.New(cfg, rec.sink, nil, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		escpos.Run(ctx, serialport.Opens(serialport.Config{Path: sim.Path(), ReadTimeout: readTimeout}), backoff, d)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		sim.Close()
	})
	h := &harness{t: t, sim: sim, d: d, rec: rec}
	h.wait("connected and ready", within, func(s devices.Status) bool { return s.OK() && len(s.Warnings) == 0 })
	return h
}

// wait returns the first status event from now on that satisfies ok.
func (h *harness) wait(what string, timeout time.Duration, ok func(devices.Status) bool) devices.Status {
	h.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		evs := h.rec.snapshot()
		for i := h.next; i < len(evs); i++ {
			e := evs[i]
			if e.Role != devices.RolePrinter || e.Kind != devices.KindStatus || e.Status == nil {
				h.t.Fatalf("odd event %+v", e)
			}
			if !e.Status.Connected && !e.Status.Has(devices.FaultUnplugged) {
				h.t.Fatalf("disconnected without %s: %+v", devices.FaultUnplugged, e.Status)
			}
			if ok(*e.Status) {
				h.next = i + 1
				return *e.Status
			}
		}
		h.next = len(evs)
		select {
		case <-h.rec.notify:
		case <-deadline.C:
			h.t.Fatalf("no status %s within %s; now %+v", what, timeout, h.d.Status())
		}
	}
}

func (h *harness) print(timeout time.Duration, job []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return h.d.Print(ctx, job)
}

// sampleJob is a receipt-sized job for paper widthMM wide: text in CP858, a
// Code 128 of txn and a QR code of a URL, rasters (with real-time bytes inside
// them more often than not) or drawn by the printer, and the cut. The receipt
// layout itself is package kiosk/receipt's; a driver only carries bytes.
func sampleJob(txn string, widthMM int, native bool) []byte {
	dots, cols := escpos.DotsFor(widthMM), escpos.ColumnsFor(widthMM)
	twoCol := func(l, r string) string {
		return l + strings.Repeat(" ", max(1, cols-len([]rune(l))-len([]rune(r)))) + r
	}
	b := escpos.NewBuilder(dots).Init().CodePage().Align(escpos.AlignCenter).Bold(true).
		Line("Märkli Frischmarkt").Line("Bahnhofstraße 12").Bold(false).Align(escpos.AlignLeft).
		Line(twoCol("Äpfel Gala", "1,86 B")).Line(twoCol("Joghurt Müsli", "1,77 B")).Line(twoCol("Grußkarte", "4,50 A")).
		Line(strings.Repeat("-", cols)).Bold(true).DoubleSize(true).Line("TOTAL  8,13 €").DoubleSize(false).Bold(false).
		Line("Girocard ****1234").Align(escpos.AlignCenter).Line("Vielen Dank für Ihren Einkauf!").Feed(1)
	url := "https://r.example.com/r/" + txn
	if native {
		b.NativeCode128(txn, 2).Feed(1).NativeQR(url, 4)
	} else {
		b.Code128Raster(txn, 2).Feed(1).QRRaster(url, 4)
	}
	return b.Align(escpos.AlignLeft).Feed(2).Cut(true).Bytes()
}

func TestPrintReceiptScans(t *testing.T) {
	for _, tc := range []struct {
		width  int
		native bool
	}{{58, false}, {80, false}, {58, true}, {80, true}} {
		name := fmt.Sprintf("%dmm", tc.width)
		if tc.native {
			name += "_native"
		}
		t.Run(name, func(t *testing.T) {
			h := start(t, tc.width, escpos.Config{})
			txn := "20260305001234"
			if err := h.print(10*time.Second, sampleJob(txn, tc.width, tc.native)); err != nil {
				t.Fatal(err)
			}
			imgs := h.sim.Receipts()
			if len(imgs) != 1 {
				t.Fatalf("%d receipts printed", len(imgs))
			}
			if w := imgs[0].Bounds().Dx(); w != escpos.DotsFor(tc.width) {
				t.Errorf("receipt %d dots wide", w)
			}
			text := h.sim.Texts()[0]
			for _, want := range []string{"Märkli Frischmarkt", "Bahnhofstraße", "TOTAL", "8,13 €", "Grußkarte", "für"} {
				if !strings.Contains(text, want) {
					t.Errorf("%q not printed:\n%s", want, text)
				}
			}
			path := filepath.Join(testout.Dir(t, "receipts"), "receipt_"+name+".png")
			if err := h.sim.WritePNG(path); err != nil {
				t.Fatal(err)
			}
			got := testout.Zbar(t, path)
			for _, want := range []string{txn, "https://r.example.com/r/" + txn} {
				found := false
				for _, g := range got {
					found = found || g == want
				}
				if !found {
					t.Errorf("zbarimg read %q from %s, missing %q", got, path, want)
				}
			}
		})
	}
}

func TestCoverOpenRefusesJob(t *testing.T) {
	h := start(t, 80, escpos.Config{})
	h.sim.CoverOpen(true)
	s := h.wait("cover open", within, func(s devices.Status) bool { return s.Has(devices.FaultCoverOpen) })
	if !s.Connected || s.Has(devices.FaultOffline) {
		t.Errorf("status %+v", s)
	}
	err := h.print(5*time.Second, sampleJob("1234", 80, false))
	var pe *escpos.PrintError
	if !errors.Is(err, escpos.ErrCoverOpen) || !errors.As(err, &pe) || pe.Reprint {
		t.Fatalf("print with the cover open: %v", err)
	}
	if got, want := err.Error(), "escpos: printer cover open"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if st := h.sim.Stats(); st.Cuts != 0 || len(h.sim.Receipts()) != 0 {
		t.Fatalf("printed with the cover open: %+v", st)
	}
	h.sim.CoverOpen(false)
	h.wait("cover closed", within, devices.Status.OK)
	if err := h.print(10*time.Second, sampleJob("1234", 80, false)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.sim.Receipts()); n != 1 {
		t.Fatalf("%d receipts", n)
	}
}

func TestPaperNearEndWarns(t *testing.T) {
	h := start(t, 58, escpos.Config{})
	h.sim.PaperNearEnd(true)
	s := h.wait("near end", within, func(s devices.Status) bool { return s.Has(devices.WarnPaperNearEnd) })
	if !s.OK() || len(s.Faults) != 0 {
		t.Errorf("near end is a fault: %+v", s)
	}
	if err := h.print(10*time.Second, sampleJob("1234", 58, false)); err != nil {
		t.Fatalf("near end refused the job: %v", err)
	}
	h.sim.PaperNearEnd(false)
	h.wait("new roll", within, func(s devices.Status) bool { return s.OK() && len(s.Warnings) == 0 })
}

func TestPaperEndRefusesJob(t *testing.T) {
	h := start(t, 58, escpos.Config{})
	h.sim.PaperEnd(true)
	s := h.wait("paper end", within, func(s devices.Status) bool { return s.Has(devices.FaultPaperEnd) })
	if s.Has(devices.WarnPaperNearEnd) || s.Has(devices.FaultOffline) {
		t.Errorf("status %+v", s)
	}
	err := h.print(5*time.Second, sampleJob("1234", 58, false))
	if !errors.Is(err, escpos.ErrPaperEnd) {
		t.Fatalf("print without paper: %v", err)
	}
	h.sim.PaperEnd(false)
	h.wait("paper loaded", within, devices.Status.OK)
}

// TestPaperRunsOutWhilePrinting runs the roll out near the end of a receipt:
// Print reports paper end with Reprint set, and the rest prints once a new
// roll is in.
func TestPaperRunsOutWhilePrinting(t *testing.T) {
	h := start(t, 80, escpos.Config{})
	job := sampleJob("1234", 80, false)
	if err := h.print(10*time.Second, job); err != nil {
		t.Fatal(err)
	}
	height := h.sim.Receipts()[0].Bounds().Dy() - 2*24 // without the image margins
	h.sim.SetRoll(height - 60)
	err := h.print(3*time.Second, job)
	var pe *escpos.PrintError
	if !errors.Is(err, escpos.ErrPaperEnd) || !errors.As(err, &pe) || !pe.Reprint {
		t.Fatalf("paper ran out while printing: %v", err)
	}
	h.sim.PaperEnd(false)
	h.wait("new roll", within, devices.Status.OK)
	if errors.Is(err, context.DeadlineExceeded) {
		return // XOFF came before the whole job was written: the rest was never sent
	}
	deadline := time.Now().Add(within)
	for len(h.sim.Receipts()) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the rest of the receipt did not print after the new roll")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOfflineSendsXOFFAndRefusesJob(t *testing.T) {
	h := start(t, 80, escpos.Config{})
	h.sim.Offline(true)
	h.wait("offline", within, func(s devices.Status) bool {
		return s.Connected && len(s.Faults) == 1 && s.Faults[0] == devices.FaultOffline
	})
	if err := h.print(5*time.Second, []byte("x\n")); !errors.Is(err, escpos.ErrOffline) {
		t.Fatalf("print while offline: %v", err)
	}
	h.sim.Offline(false)
	h.wait("online", within, devices.Status.OK)
	if err := h.print(5*time.Second, escpos.NewBuilder(576).Line("after").Cut(true).Bytes()); err != nil {
		t.Fatal(err)
	}
	if st := h.sim.Stats(); st.WhileXOFF != 0 {
		t.Errorf("%d bytes sent after XOFF", st.WhileXOFF)
	}
}

func TestCutterErrorAsksErrorCause(t *testing.T) {
	h := start(t, 80, escpos.Config{})
	h.sim.CutterError(true)
	s := h.wait("cutter error", within, func(s devices.Status) bool { return s.Has(devices.FaultCutter) })
	if len(s.Faults) != 1 {
		t.Errorf("status %+v", s)
	}
	err := h.print(5*time.Second, []byte("x\n"))
	if !errors.Is(err, escpos.ErrFault) {
		t.Fatalf("print with a jammed cutter: %v", err)
	}
	if got, want := err.Error(), "escpos: printer error: autocutter jammed"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	h.sim.CutterError(false)
	h.wait("cutter fixed", within, devices.Status.OK)
}

// TestXOFFPausesWriting holds the printer's buffer full: the job waits,
// without a byte sent, until XON.
func TestXOFFPausesWriting(t *testing.T) {
	h := start(t, 80, escpos.Config{})
	h.sim.Hold(true)
	job := sampleJob("1234", 80, false)
	before := h.sim.Stats()
	res := make(chan error, 1)
	go func() { res <- h.print(20*time.Second, job) }()
	time.Sleep(600 * time.Millisecond) // several polls
	select {
	case err := <-res:
		t.Fatalf("Print returned during XOFF: %v", err)
	default:
	}
	st := h.sim.Stats()
	if st.WhileXOFF != 0 {
		t.Fatalf("%d job bytes sent after XOFF", st.WhileXOFF)
	}
	if st.Queries <= before.Queries {
		t.Errorf("no status polled while paused")
	}
	if st.Received-before.Received != 3*(st.Queries-before.Queries) {
		t.Errorf("received %d bytes for %d queries while paused", st.Received-before.Received, st.Queries-before.Queries)
	}
	if s := h.d.Status(); !s.OK() {
		t.Errorf("status while paused %+v", s)
	}
	h.sim.Hold(false)
	select {
	case err := <-res:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Print did not finish after XON")
	}
	if n := len(h.sim.Receipts()); n != 1 {
		t.Fatalf("%d receipts", n)
	}
	if st := h.sim.Stats(); st.WhileXOFF != 0 {
		t.Fatalf("%d job bytes sent after XOFF", st.WhileXOFF)
	}
}

// TestStrayRepliesInJobData prints raster data that holds DLE EOT 4: the
// printer answers it mid-job (near end: 0x1E, which read as a DLE EOT 1 reply
// would mean offline), and the driver must not take that for a status.
func TestStrayRepliesInJobData(t *testing.T) {
	h := start(t, 80, escpos.Config{})
	h.sim.PaperNearEnd(true)
	h.wait("near end", within, func(s devices.Status) bool { return s.Has(devices.WarnPaperNearEnd) })
	img := image.NewGray(image.Rect(0, 0, 24, 64))
	for y := range 64 { // each row: 10 04 04 as bits
		for x := range 24 {
			bit := []byte{0x10, 0x04, 0x04}[x/8] & (0x80 >> (x % 8))
			if bit == 0 {
				img.Pix[y*img.Stride+x] = 0xFF
			}
		}
	}
	job := escpos.NewBuilder(576).Init().Raster(img).Cut(true).Bytes()
	if !bytes.Contains(job, []byte{0x10, 0x04, 0x04}) {
		t.Fatal("job lacks DLE EOT 4")
	}
	for range 3 {
		if err := h.print(10*time.Second, job); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range h.rec.snapshot() {
		if e.Status.Has(devices.FaultOffline) {
			t.Fatalf("stray reply taken for a status: %+v", e.Status)
		}
	}
	if n := len(h.sim.Receipts()); n != 3 {
		t.Fatalf("%d receipts", n)
	}
}

// TestASBReportsAtOnce enables automatic status back with a poll far away:
// only the ASB block can report the cover within a second.
func TestASBReportsAtOnce(t *testing.T) {
	h := start(t, 80, escpos.Config{StatusEvery: time.Minute})
	if err := h.print(5*time.Second, []byte{escpos.GS, 'a', 0x0F}); err != nil {
		t.Fatal(err)
	}
	h.sim.CoverOpen(true)
	h.wait("cover open by ASB", time.Second, func(s devices.Status) bool { return s.Has(devices.FaultCoverOpen) })
	h.sim.CoverOpen(false)
	h.wait("cover closed by ASB", time.Second, devices.Status.OK)
}

func TestSilentPrinterCountsAsUnplugged(t *testing.T) {
	h := start(t, 80, escpos.Config{})
	h.sim.Silent(true)
	h.wait("unplugged", within, func(s devices.Status) bool { return !s.Connected })
	if err := h.print(time.Second, []byte("x\n")); !errors.Is(err, escpos.ErrNotConnected) {
		t.Fatalf("print to a silent printer: %v", err)
	}
	h.sim.Silent(false)
	h.wait("back", within, devices.Status.OK)
}

// TestUnplugReplug pulls the cable 20 times; each time the driver reports
// unplugged and reconnects within 2 s of the replug.
func TestUnplugReplug(t *testing.T) {
	h := start(t, 58, escpos.Config{})
	for i := range 20 {
		h.sim.Unplug()
		s := h.wait(fmt.Sprintf("unplugged (cycle %d)", i), 2*time.Second, func(s devices.Status) bool { return !s.Connected })
		if len(s.Faults) != 1 || s.Faults[0] != devices.FaultUnplugged {
			t.Fatalf("cycle %d: %+v", i, s)
		}
		if i == 0 {
			if err := h.print(time.Second, []byte("x\n")); !errors.Is(err, escpos.ErrNotConnected) {
				t.Fatalf("print while unplugged: %v", err)
			}
		}
		if err := h.sim.Replug(); err != nil {
			t.Fatal(err)
		}
		h.wait(fmt.Sprintf("reconnected (cycle %d)", i), 2*time.Second, devices.Status.OK)
	}
	if err := h.print(10*time.Second, sampleJob("42", 58, false)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.sim.Receipts()); n != 1 {
		t.Fatalf("%d receipts", n)
	}
}

func TestPrintContextCancelledWhilePaused(t *testing.T) {
	h := start(t, 80, escpos.Config{})
	h.sim.Hold(true)
	err := h.print(500*time.Millisecond, sampleJob("1", 80, false))
	var pe *escpos.PrintError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &pe) || pe.Reprint {
		t.Fatalf("cancelled while paused: %v", err)
	}
	h.sim.Hold(false)
	// The session goes on.
	if err := h.print(10*time.Second, escpos.NewBuilder(576).Line("next").Cut(true).Bytes()); err != nil {
		t.Fatal(err)
	}
}
