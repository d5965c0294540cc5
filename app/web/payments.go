package web

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/ticketing"
)

type tierJSON struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Price     moneyJSON  `json:"price"`
	ExpiresAt *time.Time `json:"expires_at"`
	Quantity  *int64     `json:"quantity"`
	Sold      int64      `json:"sold"`
	// Oversold is how many seats beyond quantity were sold: payments that
	// came after their hold ran out are kept while the event has a seat,
	// even when the tier went to someone else meanwhile.
	Oversold int64 `json:"oversold"`
	Position int64 `json:"position"`
}

func tierView(t *model.Tier) tierJSON {
	v := tierJSON{ID: t.ID, Name: t.Name, Price: moneyJSON{Amount: t.Amount, Currency: t.Currency}, ExpiresAt: t.ExpiresAt,
		Quantity: t.Quantity, Sold: t.Sold, Position: t.Position}
	if t.Quantity != nil {
		v.Oversold = max(0, t.Sold-*t.Quantity)
	}
	return v
}

func (s *Server) createTier(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in ticketing.TierInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.Tickets.AddTier(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(tierView(t))
}

func (s *Server) listTiers(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	tiers, err := s.Tickets.Tiers(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := list[tierJSON]{Items: make([]tierJSON, 0, len(tiers))}
	for i := range tiers {
		out.Items = append(out.Items, tierView(&tiers[i]))
	}
	return c.JSON(out)
}

func (s *Server) deleteTier(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	tid, err := idParam(c, "tier")
	if err != nil {
		return err
	}
	if err := s.Tickets.DeleteTier(c.UserContext(), id, tid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type promoJSON struct {
	ID         int64  `json:"id"`
	Code       string `json:"code"`
	PercentOff *int64 `json:"percent_off"`
	AmountOff  *int64 `json:"amount_off"`
	// Currency is AmountOff's.
	Currency string `json:"currency,omitempty"`
	MaxUses  *int64 `json:"max_uses"`
	Uses     int64  `json:"uses"`
	// Overused is how many uses beyond max_uses were paid (late payments,
	// as for a tier's oversold).
	Overused  int64      `json:"overused"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func promoView(p *model.Promo) promoJSON {
	v := promoJSON{ID: p.ID, Code: p.Code, MaxUses: p.MaxUses, Uses: p.Uses, ExpiresAt: p.ExpiresAt}
	if p.MaxUses != nil {
		v.Overused = max(0, p.Uses-*p.MaxUses)
	}
	if p.AmountOff > 0 {
		a := p.AmountOff
		v.AmountOff, v.Currency = &a, p.Currency
	} else {
		pc := p.PercentOff
		v.PercentOff = &pc
	}
	return v
}

func (s *Server) createPromo(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in ticketing.PromoInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := s.Tickets.AddPromo(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(promoView(p))
}

func (s *Server) listPromos(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	promos, err := s.Tickets.Promos(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := list[promoJSON]{Items: make([]promoJSON, 0, len(promos))}
	for i := range promos {
		out.Items = append(out.Items, promoView(&promos[i]))
	}
	return c.JSON(out)
}

func (s *Server) deletePromo(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	pid, err := idParam(c, "promo")
	if err != nil {
		return err
	}
	if err := s.Tickets.DeletePromo(c.UserContext(), id, pid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type refundInput struct {
	Amount *int64 `json:"amount"`
}

func (s *Server) refund(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in refundInput
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	r, err := s.Tickets.RefundRegistration(c.UserContext(), id, in.Amount)
	if err != nil {
		return err
	}
	return c.JSON(registrationView(r))
}

// webhook applies a provider's event. The body and headers are copied out
// of fiber's reused buffers before anything reads them.
func (s *Server) webhook(c *fiber.Ctx) error {
	name := c.Params("provider")
	p, ok := s.Tickets.WebhookProvider(name)
	if !ok {
		// Nothing can verify it: refused like a bad signature, changing
		// nothing (counted without the name, which the client chose).
		s.Metrics.Webhook("unknown", "bad_signature")
		return c.Status(fiber.StatusBadRequest).JSON(apiError{Error: apiErrorBody{Code: "bad_signature",
			Message: name + " is not connected here, so its webhooks cannot be verified."}})
	}
	body := bytes.Clone(c.Body())
	header := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) { header.Add(string(k), string(v)) })
	ev, err := p.ParseWebhook(c.UserContext(), payment.WebhookRequest{Body: body, Header: header})
	switch {
	case errors.Is(err, payment.ErrSignature):
		s.Metrics.Webhook(p.Name(), "bad_signature")
		s.Log.Warn("webhook refused", "request_id", requestIDOf(c), "provider", name, "err", err)
		return c.Status(fiber.StatusBadRequest).JSON(apiError{Error: apiErrorBody{Code: "bad_signature", Message: "The webhook signature is missing, wrong or too old."}})
	case errors.Is(err, payment.ErrIgnored):
		s.Metrics.Webhook(p.Name(), string(ticketing.Ignored))
		return c.JSON(fiber.Map{"status": "ignored"})
	case err != nil:
		s.Metrics.Webhook(p.Name(), "error")
		return err
	}
	outcome, err := s.Tickets.ApplyPayment(c.UserContext(), ev)
	s.Metrics.Webhook(p.Name(), webhookOutcome(outcome, err))
	if err != nil {
		return err // a 5xx: the provider delivers again
	}
	return c.JSON(fiber.Map{"status": outcome})
}

// queryValues copies the request's query (fiber reuses its buffers).
func queryValues(c *fiber.Ctx) url.Values {
	q := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	return q
}

func (s *Server) getProvider(c *fiber.Ctx) error {
	info, err := s.Tickets.Provider(c.UserContext(), c.Params("provider"))
	if err != nil {
		return err
	}
	return c.JSON(info)
}

func (s *Server) putProvider(c *fiber.Ctx) error {
	in, err := providerSettings(c)
	if err != nil {
		return err
	}
	info, err := s.Tickets.ConnectProvider(c.UserContext(), c.Params("provider"), ticketing.Credentials(in))
	if err != nil {
		return err
	}
	return c.JSON(info)
}

type disconnectInput struct {
	MakeFree bool `json:"make_free"`
}

func (s *Server) deleteProvider(c *fiber.Ctx) error {
	var in disconnectInput
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	if c.QueryBool("make_free") {
		in.MakeFree = true
	}
	info, err := s.Tickets.DisconnectProvider(c.UserContext(), c.Params("provider"), in.MakeFree)
	if err != nil {
		return err
	}
	return c.JSON(info)
}
