package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// TestCurrencyChangeWithTiersIsRefused: tier prices and amounts off are in
// the currency they were made in, so an event's currency changes only once
// none is left in the old one (before, the PATCH answered 200 and then the
// quote, the public JSON, the page and registration answered 500, or a
// 40.00 EUR tier sold at 40 HUF).
func TestCurrencyChangeWithTiersIsRefused(t *testing.T) {
	e, _ := fakeEnv(t)
	ev := e.createEvent(paidEvent(map[string]any{"price": map[string]any{"amount": 4999, "currency": "EUR"}}))
	id := num(ev["id"])
	path := fmt.Sprintf("/api/v1/events/%d", id)
	if r := e.do("POST", path+"/tiers", map[string]any{"name": "Early bird", "price": map[string]any{"amount": 1999}}, true); r.Status != 201 {
		t.Fatalf("tier: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", path+"/promo_codes", map[string]any{"code": "TENOFF", "amount_off": 1000}, true); r.Status != 201 {
		t.Fatalf("promo: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", path+"/promo_codes", map[string]any{"code": "HALF", "percent_off": 50}, true); r.Status != 201 {
		t.Fatalf("promo: %d %s", r.Status, r.Body)
	}
	huf := map[string]any{"price": map[string]any{"amount": 1000000, "currency": "HUF"}}
	e.run(t, []scenario{
		{name: "refused while a tier and an amount off are in EUR", method: "PATCH", path: path, body: huf, admin: true, status: 422,
			contains: []string{`"price.currency"`, "Early bird", "TENOFF", "EUR"}, absent: []string{"HALF"}},
		{name: "the price is unchanged", method: "GET", path: "/api/v1/public/events/intro-to-go/quote", status: 200,
			contains: []string{`"amount":1999`, `"currency":"EUR"`}},
		{name: "the same currency is fine", method: "PATCH", path: path, body: map[string]any{"price": map[string]any{"amount": 3999, "currency": "EUR"}}, admin: true, status: 200},
	})
	e.t = t
	tiers := e.do("GET", path+"/tiers", nil, true).JSON(t)["items"].([]any)
	promos := e.do("GET", path+"/promo_codes", nil, true).JSON(t)["items"].([]any)
	e.do("DELETE", fmt.Sprintf("%s/tiers/%d", path, num(tiers[0].(map[string]any)["id"])), nil, true)
	for _, p := range promos {
		if p.(map[string]any)["code"] == "TENOFF" {
			e.do("DELETE", fmt.Sprintf("%s/promo_codes/%d", path, num(p.(map[string]any)["id"])), nil, true)
		}
	}
	e.run(t, []scenario{
		{name: "allowed once none is left", method: "PATCH", path: path, body: huf, admin: true, status: 200, contains: []string{`"currency":"HUF"`}},
		{name: "a percentage still applies", method: "GET", path: "/api/v1/public/events/intro-to-go/quote?promo_code=HALF", status: 200,
			contains: []string{`"amount":500000`, `"currency":"HUF"`}},
	})
}

// TestQuoteSurvivesATierInAnotherCurrency: should a tier or an amount off
// in another currency (or a price its currency cannot take) be stored, the
// quote, the public JSON, the page and registration leave it out instead of
// answering 500.
func TestQuoteSurvivesATierInAnotherCurrency(t *testing.T) {
	e, _ := fakeEnv(t)
	ev := e.createEvent(paidEvent(map[string]any{"price": map[string]any{"amount": 1000000, "currency": "HUF"}}))
	id := num(ev["id"])
	err := e.store.Write(context.Background(), func(tx *store.Tx) error {
		for _, tr := range []model.Tier{
			{EventID: id, Name: "Euro bird", Amount: 4000, Currency: "EUR"},
			{EventID: id, Name: "Cents bird", Amount: 1999, Currency: "HUF"},
		} {
			if err := tx.InsertTier(&tr); err != nil {
				return err
			}
		}
		return tx.InsertPromo(&model.Promo{EventID: id, Code: "EURO", AmountOff: 500, Currency: "EUR"}, "euro")
	})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t, []scenario{
		{name: "quote", method: "GET", path: "/api/v1/public/events/intro-to-go/quote", status: 200,
			contains: []string{`"amount":1000000`, `"currency":"HUF"`, `"tier":null`}},
		{name: "an amount off in another currency", method: "GET", path: "/api/v1/public/events/intro-to-go/quote?promo_code=EURO", status: 422,
			contains: []string{"promo_invalid"}},
		{name: "public JSON", method: "GET", path: "/api/v1/public/events/intro-to-go", status: 200, contains: []string{`"amount":1000000`}},
		{name: "page", method: "GET", path: "/e/intro-to-go", status: 200},
		{name: "registration", method: "POST", path: "/api/v1/public/events/intro-to-go/registrations", status: 201,
			body: map[string]any{"name": "Ada", "email": "ada@example.org", "provider": "stripe"}},
	})
	e.t = t
	regs, _ := e.store.Registrations(context.Background(), id, "")
	if len(regs) != 1 || regs[0].Amount != 1000000 || regs[0].Currency != "HUF" || regs[0].Tier != "" {
		t.Fatalf("registration %+v", regs[0])
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/events/%d/tiers", id), nil, true); !strings.Contains(string(r.Body), `"amount":4000,"currency":"EUR"`) {
		t.Fatalf("a tier shows its own currency: %s", r.Body)
	}
}

// TestPriceBelowProviderMinimum: a price below what a provider of the
// event can charge (Stripe: 15.00 CZK, 175.00 HUF) is refused when the event
// is made, when its price or providers change, and for a tier; it used to
// fail only at checkout.
func TestPriceBelowProviderMinimum(t *testing.T) {
	e := newEnv(t)
	czk := func(amount int64, providers ...string) map[string]any {
		return paidEvent(map[string]any{"price": map[string]any{"amount": amount, "currency": "CZK"}, "providers": providers})
	}
	stripeMin := []string{`"price.amount"`, "Stripe", "15.00 CZK"}
	e.run(t, []scenario{
		{name: "CZK 1.00 through Stripe", method: "POST", path: "/api/v1/events", admin: true, body: czk(100, "stripe"), status: 422, contains: stripeMin},
		{name: "CZK 1.00 through any provider", method: "POST", path: "/api/v1/events", admin: true, body: czk(100), status: 422, contains: stripeMin},
		{name: "HUF 1 through Stripe", method: "POST", path: "/api/v1/events", admin: true, status: 422,
			body:     paidEvent(map[string]any{"price": map[string]any{"amount": 100, "currency": "HUF"}}),
			contains: []string{`"price.amount"`, "Stripe", "175.00 HUF"}},
		{name: "CZK 1.00 through PayPal only", method: "POST", path: "/api/v1/events", admin: true, body: czk(100, "paypal"), status: 201},
		{name: "CZK 15.00 through Stripe", method: "POST", path: "/api/v1/events", admin: true, body: czk(1500, "stripe"), status: 201},
		{name: "lowering the price", method: "PATCH", path: "/api/v1/events/2", admin: true, status: 422, contains: stripeMin,
			body: map[string]any{"price": map[string]any{"amount": 1000, "currency": "CZK"}}},
		{name: "adding Stripe to a price below its minimum", method: "PATCH", path: "/api/v1/events/1", admin: true, status: 422, contains: stripeMin,
			body: map[string]any{"providers": []string{"paypal", "stripe"}}},
		{name: "a title change leaves the price alone", method: "PATCH", path: "/api/v1/events/1", admin: true, status: 200,
			body: map[string]any{"title": "Still cheap"}},
		{name: "a tier below the minimum", method: "POST", path: "/api/v1/events/2/tiers", admin: true, status: 422, contains: stripeMin,
			body: map[string]any{"name": "Early", "price": map[string]any{"amount": 1000}}},
	})
}
