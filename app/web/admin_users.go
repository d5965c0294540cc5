package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// The admin UI's Users page (admins only, by authorize) and the page where
// an invited user sets their password.

// userRoles are the roles offered by the forms.
var userRoles = []string{model.UserAdmin, model.UserOrganizer, model.UserCoOrganizer}

type usersPage struct {
	Users []*model.User
	Me    int64
	Roles []string
	// Invite is the invitation form as typed, InviteProblem its errors.
	Invite        inviteInput
	InviteProblem *apiErrorBody
	// Problem is the error of an action on the row FailedID.
	Problem  *apiErrorBody
	FailedID int64
}

func (s *Server) adminUsers(c *fiber.Ctx) error {
	return s.renderUsers(c, fiber.StatusOK, usersPage{Invite: inviteInput{Role: model.UserOrganizer}})
}

func (s *Server) renderUsers(c *fiber.Ctx, status int, d usersPage) error {
	us, err := s.Tickets.Users(c.UserContext())
	if err != nil {
		return err
	}
	d.Users, d.Me, d.Roles = us, callerID(c), userRoles
	return s.renderAdmin(c, status, "users", s.adminT(c, "admin.nav.users"), d)
}

// usersResult shows the outcome of an action on the Users page: a redirect
// with a flash message, or the page again with the error where it belongs.
func (s *Server) usersResult(c *fiber.Ctx, d usersPage, done string, err error) error {
	if err == nil {
		return c.Redirect(s.adminURL(c, "/admin/users?done="+done), fiber.StatusSeeOther)
	}
	status, body, known := classify(err)
	if !known {
		return err
	}
	if d.FailedID != 0 {
		d.Problem = &body
	} else {
		d.InviteProblem = &body
	}
	if d.Invite.Role == "" {
		d.Invite.Role = model.UserOrganizer
	}
	return s.renderUsers(c, status, d)
}

func (s *Server) adminInviteUser(c *fiber.Ctx) error {
	in := inviteInput{Email: strings.TrimSpace(c.FormValue("email")), Role: c.FormValue("role")}
	_, _, err := s.Tickets.InviteUser(c.UserContext(), in.Email, in.Role, s.admin.locale(c))
	return s.usersResult(c, usersPage{Invite: in}, "invited", err)
}

func (s *Server) adminUserRole(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	_, err = s.Tickets.SetUserRole(c.UserContext(), id, c.FormValue("role"))
	return s.usersResult(c, usersPage{FailedID: id}, "role_changed", err)
}

func (s *Server) adminDeleteUser(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	err = s.Tickets.DeleteUser(c.UserContext(), callerID(c), id)
	return s.usersResult(c, usersPage{FailedID: id}, "user_removed", err)
}

// adminRemoveCoOrganizer ends a co-organizer's access to the event, as
// DELETE /api/v1/events/{id}/co_organizers/{user} does.
func (s *Server) adminRemoveCoOrganizer(c *fiber.Ctx) error {
	id, err := s.removeCoOrganizerOf(c)
	if id == 0 {
		return err
	}
	return s.adminActionResult(c, id, 0, "co_organizer_removed", err)
}

// inviteCookie holds the invitation form's CSRF token (double submit, as
// the login form's).
const inviteCookie = "admit_invite"

// formToken is the CSRF token of a form shown before sign-in: a random
// value kept in a cookie of the form's path and sent back with the form.
func (s *Server) formToken(c *fiber.Ctx, cookie, path string) string {
	t := c.Cookies(cookie)
	if len(t) < 20 {
		t = randomToken()
	}
	c.Cookie(s.adminCookie(cookie, t, path, time.Hour, "Strict"))
	return t
}

// inviteForm is the set-password page's data.
type inviteForm struct {
	Email   string
	Token   string
	CSRF    string
	Problem *apiErrorBody
}

func (s *Server) invitePage(c *fiber.Ctx) error {
	u, err := s.Tickets.Invitation(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	return s.renderInvite(c, fiber.StatusOK, inviteForm{Email: u.Email, Token: c.Params("token")})
}

func (s *Server) renderInvite(c *fiber.Ctx, status int, f inviteForm) error {
	f.CSRF = s.formToken(c, inviteCookie, adminPrefix+"/invite")
	return s.admin.render(c, status, "invite", s.adminT(c, "admin.invite.title"), adminData{Data: f})
}

// acceptInvite sets the invited user's password (once) and signs them in.
func (s *Server) acceptInvite(c *fiber.Ctx) error {
	if !sameToken(c.FormValue(csrfField), c.Cookies(inviteCookie)) {
		return fiber.NewError(fiber.StatusForbidden, "This form has expired or did not come from Admit: open the page again and resend it.")
	}
	token := c.Params("token")
	u, err := s.Tickets.Invitation(c.UserContext(), token)
	if err != nil {
		return err
	}
	f := inviteForm{Email: u.Email, Token: token}
	password := c.FormValue("password")
	hash, err := s.Auth.HashPassword("password", password)
	if err == nil && c.FormValue("confirm") != password {
		err = model.Invalid(map[string]string{"confirm": "must repeat the password"})
	}
	if err != nil {
		status, body, known := classify(err)
		if !known {
			return err
		}
		f.Problem = &body
		return s.renderInvite(c, status, f)
	}
	ctx := store.WithAudit(c.UserContext(), signInAudit(c, actionInviteAccept, u))
	if u, err = s.Tickets.AcceptInvitation(ctx, token, hash); err != nil {
		return err
	}
	session, err := s.Auth.Issue(c.UserContext(), u.ID, store.TokenSession, clientAddr(c))
	if err != nil {
		return err
	}
	s.setSession(c, session)
	c.Cookie(s.adminCookie(inviteCookie, "", adminPrefix+"/invite", -time.Second, "Strict"))
	return c.Redirect(s.adminURL(c, fmt.Sprintf("%s/?done=welcome", adminPrefix)), fiber.StatusSeeOther)
}
