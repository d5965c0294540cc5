package web

import (
	"errors"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/markdown"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/ticketing"
)

// The event page /e/{slug}: what the event is (its Markdown description,
// sanitized), when (in the event's zone; event.js adds the visitor's), what
// it costs now (the tier and how long it lasts, a promo code that reprices
// live with JavaScript and through the form's Apply button without it), and
// the form of its state: registration, waiting list, or words saying why
// there is none.

// Event page states (eventPageData.State).
const (
	stateOpen      = "open"
	stateSoldOut   = "sold_out"
	stateReplay    = "replay"
	stateCancelled = "cancelled"
	statePast      = "past"
	stateClosed    = "closed"
)

// eventPageData feeds the registration page.
type eventPageData struct {
	Event     *model.Event
	View      *publicEventJSON
	Form      ticketing.RegisterInput
	SessionID string
	Problem   *apiErrorBody
	// Description is the event's Markdown, rendered and sanitized.
	Description template.HTML
	Sessions    []pageSession
	Options     []sessionJSON // sessions still open for registration
	State       string
	// Closed: no form at all (cancelled, past, closed).
	Closed bool
	// Replay: the event is over and its recording is what is sold.
	Replay bool
	// LastDate is the day of the last session, for a past event.
	LastDate string
	// Paid: the event has a price, so the form has a promo code and a
	// provider choice.
	Paid bool
	// Price is what one ticket costs now (with the promo code applied),
	// Base the struck-out price it comes down from ("" when none).
	Price, Base string
	// Discount says what the promo code took off; Tier names the current
	// tier and how long it lasts.
	Discount, Tier string
	// Seats says how many seats are left, when few are.
	Seats string
	// RefundRule states the automatic refund on cancellation.
	RefundRule string
	// PromoApplied: the form's Apply button priced the code (no
	// JavaScript); PromoProblem is its refusal.
	PromoApplied bool
	PromoProblem string
	// Approval says, next to the pay button of an event with manual
	// approval, what happens to the money: "authorize", "refund" or
	// "mixed" (then AuthorizeWith and RefundWith name the ways to pay).
	Approval                  string
	AuthorizeWith, RefundWith string
	// AfterWith names the ways to pay offline, once approved ("after":
	// the only ones).
	AfterWith string
	// Locale is the reader's language tag with its region (es-MX), for
	// numbers.
	Locale string
}

// pageSession is one session as the page shows it.
type pageSession struct {
	Text  string // in the event's zone
	Start string // RFC 3339, for event.js
	End   string
	Past  bool
}

// fewSeats: seats left are shown when they are at most this many, or at
// most a fifth of the capacity.
const fewSeats = 10

func (s *Server) eventPage(c *fiber.Ctx) error {
	return s.renderEventPage(c, fiber.StatusOK, ticketing.RegisterInput{}, nil)
}

func (s *Server) renderEventPage(c *fiber.Ctx, status int, form ticketing.RegisterInput, problem *apiErrorBody) error {
	return s.renderEventPageQuote(c, status, form, problem, false)
}

// renderEventPageQuote renders the page; apply prices the form's promo code
// (the Apply button), showing its refusal next to the field.
func (s *Server) renderEventPageQuote(c *fiber.Ctx, status int, form ticketing.RegisterInput, problem *apiErrorBody, apply bool) error {
	e, v, err := s.publicView(c)
	if err != nil {
		return err
	}
	L := s.pages.loc(c)
	d := eventPageData{Event: e, View: v, Form: form, Problem: problem, Description: template.HTML(markdown.HTML(e.Description))}
	if form.SessionID != nil {
		d.SessionID = strconv.FormatInt(*form.SessionID, 10)
	}
	now := s.Now()
	upcoming := 0
	for _, ss := range e.Sessions {
		end := ss.EndsAt()
		past := !end.After(now)
		if !past {
			upcoming++
		}
		d.Sessions = append(d.Sessions, pageSession{Text: L.Session(ss, e.Timezone), Past: past,
			Start: ss.StartsAt.UTC().Format(time.RFC3339), End: end.UTC().Format(time.RFC3339)})
	}
	for _, ss := range v.Sessions {
		if ss.EndsAt.After(now) {
			d.Options = append(d.Options, ss)
		}
	}
	d.Replay = v.Replay
	d.Approval, d.AuthorizeWith, d.RefundWith, d.AfterWith = s.approvalNote(c, v.Approval)
	switch {
	case e.Status == model.EventCancelled:
		d.State = stateCancelled
	case d.Replay:
		d.State = stateReplay
	case e.Kind != model.KindOnDemand && upcoming == 0 && len(e.Sessions) > 0:
		d.State = statePast
		last := e.Sessions[len(e.Sessions)-1]
		d.LastDate = s.I18n.FormatDate(L.Lang, last.StartsAt, e.Timezone)
	case e.Kind != model.KindOnDemand && upcoming == 0:
		d.State = stateClosed
	case v.SoldOut:
		d.State = stateSoldOut
	default:
		d.State = stateOpen
	}
	d.Closed = d.State == stateCancelled || d.State == statePast || d.State == stateClosed

	q := v.Price
	d.Paid = !q.Free
	if apply && d.Paid && strings.TrimSpace(form.PromoCode) != "" {
		d.PromoApplied = true
		pq, err := s.Tickets.Quote(c.UserContext(), e, form.PromoCode)
		s.countPromo(c, err)
		switch {
		case err == nil:
			q = quoteView(pq)
		case errors.Is(err, model.ErrValidation):
			d.PromoProblem = L.T("page.form.error.promo_code")
			status = fiber.StatusUnprocessableEntity
		default:
			return err
		}
	}
	d.Locale = L.Tag
	d.Price, d.Base, d.Discount = priceTexts(L, d.Locale, q)
	d.Tier = tierText(L, q, now, e.Timezone)
	if left := v.SeatsLeft; left != nil && *left > 0 && !e.PerSession() && !d.Replay {
		if *left <= fewSeats || (e.Capacity != nil && *left*5 <= *e.Capacity) {
			d.Seats = L.T("page.event.seats_left", "Count", *left)
		}
	}
	if h := e.CancelRefundHours; h != nil && d.Paid {
		switch {
		case e.Kind == model.KindOnDemand:
			d.RefundRule = L.T("page.event.refund_anytime")
		case *h == 0:
			d.RefundRule = L.T("page.event.refund_before_start")
		default:
			d.RefundRule = L.T("page.event.refund_hours", "Count", *h)
		}
	}
	return s.pages.render(c, status, "event", e.Title, d)
}

// priceTexts writes the quote's price, the price it comes down from and
// what the promo code took off, in the numbers of locale (a region's).
func priceTexts(L loc, locale string, q quoteJSON) (price, base, discount string) {
	if q.Free && q.BaseAmount == 0 {
		return L.T("page.event.free"), "", ""
	}
	if q.Amount == 0 {
		price = L.T("page.event.free")
	} else {
		price = pricing.FormatMoney(q.Amount, q.Currency, locale)
	}
	if q.BaseAmount > q.Amount {
		base = pricing.FormatMoney(q.BaseAmount, q.Currency, locale)
	}
	if q.PromoCode != nil && q.Discount > 0 {
		discount = L.T("page.event.discount", "Code", *q.PromoCode, "Amount", pricing.FormatMoney(q.Discount, q.Currency, locale))
	}
	return price, base, discount
}

// tierText names the current tier and how long its price lasts: "Early
// bird: 3 days left, 12 seats".
func tierText(L loc, q quoteJSON, now time.Time, tz string) string {
	if q.Tier == nil {
		return ""
	}
	var parts []string
	if end := q.TierEndsAt; end != nil && end.After(now) {
		left := end.Sub(now)
		switch {
		case left <= 24*time.Hour:
			parts = append(parts, L.T("page.event.tier_hours_left", "Count", int64((left+time.Hour-1)/time.Hour)))
		case left <= 14*24*time.Hour:
			parts = append(parts, L.T("page.event.tier_days_left", "Count", int64((left+24*time.Hour-1)/(24*time.Hour))))
		default:
			parts = append(parts, L.T("page.event.tier_until", "Date", L.b.FormatDate(L.Lang, *end, tz)))
		}
	}
	if n := q.TierLeft; n != nil && *n > 0 {
		parts = append(parts, L.T("page.event.tier_seats", "Count", *n))
	}
	if len(parts) == 0 {
		return *q.Tier
	}
	return L.T("page.event.tier", "Tier", *q.Tier, "Details", strings.Join(parts, L.T("page.event.tier_separator")))
}

// eventPageRegister is the plain HTML form's registration (no JavaScript),
// and its Apply button, which prices the promo code without registering.
func (s *Server) eventPageRegister(c *fiber.Ctx) error {
	in := ticketing.RegisterInput{
		Name:      c.FormValue("name"),
		Email:     c.FormValue("email"),
		PromoCode: c.FormValue("promo_code"),
		Provider:  c.FormValue("provider"),
	}
	in.Locale = s.pages.tag(c)
	if v := strings.TrimSpace(c.FormValue("session_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return s.renderEventPage(c, fiber.StatusUnprocessableEntity, in, &apiErrorBody{Code: "validation",
				Message: "Some fields are not valid.", Fields: map[string]string{"session_id": "choose one of the sessions"}})
		}
		in.SessionID = &id
	}
	if c.FormValue("apply") != "" {
		if err := s.checkPromo(c, in.PromoCode); err != nil {
			return err
		}
		return s.renderEventPageQuote(c, fiber.StatusOK, in, nil, true)
	}
	res, err := s.registerPublic(c, in, nil)
	if err != nil {
		return s.eventPageProblem(c, in, err)
	}
	if res.CheckoutURL != "" && !embeddable(c) {
		return c.Redirect(res.CheckoutURL, fiber.StatusSeeOther)
	}
	return s.pages.render(c, fiber.StatusCreated, "registered", res.Event.Title,
		registeredPage{RegisterResult: res, WatchURL: s.watchURL(res.Event, res.Registration), CheckoutURL: res.CheckoutURL})
}

// eventPageProblem shows the event page again with what was wrong with one
// of its forms; an unknown event and a refusal of too many attempts keep a
// page of their own, and a fault is a 500.
func (s *Server) eventPageProblem(c *fiber.Ctx, form ticketing.RegisterInput, err error) error {
	if errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrRateLimited) {
		return err // a page of its own
	}
	status, body, known := classify(err)
	if !known {
		return err
	}
	return s.renderEventPage(c, status, form, &body)
}
