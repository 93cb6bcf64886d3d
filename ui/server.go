package ui

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/kiosk"
)

//go:embed static
var staticFS embed.FS

// Options configure the shopper server.
type Options struct {
	Demo          bool // serve /sim and its API
	KeyboardWedge bool // let the page read a keyboard-mode scanner
	// Printer is the lane's receipt printer (nil: none): staff print on it.
	Printer kiosk.Printer
	// Sims are the simulated devices /sim drives (nil: none; demo builds only).
	Sims Sims
	// Staff, when set, is mounted under /staff: attendant mode on the kiosk's
	// own screen (/staff/?lane=ID&kiosk=1), behind the same staff login.
	Staff *Staff
	Log   *slog.Logger
}

// Server serves one lane.
type Server struct {
	lane *kiosk.Lane
	cat  *catalog.DB
	opt  Options
	stop chan struct{}
	once sync.Once
	// ctx is the parent of every handler's context; CloseStreams cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	// replays holds a token while a stream reads a page of the journal for a
	// client that resumes; streams counts the open event streams.
	replays chan struct{}
	streams atomic.Int64
}

// New returns a server for lane.
func New(lane *kiosk.Lane, cat *catalog.DB, opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{lane: lane, cat: cat, opt: opt, stop: make(chan struct{}), ctx: ctx, cancel: cancel,
		replays: make(chan struct{}, maxReplays)}
}

// MaxBody bounds a request body.
const MaxBody = 16 << 10

// CloseStreams ends every open SSE stream and cancels the context of every
// request in flight (a command waiting for the lane, a print job), which then
// answers 503 server.shutdown; call it before shutting the apps down.
func (s *Server) CloseStreams() {
	s.once.Do(func() {
		close(s.stop)
		s.cancel()
	})
}

// handlerContext is the context of one request's work: it ends after timeout or
// when the server shuts down. Handlers use it, not the Fiber context, which
// fasthttp recycles when the handler returns while database/sql may still
// watch it from its own goroutine.
func (s *Server) handlerContext(timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx, timeout)
}

func newApp(name string) *fiber.App {
	return fiber.New(fiber.Config{
		AppName:               name,
		Immutable:             true,
		BodyLimit:             MaxBody,
		DisableStartupMessage: true,
		ReadTimeout:           10 * time.Second,
		IdleTimeout:           60 * time.Second,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			code := fiber.StatusInternalServerError
			var fe *fiber.Error
			if errors.As(err, &fe) {
				code = fe.Code
			}
			kind := "internal"
			if code >= 400 && code < 500 {
				kind = "invalid" // a body too large, headers too long: the request's fault
			}
			return c.Status(code).JSON(errorBody(kind, "http."+strconv.Itoa(code), err.Error()))
		},
	})
}

// App returns the shopper app. It must listen on loopback only: it refuses any
// request whose peer is not a loopback address, and any that another page or
// site sends (see guard).
func (s *Server) App() *fiber.App {
	app := newApp("kiosk shopper")
	app.Use(loopbackOnly, securityHeaders, guard)
	static, _ := fs.Sub(staticFS, "static")
	app.Get("/", s.page(static, "index.html"))
	if s.opt.Demo {
		app.Get("/sim", s.page(static, "sim.html"))
		app.Get("/api/sim/items", s.simItems)
		app.Post("/api/sim/device", s.simDevice)
		app.Get("/api/sim/receipt.png", s.simReceipt)
		app.Post("/api/sim/print", s.simPrint)
	}
	app.Get("/i18n/strings.js", stringsJS)
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static), MaxAge: 300}))
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"ok": true, "seq": s.lane.View().Seq}) })
	app.Get("/api/config", s.config)
	app.Get("/api/lane", func(c *fiber.Ctx) error { return c.JSON(s.lane.View()) })
	app.Get("/api/devices", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"devices": s.lane.Devices()}) })
	app.Post("/api/commands", s.command)
	app.Get("/api/events", s.events)
	app.Get("/api/catalog/produce", s.produce)
	app.Get("/produce/:plu.svg", s.produceArt)
	app.Get("/receipts/:txn/qr.png", s.receiptQR)
	app.Get("/receipts/:txn.png", s.receiptPNG)
	if s.opt.Staff != nil {
		app.Mount("/staff", s.opt.Staff.screenApp())
	}
	app.Use(func(c *fiber.Ctx) error {
		return c.Status(fiber.StatusNotFound).JSON(errorBody("not_found", "http.404", "no such page: "+c.Path()))
	})
	return app
}

func (s *Server) page(static fs.FS, name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		b, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.Send(b)
	}
}

func loopbackOnly(c *fiber.Ctx) error {
	ip := net.ParseIP(c.Context().RemoteIP().String())
	if ip == nil || !ip.IsLoopback() {
		return c.Status(fiber.StatusForbidden).JSON(errorBody("permission", "http.403", "the shopper API answers on loopback only"))
	}
	return c.Next()
}

func securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'")
	return c.Next()
}

func errorBody(kind, code, msg string) fiber.Map {
	return fiber.Map{"error": fiber.Map{"kind": kind, "code": code, "message": msg}}
}

func (s *Server) config(c *fiber.Ctx) error {
	cfg := s.lane.Config()
	langs := make([]string, len(catalog.Langs))
	for i, l := range catalog.Langs {
		langs[i] = string(l)
	}
	tz := cfg.Location.String()
	if tz == "Local" {
		tz = "" // the machine's zone: the kiosk's own browser already uses it
	}
	return c.JSON(fiber.Map{"lane": s.lane.ID(), "currency": cfg.Currency, "lang": cfg.Lang, "langs": langs,
		"demo": s.opt.Demo, "keyboardWedge": s.opt.KeyboardWedge, "timeZone": tz})
}

// DecodeCommand parses a shopper command body strictly: one JSON object, known
// fields only, nothing after it.
func DecodeCommand(body []byte) (kiosk.Command, error) {
	var cmd kiosk.Command
	if err := strictDecode(body, &cmd); err != nil {
		return cmd, err
	}
	if staffOps[cmd.Op] {
		return cmd, fmt.Errorf("%q is a staff action, not a shopper command", cmd.Op)
	}
	return cmd, nil
}

// staffOps are the lane's staff commands: the shopper API refuses them
// whatever the lane would say.
var staffOps = map[kiosk.Op]bool{
	kiosk.OpResolve: true, kiosk.OpCashTaken: true, kiosk.OpAck: true, kiosk.OpStaffVoid: true,
	kiosk.OpPriceOverride: true, kiosk.OpSellUnknown: true, kiosk.OpStaffCancel: true,
	kiosk.OpLaneClose: true, kiosk.OpLaneOpen: true,
}

// resultJSON is res as JSON, from the view and events the lane encoded once
// for this answer and every event stream alike.
func resultJSON(res kiosk.Result) []byte {
	var b bytes.Buffer
	b.WriteString(`{"view":`)
	b.Write(res.View.JSON())
	b.WriteString(`,"events":[`)
	for i, ev := range res.Events {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(ev.JSON())
	}
	b.WriteByte(']')
	if res.Replayed {
		b.WriteString(`,"replayed":true`)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// strictDecode decodes body, one JSON object, into the struct v: known
// fields only, each spelled exactly and given once, nothing after it.
func strictDecode(body []byte, v any) error {
	if err := exactKeys(body, jsonKeys(reflect.TypeOf(v).Elem())); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("bad JSON: data after the object")
	}
	return nil
}

// jsonKeys are the JSON names of a struct type's fields.
func jsonKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
		case "":
			keys[f.Name] = true
		default:
			keys[name] = true
		}
	}
	return keys
}

// exactKeys refuses an object whose keys are not spelled as known, or appear
// twice. encoding/json matches keys without regard to case and lets the last
// of two win, so {"op":"help","op":"cancel"} or {"OP":...} would mean what a
// reader of the body does not see.
func exactKeys(body []byte, known map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("bad JSON: want one object")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("bad JSON: %w", err)
		}
		key, _ := t.(string)
		switch {
		case !known[key]:
			return fmt.Errorf("bad JSON: unknown field %q", key)
		case seen[key]:
			return fmt.Errorf("bad JSON: field %q twice", key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("bad JSON: %w", err)
		}
	}
	return nil
}

var statusOf = map[kiosk.Kind]int{
	kiosk.KindInvalid:  fiber.StatusBadRequest,
	kiosk.KindNotFound: fiber.StatusNotFound,
	kiosk.KindState:    fiber.StatusConflict,
	kiosk.KindBusy:     fiber.StatusLocked,
	kiosk.KindInternal: fiber.StatusInternalServerError,
}

func (s *Server) command(c *fiber.Ctx) error {
	cmd, err := DecodeCommand(c.Body())
	if err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.body", err.Error()))
	}
	switch {
	case cmd.Op == kiosk.OpScan && cmd.Source == "":
		cmd.Source = "typed" // what a shopper sends is typed unless it says it came from a wedge scanner
	case cmd.Source == "scanner":
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.source", "scanner reads come from the lane's scanner, not from the page"))
	case cmd.Source == "keyboard" && !s.opt.KeyboardWedge:
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.source", "this lane reads no keyboard-wedge scanner"))
	case cmd.Source == "sim" && !s.opt.Demo:
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.source", "simulated scans are for the demo only"))
	}
	cmd.IdemKey = c.Get("Idempotency-Key")
	ctx, cancel := s.handlerContext(10 * time.Second)
	defer cancel()
	res, err := s.lane.Do(ctx, cmd)
	if err != nil {
		return replyError(c, err)
	}
	if res.Patch != nil {
		res.View = res.Patch // what the page lacks; it re-reads the lane after a gap
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(resultJSON(res))
}

func replyError(c *fiber.Ctx, err error) error {
	if errors.Is(err, context.Canceled) {
		// Only the server's shutdown cancels a handler's context (handlerContext).
		return c.Status(fiber.StatusServiceUnavailable).JSON(errorBody("busy", "server.shutdown", "the kiosk is shutting down: try again when it is back"))
	}
	var ke *kiosk.Error
	if errors.As(err, &ke) {
		msg := ke.Detail
		if msg == "" {
			msg = ke.Error()
		}
		if ke.Kind == kiosk.KindInternal {
			msg = "the lane could not save this: nothing changed, please try again"
		}
		return c.Status(statusOf[ke.Kind]).JSON(errorBody(string(ke.Kind), ke.Code, msg))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return c.Status(fiber.StatusServiceUnavailable).JSON(errorBody("busy", "lane.timeout", "the lane did not answer in time"))
	}
	return c.Status(fiber.StatusInternalServerError).JSON(errorBody("internal", "lane.storage", "internal error"))
}

type itemJSON struct {
	GTIN     string         `json:"gtin"`
	Code     string         `json:"code,omitempty"`
	PLU      string         `json:"plu,omitempty"`
	Names    catalog.Names  `json:"names"`
	Price    string         `json:"price"`
	SoldBy   catalog.SoldBy `json:"soldBy"`
	MinAge   int            `json:"minAge,omitempty"`
	Category string         `json:"category"`
}

// itemsOf lists products as the pages read them.
func itemsOf(ps []catalog.Product) []itemJSON {
	out := make([]itemJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, itemJSON{GTIN: p.GTIN, Code: catalog.ShortGTIN(p.GTIN), PLU: p.PLU, Names: p.Names,
			Price: p.Price.StringFixed(2), SoldBy: p.SoldBy, MinAge: p.MinAge, Category: p.Category})
	}
	return out
}
