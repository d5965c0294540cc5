// Payment providers' webhooks.

package web

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
)

// webhook hands a provider's webhook to the domain and answers what became
// of it. The body and headers are copied out of fiber's reused buffers
// before anything reads them.
func (s *Server) webhook(c *fiber.Ctx) error {
	body := bytes.Clone(c.Body())
	header := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) { header.Add(string(k), string(v)) })
	res, err := s.Tickets.HandleWebhook(c.UserContext(), c.Params("provider"), body, header)
	// Counted without the name when no provider goes by it: the client
	// chose it.
	provider, outcome := res.Provider, webhookOutcome(res.Outcome, err)
	if provider == "" {
		provider = "unknown"
	}
	if errors.Is(err, model.ErrBadSignature) {
		outcome = "bad_signature"
	}
	s.Metrics.Webhook(provider, outcome)
	if err != nil {
		return err // bad_signature: 400, changing nothing; else a 5xx: the provider delivers again
	}
	return c.JSON(fiber.Map{"status": res.Outcome})
}
