package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/ticketing"
)

type accessJSON struct {
	Registration struct {
		ID        int64  `json:"id"`
		Status    string `json:"status"`
		Name      string `json:"name"`
		Email     string `json:"email"`
		SessionID *int64 `json:"session_id"`
	} `json:"registration"`
	Event      eventJSON             `json:"event"`
	Sessions   []sessionJSON         `json:"sessions"`
	JoinOpen   bool                  `json:"join_open"`
	Recordings []accessRecordingJSON `json:"recordings"`
	// Payment is an offline payment's state (a bank transfer): reference,
	// due_at, amount_received, balance, instructions; or, awaiting the
	// organizer's approval, awaiting_approval and nothing due yet.
	Payment *ticketing.OfflineState `json:"payment,omitempty"`
	// Authorization, on an event with manual approval, is the payment held
	// for the decision: status (authorized, captured, voided, lapsed,
	// capture_failed), amount, capture_by, expires_at.
	Authorization *authorizationJSON `json:"authorization,omitempty"`
}

// accessRecordingJSON is a recording as its registrant sees it: url is a
// signed stream link, open for a few minutes to this device only.
type accessRecordingJSON struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// watchable lists the recordings a registrant may watch, with their signed
// stream links for the requesting device (its device cookie when a browser
// page asks, else its network).
func (s *Server) watchable(c *fiber.Ctx, a *ticketing.Access) ([]accessRecordingJSON, error) {
	recs, err := s.Tickets.Watchable(c.UserContext(), a)
	if err != nil {
		return nil, err
	}
	dev := s.device(c, false)
	out := make([]accessRecordingJSON, 0, len(recs))
	for _, r := range recs {
		out = append(out, accessRecordingJSON{ID: r.ID, Title: r.Title, URL: s.Tickets.PublicURL() + s.streamPath(c, dev, r.ID)})
	}
	return out, nil
}

func (s *Server) access(c *fiber.Ctx) (*ticketing.Access, error) {
	return s.Tickets.Access(c.UserContext(), c.Params("token"))
}

func (s *Server) accessJSON(c *fiber.Ctx) error {
	a, err := s.access(c)
	if err != nil {
		return err
	}
	var out accessJSON
	r := a.Registration
	out.Registration.ID, out.Registration.Status, out.Registration.Name = r.ID, r.Status, r.Name
	out.Registration.Email, out.Registration.SessionID = r.Email, r.SessionID
	out.Event = s.eventView(a.Event, false)
	out.Sessions = []sessionJSON{}
	for _, ss := range a.Sessions {
		out.Sessions = append(out.Sessions, sessionJSON{ID: ss.ID, StartsAt: ss.StartsAt, EndsAt: ss.EndsAt(), DurationMinutes: ss.DurationMinutes})
	}
	out.JoinOpen = a.JoinOpen(s.Now())
	if out.Recordings, err = s.watchable(c, a); err != nil {
		return err
	}
	if out.Payment, err = s.Tickets.OfflineOf(c.UserContext(), r, s.pages.locale(c)); err != nil {
		return err
	}
	out.Authorization = authorizationView(r.Authorization)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

type accessPageData struct {
	*ticketing.Access
	Token    string
	Deny     string
	JoinOpen bool
	Next     *model.Session
	// Schedule is Sessions with their join windows and calendar links.
	Schedule []accessSession
	// Now is the server's time, from which the countdowns count.
	Now time.Time
	// Cancelled is set on the page shown after cancelling: "1", or what
	// the cancellation gave back (outcomeRefund, outcomeNoRefund,
	// outcomeFree).
	Cancelled string
	// Outcome is what cancelling now gives back (outcome*), and Paid the
	// amount it is about.
	Outcome, Paid string
	// Refund is what cancelling now gives back automatically ("" none).
	Refund string
	// Recordings the registrant may watch.
	Recordings []accessRecording
	// DevicesFull: recordings.max_devices (MaxDevices) other devices are
	// watching, so this one gets no player.
	DevicesFull bool
	MaxDevices  int
	// Expired are the titles of recordings no longer available.
	Expired []string
	// Offline is how to pay offline (a bank transfer) and what is left
	// (the page writes its amounts and term for the reader's region).
	Offline *ticketing.OfflineState
}

// accessRecording is a recording on the registrant's page: a player for a
// file Admit keeps, a link for an external one.
type accessRecording struct {
	ID                       int64
	Title, Path, ContentType string
	External                 bool
}

func (s *Server) accessPage(c *fiber.Ctx) error {
	a, err := s.access(c)
	if err != nil {
		return err
	}
	s.rememberLocale(c, a)
	now := s.Now()
	j := a.Join(now)
	token := c.Params("token")
	d := accessPageData{Access: a, Token: token, Deny: a.DenyReason(), JoinOpen: a.JoinOpen(now), Next: j.Next, Now: now,
		Cancelled: c.Query("cancelled"), Outcome: cancelOutcome(a, now)}
	switch d.Cancelled {
	case "", "1", outcomeRefund, outcomeNoRefund, outcomeFree, outcomeUnpaid, outcomeRefunding:
	default:
		d.Cancelled = "1"
	}
	d.Schedule = s.schedule(a, ticketing.WithLang(s.Tickets.PublicURL()+"/a/"+token, s.pages.tag(c)))
	recs, expired, err := s.Tickets.AccessRecordings(c.UserContext(), a)
	if err != nil {
		return err
	}
	for _, r := range expired {
		d.Expired = append(d.Expired, r.Title)
	}
	if len(recs) > 0 {
		dev := s.device(c, true)
		d.MaxDevices = s.Tickets.MaxDevices()
		d.DevicesFull = s.Tickets.DevicesFull(a.Registration.ID, dev.ID())
		for _, r := range recs {
			rec := accessRecording{ID: r.ID, Title: r.Title, ContentType: r.ContentType, External: r.External(),
				Path: s.streamPath(c, dev, r.ID)}
			if rec.External {
				// A link followed whenever the registrant likes: the plain
				// address hands out a fresh stream link then.
				rec.Path = "/a/" + d.Token + "/recordings/" + strconv.FormatInt(r.ID, 10)
			}
			d.Recordings = append(d.Recordings, rec)
		}
	}
	if r := a.Registration; r.Refundable() > 0 {
		d.Paid = pricing.FormatMoney(r.Refundable(), r.MoneyCurrency(), s.pages.tag(c))
		if d.Outcome == outcomeRefund {
			d.Refund = d.Paid
		}
	}
	if d.Offline, err = s.Tickets.OfflineOf(c.UserContext(), a.Registration, s.pages.locale(c)); err != nil {
		return err
	}
	return s.pages.render(c, fiber.StatusOK, "access", a.Event.Title, d)
}

type joinPageData struct {
	*ticketing.Access
	Token string
	Deny  string
	Join  ticketing.Join
	// MaxDevices words the devices_full refusal of a recording.
	MaxDevices int
}

// join sends the registrant to the live room while a session is open.
func (s *Server) join(c *fiber.Ctx) error {
	// The usual answer, the room, is decided with the few columns it needs;
	// every other answer is a page, made from the whole registration.
	quick, err := s.Tickets.JoinAccess(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	if j := quick.Join(s.Now()); quick.DenyReason() == "" && j.URL != "" {
		return s.toRoom(c, quick, j)
	}
	a, err := s.access(c)
	if err != nil {
		return err
	}
	d := joinPageData{Access: a, Token: c.Params("token"), Deny: a.DenyReason(), Join: a.Join(s.Now())}
	if d.Deny != "" {
		return s.pages.render(c, fiber.StatusForbidden, "join", a.Event.Title, d)
	}
	if d.Join.URL != "" {
		return s.toRoom(c, a, d.Join)
	}
	s.attend(c, a, d.Join)
	return s.pages.render(c, fiber.StatusOK, "join", a.Event.Title, d)
}

// toRoom sends a registrant who may join to the room of the session open
// now (j), noting the attendance.
func (s *Server) toRoom(c *fiber.Ctx, a *ticketing.Access, j ticketing.Join) error {
	s.attend(c, a, j)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(j.URL, fiber.StatusFound)
}

// attend notes that the registrant opened the join link while a session
// was open (it counts as attending it). A failure to note it never keeps
// the registrant out of the room.
func (s *Server) attend(c *fiber.Ctx, a *ticketing.Access, j ticketing.Join) {
	if err := s.Tickets.Attend(c.UserContext(), a, j); err != nil {
		s.Log.ErrorContext(c.UserContext(), "attendance not recorded", "registration_id", a.Registration.ID, "err", err)
	}
}

// calendar is the .ics of every session the registrant may attend.
func (s *Server) calendar(c *fiber.Ctx) error {
	a, err := s.access(c)
	if err != nil {
		return err
	}
	b, err := s.Tickets.Calendar(a, s.Tickets.PublicURL()+"/a/"+c.Params("token"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.ics"`, a.Event.Slug))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

// cancelByRegistrant cancels from the access page (a form) or the API; the
// page shown next says what the cancellation gave back.
func (s *Server) cancelByRegistrant(c *fiber.Ctx) error {
	outcome := "1"
	if before, err := s.access(c); err == nil && before.Registration.Status != model.StatusCancelled && before.Registration.Status != model.StatusRefunded {
		outcome = cancelOutcome(before, s.Now())
	}
	a, err := s.Tickets.CancelByRegistrant(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	if strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON) || strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return c.JSON(fiber.Map{"registration": fiber.Map{"id": a.Registration.ID, "status": a.Registration.Status}})
	}
	target := "/a/" + c.Params("token") + "?cancelled=" + outcome
	if lang := c.Query("lang"); lang != "" && s.I18n.Has(lang) {
		target = ticketing.WithLang(target, s.I18n.MatchTag(lang, ""))
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}
