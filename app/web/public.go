package web

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

type quoteJSON struct {
	Amount     int64   `json:"amount"`
	Currency   string  `json:"currency"`
	BaseAmount int64   `json:"base_amount"`
	Tier       *string `json:"tier"`
	PromoCode  *string `json:"promo_code"`
	Discount   int64   `json:"discount"`
	Free       bool    `json:"free"`
	// RaisedToMinimum: the discount would have gone below the providers'
	// minimum charge, so the price is that minimum.
	RaisedToMinimum bool `json:"raised_to_minimum,omitempty"`
}

func quoteView(p *ticketing.Priced) quoteJSON {
	q := quoteJSON{Amount: p.Amount, Currency: p.Currency, BaseAmount: p.BaseAmount, Discount: p.Discount, Free: p.Free}
	if p.Tier != "" {
		t := p.Tier
		q.Tier = &t
	}
	if p.PromoCode != "" {
		c := p.PromoCode
		q.PromoCode = &c
	}
	q.RaisedToMinimum = p.RaisedToMinimum
	return q
}

type publicEventJSON struct {
	Event     eventJSON     `json:"event"`
	Sessions  []sessionJSON `json:"sessions"`
	Price     quoteJSON     `json:"price"`
	SeatsLeft *int64        `json:"seats_left"`
	SoldOut   bool          `json:"sold_out"`
	// Providers are the ways to pay this event now.
	Providers []string `json:"providers"`
	// Replay: the event is over and sells its recording (at price), with
	// no seat limit.
	Replay bool `json:"replay"`
	// Approval, for a paid event with manual approval: how each way to pay
	// handles the decision, "authorize" (the money is held and taken only
	// on approval) or "charge_then_refund" (taken now, refunded in full on
	// rejection).
	Approval map[string]string `json:"approval,omitempty"`
}

func (s *Server) publicEvent(c *fiber.Ctx) error {
	_, v, err := s.publicView(c)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// publicView reads the published event of the route's slug and what the
// public sees of it.
func (s *Server) publicView(c *fiber.Ctx) (*model.Event, *publicEventJSON, error) {
	e, err := s.Tickets.PublicEvent(c.UserContext(), c.Params("slug"))
	if err != nil {
		return nil, nil, err
	}
	v, err := s.publicEventView(c, e)
	return e, v, err
}

func (s *Server) publicEventView(c *fiber.Ctx, e *model.Event) (*publicEventJSON, error) {
	ev := s.eventView(e, false)
	seats, err := s.Tickets.SeatsLeft(c.UserContext(), e)
	if err != nil {
		return nil, err
	}
	for i := range ev.Sessions {
		if n, ok := seats.Sessions[ev.Sessions[i].ID]; ok {
			ev.Sessions[i].SeatsLeft = &n
		}
	}
	left := seats.Left
	replay := e.SellsReplay(s.Now())
	if replay {
		left = nil // a replay is not limited by the capacity
	}
	q, err := s.Tickets.Quote(c.UserContext(), e, "")
	if err != nil {
		return nil, err
	}
	providers := s.Tickets.UsableProviders(e)
	var approval map[string]string
	if !q.Free {
		approval = s.approvalOf(e, providers)
	}
	return &publicEventJSON{Event: ev, Sessions: ev.Sessions, Price: quoteView(q), SeatsLeft: left, SoldOut: left != nil && *left == 0,
		Providers: providers, Replay: replay, Approval: approval}, nil
}

func (s *Server) publicQuote(c *fiber.Ctx) error {
	code := c.Query("promo_code")
	if err := s.checkPromo(c, code); err != nil {
		return err
	}
	e, err := s.Tickets.PublicEvent(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	q, err := s.Tickets.Quote(c.UserContext(), e, code)
	if err != nil {
		s.countPromo(c, err)
		return err
	}
	return c.JSON(quoteView(q))
}

// registerPublic registers from the API or the form: the promo-code limit
// is checked before and counted after, and the client's address goes with
// the registration (for the limit on holds).
func (s *Server) registerPublic(c *fiber.Ctx, in ticketing.RegisterInput, idem *ticketing.Idempotency) (*ticketing.RegisterResult, error) {
	if err := s.checkPromo(c, in.PromoCode); err != nil {
		return nil, err
	}
	if a := clientOf(c); a.IsValid() {
		in.ClientIP = clientKey(a)
	}
	res, err := s.Tickets.Register(c.UserContext(), c.Params("slug"), in, idem)
	s.countPromo(c, err)
	s.Metrics.Registration(registrationOutcome(res, err))
	return res, err
}

type registeredJSON struct {
	Registration struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	} `json:"registration"`
	CheckoutURL string `json:"checkout_url,omitempty"`
}

// registerAnswer is the JSON answer to a registration, also stored for an
// Idempotency-Key.
func registerAnswer(res *ticketing.RegisterResult, err error) (int, []byte) {
	if err != nil {
		status, body, _ := classify(err)
		b, _ := json.Marshal(apiError{Error: body})
		return status, b
	}
	var out registeredJSON
	out.Registration.ID = res.Registration.ID
	out.Registration.Status = res.Registration.Status
	out.CheckoutURL = res.CheckoutURL
	b, _ := json.Marshal(out)
	return fiber.StatusCreated, b
}

// registerLocale is the language of a registration: the one asked for,
// else the page's.
func (s *Server) registerLocale(c *fiber.Ctx, asked string) (string, error) {
	if asked == "" {
		return s.pages.tag(c), nil
	}
	if len(asked) > 35 {
		return "", model.Invalid(map[string]string{"locale": "is not a language tag"})
	}
	return s.I18n.MatchTag(asked, c.Get(fiber.HeaderAcceptLanguage)), nil
}

func (s *Server) register(c *fiber.Ctx) error {
	var in ticketing.RegisterInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var err error
	if in.Locale, err = s.registerLocale(c, in.Locale); err != nil {
		return err
	}
	var idem *ticketing.Idempotency
	if key, hash, err := idempotencyKey(c); err != nil {
		return err
	} else if key != "" {
		idem = &ticketing.Idempotency{Key: key, RequestHash: hash, Answer: registerAnswer}
	}
	res, err := s.registerPublic(c, in, idem)
	if err != nil {
		return err
	}
	status, body := registerAnswer(res, nil)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(status).Send(body)
}

// eventPageData feeds the registration page.
type eventPageData struct {
	Event     *model.Event
	View      *publicEventJSON
	Form      ticketing.RegisterInput
	SessionID string
	Problem   *apiErrorBody
	Upcoming  []model.Session
	Options   []sessionJSON // sessions still open for registration
	Closed    bool
	// Replay: the event is over and its recording is what is sold.
	Replay    bool
	Price     string // the current price, "" when free
	BasePrice string // the base price when a tier lowers it
	// Approval says, next to the pay button of an event with manual
	// approval, what happens to the money: "authorize", "refund" or
	// "mixed" (then AuthorizeWith and RefundWith name the ways to pay).
	Approval                  string
	AuthorizeWith, RefundWith string
}

func (s *Server) eventPage(c *fiber.Ctx) error {
	return s.renderEventPage(c, fiber.StatusOK, ticketing.RegisterInput{}, nil)
}

func (s *Server) renderEventPage(c *fiber.Ctx, status int, form ticketing.RegisterInput, problem *apiErrorBody) error {
	e, v, err := s.publicView(c)
	if err != nil {
		return err
	}
	d := eventPageData{Event: e, View: v, Form: form, Problem: problem}
	if form.SessionID != nil {
		d.SessionID = strconv.FormatInt(*form.SessionID, 10)
	}
	now := s.Now()
	for _, ss := range e.Sessions {
		if ss.EndsAt().After(now) {
			d.Upcoming = append(d.Upcoming, ss)
		}
	}
	for _, ss := range v.Sessions {
		if ss.EndsAt.After(now) {
			d.Options = append(d.Options, ss)
		}
	}
	d.Replay = v.Replay
	d.Approval, d.AuthorizeWith, d.RefundWith = s.approvalNote(c, v.Approval)
	d.Closed = e.Status == model.EventCancelled || (e.Kind != model.KindOnDemand && len(d.Upcoming) == 0 && !d.Replay)
	if q := v.Price; !q.Free {
		d.Price = formatMoney(q.Amount, q.Currency, s.pages.tag(c))
		if q.BaseAmount > q.Amount {
			d.BasePrice = formatMoney(q.BaseAmount, q.Currency, s.pages.tag(c))
		}
	}
	return s.pages.render(c, status, "event", e.Title, d)
}

// eventPageRegister is the plain HTML form's registration (no JavaScript).
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
	res, err := s.registerPublic(c, in, nil)
	if err != nil {
		return s.eventPageProblem(c, in, err)
	}
	if res.CheckoutURL != "" {
		return c.Redirect(res.CheckoutURL, fiber.StatusSeeOther)
	}
	return s.pages.render(c, fiber.StatusCreated, "registered", res.Event.Title,
		registeredPage{RegisterResult: res, WatchURL: s.watchURL(res.Event, res.Registration)})
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
