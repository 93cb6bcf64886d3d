package ui

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// AdminApp is the staff control API for the kiosk's own command line. Serve it on
// a Unix socket that only the kiosk's user can open: it has no login of its own.
func (s *Server) AdminApp() *fiber.App {
	app := newApp("kiosk admin")
	app.Get("/lane", func(c *fiber.Ctx) error { return c.JSON(s.lane.View()) })
	app.Post("/alerts/:id/resolve", func(c *fiber.Ctx) error {
		id, err := strconv.ParseInt(c.Params("id"), 10, 64)
		if err != nil || id < 1 {
			return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.alert", "alert id must be a positive number"))
		}
		var body struct {
			Outcome string `json:"outcome"`
			By      string `json:"by"`
		}
		if err := c.BodyParser(&body); err != nil {
			return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.body", err.Error()))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := s.lane.Resolve(ctx, id, body.Outcome, body.By, c.Get("Idempotency-Key"))
		if err != nil {
			return replyError(c, err)
		}
		return c.JSON(res)
	})
	app.Get("/devices", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"devices": s.lane.Devices()}) })
	app.Post("/printer/:job", func(c *fiber.Ctx) error {
		var body struct {
			Txn string `json:"txn"`
			By  string `json:"by"`
		}
		if len(c.Body()) > 0 {
			if err := c.BodyParser(&body); err != nil {
				return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.body", err.Error()))
			}
		}
		printer := s.opt.Printer
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var err error
		switch c.Params("job") {
		case "test":
			err = s.lane.PrintTestPage(ctx, printer, body.By)
		case "reprint":
			err = s.lane.PrintReceipt(ctx, printer, body.Txn, body.By)
		default:
			return c.Status(fiber.StatusNotFound).JSON(errorBody("not_found", "http.404", "print test or reprint"))
		}
		if err != nil {
			return replyError(c, err)
		}
		return c.JSON(fiber.Map{"ok": true, "view": s.lane.View()})
	})
	return app
}
