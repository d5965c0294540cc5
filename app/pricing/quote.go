package pricing

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Tier is a discounted ticket ("Early bird"): a reduced price that applies
// until a date and/or a number of seats is reached (docs/API.md, "Tiers and promo codes"). Tiers apply
// in order; an expired or sold-out tier gives way to the next, then to the
// base price.
type Tier struct {
	ID        int64
	Name      string
	Amount    int64      // minor units, same currency as the event
	ExpiresAt *time.Time // nil: no end date; the tier applies while now < ExpiresAt
	Quantity  *int64     // nil: no limit
	Sold      int64      // seats of this tier paid or held right now (the caller counts them)
}

// Promo is a promo code: a percentage or a fixed amount off the current
// price (the tier's, else the base price), limited by uses and/or a date.
type Promo struct {
	Code       string     // stored as given; matched case-insensitively
	PercentOff int64      // 1..100, or 0 when AmountOff is used
	AmountOff  int64      // minor units, or 0 when PercentOff is used
	MaxUses    *int64     // nil: no limit
	Uses       int64      // paid or held registrations that used it right now
	ExpiresAt  *time.Time // nil: no end date; the code works while now < ExpiresAt
}

// Quote is what one ticket costs right now, and why.
type Quote struct {
	// Amount is what the buyer pays for the ticket, in minor units: the
	// amount to charge (before any service fee, see ServiceFee).
	Amount   int64
	Currency string
	// BaseAmount is the event's base price.
	BaseAmount int64
	// ListPrice is the price before the promo code: the current tier's
	// price (never above BaseAmount), else BaseAmount.
	ListPrice int64
	TierID    int64  // 0 = base price
	Tier      string // tier name, "" = base price
	// TierEndsAt and TierLeft say how long the tier's price lasts: its end
	// (zero: none) and the seats left at it (-1: no limit, or no tier).
	TierEndsAt time.Time
	TierLeft   int64
	PromoCode  string // the code as stored, "" = none
	// Discount is what the promo code took off: ListPrice − Amount, ≥ 0.
	// (What the tier took off is BaseAmount − ListPrice.)
	Discount int64
	Free     bool // Amount == 0
	// RaisedToMinimum: the discounted price was above 0 but below the
	// providers' minimum charge and was raised to MinimumCharge (or to
	// ListPrice when that is lower still).
	RaisedToMinimum bool
	// ServiceFee is serviceFeePercent of Amount, rounded half-up (to whole
	// units for WholeUnits currencies). It is recorded, not added: Amount
	// stays the ticket price and the caller decides whether the fee is
	// charged on top or kept out of the organizer's share.
	ServiceFee int64
}

// ErrPromoInvalid is the one answer for a promo code that is unknown,
// expired, used up or unusable, so that codes cannot be probed.
var ErrPromoInvalid = errors.New("promo code not valid")

// ErrPriceInvalid wraps what is wrong with a stored price (the base price,
// the current tier's price, the currency or the service fee) when Calculate
// cannot quote. It means the event's data needs fixing, not the buyer's
// input.
var ErrPriceInvalid = errors.New("price not valid")

// CurrentTier returns the first tier, in the given order, that is neither
// expired (it applies while now is before ExpiresAt) nor sold out
// (Sold < Quantity). false means the base price applies.
func CurrentTier(tiers []Tier, now time.Time) (Tier, bool) {
	for _, t := range tiers {
		if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
			continue
		}
		if t.Quantity != nil && t.Sold >= *t.Quantity {
			continue
		}
		return t, true
	}
	return Tier{}, false
}

// FindPromo finds the code among promos, ignoring case and surrounding
// spaces. An empty code matches nothing. It does not say whether the code
// can still be used: see Promo.Active.
func FindPromo(promos []Promo, code string) (Promo, bool) {
	code = strings.TrimSpace(code)
	if code == "" {
		return Promo{}, false
	}
	for _, p := range promos {
		if strings.EqualFold(strings.TrimSpace(p.Code), code) {
			return p, true
		}
	}
	return Promo{}, false
}

// Active reports whether the code can be used at now: not expired, not used
// up, and holding exactly one well-formed discount.
func (p Promo) Active(now time.Time) bool {
	if p.ExpiresAt != nil && !now.Before(*p.ExpiresAt) {
		return false
	}
	if p.MaxUses != nil && p.Uses >= *p.MaxUses {
		return false
	}
	percent := p.PercentOff >= 1 && p.PercentOff <= 100 && p.AmountOff == 0
	fixed := p.AmountOff > 0 && p.PercentOff == 0
	return percent || fixed
}

// Calculate quotes one ticket: the base price, lowered by the current tier
// (CurrentTier), lowered by the promo code when code is not empty.
//
//   - base 0 is a free event: tiers are ignored and the quote is free (a code
//     that is given must still be valid).
//   - A percentage takes price × percent / 100 off, rounded half-up; 100 %
//     makes the ticket free. A fixed amount takes AmountOff off, down to 0.
//   - A discounted price above 0 but below minCharge (MinimumCharge of the
//     event's providers) is raised to it (never above ListPrice), so the
//     providers accept the charge; minCharge is at least one minor unit.
//   - For WholeUnits currencies (HUF) every discount and the service fee are
//     rounded half-up to whole units, so every amount is a multiple of 100.
//   - A tier dearer than the base price (the base was lowered after) sells at
//     the base price.
//
// Errors: ErrPromoInvalid (unknown, expired, used up or malformed code), or
// an error wrapping ErrPriceInvalid (unsupported currency, base or tier price
// outside the currency's limits, serviceFeePercent outside 0..100).
func Calculate(base int64, currency string, tiers []Tier, promos []Promo, code string, now time.Time, serviceFeePercent, minCharge int64) (Quote, error) {
	if serviceFeePercent < 0 || serviceFeePercent > 100 {
		return Quote{}, fmt.Errorf("%w: service fee %d %% is outside 0..100", ErrPriceInvalid, serviceFeePercent)
	}
	q := Quote{Currency: currency, BaseAmount: base, TierLeft: -1}
	minCharge = max(minCharge, 1)

	var promo *Promo
	if strings.TrimSpace(code) != "" {
		p, ok := FindPromo(promos, code)
		if !ok || !p.Active(now) {
			return Quote{}, ErrPromoInvalid
		}
		promo = &p
		q.PromoCode = p.Code
	}

	if base == 0 {
		q.Free = true
		return q, nil
	}
	if msg := CheckPrice(base, currency); msg != "" {
		return Quote{}, fmt.Errorf("%w: base price: %s", ErrPriceInvalid, msg)
	}
	c, _ := Lookup(currency)
	step := int64(1)
	if c.WholeUnits {
		step = c.Unit()
	}

	price := base
	if t, ok := CurrentTier(tiers, now); ok {
		if msg := CheckPrice(t.Amount, currency); msg != "" {
			return Quote{}, fmt.Errorf("%w: tier %q: %s", ErrPriceInvalid, t.Name, msg)
		}
		q.TierID, q.Tier = t.ID, t.Name
		if t.ExpiresAt != nil {
			q.TierEndsAt = *t.ExpiresAt
		}
		if t.Quantity != nil {
			q.TierLeft = *t.Quantity - t.Sold
		}
		price = min(t.Amount, base)
	}
	q.ListPrice = price

	amount := price
	if promo != nil {
		full := false
		switch {
		case promo.PercentOff >= 100:
			full = true
		case promo.PercentOff > 0:
			amount = price - roundDiv(price*promo.PercentOff, 100, step)
		case promo.AmountOff >= price:
			full = true
		default:
			amount = price - roundDiv(promo.AmountOff, 1, step)
		}
		if full {
			amount = 0
		} else if amount < minCharge {
			// Also catches a rounding that reached 0 without a full
			// discount: only 100 % or an amount ≥ the price makes it free.
			amount = min(minCharge, price)
			q.RaisedToMinimum = true
		}
	}
	q.Amount = amount
	q.Discount = price - amount
	q.Free = amount == 0
	q.ServiceFee = roundDiv(amount*serviceFeePercent, 100, step)
	return q, nil
}

// roundDiv is n / d rounded half-up to a multiple of step, for n ≥ 0 and
// d, step > 0, in integer arithmetic: ⌊(n + d·step/2) / (d·step)⌋ · step.
func roundDiv(n, d, step int64) int64 {
	den := d * step
	return (n + den/2) / den * step
}

// MinimumCharge is the lowest amount every payment provider an event may be
// paid through accepts for one charge in currency, in minor units (their
// minimums, from the payment registry): a discounted price between 0 and
// this is raised to it. It is the highest of providerMinimums, and at least
// one minor unit; with none given, one major unit. A currency Admit does
// not support gets 0.
func MinimumCharge(currency string, providerMinimums ...int64) int64 {
	c, ok := Lookup(currency)
	if !ok {
		return 0
	}
	if len(providerMinimums) == 0 {
		return c.Unit()
	}
	m := int64(1)
	for _, p := range providerMinimums {
		m = max(m, p)
	}
	return m
}

// Field limits for tiers and promo codes.
const (
	TierNameMax  = 100
	PromoCodeMin = 3
	PromoCodeMax = 32
)

// ValidateTier says what is wrong with a tier of an event priced base in
// currency, field by field (keys as in the API: name, price, quantity); nil
// when it is acceptable. ExpiresAt is not checked: a past date only makes
// the tier inapplicable.
func ValidateTier(t Tier, base int64, currency string) map[string]string {
	errs := map[string]string{}
	if msg := checkName(t.Name); msg != "" {
		errs["name"] = msg
	}
	if msg := CheckPrice(t.Amount, currency); msg != "" {
		errs["price"] = msg
	} else if t.Amount >= base {
		if base <= 0 {
			errs["price"] = "the event is free: set its price before adding discounted tickets"
		} else {
			c, _ := Lookup(currency)
			errs["price"] = fmt.Sprintf("must be lower than the base price (%s)", c.Format(base))
		}
	}
	if t.Quantity != nil && *t.Quantity < 1 {
		errs["quantity"] = "must be at least 1 when set"
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func checkName(name string) string {
	switch {
	case strings.TrimSpace(name) == "":
		return "is required"
	case !utf8.ValidString(name):
		return "must be valid UTF-8 text"
	case utf8.RuneCountInString(name) > TierNameMax:
		return fmt.Sprintf("must be at most %d characters", TierNameMax)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "must be a single line, without control characters"
	}
	return ""
}

// ValidatePromo says what is wrong with a promo code for an event in
// currency, field by field (keys as in the API: code, percent_off,
// amount_off, max_uses, and currency when that is not supported); nil when
// it is acceptable. ExpiresAt and Uses are not checked.
func ValidatePromo(p Promo, currency string) map[string]string {
	errs := map[string]string{}
	switch n := len(p.Code); {
	case n == 0:
		errs["code"] = "is required"
	case strings.IndexFunc(p.Code, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) >= 0:
		errs["code"] = "may contain only letters A–Z, digits, '_' and '-'"
	case n < PromoCodeMin || n > PromoCodeMax:
		errs["code"] = fmt.Sprintf("must be %d to %d characters long", PromoCodeMin, PromoCodeMax)
	}

	switch {
	case p.PercentOff == 0 && p.AmountOff == 0:
		errs["percent_off"] = "set either percent_off or amount_off"
		errs["amount_off"] = "set either percent_off or amount_off"
	case p.PercentOff != 0 && p.AmountOff != 0:
		errs["percent_off"] = "set only one of percent_off and amount_off"
		errs["amount_off"] = "set only one of percent_off and amount_off"
	case p.PercentOff != 0:
		if p.PercentOff < 1 || p.PercentOff > 100 {
			errs["percent_off"] = "must be between 1 and 100"
		}
	default:
		c, ok := Lookup(currency)
		switch {
		case !ok:
			errs["currency"] = CheckPrice(c.Min(), currency)
		case p.AmountOff < 0:
			errs["amount_off"] = "must be greater than 0"
		case p.AmountOff > c.Max():
			errs["amount_off"] = fmt.Sprintf("must be at most %d (%s), the highest %s price", c.Max(), c.Format(c.Max()), currency)
		case c.WholeUnits && p.AmountOff%c.Unit() != 0:
			errs["amount_off"] = fmt.Sprintf("%s is charged in whole units, so the amount must be a multiple of %d", currency, c.Unit())
		}
	}
	if p.MaxUses != nil && *p.MaxUses < 1 {
		errs["max_uses"] = "must be at least 1 when set"
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
