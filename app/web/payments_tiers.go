// Price tiers and promo codes of an event: the admin API.

package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
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
