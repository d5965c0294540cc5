package web

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

type quoteJSON struct {
	Amount     int64   `json:"amount"`
	Currency   string  `json:"currency"`
	BaseAmount int64   `json:"base_amount"`
	Tier       *string `json:"tier"`
	// TierEndsAt and TierLeft: until when, and for how many more seats,
	// the tier's price holds (null: no limit, or no tier).
	TierEndsAt *time.Time `json:"tier_ends_at"`
	TierLeft   *int64     `json:"tier_left"`
	PromoCode  *string    `json:"promo_code"`
	Discount   int64      `json:"discount"`
	Free       bool       `json:"free"`
	// RaisedToMinimum: the discount would have gone below the providers'
	// minimum charge, so the price is that minimum.
	RaisedToMinimum bool `json:"raised_to_minimum,omitempty"`
	// Texts: with ?lang=, the price, the struck-through base price and the
	// discount line written as the event page writes them in that language.
	Texts *quoteTexts `json:"texts,omitempty"`
}

func quoteView(p *ticketing.Priced) quoteJSON {
	q := quoteJSON{Amount: p.Amount, Currency: p.Currency, BaseAmount: p.BaseAmount, Discount: p.Discount, Free: p.Free}
	if p.Tier != "" {
		t := p.Tier
		q.Tier = &t
		if !p.TierEndsAt.IsZero() {
			end := p.TierEndsAt
			q.TierEndsAt = &end
		}
		if p.TierLeft >= 0 {
			left := p.TierLeft
			q.TierLeft = &left
		}
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
	// on approval), "charge_then_refund" (taken now, refunded in full on
	// rejection) or "pay_after_approval" (paid offline, a bank transfer,
	// once approved: nothing is due before).
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
	v := quoteView(q)
	if c.Query("lang") != "" {
		L := s.pages.loc(c)
		var t quoteTexts
		t.Price, t.Base, t.Discount = priceTexts(L, L.Tag, v)
		v.Texts = &t
	}
	return c.JSON(v)
}

type quoteTexts struct {
	Price    string `json:"price"`
	Base     string `json:"base"`
	Discount string `json:"discount"`
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
	if err != nil { // a registration made is counted by the domain, with its status
		s.Metrics.Registration(registrationRefusal(err))
	}
	return res, err
}

type registeredJSON struct {
	Registration struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	} `json:"registration"`
	CheckoutURL string `json:"checkout_url,omitempty"`
}

// registerAnswer is the JSON answer to a registration, also kept for an
// Idempotency-Key (registerRecord).
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
		idem = &ticketing.Idempotency{Key: key, RequestHash: hash, Record: registerRecord}
	}
	res, err := s.registerPublic(c, in, idem)
	var replay *ticketing.Replayed
	if errors.As(err, &replay) {
		return replayAnswer(c, replay)
	}
	if err != nil {
		return err
	}
	status, body := registerAnswer(res, nil)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(status).Send(body)
}
