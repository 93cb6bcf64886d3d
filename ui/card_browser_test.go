//go:build sim

package ui

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kiosk-sco/kiosk/devices/zvt"
	"github.com/kiosk-sco/kiosk/devices/zvt/zvtsim"
	"github.com/kiosk-sco/kiosk/internal/testout"
	"github.com/kiosk-sco/kiosk/kiosk"
)

// TestCardPaymentInBrowser pays by card on the real lane, the real ZVT
// driver and the terminal simulator, in each language at the kiosk's
// portrait size: a declined card first (the pay screen says so and what to
// do), then an approved one (the terminal's progress, then the receipt
// choice), the e-receipt QR, and back to the welcome screen. Every state is
// checked with axe, for overflow and for its h1; screenshots are saved.
func TestCardPaymentInBrowser(t *testing.T) {
	browser := startBrowserFor(t, 120*time.Second)
	axe, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	artifacts := testout.Dir(t, "journey")
	for _, lang := range []string{"en", "de", "es"} {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			sim, err := zvtsim.Listen("127.0.0.1:0", zvtsim.Options{Ledger: filepath.Join(dir, "ledger.jsonl")})
			if err != nil {
				t.Fatal(err)
			}
			term, err := zvt.New(zvt.TCPDialer(sim.Addr()), zvt.Config{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { term.Close(); sim.Close() })
			ts := newTestServerWith(t, testServerOptions{lane: func(c *kiosk.Config) {
				c.Terminal = term
				c.Receipt.URL = "https://receipts.example.com/r/{txn}"
			}})
			tab := newBrowserTab(t, browser, "card-"+lang, artifacts)
			j := &journey{t: t, tab: tab, ts: ts, lang: lang, size: journeySize{name: "portrait", w: 1080, h: 1920}, axe: string(axe)}
			step := 0
			check := func(state string) {
				step++
				j.check(state, false)
				tab.screenshot("card-portrait-"+lang+"-"+string(rune('0'+step))+"-"+state+".png", false)
			}
			tab.do("open", chromedp.EmulateViewport(1080, 1920), chromedp.Navigate(ts.url+"/"))
			tab.waitFor("connect", `document.querySelector("#conn").dataset.conn === "online" && document.body.dataset.state === "idle"`)
			j.click("language", "#welcome-lang-"+lang)
			tab.waitFor("language", `document.documentElement.lang === "`+lang+`"`)
			j.click("no bag", "#start-button")
			tab.waitFor("shopping", `document.body.dataset.state === "shopping"`)
			tab.do("scan", chromedp.SendKeys("#code-input", milk), chromedp.Click("#code-submit"))
			tab.waitFor("a line", `document.querySelectorAll("#lines tr.line").length === 1`)
			j.click("pay", "#checkout-button")
			tab.waitFor("pay screen", `document.body.dataset.screen === "pay" && !document.querySelector("#pay-card").disabled`)

			// A declined card: back on the pay screen, told why and what to do.
			sim.Next(zvtsim.Behavior{Kind: zvtsim.Decline, Result: 0x05})
			j.click("card", "#pay-card")
			tab.waitFor("declined", `document.body.dataset.screen === "pay" && !document.querySelector("#pay-failed").hidden &&
				document.querySelector("#pay-failed-msg").textContent.length > 10`)
			check("declined")

			// The next card: the terminal waits for it, then approves.
			sim.Next(zvtsim.Behavior{Kind: zvtsim.Timeout})
			j.click("card again", "#pay-card")
			tab.waitFor("insert card", `document.body.dataset.screen === "paying" && document.body.dataset.payment === "card/in_progress" &&
				!document.querySelector("#pay-cancel").hidden`)
			check("insert-card")
			j.click("cancel the card", "#pay-cancel")
			tab.waitFor("cancelled", `document.body.dataset.screen === "pay" && !document.querySelector("#pay-failed").hidden`)
			j.click("card, third try", "#pay-card")
			tab.waitFor("paid", `document.body.dataset.screen === "paid" && document.activeElement.id === "paid-title" &&
				/\d{6}\*{6}\d{4}/.test(document.querySelector("#paid-tenders").textContent)`)
			check("paid")
			j.click("e-receipt", "#receipt-qr")
			tab.waitFor("QR", `document.body.dataset.screen === "receipt" && !document.querySelector("#receipt-qr-img").hidden && document.querySelector("#receipt-qr-img").naturalWidth > 0`)
			check("thanks-qr")
			j.click("done", "#finish-button")
			tab.waitFor("welcome", `document.body.dataset.state === "idle" && document.body.dataset.screen === "welcome"`)
			tab.checkConsole()
			if n := len(sim.Charges()); n != 1 {
				t.Fatalf("the terminal holds %d charges, want 1: %+v", n, sim.Ledger())
			}
		})
	}
}
