package ui

import (
	"github.com/gofiber/fiber/v2"

	"github.com/kiosk-sco/kiosk/i18n"
)

// stringsJS serves the translation file the receipt is printed from as a
// script that sets window.KIOSK_STRINGS for i18n.js: the page's words and the
// receipt's are the same entries.
func stringsJS(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	b := append([]byte("window.KIOSK_STRINGS = "), i18n.JSON()...)
	return c.Send(append(b, ";\n"...))
}
