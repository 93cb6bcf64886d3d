package ui

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/i18n"
	"github.com/kiosk-sco/kiosk/internal/testout"
	"github.com/kiosk-sco/kiosk/kiosk"
)

// The journey test walks the shopper's screens in headless chromium, in each
// language at each of the kiosk's screen sizes: welcome → language → own bag
// → typed scan → keypad scan → produce picker (search, A–Z, picture, weight on
// the keypad) → quantity on the keypad → an alert → the cancel confirmation →
// ready to pay. In every state it runs axe-core (vendored under
// testdata/axe, injected into the page) and fails on any violation, checks
// that nothing overflows the window or its scrolling region, that the screen
// has an h1 and focus moved to it, and saves a screenshot.
//
// The payment screens (paying, paid, receipt) are reached by feeding views
// to the page's render (KioskShopper.show) as the lane will send them
// (kiosk.View's Payment and Receipt): the lane's payment is being built
// beside this page, and its end-to-end tests drive them through the lane.

// journeySize is a screen the kiosk runs on.
type journeySize struct {
	name string
	w, h int
}

var journeySizes = []journeySize{
	{"portrait", 1080, 1920}, // the common self-checkout screen
	{"laptop", 1366, 768},
	{"fullhd", 1920, 1080},
}

// overflowJS lists what sticks out: an element beyond the window, or beyond
// the scrolling region it is in, or whose content is wider than itself; and
// anything below the window that is not inside a scrolling region.
const overflowJS = `(() => {
  const W = innerWidth, H = innerHeight, bad = [];
  const scrolls = (e) => { const s = getComputedStyle(e); return /(auto|scroll)/.test(s.overflowY + " " + s.overflowX); };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (typeof e.className === "string" && e.className.trim() ? "." + e.className.trim().split(/\s+/).join(".") : "");
  for (const e of document.querySelectorAll("body *")) {
    if (e.closest("[hidden], .visually-hidden, script, style, details:not([open]) > :not(summary)")) continue;
    const cs = getComputedStyle(e);
    if (cs.display === "none" || cs.visibility === "hidden") continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    let sc = e.parentElement;
    while (sc && sc !== document.body && !scrolls(sc)) sc = sc.parentElement;
    if (sc === document.body) sc = null;
    const fmt = (x) => Math.round(x);
    if (r.left < -1 || r.right > W + 1) bad.push(name(e) + " is outside the window: x " + fmt(r.left) + ".." + fmt(r.right) + " of " + W);
    if (sc) {
      const s = sc.getBoundingClientRect();
      if (r.left < s.left - 1 || r.right > s.right + 1) bad.push(name(e) + " is wider than " + name(sc));
    } else if (r.top < -1 || r.bottom > H + 1) {
      bad.push(name(e) + " is outside the window: y " + fmt(r.top) + ".." + fmt(r.bottom) + " of " + H);
    }
    if (e.tagName !== "INPUT" && e.clientWidth > 0 && !/(auto|scroll)/.test(cs.overflowX) && e.scrollWidth > e.clientWidth + 1) {
      bad.push(name(e) + " content " + e.scrollWidth + " px in " + e.clientWidth + " px: " + JSON.stringify(e.textContent.trim().slice(0, 60)));
    }
  }
  return bad.slice(0, 15);
})()`

// screenJS reads the screen shown: its name, the visible h1s and the element
// with focus.
const screenJS = `(() => {
  const visible = (e) => e.getClientRects().length > 0 && !e.closest("[hidden]");
  const h1 = Array.from(document.querySelectorAll("h1")).filter(visible);
  const a = document.activeElement;
  return {screen: document.body.dataset.screen, state: document.body.dataset.state,
    h1: h1.map((h) => h.textContent.trim()), h1ID: h1.length ? h1[0].id : "",
    focus: a ? (a.id || a.tagName) : "", dialog: !!(a && a.closest('[role="dialog"], [role="alertdialog"]')),
    viewport: document.querySelector('meta[name="viewport"]').content};
})()`

type screenInfo struct {
	Screen, State, H1ID, Focus, Viewport string
	H1                                   []string
	Dialog                               bool
}

// journey is one walk: a tab at one size in one language against its own lane.
type journey struct {
	t    *testing.T
	tab  *browserTab
	ts   *testServer
	lang string
	size journeySize
	axe  string
	n    int // screenshots taken
	// shotPrefix names the screenshots (default "journey").
	shotPrefix string
}

func (j *journey) eval(step, js string) []byte {
	j.t.Helper()
	raw, err := chromedp.Run(j.tab.ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		j.tab.fail(step, err)
	}
	return raw
}

func (j *journey) click(step, sel string) {
	j.t.Helper()
	j.tab.do(step, chromedp.WaitVisible(sel), chromedp.WaitEnabled(sel), chromedp.Click(sel))
}

// check runs the checks of one state: axe, overflow, an h1 (and, for a
// screen rather than a dialog, focus on it), the raw-text check; and takes a
// screenshot when shot is set.
func (j *journey) check(state string, shot bool) {
	j.t.Helper()
	where := fmt.Sprintf("%s %s %s", j.lang, j.size.name, state)
	// axe: every rule of WCAG 2.1 A and AA and best practice, on the whole page.
	// The page's CSP allows no inline script; the DevTools protocol's
	// evaluate is not bound by it.
	if string(j.eval("has axe", `typeof window.axe`)) != `"object"` {
		j.eval("inject axe", j.axe+";0")
	}
	raw := j.eval("axe "+state, `(async () => {
		const r = await axe.run(document, {resultTypes: ["violations"], runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
		return r.violations.map((v) => v.id + " (" + v.impact + "): " + v.help + " — " + v.nodes.slice(0, 3).map((n) => n.target.join(" ") + ": " + n.failureSummary.replace(/\s+/g, " ")).join(" | "));
	})()`)
	var violations []string
	if err := json.Unmarshal(raw, &violations); err != nil {
		j.t.Fatalf("%s: axe answered %s", where, raw)
	}
	for _, v := range violations {
		j.t.Errorf("%s: axe: %s", where, v)
	}
	var over []string
	json.Unmarshal(j.eval("overflow "+state, overflowJS), &over)
	for _, o := range over {
		j.t.Errorf("%s: overflow: %s", where, o)
	}
	var si screenInfo
	json.Unmarshal(j.eval("screen "+state, screenJS), &si)
	if len(si.H1) != 1 || si.H1[0] == "" {
		j.t.Errorf("%s: visible h1s %q, want one", where, si.H1)
	}
	if strings.Contains(si.Viewport, "user-scalable=no") || strings.Contains(si.Viewport, "maximum-scale") {
		j.t.Errorf("%s: the viewport forbids zoom: %q", where, si.Viewport)
	}
	j.tab.snapshot() // raw keys, placeholders, NaN
	if shot {
		j.n++
		prefix := j.shotPrefix
		if prefix == "" {
			prefix = "journey"
		}
		j.tab.screenshot(fmt.Sprintf("%s-%s-%s-%02d-%s.png", prefix, j.size.name, j.lang, j.n, state), false)
	}
}

// focusOn waits until the heading id has focus (a new screen moves focus to
// its heading, a dialog to its own).
func (j *journey) focusOn(step, id string) {
	j.t.Helper()
	j.tab.waitFor(step+": focus on #"+id, `document.activeElement && document.activeElement.id === "`+id+`"`)
}

func TestShopperJourneyInBrowser(t *testing.T) {
	browser := startBrowserFor(t, 170*time.Second)
	axe, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	artifacts := testout.Dir(t, "journey")
	for _, lang := range []string{"en", "de", "es"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			tabCtx, cancel := chromedp.NewContext(browser)
			defer cancel()
			tab := newBrowserTab(t, tabCtx, "journey-"+lang, artifacts)
			for _, size := range journeySizes {
				ts := newTestServerWith(t, testServerOptions{lane: func(c *kiosk.Config) {
					c.PlusKey = kiosk.PlusKeyRule{MaxUnitPrice: decimal.RequireFromString("2.00"), MaxQty: 10}
					c.Receipt.URL = "https://receipts.example.com/r/{txn}"
				}})
				j := &journey{t: t, tab: tab, ts: ts, lang: lang, size: size, axe: string(axe)}
				j.walk()
				if t.Failed() {
					break
				}
			}
			tab.checkConsole()
		})
	}
}

// names of the demo's produce by language, as the picker and basket show them.
var bananas = map[string]string{"en": "Bananas", "de": "Bananen", "es": "Plátanos"}

func (j *journey) walk() {
	t, tab, lang := j.t, j.tab, j.lang
	tab.do("open the shopper screen", chromedp.EmulateViewport(int64(j.size.w), int64(j.size.h)), chromedp.Navigate(j.ts.url+"/"))
	tab.waitFor("connect", `document.querySelector("#conn").dataset.conn === "online" && document.body.dataset.state === "idle" &&
		document.body.dataset.screen === "welcome"`)

	// 1. Welcome: language, then the bag question starts the basket.
	j.click("choose the language", "#welcome-lang-"+lang)
	tab.waitFor("the language", `document.documentElement.lang === "`+lang+`" &&
		document.querySelector("#welcome-lang-`+lang+`").getAttribute("aria-pressed") === "true"`)
	j.check("welcome", true)
	j.click("own bag", "#start-own-bag")
	tab.waitFor("scanning", `document.body.dataset.state === "shopping" && document.body.dataset.screen === "shop"`)
	j.focusOn("scanning", "shop-title")
	if got := j.eval("start command", `KioskShopper.startCommand("own")`); !strings.Contains(string(got), `"op":"start"`) {
		t.Errorf("start command %s", got)
	}
	j.check("scan-empty", false)

	// 2. A typed code beeps and is announced with the total.
	tab.do("type the milk's EAN", chromedp.SendKeys("#code-input", milk), chromedp.Click("#code-submit"))
	tab.waitFor("the milk's line", `document.querySelectorAll("#lines tr.line").length === 1 && KioskShopper.sounds.includes("beep") &&
		/1[.,]19/.test(document.querySelector("#live-polite").textContent)`)

	// 3. The keypad: a barcode tapped in digit by digit.
	j.click("open the keypad", "#keypad-button")
	j.focusOn("keypad", "keypad-title")
	j.check("keypad", true)
	j.eval("tap the digits", `(() => { for (const d of "`+semiSkimmed+`") document.querySelector('#keypad [data-key="'+d+'"]').click(); })()`)
	tab.waitFor("the display", `document.querySelector("#keypad-display").value === "`+semiSkimmed+`"`)
	j.click("OK", "#keypad-ok")
	tab.waitFor("the keypad's line", `document.querySelectorAll("#lines tr.line").length === 2 && document.querySelector("#keypad").hidden`)
	j.focusOn("keypad closed", "keypad-button")

	// 4. The produce picker: pictures, A–Z, search; weight on the keypad.
	j.click("open the produce picker", "#produce-button")
	tab.waitFor("produce with pictures", `(() => {
		const items = document.querySelectorAll("#produce-list .produce-item");
		return items.length > 0 && Array.from(items).every((b) => { const i = b.querySelector("img"); return i.complete && i.naturalWidth > 0; });
	})()`)
	j.focusOn("produce", "produce-title")
	j.check("produce", true)
	j.click("letter B", `#produce-letters [data-letter="B"]`)
	tab.waitFor("only B", `(() => {
		const names = Array.from(document.querySelectorAll("#produce-list .produce-name")).map((n) => n.textContent);
		return names.length > 0 && document.querySelector('#produce-letters [data-letter="B"]').getAttribute("aria-pressed") === "true" &&
			names.every((n) => /^[BbḂ]/.test(n.normalize("NFD")));
	})()`)
	j.check("produce-letter", false)
	tab.do("search 4011", chromedp.SendKeys("#produce-filter", "4011"))
	banana := `#produce-list .produce-item[data-plu="4011"]`
	tab.waitFor("bananas", `document.querySelectorAll("#produce-list .produce-item").length === 1 && document.querySelector('`+banana+`') !== null &&
		document.querySelector('`+banana+`').textContent.includes("`+bananas[lang]+`")`)
	j.click("pick bananas", banana)
	tab.waitFor("weigh step", `!document.querySelector("#produce-weigh").hidden`)
	j.click("weight keypad", "#weight-keypad")
	j.eval("tap 750", `(() => { for (const d of "750") document.querySelector('#keypad [data-key="'+d+'"]').click(); })()`)
	j.click("OK", "#keypad-ok")
	tab.waitFor("750 g", `document.querySelector("#weight-input").value === "750" && document.querySelector("#keypad").hidden`)
	j.check("weigh", false)
	j.click("add bananas", "#weight-submit")
	tab.waitFor("the bananas' line", `document.querySelectorAll("#lines tr.line").length === 3 && document.querySelector("#produce-panel").hidden`)

	// 5. Quantity on the keypad: three bottles of milk.
	j.click("the milk's quantity", `#lines tr.line[data-no="1"] .qty-value`)
	j.focusOn("quantity keypad", "keypad-title")
	j.eval("tap 3", `document.querySelector('#keypad [data-key="3"]').click()`)
	j.click("OK", "#keypad-ok")
	tab.waitFor("three milk", `document.querySelector('#lines tr.line[data-no="1"] .qty-value').textContent === "3"`)
	if v := j.ts.lane.View(); len(v.Lines) != 3 || v.Lines[0].Qty != 3 || v.Lines[2].WeightG != 750 {
		t.Errorf("%s %s: lane lines %+v", lang, j.size.name, v.Lines)
	}
	j.check("basket", true)

	// 6. An alert: suspended, controls disabled, the newest line and the
	// barcode field still on screen, a wait time, an announcement.
	tab.do("type an unknown EAN", chromedp.SendKeys("#code-input", unknownEAN), chromedp.Click("#code-submit"))
	tab.waitFor("suspended", `document.body.dataset.state === "suspended" && !document.querySelector("#alert").hidden &&
		document.querySelector("#checkout-button").disabled && document.querySelector("#checkout-button").getAttribute("aria-disabled") === "true" &&
		document.querySelector("#code-input").disabled && document.querySelector("#produce-button").getAttribute("aria-disabled") === "true" &&
		/\d:\d\d/.test(document.querySelector("#alert .wait-time").textContent) &&
		document.querySelector("#live-assertive").textContent.includes("`+unknownEAN+`") && KioskShopper.sounds.includes("chime")`)
	inView := j.eval("in view", `(() => {
		const inside = (e, box) => { const r = e.getBoundingClientRect(); return r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.left >= box.left - 1 && r.right <= box.right + 1; };
		const win = {top: 0, left: 0, bottom: innerHeight, right: innerWidth};
		const latest = document.querySelector("#lines tr.latest");
		return {latest: inside(latest, win) && inside(latest, document.querySelector("#basket-scroll").getBoundingClientRect()),
			code: inside(document.querySelector("#code-input"), win), alert: inside(document.querySelector("#alert"), win)};
	})()`)
	var on struct{ Latest, Code, Alert bool }
	if json.Unmarshal(inView, &on); !on.Latest || !on.Code || !on.Alert {
		t.Errorf("%s %s: with an alert up, on screen: %s", lang, j.size.name, inView)
	}
	j.check("alert", true)
	for _, a := range j.ts.lane.View().Alerts {
		if _, err := j.ts.lane.Resolve(tab.ctx, a.ID, "done", "test", ""); err != nil {
			t.Fatal(err)
		}
	}
	tab.waitFor("resumed", `document.body.dataset.state === "shopping" && !document.querySelector("#checkout-button").disabled &&
		!document.querySelector("#checkout-button").hasAttribute("aria-disabled")`)

	// 7. Cancelling asks first; "no" keeps the basket.
	j.click("cancel", "#cancel-button")
	j.focusOn("confirm", "confirm-title")
	j.check("confirm-cancel", true)
	tab.do("Tab stays in the dialog", chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"))
	tab.waitFor("focus in the dialog", `document.activeElement.closest("#confirm-cancel") !== null`)
	j.click("keep shopping", "#confirm-no")
	tab.waitFor("dialog closed", `document.querySelector("#confirm-cancel").hidden && document.activeElement.id === "cancel-button"`)
	if n := len(j.ts.lane.View().Alerts); n != 0 {
		t.Errorf("%s %s: 'no' raised %d alerts", lang, j.size.name, n)
	}

	// 8. Ready to pay: card or cash, and the receipt preview.
	j.click("pay", "#checkout-button")
	tab.waitFor("ready to pay", `document.body.dataset.screen === "pay" && (() => {
		const img = document.querySelector("#receipt-preview");
		return img.complete && img.naturalWidth > 0 && !document.querySelector("#receipt-box").hidden;
	})()`)
	j.focusOn("pay", "pay-title")
	j.check("pay", true)

	// 9. The payment screens, from views as the lane will send them.
	j.payment()
}

// payment feeds the page the views of a payment and checks each screen.
func (j *journey) payment() {
	v := j.ts.lane.View()
	base, _ := json.Marshal(v)
	txn := v.Txn.ID
	seq := v.Seq + 1000
	raised := time.Now().Add(-75 * time.Second).UTC().Format(time.RFC3339)
	for _, c := range []struct {
		name, state, patch string
		screen, heading    string
		want               string // a JS predicate on top of the screen
		shot               bool
	}{
		{"card-insert", "paying", `{"payment":{"method":"card","status":"in_progress","progress":"insert_card","amount":"5.96","canCancel":true}}`,
			"paying", "paying-title", `!document.querySelector("#pay-cancel").hidden && document.querySelector("#paying-amount").textContent !== ""`, true},
		{"card-pin", "paying", `{"payment":{"method":"card","status":"in_progress","progress":"enter_pin","amount":"5.96","canCancel":false}}`,
			"paying", "paying-title", `document.querySelector("#pay-cancel").hidden`, false},
		{"attendant", "paying", `{"payment":{"method":"attendant","status":"waiting_staff","amount":"5.96","canCancel":true},
			"alerts":[{"id":90,"type":"help","blocking":false,"detail":{},"raisedAt":"` + raised + `"}]}`,
			"paying", "paying-title", `/1:1\d/.test(document.querySelector("#paying-wait").textContent)`, true},
		{"unknown", "paying", `{"payment":{"method":"card","status":"unknown","amount":"5.96","canCancel":false}}`,
			"paying", "paying-title", `!document.querySelector("#paying-wait").hidden`, false},
		{"failed", "ready_to_pay", `{"payment":{"method":"card","status":"failed","error":"payment.declined","amount":"5.96","canCancel":false}}`,
			"pay", "pay-title", `!document.querySelector("#pay-failed").hidden && document.querySelector("#pay-failed-msg").textContent !== ""`, true},
		{"paid", "paid", `{"receipt":{"txnId":"` + txn + `","url":"http://127.0.0.1/r/` + txn + `","total":"5.96","printerReady":true,
			"tenders":[{"kind":"card","amount":"5.96","cardName":"girocard","maskedPan":"############1234"}]}}`,
			"paid", "paid-title", `!document.querySelector("#receipt-print").disabled && document.querySelector("#paid-tenders").textContent.includes("1234")`, true},
		{"paid-no-printer", "paid", `{"receipt":{"txnId":"` + txn + `","url":"","total":"5.96","printerReady":false,"tenders":[{"kind":"cash","amount":"5.96"}]}}`,
			"paid", "paid-title", `document.querySelector("#receipt-print").disabled && !document.querySelector("#paid-printer").hidden`, false},
		{"thanks-printed", "receipt", `{"receipt":{"txnId":"` + txn + `","url":"","total":"5.96","printerReady":true,"choice":"print","printed":true,"tenders":[]}}`,
			"receipt", "thanks-title", `document.body.dataset.receipt === "print/printed"`, true},
		{"thanks-qr", "receipt", `{"receipt":{"txnId":"` + txn + `","url":"http://127.0.0.1/r/` + txn + `","total":"5.96","printerReady":true,"choice":"qr","tenders":[]}}`,
			"receipt", "thanks-title", `(() => { const i = document.querySelector("#receipt-qr-img"); return !i.hidden && i.complete && i.naturalWidth > 0; })()`, true},
		{"thanks-print-error", "receipt", `{"receipt":{"txnId":"` + txn + `","url":"http://127.0.0.1/r/` + txn + `","total":"5.96","printerReady":false,"choice":"print","printError":"printer.cover_open","tenders":[]}}`,
			"receipt", "thanks-title", `(() => { const i = document.querySelector("#receipt-qr-img"); return !i.hidden && i.complete && i.naturalWidth > 0 &&
				document.body.dataset.receipt === "print/error"; })()`, false},
	} {
		seq++
		js := fmt.Sprintf(`(() => { const v = Object.assign(%s, {seq: %d, state: %q, alerts: [], payment: null, receipt: null}, %s); return KioskShopper.show(v); })()`,
			base, seq, c.state, c.patch)
		if got := string(j.eval("show "+c.name, js)); got != "true" {
			j.t.Fatalf("%s: the page did not take the view: %s", c.name, got)
		}
		j.tab.waitFor(c.name, `document.body.dataset.screen === "`+c.screen+`" && (`+c.want+`)`)
		if c.screen != "pay" { // the pay screen is the same screen: focus stays where it is
			j.focusOn(c.name, c.heading)
		}
		j.check(c.name, c.shot)
	}
}

// TestIdleResetInBrowser: the welcome screen left in another language returns
// to the store's; an empty basket nobody touches is given up and the next
// shopper is welcomed in the store's language (the lane resets it when the
// transaction ends); a basket with items is never given up; the thank-you
// screen ends the sale by itself.
func TestIdleResetInBrowser(t *testing.T) {
	browser := startBrowser(t)
	ts := newTestServer(t)
	tab := newBrowserTab(t, browser, "idle", testout.Dir(t, "journey"))
	tab.do("open", chromedp.EmulateViewport(1080, 1920), chromedp.Navigate(ts.url+"/"))
	tab.waitFor("connect", `document.querySelector("#conn").dataset.conn === "online" && document.body.dataset.state === "idle"`)
	tab.do("short timeouts", chromedp.Evaluate[chromedp.Void](`KioskShopper.setTimeouts({idleMs: 300, thanksMs: 300, thanksQrMs: 300})`))

	// The overflow check finds what sticks out.
	var over []string
	raw, err := chromedp.Run(tab.ctx, chromedp.Evaluate[[]byte](`(() => {
		const d = document.createElement("div");
		d.id = "too-wide";
		d.style.width = "150vw";
		d.textContent = "x";
		document.querySelector("#screen-welcome").appendChild(d);
		const got = `+overflowJS+`;
		d.remove();
		return got;
	})()`))
	if err != nil {
		tab.fail("overflow self-check", err)
	}
	if json.Unmarshal(raw, &over); len(over) == 0 || !strings.Contains(strings.Join(over, " "), "too-wide") {
		t.Errorf("the overflow check missed an element 1.5 windows wide: %q", over)
	}

	// 1. German on the welcome screen, then nobody: back to English.
	tab.do("German", chromedp.Click("#welcome-lang-de"))
	tab.waitFor("German", `document.documentElement.lang === "de"`)
	tab.waitFor("back to English", `document.documentElement.lang === "en" && document.querySelector("#welcome-title").textContent === "Welcome"`)

	// 2. Spanish, start, walk away: the empty basket ends, English again.
	tab.do("Spanish", chromedp.Click("#welcome-lang-es"))
	tab.waitFor("Spanish", `document.documentElement.lang === "es"`)
	tab.do("start", chromedp.Click("#start-button"))
	tab.waitFor("shopping in Spanish", `document.body.dataset.state === "shopping" && document.documentElement.lang === "es"`)
	tab.waitFor("welcome in English", `document.body.dataset.state === "idle" && document.body.dataset.screen === "welcome" &&
		document.documentElement.lang === "en" && document.querySelector("#welcome-title").textContent === "Welcome" &&
		document.activeElement.id === "welcome-title"`)
	if v := ts.lane.View(); v.Txn != nil || v.Lang != "en" {
		t.Errorf("lane after the idle reset: txn %v, lang %s", v.Txn, v.Lang)
	}

	// 3. A basket with an item stays, however long nobody touches it. The
	// item: bananas by their PLU on the keypad (an unknown PLU is refused).
	tab.do("start", chromedp.Click("#start-button"))
	tab.do("produce", chromedp.Click("#produce-button"), chromedp.WaitVisible("#produce-plu"), chromedp.Click("#produce-plu"),
		chromedp.WaitVisible("#keypad-ok"))
	tab.do("tap 9999", chromedp.Evaluate[chromedp.Void](`(() => { for (const d of "9999") document.querySelector('#keypad [data-key="'+d+'"]').click(); })()`),
		chromedp.Click("#keypad-ok"))
	tab.waitFor("no such PLU", `!document.querySelector("#toast").hidden && document.querySelector("#toast").dataset.code === "produce.plu_none" &&
		!document.querySelector("#keypad").hidden`)
	tab.do("tap 4011", chromedp.Click(`#keypad [data-key="clear"]`),
		chromedp.Evaluate[chromedp.Void](`(() => { for (const d of "4011") document.querySelector('#keypad [data-key="'+d+'"]').click(); })()`),
		chromedp.Click("#keypad-ok"))
	tab.waitFor("bananas to weigh", `document.querySelector("#keypad").hidden && !document.querySelector("#produce-weigh").hidden &&
		document.querySelector("#weight-title").textContent.includes("Bananas") && document.activeElement.id === "weight-title"`)
	tab.do("add", chromedp.Click("#weight-submit"))
	tab.waitFor("a line", `document.querySelectorAll("#lines tr.line").length === 1 && document.querySelector("#produce-panel").hidden`)
	tab.do("mark", chromedp.Evaluate[chromedp.Void](`window.mark = KioskShopper.ticks()`))
	tab.waitFor("three quiet ticks", `KioskShopper.ticks() >= window.mark + 3`)
	if v := ts.lane.View(); v.Txn == nil || len(v.Lines) != 1 {
		t.Errorf("a basket with an item was given up: %+v", v)
	}
	// Cancelling it, confirmed, asks staff.
	tab.do("cancel", chromedp.Click("#cancel-button"), chromedp.WaitVisible("#confirm-yes"), chromedp.Click("#confirm-yes"))
	tab.waitFor("staff asked", `document.body.dataset.state === "suspended" && document.querySelector("#confirm-cancel").hidden &&
		document.querySelector('#alert [data-type="cancel_request"]') !== null`)

	// 4. The thank-you screen sends "finish" by itself (a view as the lane
	// will send it; the lane's "finish" is being built beside this page).
	v := ts.lane.View()
	base, _ := json.Marshal(v)
	tab.do("record commands", chromedp.Evaluate[chromedp.Void](`(() => {
		window.sent = [];
		const f = window.fetch;
		window.fetch = (u, i) => { if (i && i.body) window.sent.push(String(i.body)); return f(u, i); };
	})()`))
	tab.do("thank you", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`KioskShopper.show(Object.assign(%s, {seq: %d, state: "receipt", alerts: [],
		receipt: {txnId: %q, url: "", total: "1.19", tenders: [], choice: "none", printerReady: true}}))`, base, v.Seq+100, v.Txn.ID)))
	tab.waitFor("thank-you screen", `document.body.dataset.screen === "receipt" && /\d/.test(document.querySelector("#thanks-reset").textContent)`)
	tab.waitFor("finish sent", `window.sent.some((b) => JSON.parse(b).op === "finish")`)
	tab.checkConsole()
}

// TestAttendantPaymentInBrowser walks a whole sale through the lane in
// German on the portrait screen: own bag, a scan, cash at the attendant
// (staff are coming, with the wait), staff take the money, no receipt, the
// thank-you, "done" — and the next shopper is welcomed in the store's
// language, English.
func TestAttendantPaymentInBrowser(t *testing.T) {
	browser := startBrowser(t)
	ts := newTestServer(t)
	tab := newBrowserTab(t, browser, "attendant", testout.Dir(t, "journey"))
	shot := func(name string) { tab.screenshot("attendant-portrait-de-"+name+".png", false) }
	tab.do("open", chromedp.EmulateViewport(1080, 1920), chromedp.Navigate(ts.url+"/"))
	tab.waitFor("connect", `document.querySelector("#conn").dataset.conn === "online" && document.body.dataset.state === "idle"`)
	tab.do("German", chromedp.Click("#welcome-lang-de"))
	tab.waitFor("German", `document.documentElement.lang === "de"`)
	tab.do("own bag", chromedp.Click("#start-own-bag"))
	tab.waitFor("shopping", `document.body.dataset.state === "shopping"`)
	var bags string
	if err := ts.db.R.QueryRow(`SELECT json_extract(body, '$.bags') FROM journal WHERE type = 'txn_started'`).Scan(&bags); err != nil || bags != "own" {
		t.Errorf("the lane's transaction: bags %q (%v), want own", bags, err)
	}
	tab.do("scan", chromedp.SendKeys("#code-input", milk), chromedp.Click("#code-submit"))
	tab.waitFor("a line", `document.querySelectorAll("#lines tr.line").length === 1`)
	tab.do("pay", chromedp.Click("#checkout-button"))
	tab.waitFor("pay screen", `document.body.dataset.screen === "pay" && document.activeElement.id === "pay-title"`)
	tab.do("cash", chromedp.Click("#pay-attendant"))
	tab.waitFor("staff are coming", `document.body.dataset.screen === "paying" && document.body.dataset.payment === "attendant/waiting_staff" &&
		/Bargeld/.test(document.querySelector("#paying-message").textContent) && /\d:\d\d/.test(document.querySelector("#paying-wait").textContent) &&
		document.activeElement.id === "paying-title"`)
	shot("1-waiting")
	var cash int64
	for _, a := range ts.lane.View().Alerts {
		if a.Type == kiosk.AlertCashPayment {
			cash = a.ID
		}
	}
	if cash == 0 {
		t.Fatalf("no cash_payment alert: %+v", ts.lane.View().Alerts)
	}
	// What happens next: called, then (staff acknowledge) on the way.
	tab.waitFor("staff called", `!document.querySelector("#paying-status").hidden &&
		document.querySelector("#paying-status").textContent === "`+i18n.T("de", "alert.status.called")+`"`)
	if _, err := ts.lane.Staff(tab.ctx, kiosk.Actor{ID: "anna", Role: kiosk.RoleAttendant, Where: "test"},
		kiosk.StaffAction{Op: kiosk.OpAck, AlertID: cash}, ""); err != nil {
		t.Fatal(err)
	}
	tab.waitFor("staff on the way", `document.querySelector("#paying-status").dataset.acked === "true" &&
		document.querySelector("#paying-status").textContent === "`+i18n.T("de", "alert.status.coming")+`"`)
	if _, err := ts.lane.Resolve(tab.ctx, cash, "approved", "anna", ""); err != nil {
		t.Fatal(err)
	}
	tab.waitFor("paid", `document.body.dataset.screen === "paid" && document.activeElement.id === "paid-title" &&
		/1,19/.test(document.querySelector("#paid-total").textContent)`)
	shot("2-paid")
	tab.do("no receipt", chromedp.Click("#receipt-none"))
	tab.waitFor("thank you", `document.body.dataset.screen === "receipt" && document.activeElement.id === "thanks-title" &&
		document.querySelector("#thanks-title").textContent === "Danke für Ihren Einkauf"`)
	// The one-tap question, in the shopper's language; one answer per sale.
	tab.waitFor("effort question", `document.querySelector("#effort-question").textContent === "`+i18n.T("de", "effort.question")+`" &&
		!document.querySelector("#effort .effort-btn[data-score='4']").disabled && document.querySelector("#effort-thanks").hidden`)
	shot("3-thanks")
	tab.do("easy", chromedp.Click("#effort .effort-btn[data-score='4']"))
	tab.waitFor("answered", `!document.querySelector("#effort-thanks").hidden &&
		document.querySelector("#effort .effort-btn[data-score='4']").getAttribute("aria-pressed") === "true" &&
		[...document.querySelectorAll("#effort .effort-btn")].every((b) => b.disabled)`)
	shot("4-answered")
	var effort int
	if err := ts.db.R.QueryRow(`SELECT json_extract(body, '$.score') FROM journal WHERE type = 'effort_answered'`).Scan(&effort); err != nil || effort != 4 {
		t.Errorf("effort_answered in the journal: %d (%v), want 4", effort, err)
	}
	tab.do("done", chromedp.Click("#finish-button"))
	tab.waitFor("the next shopper, in English", `document.body.dataset.state === "idle" && document.body.dataset.screen === "welcome" &&
		document.documentElement.lang === "en" && document.querySelector("#welcome-title").textContent === "Welcome"`)
	tab.checkConsole()
}
