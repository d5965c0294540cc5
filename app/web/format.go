package web

import (
	"strings"

	"github.com/admit/admit/app/pricing"
)

// formatMoney writes an amount for people of a locale ("1.200,00 EUR").
func formatMoney(amount int64, currency, lang string) string {
	return pricing.FormatMoney(amount, currency, lang)
}

func joinLocales(l []string) string { return strings.Join(l, ", ") }
