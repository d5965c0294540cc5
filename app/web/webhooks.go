package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// HookViews give the outgoing webhooks' data the admin API's views of a
// registration and an event.
type HookViews struct{ PublicURL string }

func (v HookViews) Registration(r *model.Registration) any { return registrationView(r) }
func (v HookViews) Event(e *model.Event) any               { return eventView(e, true, v.PublicURL) }

type webhookJSON struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
	// Secret is in the create answer only.
	Secret string `json:"secret,omitempty"`
}

func webhookView(w *model.Webhook) webhookJSON {
	return webhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, CreatedAt: w.CreatedAt}
}

type hookAttemptJSON struct {
	ID             int64      `json:"id"`
	DeliveryID     int64      `json:"delivery_id"`
	EventID        string     `json:"event_id"`
	Type           string     `json:"type"`
	Attempt        int        `json:"attempt"`
	StatusCode     int        `json:"status_code"`
	Error          string     `json:"error"`
	DurationMS     int64      `json:"duration_ms"`
	At             time.Time  `json:"at"`
	DeliveryStatus string     `json:"delivery_status"`
	NextAttemptAt  *time.Time `json:"next_attempt_at,omitempty"`
}

func hookAttemptView(a *model.HookAttempt) hookAttemptJSON {
	v := hookAttemptJSON{ID: a.ID, DeliveryID: a.DeliveryID, EventID: a.EventID, Type: a.Type, Attempt: a.Attempt,
		StatusCode: a.StatusCode, Error: a.Error, DurationMS: a.Duration.Milliseconds(), At: a.At, DeliveryStatus: a.DeliveryStatus}
	if a.DeliveryStatus == model.HookQueued {
		next := a.NextAttemptAt
		v.NextAttemptAt = &next
	}
	return v
}

func (s *Server) listWebhooks(c *fiber.Ctx) error {
	ws, err := s.Tickets.Webhooks(c.UserContext())
	if err != nil {
		return err
	}
	out := list[webhookJSON]{Items: make([]webhookJSON, 0, len(ws))}
	for _, w := range ws {
		out.Items = append(out.Items, webhookView(w))
	}
	return c.JSON(out)
}

// createWebhook answers the endpoint with its signing secret, the only
// time the secret is shown.
func (s *Server) createWebhook(c *fiber.Ctx) error {
	var in ticketing.WebhookInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	w, secret, err := s.Tickets.CreateWebhook(c.UserContext(), in)
	if err != nil {
		return err
	}
	v := webhookView(w)
	v.Secret = secret
	c.Location("/api/v1/webhooks/" + strconv.FormatInt(w.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Server) getWebhook(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	w, err := s.Tickets.Webhook(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(webhookView(w))
}

func (s *Server) deleteWebhook(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.Tickets.DeleteWebhook(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// webhookDeliveries is an endpoint's delivery log: its latest attempts.
func (s *Server) webhookDeliveries(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 1000 {
		return model.Invalid(map[string]string{"limit": "must be between 1 and 1000"})
	}
	as, err := s.Tickets.WebhookAttempts(c.UserContext(), id, limit)
	if err != nil {
		return err
	}
	out := list[hookAttemptJSON]{Items: make([]hookAttemptJSON, 0, len(as))}
	for _, a := range as {
		out.Items = append(out.Items, hookAttemptView(a))
	}
	return c.JSON(out)
}

// testWebhook sends a webhook.test event now and answers the attempt,
// whatever the receiver said.
func (s *Server) testWebhook(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	a, err := s.Tickets.TestWebhook(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(hookAttemptView(a))
}
