// Package hqweb is the HQ service's HTTP side (Fiber): the ingest lanes
// push to, catalog pushes, the pull API in JSON and CSV with its OpenAPI
// document, the analysts' dashboard and the Prometheus metrics.
package hqweb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/kiosk-sco/kiosk/hq"
	"github.com/kiosk-sco/kiosk/internal/httpmetrics"
)

// Options configure a Server.
type Options struct {
	Service *hq.Service
	Log     *slog.Logger
	// Loc is the time zone of the dashboard and of sales by hour (default UTC).
	Loc *time.Location
	// SecureCookies marks the dashboard's cookie Secure (HQ behind TLS).
	SecureCookies bool
	// MetricsToken, when set, is the bearer token /metrics asks for.
	MetricsToken string
}

// MaxIngestBytes bounds a batch's body (5000 events of up to 64 KiB would
// be more; a lane sends 500 of about 1 KiB).
const MaxIngestBytes = 16 << 20

// Server is the HQ web app.
type Server struct {
	opt      Options
	svc      *hq.Service
	log      *slog.Logger
	metrics  *httpmetrics.Metrics
	sessions *sessions
	app      *fiber.App
}

// New builds the app.
func New(opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Loc == nil {
		opt.Loc = time.UTC
	}
	s := &Server{opt: opt, svc: opt.Service, log: opt.Log, metrics: httpmetrics.New("kiosk_hq"), sessions: newSessions()}
	s.registerGauges()
	app := fiber.New(fiber.Config{
		BodyLimit:             MaxCatalogUpload,
		DisableStartupMessage: true,
		Immutable:             true, // handlers keep strings past the request (logs, sessions)
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          120 * time.Second,
		ErrorHandler:          s.errorHandler,
	})
	app.Use(s.metrics.Middleware())
	app.Use(recover.New()) // a bug in one request answers 500; HQ keeps running
	app.Use(func(c *fiber.Ctx) error {
		c.Set("X-Content-Type-Options", "nosniff")
		c.Set("Referrer-Policy", "no-referrer")
		return c.Next()
	})
	app.Get("/metrics", s.metricsAuth, s.metrics.Handler())
	app.Get("/openapi.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(openapiJSON)
	})
	api := app.Group("/api/v1")
	api.Post("/ingest", s.auth(hq.RoleLane), s.ingest)
	api.Get("/lanes/:lane/catalog", s.auth(hq.RoleLane), s.catalogNext)
	api.Post("/catalogs", s.auth(hq.RoleAnalyst), s.catalogPublish)
	api.Get("/catalogs", s.auth(hq.RoleAnalyst, hq.RoleStore), s.catalogList)
	api.Get("/sales", s.auth(hq.RoleAnalyst, hq.RoleStore), s.sales)
	api.Get("/interventions", s.auth(hq.RoleAnalyst, hq.RoleStore), s.interventions)
	api.Get("/audit", s.auth(hq.RoleAnalyst, hq.RoleStore), s.audit)
	api.Get("/events", s.auth(hq.RoleAnalyst, hq.RoleStore), s.events)
	api.Get("/kpis", s.auth(hq.RoleAnalyst, hq.RoleStore), s.kpis)
	api.Get("/lanes", s.auth(hq.RoleAnalyst, hq.RoleStore), s.lanes)
	s.dashboardRoutes(app)
	s.app = app
	return s
}

// App is the Fiber app to listen with.
func (s *Server) App() *fiber.App { return s.app }

// apiError is the JSON of every error: {"error": {"code", "message"}}.
type apiError struct {
	Error struct {
		Code     string   `json:"code"`
		Message  string   `json:"message"`
		Problems []string `json:"problems,omitempty"`
	} `json:"error"`
}

func fail(c *fiber.Ctx, status int, code, msg string) error {
	var e apiError
	e.Error.Code, e.Error.Message = code, msg
	return c.Status(status).JSON(e)
}

// errorHandler maps the hq package's errors to status codes.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	var ce *hq.CatalogError
	switch {
	case errors.As(err, &fe):
		code := "http"
		switch fe.Code {
		case fiber.StatusNotFound:
			code = "not_found"
		case fiber.StatusRequestEntityTooLarge:
			code = "too_large"
		case fiber.StatusMethodNotAllowed:
			code = "method"
		}
		return fail(c, fe.Code, code, fe.Message)
	case errors.As(err, &ce):
		var e apiError
		e.Error.Code, e.Error.Message, e.Error.Problems = "catalog_invalid", "the catalog was refused whole: nothing was published", ce.Problems
		return c.Status(fiber.StatusUnprocessableEntity).JSON(e)
	case errors.Is(err, hq.ErrInvalid):
		return fail(c, fiber.StatusBadRequest, "invalid", err.Error())
	case errors.Is(err, hq.ErrAuth):
		return fail(c, fiber.StatusUnauthorized, "unauthorized", "a valid bearer token is needed")
	case errors.Is(err, hq.ErrForbidden):
		return fail(c, fiber.StatusForbidden, "forbidden", err.Error())
	case errors.Is(err, hq.ErrConflict):
		return fail(c, fiber.StatusConflict, "conflict", err.Error())
	case errors.Is(err, hq.ErrNotFound):
		return fail(c, fiber.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fail(c, fiber.StatusServiceUnavailable, "timeout", "the request took too long")
	}
	s.log.Error("hq: request failed", "method", c.Method(), "route", c.Route().Path, "err", err)
	return fail(c, fiber.StatusInternalServerError, "internal", "HQ could not do that; it is logged")
}

// auth admits a bearer token of one of roles and keeps its principal.
func (s *Server) auth(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		h := c.Get(fiber.HeaderAuthorization)
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return hq.ErrAuth
		}
		p, err := s.svc.Authenticate(c.UserContext(), strings.TrimSpace(tok))
		if err != nil {
			return err
		}
		for _, r := range roles {
			if p.Role == r {
				c.Locals("principal", p)
				return c.Next()
			}
		}
		return fmt.Errorf("%w: a %s token cannot do this", hq.ErrForbidden, p.Role)
	}
}

func principal(c *fiber.Ctx) hq.Principal {
	p, _ := c.Locals("principal").(hq.Principal)
	return p
}

func (s *Server) metricsAuth(c *fiber.Ctx) error {
	if s.opt.MetricsToken == "" {
		return c.Next()
	}
	if tok, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer "); ok && constantEq(tok, s.opt.MetricsToken) {
		return c.Next()
	}
	return hq.ErrAuth
}

// decodeJSON decodes one JSON object into v, known fields only.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: the body is not the JSON expected: %v", hq.ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: something follows the JSON object", hq.ErrInvalid)
	}
	return nil
}
