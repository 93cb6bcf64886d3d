package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/devices/rig"

	"github.com/kiosk-sco/kiosk/catalog"
)

type sample struct {
	Label string `json:"label"`
	Code  string `json:"code"`
}

// simSamples are labels a demo user can "scan" beside the catalog's own codes:
// the GS1 examples of PROTOCOLS.md and typical misreads.
var simSamples = []sample{
	{"GS1 DataBar: 1.250 kg for 4.99 (fresh food)", "]e0019001234567890831030012503922" + "00499"},
	{"Misread: bad check digit", "4006381333932"},
	{"Misread: scanner noise", "40063\x1b[A"},
	{"Misread: too short", "12345"},
	{"Unknown item (valid EAN-13 not in the catalog)", "5901234123457"},
}

func (s *Server) simItems(c *fiber.Ctx) error {
	items, err := s.listProducts(c.Context(), func(catalog.Product) bool { return true }, 400)
	if err != nil {
		return err
	}
	samples := append([]sample{}, s.labelSamples(items)...)
	samples = append(samples, simSamples...)
	return c.JSON(fiber.Map{"items": items, "samples": samples})
}

// labelSamples prints in-store labels for the catalog's variable-measure items,
// as a scale at the deli counter would, using the store's RCN layouts.
func (s *Server) labelSamples(items []itemJSON) []sample {
	var out []sample
	layouts := s.lane.Config().Decode.RCN
	for i, it := range items {
		g13 := it.GTIN[1:]
		if it.GTIN[0] != '0' {
			continue
		}
		for _, l := range layouts {
			if !slices.Contains(l.Prefixes, g13[:2]) {
				continue
			}
			var value int64
			var label string
			switch l.Measure {
			case "weight":
				value = int64(350 + (i*137)%900) // grams at 3 decimals
				label = fmt.Sprintf("%s, weight label %.3f kg", it.Names.EN, float64(value)/1000)
			case "price":
				p, _ := decimal.NewFromString(it.Price)
				value = p.Shift(2).IntPart()
				label = fmt.Sprintf("%s, price label %s", it.Names.EN, it.Price)
			default:
				value = 2
				label = fmt.Sprintf("%s, count label 2", it.Names.EN)
			}
			if l.Decimals != 3 && l.Measure == "weight" || l.Decimals != 2 && l.Measure == "price" {
				continue // keep the demo to the usual layouts
			}
			code, err := l.Build(g13[:l.ItemDigits], value)
			if err == nil {
				out = append(out, sample{Label: label, Code: code})
			}
			break
		}
	}
	return out
}

func (s *Server) sims() *rig.Sims {
	if s.opt.Rig == nil {
		return nil
	}
	return s.opt.Rig.Sims
}

// simDevice injects an input or a fault into a simulated device.
func (s *Server) simDevice(c *fiber.Ctx) error {
	var a rig.Action
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.body", "bad JSON: "+err.Error()))
	}
	if err := s.sims().Apply(a); err != nil {
		status := fiber.StatusBadRequest
		if errors.Is(err, rig.ErrNoSim) {
			status = fiber.StatusNotFound
		}
		return c.Status(status).JSON(errorBody("invalid", "sim.action", err.Error()))
	}
	return c.JSON(fiber.Map{"ok": true, "devices": s.lane.Devices()})
}

// simReceipt shows the last receipt the simulated printer cut, as a picture.
func (s *Server) simReceipt(c *fiber.Ctx) error {
	sims := s.sims()
	if sims == nil || sims.Printer == nil {
		return c.Status(fiber.StatusNotFound).JSON(errorBody("not_found", "sim.no_printer", "no simulated printer"))
	}
	png, err := sims.Printer.LastPNG()
	if err != nil || len(png) == 0 {
		return c.Status(fiber.StatusNotFound).JSON(errorBody("not_found", "sim.no_receipt", "nothing printed yet"))
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(png)
}

// simPrint prints the last basket on the lane's printer (demo: the staff CLI does
// this in a store).
func (s *Server) simPrint(c *fiber.Ctx) error {
	if s.opt.Rig == nil || s.opt.Rig.Printer == nil {
		return c.Status(fiber.StatusNotFound).JSON(errorBody("not_found", "printer.none", "no printer"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.lane.PrintReceipt(ctx, s.opt.Rig.Printer, "", "sim"); err != nil {
		return replyError(c, err)
	}
	return c.JSON(fiber.Map{"ok": true})
}
