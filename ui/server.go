package ui

import (
	"bufio"
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
	"strconv"
	"sync"
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
	Log  *slog.Logger
}

// Server serves one lane.
type Server struct {
	lane *kiosk.Lane
	cat  *catalog.DB
	opt  Options
	stop chan struct{}
	once sync.Once
}

// New returns a server for lane.
func New(lane *kiosk.Lane, cat *catalog.DB, opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Server{lane: lane, cat: cat, opt: opt, stop: make(chan struct{})}
}

// MaxBody bounds a request body.
const MaxBody = 16 << 10

// CloseStreams ends every open SSE stream; call it before shutting the app down.
func (s *Server) CloseStreams() { s.once.Do(func() { close(s.stop) }) }

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
			return c.Status(code).JSON(errorBody("internal", "http."+strconv.Itoa(code), err.Error()))
		},
	})
}

// App returns the shopper app. It must listen on loopback only: it refuses any
// request whose peer is not a loopback address.
func (s *Server) App() *fiber.App {
	app := newApp("kiosk shopper")
	app.Use(loopbackOnly, securityHeaders)
	static, _ := fs.Sub(staticFS, "static")
	app.Get("/", s.page(static, "index.html"))
	if s.opt.Demo {
		app.Get("/sim", s.page(static, "sim.html"))
		app.Get("/api/sim/items", s.simItems)
		app.Post("/api/sim/device", s.simDevice)
		app.Get("/api/sim/receipt.png", s.simReceipt)
		app.Post("/api/sim/print", s.simPrint)
	}
	app.Get("/i18n/strings.js", s.stringsJS)
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static), MaxAge: 300}))
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"ok": true, "seq": s.lane.View().Seq}) })
	app.Get("/api/config", s.config)
	app.Get("/api/lane", func(c *fiber.Ctx) error { return c.JSON(s.lane.View()) })
	app.Get("/api/devices", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"devices": s.lane.Devices()}) })
	app.Post("/api/commands", s.command)
	app.Get("/api/events", s.events)
	app.Get("/api/catalog/produce", s.produce)
	app.Get("/receipts/:txn.png", s.receiptPNG)
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
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cmd); err != nil {
		return cmd, fmt.Errorf("bad JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return cmd, errors.New("bad JSON: data after the command object")
	}
	if cmd.Op == kiosk.OpResolve {
		return cmd, errors.New("alerts are resolved by staff, not from the shopper screen")
	}
	return cmd, nil
}

var statusOf = map[kiosk.Kind]int{
	kiosk.KindInvalid:  fiber.StatusBadRequest,
	kiosk.KindNotFound: fiber.StatusNotFound,
	kiosk.KindState:    fiber.StatusConflict,
	kiosk.KindBusy:     fiber.StatusLocked,
	kiosk.KindInternal: fiber.StatusInternalServerError,
}

func (s *Server) command(c *fiber.Ctx) error {
	if !bytes.HasPrefix(bytes.ToLower([]byte(c.Get(fiber.HeaderContentType))), []byte(fiber.MIMEApplicationJSON)) {
		return c.Status(fiber.StatusUnsupportedMediaType).JSON(errorBody("invalid", "request.content_type", "send the command as application/json"))
	}
	cmd, err := DecodeCommand(c.Body())
	if err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.body", err.Error()))
	}
	cmd.IdemKey = c.Get("Idempotency-Key")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.lane.Do(ctx, cmd)
	if err != nil {
		return replyError(c, err)
	}
	return c.JSON(res)
}

func replyError(c *fiber.Ctx, err error) error {
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

// events streams the lane as Server-Sent Events: journal events (event: journal)
// and the view after them (event: state), each with the lane sequence number as id.
// A client that reconnects with Last-Event-ID first gets the journal events it
// missed, then the current state.
func (s *Server) events(c *fiber.Ctx) error {
	var after int64 = -1
	if h := c.Get("Last-Event-ID", c.Query("lastEventId")); h != "" {
		n, err := strconv.ParseInt(h, 10, 64)
		if err != nil || n < 0 {
			return c.Status(fiber.StatusBadRequest).JSON(errorBody("invalid", "request.last_event_id", "Last-Event-ID must be a sequence number"))
		}
		after = n
	}
	updates, cancel := s.lane.Subscribe(64)
	view := s.lane.View()
	var missed []kiosk.Event
	if after >= 0 && after < view.Seq {
		// Not c.Context(): fasthttp recycles it, and database/sql watches a
		// context from its own goroutine.
		ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		var err error
		missed, err = s.lane.EventsAfter(ctx, after, 10000)
		stop()
		if err != nil {
			cancel()
			return err
		}
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderConnection, "keep-alive")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer cancel()
		fmt.Fprintf(w, "retry: 1000\n\n")
		last := after
		for _, ev := range missed {
			if ev.Seq > view.Seq {
				break
			}
			writeSSE(w, ev.Seq, "journal", ev)
			last = ev.Seq
		}
		writeSSE(w, view.Seq, "state", view)
		last = max(last, view.Seq)
		if w.Flush() != nil {
			return
		}
		ping := time.NewTicker(15 * time.Second)
		defer ping.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-ping.C:
				fmt.Fprintf(w, ": ping\n\n")
			case u, ok := <-updates:
				if !ok {
					return // dropped as too slow, or the lane stopped: the client resumes
				}
				if u.View == nil {
					if u.Notice != nil {
						writeSSE(w, -1, "notice", u.Notice) // no id: a notice is not a journal position
					}
					break
				}
				if u.View.Seq <= last {
					continue
				}
				for _, ev := range u.Events {
					writeSSE(w, ev.Seq, "journal", ev)
				}
				writeSSE(w, u.View.Seq, "state", u.View)
				last = u.View.Seq
			}
			if w.Flush() != nil {
				return
			}
		}
	})
	return nil
}

func writeSSE(w *bufio.Writer, id int64, event string, v any) {
	b, _ := json.Marshal(v)
	if id >= 0 {
		fmt.Fprintf(w, "id: %d\n", id)
	}
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
}

func (s *Server) produce(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	items, err := s.listProducts(ctx, func(p catalog.Product) bool { return p.SoldBy == catalog.ByWeight && p.PLU != "" }, 500)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
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

// listProducts walks the catalog in pages and keeps up to limit products that match.
func (s *Server) listProducts(ctx context.Context, keep func(catalog.Product) bool, limit int) ([]itemJSON, error) {
	out := []itemJSON{}
	after := ""
	for scanned := 0; len(out) < limit && scanned < 20000; {
		page, err := s.cat.List(ctx, after, "", 500)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		scanned += len(page)
		for _, p := range page {
			if keep(p) && len(out) < limit {
				out = append(out, itemJSON{GTIN: p.GTIN, Code: catalog.ShortGTIN(p.GTIN), PLU: p.PLU, Names: p.Names,
					Price: p.Price.StringFixed(2), SoldBy: p.SoldBy, MinAge: p.MinAge, Category: p.Category})
			}
		}
		after = page[len(page)-1].GTIN
	}
	return out, nil
}
