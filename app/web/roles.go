package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// Roles are enforced here, once, for the API and the admin UI: authorize
// runs after the caller is known (requireAdmin, requireSession) and before
// any handler. An admin passes. Anyone else may act on an event only as its
// owner or one of its co-organizers, whatever the route under
// /events/{id}/... or /registrations/{id}/... (new routes there are covered
// without a line more); everything outside the event routes and the
// caller's own account (auth) is for admins only, including routes added
// later.

// eventOf resolves the first path segment of an event-scoped resource and
// its id to the event it belongs to.
type eventOf func(s *Server, c *fiber.Ctx, id int64) (int64, error)

var eventScoped = map[string]eventOf{
	"events": func(_ *Server, _ *fiber.Ctx, id int64) (int64, error) { return id, nil },
	"registrations": func(s *Server, c *fiber.Ctx, id int64) (int64, error) {
		return s.Tickets.RegistrationEvent(c.UserContext(), id)
	},
}

// ownAccount are the first path segments anyone signed in may use: their
// tokens and password (API), the dashboard and logout (admin UI).
var ownAccount = map[string]bool{"auth": true, "": true, "logout": true}

var errAdminOnly = model.Fail(model.ErrForbidden, "Only an administrator may do this.")

// authorize answers 403 forbidden when the caller may not act on what the
// route names (see above).
func (s *Server) authorize(c *fiber.Ctx) error {
	u, _ := caller(c)
	if u == nil {
		return model.ErrUnauthorized
	}
	if ticketing.IsAdmin(u) {
		return c.Next()
	}
	segs := routeSegments(c.Path())
	first := ""
	if len(segs) > 0 {
		first = segs[0]
	}
	if len(segs) <= 1 && ownAccount[first] {
		return c.Next()
	}
	if first == "auth" {
		return c.Next()
	}
	if first == "audit" && len(segs) == 1 && c.Method() == fiber.MethodGet {
		return c.Next() // the log of an event its organizers may read (auditPage checks)
	}
	resolve, ok := eventScoped[first]
	if !ok {
		return errAdminOnly
	}
	if len(segs) == 1 {
		// The list (each handler keeps the caller's events) and, for
		// those who may, creating an event.
		if first == "events" && (c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead ||
			c.Method() == fiber.MethodPost && ticketing.MayCreateEvents(u)) {
			return c.Next()
		}
		return errAdminOnly
	}
	id, err := strconv.ParseInt(strings.TrimSuffix(segs[1], ".csv"), 10, 64)
	if err != nil || id <= 0 {
		return errAdminOnly
	}
	eventID, err := resolve(s, c, id)
	if err != nil {
		return err
	}
	if err := s.Tickets.MayActOnEvent(c.UserContext(), u, eventID); err != nil {
		return err
	}
	return c.Next()
}

// routeSegments are the path segments after /api/v1 or /admin, in lower
// case (routes match without regard to case), empty ones left out.
func routeSegments(p string) []string {
	p = strings.ToLower(p)
	for _, prefix := range []string{"/api/v1/", adminPrefix + "/"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			p = rest
			break
		}
	}
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if seg != "" {
			out = append(out, seg)
		}
	}
	return out
}

// visibleEvents are the events the caller may see, newest first.
func (s *Server) visibleEvents(c *fiber.Ctx) ([]*model.Event, error) {
	evs, err := s.Tickets.Events(c.UserContext())
	if err != nil {
		return nil, err
	}
	u, _ := caller(c)
	return s.Tickets.VisibleEvents(c.UserContext(), u, evs)
}

// callerID is the id of the signed-in user (0: none).
func callerID(c *fiber.Ctx) int64 {
	if u, _ := caller(c); u != nil {
		return u.ID
	}
	return 0
}

// userJSON describes a user: never the password hash.
type userJSON struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	Invited   bool      `json:"invited"`
	CreatedAt time.Time `json:"created_at"`
}

func userView(u *model.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Role: u.Role, Invited: u.Invited(), CreatedAt: u.CreatedAt}
}

func usersView(us []*model.User) list[userJSON] {
	out := list[userJSON]{Items: make([]userJSON, 0, len(us))}
	for _, u := range us {
		out.Items = append(out.Items, userView(u))
	}
	return out
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	us, err := s.Tickets.Users(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(usersView(us))
}

type inviteInput struct {
	Email  string `json:"email"`
	Role   string `json:"role"`
	Locale string `json:"locale"`
}

// mailLocale is a supported language for a mail, else English.
func (s *Server) mailLocale(l string) string {
	if l != "" && s.I18n.Supported(l) {
		return l
	}
	return "en"
}

// inviteUser creates a user without a password and mails them the link
// that sets one.
func (s *Server) inviteUser(c *fiber.Ctx) error {
	var in inviteInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, created, err := s.Tickets.InviteUser(c.UserContext(), in.Email, in.Role, s.mailLocale(in.Locale))
	if err != nil {
		return err
	}
	if !created {
		return c.JSON(userView(u))
	}
	c.Location("/api/v1/users/" + strconv.FormatInt(u.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(userView(u))
}

type roleInput struct {
	Role string `json:"role"`
}

func (s *Server) patchUser(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in roleInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := s.Tickets.SetUserRole(c.UserContext(), id, in.Role)
	if err != nil {
		return err
	}
	return c.JSON(userView(u))
}

func (s *Server) deleteUser(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.Tickets.DeleteUser(c.UserContext(), callerID(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// listCoOrganizers lists who runs an event besides its owner.
func (s *Server) listCoOrganizers(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	team, err := s.Tickets.EventTeam(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := usersView(team.CoOrganizers)
	var owner *userJSON
	if team.Owner != nil {
		o := userView(team.Owner)
		owner = &o
	}
	return c.JSON(fiber.Map{"owner": owner, "items": out.Items})
}

func (s *Server) removeCoOrganizer(c *fiber.Ctx) error {
	if _, err := s.removeCoOrganizerOf(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// removeCoOrganizerOf ends the access of the route's user to the route's
// event, and returns the event.
func (s *Server) removeCoOrganizerOf(c *fiber.Ctx) (int64, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return 0, err
	}
	uid, err := idParam(c, "user")
	if err != nil {
		return 0, err
	}
	return id, s.Tickets.RemoveCoOrganizer(c.UserContext(), id, uid)
}
