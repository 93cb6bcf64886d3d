package main

import (
	"bufio"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMakeRunAsWritten starts the demo as make run does — a relative
// ./data/kiosk.db in a fresh directory, the demo catalog imported at start —
// and sells one item. A relative path once broke the catalog import, so
// make run failed on every fresh checkout while the tests, all on absolute
// paths, passed.
func TestMakeRunAsWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := kioskBinary(t)
	addr := freeLoopbackAddr(t)
	// A free port for the handheld too (make run takes the next one, which a
	// parallel test may hold).
	cmd := exec.Command(bin, "serve", "--demo", "--db", "./data/kiosk.db", "--addr", addr, "--staff-addr", freeLoopbackAddr(t))
	cmd.Dir = t.TempDir()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var banner strings.Builder
		for sc.Scan() {
			banner.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(strings.TrimSpace(sc.Text()), "devices:") {
				ready <- banner.String()
			}
		}
		close(ready)
	}()
	var banner string
	select {
	case b, ok := <-ready:
		if !ok {
			t.Fatalf("serve exited:\n%s", stderr.String())
		}
		banner = b
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start:\n%s", stderr.String())
	}
	for _, want := range []string{"265 products", "shopper screen:    http://" + addr + "/", "staff CLI socket:  ./data/kiosk.db.sock"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	// The handheld's address and a demo PIN per role are printed, and they
	// log in.
	staffURL := ""
	for _, l := range strings.Split(banner, "\n") {
		if u, ok := strings.CutPrefix(strings.TrimSpace(l), "staff handheld:"); ok {
			staffURL = strings.TrimSpace(u)
		}
	}
	if staffURL == "" {
		t.Fatalf("banner names no staff handheld:\n%s", banner)
	}
	for _, who := range [][2]string{{"attendant", "anna"}, {"supervisor", "sam"}, {"remote", "rita"}} {
		var pin string
		for _, l := range strings.Split(banner, "\n") {
			f := strings.Fields(l)
			if len(f) == 6 && f[0] == "demo" && f[1] == who[0] && f[3] == who[1] {
				pin = f[5]
			}
		}
		if pin == "" {
			t.Fatalf("banner gives no demo %s PIN:\n%s", who[0], banner)
		}
		resp, err := http.Post(staffURL+"api/login", "application/json", strings.NewReader(`{"id":"`+who[1]+`","pin":"`+pin+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("demo %s login at %s: %s", who[0], staffURL, resp.Status)
		}
	}
	resp, err := http.Post("http://"+addr+"/api/commands", "application/json", strings.NewReader(`{"op":"scan","code":"4063658814593"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scan: %s\n%s", resp.Status, stderr.String())
	}
}
