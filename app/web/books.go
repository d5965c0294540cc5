package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// GET /api/v1/reports/reconciliation: the books check (ticketing.CheckBooks)
// as JSON, as `admit reconcile` prints it.

type booksMismatchJSON struct {
	RegistrationID int64        `json:"registration_id"`
	Provider       string       `json:"provider"`
	PaymentID      string       `json:"payment_id"`
	Field          string       `json:"field"`
	Admit          *model.Money `json:"admit"`
	Reported       *model.Money `json:"reported"`
}

type booksUncheckedJSON struct {
	RegistrationID int64  `json:"registration_id"`
	Provider       string `json:"provider"`
	PaymentID      string `json:"payment_id"`
	Reason         string `json:"reason"`
}

type booksJSON struct {
	Since      *time.Time           `json:"since"`
	Checked    int                  `json:"checked"`
	Matched    int                  `json:"matched"`
	Mismatches []booksMismatchJSON  `json:"mismatches"`
	Unchecked  []booksUncheckedJSON `json:"unchecked"`
}

func (s *Server) booksReport(c *fiber.Ctx) error {
	since, err := ticketing.ParseSince(c.Query("since"))
	if err != nil {
		return err
	}
	rep, err := s.Tickets.CheckBooks(c.UserContext(), since)
	if err != nil {
		return err
	}
	out := booksJSON{Checked: rep.Checked, Matched: rep.Matched,
		Mismatches: make([]booksMismatchJSON, 0, len(rep.Mismatches)), Unchecked: make([]booksUncheckedJSON, 0, len(rep.Unchecked))}
	if !since.IsZero() {
		out.Since = &since
	}
	for _, m := range rep.Mismatches {
		out.Mismatches = append(out.Mismatches, booksMismatchJSON{RegistrationID: m.RegistrationID, Provider: m.Provider,
			PaymentID: m.PaymentID, Field: m.Field, Admit: m.Admit, Reported: m.Reported})
	}
	for _, u := range rep.Unchecked {
		out.Unchecked = append(out.Unchecked, booksUncheckedJSON{RegistrationID: u.RegistrationID, Provider: u.Provider,
			PaymentID: u.PaymentID, Reason: u.Reason})
	}
	return c.JSON(out)
}
