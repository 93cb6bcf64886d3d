package ui

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/i18n"
	"github.com/kiosk-sco/kiosk/internal/testout"
	"github.com/kiosk-sco/kiosk/kiosk"
)

// The help-and-staff walk drives the self-help sheet, the calm alert
// messages, the closed lane and the attendant entry through the real lane, in
// each language at each screen size, with the journey's checks (axe-core,
// overflow, one h1, raw text) in every state:
//
//	help sheet → each topic (the lane journals help_opened) → "still need
//	help?" raises the help alert → an unknown item: "we've called a member of
//	staff", the expected wait, the wait clock → staff acknowledge: "on the
//	way" → resolved → staff close the lane: "this lane is closed" → a staff
//	badge scanned at the lane opens attendant mode → so does the staff link.

// staffBadge is the badge the test's lanes know.
const staffBadge = "STAFF-0042"

func TestShopperHelpAndStaffInBrowser(t *testing.T) {
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
			tab := newBrowserTab(t, tabCtx, "help-"+lang, artifacts)
			for _, size := range journeySizes {
				ts := newTestServerWith(t, testServerOptions{lane: func(c *kiosk.Config) {
					c.StaffBadge = func(code string) bool { return code == staffBadge }
				}})
				j := &journey{t: t, tab: tab, ts: ts, lang: lang, size: size, axe: string(axe), shotPrefix: "help"}
				j.helpWalk()
				if t.Failed() {
					break
				}
			}
			tab.checkConsole()
		})
	}
}

// sentJS records the commands the page posts, as parsed JSON, in window.sent.
const sentJS = `(() => {
	window.sent = [];
	const f = window.fetch;
	window.fetch = (u, i) => { if (i && i.body) { try { window.sent.push(JSON.parse(String(i.body))); } catch (e) {} } return f(u, i); };
})()`

// jsString quotes s for JavaScript.
func jsString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSpace(b.String())
}

// evalString evaluates js, which yields a string.
func (j *journey) evalString(step, js string) string {
	j.t.Helper()
	var s string
	if err := json.Unmarshal(j.eval(step, js), &s); err != nil {
		j.t.Fatalf("%s: %v", step, err)
	}
	return s
}

func (j *journey) helpWalk() {
	t, tab, lang := j.t, j.tab, j.lang
	T := func(key string, vars ...string) string { return i18n.T(lang, key, vars...) }
	where := lang + " " + j.size.name
	tab.do("open the shopper screen", chromedp.EmulateViewport(int64(j.size.w), int64(j.size.h)), chromedp.Navigate(j.ts.url+"/"))
	tab.waitFor("connect", `document.querySelector("#conn").dataset.conn === "online" && document.body.dataset.state === "idle"`)
	j.eval("record commands", sentJS)
	j.click("choose the language", "#welcome-lang-"+lang)
	tab.waitFor("the language", `document.documentElement.lang === "`+lang+`"`)
	j.click("own bag", "#start-own-bag")
	tab.waitFor("scanning", `document.body.dataset.state === "shopping"`)

	// 1. The help button opens the topics, each with its picture; nothing is
	// sent yet.
	j.click("help", "#help-button")
	j.focusOn("help sheet", "help-title")
	tab.waitFor("topics with pictures", `(() => {
		const b = document.querySelectorAll("#help-list .help-topic");
		return b.length === 5 && Array.from(b).every((x) => { const i = x.querySelector("img"); return i.complete && i.naturalWidth > 0; });
	})()`)
	j.check("help", true)

	// 2. Each topic: its picture, title and steps in the language; the lane
	// journals help_opened with the topic; "all topics" returns to it.
	for _, topic := range kiosk.HelpTopics {
		key := "help.topic." + topic
		j.click("topic "+topic, `#help-list .help-topic[data-topic="`+topic+`"]`)
		tab.waitFor("topic "+topic, `(() => {
			const art = document.querySelector("#help-topic-art");
			return !document.querySelector("#help-topic").hidden && document.querySelector("#help-list").hidden &&
				document.querySelector("#help-topic-title").textContent === `+jsString(T(key+".title"))+` &&
				art.alt === `+jsString(T(key+".alt"))+` && art.complete && art.naturalWidth > 0 &&
				document.querySelectorAll("#help-topic-steps li").length === 3 &&
				document.querySelector("#help-topic-steps li").textContent === `+jsString(T(key+".1"))+` &&
				!document.querySelector("#help-call").hidden;
		})()`)
		j.focusOn("topic "+topic, "help-topic-title")
		tab.waitFor("help_opened "+topic+" sent", `window.sent.some((c) => c.op === "help_opened" && c.topic === "`+topic+`")`)
		j.check("help-"+topic, j.size.name == "portrait" || topic == "weighing")
		j.click("all topics", "#help-back")
		tab.waitFor("back to the topics", `!document.querySelector("#help-list").hidden && document.activeElement.dataset.topic === "`+topic+`"`)
	}
	// The page's journal (shown in the demo) follows the lane's commits.
	tab.waitFor("help_opened journaled", `Array.from(document.querySelectorAll("#journal-list li")).filter((li) => / help_opened /.test(li.textContent + " ")).length === `+
		fmt.Sprint(len(kiosk.HelpTopics)))
	var topics []string
	rows, err := j.ts.db.R.Query(`SELECT json_extract(body, '$.topic') FROM journal WHERE type = 'help_opened' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		topics = append(topics, s)
	}
	rows.Close()
	// Each topic once; the commands are not awaited, so their order may differ.
	slices.Sort(topics)
	if want := slices.Sorted(slices.Values(kiosk.HelpTopics)); !slices.Equal(topics, want) {
		t.Errorf("%s: the lane journaled help_opened for %q, want %q", where, topics, want)
	}
	if n := len(j.ts.lane.View().Alerts); n != 0 {
		t.Errorf("%s: reading help raised %d alerts", where, n)
	}
	j.click("close help", "#help-close")
	tab.waitFor("help closed", `document.querySelector("#help-panel").hidden && document.activeElement.id === "help-button"`)

	// 3. "Still need help?" calls staff: the help alert, a calm message with
	// what happens next, the expected wait and the wait clock.
	j.click("help again", "#help-button")
	j.click("topic paying", `#help-list .help-topic[data-topic="paying"]`)
	j.click("call staff", "#help-call")
	tab.waitFor("the help alert", `document.querySelector("#help-panel").hidden &&
		document.querySelector('#alert .alert-info[data-type="help"][data-acked="false"] .alert-status') !== null &&
		document.querySelector('#alert .alert-info[data-type="help"] .alert-status').textContent === `+jsString(T("alert.status.called"))+` &&
		/\d:\d\d/.test(document.querySelector('#alert .alert-info[data-type="help"] .wait-time').textContent) &&
		document.querySelector("#help-label").textContent === `+jsString(T("help.pending")))
	helpID := alertOf(t, j.ts.lane, kiosk.AlertHelp)
	j.expectShown(`#alert .alert-info[data-type="help"]`)
	j.check("help-called", true)
	// The sheet now says staff are called instead of offering the call again.
	j.click("help once more", "#help-button")
	tab.waitFor("called already", `Array.from(document.querySelectorAll(".help-call")).every((b) => b.hidden) &&
		document.querySelector("#help-list .help-called").textContent === `+jsString(T("help.called")))
	j.click("close help", "#help-close")

	// 4. An unknown item: suspended, "we've called a member of staff", the
	// expected wait and the clock; a chime, no alarm.
	tab.do("type an unknown EAN", chromedp.SendKeys("#code-input", unknownEAN), chromedp.Click("#code-submit"))
	card := `#alert .alert-blocking[data-type="item_not_found"]`
	tab.waitFor("suspended", `document.body.dataset.state === "suspended" &&
		document.querySelector('`+card+`[data-acked="false"] .alert-status') !== null &&
		document.querySelector('`+card+` .alert-status').textContent === `+jsString(T("alert.status.called"))+` &&
		document.querySelector('`+card+` .alert-message').textContent === `+jsString(T("alert.item_not_found"))+` &&
		/\d:\d\d/.test(document.querySelector('`+card+` .wait-time').textContent) && KioskShopper.sounds.includes("chime") &&
		document.querySelector("#live-assertive").textContent.includes(`+jsString(T("alert.status.called"))+`)`)
	unknownID := alertOf(t, j.ts.lane, kiosk.AlertItemNotFound)
	j.expectShown(card)
	j.check("alert-called", true)

	// 5. Staff acknowledge both: "on the way", no more promise of a wait,
	// the clock goes on; the help button says so too.
	anna := kiosk.Actor{ID: "anna", Role: kiosk.RoleAttendant, Where: "handheld test"}
	for _, id := range []int64{unknownID, helpID} {
		if _, err := j.ts.lane.Staff(tab.ctx, anna, kiosk.StaffAction{Op: kiosk.OpAck, AlertID: id}, ""); err != nil {
			t.Fatalf("%s: ack alert %d: %v", where, id, err)
		}
	}
	tab.waitFor("on the way", `(() => {
		const tx = (s) => { const e = document.querySelector(s); return e ? e.textContent : null; };
		return tx('`+card+`[data-acked="true"] .alert-status') === `+jsString(T("alert.status.coming"))+` &&
			document.querySelector('`+card+` .alert-expect') === null && /\d:\d\d/.test(tx('`+card+` .wait-time')) &&
			tx('#alert .alert-info[data-type="help"][data-acked="true"] .alert-status') === `+jsString(T("alert.status.coming"))+` &&
			tx("#help-label") === `+jsString(T("help.coming"))+` &&
			tx("#live-polite").includes(`+jsString(T("alert.status.coming"))+`);
	})()`)
	if txt := string(j.eval("alert text", `document.querySelector("#alert").textContent`)); strings.Contains(txt, "anna") {
		t.Errorf("%s: the shopper screen names the staff member's login: %s", where, txt)
	}
	j.check("alert-acked", true)

	// 6. Resolved, then staff close the lane and cancel the basket: "this
	// lane is closed" (in the store's language, as the lane ends the
	// shopper's with the basket; the language buttons still work), no help
	// button, the staff link still there.
	for _, id := range []int64{unknownID, helpID} {
		if _, err := j.ts.lane.Resolve(tab.ctx, id, "done", "anna", ""); err != nil {
			t.Fatal(err)
		}
	}
	tab.waitFor("resumed", `document.body.dataset.state === "shopping" && document.querySelector("#alert").hidden`)
	staff := func(a kiosk.StaffAction) {
		t.Helper()
		if _, err := j.ts.lane.Staff(tab.ctx, anna, a, ""); err != nil {
			t.Fatalf("%s: %s: %v", where, a.Op, err)
		}
	}
	// Closed with a basket open: the shopper finishes, told the lane closes.
	staff(kiosk.StaffAction{Op: kiosk.OpLaneClose, Reason: "end of shift"})
	tab.waitFor("closing", `document.body.dataset.state === "shopping" && !document.querySelector("#alert").hidden &&
		document.querySelector("#alert .lane-closing .alert-info-text").textContent === `+jsString(T("closed.finishing")))
	j.check("closing", false)
	staff(kiosk.StaffAction{Op: kiosk.OpStaffCancel, Reason: "lane closing"})
	tab.waitFor("closed", `document.body.dataset.state === "closed" && document.body.dataset.screen === "closed" &&
		document.querySelector("#closed-title").textContent === `+jsString(i18n.T(j.ts.lane.View().Lang, "closed.title"))+` &&
		document.querySelector("#help-button").hidden && !document.querySelector("#staff-link").hidden`)
	j.focusOn("closed", "closed-title")
	j.click("the shopper's language", "#lang-"+lang)
	tab.waitFor("closed in the language", `document.documentElement.lang === "`+lang+`" &&
		document.querySelector("#closed-title").textContent === `+jsString(T("closed.title"))+` &&
		document.querySelector(".closed-text").textContent === `+jsString(T("closed.text")))
	j.check("closed", true)

	// 7. Attendant mode: the staff link and a scanned staff badge open the
	// staff page for this lane.
	base := "/staff/?lane=" + j.ts.lane.ID() + "&kiosk=1"
	if got := j.evalString("staff link", `document.querySelector("#staff-link").getAttribute("href")`); got != base {
		t.Errorf("%s: staff link %q, want %q", where, got, base)
	}
	if got := j.evalString("staff link label", `document.querySelector("#staff-link").getAttribute("aria-label")`); got != T("staff.linkLabel") {
		t.Errorf("%s: staff link label %q", where, got)
	}
	j.eval("catch the staff page", `KioskShopper.onStaff((u) => { window.staffTo = u; })`)
	j.ts.lane.Device(devices.Event{Role: devices.RoleScanner, Kind: devices.KindScan, At: time.Now(), Scan: &devices.Scan{Data: staffBadge}})
	tab.waitFor("badge → attendant mode", `window.staffTo === `+jsString(base+"&badge="+staffBadge))
	j.click("staff link", "#staff-link")
	// The page is left: poll the new document's address (each try may find
	// the old document's context gone).
	deadline := time.Now().Add(waitTimeout)
	for {
		raw, err := chromedp.Run(tab.ctx, chromedp.Evaluate[[]byte](`location.pathname + location.search`))
		var at string
		if err == nil && json.Unmarshal(raw, &at) == nil && at == base {
			break
		}
		if time.Now().After(deadline) {
			tab.fail("the staff page", fmt.Errorf("at %s (%v), want %s", raw, err, base))
		}
		time.Sleep(pollEvery)
	}
}

// expectShown checks that the element sel is inside the window.
func (j *journey) expectShown(sel string) {
	j.t.Helper()
	got := string(j.eval("in view "+sel, `(() => {
		const r = document.querySelector('`+sel+`').getBoundingClientRect();
		return r.top >= -1 && r.left >= -1 && r.bottom <= innerHeight + 1 && r.right <= innerWidth + 1;
	})()`))
	if got != "true" {
		j.t.Errorf("%s %s: %s is not in the window", j.lang, j.size.name, sel)
	}
}

// alertOf is the id of the lane's open alert of type typ.
func alertOf(t *testing.T, lane *kiosk.Lane, typ string) int64 {
	t.Helper()
	for _, a := range lane.View().Alerts {
		if a.Type == typ {
			return a.ID
		}
	}
	t.Fatalf("no open %s alert in %+v", typ, lane.View().Alerts)
	return 0
}

// TestHelpDeflectedInBrowser: a shopper who reads a topic and closes the
// sheet without calling staff is help that needed no staff: the lane
// journals help_deflected with the topics when the basket ends.
func TestHelpDeflectedInBrowser(t *testing.T) {
	browser := startBrowser(t)
	ts := newTestServer(t)
	tab := newBrowserTab(t, browser, "help-deflected", testout.Dir(t, "journey"))
	tab.do("open", chromedp.EmulateViewport(1366, 768), chromedp.Navigate(ts.url+"/"))
	tab.waitFor("connect", `document.querySelector("#conn").dataset.conn === "online" && document.body.dataset.state === "idle"`)
	tab.do("start", chromedp.Click("#start-button"))
	tab.waitFor("shopping", `document.body.dataset.state === "shopping"`)
	tab.do("weighing help", chromedp.Click("#help-button"), chromedp.WaitVisible(`.help-topic[data-topic="weighing"]`),
		chromedp.Click(`.help-topic[data-topic="weighing"]`), chromedp.WaitVisible("#help-back"))
	tab.do("close with Escape", chromedp.KeyEvent("\x1b"))
	tab.waitFor("closed", `document.querySelector("#help-panel").hidden`)
	tab.do("cancel the empty basket", chromedp.Click("#cancel-button"), chromedp.WaitVisible("#confirm-yes"), chromedp.Click("#confirm-yes"))
	tab.waitFor("welcome", `document.body.dataset.state === "idle"`)
	var topics string
	if err := ts.db.R.QueryRow(`SELECT json_extract(body, '$.topics') FROM journal WHERE type = 'help_deflected'`).Scan(&topics); err != nil || topics != `["weighing"]` {
		t.Errorf("help_deflected: %q (%v), want [\"weighing\"]", topics, err)
	}
	if n := len(ts.lane.View().Alerts); n != 0 {
		t.Errorf("%d alerts raised", n)
	}
	tab.checkConsole()
}
