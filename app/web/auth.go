package web

import (
	"errors"
	"strings"
	"time"

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
	if err := s.limitLogin(c, in.Email); err != nil {
		s.signInRefused(c, actionTokenCreate, in.Email, nil, err)
		return err
	}
	tried := signInAudit(c, actionTokenCreate, nil)
	ctx := store.WithAudit(c.UserContext(), tried)
	token, err := s.Auth.Login(ctx, in.Email, in.Password, store.TokenAPI, clientAddr(c))
	if errors.Is(err, model.ErrUnauthorized) {
		s.loginFailed(in.Email)
		s.signInRefused(c, actionTokenCreate, in.Email, tried, err)
	}
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

// tokenJSON describes a token: never the token or its hash.
type tokenJSON struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind"`
	CreatedAt     time.Time  `json:"created_at"`
	LastUsedAt    *time.Time `json:"last_used_at"`
	ExpiresAt     *time.Time `json:"expires_at"`
	ClientAddress string     `json:"client_address"`
	Current       bool       `json:"current"`
}

// listTokens lists the caller's live tokens.
func (s *Server) listTokens(c *fiber.Ctx) error {
	u, cur := caller(c)
	tks, err := s.Auth.Tokens(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	out := list[tokenJSON]{Items: make([]tokenJSON, 0, len(tks))}
	for _, tk := range tks {
		out.Items = append(out.Items, tokenJSON{ID: tk.ID, Kind: tk.Kind, CreatedAt: tk.CreatedAt, LastUsedAt: tk.LastUsedAt,
			ExpiresAt: tk.ExpiresAt, ClientAddress: tk.ClientAddr, Current: tk.ID == cur.ID})
	}
	return c.JSON(out)
}

// revokeToken revokes one of the caller's tokens.
func (s *Server) revokeToken(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u, _ := caller(c)
	if err := s.Auth.RevokeID(c.UserContext(), u.ID, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// revokeTokens revokes every token of the caller, the current one too.
func (s *Server) revokeTokens(c *fiber.Ctx) error {
	u, _ := caller(c)
	if err := s.Auth.RevokeAll(c.UserContext(), u.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type passwordInput struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword changes the caller's password and revokes their other
// tokens.
func (s *Server) changePassword(c *fiber.Ctx) error {
	var in passwordInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, tk := caller(c)
	if err := s.limitPasswordChange(c, u.Email); err != nil {
		return err
	}
	if err := s.Auth.ChangePassword(c.UserContext(), u.ID, tk.ID, in.CurrentPassword, in.NewPassword); err != nil {
		// A wrong current password is a failed sign-in of the account.
		var p *model.Problem
		if errors.As(err, &p) && p.Fields["current_password"] != "" {
			s.loginFailed(u.Email)
		}
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
