package web

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// The outgoing webhooks' settings pages: the endpoints (add, with the
// secret shown once; delete) and each one's delivery log with "send test
// event". Each action goes through the same service call as its API route.

// hookTypeChoice is an event type's checkbox on the add form.
type hookTypeChoice struct {
	Type    string
	Checked bool
	// Label is the message id of what the type means.
	Label string
}

type webhooksPage struct {
	Hooks []*model.Webhook
	// URL and Types are the add form as typed (every type checked at
	// first); Problem its errors.
	URL     string
	Types   []hookTypeChoice
	Problem *apiErrorBody
	// Created is the endpoint just added, with its secret in clear (shown
	// this once).
	Created *model.Webhook
	Secret  string
}

type webhookPage struct {
	Hook     *model.Webhook
	Attempts []*model.HookAttempt
}

// webhookLogShown bounds the attempts the page lists.
const webhookLogShown = 50

func (s *Server) adminWebhooks(c *fiber.Ctx) error {
	return s.renderWebhooks(c, fiber.StatusOK, webhooksPage{}, model.HookTypes)
}

func (s *Server) renderWebhooks(c *fiber.Ctx, status int, p webhooksPage, checked []string) error {
	var err error
	if p.Hooks, err = s.Tickets.Webhooks(c.UserContext()); err != nil {
		return err
	}
	for _, t := range model.HookTypes {
		p.Types = append(p.Types, hookTypeChoice{Type: t, Checked: slices.Contains(checked, t),
			Label: "admin.webhooks.type_" + strings.ReplaceAll(t, ".", "_")})
	}
	return s.renderAdmin(c, status, "webhooks", s.adminT(c, "admin.webhooks.title"), p)
}

// adminAddWebhook adds an endpoint, as POST /api/v1/webhooks does, and
// shows its secret once.
func (s *Server) adminAddWebhook(c *fiber.Ctx) error {
	in := ticketing.WebhookInput{URL: strings.TrimSpace(c.FormValue("url"))}
	for _, v := range c.Request().PostArgs().PeekMulti("events") {
		in.Events = append(in.Events, string(v))
	}
	w, secret, err := s.Tickets.CreateWebhook(c.UserContext(), in)
	if err != nil {
		status, body, known := classify(err)
		if !known {
			return err
		}
		// The page's inputs are webhook_url and webhook_events.
		fields := map[string]string{}
		for k, v := range body.Fields {
			fields["webhook_"+k] = v
		}
		body.Fields = fields
		return s.renderWebhooks(c, status, webhooksPage{URL: in.URL, Problem: &body}, in.Events)
	}
	return s.renderWebhooks(c, fiber.StatusCreated, webhooksPage{Created: w, Secret: secret}, model.HookTypes)
}

func (s *Server) adminWebhook(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	w, err := s.Tickets.Webhook(c.UserContext(), id)
	if err != nil {
		return err
	}
	as, err := s.Tickets.WebhookAttempts(c.UserContext(), id, webhookLogShown)
	if err != nil {
		return err
	}
	return s.renderAdmin(c, fiber.StatusOK, "webhook", s.adminT(c, "admin.webhooks.log_title"), webhookPage{Hook: w, Attempts: as})
}

// adminTestWebhook sends a test event, as POST /api/v1/webhooks/{id}/test
// does; the log shows how it went.
func (s *Server) adminTestWebhook(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.Tickets.TestWebhook(c.UserContext(), id); err != nil {
		return err
	}
	return c.Redirect(s.adminURL(c, "/admin/settings/webhooks/"+strconv.FormatInt(id, 10)+"?done=webhook_tested"), fiber.StatusSeeOther)
}

func (s *Server) adminDeleteWebhook(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.Tickets.DeleteWebhook(c.UserContext(), id); err != nil {
		return err
	}
	return c.Redirect(s.adminURL(c, "/admin/settings/webhooks?done=webhook_deleted"), fiber.StatusSeeOther)
}
