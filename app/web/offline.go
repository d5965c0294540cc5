package web

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// markPaidInput is POST /api/v1/registrations/{id}/mark_paid: what arrived
// (minor units) and when.
type markPaidInput struct {
	Amount *int64 `json:"amount"`
	Date   string `json:"date"`
}

// markPaid records a payment that arrived outside any checkout page (a bank
// transfer): in full it confirms the registration, short of it the answer
// shows the balance.
func (s *Server) markPaid(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in markPaidInput
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	res, err := s.Tickets.MarkPaid(c.UserContext(), id, in.Amount, in.Date)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"registration": registrationView(res.Registration), "payment": res.Payment})
}

// markRefunded records that the organizer gave back by their own means
// what a registration's refunds owe (refund_owed: its provider cannot
// refund, as a bank transfer cannot).
func (s *Server) markRefunded(c *fiber.Ctx) error {
	return s.registrationAction(c, func(t *ticketing.Service, c *fiber.Ctx, id int64) (*model.Registration, error) {
		return t.MarkRefunded(c.UserContext(), id)
	})
}

// providerSettings reads the body of PUT /api/v1/settings/payments/{provider}:
// an object of strings, numbers (term_days: 14) or booleans, each kept as
// text.
func providerSettings(c *fiber.Ctx) (map[string]string, error) {
	var raw map[string]any
	if err := decodeJSON(c, &raw); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(raw))
	bad := map[string]string{}
	for k, v := range raw {
		switch x := v.(type) {
		case string:
			out[k] = x
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			out[k] = strconv.FormatBool(x)
		case nil:
			out[k] = ""
		default:
			b, _ := json.Marshal(v)
			bad[k] = "must be text or a number, not " + string(b)
		}
	}
	if len(bad) > 0 {
		return nil, model.Invalid(bad)
	}
	return out, nil
}
