package paypal

import (
	"fmt"
	"strings"

	"github.com/admit/admit/app/pricing"
)

// paypalDecimals is PayPal's currency list (REST API currency codes) with
// the number of decimals PayPal writes each with: HUF, JPY and TWD take none
// there.
var paypalDecimals = map[string]int{
	"AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2,
	"EUR": 2, "GBP": 2, "HKD": 2, "HUF": 0, "ILS": 2, "JPY": 0, "MXN": 2,
	"MYR": 2, "NOK": 2, "NZD": 2, "PHP": 2, "PLN": 2, "SEK": 2, "SGD": 2,
	"THB": 2, "TWD": 0, "USD": 2,
}

// decimals says how many decimals PayPal uses for a currency this plugin
// takes: one Admit sells in (app/pricing), known to PayPal,
// and with the same number of minor-unit digits on both sides, so that
// minor units map to PayPal's value one to one. That is the 18 currencies of
// docs/API.md ("Currencies") outside HUF, BGN and RON (HUF is a PayPal currency, but a
// zero-decimal one there, and Admit keeps it for Stripe).
func decimals(currency string) (int, bool) {
	code := strings.ToUpper(strings.TrimSpace(currency))
	c, ok := pricing.Lookup(code)
	if !ok {
		return 0, false
	}
	d, ok := paypalDecimals[code]
	if !ok || d != c.Exponent {
		return 0, false
	}
	return d, true
}

// maxMinor bounds amounts so that every conversion stays exact in int64
// (PayPal's own limit is far below: a value has at most 32 characters).
const maxMinor = int64(1e15)

// formatAmount writes minor units as PayPal's decimal string: 1999 USD is
// "19.99", 5 USD is "0.05". Integer arithmetic only.
func formatAmount(minor int64, currency string) (string, error) {
	d, ok := decimals(currency)
	if !ok {
		return "", fmt.Errorf("paypal: currency %q is not taken", currency)
	}
	if minor < 0 || minor > maxMinor {
		return "", fmt.Errorf("paypal: amount %d %s out of range", minor, currency)
	}
	if d == 0 {
		return fmt.Sprintf("%d", minor), nil
	}
	unit := pow10(d)
	return fmt.Sprintf("%d.%0*d", minor/unit, d, minor%unit), nil
}

// parseAmount reads PayPal's decimal string into minor units: "19.99" USD is
// 1999, "20" and "20.0" are 2000. More decimals than the currency has are
// accepted only when they are zeros ("19.990"); anything else (a sign, an
// exponent, "19.999") is an error, never a rounding.
func parseAmount(value, currency string) (int64, error) {
	d, ok := decimals(currency)
	if !ok {
		return 0, fmt.Errorf("paypal: currency %q is not taken", currency)
	}
	whole, frac, hasDot := strings.Cut(value, ".")
	if whole == "" || !digits(whole) || (hasDot && (frac == "" || !digits(frac))) {
		return 0, fmt.Errorf("paypal: %q is not an amount", value)
	}
	if len(frac) > d {
		if strings.Trim(frac[d:], "0") != "" {
			return 0, fmt.Errorf("paypal: %q has more than %d decimals for %s", value, d, currency)
		}
		frac = frac[:d]
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 15 {
		return 0, fmt.Errorf("paypal: amount %q out of range", value)
	}
	var n int64
	for _, c := range whole {
		n = n*10 + int64(c-'0')
	}
	var f int64
	for i := 0; i < d; i++ {
		f *= 10
		if i < len(frac) {
			f += int64(frac[i] - '0')
		}
	}
	n = n*pow10(d) + f
	if n > maxMinor {
		return 0, fmt.Errorf("paypal: amount %q out of range", value)
	}
	return n, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func pow10(d int) int64 {
	n := int64(1)
	for ; d > 0; d-- {
		n *= 10
	}
	return n
}
