package ui

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/i18n"
	"github.com/kiosk-sco/kiosk/internal/atomicfile"
	"github.com/kiosk-sco/kiosk/internal/testout"
	"github.com/kiosk-sco/kiosk/kiosk"
)

// The browser test drives the real shopper page in Debian's headless chromium
// against the real lane and Fiber app of newTestServer. It needs a chromium
// binary: a local run without one skips, a CI run (CI set) fails, so that a
// broken page cannot hide behind a skipped test.
//
// Screenshots go to $KIOSK_ARTIFACTS, or <repo>/out/browser by default.

const (
	browserTimeout = 60 * time.Second // the whole test
	waitTimeout    = 10 * time.Second // one wait for the page
	pollEvery      = 50 * time.Millisecond

	semiSkimmed = "4063658551306" // each item, 1.05 €, scanned from /sim
	unknownEAN  = "5901234123457" // valid EAN-13, not in the demo catalog
	badCheck    = "4006381333932" // an EAN-13 misread: wrong check digit
)

// chromiumPath finds the browser, or skips (locally) or fails (in CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found: CI must install it (apt-get install chromium) so the browser test runs")
	}
	t.Skip("chromium not found: install Debian's chromium to run the browser test")
	return ""
}

// browserTab is one browser tab of the test.
type browserTab struct {
	t         *testing.T
	ctx       context.Context
	name      string
	artifacts string

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// newBrowserTab opens the tab of the chromedp context ctx (the first one also
// starts the browser) and starts recording its console.
func newBrowserTab(t *testing.T, ctx context.Context, name, artifacts string) *browserTab {
	t.Helper()
	tb := &browserTab{t: t, ctx: ctx, name: name, artifacts: artifacts}
	// A failure screenshot of an earlier run would mislead.
	os.Remove(filepath.Join(artifacts, name+"-failed.png"))
	// Console subscribes at once, and its first use starts the browser (or opens the tab).
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.console = append(tb.console, m)
			tb.mu.Unlock()
		}
	}()
	return tb
}

func (tb *browserTab) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.fail(step, err)
	}
}

// waitFor polls the JavaScript predicate expr until it is truthy.
func (tb *browserTab) waitFor(step, expr string) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(pollEvery), // not "raf": a background tab draws no frames
		chromedp.WithPollingTimeout(waitTimeout)))
	if err != nil {
		tb.fail(step, err)
	}
}

// fail stops the test with what the page showed and a screenshot of it.
func (tb *browserTab) fail(step string, err error) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.ctx), 5*time.Second)
	defer cancel()
	var state string
	if raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](snapshotJS)); err == nil {
		state = string(raw)
		var v any
		if json.Unmarshal(raw, &v) == nil {
			if b, err := json.Marshal(v); err == nil {
				state = string(b) // readable: € stays €
			}
		}
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		path := filepath.Join(tb.artifacts, tb.name+"-failed.png")
		if atomicfile.WriteBytes(path, png) == nil {
			tb.t.Logf("screenshot of the failure: %s", path)
		}
	}
	tb.logConsole()
	tb.t.Fatalf("%s: %s: %v\npage: %s", tb.name, step, err, state)
}

func (tb *browserTab) logConsole() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, m := range tb.console {
		tb.t.Logf("%s console: %s (%s:%d)", tb.name, m, m.URL, m.Line)
	}
}

// checkConsole fails on script errors: uncaught exceptions, console.error
// calls and security (CSP) reports. Network errors are expected (refused
// scans answer 4xx; there is no favicon).
func (tb *browserTab) checkConsole() {
	tb.t.Helper()
	tb.mu.Lock()
	var bad []string
	for _, m := range tb.console {
		if m.IsException() || m.Type == chromedp.ConsoleError && m.Source != "network" {
			bad = append(bad, m.String())
		}
	}
	tb.mu.Unlock()
	if len(bad) > 0 {
		tb.t.Errorf("%s: the page reported errors:\n%s", tb.name, strings.Join(bad, "\n"))
	}
}

func (tb *browserTab) screenshot(file string, full bool) {
	tb.t.Helper()
	shot := chromedp.CaptureScreenshot()
	if full {
		shot = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(tb.ctx, shot)
	if err != nil {
		tb.fail("screenshot "+file, err)
	}
	path := filepath.Join(tb.artifacts, file)
	if err := atomicfile.WriteBytes(path, png); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot: %s", path)
}

// shopperSnapshot is what the shopper page shows, read from the DOM.
type shopperSnapshot struct {
	State       string   `json:"state"`
	Lang        string   `json:"lang"`
	Conn        string   `json:"conn"`
	Lines       []domRow `json:"lines"`
	Total       string   `json:"total"`
	Items       string   `json:"items"`
	VAT         []domRow `json:"vat"`
	AlertHidden bool     `json:"alertHidden"`
	Alert       string   `json:"alert"`
	Toast       string   `json:"toast"`
	Checkout    string   `json:"checkout"`
	Width       int      `json:"width"`
	Height      int      `json:"height"`
	Leaks       []string `json:"leaks"`
}

// domRow is a table row: its cells' text, whitespace collapsed.
type domRow struct {
	Cells []string `json:"cells"`
	Text  string   `json:"text"`
}

// snapshotJS reads the shopper page (and answers harmlessly on /sim). leaks
// lists visible text that looks like an untranslated i18n key, an unfilled
// {placeholder}, or a broken number.
const snapshotJS = `(() => {
  const norm = (s) => String(s || "").replace(/\s+/g, " ").trim();
  const q = (s) => document.querySelector(s);
  const txt = (s) => norm(q(s) && q(s).textContent);
  const rows = (s) => Array.from(document.querySelectorAll(s)).map((tr) => ({
    cells: Array.from(tr.cells).map((c) => norm(c.textContent)),
    text: norm(tr.textContent)
  }));
  const visible = document.body.innerText || "";
  const leaks = visible.match(/\{\w+\}|\b(?:undefined|NaN|null)\b|\b(?:app|conn|alert|line|vat|totals|actions|produce|weight|entry|help|pay|welcome|basket|col|footer|err|sim|state|lang|header|dev|fault|sample|cat|closed|staff|paying)\.[a-zA-Z_]+(?:\.[a-zA-Z_]+)*\b/g) || [];
  const alert = q("#alert");
  return {
    state: document.body.dataset.state || "",
    lang: document.documentElement.lang,
    conn: (q("#conn") && q("#conn").dataset.conn) || "",
    lines: rows("#lines tr.line"),
    total: txt("#total"),
    items: txt("#item-count"),
    vat: rows("#vat tr.vat-row"),
    alertHidden: !alert || alert.hidden,
    alert: norm(alert && alert.textContent),
    toast: q("#toast") && !q("#toast").hidden ? txt("#toast") : "",
    checkout: txt("#checkout-button"),
    width: window.innerWidth,
    height: window.innerHeight,
    leaks
  };
})()`

func (tb *browserTab) snapshot() shopperSnapshot {
	tb.t.Helper()
	raw, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]byte](snapshotJS))
	if err != nil {
		tb.fail("read the page", err)
	}
	var s shopperSnapshot
	if err := json.Unmarshal(raw, &s); err != nil {
		tb.t.Fatalf("decode the page snapshot %s: %v", raw, err)
	}
	if len(s.Leaks) > 0 {
		tb.t.Errorf("%s: the page shows raw text %q", tb.name, s.Leaks)
	}
	return s
}

// amountRe matches an amount as Intl formats it in English or German.
func amountRe(amount string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^0-9])` + strings.Replace(regexp.QuoteMeta(amount), `\.`, `[.,]`, 1) + `($|[^0-9])`)
}

func TestShopperScreenInBrowser(t *testing.T) {
	browserCtx := startBrowser(t)
	ctx := t.Context()
	artifacts := testout.Dir(t, "browser")
	ts := newTestServer(t)

	// 1. The shopper screen comes up and follows the lane.
	shop := newBrowserTab(t, browserCtx, "shopper", artifacts)
	shop.do("open the shopper screen", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ts.url+"/"))
	shop.waitFor("connect", `document.querySelector("#conn").dataset.conn === "online" && document.body.dataset.state === "idle"`)
	shop.do("start without a bag", chromedp.Click(chromedp.ID("start-button")))
	shop.do("entry visible", chromedp.WaitVisible(chromedp.ID("code-input")), chromedp.WaitVisible(chromedp.ID("produce-button")))
	if s := shop.snapshot(); s.Width != 1280 || s.Height != 800 {
		t.Errorf("viewport is %dx%d, want 1280x800", s.Width, s.Height)
	}

	// The page formats amounts, weights and rates as the receipt does (package i18n).
	checkFormatsMatchReceipt(t, shop)

	// 2. Type a barcode, then weigh bananas through the produce panel.
	shop.do("type the milk's EAN",
		chromedp.SendKeys(chromedp.ID("code-input"), milk),
		chromedp.Click(chromedp.ID("code-submit")))
	shop.waitFor("the milk's line", `document.querySelectorAll("#lines tr.line").length === 1`)

	bananas := chromedp.CSS(`#produce-list .produce-item[data-plu="4011"]`)
	shop.do("pick bananas",
		chromedp.Click(chromedp.ID("produce-button")),
		chromedp.WaitVisible(chromedp.ID("produce-filter")),
		chromedp.SendKeys(chromedp.ID("produce-filter"), "4011"),
		chromedp.WaitVisible(bananas),
		chromedp.Click(bananas),
		chromedp.WaitVisible(chromedp.ID("weight-input")))
	shop.do("weigh 1234 g",
		chromedp.SetValue(chromedp.ID("weight-input"), "1234"),
		chromedp.Click(chromedp.ID("weight-submit")))

	// 3. Two lines, 3.28 in total, all of it at 7 % VAT.
	shop.waitFor("the basket of two", `document.querySelectorAll("#lines tr.line").length === 2 &&
		document.querySelector("#produce-panel").hidden &&
		/3[.,]28/.test(document.querySelector("#total").textContent)`)
	s := shop.snapshot()
	if len(s.Lines) != 2 || !strings.Contains(s.Lines[0].Cells[0], "Whole milk") || !strings.Contains(s.Lines[1].Cells[0], "Bananas") {
		t.Fatalf("lines: %+v", s.Lines)
	}
	if !amountRe("1.19").MatchString(s.Lines[0].Text) || !amountRe("2.09").MatchString(s.Lines[1].Text) {
		t.Errorf("line amounts: want 1.19 and 2.09, got %q / %q", s.Lines[0].Text, s.Lines[1].Text)
	}
	if !strings.Contains(s.Lines[1].Text, "1.234") {
		t.Errorf("the bananas' line does not show the weight 1.234 kg: %q", s.Lines[1].Text)
	}
	if !amountRe("3.28").MatchString(s.Total) || !strings.Contains(s.Total, "€") {
		t.Errorf("total %q, want €3.28", s.Total)
	}
	if s.Items != "2" {
		t.Errorf("item count %q, want 2", s.Items)
	}
	if len(s.VAT) != 1 || len(s.VAT[0].Cells) != 4 || !regexp.MustCompile(`^7 ?%$`).MatchString(s.VAT[0].Cells[0]) ||
		!amountRe("3.28").MatchString(s.VAT[0].Cells[3]) {
		t.Errorf("VAT rows %+v, want one: 7 %% with gross 3.28", s.VAT)
	}
	shop.screenshot("shopper-basket.png", true)

	// 4. German: product names, amounts and the page's own strings follow.
	shop.do("switch to German", chromedp.Click(chromedp.ID("lang-de")))
	shop.waitFor("German names", `document.documentElement.lang === "de" &&
		/Frische Vollmilch/.test(document.querySelector("#lines").textContent)`)
	s = shop.snapshot()
	if len(s.Lines) != 2 || !strings.Contains(s.Lines[0].Cells[0], "Frische Vollmilch") || !strings.Contains(s.Lines[1].Cells[0], "Bananen") {
		t.Errorf("German lines: %+v", s.Lines)
	}
	if !strings.Contains(s.Total, "3,28") {
		t.Errorf("German total %q, want 3,28 €", s.Total)
	}
	if s.Checkout == "" || s.Checkout == "Pay" {
		t.Errorf("the pay button is not translated: %q", s.Checkout)
	}
	shop.screenshot("shopper-de.png", true)

	// 5. An unknown item suspends the lane until staff resolve the alert.
	shop.do("type an unknown EAN",
		chromedp.SendKeys(chromedp.ID("code-input"), unknownEAN),
		chromedp.Click(chromedp.ID("code-submit")))
	shop.waitFor("the alert banner", `document.body.dataset.state === "suspended" &&
		!document.querySelector("#alert").hidden && document.querySelector("#alert").textContent.trim() !== ""`)
	shop.do("alert visible", chromedp.WaitVisible(chromedp.ID("alert")))
	s = shop.snapshot()
	if !strings.Contains(s.Alert, unknownEAN) {
		t.Errorf("the alert does not name the code: %q", s.Alert)
	}
	shop.screenshot("shopper-alert.png", true)
	var alertID int64
	for _, a := range ts.lane.View().Alerts {
		if a.Type == "item_not_found" {
			alertID = a.ID
		}
	}
	if alertID == 0 {
		t.Fatalf("no item_not_found alert in %+v", ts.lane.View().Alerts)
	}
	if _, err := ts.lane.Resolve(ctx, alertID, "done", "test", ""); err != nil {
		t.Fatal(err)
	}
	shop.waitFor("the alert goes away", `document.querySelector("#alert").hidden && document.body.dataset.state === "shopping"`)
	shop.do("alert hidden", chromedp.WaitNotVisible(chromedp.ID("alert")))

	// 7. /sim scans through the same lane; the shopper tab follows its stream.
	simCtx, cancelSim := chromedp.NewContext(browserCtx) // a second tab of the same browser
	defer cancelSim()
	sim := newBrowserTab(t, simCtx, "sim", artifacts)
	scan := chromedp.CSS(`.sim-item .sim-scan[data-code="` + semiSkimmed + `"]`)
	sim.do("open /sim", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ts.url+"/sim"), chromedp.WaitVisible(scan))
	sim.waitFor("connect", `document.querySelector("#conn").dataset.conn === "online"`)
	sim.do("scan on /sim", chromedp.Click(scan))
	sim.waitFor("the scan's result", `document.querySelector("#sim-result").classList.contains("ok")`)
	sim.snapshot() // raw-text check
	sim.do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	sim.screenshot("sim.png", false)
	shop.waitFor("the sim's line on the shopper screen", `document.querySelectorAll("#lines tr.line").length === 3`)
	s = shop.snapshot()
	if !strings.Contains(s.Lines[2].Cells[0], "Fettarme H-Milch") || !amountRe("4.33").MatchString(s.Total) {
		t.Errorf("after /sim: line %+v, total %q; want Fettarme H-Milch and 4,33 €", s.Lines[2], s.Total)
	}
	if v := ts.lane.View(); len(v.Lines) != 3 || !strings.HasSuffix(v.Lines[2].GTIN, semiSkimmed) {
		t.Errorf("lane after /sim: %+v", v.Lines)
	}

	// 8. The test server runs no device simulators: /sim says so, offers no
	// "via scanner" buttons, and still speaks German, sample labels and
	// product categories included.
	sim.waitFor("no simulated devices", `(() => {
		const empty = document.querySelector("#devices-empty");
		return !document.querySelector("#devices-section").hidden && empty && !empty.hidden &&
			empty.dataset.state === "none" && document.querySelectorAll("#devices .device-card").length === 0;
	})()`)
	sim.do("devices section visible", chromedp.WaitVisible(chromedp.ID("devices-empty")))
	var simPage struct {
		Empty, Samples, Category string
		ViaScanner               int
	}
	raw, err := chromedp.Run(sim.ctx, chromedp.Evaluate[[]byte](`(() => {
		const card = document.querySelector('.sim-item[data-gtin$="`+semiSkimmed+`"]');
		return {
			empty: document.querySelector("#devices-empty").textContent,
			samples: document.querySelector("#sim-samples").textContent,
			category: card ? card.querySelector(".sim-category").textContent : "",
			viaScanner: Array.from(document.querySelectorAll(".sim-scan-device")).filter((b) => b.offsetParent !== null).length
		};
	})()`))
	if err != nil {
		sim.fail("read /sim", err)
	}
	if err := json.Unmarshal(raw, &simPage); err != nil {
		t.Fatalf("decode /sim %s: %v", raw, err)
	}
	if simPage.Empty != "An dieser Kasse gibt es keine simulierten Geräte." || simPage.ViaScanner != 0 {
		t.Errorf("/sim without devices: %q, %d visible via-scanner buttons", simPage.Empty, simPage.ViaScanner)
	}
	if !strings.Contains(simPage.Samples, "Fehllesung: falsche Prüfziffer") || !strings.Contains(simPage.Samples, "Gewichtsetikett") {
		t.Errorf("sample labels are not in German: %.300q", simPage.Samples)
	}
	if simPage.Category != "Molkereiprodukte" {
		t.Errorf("category of the semi-skimmed milk: %q, want Molkereiprodukte", simPage.Category)
	}
	sim.snapshot() // raw-text check
	sim.do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	sim.screenshot("sim-no-devices.png", false)

	// Device events go into the lane as the drivers would send them.
	device := func(ev devices.Event) {
		ev.At = time.Now()
		ts.lane.Device(ev)
	}

	// 9. A read of the lane's scanner that the lane refuses: the same toast as
	// a refused typed scan, and a note on /sim.
	device(devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, Scan: &devices.Scan{Data: badCheck}})
	shop.waitFor("the refused read as a toast", `!document.querySelector("#toast").hidden &&
		document.querySelector("#toast").dataset.code === "scan.check_digit"`)
	if s := shop.snapshot(); !strings.Contains(s.Toast, "Prüfziffer") {
		t.Errorf("toast for the scanner's misread: %q", s.Toast)
	}
	sim.waitFor("the refused read on /sim", `document.querySelector("#sim-result").dataset.code === "scan.check_digit"`)

	// 9b. A line the scanner driver itself refused (a control byte) is news
	// for the shopper too; and a scan while the lane waits for staff is
	// answered on screen: not added, scan it again once help has come.
	device(devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, Scan: &devices.Scan{Data: `4006\x1b[A`, Refused: "control_byte"}})
	shop.waitFor("the driver's refusal as a toast", `!document.querySelector("#toast").hidden &&
		document.querySelector("#toast").dataset.code === "scan.control_byte"`)
	res, err := ts.lane.Do(ctx, kiosk.Command{Op: kiosk.OpScan, Code: "5901234123457", Source: "typed"}) // not in the catalog
	if err != nil || res.View.State != kiosk.StateSuspended {
		t.Fatalf("unknown item: %v %+v", err, res.View)
	}
	shop.waitFor("suspended", `document.body.dataset.state === "suspended"`)
	device(devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, Scan: &devices.Scan{Data: "]E0" + semiSkimmed}})
	shop.waitFor("the scan while suspended as a toast", `!document.querySelector("#toast").hidden &&
		document.querySelector("#toast").dataset.code === "scan.suspended"`)
	if s := shop.snapshot(); !strings.Contains(s.Toast, "Nicht hinzugefügt") {
		t.Errorf("toast for a scan while suspended: %q", s.Toast)
	}
	shop.do("toast visible over the alert", chromedp.WaitVisible(chromedp.ID("toast")))
	shop.screenshot("shopper-suspended-scan.png", false)
	if _, err := ts.lane.Resolve(ctx, res.View.Alerts[0].ID, "done", "anna", ""); err != nil {
		t.Fatal(err)
	}
	shop.waitFor("scanning again", `document.body.dataset.state === "shopping"`)

	// 10. The printer runs out of paper: an info strip (scanning goes on), no
	// payment until it is back, and the alert clears itself.
	device(devices.Event{Role: devices.RolePrinter, Kind: devices.KindStatus,
		Status: &devices.Status{Connected: true, Faults: []string{devices.FaultPaperEnd}}})
	shop.waitFor("the printer's alert", `document.querySelector('#alert .alert-info[data-type="printer_fault"]') !== null &&
		!document.querySelector("#alert").hidden && document.body.dataset.state === "shopping"`)
	if s := shop.snapshot(); !strings.Contains(s.Alert, "kein Papier") {
		t.Errorf("printer alert: %q, want the German paper-end sentence", s.Alert)
	}
	shop.screenshot("shopper-printer-alert.png", false)
	shop.do("try to pay", chromedp.Click(chromedp.ID("checkout-button")))
	shop.waitFor("payment refused", `!document.querySelector("#toast").hidden &&
		document.querySelector("#toast").dataset.code === "checkout.printer_fault"`)
	device(devices.Event{Role: devices.RolePrinter, Kind: devices.KindStatus, Status: &devices.Status{Connected: true}})
	shop.waitFor("the printer's alert clears", `document.querySelector("#alert").hidden`)

	// 11. Bananas from the produce scale: the weigh step follows the scale
	// live and "Use the scale" lets the lane take the scale's weight.
	shop.do("pick bananas again",
		chromedp.Click(chromedp.ID("produce-button")),
		chromedp.WaitVisible(chromedp.ID("produce-filter")),
		chromedp.SendKeys(chromedp.ID("produce-filter"), "4011"),
		chromedp.WaitVisible(bananas),
		chromedp.Click(bananas),
		chromedp.WaitVisible(chromedp.ID("weight-title")))
	device(devices.Event{Role: devices.RoleProduceScale, Kind: devices.KindWeight, Weight: &devices.Weight{Grams: 0, Moving: true}})
	shop.waitFor("the scale settling", `!document.querySelector("#scale-box").hidden &&
		document.querySelector("#scale-weight").dataset.state === "moving"`)
	device(devices.Event{Role: devices.RoleProduceScale, Kind: devices.KindWeight, Weight: &devices.Weight{Grams: 1235}})
	// With a scale, the lane sells only what it weighed: no typed weight.
	shop.waitFor("the scale's weight", `!document.querySelector("#scale-box").hidden &&
		document.querySelector("#scale-weight").dataset.state === "weight" &&
		/1,235/.test(document.querySelector("#scale-weight").textContent) &&
		document.querySelector(".weight-row").hidden`)
	shop.screenshot("shopper-scale.png", false)
	shop.do("use the scale", chromedp.Click(chromedp.ID("weight-scale")))
	shop.waitFor("the scale's line", `document.querySelectorAll("#lines tr.line").length === 4 &&
		document.querySelector("#produce-panel").hidden`)
	if v := ts.lane.View(); len(v.Lines) != 4 || v.Lines[3].PLU != "4011" || v.Lines[3].WeightG != 1235 {
		t.Errorf("lane after weighing on the scale: %+v", v.Lines)
	}
	if s := shop.snapshot(); len(s.Lines) != 4 || !strings.Contains(s.Lines[3].Text, "1,235") {
		t.Errorf("the scale's line: %+v", s.Lines)
	}
	// The same load under another PLU is refused: it is in the basket already.
	shop.do("pick apples for the same load",
		chromedp.Click(chromedp.ID("produce-button")),
		chromedp.WaitVisible(chromedp.ID("produce-filter")),
		chromedp.SendKeys(chromedp.ID("produce-filter"), "4131"),
		chromedp.WaitVisible(`.produce-item[data-plu="4131"]`),
		chromedp.Click(`.produce-item[data-plu="4131"]`),
		chromedp.WaitVisible(chromedp.ID("weight-scale")),
		chromedp.Click(chromedp.ID("weight-scale")))
	shop.waitFor("the same load refused", `!document.querySelector("#toast").hidden &&
		document.querySelector("#toast").dataset.code === "scale.same_load"`)
	shop.do("close the produce panel", chromedp.Click(chromedp.ID("produce-close")))
	if v := ts.lane.View(); len(v.Lines) != 4 {
		t.Errorf("one load sold twice: %d lines", len(v.Lines))
	}

	// 12. The pay screen previews the receipt as the printer will print it.
	shop.do("pay", chromedp.Click(chromedp.ID("checkout-button")))
	shop.waitFor("the receipt preview", `document.body.dataset.state === "ready_to_pay" && (() => {
		const img = document.querySelector("#receipt-preview");
		return img.complete && img.naturalWidth > 0 && /^\/receipts\/last\.png\?/.test(img.getAttribute("src")) &&
			!document.querySelector("#receipt-box").hidden;
	})()`)
	shop.do("receipt visible", chromedp.WaitVisible(chromedp.ID("receipt-preview")))
	shop.snapshot() // raw-text check
	shop.screenshot("shopper-pay.png", false)

	shop.checkConsole()
	sim.checkConsole()
	if t.Failed() {
		shop.logConsole()
		sim.logConsole()
	}
}

// checkFormatsMatchReceipt compares the page's money, weight and percent
// formatting with package i18n's, which prints the receipt.
func checkFormatsMatchReceipt(t *testing.T, tab *browserTab) {
	t.Helper()
	type sample struct {
		Lang, Cur, Amount, Rate string
		Grams                   int
	}
	var samples []sample
	for _, lang := range i18n.Langs() {
		for _, a := range []struct {
			cur, amount, rate string
			grams             int
		}{
			{"EUR", "1234.56", "19", 1250}, {"EUR", "-0.50", "5.5", 532}, {"CHF", "1234567.80", "0", 1234567}, {"GBP", "0.00", "7", 5},
		} {
			samples = append(samples, sample{lang, a.cur, a.amount, a.rate, a.grams})
		}
	}
	in, _ := json.Marshal(samples)
	raw, err := chromedp.Run(tab.ctx, chromedp.Evaluate[[]byte](`(() => {
		const I = window.KioskI18n;
		return `+string(in)+`.map((s) => [I.money(s.Lang, s.Cur, s.Amount), I.percent(s.Lang, s.Rate), I.weightKg(s.Lang, s.Grams)]);
	})()`))
	if err != nil {
		tab.fail("format on the page", err)
	}
	var got [][3]string
	if err := json.Unmarshal(raw, &got); err != nil || len(got) != len(samples) {
		t.Fatalf("page formats %s: %v", raw, err)
	}
	for i, s := range samples {
		want := [3]string{i18n.Money(s.Lang, s.Cur, decimal.RequireFromString(s.Amount)),
			i18n.Percent(s.Lang, decimal.RequireFromString(s.Rate)), i18n.Kg(s.Lang, s.Grams)}
		if got[i] != want {
			t.Errorf("%s: the page writes %q, the receipt %q", s.Lang, got[i], want)
		}
	}
}
