// Payment providers' webhooks.

package web

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/ticketing"
)

// webhook applies a provider's event. The body and headers are copied out
// of fiber's reused buffers before anything reads them.
func (s *Server) webhook(c *fiber.Ctx) error {
	name := c.Params("provider")
	p, ok := s.Tickets.WebhookProvider(name)
	if !ok {
		// Nothing can verify it: refused like a bad signature, changing
		// nothing (counted without the name, which the client chose).
		s.Metrics.Webhook("unknown", "bad_signature")
		return c.Status(fiber.StatusBadRequest).JSON(apiError{Error: apiErrorBody{Code: "bad_signature",
			Message: name + " is not connected here, so its webhooks cannot be verified."}})
	}
	body := bytes.Clone(c.Body())
	header := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) { header.Add(string(k), string(v)) })
	ev, err := p.ParseWebhook(c.UserContext(), payment.WebhookRequest{Body: body, Header: header})
	switch {
	case errors.Is(err, payment.ErrSignature):
		s.Metrics.Webhook(p.Name(), "bad_signature")
		s.Log.Warn("webhook refused", "request_id", requestIDOf(c), "provider", name, "err", err)
		return c.Status(fiber.StatusBadRequest).JSON(apiError{Error: apiErrorBody{Code: "bad_signature", Message: "The webhook signature is missing, wrong or too old."}})
	case errors.Is(err, payment.ErrIgnored):
		s.Metrics.Webhook(p.Name(), string(ticketing.Ignored))
		return c.JSON(fiber.Map{"status": "ignored"})
	case err != nil:
		s.Metrics.Webhook(p.Name(), "error")
		return err
	}
	outcome, err := s.Tickets.ApplyPayment(c.UserContext(), ev)
	s.Metrics.Webhook(p.Name(), webhookOutcome(outcome, err))
	if err != nil {
		return err // a 5xx: the provider delivers again
	}
	return c.JSON(fiber.Map{"status": outcome})
}
