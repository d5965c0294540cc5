package web

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/logging"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

const requestIDHeader = "X-Request-Id"

// recoverer turns a panic into a logged 500.
func (s *Server) recoverer(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.Log.ErrorContext(c.UserContext(), "panic", "path", redactPath(c.Path()), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return c.Next()
}

// requestID gives every request an id (the client's X-Request-Id when it is
// short printable ASCII), echoed in a header. It travels in the request's
// context (c.UserContext), and every line logged with that context carries
// it, the domain's included.
func (s *Server) requestID(c *fiber.Ctx) error {
	id := c.Get(requestIDHeader)
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		id = logging.NewID()
	}
	c.SetUserContext(logging.WithRequestID(c.UserContext(), id))
	c.Set(requestIDHeader, id)
	return c.Next()
}

// accessLog logs each request with its id; access tokens in paths are
// redacted.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		// The error handler has not run yet: predict its status.
		status, _, _ = classify(err)
	}
	took := time.Since(start)
	s.Metrics.Request(methodLabel(c.Method()), s.routeOf(c), status, took)
	s.Log.InfoContext(c.UserContext(), "http", "client_ip", clientOf(c).String(), "method", c.Method(), "path", redactPath(c.Path()),
		"status", status, "duration_ms", took.Milliseconds())
	return err
}

// redactPath hides the token of /a/{token}/… and /api/v1/access/{token}.
func redactPath(p string) string {
	for _, prefix := range []string{"/a/", "/api/v1/access/"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				return prefix + "…" + rest[i:]
			}
			return prefix + "…"
		}
	}
	return p
}

// securityHeaders are set on every answer. Pages carry tokens in their
// address, so no referrer ever leaves. When Admit is published over https
// (http.public_url), browsers are told to use nothing else for a year.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	if s.https {
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	ancestors := "'none'"
	if embeddable(c) {
		// Only the embeddable page, and only for http.frame_ancestors
		// (embed.go); X-Frame-Options cannot name origins.
		ancestors = s.frameAncestors()
		c.Response().Header.Del("X-Frame-Options")
	}
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors "+ancestors)
	return c.Next()
}

// plainBodies refuses every request that says its body is compressed, on
// every route, before any handler runs. fiber's c.Body() inflates gzip, br
// and deflate bodies without a limit after BodyLimit counted only the
// compressed bytes: 200 KB could become 200 MB. Admit's clients have no
// need to compress what they send.
func (s *Server) plainBodies(c *fiber.Ctx) error {
	encoded := false
	c.Request().Header.VisitAll(func(k, v []byte) {
		if !strings.EqualFold(string(k), fiber.HeaderContentEncoding) {
			return
		}
		for _, coding := range strings.Split(string(v), ",") {
			if coding = strings.TrimSpace(coding); coding != "" && !strings.EqualFold(coding, "identity") {
				encoded = true
			}
		}
	})
	if encoded {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send the request body uncompressed: a Content-Encoding (gzip, br, deflate) is not accepted.")
	}
	return c.Next()
}

// requireAdmin accepts a bearer token.
func (s *Server) requireAdmin(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return model.ErrUnauthorized
	}
	u, tk, err := s.Auth.User(c.UserContext(), strings.TrimSpace(token), store.TokenAPI, clientAddr(c))
	if err != nil {
		return err
	}
	c.Locals("user", u)
	c.Locals("token", tk)
	return c.Next()
}

// caller is the administrator of the request and the token it came with
// (set by requireAdmin).
func caller(c *fiber.Ctx) (*model.User, *model.AuthToken) {
	u, _ := c.Locals("user").(*model.User)
	tk, _ := c.Locals("token").(*model.AuthToken)
	return u, tk
}

// clientAddr is the address of the client that sent the request (behind a
// trusted proxy, the one it forwarded for).
func clientAddr(c *fiber.Ctx) string { return clientOf(c).String() }
