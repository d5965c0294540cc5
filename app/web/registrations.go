package web

import (
	"encoding/csv"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

func (s *Server) eventRegistrations(c *fiber.Ctx) ([]*model.Registration, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return s.Tickets.Registrations(c.UserContext(), id, c.Query("status"))
}

func (s *Server) listRegistrations(c *fiber.Ctx) error {
	regs, err := s.eventRegistrations(c)
	if err != nil {
		return err
	}
	att, err := s.eventAttendance(c)
	if err != nil {
		return err
	}
	eventID, _ := idParam(c, "id") // read by eventRegistrations
	views, err := s.Tickets.ViewCounts(c.UserContext(), eventID)
	if err != nil {
		return err
	}
	fees, err := s.Tickets.Fees(c.UserContext(), eventID)
	if err != nil {
		return err
	}
	out := list[listedRegistrationJSON]{Items: make([]listedRegistrationJSON, 0, len(regs))}
	for _, r := range regs {
		v := registrationView(r)
		n := views[r.ID]
		v.Views = &n
		out.Items = append(out.Items, listedRegistrationJSON{registrationJSON: v, AttendedSessions: attendanceView(att[r.ID]),
			ProviderFee: providerFeeView(fees, r)})
	}
	return c.JSON(out)
}

var csvHeader = []string{"id", "name", "email", "status", "role", "session_id", "amount_paid", "amount_refunded",
	"currency", "tier", "promo_code", "provider", "service_fee", "locale", "created_at", "paid_currency",
	"attended_sessions", "first_joined_at", "provider_fee", "provider_fee_currency", "refund_owed"}

// listRegistrationsCSV gives the registrations as CSV. Cells that a
// spreadsheet would run as a formula are prefixed with a quote.
func (s *Server) listRegistrationsCSV(c *fiber.Ctx) error {
	regs, err := s.eventRegistrations(c)
	if err != nil {
		return err
	}
	att, err := s.eventAttendance(c)
	if err != nil {
		return err
	}
	eventID, _ := idParam(c, "id") // read by eventRegistrations
	fees, err := s.Tickets.Fees(c.UserContext(), eventID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="registrations-`+c.Params("id")+`.csv"`)
	w := csv.NewWriter(c.Response().BodyWriter())
	if err := w.Write(append(slices.Clone(csvHeader), authorizationHeader...)); err != nil {
		return err
	}
	for _, r := range regs {
		session := ""
		if r.SessionID != nil {
			session = strconv.FormatInt(*r.SessionID, 10)
		}
		row := []string{strconv.FormatInt(r.ID, 10), safeCell(r.Name), safeCell(r.Email), r.Status, r.Role, session,
			strconv.FormatInt(r.AmountPaid, 10), strconv.FormatInt(r.AmountRefunded, 10), r.Currency,
			safeCell(r.Tier), safeCell(r.PromoCode), r.Provider, strconv.FormatInt(r.ServiceFee, 10), r.Locale, r.CreatedAt.Format(time.RFC3339),
			r.PaidCurrency}
		row = append(row, attendanceCells(att[r.ID])...)
		row = append(row, providerFeeCells(fees, r)...)
		row = append(row, strconv.FormatInt(r.RefundOwed, 10))
		row = append(row, authorizationCells(r.Authorization)...)
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

func safeCell(v string) string {
	if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r') {
		return "'" + v
	}
	return v
}

type addRegistrationInput struct {
	ticketing.RegisterInput
	Role string `json:"role"`
}

func (s *Server) addRegistration(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in addRegistrationInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Locale != "" && !s.I18n.Supported(in.Locale) {
		return model.Invalid(map[string]string{"locale": "must be one of " + joinLocales(s.I18n.Locales())})
	}
	r, err := s.Tickets.AddRegistration(c.UserContext(), id, in.RegisterInput, in.Role)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(registrationView(r))
}

// registrationAction runs a manual decision on a registration.
func (s *Server) registrationAction(c *fiber.Ctx, do func(*ticketing.Service, *fiber.Ctx, int64) (*model.Registration, error)) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := do(s.Tickets, c, id)
	if err != nil {
		return err
	}
	return c.JSON(registrationView(r))
}

func (s *Server) confirm(c *fiber.Ctx) error {
	return s.registrationAction(c, func(t *ticketing.Service, c *fiber.Ctx, id int64) (*model.Registration, error) {
		return t.Confirm(c.UserContext(), id)
	})
}

func (s *Server) reject(c *fiber.Ctx) error {
	return s.registrationAction(c, func(t *ticketing.Service, c *fiber.Ctx, id int64) (*model.Registration, error) {
		return t.Reject(c.UserContext(), id)
	})
}

func (s *Server) adminCancel(c *fiber.Ctx) error {
	return s.registrationAction(c, func(t *ticketing.Service, c *fiber.Ctx, id int64) (*model.Registration, error) {
		return t.CancelRegistration(c.UserContext(), id)
	})
}

func (s *Server) resend(c *fiber.Ctx) error {
	return s.registrationAction(c, func(t *ticketing.Service, c *fiber.Ctx, id int64) (*model.Registration, error) {
		return t.Resend(c.UserContext(), id)
	})
}

type outboxJSON struct {
	ID             int64      `json:"id"`
	RegistrationID *int64     `json:"registration_id"`
	To             string     `json:"to"`
	Subject        string     `json:"subject"`
	Kind           string     `json:"kind"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"last_error,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	SentAt         *time.Time `json:"sent_at"`
}

func outboxView(m *model.OutboxMail) outboxJSON {
	return outboxJSON{ID: m.ID, RegistrationID: m.RegistrationID, To: m.To, Subject: m.Subject, Kind: m.Kind,
		Status: m.Status, Attempts: m.Attempts, LastError: m.LastError, CreatedAt: m.CreatedAt, SentAt: m.SentAt}
}

func (s *Server) outbox(c *fiber.Ctx) error {
	status := c.Query("status")
	switch status {
	case "", model.MailQueued, model.MailSent, model.MailFailed:
	default:
		return model.Invalid(map[string]string{"status": "must be queued, sent or failed"})
	}
	limit := c.QueryInt("limit", 200)
	if limit < 1 || limit > 1000 {
		return model.Invalid(map[string]string{"limit": "must be between 1 and 1000"})
	}
	mails, err := s.Outbox.Outbox(c.UserContext(), status, limit)
	if err != nil {
		return err
	}
	out := list[outboxJSON]{Items: make([]outboxJSON, 0, len(mails))}
	for _, m := range mails {
		out.Items = append(out.Items, outboxView(&m))
	}
	return c.JSON(out)
}

// retryOutbox queues a failed mail again.
func (s *Server) retryOutbox(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m, err := s.Tickets.RetryMail(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(outboxView(m))
}

type outboxMessageJSON struct {
	outboxJSON
	Text string `json:"text"`
	HTML string `json:"html"`
}

// outboxMessage shows one mail as it would be delivered now, so that an
// organizer without SMTP can forward it by hand. It carries the access link:
// admin only, like every route here.
func (s *Server) outboxMessage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m, msg, err := s.Tickets.OutboxMessage(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(outboxMessageJSON{outboxJSON: outboxView(m), Text: msg.Text, HTML: msg.HTML})
}
