package web

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/plugins/paypal"
	"github.com/admit/admit/plugins/paypal/paypaltest"
)

// End-to-end PayPal flows through Admit's routes, with the real
// plugins/paypal provider talking to the fake PayPal of paypaltest.

// Page texts (assets/i18n/en.toml) the return page shows.
const (
	paypalPagePending   = "Your payment is being confirmed by the provider."
	paypalPageConfirmed = "your payment is received and your seat is confirmed."
)

// paypalEnv is an Admit whose only provider is PayPal, pointed at a fake.
func paypalEnv(t *testing.T) (*env, *paypaltest.Server) {
	t.Helper()
	p, fake := paypalProvider(t)
	reg := payment.NewRegistry()
	reg.Set(p)
	e := newEnvWith(t, reg)
	e.paypal = fake
	// One clock for both: an authorization's honor period is PayPal's, and
	// Admit renews it only once it is over.
	fake.Advance(e.clock.Now().Sub(fake.Now()))
	return e, fake
}

// paypalProvider is the PayPal plugin talking to a fake PayPal.
func paypalProvider(t *testing.T) (*paypal.Provider, *paypaltest.Server) {
	t.Helper()
	fake := paypaltest.NewServer(t, paypaltest.ClientID, paypaltest.Secret)
	p, err := paypal.New(paypal.Config{ClientID: paypaltest.ClientID, ClientSecret: paypaltest.Secret, Mode: paypal.ModeSandbox,
		APIBase: fake.URL, WebhookID: fake.WebhookID, HTTPClient: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return p, fake
}

// paypalEvent is a paid webinar in EUR that takes PayPal only.
func paypalEvent(extra map[string]any) map[string]any {
	m := liveEvent(map[string]any{"price": map[string]any{"amount": 1999, "currency": "EUR"}, "providers": []string{"paypal"}})
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// paypalBuy registers name with PayPal and returns the registration, which
// is waiting for payment, and the checkout URL the answer gave.
func (e *env) paypalBuy(slug, name string) (*model.Registration, string) {
	e.t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org"
	r := e.do("POST", "/api/v1/public/events/"+slug+"/registrations", map[string]any{"name": name, "email": email, "provider": "paypal"}, false)
	if r.Status != 201 {
		e.t.Fatalf("register %s with paypal: %d %s", name, r.Status, r.Body)
	}
	body := r.JSON(e.t)
	reg := body["registration"].(map[string]any)
	if reg["status"] != model.StatusPendingPayment {
		e.t.Fatalf("register %s with paypal: %s", name, r.Body)
	}
	got := e.reg(num(reg["id"]))
	if got.Provider != "paypal" || got.CheckoutID == "" {
		e.t.Fatalf("registration %+v", got)
	}
	url, _ := body["checkout_url"].(string)
	return got, url
}

// paypalReturn is the buyer coming back from PayPal to the success URL, as
// PayPal sends them: the URL Admit gave plus token and PayerID.
func (e *env) paypalReturn(r *model.Registration) response {
	e.t.Helper()
	return e.do("GET", e.paypalBack(e.paypal.Order(r.CheckoutID).ReturnURL, r.CheckoutID), nil, false)
}

// paypalBack is a return or cancel URL Admit gave PayPal, as PayPal sends
// the buyer to it: with the order's token (and PayerID).
func (e *env) paypalBack(raw, token string) string {
	e.t.Helper()
	return localPath(e.t, raw) + "&" + url.Values{"token": {token}, "PayerID": {"QYR5Z8XDVJNXQ"}}.Encode()
}

// paypalDeliver POSTs a webhook delivery to Admit as PayPal would.
func (e *env) paypalDeliver(d paypaltest.Delivery) response {
	e.t.Helper()
	res, err := e.app.Test(d.Request("/webhooks/paypal"), -1)
	if err != nil {
		e.t.Fatalf("deliver %s: %v", d.EventType, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// paypalHooks takes the fake's queued deliveries and checks their types.
func paypalHooks(t *testing.T, fake *paypaltest.Server, types ...string) []paypaltest.Delivery {
	t.Helper()
	hooks := fake.Webhooks()
	got := make([]string, len(hooks))
	for i, h := range hooks {
		got[i] = h.EventType
	}
	if strings.Join(got, ",") != strings.Join(types, ",") {
		t.Fatalf("PayPal queued %v, want %v", got, types)
	}
	return hooks
}

func TestPayPalCheckoutAndReturn(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))

	ada, checkoutURL := e.paypalBuy("intro-to-go", "Ada")
	if checkoutURL != fake.ApproveURL(ada.CheckoutID) {
		t.Fatalf("checkout_url %q, want the order's approve link %q", checkoutURL, fake.ApproveURL(ada.CheckoutID))
	}
	order := fake.Order(ada.CheckoutID)
	wantReturn := fmt.Sprintf("http://tickets.test/pay/paypal/return?registration=%d&sig=", ada.ID)
	wantCancel := fmt.Sprintf("http://tickets.test/pay/paypal/cancel?registration=%d&sig=", ada.ID)
	if order.Status != "CREATED" || order.Intent != "CAPTURE" || order.Value != "19.99" || order.Currency != "EUR" ||
		order.CustomID != fmt.Sprint(ada.ID) || !strings.HasPrefix(order.ReturnURL, wantReturn) ||
		!strings.HasPrefix(order.CancelURL, wantCancel) || order.Description != "Intro to Go" {
		t.Fatalf("order at PayPal %+v", order)
	}
	if ada.Amount != 1999 || ada.Currency != "EUR" || ada.HoldExpiresAt == nil {
		t.Fatalf("registration %+v", ada)
	}

	// Back before approving (the buyer pressed "back", or a prefetch): the
	// page sends the buyer back to approve, nothing is taken or confirmed.
	for i := 0; i < 2; i++ {
		e.returnPage(ada, pageNotApproved)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusPendingPayment || g.AmountPaid != 0 || g.PaymentID != "" {
		t.Fatalf("after a return without approval: %+v", g)
	}
	if o := fake.Order(ada.CheckoutID); o.Status != "CREATED" || o.CaptureID != "" {
		t.Fatalf("order after a return without approval: %+v", o)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 0 {
		t.Fatalf("%d access emails before payment", n)
	}

	// The buyer approves at PayPal and comes back: captured, confirmed.
	fake.Approve(ada.CheckoutID)
	r := e.paypalReturn(ada)
	if r.Status != 200 || !strings.Contains(string(r.Body), paypalPageConfirmed) {
		t.Fatalf("return after approval: %d\n%s", r.Status, r.Body)
	}
	order = fake.Order(ada.CheckoutID)
	if order.Status != "COMPLETED" || order.CaptureID == "" {
		t.Fatalf("order after the return: %+v", order)
	}
	got := e.reg(ada.ID)
	if got.Status != model.StatusConfirmed || got.AmountPaid != 1999 || got.PaymentID != order.CaptureID {
		t.Fatalf("after the return: %+v", got)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access emails", n)
	}

	// Reloading the page is harmless: no second capture, no second email.
	for i := 0; i < 2; i++ {
		r := e.paypalReturn(ada)
		if r.Status != 200 || !strings.Contains(string(r.Body), paypalPageConfirmed) {
			t.Fatalf("reload %d: %d\n%s", i, r.Status, r.Body)
		}
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access emails after reloads", n)
	}
	// PayPal's webhook for the same capture arrives too: nothing changes.
	hooks := paypalHooks(t, fake, paypal.EventCaptureCompleted)
	if res := e.paypalDeliver(hooks[0]); res.Status != 200 {
		t.Fatalf("capture webhook after the return: %d %s", res.Status, res.Body)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 1999 || e.mailKinds()[model.MailAccess] != 1 {
		t.Fatalf("after the webhook: %+v, mails %v", g, e.mailKinds())
	}
	if n := fake.OrderCount(); n != 1 {
		t.Fatalf("%d orders at PayPal", n)
	}

	// Someone else's return URL, or a made-up token, shows nothing, and
	// PayPal is not even asked.
	bob, _ := e.paypalBuy("intro-to-go", "Bob")
	bobReturn := localPath(t, fake.Order(bob.CheckoutID).ReturnURL)
	captures, reads := fake.Calls("POST /v2/checkout/orders/{id}/capture"), fake.Calls("GET /v2/checkout/orders/{id}")
	for name, path := range map[string]string{
		"another registration's order": bobReturn + "&token=" + ada.CheckoutID,
		"unknown order":                bobReturn + "&token=0NOSUCHORDER000",
		"no token":                     bobReturn,
		"bare registration id":         fmt.Sprintf("/pay/paypal/return?registration=%d&token=%s", bob.ID, bob.CheckoutID),
		"unknown registration":         "/pay/paypal/return?registration=999&token=" + ada.CheckoutID,
	} {
		if r := e.do("GET", path, nil, false); r.Status != 404 {
			t.Errorf("%s: %d", name, r.Status)
		}
	}
	if g := e.reg(bob.ID); g.Status != model.StatusPendingPayment || g.AmountPaid != 0 {
		t.Fatalf("bob after foreign returns: %+v", g)
	}
	if c, r := fake.Calls("POST /v2/checkout/orders/{id}/capture"), fake.Calls("GET /v2/checkout/orders/{id}"); c != captures || r != reads {
		t.Fatalf("foreign returns reached PayPal: %d captures, %d reads", c-captures, r-reads)
	}
	// Bob gives up at PayPal: the cancel page, his hold stays until it ends.
	if r := e.do("GET", e.paypalBack(fake.Order(bob.CheckoutID).CancelURL, bob.CheckoutID), nil, false); r.Status != 200 {
		t.Fatalf("cancel page: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", fmt.Sprintf("/pay/paypal/cancel?registration=%d&token=%s", bob.ID, bob.CheckoutID), nil, false); r.Status != 404 {
		t.Fatalf("cancel page by bare id: %d %s", r.Status, r.Body)
	}
}

func TestPayPalWebhooks(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))

	// Paid only through the webhook: the buyer never came back, the capture
	// happened elsewhere (a lost answer), and PayPal tells Admit.
	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.Approve(ada.CheckoutID)
	captureID := fake.CaptureOrder(ada.CheckoutID)
	d := paypalHooks(t, fake, paypal.EventCaptureCompleted)[0]

	// Forgeries first: each is refused with 400 and changes nothing.
	sigForged := d
	sigForged.Header = d.Header.Clone()
	sigForged.Header.Set("Paypal-Transmission-Sig", "bG9vayBtYSwgbm8gc2lnbmF0dXJl")
	bodyForged := paypaltest.Delivery{EventType: d.EventType, Header: d.Header,
		Body: []byte(strings.Replace(string(d.Body), `"custom_id":"`+fmt.Sprint(ada.ID)+`"`, `"custom_id":"999"`, 1))}
	if string(bodyForged.Body) == string(d.Body) {
		t.Fatal("the forged body is the real one")
	}
	otherHook := paypaltest.Delivery{EventType: d.EventType, Body: d.Body, Header: fake.Sign(d.Body, "1JE4291016473214C")}
	forged := map[string]paypaltest.Delivery{
		"bad signature":              sigForged,
		"body changed after signing": bodyForged,
		"signed for another webhook": otherHook,
		"no headers":                 {EventType: d.EventType, Body: d.Body, Header: nil},
	}
	for _, h := range []string{paypal.HeaderTransmissionSig, paypal.HeaderTransmissionID, paypal.HeaderCertURL} {
		missing := paypaltest.Delivery{EventType: d.EventType, Body: d.Body, Header: d.Header.Clone()}
		missing.Header.Del(h)
		forged["without "+h] = missing
	}
	for name, f := range forged {
		res := e.paypalDeliver(f)
		if res.Status != 400 || !strings.Contains(string(res.Body), `"code":"bad_signature"`) {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	if g := e.reg(ada.ID); g.Status != model.StatusPendingPayment || g.AmountPaid != 0 || g.PaymentID != "" {
		t.Fatalf("a refused webhook changed the registration: %+v", g)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 0 {
		t.Fatalf("%d access emails after forged webhooks", n)
	}

	// The real delivery confirms.
	res := e.paypalDeliver(d)
	if res.Status != 200 || res.JSON(t)["status"] != "applied" {
		t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}
	got := e.reg(ada.ID)
	if got.Status != model.StatusConfirmed || got.AmountPaid != 1999 || got.PaymentID != captureID {
		t.Fatalf("after the webhook: %+v", got)
	}
	// PayPal delivering it again is a duplicate.
	for i := 0; i < 2; i++ {
		res := e.paypalDeliver(d)
		if res.Status != 200 || res.JSON(t)["status"] != "duplicate" {
			t.Fatalf("redelivery %d: %d %s", i, res.Status, res.Body)
		}
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access emails", n)
	}
	// The buyer's late return agrees, and takes nothing more.
	if r := e.paypalReturn(ada); r.Status != 200 || !strings.Contains(string(r.Body), paypalPageConfirmed) {
		t.Fatalf("late return: %d\n%s", r.Status, r.Body)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access emails after the late return", n)
	}

	// A well-signed event of a kind Admit does not act on is acknowledged.
	body := []byte(`{"id":"WH-APPROVED-1","event_version":"1.0","event_type":"CHECKOUT.ORDER.APPROVED","resource_type":"checkout-order","resource":{"id":"` + ada.CheckoutID + `"}}`)
	if res := e.paypalDeliver(paypaltest.Delivery{Body: body, Header: fake.Sign(body, fake.WebhookID)}); res.Status != 200 || res.JSON(t)["status"] != "ignored" {
		t.Fatalf("ignored event: %d %s", res.Status, res.Body)
	}

	// A declined capture, told by webhook, ends the hold.
	bob, _ := e.paypalBuy("intro-to-go", "Bob")
	fake.Decline(bob.CheckoutID)
	fake.CaptureOrder(bob.CheckoutID)
	denied := paypalHooks(t, fake, paypal.EventCaptureDenied)[0]
	if res := e.paypalDeliver(denied); res.Status != 200 {
		t.Fatalf("denied: %d %s", res.Status, res.Body)
	}
	if g := e.reg(bob.ID); g.Status != model.StatusExpired || g.AmountPaid != 0 {
		t.Fatalf("after a denied capture: %+v", g)
	}
}

func TestPayPalRefunds(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))
	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.Approve(ada.CheckoutID)
	if r := e.paypalReturn(ada); r.Status != 200 || !strings.Contains(string(r.Body), paypalPageConfirmed) {
		t.Fatalf("return: %d\n%s", r.Status, r.Body)
	}
	captureID := fake.Order(ada.CheckoutID).CaptureID
	paypalHooks(t, fake, paypal.EventCaptureCompleted)
	path := fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID)

	// The organizer refunds 5.00 in Admit.
	r := e.do("POST", path, map[string]any{"amount": 500}, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"partially_refunded"`) || !strings.Contains(string(r.Body), `"amount_refunded":500`) {
		t.Fatalf("partial refund: %d %s", r.Status, r.Body)
	}
	if c := fake.Capture(captureID); c.Refunded != 500 || c.Status != "PARTIALLY_REFUNDED" {
		t.Fatalf("capture at PayPal: %+v", c)
	}
	// PayPal's webhook for that same refund is not counted twice.
	ours := paypalHooks(t, fake, paypal.EventCaptureRefunded)[0]
	for i := 0; i < 2; i++ {
		if res := e.paypalDeliver(ours); res.Status != 200 {
			t.Fatalf("refund webhook: %d %s", res.Status, res.Body)
		}
		if g := e.reg(ada.ID); g.AmountRefunded != 500 || g.Status != model.StatusPartiallyRefunded {
			t.Fatalf("after our refund's webhook (delivery %d): %s refunded %d", i, g.Status, g.AmountRefunded)
		}
	}

	// 3.00 refunded in PayPal's dashboard: Admit learns it by the webhook.
	dashboardID := fake.DashboardRefund(captureID, 300)
	theirs := paypalHooks(t, fake, paypal.EventCaptureRefunded)[0]
	for i := 0; i < 2; i++ {
		if res := e.paypalDeliver(theirs); res.Status != 200 {
			t.Fatalf("dashboard refund webhook: %d %s", res.Status, res.Body)
		}
		if g := e.reg(ada.ID); g.AmountRefunded != 800 || g.Status != model.StatusPartiallyRefunded {
			t.Fatalf("after the dashboard refund (delivery %d): %s refunded %d", i, g.Status, g.AmountRefunded)
		}
	}
	refunds, err := e.store.Refunds(context.Background(), ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(refunds) != 2 || refunds[0].Amount != 500 || refunds[0].Status != model.RefundDone ||
		refunds[1].Amount != 300 || refunds[1].ProviderRefundID != dashboardID || refunds[1].Status != model.RefundDone {
		t.Fatalf("refunds %+v", refunds)
	}

	// More than what is left is refused before PayPal is asked.
	if r := e.do("POST", path, map[string]any{"amount": 1200}, true); r.Status != 422 {
		t.Fatalf("refund above the rest: %d %s", r.Status, r.Body)
	}
	// The rest: refunded, access revoked.
	r = e.do("POST", path, nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"refunded"`) || !strings.Contains(string(r.Body), `"amount_refunded":1999`) {
		t.Fatalf("the rest: %d %s", r.Status, r.Body)
	}
	if c := fake.Capture(captureID); c.Refunded != 1999 || c.Status != "REFUNDED" {
		t.Fatalf("capture at PayPal: %+v", c)
	}
	last := paypalHooks(t, fake, paypal.EventCaptureRefunded)[0]
	if res := e.paypalDeliver(last); res.Status != 200 {
		t.Fatalf("last refund webhook: %d %s", res.Status, res.Body)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusRefunded || g.AmountRefunded != 1999 {
		t.Fatalf("after everything: %s refunded %d", g.Status, g.AmountRefunded)
	}
	if r := e.do("POST", path, nil, true); r.Status != 409 {
		t.Fatalf("nothing left to refund: %d %s", r.Status, r.Body)
	}
}

func TestPayPalReconcile(t *testing.T) {
	e, fake := paypalEnv(t)
	ctx := context.Background()
	e.createEvent(paypalEvent(nil))

	// Ada approved at PayPal, closed the tab before the return page, and the
	// webhook was lost (there is none: nothing was captured).
	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.Approve(ada.CheckoutID)
	// Bob is still at PayPal; Cy's order was voided by PayPal.
	bob, _ := e.paypalBuy("intro-to-go", "Bob")
	cy, _ := e.paypalBuy("intro-to-go", "Cy")
	fake.Void(cy.CheckoutID)

	// Too soon: the reconciler leaves fresh checkouts alone.
	if err := e.tickets.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if o := fake.Order(ada.CheckoutID); o.Status != "APPROVED" {
		t.Fatalf("a fresh checkout was reconciled: %+v", o)
	}

	e.clock.Add(5 * time.Minute)
	if err := e.tickets.Reconcile(ctx); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	order := fake.Order(ada.CheckoutID)
	if order.Status != "COMPLETED" || order.CaptureID == "" {
		t.Fatalf("Status did not capture the approved order: %+v", order)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 1999 || g.PaymentID != order.CaptureID {
		t.Fatalf("ada after reconciliation: %+v", g)
	}
	if g := e.reg(bob.ID); g.Status != model.StatusPendingPayment || g.AmountPaid != 0 {
		t.Fatalf("bob after reconciliation: %+v", g)
	}
	if g := e.reg(cy.ID); g.Status != model.StatusExpired {
		t.Fatalf("cy after reconciliation: %+v", g)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access emails", n)
	}

	// Again: nothing more is captured or sent.
	if err := e.tickets.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	// The late webhook and Ada's late return change nothing.
	for _, d := range paypalHooks(t, fake, paypal.EventCaptureCompleted) {
		if res := e.paypalDeliver(d); res.Status != 200 {
			t.Fatalf("late webhook: %d %s", res.Status, res.Body)
		}
	}
	if r := e.paypalReturn(ada); r.Status != 200 || !strings.Contains(string(r.Body), paypalPageConfirmed) {
		t.Fatalf("late return: %d\n%s", r.Status, r.Body)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 1999 || e.mailKinds()[model.MailAccess] != 1 {
		t.Fatalf("after the late webhook and return: %+v, mails %v", g, e.mailKinds())
	}
	if n := fake.Calls("POST /v2/checkout/orders/{id}/capture"); n < 1 || fake.Capture(order.CaptureID).Amount != 1999 {
		t.Fatalf("%d capture calls", n)
	}
}

func TestPayPalAvailability(t *testing.T) {
	t.Run("HUF events cannot take PayPal", func(t *testing.T) {
		e, _ := paypalEnv(t)
		r := e.do("POST", "/api/v1/events", paypalEvent(map[string]any{"price": map[string]any{"amount": 500000, "currency": "HUF"}}), true)
		if r.Status != 422 {
			t.Fatalf("HUF with paypal: %d %s", r.Status, r.Body)
		}
		fields, _ := r.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)
		if _, ok := fields["providers"]; !ok {
			t.Fatalf("no providers field: %s", r.Body)
		}
		// The same event with Stripe only is fine.
		ok := e.do("POST", "/api/v1/events", paypalEvent(map[string]any{"price": map[string]any{"amount": 500000, "currency": "HUF"}, "providers": []string{"stripe"}}), true)
		if ok.Status != 201 {
			t.Fatalf("HUF with stripe: %d %s", ok.Status, ok.Body)
		}
	})

	t.Run("paypal not connected, then connected", func(t *testing.T) {
		fake := paypaltest.NewServer(t, paypaltest.ClientID, paypaltest.Secret)
		e := newEnvWith(t, payment.NewRegistry())
		e.createEvent(paypalEvent(map[string]any{"providers": []string{"stripe", "paypal"}}))
		reg := "/api/v1/public/events/intro-to-go/registrations"
		r := e.do("POST", reg, map[string]any{"name": "Ada", "email": "ada@example.org", "provider": "paypal"}, false)
		if r.Status != 422 || !strings.Contains(string(r.Body), `"code":"provider_unavailable"`) {
			t.Fatalf("paypal not connected: %d %s", r.Status, r.Body)
		}
		// Connecting it from the admin API (keys checked at the fake) makes
		// the same registration work.
		bad := e.do("PUT", "/api/v1/settings/payments/paypal", map[string]any{"client_id": paypaltest.ClientID, "client_secret": "wrong",
			"api_base": fake.URL, "webhook_id": fake.WebhookID}, true)
		if bad.Status != 422 {
			t.Fatalf("wrong secret: %d %s", bad.Status, bad.Body)
		}
		put := e.do("PUT", "/api/v1/settings/payments/paypal", map[string]any{"client_id": paypaltest.ClientID, "client_secret": paypaltest.Secret,
			"api_base": fake.URL, "webhook_id": fake.WebhookID}, true)
		if put.Status != 200 || put.JSON(t)["connected"] != true {
			t.Fatalf("connect paypal: %d %s", put.Status, put.Body)
		}
		ada, checkoutURL := e.paypalBuy("intro-to-go", "Ada")
		if checkoutURL != fake.ApproveURL(ada.CheckoutID) {
			t.Fatalf("checkout_url %q", checkoutURL)
		}
		// Stripe, named by the event but not connected, is still refused.
		r = e.do("POST", reg, map[string]any{"name": "Bob", "email": "bob@example.org", "provider": "stripe"}, false)
		if r.Status != 422 || !strings.Contains(string(r.Body), `"code":"provider_unavailable"`) {
			t.Fatalf("stripe not connected: %d %s", r.Status, r.Body)
		}
	})
}
