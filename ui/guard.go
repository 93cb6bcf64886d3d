package ui

import (
	"net"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The shopper app trusts no browser page but its own. Its rules, in the order
// they are checked (guard):
//
//  1. The peer is a loopback address (loopbackOnly).
//  2. Host names us: exactly 127.0.0.1:PORT, [::1]:PORT or localhost:PORT, PORT
//     being the port the connection arrived on (on port 80 browsers leave it
//     out, so there the bare names count too). Anything else — evil.example,
//     127.0.0.1 without a port, another port, 127.1, localhost. — is refused:
//     a DNS-rebinding page reaches 127.0.0.1 under its own name, and that name
//     is what its Host says.
//  3. A request that carries Origin comes from one of those origins
//     (http://HOST). Browsers send Origin with every POST and with every
//     cross-origin read (fetch, EventSource), so a page of another site — or
//     of another port on this machine — neither changes the lane nor reads it.
//  4. A request that carries Sec-Fetch-Site says same-origin; a GET or HEAD
//     may also say none (the kiosk browser opening the page itself).
//  5. A state-changing request (any method but GET, HEAD and OPTIONS) is
//     Content-Type application/json, optionally with charset=utf-8: the types
//     a cross-site form or no-cors fetch may send (text/plain, form encodings)
//     are refused, and the browser preflights a cross-origin JSON request,
//     which the app does not answer.
//
// A request with neither Origin nor Sec-Fetch-Site comes from a program, not a
// browser page (curl, the tests); on loopback that is a local process, which
// could open the database itself.

// hostPort is the port a request arrived on, from the connection's own address.
func hostPort(c *fiber.Ctx) string {
	_, port, err := net.SplitHostPort(c.Context().LocalAddr().String())
	if err != nil {
		return ""
	}
	return port
}

// AllowedHost reports whether host (a Host header) names the shopper server
// listening on port: exactly 127.0.0.1:PORT, [::1]:PORT or localhost:PORT (the
// name in any case). On port 80, where browsers omit the port, the bare names
// count too.
func AllowedHost(host, port string) bool {
	if port == "" || host == "" {
		return false
	}
	for _, name := range []string{"127.0.0.1", "[::1]", "localhost"} {
		if strings.EqualFold(host, name+":"+port) || port == "80" && strings.EqualFold(host, name) {
			return true
		}
	}
	return false
}

// allowedOrigin reports whether origin (an Origin header) is the shopper
// page's own: http:// and an allowed host.
func allowedOrigin(origin, port string) bool {
	host, ok := strings.CutPrefix(origin, "http://")
	return ok && AllowedHost(host, port)
}

// JSONContentType reports whether ct is application/json, optionally with
// charset=utf-8 and nothing else (type and charset in any case).
func JSONContentType(ct string) bool {
	typ, param, hasParam := strings.Cut(ct, ";")
	if !strings.EqualFold(strings.Trim(typ, " \t"), "application/json") {
		return false
	}
	if !hasParam {
		return true
	}
	name, value, _ := strings.Cut(strings.Trim(param, " \t"), "=")
	return strings.EqualFold(name, "charset") && strings.EqualFold(value, "utf-8")
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// guard applies rules 2–5 above; loopbackOnly is rule 1.
func guard(c *fiber.Ctx) error {
	port := hostPort(c)
	req := c.Request()
	host := string(req.Header.Host())
	if !AllowedHost(host, port) || !AllowedHost(string(req.URI().Host()), port) {
		return c.Status(fiber.StatusForbidden).JSON(errorBody("permission", "request.host",
			"this server answers to 127.0.0.1:"+port+", [::1]:"+port+" or localhost:"+port+" only, not "+strconv.Quote(host)))
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && !allowedOrigin(origin, port) {
		return c.Status(fiber.StatusForbidden).JSON(errorBody("permission", "request.origin",
			"requests from other pages are refused (origin "+strconv.Quote(origin)+")"))
	}
	safe := safeMethod(c.Method())
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && (!safe || site != "none") {
		return c.Status(fiber.StatusForbidden).JSON(errorBody("permission", "request.site",
			"requests from other pages are refused (Sec-Fetch-Site "+strconv.Quote(site)+")"))
	}
	if !safe && !JSONContentType(c.Get(fiber.HeaderContentType)) {
		return c.Status(fiber.StatusUnsupportedMediaType).JSON(errorBody("invalid", "request.content_type",
			"send the request as application/json"))
	}
	return c.Next()
}
