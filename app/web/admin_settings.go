package web

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/jobs"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/ticketing"
)

// The settings pages: payment providers (connect, disconnect), mail (the
// SMTP server, a test mail, the outbox) and the scheduled jobs. Each action
// goes through the same service call as its API route.

// SMTPStatus is what the settings page shows of the outgoing mail server
// (never its password).
type SMTPStatus struct {
	Host string
	Port int
	TLS  string
	From string
	// Username: the server is signed in to.
	Username bool
}

// providerField is an input of a provider's form, as its module declares
// it, its texts in the page's language.
type providerField struct {
	Name   string
	Label  string
	Hint   string
	Secret bool
	// Advanced fields are folded away (the API address, for tests and
	// proxies).
	Advanced  bool
	Multiline bool
	Options   []providerOption
}

type providerOption struct{ Value, Label string }

// providerFields are the inputs of a provider's form, in order: the
// settings PUT /api/v1/settings/payments/{provider} takes.
func providerFields(m payment.Module, lang string) []providerField {
	out := make([]providerField, 0, len(m.Settings))
	for _, set := range m.Settings {
		f := providerField{Name: set.Key, Label: set.Label.In(lang), Secret: set.Secret, Advanced: set.Advanced, Multiline: set.Multiline}
		if set.Hint != nil {
			f.Hint = set.Hint.In(lang)
		}
		for _, o := range set.Options {
			f.Options = append(f.Options, providerOption{Value: o.Value, Label: o.Label.In(lang)})
		}
		out = append(out, f)
	}
	return out
}

// providerPanel is one provider on the settings page.
type providerPanel struct {
	Info *ticketing.ProviderInfo
	// Hint tells where to find the settings.
	Hint   string
	Fields []providerField
	// Form is what was typed (secrets never sent back), Problem its errors.
	Form    map[string]string
	Problem *apiErrorBody
	// Affected are the events disconnecting it would pause or make free.
	Affected []ticketing.EventRef
}

type settingsPage struct {
	Providers []providerPanel
	SMTP      SMTPStatus
	// TestMail is the test mail just queued (nil: none asked for).
	TestMail *model.OutboxMail
	// Failed counts the mails that failed for good.
	Failed int
	// Problem is the error of an action that is not a provider's form.
	Problem *apiErrorBody
	// Branding is the branding section (admin_branding.go).
	Branding brandingPanel
}

// settingsFailedShown bounds the failed mails counted and listed.
const settingsFailedShown = 200

func (s *Server) adminSettings(c *fiber.Ctx) error {
	return s.renderSettings(c, fiber.StatusOK, "", nil, nil)
}

// renderSettings shows the settings page; problem, when set, is the error
// of the form of provider (or of another action when provider is "").
func (s *Server) renderSettings(c *fiber.Ctx, status int, provider string, form map[string]string, problem *apiErrorBody) error {
	ctx := c.UserContext()
	p := settingsPage{SMTP: s.SMTP}
	if provider == "" {
		p.Problem = problem
	}
	var err error
	if p.Branding, err = s.brandingPanel(ctx, provider, form, problem); err != nil {
		return err
	}
	lang := s.admin.locale(c)
	for _, m := range s.Tickets.Modules().All() {
		name := m.Name
		info, err := s.Tickets.Provider(ctx, name)
		if err != nil {
			return err
		}
		panel := providerPanel{Info: info, Hint: m.Hint.In(lang), Fields: providerFields(m, lang), Form: map[string]string{}}
		for _, set := range m.Settings {
			if v := info.Settings[set.Key]; v != "" && !set.Secret {
				panel.Form[set.Key] = v
			} else if set.Default != "" {
				panel.Form[set.Key] = set.Default
			}
		}
		if name == provider {
			for k, v := range form {
				panel.Form[k] = v
			}
			panel.Problem = problem
		}
		if info.Connected {
			if panel.Affected, err = s.Tickets.DisconnectPreview(ctx, name); err != nil {
				return err
			}
		}
		p.Providers = append(p.Providers, panel)
	}
	if id, err := strconv.ParseInt(c.Query("mail"), 10, 64); err == nil && id > 0 {
		m, _, err := s.Tickets.OutboxMessage(ctx, id)
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
		if m != nil && m.Kind == model.MailTest {
			p.TestMail = m
		}
	}
	failed, err := s.Outbox.Outbox(ctx, model.MailFailed, settingsFailedShown)
	if err != nil {
		return err
	}
	p.Failed = len(failed)
	return s.renderAdmin(c, status, "settings", s.adminT(c, "admin.nav.settings"), p)
}

// settingsResult shows the outcome of a settings action: a redirect with a
// flash message, or the page again with the error.
func (s *Server) settingsResult(c *fiber.Ctx, provider string, form map[string]string, done string, err error) error {
	if err != nil {
		status, body, known := classify(err)
		if !known {
			return err
		}
		return s.renderSettings(c, status, provider, form, &body)
	}
	return c.Redirect(s.adminURL(c, "/admin/settings?done="+done), fiber.StatusSeeOther)
}

// adminConnectProvider checks and saves a provider's keys, as PUT
// /api/v1/settings/payments/{provider} does.
func (s *Server) adminConnectProvider(c *fiber.Ctx) error {
	name := c.Params("provider")
	m, ok := s.Tickets.Modules().Get(name)
	if !ok {
		return model.ErrNotFound
	}
	creds, typed := ticketing.Credentials{}, map[string]string{}
	for _, set := range m.Settings {
		v := strings.TrimSpace(c.FormValue(set.Key))
		if v == "" {
			continue
		}
		creds[set.Key] = v
		if !set.Secret {
			typed[set.Key] = v
		}
	}
	_, err := s.Tickets.ConnectProvider(c.UserContext(), name, creds)
	return s.settingsResult(c, name, typed, "connected&provider="+name, err)
}

// adminDisconnectProvider forgets a provider's keys, as DELETE
// /api/v1/settings/payments/{provider} does: the events that relied on it
// are paused, or made free when the form says so.
func (s *Server) adminDisconnectProvider(c *fiber.Ctx) error {
	name := c.Params("provider")
	if _, ok := s.Tickets.Modules().Get(name); !ok {
		return model.ErrNotFound
	}
	then := c.FormValue("then")
	if then != "pause" && then != "free" {
		return s.settingsResult(c, name, nil, "", model.Invalid(map[string]string{"then": "must be pause or free"}))
	}
	info, err := s.Tickets.DisconnectProvider(c.UserContext(), name, then == "free")
	done := "disconnected"
	if err == nil && len(info.Paused) > 0 {
		done += "_" + then
	}
	return s.settingsResult(c, name, nil, done, err)
}

// adminTestMail queues a test mail to the signed-in administrator.
func (s *Server) adminTestMail(c *fiber.Ctx) error {
	u, _ := caller(c)
	if u == nil {
		return model.ErrUnauthorized
	}
	m, err := s.Tickets.SendTestMail(c.UserContext(), u.Email, s.admin.locale(c))
	if err != nil {
		return s.settingsResult(c, "", nil, "", err)
	}
	if s.sendTestMailNow(c.UserContext(), m.ID) {
		// The mail's own notice says how it went: no "queued" flash.
		return c.Redirect(s.adminURL(c, fmt.Sprintf("/admin/settings?mail=%d", m.ID))+"#mail", fiber.StatusSeeOther)
	}
	return c.Redirect(s.adminURL(c, fmt.Sprintf("/admin/settings?done=test_mail&mail=%d", m.ID))+"#mail", fiber.StatusSeeOther)
}

// testMailWait bounds how long the test mail's action waits for the SMTP
// server's answer before it shows the mail as still queued.
const testMailWait = 20 * time.Second

// sendTestMailNow delivers the test mail id at once instead of leaving it to
// the outbox job, so that the page the action leads to says how it went
// (sent, refused and why), with or without JavaScript. It tries until the
// mail has had its attempt: a delivery run already under way (the job's)
// makes SendMail return at once, and may have started before the mail was
// queued. Without an SMTP server there is nothing to wait for. It reports
// whether the mail has had its attempt.
func (s *Server) sendTestMailNow(ctx context.Context, id int64) bool {
	if s.SendMail == nil || s.SMTP.Host == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, testMailWait)
	defer cancel()
	for {
		if err := s.SendMail(ctx); err != nil && ctx.Err() == nil {
			s.Log.WarnContext(ctx, "test mail: delivering the outbox", "err", err)
		}
		m, _, err := s.Tickets.OutboxMessage(ctx, id)
		if err != nil {
			return false
		}
		if m.Status != model.MailQueued || m.Attempts > 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// outboxShown bounds the mails the outbox page lists.
const outboxShown = 50

type outboxPage struct {
	// Failed are the mails that failed for good, Recent the latest of all.
	Failed, Recent []model.OutboxMail
	Problem        *apiErrorBody
	// FailedID is the mail whose retry failed (its row shows why).
	FailedID int64
}

func (s *Server) adminOutbox(c *fiber.Ctx) error { return s.renderOutbox(c, fiber.StatusOK, 0, nil) }

func (s *Server) renderOutbox(c *fiber.Ctx, status int, failedID int64, problem *apiErrorBody) error {
	p := outboxPage{Problem: problem, FailedID: failedID}
	var err error
	if p.Failed, err = s.Outbox.Outbox(c.UserContext(), model.MailFailed, settingsFailedShown); err != nil {
		return err
	}
	if p.Recent, err = s.Outbox.Outbox(c.UserContext(), "", outboxShown); err != nil {
		return err
	}
	return s.renderAdmin(c, status, "outbox", s.adminT(c, "admin.outbox.title"), p)
}

// adminRetryMail queues a failed mail again, as POST
// /api/v1/outbox/{id}/retry does.
func (s *Server) adminRetryMail(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.Tickets.RetryMail(c.UserContext(), id); err != nil {
		status, body, known := classify(err)
		if !known {
			return err
		}
		return s.renderOutbox(c, status, id, &body)
	}
	return c.Redirect(s.adminURL(c, "/admin/settings/outbox?done=mail_retried"), fiber.StatusSeeOther)
}

// adminJobs shows what each scheduled job did last and when it runs next,
// as GET /api/v1/jobs does.
func (s *Server) adminJobs(c *fiber.Ctx) error {
	var list []jobs.Status
	if s.Jobs != nil {
		list = s.Jobs.Statuses()
	}
	return s.renderAdmin(c, fiber.StatusOK, "jobs", s.adminT(c, "admin.jobs.title"), list)
}
