package ui

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kiosk-sco/kiosk/kiosk/receipt"
)

// receiptPNG shows a transaction's receipt as the printer prints it: the
// receipt's layout for the lane's paper, rendered from the very ESC/POS bytes
// that print (package receipt). "last" is the open or most recent basket.
func (s *Server) receiptPNG(c *fiber.Ctx) error {
	ctx, cancel := s.handlerContext(10 * time.Second)
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
	png, err := receipt.Lay(r, s.lane.Config().Receipt.Paper()).PNG()
	if err != nil {
		return c.Status(fiber.StatusInternalServerError).JSON(errorBody("internal", "receipt.render", err.Error()))
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(png)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
