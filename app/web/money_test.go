package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/plugins/stripe"
	"github.com/admit/admit/plugins/stripe/stripetest"
)

// Money events in any order, payments that do not match, checkouts of
// cancelled registrations, late payments past a tier's or a promo code's
// limit and refunds made both in Admit and in Stripe's dashboard: through
// the real Stripe plugin, stripe-mock and Stripe-signed webhooks.

// stripeCall is one request the Stripe plugin sent.
type stripeCall struct {
	Method, Path string
	Form         url.Values
}

// stripeCalls records the requests the Stripe plugin sends to stripe-mock.
type stripeCalls struct {
	mu    sync.Mutex
	calls []stripeCall
}

func (s *stripeCalls) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	form, _ := url.ParseQuery(string(body))
	s.mu.Lock()
	s.calls = append(s.calls, stripeCall{Method: req.Method, Path: req.URL.Path, Form: form})
	s.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// to lists the calls of a method whose path starts with prefix and ends
// with suffix.
func (s *stripeCalls) to(method, prefix, suffix string) []stripeCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []stripeCall
	for _, c := range s.calls {
		if c.Method == method && strings.HasPrefix(c.Path, prefix) && strings.HasSuffix(c.Path, suffix) {
			out = append(out, c)
		}
	}
	return out
}

// stripeEnvCalls is stripeEnv with the plugin's requests recorded.
func stripeEnvCalls(t *testing.T) (*env, *stripeCalls) {
	t.Helper()
	calls := &stripeCalls{}
	p, err := stripe.New(stripe.Config{SecretKey: stripetest.Key, WebhookSecret: whsec, APIBase: mockURL(t),
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: calls}})
	if err != nil {
		t.Fatal(err)
	}
	reg := payment.NewRegistry()
	reg.Set(p)
	e := newEnvWith(t, reg)
	e.clock.Set(time.Now().UTC().Truncate(time.Second)) // signatures carry real time
	return e, calls
}

// soon is a session three days ahead.
func soon() []map[string]any {
	return []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}
}

// pi is the PaymentIntent paidWebhook pays a registration with.
func pi(r *model.Registration) string { return fmt.Sprintf("pi_%d", r.ID) }

// TestRefundBeforeItsPaymentIsKept: a charge.refunded for a payment Admit
// has not recorded yet (a dashboard refund whose event overtook the
// delayed checkout.session.completed) waits for it and is applied with it.
// Before, it was consumed and lost: the payment then confirmed someone
// refunded in full and mailed them access.
func TestRefundBeforeItsPaymentIsKept(t *testing.T) {
	e, _ := stripeEnvCalls(t)
	e.createEvent(paidEvent(map[string]any{"sessions": soon()}))
	now := time.Now()

	// Refunded in full before the payment is known; delivered twice.
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	full := stripetest.Refunded("evt_ada_refund", "ch_ada", pi(ada), 1999, 0, 1999, "EUR")
	for i, want := range []string{"applied", "duplicate"} {
		if res := e.webhook(full, now); res.Status != 200 || res.JSON(t)["status"] != want {
			t.Fatalf("refund delivery %d: %d %s", i, res.Status, res.Body)
		}
	}
	if g := e.reg(ada.ID); g.Status != model.StatusPendingPayment || g.AmountRefunded != 0 {
		t.Fatalf("before its payment: %s refunded %d", g.Status, g.AmountRefunded)
	}
	e.webhook(paidWebhook("evt_ada_paid", ada, 1999), now)
	if g := e.reg(ada.ID); g.Status != model.StatusRefunded || g.AmountPaid != 1999 || g.AmountRefunded != 1999 {
		t.Fatalf("after its payment: %s paid %d refunded %d", g.Status, g.AmountPaid, g.AmountRefunded)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 0 {
		t.Fatalf("%d access emails to someone refunded in full", n)
	}

	// Two partial refunds, their events in reverse order, then the
	// payment: partially refunded, with access.
	bob := e.reg(e.buy("intro-to-go", "Bob", nil))
	e.webhook(stripetest.Refunded("evt_bob_r2", "ch_bob", pi(bob), 1999, 500, 800, "EUR"), now)
	e.webhook(stripetest.Refunded("evt_bob_r1", "ch_bob", pi(bob), 1999, 0, 500, "EUR"), now)
	e.webhook(paidWebhook("evt_bob_paid", bob, 1999), now)
	if g := e.reg(bob.ID); g.Status != model.StatusPartiallyRefunded || g.AmountRefunded != 800 {
		t.Fatalf("bob: %s refunded %d", g.Status, g.AmountRefunded)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access emails, want bob's", n)
	}
	// The rest is what Stripe still holds.
	r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", bob.ID), nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"amount_refunded":1999`) || !strings.Contains(string(r.Body), `"status":"refunded"`) {
		t.Fatalf("the rest: %d %s", r.Status, r.Body)
	}
	refunds, _ := e.store.Refunds(context.Background(), bob.ID)
	if len(refunds) != 1 || refunds[0].Amount != 1199 {
		t.Fatalf("refunds %+v", refunds)
	}
}

// TestPaymentThatDoesNotMatchIsRefunded: a payment of another amount or
// currency than the ticket's is recorded, not confirmed, refunded in full
// (in the currency it came in) and explained by email. Before, it was
// consumed with a log line: nothing recorded, nothing refunded.
func TestPaymentThatDoesNotMatchIsRefunded(t *testing.T) {
	e, calls := stripeEnvCalls(t)
	e.createEvent(paidEvent(map[string]any{"sessions": soon()}))
	now := time.Now()

	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	e.webhook(paidWebhook("evt_ada_low", ada, 999), now)
	g := e.reg(ada.ID)
	if g.Status != model.StatusRefunded || g.AmountPaid != 999 || g.PaidCurrency != "EUR" || g.AmountRefunded != 999 || g.PaymentID != pi(ada) {
		t.Fatalf("another amount: %+v", g)
	}
	sent := calls.to("POST", "/v1/refunds", "")
	if len(sent) != 1 || sent[0].Form.Get("amount") != "999" || sent[0].Form.Get("payment_intent") != pi(ada) {
		t.Fatalf("refunds asked of Stripe: %+v", sent)
	}
	kinds := e.mailKinds()
	if kinds[model.MailPaymentMismatch] != 1 || kinds[model.MailAccess] != 0 || kinds[model.MailRefunded] != 0 {
		t.Fatalf("mails %v", kinds)
	}
	text := e.composed(ada.ID, model.MailPaymentMismatch).Text
	if !strings.Contains(text, "9.99\u00a0EUR") || !strings.Contains(text, "does not match the price") || strings.Contains(text, "/a/") {
		t.Fatalf("the email does not explain it:\n%s", text)
	}

	// Another currency: refunded in it.
	bob := e.reg(e.buy("intro-to-go", "Bob", nil))
	usd := stripetest.Event("evt_bob_usd", "checkout.session.completed",
		stripetest.Session(bob.CheckoutID, bob.ID, "complete", "paid", 1999, "USD", pi(bob)))
	e.webhook(usd, now)
	if g := e.reg(bob.ID); g.Status != model.StatusRefunded || g.AmountPaid != 1999 || g.PaidCurrency != "USD" || g.AmountRefunded != 1999 {
		t.Fatalf("another currency: %+v", g)
	}
	if refunds, _ := e.store.Refunds(context.Background(), bob.ID); len(refunds) != 1 || refunds[0].Currency != "USD" || refunds[0].Amount != 1999 {
		t.Fatalf("bob's refund %+v", refunds)
	}
	e.run(t, []scenario{
		{name: "the payment fields show it", method: "GET", path: "/api/v1/events/1/registrations", admin: true, status: 200,
			contains: []string{`"amount_paid":999`, `"amount_refunded":999`, `"amount_paid":1999,"amount_refunded":1999,"currency":"EUR"`, `"paid_currency":"USD"`}},
		{name: "and the CSV", method: "GET", path: "/api/v1/events/1/registrations.csv", admin: true, status: 200,
			contains: []string{",paid_currency,attended_sessions,first_joined_at,provider_fee,provider_fee_currency,refund_owed,", ",999,999,EUR,", ",1999,1999,EUR,", ",USD,0,,,,0,,,\n"}},
		{name: "nothing is left to refund", method: "POST", path: fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID), admin: true, status: 409,
			contains: []string{"already been refunded"}},
	})
}

// TestCancelledCheckoutIsClosed: a registration cancelled while its buyer
// is at Stripe's checkout (by the registrant, the organizer, the event's
// cancellation or its session's removal) has its Checkout Session expired
// at Stripe, stays in reconciliation, and a payment that arrives all the
// same is refunded in full. Before, the session stayed open.
func TestCancelledCheckoutIsClosed(t *testing.T) {
	e, calls := stripeEnvCalls(t)
	e.createEvent(paidEvent(map[string]any{"sessions": soon()}))
	expired := func() int { return len(calls.to("POST", "/v1/checkout/sessions/", "/expire")) }
	now := time.Now()

	// The registrant cancels from their page.
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	token := strings.TrimPrefix(e.tickets.AccessURL(ada.TokenNonce), "http://tickets.test/a/")
	if r := e.do("POST", "/a/"+token+"/cancel", "{}", false); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusCancelled {
		t.Fatalf("ada: %s", g.Status)
	}
	if n := expired(); n != 1 {
		t.Fatalf("%d sessions expired at Stripe, want ada's", n)
	}
	if c := calls.to("POST", "/v1/checkout/sessions/"+ada.CheckoutID, "/expire"); len(c) != 1 {
		t.Fatalf("expire calls for %s: %+v", ada.CheckoutID, c)
	}
	// She had paid in the meantime: refunded in full, no access.
	e.webhook(paidWebhook("evt_ada_paid", ada, 1999), now)
	if g := e.reg(ada.ID); g.Status != model.StatusRefunded || g.AmountPaid != 1999 || g.AmountRefunded != 1999 {
		t.Fatalf("payment after the cancellation: %s paid %d refunded %d", g.Status, g.AmountPaid, g.AmountRefunded)
	}
	if k := e.mailKinds(); k[model.MailLateRefund] != 1 || k[model.MailAccess] != 0 {
		t.Fatalf("mails %v", k)
	}

	// The organizer cancels one; reconciliation still asks Stripe about it.
	bob := e.reg(e.buy("intro-to-go", "Bob", nil))
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", bob.ID), nil, true); r.Status != 200 {
		t.Fatalf("organizer cancel: %d %s", r.Status, r.Body)
	}
	if n := expired(); n != 2 {
		t.Fatalf("%d sessions expired, want 2", n)
	}
	e.clock.Add(5 * time.Minute)
	asked := len(calls.to("GET", "/v1/checkout/sessions/", ""))
	if err := e.tickets.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(calls.to("GET", "/v1/checkout/sessions/", "")) - asked; n != 1 {
		t.Fatalf("reconciliation asked about %d sessions, want bob's", n)
	}

	// The event is cancelled with a checkout open.
	cy := e.reg(e.buy("intro-to-go", "Cy", nil))
	if r := e.do("POST", "/api/v1/events/1/cancel", map[string]any{"message": "Sorry", "refund": true}, true); r.Status != 200 {
		t.Fatalf("cancel event: %d %s", r.Status, r.Body)
	}
	if g := e.reg(cy.ID); g.Status != model.StatusCancelled || expired() != 3 {
		t.Fatalf("cy: %s, %d sessions expired", g.Status, expired())
	}

	// A series sold per session loses the session a buyer is paying for.
	ev := e.createEvent(paidEvent(map[string]any{"title": "Series", "kind": "series", "series_registration": "individual",
		"sessions": []map[string]any{
			{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60},
			{"starts_at": time.Now().Add(96 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	sessions := ev["sessions"].([]any)
	first, second := sessions[0].(map[string]any), sessions[1].(map[string]any)
	dee := e.reg(e.buy("series", "Dee", map[string]any{"session_id": num(second["id"])}))
	r := e.do("PATCH", fmt.Sprintf("/api/v1/events/%d", num(ev["id"])), map[string]any{"sessions": []map[string]any{
		{"id": num(first["id"]), "starts_at": first["starts_at"], "duration_minutes": 60}}}, true)
	if r.Status != 200 {
		t.Fatalf("remove a session: %d %s", r.Status, r.Body)
	}
	if g := e.reg(dee.ID); g.Status != model.StatusCancelled || expired() != 4 {
		t.Fatalf("dee: %s, %d sessions expired", g.Status, expired())
	}
}

// TestLatePaymentPastTierAndPromoLimits: a payment that comes after its
// hold ran out, when the tier's quantity and the promo code's uses went to
// someone else meanwhile, is confirmed at the price paid (the money decides
// while a seat is left); the counters then exceed their limits and the
// admin lists say by how much.
func TestLatePaymentPastTierAndPromoLimits(t *testing.T) {
	e, _ := stripeEnvCalls(t)
	ev := e.createEvent(paidEvent(map[string]any{"price": map[string]any{"amount": 4900, "currency": "EUR"}, "capacity": 10, "sessions": soon()}))
	id := num(ev["id"])
	tiers, promos := fmt.Sprintf("/api/v1/events/%d/tiers", id), fmt.Sprintf("/api/v1/events/%d/promo_codes", id)
	if r := e.do("POST", tiers, map[string]any{"name": "Early", "price": map[string]any{"amount": 2900, "currency": "EUR"}, "quantity": 1}, true); r.Status != 201 {
		t.Fatalf("tier: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", promos, map[string]any{"code": "ONE", "percent_off": 10, "max_uses": 1}, true); r.Status != 201 {
		t.Fatalf("promo: %d %s", r.Status, r.Body)
	}
	ada := e.reg(e.buy("intro-to-go", "Ada", map[string]any{"promo_code": "ONE"}))
	e.clock.Add(31 * time.Minute) // her hold runs out: the tier and the code are free again
	bob := e.reg(e.buy("intro-to-go", "Bob", map[string]any{"promo_code": "ONE"}))
	if ada.Tier != "Early" || bob.Tier != "Early" || ada.Amount != 2610 || bob.Amount != 2610 {
		t.Fatalf("prices: %s %d / %s %d", ada.Tier, ada.Amount, bob.Tier, bob.Amount)
	}
	e.webhook(paidWebhook("evt_bob", bob, bob.Amount), time.Now())
	e.webhook(paidWebhook("evt_ada", ada, ada.Amount), time.Now())
	for _, r := range []*model.Registration{ada, bob} {
		if g := e.reg(r.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 2610 {
			t.Fatalf("%s: %s paid %d", g.Name, g.Status, g.AmountPaid)
		}
	}
	e.run(t, []scenario{
		{name: "tier sold past its quantity", method: "GET", path: tiers, admin: true, status: 200,
			contains: []string{`"quantity":1`, `"sold":2`, `"oversold":1`}},
		{name: "promo code used past its limit", method: "GET", path: promos, admin: true, status: 200,
			contains: []string{`"max_uses":1`, `"uses":2`, `"overused":1`}},
	})
}

// TestDashboardRefundsMixedWithAdmits: Admit refunds 3.00 of 10.00, 2.00
// more is refunded in Stripe's dashboard: 5.00 refunded. "Refund the rest"
// then asks Stripe for the 5.00 it still holds and the registration is
// refunded in full; nothing is left to ask for. Before, Admit recorded
// 8.00, left the registration partially refunded, and a second "rest"
// asked for 2.00 more: 12.00 on a 10.00 charge.
func TestDashboardRefundsMixedWithAdmits(t *testing.T) {
	e, calls := stripeEnvCalls(t)
	e.createEvent(paidEvent(map[string]any{"price": map[string]any{"amount": 1000, "currency": "EUR"}, "sessions": soon()}))
	now := time.Now()
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	e.webhook(paidWebhook("evt_paid", ada, 1000), now)
	path := fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID)
	refunded := func(want int64, status string) {
		t.Helper()
		if g := e.reg(ada.ID); g.AmountRefunded != want || g.Status != status {
			t.Fatalf("refunded %d (%s), want %d (%s)", g.AmountRefunded, g.Status, want, status)
		}
	}
	asked := func() []string {
		var out []string
		for _, c := range calls.to("POST", "/v1/refunds", "") {
			out = append(out, c.Form.Get("amount"))
		}
		return out
	}

	if r := e.do("POST", path, map[string]any{"amount": 300}, true); r.Status != 200 {
		t.Fatalf("refund 3.00: %d %s", r.Status, r.Body)
	}
	ours := stripetest.Refunded("evt_ours", "ch_1", pi(ada), 1000, 0, 300, "EUR")
	e.webhook(ours, now) // Stripe's event for Admit's own refund
	refunded(300, model.StatusPartiallyRefunded)
	dashboard := stripetest.Refunded("evt_dashboard", "ch_1", pi(ada), 1000, 300, 500, "EUR")
	e.webhook(dashboard, now)
	refunded(500, model.StatusPartiallyRefunded)

	r := e.do("POST", path, nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"refunded"`) || !strings.Contains(string(r.Body), `"amount_refunded":1000`) {
		t.Fatalf("the rest: %d %s", r.Status, r.Body)
	}
	if got := asked(); strings.Join(got, ",") != "300,500" {
		t.Fatalf("asked Stripe for %v, want 300 then 500", got)
	}
	if r := e.do("POST", path, nil, true); r.Status != 409 {
		t.Fatalf("a second rest: %d %s", r.Status, r.Body)
	}
	// Stripe's events, again and late, change nothing.
	for _, b := range [][]byte{dashboard, ours, stripetest.Refunded("evt_rest", "ch_1", pi(ada), 1000, 500, 1000, "EUR")} {
		if res := e.webhook(b, now); res.Status != 200 {
			t.Fatalf("late event: %d %s", res.Status, res.Body)
		}
	}
	refunded(1000, model.StatusRefunded)
	if got := asked(); len(got) != 2 {
		t.Fatalf("asked Stripe for %v", got)
	}
}
