package ticketing

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/store"
)

// TierInput is the body of POST /api/v1/events/{id}/tiers.
type TierInput struct {
	Name      string      `json:"name"`
	Price     *MoneyInput `json:"price"`
	Amount    *int64      `json:"amount"` // accepted too: the price in the event's currency
	ExpiresAt *string     `json:"expires_at"`
	Quantity  *int64      `json:"quantity"`
}

// PromoInput is the body of POST /api/v1/events/{id}/promo_codes.
type PromoInput struct {
	Code       string  `json:"code"`
	PercentOff *int64  `json:"percent_off"`
	AmountOff  *int64  `json:"amount_off"`
	MaxUses    *int64  `json:"max_uses"`
	ExpiresAt  *string `json:"expires_at"`
}

func parseTime(f fields, name string, v *string) *time.Time {
	if v == nil || *v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		f.add(name, "%q is not an RFC 3339 time such as 2026-03-01T00:00:00+01:00", *v)
		return nil
	}
	t = t.UTC().Truncate(time.Second)
	return &t
}

// AddTier adds a discounted ticket batch after the event's others.
func (s *Service) AddTier(ctx context.Context, eventID int64, in TierInput) (*model.Tier, error) {
	var out *model.Tier
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		e, err := tx.Event(eventID)
		if err != nil {
			return err
		}
		f := fields{}
		if e.Price == nil {
			return model.Invalid(fields{"price": "this event is free: set the event's price before adding discounted tiers"})
		}
		t := &model.Tier{EventID: e.ID, Name: strings.TrimSpace(in.Name), Currency: e.Price.Currency, Quantity: in.Quantity}
		switch {
		case in.Price != nil && in.Price.Amount != nil:
			if in.Price.Currency != "" && in.Price.Currency != e.Price.Currency {
				f.add("price.currency", "must be the event's currency, %s", e.Price.Currency)
			}
			t.Amount = *in.Price.Amount
		case in.Amount != nil:
			t.Amount = *in.Amount
		default:
			f.add("price", "is required: {\"amount\": 2900, \"currency\": %q}", e.Price.Currency)
		}
		t.ExpiresAt = parseTime(f, "expires_at", in.ExpiresAt)
		if len(f) == 0 {
			for k, v := range pricing.ValidateTier(pricing.Tier{Name: t.Name, Amount: t.Amount, ExpiresAt: t.ExpiresAt, Quantity: t.Quantity}, e.Price.Amount, e.Price.Currency) {
				if k == "amount" {
					k = "price.amount"
				}
				f.add(k, "%s", v)
			}
		}
		if len(f) == 0 {
			if msg := s.belowProviderMinimum(e, t.Amount); msg != "" {
				f.add("price.amount", "%s", msg)
			}
		}
		if len(f) > 0 {
			return model.Invalid(f)
		}
		if err := tx.InsertTier(t); err != nil {
			return err
		}
		tiers, err := tx.Tiers(e.ID)
		for i := range tiers {
			if tiers[i].ID == t.ID {
				out = &tiers[i]
			}
		}
		return err
	})
	return out, err
}

// Tiers lists an event's tiers with the seats each has sold.
func (s *Service) Tiers(ctx context.Context, eventID int64) ([]model.Tier, error) {
	if _, err := s.store.Event(ctx, eventID); err != nil {
		return nil, err
	}
	return s.store.Tiers(ctx, eventID)
}

// DeleteTier removes a tier; tickets sold in it keep their price.
func (s *Service) DeleteTier(ctx context.Context, eventID, tierID int64) error {
	return s.store.Write(ctx, func(tx *store.Tx) error {
		ok, err := tx.DeleteTier(eventID, tierID)
		if err == nil && !ok {
			err = model.ErrNotFound
		}
		return err
	})
}

// AddPromo adds a promo code to an event.
func (s *Service) AddPromo(ctx context.Context, eventID int64, in PromoInput) (*model.Promo, error) {
	var out *model.Promo
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		e, err := tx.Event(eventID)
		if err != nil {
			return err
		}
		f := fields{}
		p := &model.Promo{EventID: e.ID, Code: strings.TrimSpace(in.Code), MaxUses: in.MaxUses}
		if in.PercentOff != nil {
			p.PercentOff = *in.PercentOff
		}
		if in.AmountOff != nil {
			p.AmountOff = *in.AmountOff
		}
		discount := "percent_off"
		if in.PercentOff == nil {
			discount = "amount_off"
		}
		switch {
		case in.PercentOff != nil && in.AmountOff != nil:
			f.add("percent_off", "give percent_off or amount_off, not both")
		case in.PercentOff == nil && in.AmountOff == nil:
			f.add("percent_off", "is required (or amount_off): 50 for 50 %% off")
		case e.Price == nil:
			f.add(discount, "this event is free: a promo code has nothing to take off (set a price first)")
		case in.PercentOff != nil && *in.PercentOff == 0:
			f.add("percent_off", "must be between 1 and 100: 0 %% takes nothing off")
		case in.AmountOff != nil && *in.AmountOff == 0:
			f.add("amount_off", "must be greater than 0: an amount of 0 takes nothing off")
		}
		p.ExpiresAt = parseTime(f, "expires_at", in.ExpiresAt)
		currency := ""
		if e.Price != nil {
			currency = e.Price.Currency
			if p.AmountOff > 0 {
				p.Currency = currency
			}
		}
		if len(f) == 0 {
			for k, v := range pricing.ValidatePromo(pricing.Promo{Code: p.Code, PercentOff: p.PercentOff, AmountOff: p.AmountOff, MaxUses: p.MaxUses, ExpiresAt: p.ExpiresAt}, currency) {
				f.add(k, "%s", v)
			}
		}
		if len(f) > 0 {
			return model.Invalid(f)
		}
		if err := tx.InsertPromo(p, strings.ToLower(p.Code)); err != nil {
			if errors.Is(err, model.ErrConflict) {
				return model.Invalid(fields{"code": "this event already has the code " + p.Code})
			}
			return err
		}
		out = p
		return nil
	})
	return out, err
}

// Promos lists an event's promo codes with their uses.
func (s *Service) Promos(ctx context.Context, eventID int64) ([]model.Promo, error) {
	if _, err := s.store.Event(ctx, eventID); err != nil {
		return nil, err
	}
	return s.store.Promos(ctx, eventID)
}

// DeletePromo removes a promo code.
func (s *Service) DeletePromo(ctx context.Context, eventID, promoID int64) error {
	return s.store.Write(ctx, func(tx *store.Tx) error {
		ok, err := tx.DeletePromo(eventID, promoID)
		if err == nil && !ok {
			err = model.ErrNotFound
		}
		return err
	})
}

// errPromoInvalid is the one answer for any code that does not apply, on
// this event or another, so that codes cannot be probed.
var errPromoInvalid = &model.Problem{Err: model.ErrValidation, Code: "promo_invalid", Message: "This promo code is not valid for this event.",
	Fields: map[string]string{"promo_code": "is not valid for this event"}}

// Priced is a quote with the rows it came from.
type Priced struct {
	pricing.Quote
	TierID  *int64
	PromoID *int64
}

// quote prices one ticket of e now with an optional code. Free events have a
// zero quote; a code on them is invalid.
func (s *Service) quote(ctx context.Context, e *model.Event, tiers []model.Tier, promos []model.Promo, code string, now time.Time) (*Priced, error) {
	code = strings.TrimSpace(code)
	if e.Price == nil {
		if code != "" {
			return nil, errPromoInvalid
		}
		return &Priced{Quote: pricing.Quote{Free: true}}, nil
	}
	// A tier or an amount off in another currency than the event's, or a
	// price its currency cannot take, is left out (and logged): the
	// organizer's data needs fixing, the buyer still gets a price.
	cur := e.Price.Currency
	pt := make([]pricing.Tier, 0, len(tiers))
	for _, t := range tiers {
		if t.Currency != cur || pricing.CheckPrice(t.Amount, cur) != "" {
			s.log.WarnContext(ctx, "tier left out of the price: not in the event's currency", "event", e.ID, "tier", t.ID, "amount", t.Amount, "currency", t.Currency, "event_currency", cur)
			continue
		}
		pt = append(pt, pricing.Tier{ID: t.ID, Name: t.Name, Amount: t.Amount, ExpiresAt: t.ExpiresAt, Quantity: t.Quantity, Sold: t.Sold})
	}
	pp := make([]pricing.Promo, 0, len(promos))
	for _, p := range promos {
		if p.AmountOff > 0 && p.Currency != cur {
			s.log.WarnContext(ctx, "promo code left out of the price: its amount off is not in the event's currency", "event", e.ID, "promo", p.ID, "currency", p.Currency, "event_currency", cur)
			continue
		}
		pp = append(pp, pricing.Promo{Code: p.Code, PercentOff: p.PercentOff, AmountOff: p.AmountOff, MaxUses: p.MaxUses, Uses: p.Uses, ExpiresAt: p.ExpiresAt})
	}
	q, err := pricing.Calculate(e.Price.Amount, e.Price.Currency, pt, pp, code, now, s.feePercent, s.minimumCharge(e, e.Price.Currency))
	if errors.Is(err, pricing.ErrPromoInvalid) {
		return nil, errPromoInvalid
	}
	if err != nil {
		return nil, err
	}
	out := &Priced{Quote: q}
	if q.TierID != 0 {
		id := q.TierID
		out.TierID = &id
	}
	for _, p := range promos {
		if q.PromoCode != "" && strings.EqualFold(p.Code, q.PromoCode) {
			id := p.ID
			out.PromoID = &id
		}
	}
	return out, nil
}

// Quote prices one ticket of a public event now.
func (s *Service) Quote(ctx context.Context, e *model.Event, code string) (*Priced, error) {
	e, replay := forSale(e, s.now())
	if e.Price == nil {
		return s.quote(ctx, e, nil, nil, code, s.now())
	}
	var tiers []model.Tier
	var err error
	if !replay {
		if tiers, err = s.store.Tiers(ctx, e.ID); err != nil {
			return nil, err
		}
	}
	var promos []model.Promo
	if strings.TrimSpace(code) != "" {
		if promos, err = s.store.Promos(ctx, e.ID); err != nil {
			return nil, err
		}
	}
	return s.quote(ctx, e, tiers, promos, code, s.now())
}
