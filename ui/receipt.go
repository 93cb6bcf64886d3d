package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"time"

	"github.com/boombuler/barcode/qr"

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

// receiptQR serves the e-receipt's address of a transaction as a QR code
// (PNG), for the shopper to scan from the screen: the same address the
// printed receipt's QR code holds (the store's receipt.url with the
// transaction id). 404 receipt.no_url when the lane has no e-receipt address.
func (s *Server) receiptQR(c *fiber.Ctx) error {
	ctx, cancel := s.handlerContext(10 * time.Second)
	defer cancel()
	txn := c.Params("txn")
	if len(txn) > 32 || !isDigits(txn) {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.txn", "a transaction id is digits"))
	}
	r, err := s.lane.Receipt(ctx, txn)
	if err != nil {
		return replyError(c, err)
	}
	if r.URL == "" {
		return c.Status(fiber.StatusNotFound).JSON(errorBody("not_found", "receipt.no_url", "this lane has no e-receipt address"))
	}
	code, err := qr.Encode(r.URL, qr.M, qr.Auto)
	if err != nil {
		return c.Status(fiber.StatusInternalServerError).JSON(errorBody("internal", "receipt.qr", err.Error()))
	}
	// Whole modules of 8 px, with the quiet zone of four modules a phone needs.
	side := code.Bounds().Dx()
	img := image.NewGray(image.Rect(0, 0, (side+8)*8, (side+8)*8))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for y := range side {
		for x := range side {
			if code.At(x, y) == color.Black {
				draw.Draw(img, image.Rect((x+4)*8, (y+4)*8, (x+5)*8, (y+5)*8), image.Black, image.Point{}, draw.Src)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b.Bytes())
}
