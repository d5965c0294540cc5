package web

import (
	"strings"

	"github.com/admit/admit/app/pricing"
)

// formatMoney writes an amount for people.
func formatMoney(amount int64, currency string) string {
	c, ok := pricing.Lookup(currency)
	if !ok {
		return ""
	}
	return c.Format(amount)
}

func joinLocales(l []string) string { return strings.Join(l, ", ") }
