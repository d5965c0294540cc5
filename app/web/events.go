package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// idParam reads a numeric route parameter; anything else is not found.
func idParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, model.ErrNotFound
	}
	return id, nil
}

func (s *Server) listEvents(c *fiber.Ctx) error {
	evs, err := s.visibleEvents(c)
	if err != nil {
		return err
	}
	out := list[eventJSON]{Items: make([]eventJSON, 0, len(evs))}
	for _, e := range evs {
		out.Items = append(out.Items, s.eventView(e, true))
	}
	return c.JSON(out)
}

func (s *Server) createEvent(c *fiber.Ctx) error {
	var in ticketing.EventInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	in.OwnerID = callerID(c)
	e, err := s.Tickets.CreateEvent(c.UserContext(), in)
	if err != nil {
		return err
	}
	c.Location("/api/v1/events/" + strconv.FormatInt(e.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(s.eventView(e, true))
}

func (s *Server) getEvent(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, err := s.Tickets.Event(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(s.eventView(e, true))
}

func (s *Server) patchEvent(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in ticketing.EventInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	e, err := s.Tickets.UpdateEvent(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(s.eventView(e, true))
}

type cancelEventInput struct {
	Message string `json:"message"`
	Refund  bool   `json:"refund"`
}

func (s *Server) cancelEvent(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in cancelEventInput
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	e, err := s.Tickets.CancelEvent(c.UserContext(), id, in.Message, in.Refund)
	if err != nil {
		return err
	}
	return c.JSON(s.eventView(e, true))
}
