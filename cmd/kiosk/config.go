package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // zone data for machines without /usr/share/zoneinfo

	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices/rig"
	"github.com/kiosk-sco/kiosk/kiosk"
)

// Config is the kiosk's configuration file (JSON). Flags override it.
type Config struct {
	DB            string              `json:"db"`
	Addr          string              `json:"addr"`
	Store         string              `json:"store"`
	Lane          string              `json:"lane"`
	Currency      string              `json:"currency"`
	Lang          string              `json:"lang"`
	TimeZone      string              `json:"timezone"`   // IANA name, e.g. Europe/Berlin; default: the machine's
	VAT           map[string]string   `json:"vat"`        // class -> percent
	RCNPreset     string              `json:"rcnPreset"`  // DE, UK, SE, NO, DK, US or "none"
	RCN           []catalog.RCNLayout `json:"rcnLayouts"` // custom layouts, replace the preset
	KeyboardWedge bool                `json:"keyboardWedge"`
	Demo          *bool               `json:"demo"`
	// Devices are the lane's serial devices. Without this section serve
	// refuses to start, unless --demo runs them on simulators.
	Devices *rig.Config `json:"devices"`
	// PlusKey is when "+" may raise a quantity (default: never; each further
	// unit is scanned), e.g. {"maxUnitPrice": "0.50", "maxQty": 10}.
	PlusKey kiosk.PlusKeyRule `json:"plusKey"`
	// MaxLines bounds the lines of one basket (default 300).
	MaxLines int                 `json:"maxLines"`
	Receipt  kiosk.ReceiptConfig `json:"receipt"`
	// Payment caps the card terminal's offline approvals, in the store's
	// currency: {"offlineMaxPerSale": "50.00", "offlineMaxTotal": "500.00"}
	// (the defaults); "0" allows no offline approval.
	Payment PaymentConfig `json:"payment"`
	// Staff is the handhelds' listener and the store's other kiosks.
	Staff StaffConfig `json:"staff"`
	// Bagging is the bagging-area security: on when the lane has a bagging
	// scale, with the thresholds of kiosk/bagging (each documented there and
	// in README's "Bagging security"; `kiosk simulate-day --sweep` shows what
	// changing one does).
	Bagging BaggingConfig `json:"bagging"`
	// Log is the format of the log on stderr: "json" (the default, one
	// object per line for a log collector) or "text" (for a person).
	Log string `json:"log"`
	// HQ is where the lane's journal goes and catalog pushes come from.
	HQ HQConfig `json:"hq"`

	laneNamed bool // the command line or a file said which lane: staff commands check it
}

func defaultConfig() Config {
	return Config{DB: "./data/kiosk.db", Addr: "127.0.0.1:8080", Store: "0001", Lane: "01", Currency: "EUR", Lang: "en", RCNPreset: "DE", Log: "json"}
}

// commonFlags are the flags every command that touches the database shares.
type commonFlags struct {
	config string
	cfg    Config
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	c.cfg = defaultConfig()
	fs.StringVar(&c.config, "config", "", "configuration file (JSON)")
	fs.StringVar(&c.cfg.DB, "db", c.cfg.DB, "SQLite database file")
	fs.StringVar(&c.cfg.Store, "store", c.cfg.Store, "store number (digits)")
	fs.StringVar(&c.cfg.Lane, "lane", c.cfg.Lane, "lane number (digits)")
}

// load applies the configuration in order: the defaults, then the --config
// file (a relative "db" in it is relative to the file's directory), then the
// flags given on the command line (a relative --db is relative to the working
// directory). It notes whether the lane was named (a file, --store or
// --lane), which staff commands then check against the server.
func (c *commonFlags) load(fs *flag.FlagSet) error {
	if c.config != "" {
		if err := c.loadFile(fs); err != nil {
			return err
		}
	}
	// A configuration file names its lane; so do --store and --lane. Staff
	// commands then check that the server on the socket is that lane.
	c.cfg.laneNamed = c.config != ""
	fs.Visit(func(f *flag.Flag) { c.cfg.laneNamed = c.cfg.laneNamed || f.Name == "store" || f.Name == "lane" })
	return nil
}

func (c *commonFlags) loadFile(fs *flag.FlagSet) error {
	b, err := os.ReadFile(c.config)
	if err != nil {
		return err
	}
	if err := refuseRetired(b); err != nil {
		return fmt.Errorf("%s: %w", c.config, err)
	}
	cfg := defaultConfig()
	cfg.DB = ""
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return fmt.Errorf("%s: %w", c.config, err)
	}
	switch {
	case cfg.DB == "":
		cfg.DB = defaultConfig().DB
	case !filepath.IsAbs(cfg.DB):
		cfg.DB = filepath.Join(filepath.Dir(c.config), cfg.DB)
	}
	flagged := c.cfg
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "db":
			cfg.DB = flagged.DB
		case "store":
			cfg.Store = flagged.Store
		case "lane":
			cfg.Lane = flagged.Lane
		case "addr":
			cfg.Addr = flagged.Addr
		case "currency":
			cfg.Currency = flagged.Currency
		case "lang":
			cfg.Lang = flagged.Lang
		case "tz":
			cfg.TimeZone = flagged.TimeZone
		case "rcn":
			cfg.RCNPreset = flagged.RCNPreset
		case "keyboard-wedge":
			cfg.KeyboardWedge = flagged.KeyboardWedge
		case "demo":
			cfg.Demo = flagged.Demo
		case "staff-addr":
			cfg.Staff.Addr = flagged.Staff.Addr
		case "log":
			cfg.Log = flagged.Log
		case "hq-url":
			cfg.HQ.URL = flagged.HQ.URL
		case "hq-token-file":
			cfg.HQ.TokenFile, cfg.HQ.Token = flagged.HQ.TokenFile, ""
		}
	})
	c.cfg = cfg
	return nil
}

// refuseRetired names the settings that moved, rather than letting them
// fail as unknown fields or, worse, be read.
func refuseRetired(b []byte) error {
	var old struct {
		Receipt struct {
			WidthMM json.RawMessage `json:"widthMm"`
		} `json:"receipt"`
	}
	if json.Unmarshal(b, &old) == nil && old.Receipt.WidthMM != nil {
		return fmt.Errorf(`receipt.widthMm is no longer read: the paper width is the printer's one setting, devices.printer.widthMm (58 or 80); remove it from "receipt"`)
	}
	return nil
}

func (c Config) rates() (catalog.VATRates, error) {
	if len(c.VAT) == 0 {
		return catalog.DefaultVATRates(), nil
	}
	r := catalog.VATRates{}
	for class, pct := range c.VAT {
		d, err := decimal.NewFromString(pct)
		if err != nil || d.IsNegative() || d.GreaterThanOrEqual(decimal.NewFromInt(100)) {
			return nil, fmt.Errorf("vat %q: %q is not a percentage", class, pct)
		}
		r[class] = d
	}
	return r, nil
}

func (c Config) decodeOptions() (catalog.DecodeOptions, error) {
	var opt catalog.DecodeOptions
	switch {
	case len(c.RCN) > 0:
		if err := catalog.ValidateRCNLayouts(c.RCN); err != nil {
			return opt, err
		}
		opt.RCN = c.RCN
	case c.RCNPreset == "" || strings.EqualFold(c.RCNPreset, "none"):
	default:
		l, err := catalog.RCNPreset(c.RCNPreset)
		if err != nil {
			return opt, err
		}
		opt.RCN = l
	}
	return opt, nil
}

// PaymentConfig is the "payment" section of the configuration file.
type PaymentConfig struct {
	OfflineMaxPerSale *decimal.Decimal `json:"offlineMaxPerSale"`
	OfflineMaxTotal   *decimal.Decimal `json:"offlineMaxTotal"`
}

func (p PaymentConfig) lane() (kiosk.PaymentConfig, error) {
	var out kiosk.PaymentConfig
	for _, f := range []struct {
		name string
		in   *decimal.Decimal
		out  **int64
	}{{"offlineMaxPerSale", p.OfflineMaxPerSale, &out.OfflineMaxPerSale}, {"offlineMaxTotal", p.OfflineMaxTotal, &out.OfflineMaxTotal}} {
		if f.in == nil {
			continue
		}
		if f.in.IsNegative() || f.in.Exponent() < -2 || f.in.GreaterThan(decimal.NewFromInt(1_000_000)) {
			return out, fmt.Errorf("payment.%s %s: want an amount such as 50.00 (0 to 1000000, two decimals at most)", f.name, f.in)
		}
		m := f.in.Shift(2).IntPart()
		*f.out = &m
	}
	return out, nil
}

func (c Config) laneConfig() (kiosk.Config, error) {
	pay, err := c.Payment.lane()
	if err != nil {
		return kiosk.Config{}, err
	}
	rates, err := c.rates()
	if err != nil {
		return kiosk.Config{}, err
	}
	dec, err := c.decodeOptions()
	if err != nil {
		return kiosk.Config{}, err
	}
	loc, err := c.location()
	if err != nil {
		return kiosk.Config{}, err
	}
	var devs rig.Config
	if c.Devices != nil {
		devs = *c.Devices
	}
	rc := c.Receipt
	rc.WidthMM = devs.PrinterWidthMM() // the demo's simulated printer is 80 mm, the default
	bag, err := c.Bagging.lane(c.Devices == nil || c.Devices.BaggingScale != nil)
	if err != nil {
		return kiosk.Config{}, err
	}
	return kiosk.Config{Bagging: bag, Store: c.Store, Lane: c.Lane, Currency: c.Currency, Lang: c.Lang, Rates: rates, Decode: dec, Receipt: rc,
		Location: loc, PlusKey: c.PlusKey, MaxLines: c.MaxLines, Payment: pay,
		// Without a devices section the lane runs on simulators (the demo),
		// which include a produce scale.
		ProduceScale: c.Devices == nil || c.Devices.ProduceScale != nil}, nil
}

// location loads the store's time zone. The binary embeds the zone database, so
// a kiosk image without /usr/share/zoneinfo still knows Europe/Berlin.
func (c Config) location() (*time.Location, error) {
	if c.TimeZone == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil || c.TimeZone == "Local" {
		return nil, fmt.Errorf("timezone %q: want an IANA name such as Europe/Berlin", c.TimeZone)
	}
	return loc, nil
}

// socketPath is where a running server listens for the staff command line:
// the database's path with ".sock" appended, so that two databases never
// share one: lane.db and lane.sqlite in one directory once both had lane.sock,
// and staff commands for one lane reached the other.
func (c Config) socketPath() string { return c.DB + ".sock" }
