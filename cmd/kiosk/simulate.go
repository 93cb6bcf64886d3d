package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/kiosk-sco/kiosk/kiosk/bagging/daysim"
)

const simulateAbout = `Simulate one seeded store day at a lane's bagging area — honest shoppers
(own bags, a purse put down, a bag lifted early, slow bagging, produce, heavy
items) and about 6 % dishonest ones (swap, unscanned, removed) — once with the
fixed tolerances and once with learned ones (learning from an empty start),
and print false alerts per 100 items, the catch rate per theft kind, the
share of transactions staff had to come to and the shoppers' waiting. The
same seed gives the same day. --sweep runs the day again with each bagging
threshold at half and at twice its default, to show what changing it does.
--config takes the thresholds from a lane's configuration file (its
"bagging" section), to try values before a lane runs with them. The noise
model is described in package kiosk/bagging/daysim.`

// simulateDay runs "kiosk simulate-day".
func simulateDay(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate-day", "simulate-day [flags]", simulateAbout, stderr)
	seed := fs.Uint64("seed", 1, "random seed of the day")
	txns := fs.Int("transactions", 500, "transactions in the day")
	days := fs.Int("days", 1, "days to run (seeds --seed, --seed+1, …), each learning from scratch, added up")
	catPath := fs.String("catalog", "", "catalog CSV in the import format (default: the demo catalog)")
	sweep := fs.Bool("sweep", false, "also run the day with each threshold lower and higher")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	config := fs.String("config", "", "lane configuration file (JSON) whose bagging thresholds to simulate (default: the defaults of kiosk/bagging)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: simulate-day takes no arguments", errUsage)
	}
	if *txns < 1 || *txns > 1000000 {
		return fmt.Errorf("%w: --transactions must be 1–1000000", errUsage)
	}
	if *days < 1 || *days > 1000 || *sweep && *days != 1 {
		return fmt.Errorf("%w: --days must be 1–1000 (and 1 with --sweep)", errUsage)
	}
	cfg := daysim.Config{Seed: *seed, Transactions: *txns}
	if *config != "" {
		c := commonFlags{config: *config, cfg: defaultConfig()}
		if err := c.loadFile(fs); err != nil {
			return err
		}
		cfg.Settings = c.cfg.Bagging.Settings.WithDefaults()
		if err := cfg.Settings.Check(); err != nil {
			return fmt.Errorf("%s: %w", *config, err)
		}
	}
	if *catPath != "" {
		b, err := os.ReadFile(*catPath)
		if err != nil {
			return err
		}
		if cfg.Catalog, err = daysim.ReadCatalog(b); err != nil {
			return fmt.Errorf("catalog %s: %w", *catPath, err)
		}
	}
	if !*sweep {
		rep := daysim.Days(cfg, *days)
		if *asJSON {
			return writeJSON(stdout, rep)
		}
		if *days == 1 {
			fmt.Fprintf(stdout, "store day, seed %d: %d transactions, %d items\n\n", rep.Seed, rep.Transactions, rep.Fixed.Items)
		} else {
			fmt.Fprintf(stdout, "%d store days, seeds %d–%d: %d transactions, %d items\n\n", *days, rep.Seed, rep.Seed+uint64(*days)-1, rep.Transactions, rep.Fixed.Items)
		}
		tw := simTable(stdout, false)
		simRow(tw, "", "", rep.Fixed)
		simRow(tw, "", "", rep.Learned)
		tw.Flush()
		fmt.Fprintln(stdout, "\nfalse alerts by alert and what the shopper did:")
		tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "\tfixed\tlearned\t\n")
		keys := slices.Sorted(maps.Keys(rep.Fixed.FalseBy))
		for k := range rep.Learned.FalseBy {
			if _, ok := rep.Fixed.FalseBy[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%d\t%d\t\n", k, rep.Fixed.FalseBy[k], rep.Learned.FalseBy[k])
		}
		tw.Flush()
		if err := rep.Target(); err != nil {
			fmt.Fprintf(stdout, "\ntarget (learned at most half the false alerts of fixed, catching as much) missed:\n  %s\n", strings.ReplaceAll(err.Error(), "\n", "\n  "))
		} else {
			fmt.Fprintln(stdout, "\ntarget met: learned raises at most half the false alerts of fixed, catching as much")
		}
		return nil
	}
	var set func(int64)
	var done func()
	cfg.Progress = func(n, total int) {
		if set == nil {
			set, done = newProgress(stderr, int64(total), "simulating days", true, true)
		}
		set(int64(n))
	}
	rows := daysim.Sweep(cfg)
	if done != nil {
		done()
	}
	if *asJSON {
		return writeJSON(stdout, rows)
	}
	fmt.Fprintf(stdout, "store day, seed %d: %d transactions; each threshold at half and twice its value\n\n", *seed, *txns)
	tw := simTable(stdout, true)
	for _, r := range rows {
		param, value := r.Param, r.Value
		if param == "" {
			param, value = "(as set)", ""
		}
		if r.Err != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", param, value, r.Err)
			continue
		}
		simRow(tw, param, value, r.Report.Fixed)
		simRow(tw, param, value, r.Report.Learned)
	}
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func simTable(w io.Writer, sweep bool) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if sweep {
		fmt.Fprint(tw, "threshold\tvalue\t")
	}
	fmt.Fprint(tw, "tolerance\titems\tfalse/100 items\tcaught: swap\tunscanned\tremoved\tassists\twait s\twait s/txn\t\n")
	return tw
}

func simRow(tw io.Writer, param, value string, m daysim.Mode) {
	if param != "" {
		fmt.Fprintf(tw, "%s\t%s\t", param, value)
	}
	fmt.Fprintf(tw, "%s\t%d\t%.2f\t", m.Name, m.Items, m.FalsePer100)
	for _, k := range daysim.Thefts {
		c := m.Catch[k]
		fmt.Fprintf(tw, "%d/%d\t", c.Caught, c.Acts)
	}
	fmt.Fprintf(tw, "%.1f %%\t%.0f\t%.1f\t\n", 100*m.AssistRate, m.WaitS, m.WaitPerTxnS)
}
