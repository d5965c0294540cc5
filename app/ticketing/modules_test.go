package ticketing

import (
	"errors"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
)

// cardMinimums are a card provider's minimum charges (Stripe's figures),
// given to every test provider so that prices behave as with the plugins.
var cardMinimums = map[string]int64{
	"USD": 50, "EUR": 50, "GBP": 30, "AUD": 50, "CAD": 50, "CHF": 50,
	"NZD": 50, "SGD": 50, "BGN": 100, "PLN": 200, "RON": 200, "DKK": 250,
	"NOK": 300, "SEK": 300, "HKD": 400, "MXN": 1000, "THB": 1000,
	"CZK": 1500, "HUF": 17500,
}

// testModules registers providers of these names that take every currency
// Admit sells in; they are connected by the tests (payment.Registry), never
// built from settings.
func testModules(names ...string) *payment.Modules {
	m := payment.NewModules()
	for _, name := range names {
		cur := map[string]payment.Limits{}
		for _, code := range pricing.Codes() {
			c, _ := pricing.Lookup(code)
			min := cardMinimums[code]
			if min == 0 {
				min = c.Unit()
			}
			cur[code] = payment.Limits{Min: min}
		}
		text := payment.Text{}
		for _, l := range payment.Languages {
			text[l] = name
		}
		m.Register(payment.Module{Name: name, Title: text, Hint: text, Currencies: cur,
			New: func(map[string]string) (payment.Provider, error) {
				return nil, errors.New("test provider: connect it in the registry")
			}})
	}
	return m
}
