package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/ticketing"
)

type waitlistJSON struct {
	ID             int64      `json:"id"`
	Position       int64      `json:"position,omitempty"`
	Name           string     `json:"name,omitempty"`
	Email          string     `json:"email,omitempty"`
	SessionID      *int64     `json:"session_id,omitempty"`
	Status         string     `json:"status,omitempty"`
	OfferedAt      *time.Time `json:"offered_at,omitempty"`
	OfferExpiresAt *time.Time `json:"offer_expires_at,omitempty"`
	RegistrationID *int64     `json:"registration_id,omitempty"`
	CreatedAt      *time.Time `json:"created_at,omitempty"`
}

// joinWaitlist puts someone in line for a sold-out event (or session).
func (s *Server) joinWaitlist(c *fiber.Ctx) error {
	var in ticketing.WaitInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var err error
	if in.Locale, err = s.registerLocale(c, in.Locale); err != nil {
		return err
	}
	w, err := s.Tickets.JoinWaitlist(c.UserContext(), c.Params("slug"), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"waitlist": waitlistJSON{ID: w.ID, Position: w.Position}})
}

// eventPageWaitlist is the sold-out event page's form (no JavaScript): a
// place in line, or the page again with the problem. The page shows the
// place but not the link: that comes by email, so that only the owner of
// the address can claim a seat with it.
func (s *Server) eventPageWaitlist(c *fiber.Ctx) error {
	in := ticketing.WaitInput{Name: c.FormValue("name"), Email: c.FormValue("email"), Locale: s.pages.tag(c)}
	form := ticketing.RegisterInput{Name: in.Name, Email: in.Email}
	if v := strings.TrimSpace(c.FormValue("session_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return s.renderEventPage(c, fiber.StatusUnprocessableEntity, form, &apiErrorBody{Code: "validation",
				Message: "Some fields are not valid.", Fields: map[string]string{"session_id": "choose one of the sessions"}})
		}
		in.SessionID, form.SessionID = &id, &id
	}
	w, err := s.Tickets.JoinWaitlist(c.UserContext(), c.Params("slug"), in)
	if err != nil {
		return s.eventPageProblem(c, form, err)
	}
	e, err := s.Tickets.PublicEvent(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	d, err := s.waitlistData(c, &ticketing.Offer{Entry: w, Event: e}, "waiting")
	if err != nil {
		return err
	}
	d.Token = ""
	return s.pages.render(c, fiber.StatusCreated, "waitlist", e.Title, d)
}

// listWaitlist is the organizer's view of an event's waiting list: every
// entry in line order, with its place (waiting ones) and status.
func (s *Server) listWaitlist(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ws, err := s.Tickets.Waitlist(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := list[waitlistJSON]{Items: make([]waitlistJSON, 0, len(ws))}
	for _, w := range ws {
		created := w.CreatedAt
		out.Items = append(out.Items, waitlistJSON{ID: w.ID, Position: w.Position, Name: w.Name, Email: w.Email,
			SessionID: w.SessionID, Status: w.Status, OfferedAt: w.OfferedAt, OfferExpiresAt: w.OfferExpiresAt,
			RegistrationID: w.RegistrationID, CreatedAt: &created})
	}
	return c.JSON(out)
}

// waitlistPageData feeds the /w/{token} page.
type waitlistPageData struct {
	*ticketing.Offer
	Token string
	// Mode is what the page shows: offer (a seat to claim), waiting,
	// gone (expired, used or left), leave (asks to confirm), left.
	Mode      string
	Sessions  []model.Session
	Deadline  string
	Providers []string // ways to pay, when there is a choice
	Price     string   // the current price, "" when free
}

func (s *Server) waitlistData(c *fiber.Ctx, o *ticketing.Offer, mode string) (*waitlistPageData, error) {
	d := &waitlistPageData{Offer: o, Token: c.Params("token"), Mode: mode}
	e, w := o.Event, o.Entry
	for _, ss := range e.Sessions {
		if w.SessionID == nil || *w.SessionID == ss.ID {
			d.Sessions = append(d.Sessions, ss)
		}
	}
	if mode == "offer" && !o.Open {
		d.Mode = "gone"
		if w.Status == model.WaitWaiting {
			d.Mode = "waiting"
		}
	}
	if d.Mode == "leave" && w.Status != model.WaitWaiting && w.Status != model.WaitOffered {
		d.Mode = "gone"
	}
	if e.Status == model.EventCancelled && (d.Mode == "offer" || d.Mode == "waiting") {
		d.Mode = "gone" // nothing left to wait for
	}
	if w.OfferExpiresAt != nil {
		d.Deadline = s.pages.loc(c).DateTime(*w.OfferExpiresAt, e.Timezone)
	}
	if d.Mode == "offer" {
		q, err := s.Tickets.Quote(c.UserContext(), e, "")
		if err != nil {
			return nil, err
		}
		if !q.Free {
			d.Price = pricing.FormatMoney(q.Amount, q.Currency, s.pages.tag(c))
			if ps := s.Tickets.UsableProviders(e); len(ps) > 1 {
				d.Providers = ps
			}
		}
	}
	return d, nil
}

// waitlistPage shows an offer with its confirm button, or the place in
// line, or that the link has ended.
func (s *Server) waitlistPage(c *fiber.Ctx) error {
	return s.renderWaitlist(c, "offer")
}

// leavePage asks to confirm leaving the list (the email's link).
func (s *Server) leavePage(c *fiber.Ctx) error {
	return s.renderWaitlist(c, "leave")
}

func (s *Server) renderWaitlist(c *fiber.Ctx, mode string) error {
	o, err := s.Tickets.WaitlistOffer(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	d, err := s.waitlistData(c, o, mode)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if d.Mode == "gone" {
		status = fiber.StatusGone
	}
	return s.pages.render(c, status, "waitlist", o.Event.Title, d)
}

// claimOffer takes the offered seat: free, confirmed at once and on to the
// access page; paid, on to the provider's checkout with the seat held.
func (s *Server) claimOffer(c *fiber.Ctx) error {
	provider := c.FormValue("provider")
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		var in struct {
			Provider string `json:"provider"`
		}
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		provider = in.Provider
	}
	res, err := s.Tickets.ClaimOffer(c.UserContext(), c.Params("token"), provider)
	if err != nil {
		return err
	}
	if wantsJSON(c) {
		status, body := registerAnswer(res, nil)
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Status(status).Send(body)
	}
	if res.CheckoutURL != "" {
		return c.Redirect(res.CheckoutURL, fiber.StatusSeeOther)
	}
	access := strings.TrimPrefix(s.Tickets.AccessURL(res.Registration.TokenNonce), s.Tickets.PublicURL())
	return c.Redirect(access, fiber.StatusSeeOther)
}

// leaveWaitlist takes the person off the list.
func (s *Server) leaveWaitlist(c *fiber.Ctx) error {
	o, err := s.Tickets.LeaveWaitlist(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	if wantsJSON(c) {
		return c.JSON(fiber.Map{"waitlist": waitlistJSON{ID: o.Entry.ID, Status: o.Entry.Status}})
	}
	d, err := s.waitlistData(c, o, "left")
	if err != nil {
		return err
	}
	return s.pages.render(c, fiber.StatusOK, "waitlist", o.Event.Title, d)
}
