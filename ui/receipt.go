package ui

import (
	"bytes"
	"context"
	"image/png"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/devices/escpos/paper"
)

// receiptPNG shows a transaction's receipt as the printer would print it: the
// same ESC/POS bytes, interpreted by the printer simulator's renderer.
// "last" is the open or most recent basket.
func (s *Server) receiptPNG(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	txn := c.Params("txn")
	if txn == "last" {
		var err error
		if txn, err = s.lane.LastTxnID(ctx); err != nil {
			return replyError(c, err)
		}
	}
	if len(txn) > 32 || !isDigits(txn) {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.txn", "a transaction id is digits"))
	}
	r, err := s.lane.Receipt(ctx, txn)
	if err != nil {
		return replyError(c, err)
	}
	width := s.lane.Config().Receipt.WidthMM
	pages := paper.Render(escpos.DotsFor(width), r.Render(width, false))
	if len(pages) == 0 {
		return c.Status(fiber.StatusInternalServerError).JSON(errorBody("internal", "receipt.render", "nothing rendered"))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, pages[0].Image); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
