package receipt

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"path/filepath"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/devices/escpos/printersim"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// TestPreviewIsWhatPrints prints receipts with the real driver over a
// pseudo-terminal to the printer simulator and compares what it cut with the
// preview, dot for dot.
func TestPreviewIsWhatPrints(t *testing.T) {
	for _, p := range []Paper{{WidthMM: 58}, {WidthMM: 80, Native: true}} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			sim, err := printersim.New(filepath.Join(t.TempDir(), "by-id", "usb-printer-if00"), p.WidthMM)
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			d := escpos.New(escpos.Config{Width: p.WidthMM, StatusEvery: 100 * time.Millisecond}, nil, nil, nil)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				escpos.Run(ctx, serialport.Opens(serialport.Config{Path: sim.Path(), ReadTimeout: 100 * time.Millisecond}),
					serialport.Backoff{Min: 50 * time.Millisecond, Max: 400 * time.Millisecond}, d)
			}()
			defer func() { cancel(); <-done }()
			waitUntil(t, "printer ready", func() bool { return d.Status().OK() })

			l := Lay(sample(), p)
			job, err := l.ESCPOS()
			if err != nil {
				t.Fatal(err)
			}
			pctx, pcancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer pcancel()
			if err := d.Print(pctx, job); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "receipt cut", func() bool { return len(sim.Receipts()) == 1 })
			preview, err := l.PNG()
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(preview))
			if err != nil {
				t.Fatal(err)
			}
			if !sameDots(img, sim.Receipts()[0]) {
				t.Fatalf("the preview (%v) is not what printed (%v)", img.Bounds(), sim.Receipts()[0].Bounds())
			}
		})
	}
}

func sameDots(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	ga, gb := image.NewGray(a.Bounds()), image.NewGray(b.Bounds())
	draw.Draw(ga, ga.Rect, a, a.Bounds().Min, draw.Src)
	draw.Draw(gb, gb.Rect, b, b.Bounds().Min, draw.Src)
	return bytes.Equal(ga.Pix, gb.Pix)
}

// waitUntil polls ok for up to 5 s.
func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 5 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
