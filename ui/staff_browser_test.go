package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kiosk-sco/kiosk/i18n"
	"github.com/kiosk-sco/kiosk/internal/testout"
	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

// The handheld's browser tests drive the real staff page in headless
// chromium (as browser_test.go does the shopper page) against real lanes,
// staff services and Fiber apps. Screenshots go to $KIOSK_ARTIFACTS/handheld,
// or <repo>/out/handheld.

// markupGTIN is a product whose names are markup: every page must show them
// as text.
const (
	markupGTIN = "04000000000013"
	markupEAN  = "4000000000013"
	markupName = `<img src=x onerror="document.body.dataset.pwned=1">Milk`
)

// seedMarkup adds the markup-named product to the catalog.
func seedMarkup(t testing.TB) func(db *store.DB) {
	return func(db *store.DB) {
		_, err := db.W.ExecContext(context.Background(), `INSERT INTO products (gtin, name_en, name_de, name_es, price_minor, sold_by, vat_class)
			VALUES (?, ?, ?, ?, 99, 'each', 'standard')`, markupGTIN, markupName, markupName, markupName)
		if err != nil {
			t.Fatal(err)
		}
	}
}

// handheldSize is the phone the handheld is tested at.
var handheldSize = journeySize{"phone", 390, 844}

// handheld is one staff page in a tab.
type handheld struct {
	*journey
	env *staffEnv
}

func (h *handheld) open(path string) {
	h.tab.do("open the handheld", chromedp.EmulateViewport(int64(h.size.w), int64(h.size.h)), chromedp.Navigate(h.env.url+path))
}

func (h *handheld) login(id string) {
	h.tab.waitFor("the login form", `document.body.dataset.screen === "login"`)
	h.tab.do("log in as "+id,
		chromedp.SendKeys("#login-id", id),
		chromedp.SendKeys("#login-pin", pinOf(id)),
		chromedp.Click("#login-submit"))
}

// checkInert fails when markup from data became elements or ran.
func (h *handheld) checkInert(where string) {
	h.t.Helper()
	var got struct {
		Pwned bool
		Imgs  int
	}
	json.Unmarshal(h.eval("inert "+where, `({pwned: document.body.dataset.pwned === "1", imgs: document.querySelectorAll("main img").length})`), &got)
	if got.Pwned || got.Imgs > 0 {
		h.t.Errorf("%s: markup from a product name became live (%+v)", where, got)
	}
}

// TestHandheldPagesAccessible walks the handheld's screens (login, alert
// list, one alert, a lane's basket) in each language on a phone: axe-core
// finds no violation, nothing sticks out, one h1 each, no raw keys, and a
// product name with markup shows as text.
func TestHandheldPagesAccessible(t *testing.T) {
	browser := startBrowserFor(t, 120*time.Second)
	axe, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	artifacts := testout.Dir(t, "handheld")
	for _, lang := range []string{"en", "de", "es"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			env := newStaffEnv(t, staffEnvOptions{server: testServerOptions{seed: seedMarkup(t)}})
			ctx := context.Background()
			lane := env.ts.lane
			scanMilk(t, lane)
			if _, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: markupEAN, Source: "typed"}); err != nil {
				t.Fatal(err)
			}
			if _, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: "<b>" + unknownEAN, Source: "typed"}); err == nil {
				t.Log("a typed code with markup was taken") // refused or raised: either way it must render inert
			}
			if _, err := lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: unknownEAN, Source: "typed"}); err != nil {
				t.Fatal(err)
			}
			tabCtx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
			defer cancel()
			tab := newBrowserTab(t, tabCtx, "handheld-"+lang, artifacts)
			h := &handheld{journey: &journey{t: t, tab: tab, ts: env.ts, lang: lang, size: handheldSize, axe: string(axe)}, env: env}
			h.open("/?lang=" + lang)
			h.tab.waitFor("the login form", `document.body.dataset.screen === "login" && document.documentElement.lang === "`+lang+`"`)
			h.focusOn("login", "login-title")
			h.check("login", true)
			h.login("anna")
			tab.waitFor("the alert list", `document.body.dataset.screen === "list" && document.querySelector("#conn").dataset.conn === "online" &&
				document.querySelectorAll("#alerts button.alert-item").length === 1`)
			h.check("list", true)
			h.click("open the alert", "#alerts button.alert-item")
			tab.waitFor("the alert", `document.body.dataset.screen === "alert" && !document.querySelector("#sell-box").hidden`)
			h.focusOn("alert", "alert-title")
			h.check("alert", true)
			h.click("show the basket", "#alert-lane-view")
			tab.waitFor("the basket", `document.body.dataset.screen === "lane" && document.querySelectorAll("#basket-lines tr.line").length === 2`)
			h.check("lane", true)
			var names []string
			json.Unmarshal(h.eval("names", `Array.from(document.querySelectorAll("#basket-lines .line-name")).map((td) => td.textContent)`), &names)
			if len(names) != 2 || names[1] != markupName {
				t.Errorf("basket names %q, want the markup as text", names)
			}
			h.checkInert("lane")
			h.click("edit the markup line", `#basket-lines tr.line[data-no="2"] button`)
			tab.waitFor("the line box", `!document.querySelector("#line-box").hidden`)
			var title string
			if json.Unmarshal(h.eval("line title", `document.querySelector("#line-title").textContent`), &title); title != markupName {
				t.Errorf("line title %q, want the markup as text", title)
			}
			h.checkInert("line")
			tab.checkConsole()
		})
	}
}

// TestAlertToHandheldInBrowser is issue 8's point 8 with two browser
// contexts: the shopper scans an unknown item, the handheld (logged in, in
// its own context) shows the alert within a second, staff acknowledge it and
// sell the item at a price, and the shopper screen goes on with the line.
func TestAlertToHandheldInBrowser(t *testing.T) {
	browser := startBrowserFor(t, 90*time.Second)
	artifacts := testout.Dir(t, "handheld")
	env := newStaffEnv(t, staffEnvOptions{})
	lane := env.ts.lane

	shopCtx, cancelShop := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancelShop()
	shop := newBrowserTab(t, shopCtx, "shopper", artifacts)
	handCtx, cancelHand := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancelHand()
	hand := newBrowserTab(t, handCtx, "handheld", artifacts)

	hand.do("open the handheld", chromedp.EmulateViewport(int64(handheldSize.w), int64(handheldSize.h)), chromedp.Navigate(env.url+"/?lang=en"))
	hand.waitFor("the login form", `document.body.dataset.screen === "login"`)
	hand.do("log in", chromedp.SendKeys("#login-id", "anna"), chromedp.SendKeys("#login-pin", pinOf("anna")), chromedp.Click("#login-submit"))
	hand.waitFor("the empty list", `document.body.dataset.screen === "list" && document.querySelector("#conn").dataset.conn === "online" &&
		!document.querySelector("#alerts-empty").hidden`)

	shop.do("open the shopper screen", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(env.ts.url+"/"))
	shop.waitFor("connect", `document.querySelector("#conn").dataset.conn === "online" && document.body.dataset.state === "idle"`)
	shop.do("start", chromedp.Click(chromedp.ID("start-button")))
	shop.do("scan the milk", chromedp.SendKeys(chromedp.ID("code-input"), milk), chromedp.Click(chromedp.ID("code-submit")))
	shop.waitFor("the milk's line", `document.querySelectorAll("#lines tr.line").length === 1`)

	// 1. The unknown item: the handheld shows it within a second.
	shop.do("type the unknown code", chromedp.SendKeys(chromedp.ID("code-input"), unknownEAN))
	start := time.Now()
	shop.do("submit it", chromedp.Click(chromedp.ID("code-submit")))
	hand.waitFor("the alert on the handheld", `document.querySelector('#alerts button.alert-item[data-type="item_not_found"]') !== null`)
	took := time.Since(start)
	t.Logf("unknown item typed → alert on the handheld: %v", took)
	if took > time.Second {
		t.Errorf("the handheld showed the alert after %v, want within 1 s", took)
	}
	shop.waitFor("suspended", `document.body.dataset.state === "suspended"`)
	shop.screenshot("handheld-test-shopper-suspended.png", false)
	var item struct{ Lane, What, Detail string }
	raw, err := chromedp.Run(hand.ctx, chromedp.Evaluate[[]byte](`(() => {
		const b = document.querySelector('#alerts button.alert-item[data-type="item_not_found"]');
		return {lane: b.querySelector(".alert-lane").textContent, what: b.querySelector(".alert-what").textContent,
			detail: b.querySelector(".alert-detail").textContent};
	})()`))
	if err != nil || json.Unmarshal(raw, &item) != nil {
		hand.fail("read the alert", err)
	}
	if !strings.Contains(item.Lane, lane.ID()) || item.What != "Item not found" || !strings.Contains(item.Detail, unknownEAN) {
		t.Errorf("the handheld's alert: %+v", item)
	}
	hand.screenshot("handheld-test-list.png", false)

	// 2. "On my way": the lane records who comes.
	hand.do("open the alert", chromedp.Click(`#alerts button.alert-item[data-type="item_not_found"]`))
	hand.waitFor("the alert screen", `document.body.dataset.screen === "alert" && !document.querySelector("#sell-box").hidden`)
	hand.do("on my way", chromedp.Click("#act-ack"))
	hand.waitFor("acknowledged", `/Anna|anna/.test(document.querySelector("#alert-acked").textContent) && document.querySelector("#act-ack").hidden`)
	var acked string
	for _, a := range lane.View().Alerts {
		if a.Type == kiosk.AlertItemNotFound {
			acked = a.AckedBy
		}
	}
	if acked != "anna" {
		t.Errorf("the lane's alert is acknowledged by %q, want anna", acked)
	}
	// The shopper sees that someone is on the way. The words come with the
	// shopper-side part of issue 8 (alert.status.coming); until it is merged
	// only the lane's record above is checked.
	if coming := i18n.T("en", "alert.status.coming"); coming != "alert.status.coming" {
		shop.waitFor("on the way on the shopper screen", `document.querySelector("#alert").textContent.includes(`+mustJSON(coming)+`)`)
	} else {
		t.Log("TODO: the shopper page has no alert.status.coming yet: the shopper's \"on my way\" is not checked")
	}
	shop.screenshot("handheld-test-shopper-acked.png", false)
	hand.screenshot("handheld-test-acked.png", false)

	// 3. A price sells it: the shopper goes on with the new line.
	hand.do("enter a price", chromedp.SendKeys("#sell-price", "2.49"), chromedp.Click("#act-sell"))
	hand.waitFor("back to the list", `document.body.dataset.screen === "list" && document.querySelectorAll("#alerts button.alert-item").length === 0`)
	shop.waitFor("scanning again with the line", `document.body.dataset.state === "shopping" && document.querySelectorAll("#lines tr.line").length === 2 &&
		/2[.,]49/.test(document.querySelector("#lines").textContent) && /3[.,]68/.test(document.querySelector("#total").textContent)`)
	shop.screenshot("handheld-test-shopper-resumed.png", false)
	hand.screenshot("handheld-test-resolved.png", false)
	if v := lane.View(); v.State != kiosk.StateShopping || len(v.Lines) != 2 || v.Lines[1].UnitPrice != "2.49" {
		t.Errorf("lane after the sale at a price: %+v", v)
	}

	// 4. The basket as the shopper sees it.
	hand.do("open the lane", chromedp.Click(fmt.Sprintf(`#lanes button[data-lane="%s"]`, lane.ID())))
	hand.waitFor("the lane's basket", `document.body.dataset.screen === "lane" && document.querySelectorAll("#basket-lines tr.line").length === 2`)
	hand.screenshot("handheld-test-lane.png", false)

	shop.checkConsole()
	hand.checkConsole()
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestAttendantModeInBrowser: on the kiosk's own screen, staff log in under
// /staff, see the lane, and "leave" logs them out and returns to the shopper
// screen.
func TestAttendantModeInBrowser(t *testing.T) {
	browser := startBrowserFor(t, 60*time.Second)
	artifacts := testout.Dir(t, "handheld")
	env := newStaffEnv(t, staffEnvOptions{})
	lane := env.ts.lane
	tab := newBrowserTab(t, browser, "attendant-mode", artifacts)
	tab.do("open attendant mode", chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(env.ts.url+"/staff?lane="+lane.ID()+"&kiosk=1"))
	tab.waitFor("the login form", `document.body.dataset.screen === "login" && location.pathname === "/staff/" &&
		!document.querySelector("#kiosk-bar").hidden`)
	tab.do("log in", chromedp.SendKeys("#login-id", "sam"), chromedp.SendKeys("#login-pin", pinOf("sam")), chromedp.Click("#login-submit"))
	tab.waitFor("the lane", `document.body.dataset.screen === "lane" && !document.querySelector("#lane-empty").hidden &&
		/`+lane.ID()+`/.test(document.querySelector("#lane-title").textContent)`)
	tab.screenshot("attendant-mode-lane.png", false)
	tab.do("close the lane", chromedp.Click("#act-close"))
	tab.waitFor("asks again", `document.querySelector("#act-close").dataset.confirm === "1"`)
	if lane.View().State == kiosk.StateClosed {
		t.Fatal("one tap closed the lane")
	}
	tab.do("confirm", chromedp.Click("#act-close"))
	tab.waitFor("closed", `!document.querySelector("#act-open").hidden`)
	if v := lane.View(); v.State != kiosk.StateClosed {
		t.Errorf("lane state %s after closing", v.State)
	}
	log, _ := env.svc.AuditLog(context.Background(), 0, 100)
	found := false
	for _, e := range log {
		found = found || e.Action == string(kiosk.OpLaneClose) && e.Actor == "sam" && e.Where == "lane screen"
	}
	if !found {
		t.Errorf("no lane_close from the lane screen in the audit log: %+v", log)
	}
	tab.do("leave", chromedp.Click("#leave"), chromedp.WaitReady(`body[data-page="shopper"]`))
	tab.waitFor("the shopper screen", `location.pathname === "/" && document.body.dataset.page === "shopper"`)
	raw, err := chromedp.Run(tab.ctx, chromedp.Evaluate[[]byte](`fetch("/staff/api/me").then((r) => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || string(raw) != "401" {
		t.Errorf("the session after leaving: /staff/api/me answers %s (%v), want 401", raw, err)
	}

	// A staff badge the lane's scanner read comes along from the shopper
	// screen: it logs its owner in at once and leaves no trace in the address.
	tab.do("open attendant mode with a badge", chromedp.Navigate(env.ts.url+"/staff/?lane="+lane.ID()+"&kiosk=1&badge=BADGE-ANNA-2580"))
	tab.waitFor("logged in by badge", `document.body.dataset.screen === "lane" && /Anna/.test(document.querySelector("#me").textContent) &&
		!location.search.includes("badge")`)
	tab.checkConsole()
}

// TestAttendantModeTimesOut: attendant mode left untouched for the store's
// attendant timeout logs out and returns to the shopper screen.
func TestAttendantModeTimesOut(t *testing.T) {
	browser := startBrowserFor(t, 60*time.Second)
	artifacts := testout.Dir(t, "handheld")
	env := newStaffEnv(t, staffEnvOptions{attendantTimeout: time.Second})
	lane := env.ts.lane
	tab := newBrowserTab(t, browser, "attendant-timeout", artifacts)
	tab.do("open attendant mode", chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(env.ts.url+"/staff/?lane="+lane.ID()+"&kiosk=1&badge=BADGE-ANNA-2580"))
	tab.waitFor("logged in by badge", `document.body.dataset.screen === "lane" && /Anna/.test(document.querySelector("#me").textContent)`)
	// Nothing touches the screen now: the page leaves by itself.
	tab.do("left by itself", chromedp.WaitReady(`body[data-page="shopper"]`))
	tab.waitFor("the shopper screen", `location.pathname === "/" && document.body.dataset.page === "shopper"`)
	raw, err := chromedp.Run(tab.ctx, chromedp.Evaluate[[]byte](`fetch("/staff/api/me").then((r) => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || string(raw) != "401" {
		t.Errorf("the session after the timeout: /staff/api/me answers %s (%v), want 401", raw, err)
	}
	log, _ := env.svc.AuditLog(context.Background(), 0, 100)
	found := false
	for _, e := range log {
		found = found || e.Action == "logout" && e.Actor == "anna" && e.Where == "lane screen"
	}
	if !found {
		t.Errorf("no logout of anna from the lane screen in the audit log: %+v", log)
	}
	tab.checkConsole()
}
