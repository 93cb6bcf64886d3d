package ui

import (
	"fmt"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

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
