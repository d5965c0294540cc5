package web

import (
	"strings"

	"github.com/admit/admit/app/pricing"
)

// formatMoney writes an amount for people of a language.
func formatMoney(amount int64, currency, lang string) string {
	c, ok := pricing.Lookup(currency)
	if !ok {
		return ""
	}
	return c.FormatIn(amount, lang)
}

func joinLocales(l []string) string { return strings.Join(l, ", ") }
