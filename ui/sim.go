package ui

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
)

// sample is a label to scan on /sim. Label is English; Kind, Names and Value let
// the page say it in the shopper's language.
type sample struct {
	Label string         `json:"label"`
	Code  string         `json:"code"`
	Kind  string         `json:"kind"` // weight_label, price_label, count_label, databar, misread_check, misread_noise, misread_short, unknown_item
	Names *catalog.Names `json:"names,omitempty"`
	Value string         `json:"value,omitempty"` // kg or price shown on the label
}

// simSamples are labels a demo user can "scan" beside the catalog's own codes:
// a GS1 DataBar Expanded fresh-food label — (01) a GTIN-14 with indicator 9
// (variable measure), (3103) net kg with 3 decimals, (3922) the price with 2 —
// and typical misreads.
var simSamples = []sample{
	{Label: "GS1 DataBar: 1.250 kg for 4.99 (fresh food)", Code: "]e0019001234567890831030012503922" + "00499", Kind: "databar", Value: "1.250 kg / 4.99"},
	{Label: "Misread: bad check digit", Code: "4006381333932", Kind: "misread_check"},
	{Label: "Misread: scanner noise", Code: "40063\x1b[A", Kind: "misread_noise"},
	{Label: "Misread: too short", Code: "12345", Kind: "misread_short"},
	{Label: "Unknown item (valid EAN-13 not in the catalog)", Code: "5901234123457", Kind: "unknown_item"},
}

func (s *Server) simItems(c *fiber.Ctx) error {
	ctx, cancel := s.handlerContext(10 * time.Second)
	defer cancel()
	ps, err := s.cat.List(ctx, "", "", 400) // the first 400 in GTIN order: enough to try things
	if err != nil {
		return err
	}
	items := itemsOf(ps)
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
			var label, shown string
			switch l.Measure {
			case "weight":
				value = int64(350 + (i*137)%900) // grams at 3 decimals
				shown = decimal.New(value, -3).StringFixed(3) + " kg"
				label = fmt.Sprintf("%s, weight label %s", it.Names.EN, shown)
			case "price":
				p, _ := decimal.NewFromString(it.Price)
				value = p.Shift(2).IntPart()
				shown = it.Price
				label = fmt.Sprintf("%s, price label %s", it.Names.EN, it.Price)
			default:
				value = 2
				shown = "2"
				label = fmt.Sprintf("%s, count label 2", it.Names.EN)
			}
			if l.Decimals != 3 && l.Measure == "weight" || l.Decimals != 2 && l.Measure == "price" {
				continue // keep the demo to the usual layouts
			}
			code, err := l.Build(g13[:l.ItemDigits], value)
			if err == nil {
				names := it.Names
				out = append(out, sample{Label: label, Code: code, Kind: l.Measure + "_label", Names: &names, Value: shown})
			}
			break
		}
	}
	return out
}

// Sims drives a demo's simulated devices for /sim. Production builds have
// none: the kiosk command provides one only when built with the "sim" tag, so
// this package never links a simulator.
type Sims interface {
	// Apply injects an input or a fault given as /sim's JSON action, e.g.
	// {"device":"scanner","do":"scan","data":"4006381333931"}. An error that
	// wraps ErrNoSimDevice means there is no such simulated device.
	Apply(action []byte) error
	// LastReceiptPNG returns the last receipt the simulated printer cut.
	LastReceiptPNG() ([]byte, error)
}

// ErrNoSimDevice reports an action for a device that is not simulated.
var ErrNoSimDevice = errors.New("no such simulated device")

// simDevice injects an input or a fault into a simulated device.
func (s *Server) simDevice(c *fiber.Ctx) error {
	if s.opt.Sims == nil {
		return c.Status(fiber.StatusNotFound).JSON(errorBody("invalid", "sim.action", ErrNoSimDevice.Error()))
	}
	if err := s.opt.Sims.Apply(c.Body()); err != nil {
		status := fiber.StatusBadRequest
		if errors.Is(err, ErrNoSimDevice) {
			status = fiber.StatusNotFound
		}
		return c.Status(status).JSON(errorBody("invalid", "sim.action", err.Error()))
	}
	return c.JSON(fiber.Map{"ok": true, "devices": s.lane.Devices()})
}

// simReceipt shows the last receipt the simulated printer cut, as a picture.
func (s *Server) simReceipt(c *fiber.Ctx) error {
	if s.opt.Sims == nil {
		return c.Status(fiber.StatusNotFound).JSON(errorBody("not_found", "sim.no_printer", "no simulated printer"))
	}
	png, err := s.opt.Sims.LastReceiptPNG()
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
	if s.opt.Printer == nil {
		return c.Status(fiber.StatusNotFound).JSON(errorBody("not_found", "printer.none", "no printer"))
	}
	ctx, cancel := s.handlerContext(30 * time.Second)
	defer cancel()
	if err := s.lane.PrintReceipt(ctx, s.opt.Printer, "", "sim"); err != nil {
		return replyError(c, err)
	}
	return c.JSON(fiber.Map{"ok": true})
}
