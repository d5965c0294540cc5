package web

import (
	"crypto/subtle"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/admit/admit/app/metrics"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
	"github.com/admit/admit/app/ticketing"
)

// newMetrics is Deps.Metrics, or metrics of the server's own, reading the
// mail queue from Deps.Outbox when it can.
func newMetrics(d Deps) *metrics.Metrics {
	if d.Metrics != nil {
		return d.Metrics
	}
	depth, _ := d.Outbox.(metrics.Outbox)
	return metrics.New(depth)
}

// metricsPage is GET /metrics, the Prometheus text format, for a scraper
// with metrics.token or an administrator's API token (401 otherwise).
func (s *Server) metricsPage(c *fiber.Ctx) error {
	token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		return model.ErrUnauthorized
	}
	if s.MetricsToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.MetricsToken)) != 1 {
		u, _, err := s.Auth.User(c.UserContext(), token, store.TokenAPI, clientAddr(c))
		if err != nil {
			return err
		}
		if !ticketing.IsAdmin(u) {
			return errAdminOnly
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.metricsHandler(c)
}

// routeLabels maps each route's pattern to its label in the latency
// histogram: handlers by their pattern, a group's middleware (a request
// refused before its handler, such as a 401) by the group's prefix and
// "/*", and anything else (404s) as "unmatched". Labels come only from
// this table, never from the request's path.
func routeLabels(app *fiber.App) map[string]string {
	labels := map[string]string{}
	for _, r := range app.GetRoutes(false) {
		if r.Path == "/" || labels[r.Path] != "" {
			continue
		}
		labels[r.Path] = r.Path
	}
	handlers := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		handlers[r.Path] = true
	}
	for p := range labels {
		if !handlers[p] {
			labels[p] = strings.TrimSuffix(p, "/") + "/*"
		}
	}
	return labels
}

// routeOf is the request's route label (routeLabels), once the handlers ran.
func (s *Server) routeOf(c *fiber.Ctx) string {
	if l, ok := s.routeNames[c.Route().Path]; ok {
		return l
	}
	return "unmatched"
}

// methodLabel is the request's method as a label of its own: fiber's
// c.Method() shares the request's buffer, which the next request reuses,
// and a label is kept for the life of the process.
func methodLabel(m string) string {
	for _, known := range []string{fiber.MethodGet, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete, fiber.MethodHead, fiber.MethodOptions} {
		if m == known {
			return known
		}
	}
	return "other"
}

// registrationRefusal is the outcome of a public registration refused, for
// admit_registrations_total: the code of the error ("error" for a 5xx). A
// registration made is counted by the domain, by the status it reached.
func registrationRefusal(err error) string {
	status, body, _ := classify(err)
	if status >= 500 {
		return "error"
	}
	return body.Code
}

// webhookOutcome is what became of an incoming webhook, for
// admit_webhooks_total.
func webhookOutcome(outcome ticketing.Outcome, err error) string {
	if err != nil {
		return "error"
	}
	return string(outcome)
}

// metricsRoute is the metrics' handler as fiber serves it.
func metricsRoute(m *metrics.Metrics) fiber.Handler { return adaptor.HTTPHandler(m.Handler()) }
