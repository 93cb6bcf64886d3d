package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk/bagging"
	"github.com/kiosk-sco/kiosk/kiosk/bagging/daysim"
)

// TestSimulateDay runs kiosk simulate-day: a table of the fixed and learned
// rows, the same for the same seed, JSON that reads back.
func TestSimulateDay(t *testing.T) {
	out, errOut, err := runCLI(t, "simulate-day", "--seed", "7", "--transactions", "80")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, want := range []string{"seed 7: 80 transactions", "false/100 items", "caught: swap", "unscanned", "removed", "assists", "wait s/txn", "fixed", "learned", "target"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if again, _, _ := runCLI(t, "simulate-day", "--transactions", "80", "--seed", "7"); again != out {
		t.Errorf("the same seed gave another day:\n%s\n%s", out, again)
	}
	if other, _, _ := runCLI(t, "simulate-day", "--transactions", "80", "--seed", "8"); other == out {
		t.Error("another seed gave the same day")
	}

	out, _, err = runCLI(t, "simulate-day", "--seed", "7", "--transactions", "80", "--json")
	var rep daysim.Report
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil || rep.Transactions != 80 || rep.Fixed.Name != "fixed" || rep.Learned.Name != "learned" || rep.Fixed.Items == 0 {
		t.Fatalf("json: %v\n%s", err, out)
	}
}

// TestSimulateDaySweep: a row pair per threshold value, progress on stderr.
func TestSimulateDaySweep(t *testing.T) {
	out, errOut, err := runCLI(t, "simulate-day", "--sweep", "--transactions", "20")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, p := range daysim.SweepParams() {
		if !strings.Contains(out, p) {
			t.Errorf("sweep lacks %s:\n%s", p, out)
		}
	}
	if !strings.Contains(errOut, "simulating days: 100%") {
		t.Errorf("no progress on stderr: %q", errOut)
	}
	out, _, err = runCLI(t, "simulate-day", "--sweep", "--transactions", "10", "--json")
	var rows []daysim.SweepRow
	if err != nil || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1+2*len(daysim.SweepParams()) {
		t.Fatalf("sweep json: %v, %d rows\n%.500s", err, len(rows), out)
	}
}

// TestSimulateDayCatalog: --catalog takes a CSV in the import format; a bad
// one is refused with its row.
func TestSimulateDayCatalog(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "c.csv")
	os.WriteFile(good, []byte(header+
		"4006381333931,,Pen,Stift,Bolígrafo,1.99,each,standard,0,12,,office\n"+
		"4006381333948,,Ink,Tinte,Tinta,4.99,each,standard,0,14,,office\n"+
		"5000112637922,,Cola,Cola,Cola,1.29,each,standard,0,1580,30,drinks\n"+
		"2000000040110,4011,Bananas,Bananen,Plátanos,1.69,weight,reduced,0,,,produce\n"), 0o644)
	out, errOut, err := runCLI(t, "simulate-day", "--catalog", good, "--transactions", "30", "--json")
	var rep daysim.Report
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil || rep.Fixed.Items == 0 {
		t.Fatalf("%v\n%s%s", err, out, errOut)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(header+"123,,Bad,,,1.00,each,standard,0,,,x\n"), 0o644)
	if _, _, err := runCLI(t, "simulate-day", "--catalog", bad); err == nil || !strings.Contains(err.Error(), "bad.csv") {
		t.Fatalf("bad catalog: %v", err)
	}
	// --config: the bagging thresholds of a lane's configuration.
	conf := filepath.Join(dir, "kiosk.json")
	os.WriteFile(conf, []byte(`{"bagging":{"windowS":20,"sigmas":3}}`), 0o644)
	out, errOut, err = runCLI(t, "simulate-day", "--config", conf, "--transactions", "30", "--json")
	rep = daysim.Report{}
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil || rep.Settings.Sigmas != 3 || rep.Settings.Window != bagging.Duration(20*time.Second) || rep.Settings.AbsG != 10 {
		t.Fatalf("--config: %v %+v\n%s", err, rep.Settings, errOut)
	}
	os.WriteFile(conf, []byte(`{"bagging":{"sigmas":30}}`), 0o644)
	if _, _, err := runCLI(t, "simulate-day", "--config", conf); err == nil || !strings.Contains(err.Error(), "sigmas") {
		t.Fatalf("bad thresholds: %v", err)
	}
	for _, args := range [][]string{{"simulate-day", "extra"}, {"simulate-day", "--transactions", "0"}, {"simulate-day", "--seed", "x"}} {
		if _, _, err := runCLI(t, args...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v)", args, exitCode(err), err)
		}
	}
}
