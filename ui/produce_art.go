package ui

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The produce picker shows a picture per item: simple drawings made for this
// project (no outside artwork, so no licence but the project's own), one
// shape per kind of fruit or vegetable in the colours of the item, keyed by
// the item's IFPS PLU; any other PLU gets the generic basket. They are SVG
// made here, served from the kiosk itself (the page's CSP allows images from
// 'self' only).

// art is one picture: a shape and its colours.
type art struct {
	shape string
	fill  string // the main colour
	alt   string // a second colour (stalk, leaves, flesh)
}

// produceArts are the demo catalog's produce by PLU (organic 9xxxx codes
// share the picture of the 4-digit code).
var produceArts = map[string]art{
	"4011": {"banana", "#f5d21f", "#6b4f1d"},
	"4131": {"apple", "#d8342c", "#4f7d2a"},
	"4135": {"apple", "#e0553a", "#4f7d2a"},
	"4020": {"apple", "#e8c93a", "#4f7d2a"},
	"4017": {"apple", "#7cc242", "#3d6b1f"},
	"4130": {"apple", "#f07a8c", "#4f7d2a"},
	"4409": {"pear", "#c9d44a", "#6b4f1d"},
	"4012": {"citrus", "#f39a1e", "#4f7d2a"},
	"4450": {"citrus", "#f7a23a", "#4f7d2a"},
	"4053": {"lemon", "#f7e03c", "#c9b21e"},
	"4048": {"lemon", "#7cc242", "#4f8f2a"},
	"4022": {"grapes", "#b6d46a", "#6b4f1d"},
	"4023": {"grapes", "#8e2d5a", "#6b4f1d"},
	"4030": {"kiwi", "#8a6a3a", "#8cc63f"},
	"4051": {"mango", "#f4a340", "#d8442c"},
	"4046": {"avocado", "#3f5a1e", "#c8dc78"},
	"4430": {"pineapple", "#e3a82b", "#3f8a2a"},
	"4664": {"tomato", "#e0352b", "#3f8a2a"},
	"4087": {"plum-tomato", "#d8302a", "#3f8a2a"},
	"4072": {"potato", "#d9b47a", "#a9834a"},
	"4083": {"potato", "#e8cf8a", "#b39a5a"},
	"4816": {"sweet-potato", "#b5533c", "#7c3526"},
	"4562": {"carrot", "#f07c1e", "#3f8a2a"},
	"4093": {"onion", "#d9a45a", "#9a6a2a"},
	"4082": {"onion", "#8e2d5a", "#5a1a3a"},
	"4608": {"garlic", "#f3efe4", "#c9bfa8"},
	"4612": {"ginger", "#d8b27a", "#a9834a"},
	"4688": {"pepper", "#d8302a", "#3f8a2a"},
	"4065": {"pepper", "#3f9a2a", "#2a6a1a"},
	"4067": {"courgette", "#3f7a2a", "#9acb5a"},
	"4081": {"aubergine", "#4a2a5a", "#3f8a2a"},
	"4060": {"broccoli", "#3f8a2a", "#6aa84a"},
	"4079": {"cauliflower", "#f3efdc", "#5a9a3a"},
	"4645": {"mushroom", "#e8e0d0", "#b8a890"},
	"4629": {"leek", "#e8f0d0", "#3f8a2a"},
}

// shapes draw each kind in a 96×96 box; {fill} is the main colour, {alt} the second.
var shapes = map[string]string{
	"banana":       `<path d="M18 30c6 34 34 52 66 40l2-6c-30 8-52-8-58-40z" fill="{fill}" stroke="#8a6d12" stroke-width="3"/><path d="M16 24l6-2 4 10-6 2z" fill="{alt}"/>`,
	"apple":        `<path d="M48 30c-10-8-34-8-34 18 0 22 16 38 26 38 4 0 6-2 8-2s4 2 8 2c10 0 26-16 26-38 0-26-24-26-34-18z" fill="{fill}"/><path d="M48 30c0-8 2-14 6-18" stroke="#6b4f1d" stroke-width="4" fill="none"/><path d="M54 20c6-8 16-8 20-4-6 6-14 8-20 4z" fill="{alt}"/>`,
	"pear":         `<path d="M48 18c-8 0-10 10-12 20-2 8-16 14-16 30 0 14 12 20 28 20s28-6 28-20c0-16-14-22-16-30-2-10-4-20-12-20z" fill="{fill}"/><path d="M48 18c0-6 2-10 4-12" stroke="{alt}" stroke-width="4" fill="none"/>`,
	"citrus":       `<circle cx="48" cy="52" r="32" fill="{fill}"/><circle cx="38" cy="42" r="3" fill="#fff" opacity=".5"/><path d="M48 20c4-6 12-8 18-6-4 6-12 8-18 6z" fill="{alt}"/>`,
	"lemon":        `<ellipse cx="48" cy="50" rx="34" ry="24" fill="{fill}"/><path d="M12 50l-6 0M84 50l6 0" stroke="{alt}" stroke-width="6" stroke-linecap="round"/>`,
	"grapes":       `<g fill="{fill}" stroke="#0003" stroke-width="1.5"><circle cx="36" cy="34" r="10"/><circle cx="58" cy="34" r="10"/><circle cx="47" cy="50" r="10"/><circle cx="30" cy="52" r="10"/><circle cx="64" cy="52" r="10"/><circle cx="40" cy="68" r="10"/><circle cx="56" cy="68" r="10"/><circle cx="48" cy="84" r="9"/></g><path d="M48 24v-14" stroke="{alt}" stroke-width="4"/>`,
	"kiwi":         `<ellipse cx="40" cy="50" rx="26" ry="30" fill="{fill}"/><circle cx="60" cy="54" r="26" fill="{alt}" stroke="{fill}" stroke-width="4"/><circle cx="60" cy="54" r="8" fill="#f3f6d8"/><g fill="#222"><circle cx="60" cy="40" r="2"/><circle cx="72" cy="50" r="2"/><circle cx="70" cy="64" r="2"/><circle cx="50" cy="66" r="2"/><circle cx="48" cy="48" r="2"/></g>`,
	"mango":        `<path d="M30 24c24-8 52 14 50 40-2 22-30 28-46 16C18 68 10 32 30 24z" fill="{fill}"/><path d="M30 24c10 0 20 6 24 18" stroke="{alt}" stroke-width="6" fill="none" opacity=".6"/>`,
	"avocado":      `<path d="M48 12c-10 0-14 16-18 28-6 14-12 22-12 32 0 12 14 18 30 18s30-6 30-18c0-10-6-18-12-32-4-12-8-28-18-28z" fill="{fill}"/><path d="M48 36c-6 0-10 12-14 20-4 8-6 14-6 18 0 8 10 12 20 12s20-4 20-12c0-4-2-10-6-18-4-8-8-20-14-20z" fill="{alt}"/><circle cx="48" cy="68" r="10" fill="#8a5a2a"/>`,
	"pineapple":    `<path d="M48 34l-14-24 10 8 4-14 4 14 10-8z" fill="{alt}"/><ellipse cx="48" cy="62" rx="22" ry="28" fill="{fill}"/><path d="M30 44l36 36M30 64l24 24M36 38l30 30M66 44l-36 36M66 64l-24 24M60 38l-30 30" stroke="#9a6a12" stroke-width="2"/>`,
	"tomato":       `<circle cx="48" cy="54" r="32" fill="{fill}"/><path d="M48 24l6 8 10-4-6 10 10 4-12 2-8 8-8-8-12-2 10-4-6-10 10 4z" fill="{alt}"/>`,
	"plum-tomato":  `<ellipse cx="48" cy="54" rx="24" ry="32" fill="{fill}"/><path d="M48 22l6 8 8-2-4 8 8 4-10 0-8 6-8-6-10 0 8-4-4-8 8 2z" fill="{alt}"/>`,
	"potato":       `<path d="M20 46c0-18 20-26 38-22 18 4 22 18 20 32-2 16-18 26-36 24-16-2-22-18-22-34z" fill="{fill}"/><g fill="{alt}"><circle cx="40" cy="40" r="2.5"/><circle cx="60" cy="50" r="2.5"/><circle cx="44" cy="64" r="2.5"/></g>`,
	"sweet-potato": `<path d="M8 52c10-18 40-26 62-20 12 4 20 10 18 18-2 10-20 18-44 18-20 0-40-4-36-16z" fill="{fill}"/><path d="M30 46c8 2 16 2 24 0M50 60c6 2 14 2 20-2" stroke="{alt}" stroke-width="2" fill="none"/>`,
	"carrot":       `<path d="M36 30l24 0-10 60z" fill="{fill}"/><path d="M40 44h10M44 58h8M46 72h6" stroke="#b8560e" stroke-width="2"/><path d="M48 30c-6-10-14-16-20-16 4 8 10 14 20 16zm0 0c0-12 2-20 6-24 2 10 0 18-6 24zm0 0c6-8 14-12 20-12-4 8-10 12-20 12z" fill="{alt}"/>`,
	"onion":        `<path d="M48 14c2 10 30 22 30 46 0 16-14 26-30 26S18 76 18 60c0-24 28-36 30-46z" fill="{fill}"/><path d="M48 22c-6 14-12 30-10 60M48 22c6 14 12 30 10 60" stroke="{alt}" stroke-width="2" fill="none"/>`,
	"garlic":       `<path d="M48 12c2 12 32 24 32 46 0 16-14 26-32 26S16 74 16 58c0-22 30-34 32-46z" fill="{fill}" stroke="{alt}" stroke-width="2"/><path d="M48 28v54M34 40c-6 12-6 30 0 40M62 40c6 12 6 30 0 40" stroke="{alt}" stroke-width="2" fill="none"/>`,
	"ginger":       `<path d="M10 60c4-10 16-12 24-8 2-12 14-18 22-12 8-8 22-6 24 4 10 2 10 16 0 20-6 8-22 10-30 4-10 6-26 6-34 2-6-2-8-6-6-10z" fill="{fill}" stroke="{alt}" stroke-width="2"/>`,
	"pepper":       `<path d="M28 34c-10 4-14 22-10 36 4 14 14 18 20 14 6 4 14 4 20 0 6 4 16 0 20-14 4-14 0-32-10-36-8-4-14 0-20 0s-12-4-20 0z" fill="{fill}"/><path d="M48 34v-12c0-6 6-10 12-10" stroke="{alt}" stroke-width="6" fill="none" stroke-linecap="round"/>`,
	"courgette":    `<path d="M14 70c-4-8 2-14 12-20 20-12 44-26 54-30 6-2 10 4 6 10-8 12-28 30-48 42-10 6-20 6-24-2z" fill="{fill}"/><path d="M26 62c16-10 34-22 48-34" stroke="{alt}" stroke-width="3" fill="none"/>`,
	"aubergine":    `<path d="M56 26c16 6 22 22 16 40-6 18-26 26-40 20-14-6-16-22-8-34 8-12 16-14 18-22 2-4 8-6 14-4z" fill="{fill}"/><path d="M54 28c4-8 10-12 18-12-2 8-6 12-12 14 6 0 10 4 10 10-8-2-12-6-16-12z" fill="{alt}"/>`,
	"broccoli":     `<path d="M40 90l4-34h8l4 34z" fill="{alt}"/><g fill="{fill}"><circle cx="30" cy="44" r="16"/><circle cx="50" cy="30" r="18"/><circle cx="68" cy="46" r="16"/><circle cx="48" cy="52" r="14"/></g>`,
	"cauliflower":  `<path d="M14 60c4 18 20 28 34 28s30-10 34-28c-10 8-22 10-34 10S24 68 14 60z" fill="{alt}"/><g fill="{fill}" stroke="#d9d2b0" stroke-width="2"><circle cx="32" cy="48" r="15"/><circle cx="50" cy="36" r="16"/><circle cx="66" cy="50" r="15"/><circle cx="48" cy="58" r="14"/></g>`,
	"mushroom":     `<path d="M40 52h16l4 34H36z" fill="{alt}"/><path d="M10 56c0-22 18-38 38-38s38 16 38 38z" fill="{fill}" stroke="{alt}" stroke-width="3"/>`,
	"leek":         `<path d="M40 92V40h16v52z" fill="{fill}" stroke="#c8d4a8" stroke-width="2"/><path d="M40 42L22 6h10l14 30 10-32h10L56 42z" fill="{alt}"/>`,
	"basket":       `<path d="M14 42h68l-8 42H22z" fill="#c98a3a" stroke="#8a5a1a" stroke-width="3"/><path d="M26 42c0-18 10-28 22-28s22 10 22 28" stroke="#8a5a1a" stroke-width="5" fill="none"/><path d="M30 50v28M42 50v28M54 50v28M66 50v28" stroke="#8a5a1a" stroke-width="2"/><circle cx="38" cy="40" r="8" fill="#d8342c"/><circle cx="56" cy="38" r="8" fill="#7cc242"/>`,
}

// artOf is the picture of a PLU: its own, that of its conventional code for
// an organic 9xxxx code, or the generic basket.
func artOf(plu string) art {
	if a, ok := produceArts[plu]; ok {
		return a
	}
	if len(plu) == 5 && plu[0] == '9' {
		if a, ok := produceArts[plu[1:]]; ok {
			return a
		}
	}
	return art{shape: "basket"}
}

// produceSVG draws the picture of a PLU.
func produceSVG(plu string) []byte {
	a := artOf(plu)
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96">`)
	b.WriteString(strings.NewReplacer("{fill}", a.fill, "{alt}", a.alt).Replace(shapes[a.shape]))
	if len(plu) == 5 && plu[0] == '9' {
		// Organic: a small green leaf badge.
		b.WriteString(`<circle cx="80" cy="16" r="12" fill="#2f7a2a"/><path d="M74 20c0-8 6-12 12-12 0 8-4 12-12 12z" fill="#fff"/>`)
	}
	b.WriteString(`</svg>`)
	return []byte(b.String())
}

// produceArt serves /produce/{plu}.svg: any PLU of digits gets a picture (the
// generic one when there is no drawing for it).
func (s *Server) produceArt(c *fiber.Ctx) error {
	plu := c.Params("plu")
	if len(plu) > 5 || !isDigits(plu) {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.plu", "a PLU is up to 5 digits"))
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(produceSVG(plu))
}
