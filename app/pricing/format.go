package pricing

import (
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// separators are how a locale writes numbers (CLDR's): the decimal mark,
// the thousands separator, and whether a four-digit whole part stays
// ungrouped (CLDR's minimum grouping digits of 2: Spanish "1200,00" but
// "12.000,00").
type separators struct {
	decimal, group string
	minGroup2      bool
}

var (
	dotDecimal  = separators{decimal: ".", group: ","}
	spanish     = separators{decimal: ",", group: ".", minGroup2: true}
	numberForms = map[string]separators{
		"en": dotDecimal,
		"fr": {decimal: ",", group: "\u202f"},
		"de": {decimal: ",", group: "."},
		"ru": {decimal: ",", group: "\u00a0"},
		"es": spanish,
		// Regions that write numbers otherwise than their language does.
		"de-AT":  {decimal: ",", group: "\u00a0"},
		"de-CH":  {decimal: ".", group: "’"},
		"de-LI":  {decimal: ".", group: "’"},
		"es-CR":  {decimal: ",", group: "\u00a0"},
		"es-AR":  {decimal: ",", group: "."},
		"es-BO":  {decimal: ",", group: "."},
		"es-CL":  {decimal: ",", group: "."},
		"es-CO":  {decimal: ",", group: "."},
		"es-EC":  {decimal: ",", group: "."},
		"es-PY":  {decimal: ",", group: "."},
		"es-UY":  {decimal: ",", group: "."},
		"es-VE":  {decimal: ",", group: "."},
		"es-419": dotDecimal, "es-MX": dotDecimal, "es-US": dotDecimal, "es-PE": dotDecimal,
		"es-PR": dotDecimal, "es-GT": dotDecimal, "es-DO": dotDecimal, "es-PA": dotDecimal,
		"es-SV": dotDecimal, "es-HN": dotDecimal, "es-NI": dotDecimal, "es-CU": dotDecimal,
		"es-BZ": dotDecimal, "es-BR": dotDecimal,
	}
)

// numberForm finds how locale ("es-MX", "fr_CA", "de") writes numbers: its
// region's way, else its language's, else English's.
func numberForm(locale string) separators {
	parts := strings.FieldsFunc(locale, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 {
		return dotDecimal
	}
	lang := strings.ToLower(parts[0])
	for _, p := range parts[1:] {
		if n := len(p); n == 2 || (n == 3 && p[0] >= '0' && p[0] <= '9') {
			if f, ok := numberForms[lang+"-"+strings.ToUpper(p)]; ok {
				return f
			}
		}
	}
	if f, ok := numberForms[lang]; ok {
		return f
	}
	return dotDecimal
}

// FormatMoney writes an amount in minor units for people of a locale. A
// currency Admit does not sell in (an amount a provider reported) is
// written with the number of decimals ISO 4217 gives it, two when even
// that is unknown: never an empty amount.
func FormatMoney(amount int64, code, locale string) string {
	if c, ok := Lookup(code); ok {
		return c.FormatIn(amount, locale)
	}
	exp := 2
	if u, err := currency.ParseISO(code); err == nil {
		exp, _ = currency.Standard.Rounding(u)
	}
	if code == "" {
		code = "?"
	}
	return formatAmount(amount, exp, strings.ToUpper(code), locale)
}

func formatAmount(amount int64, exponent int, code, locale string) string {
	f := numberForm(locale)
	var b strings.Builder
	if amount < 0 {
		b.WriteString("-")
		amount = -amount
	}
	unit := int64(1)
	for i := 0; i < exponent; i++ {
		unit *= 10
	}
	digits := strconv.FormatInt(amount/unit, 10)
	grouped := len(digits) > 3 && !(f.minGroup2 && len(digits) == 4)
	for i, d := range digits {
		if grouped && i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(f.group)
		}
		b.WriteRune(d)
	}
	if exponent > 0 {
		b.WriteString(f.decimal)
		frac := strconv.FormatInt(amount%unit, 10)
		b.WriteString(strings.Repeat("0", exponent-len(frac)) + frac)
	}
	b.WriteString("\u00a0")
	b.WriteString(code)
	return b.String()
}
