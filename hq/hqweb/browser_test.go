package hqweb

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kiosk-sco/kiosk/hq"
	"github.com/kiosk-sco/kiosk/internal/testout"
)

func chromium(t *testing.T) string {
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found: CI must install it")
	}
	t.Skip("chromium not found: install Debian's chromium to run the dashboard's browser test")
	return ""
}

// TestDashboardInBrowser logs in to the real dashboard in headless chromium
// as an analyst and as a store's supervisor, checks that the page runs
// under its CSP without an error in the console, and keeps screenshots
// (out/hq/) of what they see.
func TestDashboardInBrowser(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t)
	ctx := context.Background()
	e.svc.CreateUser(ctx, "ana", hq.RoleAnalyst, "", "analyst-password")
	e.svc.CreateUser(ctx, "sup1", hq.RoleStore, "0001", "store-password")
	e.push("0001-01", 14)
	e.push("0001-02", 6)
	e.push("0002-01", 9)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.App().Listener(ln)
	defer e.srv.App().Shutdown()
	base := "http://" + ln.Addr().String()

	actx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(actx, append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1500), chromedp.NoSandbox, chromedp.DisableGPU)...)
	defer cancelAlloc()
	out := testout.Dir(t, "hq")
	for _, who := range []struct{ name, pw, lang, shot string }{
		{"ana", "analyst-password", "en", "dashboard-analyst-en.png"},
		{"sup1", "store-password", "de", "dashboard-store-de.png"},
	} {
		bctx, cancelTab := chromedp.NewContext(alloc)
		var mu sync.Mutex
		var problems []string
		msgs := chromedp.Console(bctx)
		go func() {
			for m, err := range msgs {
				if err != nil {
					return
				}
				if m.IsException() || m.Type == chromedp.ConsoleError && m.Source != "network" {
					mu.Lock()
					problems = append(problems, m.String())
					mu.Unlock()
				}
			}
		}()
		err := chromedp.Do(bctx,
			chromedp.Navigate(base+"/login?lang="+who.lang),
			chromedp.SendKeys("#name", who.name), chromedp.SendKeys("#password", who.pw),
			chromedp.Submit("#password"),
			chromedp.WaitVisible(".tiles"),
			chromedp.Navigate(base+"/?days=92&lang="+who.lang),
			chromedp.WaitVisible("table.lanes"),
		)
		var svgs int
		var png []byte
		if err == nil {
			svgs, err = chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("figure svg").length`))
		}
		if err == nil {
			png, err = chromedp.Run(bctx, chromedp.FullScreenshot(100))
		}
		cancelTab()
		if err != nil {
			t.Fatalf("%s: %v", who.name, err)
		}
		mu.Lock()
		bad := problems
		mu.Unlock()
		if svgs != 4 || len(bad) > 0 {
			t.Errorf("%s: %d charts, problems %v", who.name, svgs, bad)
		}
		if err := os.WriteFile(filepath.Join(out, who.shot), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
