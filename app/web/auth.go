package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

type loginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// login exchanges an email and password for a bearer token.
func (s *Server) login(c *fiber.Ctx) error {
	var in loginInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	f := map[string]string{}
	if strings.TrimSpace(in.Email) == "" {
		f["email"] = "is required"
	}
	if in.Password == "" {
		f["password"] = "is required"
	}
	if len(f) > 0 {
		return model.Invalid(f)
	}
	token, err := s.Auth.Login(c.UserContext(), in.Email, in.Password, store.TokenAPI)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"token": token})
}

// logout revokes the bearer token of the request.
func (s *Server) logout(c *fiber.Ctx) error {
	token, _ := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if err := s.Auth.Revoke(c.UserContext(), strings.TrimSpace(token)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
