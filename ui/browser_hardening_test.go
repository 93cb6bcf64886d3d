package ui

import (
	"context"
	"encoding/json"
	"github.com/kiosk-sco/kiosk/internal/testout"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// startBrowser starts headless chromium for one test and returns its first
// tab's context; extra flags are added to the usual ones.
func startBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	return startBrowserFor(t, browserTimeout, extra...)
}

// startBrowserFor is startBrowser with the whole test's time limit.
func startBrowserFor(t *testing.T, limit time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(opts, extra...)...)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return browserCtx
}

// evilPage tries, from another origin, everything a page can send to the
// kiosk without the kiosk's consent, and records what the browser let it see.
const evilPage = `<!doctype html><html><body>
<form id="form" method="POST" action="KIOSK/api/commands" enctype="text/plain" target="sink">
<input name='{"op":"scan","code":"MILK","x":"' value='"}'>
</form>
<iframe name="sink" id="sink"></iframe>
<script>
window.results = {};
const K = "KIOSK";
const scan = JSON.stringify({op: "scan", code: "MILK"});
async function attempt(name, p) {
  try {
    const r = await p;
    results[name] = r.type + " " + r.status;
  } catch (e) {
    results[name] = "refused";
  }
}
(async () => {
  await attempt("no-cors command", fetch(K + "/api/commands", {method: "POST", mode: "no-cors", body: scan}));
  await attempt("no-cors sim scan", fetch(K + "/api/sim/device", {method: "POST", mode: "no-cors",
    body: JSON.stringify({device: "scanner", action: "scan", code: "MILK"})}));
  await attempt("no-cors sim print", fetch(K + "/api/sim/print", {method: "POST", mode: "no-cors"}));
  await attempt("cors json command", fetch(K + "/api/commands", {method: "POST",
    headers: {"Content-Type": "application/json"}, body: scan}));
  await attempt("cors read", fetch(K + "/api/lane"));
  results["event stream"] = await new Promise((resolve) => {
    const es = new EventSource(K + "/api/events");
    es.onopen = () => { es.close(); resolve("open"); };
    es.onerror = () => { es.close(); resolve("refused"); };
  });
  results.form = await new Promise((resolve) => {
    document.getElementById("sink").onload = () => resolve("sent");
    document.getElementById("form").submit();
  });
  window.done = true;
})();
</script></body></html>`

// TestOtherPagesCannotDriveTheLane opens, in headless chromium, a page of
// another origin that attacks the kiosk, and a DNS-rebinding page (a name of
// the attacker's that resolves to 127.0.0.1, at the kiosk's port): the lane
// changes for neither.
func TestOtherPagesCannotDriveTheLane(t *testing.T) {
	ts := newTestServer(t)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(strings.NewReplacer("KIOSK", ts.url, "MILK", milk).Replace(evilPage)))
	}))
	defer evil.Close()
	port := ts.addr[strings.LastIndex(ts.addr, ":")+1:]
	browser := startBrowser(t, chromedp.Flag("host-resolver-rules", "MAP evil.test 127.0.0.1"))
	tab := newBrowserTab(t, browser, "evil", testout.Dir(t, "browser"))

	// 1. A page of another origin (another port of this machine).
	tab.do("open the other page", chromedp.Navigate(evil.URL))
	tab.waitFor("its attempts", `window.done === true`)
	raw, err := chromedp.Run(tab.ctx, chromedp.Evaluate[[]byte](`window.results`))
	if err != nil {
		tab.fail("read the results", err)
	}
	var results map[string]string
	json.Unmarshal(raw, &results)
	t.Logf("what the other page saw: %s", raw)
	for name, want := range map[string]string{"cors json command": "refused", "cors read": "refused", "event stream": "refused"} {
		if results[name] != want {
			t.Errorf("%s: the page saw %q, want %q", name, results[name], want)
		}
	}
	if seq := ts.lane.View().Seq; seq != 0 {
		t.Fatalf("another page changed the lane: seq %d, %+v", seq, ts.lane.View().Lines)
	}

	// 2. DNS rebinding: the attacker's name at the kiosk's own address. To the
	// browser the page and its fetches are same-origin; to the kiosk their
	// Host is not its own.
	tab.do("open the rebinding page", chromedp.Navigate("http://evil.test:"+port+"/"))
	text, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		tab.fail("read the page", err)
	}
	if !strings.Contains(text, "request.host") {
		t.Errorf("the kiosk served its page under another name: %.200q", text)
	}
	status, err := chromedp.Run(tab.ctx, chromedp.Evaluate[int](`fetch("/api/commands", {method: "POST",
		headers: {"Content-Type": "application/json"}, body: JSON.stringify({op: "scan", code: "`+milk+`"})}).then((r) => r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		tab.fail("post from the rebinding page", err)
	}
	if status != http.StatusForbidden {
		t.Errorf("a command from the rebinding page: status %d, want 403", status)
	}
	if seq := ts.lane.View().Seq; seq != 0 {
		t.Fatalf("the rebinding page changed the lane: seq %d", seq)
	}
}

// TestPageResetsWhenDatabaseReplaced: the shopper page follows a lane; the
// kiosk restarts on a new database (sequence numbers start again), and the
// page's stream resumes with a Last-Event-ID the new lane never reached. The
// page must show the new lane, not freeze on the old basket.
func TestPageResetsWhenDatabaseReplaced(t *testing.T) {
	dir := t.TempDir()
	old := newTestServerWith(t, testServerOptions{dbPath: filepath.Join(dir, "old.db")})
	for range 3 {
		old.post(t, `{"op":"scan","code":"`+milk+`"}`, "", "application/json")
	}
	browser := startBrowser(t)
	shop := newBrowserTab(t, browser, "reset", testout.Dir(t, "browser"))
	shop.do("open the shopper screen", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(old.url+"/"))
	shop.waitFor("the old basket", `document.querySelector("#conn").dataset.conn === "online" &&
		document.body.dataset.state === "shopping" && document.querySelectorAll("#lines tr.line").length === 1`)

	old.stop()
	fresh := newTestServerWith(t, testServerOptions{dbPath: filepath.Join(dir, "new.db"), addr: old.addr})
	if seq := fresh.lane.View().Seq; seq != 0 {
		t.Fatalf("the new lane is at %d", seq)
	}
	shop.waitFor("the new, idle lane", `document.querySelector("#conn").dataset.conn === "online" &&
		document.body.dataset.state === "idle" && document.querySelectorAll("#lines tr.line").length === 0`)
	// And it follows the new lane from there.
	fresh.post(t, `{"op":"scan","code":"`+milk+`"}`, "", "application/json")
	shop.waitFor("the new lane's first line", `document.body.dataset.state === "shopping" &&
		document.querySelectorAll("#lines tr.line").length === 1`)
	shop.checkConsole()
}
