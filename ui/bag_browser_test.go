//go:build sim

package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kiosk-sco/kiosk/devices/rig"
	"github.com/kiosk-sco/kiosk/devices/rig/rigsim"
	"github.com/kiosk-sco/kiosk/i18n"
	"github.com/kiosk-sco/kiosk/internal/testout"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/bagging"
)

// rigSims lets /sim drive the device simulators (as kiosk serve --demo does).
type rigSims struct{ s *rigsim.Sims }

func (r rigSims) Apply(body []byte) error {
	var a rigsim.Action
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return err
	}
	return r.s.Apply(a)
}

func (r rigSims) LastReceiptPNG() ([]byte, error) { return r.s.Printer.LastPNG() }

// TestBaggingFromSimInBrowser: a newcomer on /sim scans an item, presses
// "Unexpected item": the shopper screen in the other tab says to take it out
// (the real bagging-scale driver read the simulated scale over a pty);
// "Put it right" clears it without staff, and scanning goes on.
func TestBaggingFromSimInBrowser(t *testing.T) {
	browser := startBrowserFor(t, 90*time.Second)
	artifacts := testout.Dir(t, "bagging")
	ts := newTestServerWith(t, testServerOptions{
		lane: func(c *kiosk.Config) { s := bagging.Defaults(); c.Bagging = &s },
		sims: func(lane *kiosk.Lane) Sims {
			ctx, cancel := context.WithCancel(context.Background())
			_, s, err := rigsim.Start(ctx, t.TempDir(), lane.Device, rig.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cancel(); s.Close() })
			return rigSims{s}
		},
	})
	shopCtx, cancelShop := chromedp.NewContext(browser)
	defer cancelShop()
	shop := newBrowserTab(t, shopCtx, "shopper", artifacts)
	simCtx, cancelSim := chromedp.NewContext(browser)
	defer cancelSim()
	sim := newBrowserTab(t, simCtx, "sim", artifacts)

	shop.do("open the shopper screen", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ts.url+"/"))
	shop.waitFor("connect", `document.querySelector("#conn").dataset.conn === "online"`)
	sim.do("open /sim", chromedp.EmulateViewport(1280, 1000), chromedp.Navigate(ts.url+"/sim"))
	sim.waitFor("the bagging panel", `!document.querySelector("#bag-section").hidden`)

	// Scan the milk from /sim (through the simulated scanner), then bag it.
	milkCard := `.sim-scan[data-code="4063658814593"]`
	sim.waitFor("the products", `!!document.querySelector(`+jsString(milkCard)+`)`)
	sim.do("scan the milk", chromedp.Click(milkCard))
	shop.waitFor("the milk on the screen", `document.body.dataset.state === "shopping" && document.querySelectorAll("#lines li, #lines tr").length > 0`)
	// Auto-bag is on: a second later the milk is on the bagging scale.
	sim.waitFor("accepted", `document.querySelector("#bag-auto").checked && document.querySelector("#bag-figures").textContent.includes("explained by the scans 1,045 g") && document.querySelector('[data-bag="bag"]').disabled`)
	// By hand: auto-bag off, scan again, bag it with the button.
	sim.do("auto-bag off", chromedp.Click("#bag-auto"))
	sim.do("scan another milk", chromedp.Click(milkCard))
	sim.waitFor("bag enabled", `!document.querySelector('[data-bag="bag"]').disabled`)
	sim.do("bag it", chromedp.Click(`[data-bag="bag"]`))
	sim.waitFor("accepted", `document.querySelector("#bag-figures").textContent.includes("explained by the scans 2,090 g") && document.querySelector('[data-bag="bag"]').disabled`)

	// An unexpected item: the shopper screen says what to do.
	msg := i18n.T("en", "alert.bag_unexpected_item")
	sim.do("unexpected item", chromedp.Click(`[data-bag="unexpected"]`))
	shop.waitFor("the message", `(document.querySelector('.alert-blocking[data-type="bag_unexpected_item"] .alert-message') || {}).textContent === `+jsString(msg)+` && document.body.dataset.state === "suspended"`)
	shop.screenshot("shopper-unexpected-item.png", false)
	sim.do("show the panel", chromedp.ScrollIntoView("#bag-section"))
	sim.screenshot("sim-bagging-panel.png", false)
	if v := ts.lane.View(); len(v.Alerts) != 1 || v.Alerts[0].Type != kiosk.AlertBagUnexpected {
		t.Fatalf("lane alerts %+v", v.Alerts)
	}

	// Put it right: the lane closes the alert itself, scanning goes on.
	sim.do("put it right", chromedp.Click(`[data-bag="fix"]`))
	shop.waitFor("the message gone", `!document.querySelector('.alert-blocking[data-type="bag_unexpected_item"]') && document.body.dataset.state === "shopping"`)
	evs, _ := ts.lane.EventsAfter(context.Background(), 0, 1000)
	corrected := false
	for _, e := range evs {
		if e.Type == "alert_resolved" && strings.Contains(string(e.Body), `"outcome":"corrected"`) {
			corrected = true
		}
	}
	if !corrected {
		t.Fatal("no alert_resolved corrected in the journal")
	}
	sim.do("scan the milk again", chromedp.Click(milkCard))
	shop.waitFor("three milks", `document.querySelector("#total").textContent.includes("3.57")`)
	shop.checkConsole()
	sim.checkConsole()
}
