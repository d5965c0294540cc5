package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/plugins/stripe"
	"github.com/admit/admit/plugins/stripe/stripetest"
)

// TestEventPageStates: cancelled, past, sold out and open events each say
// where they stand in words, with the form that fits (or none).
func TestEventPageStates(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"title": "Cancelled Talk", "slug": "cancelled-talk"}))
	if r := e.do("POST", "/api/v1/events/1/cancel", map[string]any{"message": "The speaker is ill."}, true); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	e.createEvent(liveEvent(map[string]any{"title": "Old Talk", "slug": "old-talk", "sessions": []map[string]any{{"starts_at": "2026-10-20T18:00:00+02:00", "duration_minutes": 60}}}))
	e.createEvent(liveEvent(map[string]any{"title": "Small Room", "slug": "small-room", "capacity": 3}))
	e.registerOne("small-room", "Ada", "ada@example.org")
	e.createEvent(liveEvent(map[string]any{"title": "Full Room", "slug": "full-room", "capacity": 1}))
	e.registerOne("full-room", "Bob", "bob@example.org")
	e.createEvent(liveEvent(map[string]any{"title": "Big Room", "slug": "big-room", "capacity": 500}))
	form := `<form method="post" action="/e/`
	e.run(t, []scenario{
		{name: "cancelled", method: "GET", path: "/e/cancelled-talk", status: 200,
			contains: []string{"This event has been cancelled.", "The speaker is ill."}, absent: []string{form}},
		{name: "past", method: "GET", path: "/e/old-talk", status: 200,
			contains: []string{"This event took place on Tuesday 20 October 2026. Registration is closed."}, absent: []string{form}},
		{name: "past, in German", method: "GET", path: "/e/old-talk?lang=de", status: 200,
			contains: []string{"Diese Veranstaltung fand am Dienstag, 20. Oktober 2026 statt."}},
		{name: "few seats left are said", method: "GET", path: "/e/small-room", status: 200,
			contains: []string{`<p class="seats">2 seats left</p>`, form + "small-room"}},
		{name: "many seats left are not", method: "GET", path: "/e/big-room", status: 200, absent: []string{`class="seats"`}},
		{name: "sold out offers the waiting list", method: "GET", path: "/e/full-room", status: 200,
			contains: []string{"Sold out: there are no seats left.", `action="/e/full-room/waitlist?lang=en"`}},
		{name: "free: no promo code", method: "GET", path: "/e/big-room", status: 200, contains: []string{"Free"}, absent: []string{"promo_code"}},
	})
}

// TestEventPageErrorsNextToFields: each field's error is next to it and
// tied to it (aria-describedby); an address already registered is the
// email field's error.
func TestEventPageErrorsNextToFields(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	e.registerOne("intro-to-go", "Ada", "ada@example.org")
	post := func(form string) response {
		t.Helper()
		return e.do("POST", "/e/intro-to-go", form, false, "Content-Type", "application/x-www-form-urlencoded")
	}
	r := post("name=&email=nope")
	body := string(r.Body)
	if r.Status != 422 || !strings.Contains(body, `aria-describedby="name-error"`) || !strings.Contains(body, `id="name-error">Enter your name`) ||
		!strings.Contains(body, `aria-describedby="email-error"`) || !strings.Contains(body, `id="email-error">Enter a valid email address`) {
		t.Fatalf("invalid fields: %d\n%s", r.Status, body)
	}
	r = post("name=Ada&email=ada@example.org")
	body = string(r.Body)
	if r.Status != 409 || !strings.Contains(body, `id="email-error">This email address is already registered`) {
		t.Fatalf("already registered: %d\n%s", r.Status, body)
	}
}

// TestEventPageProvidersAndTier: a paid event taken by card and PayPal
// names both; the tier says how long it lasts; the quote API says it too.
func TestEventPageProvidersAndTier(t *testing.T) {
	sp, err := stripe.New(stripe.Config{SecretKey: stripetest.Key, WebhookSecret: whsec, APIBase: mockURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	pp, _ := paypalProvider(t)
	reg := payment.NewRegistry()
	reg.Set(sp)
	reg.Set(pp)
	e := newEnvWith(t, reg)
	ev := e.createEvent(paidEvent(map[string]any{"providers": []string{"stripe", "paypal"}, "price": map[string]any{"amount": 4900, "currency": "EUR"}}))
	ends := e.clock.Now().Add(20 * 24 * time.Hour)
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/tiers", num(ev["id"])), map[string]any{"name": "Early bird",
		"price": map[string]any{"amount": 2900, "currency": "EUR"}, "expires_at": ends.Format(time.RFC3339)}, true); r.Status != 201 {
		t.Fatalf("tier: %d %s", r.Status, r.Body)
	}
	e.run(t, []scenario{
		{name: "providers named", method: "GET", path: "/e/intro-to-go", status: 200,
			contains: []string{`<legend>Pay with</legend>`, `value="stripe" checked> Card (Stripe)`, `value="paypal"> PayPal`,
				"Early bird: until Saturday 21 November 2026", "29.00\u00a0EUR", "49.00\u00a0EUR"}},
		{name: "in Russian", method: "GET", path: "/e/intro-to-go?lang=ru", status: 200, contains: []string{"Early bird: действует до: суббота, 21 ноября 2026"}},
		{name: "quote says until when", method: "GET", path: "/api/v1/public/events/intro-to-go/quote", status: 200,
			contains: []string{`"tier":"Early bird"`, `"tier_ends_at":"` + ends.UTC().Format(time.RFC3339) + `"`, `"tier_left":null`}, absent: []string{`"texts"`}},
		{name: "quote written for a reader", method: "GET", path: "/api/v1/public/events/intro-to-go/quote?lang=de", status: 200,
			contains: []string{`"texts":{"price":"29,00` + "\u00a0" + `EUR","base":"49,00` + "\u00a0" + `EUR","discount":""}`}},
	})
}

// TestEventPageWeight: the page, its stylesheet and its script weigh less
// than 50 KB together, with a long Markdown description.
func TestEventPageWeight(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"description": strings.Repeat("## Part\n\nSome **bold** text and a [link](https://example.org).\n\n", 40)}))
	total := 0
	for _, p := range []string{"/e/intro-to-go", "/static/admit.css", "/static/event.js"} {
		r := e.do("GET", p, nil, false)
		if r.Status != 200 {
			t.Fatalf("%s: %d", p, r.Status)
		}
		total += len(r.Body)
	}
	if total > 50*1024 {
		t.Fatalf("the event page weighs %d bytes", total)
	}
	t.Logf("event page: %d bytes with its stylesheet and script", total)
}
