// Package pricing holds the currencies Admit sells in and their limits, and
// (with tiers and promo codes) computes what a ticket costs. Pure functions.
package pricing

import (
	"fmt"
	"sort"
	"strings"
)

// Currency describes one ISO 4217 currency Admit accepts (docs/API.md, "Currencies").
type Currency struct {
	Code string
	// Exponent is the number of minor-unit digits the providers use
	// (2 for every supported currency: 1999 EUR is 19.99 EUR).
	Exponent int
	// MaxMajor is the highest ticket price in major units.
	MaxMajor int64
	// WholeUnits currencies take only whole major units: Stripe charges HUF
	// with two decimals but requires amounts divisible by 100.
	WholeUnits bool
}

// Unit is the number of minor units in one major unit.
func (c Currency) Unit() int64 {
	u := int64(1)
	for i := 0; i < c.Exponent; i++ {
		u *= 10
	}
	return u
}

// Min is the lowest ticket price in minor units (one major unit).
func (c Currency) Min() int64 { return c.Unit() }

// Max is the highest ticket price in minor units.
func (c Currency) Max() int64 { return c.MaxMajor * c.Unit() }

// Format writes an amount for people: "19.99 EUR".
func (c Currency) Format(amount int64) string {
	u := c.Unit()
	if u == 1 {
		return fmt.Sprintf("%d %s", amount, c.Code)
	}
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	return fmt.Sprintf("%s%d.%0*d %s", sign, amount/u, c.Exponent, amount%u, c.Code)
}

// FormatIn writes an amount for people of a locale: "19.99\u00a0EUR" in
// English, "19,99\u00a0EUR" in French, "1.200,00\u00a0EUR" in German,
// "19.99\u00a0MXN" in Mexican Spanish ("es-MX"). The ISO code, after a
// non-breaking space, keeps it unambiguous in every language.
func (c Currency) FormatIn(amount int64, locale string) string {
	return formatAmount(amount, c.Exponent, c.Code, locale)
}

var currencies = map[string]Currency{
	"USD": {Code: "USD", Exponent: 2, MaxMajor: 2000},
	"EUR": {Code: "EUR", Exponent: 2, MaxMajor: 2000},
	"GBP": {Code: "GBP", Exponent: 2, MaxMajor: 2000},
	"PLN": {Code: "PLN", Exponent: 2, MaxMajor: 8000},
	"AUD": {Code: "AUD", Exponent: 2, MaxMajor: 3000},
	"CAD": {Code: "CAD", Exponent: 2, MaxMajor: 3000},
	"CZK": {Code: "CZK", Exponent: 2, MaxMajor: 46000},
	"DKK": {Code: "DKK", Exponent: 2, MaxMajor: 13000},
	"HKD": {Code: "HKD", Exponent: 2, MaxMajor: 20000},
	"ILS": {Code: "ILS", Exponent: 2, MaxMajor: 74000},
	"MXN": {Code: "MXN", Exponent: 2, MaxMajor: 40000},
	"NOK": {Code: "NOK", Exponent: 2, MaxMajor: 17000},
	"NZD": {Code: "NZD", Exponent: 2, MaxMajor: 3000},
	"PHP": {Code: "PHP", Exponent: 2, MaxMajor: 106000},
	"SGD": {Code: "SGD", Exponent: 2, MaxMajor: 2800},
	"SEK": {Code: "SEK", Exponent: 2, MaxMajor: 18000},
	"CHF": {Code: "CHF", Exponent: 2, MaxMajor: 2000},
	"THB": {Code: "THB", Exponent: 2, MaxMajor: 66000},
	"HUF": {Code: "HUF", Exponent: 2, MaxMajor: 700000, WholeUnits: true},
	"BGN": {Code: "BGN", Exponent: 2, MaxMajor: 4000},
	"RON": {Code: "RON", Exponent: 2, MaxMajor: 8000},
}

// Lookup finds a supported currency by its upper-case code.
func Lookup(code string) (Currency, bool) {
	c, ok := currencies[code]
	return c, ok
}

// Codes lists the supported currency codes, sorted.
func Codes() []string {
	out := make([]string, 0, len(currencies))
	for k := range currencies {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CheckPrice says what is wrong with a ticket price, or "" when it is
// acceptable.
func CheckPrice(amount int64, code string) string {
	c, ok := Lookup(code)
	if !ok {
		if strings.ToUpper(code) != code {
			return fmt.Sprintf("currency %q must be an upper-case ISO 4217 code such as %q", code, strings.ToUpper(code))
		}
		return fmt.Sprintf("currency %q is not supported; use one of %s", code, strings.Join(Codes(), ", "))
	}
	if amount < c.Min() || amount > c.Max() {
		return fmt.Sprintf("amount %d is outside %s's range: from %d (%s) to %d (%s), in minor units",
			amount, code, c.Min(), c.Format(c.Min()), c.Max(), c.Format(c.Max()))
	}
	if c.WholeUnits && amount%c.Unit() != 0 {
		return fmt.Sprintf("amount %d: %s is charged in whole units, so the amount must be a multiple of %d", amount, code, c.Unit())
	}
	return ""
}
