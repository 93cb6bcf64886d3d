package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	dir := t.TempDir()
	// make run starts an HQ beside the lane, which pushes to it.
	hqURL, hqTool := startDemoHQ(t, dir)
	// A free port for the handheld too (make run takes the next one, which a
	// parallel test may hold).
	cmd := exec.Command(bin, "serve", "--demo", "--db", "./data/kiosk.db", "--addr", addr, "--staff-addr", freeLoopbackAddr(t),
		"--hq-url", hqURL, "--hq-token-file", "data/hq-lane.token")
	cmd.Dir = dir
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
	for _, want := range []string{"265 products", "shopper screen:    http://" + addr + "/", "staff CLI socket:  ./data/kiosk.db.sock", "HQ sync:           http sink to " + hqURL} {
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
	// The scan reaches HQ: an analyst sees the lane's events.
	tok := hqTool("token", "add", "--name", "ana", "--role", "analyst")
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequest("GET", hqURL+"/api/v1/events?lane=0001-01", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(b), `"item_added"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HQ did not get the scan: %d %s\n%s", res.StatusCode, b, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startDemoHQ runs kiosk-hq serve --demo in dir as make run does (its lane
// token in data/hq-lane.token) and returns its URL and a runner of
// kiosk-hq commands on its database.
func startDemoHQ(t *testing.T, dir string) (string, func(args ...string) string) {
	t.Helper()
	binMu.Lock()
	hqBin := filepath.Join(os.TempDir(), fmt.Sprintf("kiosk-hq-test-%d", os.Getpid()))
	out, err := exec.Command("go", "build", "-o", hqBin, "../kiosk-hq").CombinedOutput()
	binMu.Unlock()
	if err != nil {
		t.Fatalf("build kiosk-hq: %v\n%s", err, out)
	}
	t.Cleanup(func() { os.Remove(hqBin) })
	hq := exec.Command(hqBin, "serve", "--demo", "--db", "data/hq.db", "--addr", freeLoopbackAddr(t), "--demo-token-file", "data/hq-lane.token")
	hq.Dir = dir
	stdout, _ := hq.StdoutPipe()
	if err := hq.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hq.Process.Kill(); hq.Wait() })
	sc := bufio.NewScanner(stdout)
	url := ""
	for sc.Scan() {
		if u, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "dashboard:"); ok {
			url = strings.TrimSuffix(strings.TrimSpace(u), "/")
			break
		}
	}
	if url == "" {
		t.Fatal("kiosk-hq printed no dashboard URL")
	}
	go io.Copy(io.Discard, stdout)
	return url, func(args ...string) string {
		cmd := exec.Command(hqBin, append(args, "--db", "data/hq.db")...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("kiosk-hq %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
}
