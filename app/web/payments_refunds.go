// Refunds an organizer asks for.

package web

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
)

type refundInput struct {
	Amount *int64 `json:"amount"`
}

func (s *Server) refund(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in refundInput
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	r, err := s.Tickets.RefundRegistration(c.UserContext(), id, in.Amount)
	if err != nil {
		return err
	}
	return c.JSON(registrationView(r))
}
