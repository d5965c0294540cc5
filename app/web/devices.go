package web

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// deviceCookie holds a browser's random device id, set by the access page:
// the stream links a page hands out are bound to it.
const deviceCookie = "admit_device"

// device is the client as stream links know it. With issue, a browser
// without a device cookie is given one (the access page does).
func (s *Server) device(c *fiber.Ctx, issue bool) ticketing.Device {
	ck := c.Cookies(deviceCookie)
	if issue && !ticketing.ValidDeviceCookie(ck) {
		ck = ticketing.NewDeviceCookie()
		c.Cookie(&fiber.Cookie{Name: deviceCookie, Value: ck, Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
			HTTPOnly: true, Secure: s.https, SameSite: "Lax"})
	}
	return s.Tickets.Device(ck, clientOf(c).String(), c.Get(fiber.HeaderUserAgent))
}

// refuseStream answers 403 to a recording's request, saying why (code is a
// deny reason: a registration status, event_cancelled, link_invalid,
// link_expired, other_device or devices_full): a page, or JSON for
// clients that ask for it.
func (s *Server) refuseStream(c *fiber.Ctx, a *ticketing.Access, code string) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	n := s.Tickets.MaxDevices()
	if wantsJSON(c) {
		msg := s.I18n.T("en", "page.deny."+code, map[string]any{"Count": n})
		return c.Status(fiber.StatusForbidden).JSON(apiError{Error: apiErrorBody{Code: code, Message: msg}})
	}
	return s.pages.render(c, fiber.StatusForbidden, "join", a.Event.Title,
		joinPageData{Access: a, Token: c.Params("token"), Deny: code, MaxDevices: n})
}

// streamRefusal is the code of a refused stream (see ticketing.StartStream),
// "" for any other error.
func streamRefusal(err error) string {
	var p *model.Problem
	if errors.As(err, &p) && errors.Is(p.Err, model.ErrForbidden) {
		return p.Code
	}
	return ""
}

// streamPath is the signed link of a registrant's recording for a device.
func (s *Server) streamPath(c *fiber.Ctx, d ticketing.Device, id int64) string {
	return s.Tickets.StreamPath(c.Params("token"), id, d.ID())
}

type viewJSON struct {
	ID          int64     `json:"id"`
	RecordingID int64     `json:"recording_id"`
	Title       string    `json:"title"`
	Device      string    `json:"device"`
	ClientIP    string    `json:"client_ip"`
	UserAgent   string    `json:"user_agent"`
	StartedAt   time.Time `json:"started_at"`
}

// listViews is GET /api/v1/registrations/{id}/views: each time a device
// started watching one of the registration's recordings.
func (s *Server) listViews(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	views, err := s.Tickets.Views(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := list[viewJSON]{Items: make([]viewJSON, 0, len(views))}
	for _, v := range views {
		out.Items = append(out.Items, viewJSON{ID: v.ID, RecordingID: v.RecordingID, Title: v.Title, Device: v.Device,
			ClientIP: v.ClientIP, UserAgent: v.UserAgent, StartedAt: v.StartedAt})
	}
	return c.JSON(out)
}

// rotateToken is POST /api/v1/registrations/{id}/rotate_token: a new
// access link, mailed to the registrant; the old one answers 404 at once.
func (s *Server) rotateToken(c *fiber.Ctx) error {
	return s.registrationAction(c, func(t *ticketing.Service, c *fiber.Ctx, id int64) (*model.Registration, error) {
		return t.RotateToken(c.UserContext(), id)
	})
}
