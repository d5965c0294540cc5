package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/ticketing"
	"github.com/admit/admit/plugins/paypal"
	"github.com/admit/admit/plugins/stripe"
	"github.com/admit/admit/plugins/stripe/stripetest"
)

// Approval without charging: for an event with manual approval the
// provider holds the money; confirming captures it once, rejecting voids it.

// intentCalls records the PaymentIntent calls (capture, cancel) the Stripe
// plugin sends to stripe-mock, with their idempotency keys.
type intentCalls struct {
	mu    sync.Mutex
	calls []string // "capture pi_x key"
}

func (c *intentCalls) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && strings.HasPrefix(req.URL.Path, "/v1/payment_intents/") {
		parts := strings.Split(req.URL.Path, "/")
		c.mu.Lock()
		c.calls = append(c.calls, parts[len(parts)-1]+" "+parts[len(parts)-2]+" "+req.Header.Get("Idempotency-Key"))
		c.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// of lists the calls of one kind (capture, cancel) on a PaymentIntent.
func (c *intentCalls) of(kind, pi string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, s := range c.calls {
		if strings.HasPrefix(s, kind+" "+pi+" ") {
			out = append(out, s)
		}
	}
	return out
}

// approvalStripeEnv is an Admit with the Stripe plugin at stripe-mock, its
// PaymentIntent calls recorded, and an event with manual approval.
func approvalStripeEnv(t *testing.T) (*env, *intentCalls, int64) {
	t.Helper()
	calls := &intentCalls{}
	p, err := stripe.New(stripe.Config{SecretKey: stripetest.Key, WebhookSecret: whsec, APIBase: mockURL(t),
		HTTPClient: &http.Client{Transport: calls, Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	reg := payment.NewRegistry()
	reg.Set(p)
	e := newEnvWith(t, reg)
	e.clock.Set(time.Now().UTC().Truncate(time.Second)) // signatures carry real time
	ev := e.createEvent(paidEvent(map[string]any{"approval_required": true,
		"sessions": []map[string]any{{"starts_at": time.Now().Add(30 * 24 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	return e, calls, num(ev["id"])
}

// authorize delivers Stripe's checkout.session.completed for r's
// checkout, authorized and not captured, on PaymentIntent pi.
func (e *env) authorize(r *model.Registration, pi string) response {
	e.t.Helper()
	res := e.webhook(stripetest.Event("evt_auth_"+pi, "checkout.session.completed", stripetest.AuthorizedSession(r.CheckoutID, r.ID, r.Amount, r.Currency, pi)), time.Now())
	if res.Status != 200 {
		e.t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}
	return res
}

// listed is registration id as GET /api/v1/events/{id}/registrations lists it.
func (e *env) listed(eventID, id int64) map[string]any {
	e.t.Helper()
	r := e.do("GET", fmt.Sprintf("/api/v1/events/%d/registrations", eventID), nil, true)
	for _, it := range r.JSON(e.t)["items"].([]any) {
		if m := it.(map[string]any); num(m["id"]) == id {
			return m
		}
	}
	e.t.Fatalf("registration %d not listed: %s", id, r.Body)
	return nil
}

func authorizationOf(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	a, ok := m["authorization"].(map[string]any)
	if !ok {
		t.Fatalf("no authorization in %v", m)
	}
	return a
}

// TestApprovalStripeConfirmCapturesOnce: authorize, confirm → captured once.
func TestApprovalStripeConfirmCapturesOnce(t *testing.T) {
	e, calls, eventID := approvalStripeEnv(t)
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	if !strings.Contains(string(e.do("GET", "/e/intro-to-go", nil, false).Body), "Your payment is only authorized now") {
		t.Fatal("the event page does not say the payment is only authorized")
	}
	e.authorize(ada, "pi_ada")
	// Stripe's own word on the same hold changes nothing more.
	capturable := e.webhook(stripetest.Event("evt_cap_ada", "payment_intent.amount_capturable_updated",
		stripetest.PaymentIntent("pi_ada", ada.ID, 1999, 1999, "EUR", "requires_capture")), time.Now())
	if capturable.Status != 200 || !strings.Contains(string(capturable.Body), "duplicate") {
		t.Fatalf("amount_capturable_updated: %d %s", capturable.Status, capturable.Body)
	}
	g := e.reg(ada.ID)
	if g.Status != model.StatusPendingApproval || g.AmountPaid != 0 || g.PaymentID != "" {
		t.Fatalf("authorized registration %+v", g)
	}
	a := authorizationOf(t, e.listed(eventID, ada.ID))
	if a["status"] != "authorized" || num(a["amount"]) != 1999 || a["currency"] != "EUR" || a["capture_by"] == nil || a["flagged"] != false {
		t.Fatalf("authorization %v", a)
	}
	if n := e.mailKinds()[model.MailPending]; n != 1 {
		t.Fatalf("%d pending mails", n)
	}
	if text := e.composeKind(ada.ID, model.MailPending); !strings.Contains(text, "is authorized, not charged") {
		t.Fatalf("pending mail:\n%s", text)
	}
	if _, page := e.signedIn(t).send("GET", fmt.Sprintf("/admin/events/%d", eventID), nil); !strings.Contains(page, "19.99\u00a0EUR authorized, not charged") ||
		!strings.Contains(page, "decide by") {
		t.Fatalf("admin table does not say the payment is authorized:\n%s", page)
	}

	// Two confirmations at once: the money is taken once, the access
	// mail goes once.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", ada.ID), nil, true).Status
		}()
	}
	wg.Wait()
	if statuses[0] != 200 && statuses[1] != 200 {
		t.Fatalf("confirm: %v", statuses)
	}
	again := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", ada.ID), nil, true)
	if again.Status != 409 {
		t.Fatalf("confirm again: %d %s", again.Status, again.Body)
	}
	keys := map[string]bool{}
	for _, c := range calls.of("capture", "pi_ada") {
		keys[c] = true
	}
	if len(keys) != 1 {
		t.Fatalf("captures at Stripe: %v", calls.of("capture", "pi_ada"))
	}
	g = e.reg(ada.ID)
	if g.Status != model.StatusConfirmed || g.AmountPaid != 1999 || g.PaymentID != "pi_ada" {
		t.Fatalf("confirmed registration %+v", g)
	}
	if a := authorizationOf(t, e.listed(eventID, ada.ID)); a["status"] != "captured" {
		t.Fatalf("authorization after confirm %v", a)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access mails", n)
	}
	if len(calls.of("cancel", "pi_ada")) != 0 {
		t.Fatal("a confirmed payment was voided")
	}
}

// TestApprovalStripeRejectVoids: authorize, reject → voided, never
// captured, never refunded.
func TestApprovalStripeRejectVoids(t *testing.T) {
	e, calls, eventID := approvalStripeEnv(t)
	bob := e.reg(e.buy("intro-to-go", "Bob", nil))
	e.authorize(bob, "pi_bob")
	r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/reject", bob.ID), nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"rejected"`) || !strings.Contains(string(r.Body), `"status":"voided"`) ||
		!strings.Contains(string(r.Body), `"amount_paid":0`) || !strings.Contains(string(r.Body), `"amount_refunded":0`) {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	if c := calls.of("cancel", "pi_bob"); len(c) != 1 || !strings.HasSuffix(c[0], fmt.Sprintf(" void-%d-pi_bob", bob.ID)) {
		t.Fatalf("voids at Stripe: %v", c)
	}
	// Stripe's payment_intent.canceled for the same hold changes nothing.
	canceled := e.webhook(stripetest.Event("evt_cancel_bob", "payment_intent.canceled", stripetest.PaymentIntent("pi_bob", bob.ID, 1999, 0, "EUR", "canceled")), time.Now())
	if canceled.Status != 200 {
		t.Fatalf("canceled: %d %s", canceled.Status, canceled.Body)
	}
	if len(calls.of("capture", "pi_bob")) != 0 {
		t.Fatal("a rejected payment was captured")
	}
	refunds, err := e.store.Refunds(context.Background(), bob.ID)
	if err != nil || len(refunds) != 0 {
		t.Fatalf("refunds %+v %v", refunds, err)
	}
	if a := authorizationOf(t, e.listed(eventID, bob.ID)); a["status"] != "voided" {
		t.Fatalf("authorization %v", a)
	}
	if k := e.mailKinds(); k[model.MailRejected] != 1 || k[model.MailRefunded] != 0 {
		t.Fatalf("mails %v", k)
	}
}

// TestApprovalAuthorizationLapses: a hold about to lapse is flagged to the
// organizers a day before (once); at its end it lapses and the registrant
// is told; confirming then sends a link to pay, and the payment confirms.
func TestApprovalAuthorizationLapses(t *testing.T) {
	e, calls, eventID := approvalStripeEnv(t)
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	e.authorize(ada, "pi_ada")
	start := e.clock.Now()
	check := func(wantFlagged, wantLapsed int) {
		t.Helper()
		f, l, err := e.tickets.CheckAuthorizations(context.Background())
		if err != nil || f != wantFlagged || l != wantLapsed {
			t.Fatalf("check at %v: flagged %d lapsed %d (%v), want %d %d", e.clock.Now().Sub(start), f, l, err, wantFlagged, wantLapsed)
		}
	}
	e.clock.Set(start.Add(5 * 24 * time.Hour))
	check(0, 0)
	e.clock.Set(start.Add(6*24*time.Hour + time.Hour))
	check(1, 0)
	check(0, 0)
	if n := e.mailKinds()[model.MailAuthLapsing]; n != 1 {
		t.Fatalf("%d lapsing mails to the organizers", n)
	}
	if a := authorizationOf(t, e.listed(eventID, ada.ID)); a["flagged"] != true {
		t.Fatalf("authorization %v", a)
	}
	if _, page := e.signedIn(t).send("GET", fmt.Sprintf("/admin/events/%d", eventID), nil); !strings.Contains(page, "Lapses soon: confirm or reject by") {
		t.Fatal("admin table does not flag the lapsing authorization")
	}
	e.clock.Set(start.Add(7*24*time.Hour + time.Minute))
	check(0, 1)
	check(0, 0)
	g := e.reg(ada.ID)
	if g.Status != model.StatusPendingApproval || g.AmountPaid != 0 {
		t.Fatalf("lapsed registration %+v", g)
	}
	if a := authorizationOf(t, e.listed(eventID, ada.ID)); a["status"] != "lapsed" {
		t.Fatalf("authorization %v", a)
	}
	if text := e.composeKind(ada.ID, model.MailAuthLapsed); !strings.Contains(text, "Nothing was charged") {
		t.Fatalf("lapsed mail:\n%s", text)
	}
	// Confirmed now: a link to pay, at a checkout that takes the money.
	r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", ada.ID), nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"pending_payment"`) {
		t.Fatalf("confirm after lapse: %d %s", r.Status, r.Body)
	}
	if len(calls.of("capture", "pi_ada")) != 0 {
		t.Fatal("a lapsed authorization was captured")
	}
	g = e.reg(ada.ID)
	if g.CheckoutURL == "" || g.HoldExpiresAt == nil || !g.HoldExpiresAt.After(e.clock.Now().Add(20*time.Hour)) {
		t.Fatalf("registration to pay again %+v", g)
	}
	if text := e.composeKind(ada.ID, model.MailPayAgain); !strings.Contains(text, g.CheckoutURL) {
		t.Fatalf("pay-again mail lacks the checkout:\n%s", text)
	}
	paid := e.webhook(paidWebhook("evt_paid_ada", g, 1999), time.Now())
	if paid.Status != 200 {
		t.Fatalf("paid: %d %s", paid.Status, paid.Body)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 1999 {
		t.Fatalf("paid again %+v", g)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access mails", n)
	}
}

// TestApprovalWithoutAuthorizationSaysRefund: the event page says, near the
// pay button, that a rejection is refunded when the provider cannot hold
// the payment.
func TestApprovalWithoutAuthorizationSaysRefund(t *testing.T) {
	p, err := stripe.New(stripe.Config{SecretKey: stripetest.Key, WebhookSecret: whsec, APIBase: mockURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	reg := payment.NewRegistry()
	reg.Set(p)
	// A Stripe that does not declare it can authorize.
	plain := stripe.Module()
	plain.Authorize = false
	e := newEnvWith(t, reg, func(o *ticketing.Options, _ *Deps) { o.Modules = payment.NewModules(plain, paypal.Module()) })
	e.createEvent(paidEvent(map[string]any{"approval_required": true}))
	page := string(e.do("GET", "/e/intro-to-go", nil, false).Body)
	if !strings.Contains(page, "if your registration is declined, you are refunded in full") || strings.Contains(page, "only authorized") {
		t.Fatal("the event page does not say a rejection is refunded")
	}
	if r := e.do("GET", "/api/v1/public/events/intro-to-go", nil, false); !strings.Contains(string(r.Body), `"approval":{"stripe":"charge_then_refund"}`) {
		t.Fatalf("public event: %s", r.Body)
	}
}

// composeKind is the text of the last mail of a kind to a registration,
// as it would be delivered.
func (e *env) composeKind(registrationID int64, kind string) string {
	e.t.Helper()
	text := ""
	for _, m := range e.outbox() {
		if m.Kind == kind && m.RegistrationID != nil && *m.RegistrationID == registrationID {
			text = e.compose(m).Text
		}
	}
	if text == "" {
		e.t.Fatalf("no %s mail to registration %d", kind, registrationID)
	}
	return text
}

// TestApprovalPayPalAuthorizeConfirmReject: with PayPal, the order only
// authorizes; confirm captures the authorization once, reject voids it:
// never captured, never refunded. PayPal's webhooks about the same changes
// are duplicates.
func TestApprovalPayPalAuthorizeConfirmReject(t *testing.T) {
	e, fake := paypalEnv(t)
	ev := e.createEvent(paypalEvent(map[string]any{"approval_required": true}))
	eventID := num(ev["id"])
	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	bob, _ := e.paypalBuy("intro-to-go", "Bob")
	for _, r := range []*model.Registration{ada, bob} {
		if o := fake.Order(r.CheckoutID); o.Intent != "AUTHORIZE" {
			t.Fatalf("order %+v", o)
		}
		fake.Approve(r.CheckoutID)
		page := string(e.paypalReturn(r).Body)
		if !strings.Contains(page, "Your payment is authorized, not charged") {
			t.Fatalf("return page:\n%s", page)
		}
		if g := e.reg(r.ID); g.Status != model.StatusPendingApproval || g.AmountPaid != 0 {
			t.Fatalf("authorized %+v", g)
		}
	}
	for _, d := range paypalHooks(t, fake, "PAYMENT.AUTHORIZATION.CREATED", "PAYMENT.AUTHORIZATION.CREATED") {
		if res := e.paypalDeliver(d); res.Status != 200 || !strings.Contains(string(res.Body), "duplicate") {
			t.Fatalf("AUTHORIZATION.CREATED: %d %s", res.Status, res.Body)
		}
	}
	a := authorizationOf(t, e.listed(eventID, ada.ID))
	if a["status"] != "authorized" || num(a["amount"]) != 1999 || a["capture_by"] == nil || a["expires_at"] == nil {
		t.Fatalf("authorization %v", a)
	}
	token := e.accessToken(ada.ID)
	if page := string(e.do("GET", "/a/"+token, nil, false).Body); !strings.Contains(page, "19.99\u00a0EUR authorized, not charged") {
		t.Fatalf("registrant's page:\n%s", page)
	}

	for i := 0; i < 2; i++ {
		r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", ada.ID), nil, true)
		if want := []int{200, 409}[i]; r.Status != want {
			t.Fatalf("confirm %d: %d %s", i, r.Status, r.Body)
		}
	}
	auth := fake.AuthorizationOf(ada.CheckoutID)
	if n := fake.Calls("POST /v2/payments/authorizations/{id}/reauthorize"); n != 0 {
		t.Fatalf("%d reauthorizations within the honor period", n)
	}
	if n := fake.Calls("POST /v2/payments/authorizations/{id}/capture"); n != 1 || auth.Status != "CAPTURED" {
		t.Fatalf("%d captures, authorization %+v", n, auth)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 1999 || g.PaymentID != auth.CaptureID {
		t.Fatalf("confirmed %+v", g)
	}
	for _, d := range paypalHooks(t, fake, "PAYMENT.CAPTURE.COMPLETED") {
		if res := e.paypalDeliver(d); res.Status != 200 || !strings.Contains(string(res.Body), "duplicate") {
			t.Fatalf("CAPTURE.COMPLETED: %d %s", res.Status, res.Body)
		}
	}

	r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/reject", bob.ID), nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"rejected"`) || !strings.Contains(string(r.Body), `"status":"voided"`) {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	if a := fake.AuthorizationOf(bob.CheckoutID); a.Status != "VOIDED" || a.CaptureID != "" {
		t.Fatalf("bob's authorization %+v", a)
	}
	for _, d := range paypalHooks(t, fake, "PAYMENT.AUTHORIZATION.VOIDED") {
		if res := e.paypalDeliver(d); res.Status != 200 {
			t.Fatalf("AUTHORIZATION.VOIDED: %d %s", res.Status, res.Body)
		}
	}
	if n := fake.Calls("POST /v2/payments/captures/{id}/refund"); n != 0 {
		t.Fatalf("%d refunds", n)
	}
	if g := e.reg(bob.ID); g.Status != model.StatusRejected || g.AmountPaid != 0 || g.AmountRefunded != 0 {
		t.Fatalf("rejected %+v", g)
	}
	if k := e.mailKinds(); k[model.MailAccess] != 1 || k[model.MailRejected] != 1 || k[model.MailRefunded] != 0 {
		t.Fatalf("mails %v", k)
	}
}

// TestApprovalPayPalCaptureRefused: a capture PayPal refuses (the
// authorization expired) leaves the registration awaiting approval, marked
// capture_failed with PayPal's reason, and tells the organizers; confirming
// again sends a link to pay.
func TestApprovalPayPalCaptureRefused(t *testing.T) {
	e, fake := paypalEnv(t)
	ev := e.createEvent(paypalEvent(map[string]any{"approval_required": true}))
	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.Approve(ada.CheckoutID)
	e.paypalReturn(ada)
	fake.ExpireAuthorization(fake.AuthorizationOf(ada.CheckoutID).ID)
	r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", ada.ID), nil, true)
	if r.Status != 409 || !strings.Contains(string(r.Body), `"code":"capture_failed"`) || !strings.Contains(string(r.Body), "AUTHORIZATION_EXPIRED") {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	a := authorizationOf(t, e.listed(num(ev["id"]), ada.ID))
	if a["status"] != "capture_failed" || !strings.Contains(fmt.Sprint(a["error"]), "AUTHORIZATION_EXPIRED") {
		t.Fatalf("authorization %v", a)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusPendingApproval || g.AmountPaid != 0 {
		t.Fatalf("after a refused capture %+v", g)
	}
	if n := e.mailKinds()[model.MailCaptureFailed]; n != 1 {
		t.Fatalf("%d capture_failed mails", n)
	}
	r = e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", ada.ID), nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"pending_payment"`) {
		t.Fatalf("confirm again: %d %s", r.Status, r.Body)
	}
	g := e.reg(ada.ID)
	if o := fake.Order(g.CheckoutID); o.Intent != "CAPTURE" || g.CheckoutID == ada.CheckoutID {
		t.Fatalf("order to pay again %+v", o)
	}
	fake.Approve(g.CheckoutID)
	e.paypalReturn(g)
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 1999 {
		t.Fatalf("paid again %+v", g)
	}
}
