package ui

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/kiosk/staff"
)

// AdminApp is the staff control API for the kiosk's own command line. Serve it on
// a Unix socket that only the kiosk's user can open: it has no login of its own.
//
//	GET  /lane                the lane view (open alerts included)
//	POST /alerts/{id}/resolve {"outcome": "approved|rejected|done", "by": "anna"}; header Idempotency-Key makes a retry safe
//	GET  /devices             the devices' status
//	POST /printer/test        {"by": "anna"}: print a test page
//	POST /printer/reprint     {"txn": "…", "by": "anna"}: reprint a receipt (txn empty: the last basket)
//
// Bodies are JSON objects (Content-Type application/json) with only these
// fields; errors answer {"error": {"kind", "code", "message"}} as on the
// shopper API.
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
		if bad := decodeStaffBody(c, &body); bad != nil {
			return bad.reply(c)
		}
		ctx, cancel := s.handlerContext(10 * time.Second)
		defer cancel()
		res, err := s.lane.Resolve(ctx, id, body.Outcome, body.By, c.Get("Idempotency-Key"))
		s.auditCLI(ctx, "resolve", body.By, strconv.FormatInt(id, 10), map[string]any{"outcome": body.Outcome}, res, err)
		if err != nil {
			return replyError(c, err)
		}
		return c.JSON(res)
	})
	app.Post("/payments/cash", func(c *fiber.Ctx) error {
		var body struct {
			By string `json:"by"`
		}
		if bad := decodeStaffBody(c, &body); bad != nil {
			return bad.reply(c)
		}
		ctx, cancel := s.handlerContext(10 * time.Second)
		defer cancel()
		res, err := s.lane.CashTaken(ctx, body.By, c.Get("Idempotency-Key"))
		s.auditCLI(ctx, "cash_taken", body.By, "", nil, res, err)
		if err != nil {
			return replyError(c, err)
		}
		return c.JSON(res)
	})
	app.Post("/payments/end-of-day", func(c *fiber.Ctx) error {
		var body struct {
			By string `json:"by"`
		}
		if bad := decodeStaffBody(c, &body); bad != nil {
			return bad.reply(c)
		}
		ctx, cancel := s.handlerContext(5 * time.Minute) // a terminal settles with the networks
		defer cancel()
		res, err := s.lane.EndOfDay(ctx, body.By)
		s.auditCLI(ctx, "end_of_day", body.By, "", nil, kiosk.Result{}, err)
		if err != nil {
			return replyError(c, err)
		}
		return c.JSON(fiber.Map{"approved": res.Approved, "result": res.Result, "total": res.Amount, "receipt": res.Receipt})
	})
	app.Get("/devices", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"devices": s.lane.Devices()}) })
	app.Post("/printer/:job", func(c *fiber.Ctx) error {
		var body struct {
			Txn string `json:"txn"`
			By  string `json:"by"`
		}
		if len(c.Body()) > 0 {
			if bad := decodeStaffBody(c, &body); bad != nil {
				return bad.reply(c)
			}
		}
		printer := s.opt.Printer
		ctx, cancel := s.handlerContext(60 * time.Second)
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
		s.auditCLI(ctx, "printer_"+c.Params("job"), body.By, body.Txn, nil, kiosk.Result{}, err)
		if err != nil {
			return replyError(c, err)
		}
		return c.JSON(fiber.Map{"ok": true, "view": s.lane.View()})
	})
	app.Use(func(c *fiber.Ctx) error {
		return c.Status(fiber.StatusNotFound).JSON(errorBody("not_found", "http.404", "no such staff call: "+c.Method()+" "+c.Path()))
	})
	return app
}

// auditCLI appends a staff action taken through the staff socket to the
// audit log (where "cli"): the socket has no login, so the actor is the name
// the command line gave, and no role. Without a staff service (tests of the
// socket alone) nothing is written; a failed write is logged, since the
// action itself is done.
func (s *Server) auditCLI(ctx context.Context, action, by, target string, detail map[string]any, res kiosk.Result, err error) {
	if s.opt.Staff == nil || s.opt.Staff.svc == nil {
		return
	}
	e := staff.AuditEntry{Actor: by, Action: action, Lane: s.lane.ID(), Target: target, Where: "cli", Outcome: staff.OutcomeOK, Detail: detail}
	if err != nil {
		e.Outcome = staff.OutcomeError
		var ke *kiosk.Error
		if errors.As(err, &ke) {
			e.Outcome = ke.Code
		}
	}
	if res.Replayed {
		if e.Detail == nil {
			e.Detail = map[string]any{}
		}
		e.Detail["replayed"] = true
	}
	if aerr := s.opt.Staff.svc.Audit(ctx, e); aerr != nil {
		s.opt.Log.Error("ui: audit of a staff socket action failed", "action", action, "err", aerr)
	}
}

// refusal is a request refused before it reached the lane.
type refusal struct {
	status     int
	code, text string
}

func (r *refusal) reply(c *fiber.Ctx) error {
	return c.Status(r.status).JSON(errorBody("invalid", r.code, r.text))
}

// decodeStaffBody reads a staff request body strictly: application/json, one
// object, known fields only.
func decodeStaffBody(c *fiber.Ctx, v any) *refusal {
	if !JSONContentType(c.Get(fiber.HeaderContentType)) {
		return &refusal{fiber.StatusUnsupportedMediaType, "request.content_type", "send the request as application/json"}
	}
	if err := strictDecode(c.Body(), v); err != nil {
		return &refusal{fiber.StatusBadRequest, "request.body", err.Error()}
	}
	return nil
}
