// Payment provider settings: connecting and disconnecting a provider.

package web

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/ticketing"
)

func (s *Server) getProvider(c *fiber.Ctx) error {
	info, err := s.Tickets.Provider(c.UserContext(), c.Params("provider"))
	if err != nil {
		return err
	}
	return c.JSON(info)
}

func (s *Server) putProvider(c *fiber.Ctx) error {
	in, err := providerSettings(c)
	if err != nil {
		return err
	}
	info, err := s.Tickets.ConnectProvider(c.UserContext(), c.Params("provider"), ticketing.Credentials(in))
	if err != nil {
		return err
	}
	return c.JSON(info)
}

type disconnectInput struct {
	MakeFree bool `json:"make_free"`
}

func (s *Server) deleteProvider(c *fiber.Ctx) error {
	var in disconnectInput
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	if c.QueryBool("make_free") {
		in.MakeFree = true
	}
	info, err := s.Tickets.DisconnectProvider(c.UserContext(), c.Params("provider"), in.MakeFree)
	if err != nil {
		return err
	}
	return c.JSON(info)
}
