package web

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/ticketing"
	"github.com/admit/admit/plugins/stripe"
	"github.com/admit/admit/plugins/stripe/stripetest"
)

const whsec = "whsec_admit_test"

// stripeEnv is an Admit with the real Stripe plugin talking to stripe-mock.
func stripeEnv(t *testing.T, tweaks ...func(*ticketing.Options, *Deps)) *env {
	t.Helper()
	base := mockURL(t)
	p, err := stripe.New(stripe.Config{SecretKey: stripetest.Key, WebhookSecret: whsec, APIBase: base})
	if err != nil {
		t.Fatal(err)
	}
	reg := payment.NewRegistry()
	reg.Set(p)
	return newEnvWith(t, reg, tweaks...)
}

func paidEvent(extra map[string]any) map[string]any {
	m := liveEvent(map[string]any{"price": map[string]any{"amount": 1999, "currency": "EUR"}, "providers": []string{"stripe"}})
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// buy registers and returns the registration id.
func (e *env) buy(slug, name string, extra map[string]any) int64 {
	e.t.Helper()
	body := map[string]any{"name": name, "email": strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", "provider": "stripe"}
	for k, v := range extra {
		body[k] = v
	}
	r := e.do("POST", "/api/v1/public/events/"+slug+"/registrations", body, false)
	if r.Status != 201 {
		e.t.Fatalf("buy: %d %s", r.Status, r.Body)
	}
	return num(r.JSON(e.t)["registration"].(map[string]any)["id"])
}

// webhook delivers a Stripe event signed at a time.
func (e *env) webhook(body []byte, at time.Time) response {
	e.t.Helper()
	return e.do("POST", "/webhooks/stripe", body, false, "Stripe-Signature", stripetest.Sign(whsec, at, body))
}

func (e *env) reg(id int64) *model.Registration {
	e.t.Helper()
	r, err := e.store.Registration(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func paidWebhook(evID string, r *model.Registration, amount int64) []byte {
	return stripetest.Event(evID, "checkout.session.completed",
		stripetest.Session(r.CheckoutID, r.ID, "complete", "paid", amount, r.Currency, "pi_"+fmt.Sprint(r.ID)))
}

func TestStripeCheckoutAndWebhooks(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second)) // signatures carry real time
	e.createEvent(paidEvent(map[string]any{"capacity": 3, "sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))

	// The amount a client sends is ignored: the server prices.
	r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Ada", "email": "ada@example.org", "provider": "stripe", "amount": 1}, false)
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	body := r.JSON(t)
	if body["registration"].(map[string]any)["status"] != "pending_payment" || !strings.HasPrefix(fmt.Sprint(body["checkout_url"]), "http") {
		t.Fatalf("answer %s", r.Body)
	}
	id := num(body["registration"].(map[string]any)["id"])
	ada := e.reg(id)
	if ada.Amount != 1999 || ada.Currency != "EUR" || ada.CheckoutID == "" || ada.HoldExpiresAt == nil {
		t.Fatalf("registration %+v", ada)
	}
	if left := e.do("GET", "/api/v1/public/events/intro-to-go", nil, false); !strings.Contains(string(left.Body), `"seats_left":2`) {
		t.Fatalf("the hold does not take a seat: %s", left.Body)
	}
	// Registering again while paying names neither the registration nor its
	// checkout (whoever asks may not own the address): the checkout link is
	// mailed to the address instead.
	again := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Ada", "email": "ada@example.org", "provider": "stripe"}, false)
	if again.Status != 409 || !strings.Contains(string(again.Body), `"code":"already_registered"`) ||
		strings.Contains(string(again.Body), "registration\"") || strings.Contains(string(again.Body), ada.CheckoutID) {
		t.Fatalf("resume: %d %s", again.Status, again.Body)
	}
	if n := e.mailKinds()[model.MailCheckoutResend]; n != 1 {
		t.Fatalf("%d checkout emails", n)
	}
	if e.mailKinds()[model.MailAccess] != 0 {
		t.Fatal("an access email before payment")
	}

	now := time.Now()
	bad := []struct {
		name   string
		header string
	}{
		{"forged", stripetest.Sign("whsec_wrong", now, paidWebhook("evt_1", ada, 1999))},
		{"stale", stripetest.Sign(whsec, now.Add(-10*time.Minute), paidWebhook("evt_1", ada, 1999))},
		{"missing", ""},
		{"garbage", "t=1,v1=zz"},
	}
	for _, b := range bad {
		res := e.do("POST", "/webhooks/stripe", paidWebhook("evt_1", ada, 1999), false, "Stripe-Signature", b.header)
		if res.Status != 400 {
			t.Fatalf("%s signature: %d %s", b.name, res.Status, res.Body)
		}
	}
	if e.reg(id).Status != model.StatusPendingPayment {
		t.Fatal("a refused webhook changed the registration")
	}

	// Delivered four times: applied once, one access email.
	for i := 0; i < 4; i++ {
		res := e.webhook(paidWebhook("evt_paid", ada, 1999), now)
		want := "duplicate"
		if i == 0 {
			want = "applied"
		}
		if res.Status != 200 || !strings.Contains(string(res.Body), want) {
			t.Fatalf("delivery %d: %d %s", i, res.Status, res.Body)
		}
	}
	got := e.reg(id)
	if got.Status != model.StatusConfirmed || got.AmountPaid != 1999 || got.PaymentID != fmt.Sprintf("pi_%d", id) {
		t.Fatalf("after payment %+v", got)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access emails", n)
	}
	// Out of order: async succeeded after completed changes nothing.
	async := stripetest.Event("evt_async", "checkout.session.async_payment_succeeded", stripetest.Session(ada.CheckoutID, id, "complete", "paid", 1999, "EUR", "pi_x"))
	if res := e.webhook(async, now); res.Status != 200 {
		t.Fatalf("async: %d", res.Status)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access emails after the async event", n)
	}

	// An expired checkout frees its seat.
	bob := e.reg(e.buy("intro-to-go", "Bob", nil))
	exp := stripetest.Event("evt_exp", "checkout.session.expired", stripetest.Session(bob.CheckoutID, bob.ID, "expired", "unpaid", 1999, "EUR", ""))
	e.webhook(exp, now)
	if e.reg(bob.ID).Status != model.StatusExpired {
		t.Fatalf("expired: %s", e.reg(bob.ID).Status)
	}

	// A refund made in Stripe's dashboard is recorded: partial, then full.
	e.webhook(stripetest.Event("evt_r1", "charge.refunded", stripetest.Charge("ch_1", got.PaymentID, 1999, 500, "EUR")), now)
	if g := e.reg(id); g.Status != model.StatusPartiallyRefunded || g.AmountRefunded != 500 {
		t.Fatalf("partial refund: %s %d", g.Status, g.AmountRefunded)
	}
	e.webhook(stripetest.Event("evt_r2", "charge.refunded", stripetest.Charge("ch_1", got.PaymentID, 1999, 1999, "EUR")), now)
	if g := e.reg(id); g.Status != model.StatusRefunded || g.AmountRefunded != 1999 {
		t.Fatalf("full refund: %s %d", g.Status, g.AmountRefunded)
	}
	tok := e.accessToken(id)
	e.clock.Set(time.Now().Add(72 * time.Hour))
	if res := e.do("GET", "/a/"+tok+"/join", nil, false); res.Status != 403 {
		t.Fatalf("join after a full refund: %d", res.Status)
	}
}

func TestLatePaymentWithoutSeatIsRefunded(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	e.createEvent(paidEvent(map[string]any{"capacity": 1, "sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	// Ada's hold runs out; Bob takes the seat and pays.
	e.clock.Add(31 * time.Minute)
	bob := e.reg(e.buy("intro-to-go", "Bob", nil))
	e.webhook(paidWebhook("evt_bob", bob, 1999), time.Now())
	// Ada pays late: no seat is left, so she is refunded in full.
	e.webhook(paidWebhook("evt_ada", ada, 1999), time.Now())
	got := e.reg(ada.ID)
	if got.Status != model.StatusRefunded || got.AmountPaid != 1999 || got.AmountRefunded != 1999 {
		t.Fatalf("late payer: %s paid %d refunded %d", got.Status, got.AmountPaid, got.AmountRefunded)
	}
	if e.mailKinds()[model.MailLateRefund] != 1 {
		t.Fatalf("mails %v", e.mailKinds())
	}
	if e.reg(bob.ID).Status != model.StatusConfirmed {
		t.Fatal("bob lost his seat")
	}
	regs, _ := e.store.Registrations(context.Background(), 1, model.StatusConfirmed)
	if len(regs) != 1 {
		t.Fatalf("%d confirmed on 1 seat", len(regs))
	}
}

func TestLatePaymentWithSeatIsConfirmed(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	e.createEvent(paidEvent(map[string]any{"capacity": 1, "sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	e.clock.Add(31 * time.Minute)
	e.webhook(paidWebhook("evt_ada", ada, 1999), time.Now())
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed {
		t.Fatalf("late payer with a free seat: %s", g.Status)
	}
}

func TestAdminRefunds(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	e.createEvent(paidEvent(map[string]any{"sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	unpaid := e.reg(e.buy("intro-to-go", "Bob", nil))
	e.webhook(paidWebhook("evt_ada", ada, 1999), time.Now())
	path := fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID)
	e.run(t, []scenario{
		{name: "more than paid", method: "POST", path: path, admin: true, body: map[string]any{"amount": 2000}, status: 422, contains: []string{`"amount"`}},
		{name: "zero", method: "POST", path: path, admin: true, body: map[string]any{"amount": 0}, status: 422},
		{name: "not a number", method: "POST", path: path, admin: true, body: map[string]any{"amount": "all"}, status: 422},
		{name: "unpaid", method: "POST", path: fmt.Sprintf("/api/v1/registrations/%d/refund", unpaid.ID), admin: true, status: 409},
		{name: "partial", method: "POST", path: path, admin: true, body: map[string]any{"amount": 500}, status: 200, contains: []string{`"status":"partially_refunded"`, `"amount_refunded":500`}},
		{name: "above the rest", method: "POST", path: path, admin: true, body: map[string]any{"amount": 1500}, status: 422},
		{name: "the rest", method: "POST", path: path, admin: true, status: 200, contains: []string{`"status":"refunded"`, `"amount_refunded":1999`}},
		{name: "nothing left", method: "POST", path: path, admin: true, status: 409},
		{name: "list shows money", method: "GET", path: "/api/v1/events/1/registrations", admin: true, status: 200, contains: []string{`"amount_paid":1999`, `"amount_refunded":1999`, `"provider":"stripe"`}},
	})
	e.t = t
	refunds, _ := e.store.Refunds(context.Background(), ada.ID)
	if len(refunds) != 2 || refunds[0].IdempotencyKey != fmt.Sprintf("refund-%d-1", ada.ID) || refunds[1].IdempotencyKey != fmt.Sprintf("refund-%d-2", ada.ID) {
		t.Fatalf("refunds %+v", refunds)
	}
	if e.mailKinds()[model.MailRefunded] != 2 {
		t.Fatalf("mails %v", e.mailKinds())
	}
}

func TestApprovalRejectRefunds(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	e.createEvent(paidEvent(map[string]any{"approval_required": true, "sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	bob := e.reg(e.buy("intro-to-go", "Bob", nil))
	e.webhook(paidWebhook("evt_a", ada, 1999), time.Now())
	e.webhook(paidWebhook("evt_b", bob, 1999), time.Now())
	if e.reg(ada.ID).Status != model.StatusPendingApproval {
		t.Fatalf("paid approval registration: %s", e.reg(ada.ID).Status)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", ada.ID), nil, true); r.Status != 200 {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/reject", bob.ID), nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"amount_refunded":1999`) || !strings.Contains(string(r.Body), `"status":"rejected"`) {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
}

func TestCancelEventRefundsEveryone(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	ev := e.createEvent(paidEvent(map[string]any{"sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	var ids []int64
	for _, n := range []string{"Ada", "Bob", "Cy"} {
		r := e.reg(e.buy("intro-to-go", n, nil))
		e.webhook(paidWebhook("evt_"+n, r, 1999), time.Now())
		ids = append(ids, r.ID)
	}
	pending := e.reg(e.buy("intro-to-go", "Dee", nil))
	r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", num(ev["id"])), map[string]any{"message": "Sorry", "refund": true}, true)
	if r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	for _, id := range ids {
		if g := e.reg(id); g.Status != model.StatusRefunded || g.AmountRefunded != 1999 {
			t.Fatalf("registration %d: %s refunded %d", id, g.Status, g.AmountRefunded)
		}
	}
	if g := e.reg(pending.ID); g.Status != model.StatusCancelled {
		t.Fatalf("unpaid one: %s", g.Status)
	}
	if n := e.mailKinds()[model.MailEventCancel]; n != 4 {
		t.Fatalf("%d cancellation notices", n)
	}
	if r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Eve", "email": "eve@example.org", "provider": "stripe"}, false); r.Status != 410 {
		t.Fatalf("register after cancel: %d", r.Status)
	}
}

func TestTiersAndPromoCodes(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	ev := e.createEvent(paidEvent(map[string]any{"price": map[string]any{"amount": 4900, "currency": "EUR"}, "sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	other := e.createEvent(paidEvent(map[string]any{"title": "Other"}))
	id := num(ev["id"])
	tiers := fmt.Sprintf("/api/v1/events/%d/tiers", id)
	promos := fmt.Sprintf("/api/v1/events/%d/promo_codes", id)
	soon := e.clock.Now().Add(24 * time.Hour).Format(time.RFC3339)
	e.run(t, []scenario{
		{name: "early bird", method: "POST", path: tiers, admin: true, body: map[string]any{"name": "Early bird", "price": map[string]any{"amount": 2900, "currency": "EUR"}, "quantity": 1, "expires_at": soon}, status: 201, contains: []string{`"name":"Early bird"`}},
		{name: "second wave", method: "POST", path: tiers, admin: true, body: map[string]any{"name": "Second wave", "price": map[string]any{"amount": 3900, "currency": "EUR"}, "quantity": 1}, status: 201},
		{name: "tier above base", method: "POST", path: tiers, admin: true, body: map[string]any{"name": "Pricey", "price": map[string]any{"amount": 9900, "currency": "EUR"}}, status: 422},
		{name: "tier in another currency", method: "POST", path: tiers, admin: true, body: map[string]any{"name": "USD", "price": map[string]any{"amount": 2900, "currency": "USD"}}, status: 422, contains: []string{"price.currency"}},
		{name: "tier without name", method: "POST", path: tiers, admin: true, body: map[string]any{"price": map[string]any{"amount": 2900, "currency": "EUR"}}, status: 422, contains: []string{`"name"`}},
		{name: "tier bad quantity", method: "POST", path: tiers, admin: true, body: map[string]any{"name": "X", "price": map[string]any{"amount": 2900, "currency": "EUR"}, "quantity": 0}, status: 422},
		{name: "HALF", method: "POST", path: promos, admin: true, body: map[string]any{"code": "HALF", "percent_off": 50, "max_uses": 100, "expires_at": soon}, status: 201, contains: []string{`"code":"HALF"`}},
		{name: "FREE", method: "POST", path: promos, admin: true, body: map[string]any{"code": "FREE", "percent_off": 100}, status: 201},
		{name: "duplicate code", method: "POST", path: promos, admin: true, body: map[string]any{"code": "half", "percent_off": 10}, status: 422},
		{name: "both kinds", method: "POST", path: promos, admin: true, body: map[string]any{"code": "BOTH", "percent_off": 10, "amount_off": 100}, status: 422},
		{name: "percent above 100", method: "POST", path: promos, admin: true, body: map[string]any{"code": "MORE", "percent_off": 150}, status: 422},
		{name: "other event's code", method: "POST", path: fmt.Sprintf("/api/v1/events/%d/promo_codes", num(other["id"])), admin: true, body: map[string]any{"code": "OTHER", "percent_off": 10}, status: 201},
		{name: "quote early bird", method: "GET", path: "/api/v1/public/events/intro-to-go/quote", status: 200, contains: []string{`"amount":2900`, `"tier":"Early bird"`, `"base_amount":4900`}},
		{name: "quote with code", method: "GET", path: "/api/v1/public/events/intro-to-go/quote?promo_code=half", status: 200, contains: []string{`"amount":1450`, `"promo_code":"HALF"`, `"discount":1450`}},
		{name: "quote unknown code", method: "GET", path: "/api/v1/public/events/intro-to-go/quote?promo_code=NOPE", status: 422, contains: []string{`"code":"promo_invalid"`}},
		{name: "quote other event's code", method: "GET", path: "/api/v1/public/events/intro-to-go/quote?promo_code=OTHER", status: 422, contains: []string{`"code":"promo_invalid"`}},
		{name: "register with unknown code", method: "POST", path: "/api/v1/public/events/intro-to-go/registrations", body: map[string]any{"name": "X", "email": "x@example.org", "provider": "stripe", "promo_code": "OTHER"}, status: 422, contains: []string{`"code":"promo_invalid"`}},
	})
	e.t = t
	// The first buyer takes the early bird, the next the second wave, then the base price.
	a := e.reg(e.buy("intro-to-go", "Ada", nil))
	b := e.reg(e.buy("intro-to-go", "Bob", nil))
	c := e.reg(e.buy("intro-to-go", "Cy", map[string]any{"promo_code": "Half"}))
	if a.Amount != 2900 || a.Tier != "Early bird" || b.Amount != 3900 || b.Tier != "Second wave" || c.Amount != 2450 || c.PromoCode != "HALF" {
		t.Fatalf("prices %d %s / %d %s / %d %s", a.Amount, a.Tier, b.Amount, b.Tier, c.Amount, c.PromoCode)
	}
	// FREE makes it free: confirmed at once, no checkout.
	r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Dee", "email": "dee@example.org", "promo_code": "FREE"}, false)
	if r.Status != 201 || !strings.Contains(string(r.Body), `"status":"confirmed"`) || strings.Contains(string(r.Body), "checkout_url") {
		t.Fatalf("free code: %d %s", r.Status, r.Body)
	}
	// A price change applies to new registrations only.
	e.do("PATCH", fmt.Sprintf("/api/v1/events/%d", id), map[string]any{"price": map[string]any{"amount": 5900, "currency": "EUR"}}, true)
	if g := e.reg(c.ID); g.Amount != 2450 {
		t.Fatalf("a sold ticket changed price: %d", g.Amount)
	}
	if r := e.do("GET", tiers, nil, true); !strings.Contains(string(r.Body), `"sold":1`) {
		t.Fatalf("tiers: %s", r.Body)
	}
	list := e.do("GET", promos, nil, true)
	if !strings.Contains(string(list.Body), `"code":"HALF"`) || !strings.Contains(string(list.Body), `"uses":1`) {
		t.Fatalf("promo codes: %s", list.Body)
	}
	e.run(t, []scenario{
		{name: "delete a tier", method: "DELETE", path: tiers + "/2", admin: true, status: 204},
		{name: "delete it again", method: "DELETE", path: tiers + "/2", admin: true, status: 404},
		{name: "delete another event's tier", method: "DELETE", path: fmt.Sprintf("/api/v1/events/%d/tiers/1", num(other["id"])), admin: true, status: 404},
		{name: "delete a code", method: "DELETE", path: promos + "/1", admin: true, status: 204},
		{name: "the deleted code is invalid", method: "GET", path: "/api/v1/public/events/intro-to-go/quote?promo_code=HALF", status: 422, contains: []string{"promo_invalid"}},
		{name: "a ticket sold with it keeps its code", method: "GET", path: fmt.Sprintf("/api/v1/events/%d/registrations", id), admin: true, status: 200, contains: []string{`"promo_code":"HALF"`, `"tier":"Second wave"`}},
		{name: "delete needs admin", method: "DELETE", path: promos + "/2", status: 401},
	})
}

func TestProviderChoice(t *testing.T) {
	e := stripeEnv(t)
	e.createEvent(paidEvent(map[string]any{"title": "PayPal only", "providers": []string{"paypal"}}))
	e.createEvent(paidEvent(nil))
	e.run(t, []scenario{
		{name: "provider not connected", method: "POST", path: "/api/v1/public/events/paypal-only/registrations", body: map[string]any{"name": "A", "email": "a@example.org", "provider": "paypal"}, status: 422, contains: []string{`"code":"provider_unavailable"`}},
		{name: "provider the event does not take", method: "POST", path: "/api/v1/public/events/intro-to-go/registrations", body: map[string]any{"name": "A", "email": "a@example.org", "provider": "paypal"}, status: 422, contains: []string{`"code":"provider_unavailable"`}},
		{name: "the only provider is chosen", method: "POST", path: "/api/v1/public/events/intro-to-go/registrations", body: map[string]any{"name": "A", "email": "a@example.org"}, status: 201, contains: []string{"checkout_url"}},
		{name: "unknown provider", method: "POST", path: "/api/v1/public/events/intro-to-go/registrations", body: map[string]any{"name": "B", "email": "b@example.org", "provider": "cash"}, status: 422, contains: []string{`"provider"`}},
	})
}

// TestNoOversellPaid: 500 buyers for 50 paid seats at once, then every one
// that got a checkout pays: exactly 50 tickets.
func TestNoOversellPaid(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	e.createEvent(paidEvent(map[string]any{"capacity": 50, "sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	base := e.serve()
	client := newHTTPClient()
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 500; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			status, _ := postJSON(client, base+"/api/v1/public/events/intro-to-go/registrations",
				fmt.Sprintf(`{"name":"Buyer %d","email":"b%d@example.org","provider":"stripe"}`, i, i))
			mu.Lock()
			codes[status]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	if codes[201] != 50 || codes[409] != 450 {
		t.Fatalf("answers %v", codes)
	}
	held, _ := e.store.Registrations(context.Background(), 1, model.StatusPendingPayment)
	for _, r := range held {
		wg.Add(1)
		go func(r *model.Registration) {
			defer wg.Done()
			body := paidWebhook("evt_"+fmt.Sprint(r.ID), r, 1999)
			postSigned(client, base+"/webhooks/stripe", body)
		}(r)
	}
	wg.Wait()
	confirmed, _ := e.store.Registrations(context.Background(), 1, model.StatusConfirmed)
	if len(held) != 50 || len(confirmed) != 50 {
		t.Fatalf("held %d, confirmed %d", len(held), len(confirmed))
	}
}
