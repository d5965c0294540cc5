package web

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/plugins/paypal"
	"github.com/admit/admit/plugins/paypal/paypaltest"
)

// PayPal payments that do not go through, through Admit's routes and the
// fake PayPal: what the return page says and offers, what the registration
// becomes, and who is told.

// Return page texts (assets/i18n/en.toml).
const (
	pageFailed      = "Your payment did not go through"
	pageDeclined    = "declined the card or account you chose"
	pageNotApproved = "it was not approved on the payment page"
	pageChecking    = "We are checking your payment with the payment provider"
	pageExpired     = "ran out before the payment was completed"
	pageNotCharged  = "Nothing was charged"
)

// page is the return page's body; it fails the test unless it is a 200 that
// says want and none of the other outcomes.
func (e *env) returnPage(r *model.Registration, want string) string {
	e.t.Helper()
	res := e.paypalReturn(r)
	body := html.UnescapeString(string(res.Body))
	if res.Status != 200 || !strings.Contains(body, want) {
		e.t.Fatalf("return page: %d, want %q in\n%s", res.Status, want, body)
	}
	for _, other := range []string{paypalPagePending, paypalPageConfirmed, pageFailed, pageDeclined, pageNotApproved, pageChecking, pageExpired} {
		if other != want && strings.Contains(body, other) {
			e.t.Fatalf("return page says %q as well as %q:\n%s", other, want, body)
		}
	}
	return body
}

var (
	formPattern   = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)" class="pay-again">(.*?)</form>`)
	hiddenPattern = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
)

// payAgain submits the return page's "pay again" form, as the buyer's
// browser would, and returns the answer.
func (e *env) payAgain(page string) response {
	e.t.Helper()
	m := formPattern.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("no pay-again form in\n%s", page)
	}
	form := url.Values{}
	for _, h := range hiddenPattern.FindAllStringSubmatch(m[2], -1) {
		form.Set(h[1], h[2])
	}
	return e.do("POST", m[1], form.Encode(), false, "Content-Type", "application/x-www-form-urlencoded")
}

// pendingRegistration finds the registration of email waiting for payment.
func (e *env) pendingRegistration(eventID int64, email string) *model.Registration {
	e.t.Helper()
	regs, err := e.store.Registrations(context.Background(), eventID, model.StatusPendingPayment)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range regs {
		if r.Email == email {
			return r
		}
	}
	e.t.Fatalf("no registration of %s waits for payment", email)
	return nil
}

// A capture PayPal DECLINED: the page says the payment failed, not that it
// is being confirmed, and offers to pay again; paying again is a new order.
func TestPayPalCaptureDeclined(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))
	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.Decline(ada.CheckoutID)

	var page string
	for i := 0; i < 2; i++ { // a reload says the same
		page = e.returnPage(ada, pageFailed)
	}
	if !strings.Contains(page, pageNotCharged) {
		t.Fatalf("the page does not say nothing was charged:\n%s", page)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusExpired || g.AmountPaid != 0 {
		t.Fatalf("after a declined capture: %+v", g)
	}
	paypalHooks(t, fake, paypal.EventCaptureDenied)

	// Paying again registers Ada anew (her details kept) and sends her to a
	// new order at PayPal.
	res := e.payAgain(page)
	again := e.pendingRegistration(1, "ada@example.org")
	if res.Status != 303 || again.ID == ada.ID || again.CheckoutID == ada.CheckoutID || res.Header.Get("Location") != fake.ApproveURL(again.CheckoutID) {
		t.Fatalf("pay again: %d to %q, registration %+v", res.Status, res.Header.Get("Location"), again)
	}
	if again.Name != "Ada" || again.Provider != "paypal" || again.Amount != 1999 {
		t.Fatalf("the new registration %+v", again)
	}
	fake.Approve(again.CheckoutID)
	e.returnPage(again, paypalPageConfirmed)
}

// 422 INSTRUMENT_DECLINED: PayPal refused the funding source. The page says
// so and sends the buyer back to the approve link to choose another (the
// seat stays held); the next approval is captured.
func TestPayPalInstrumentDeclined(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))
	ada, checkoutURL := e.paypalBuy("intro-to-go", "Ada")
	fake.DeclineInstrument(ada.CheckoutID)
	for i := 0; i < 2; i++ {
		page := e.returnPage(ada, pageDeclined)
		if !strings.Contains(page, pageNotCharged) || !strings.Contains(page, `href="`+checkoutURL+`"`) {
			t.Fatalf("the page does not send the buyer back to PayPal (%s):\n%s", checkoutURL, page)
		}
	}
	if g := e.reg(ada.ID); g.Status != model.StatusPendingPayment || g.AmountPaid != 0 {
		t.Fatalf("after INSTRUMENT_DECLINED: %+v", g)
	}
	fake.Reapprove(ada.CheckoutID)
	e.returnPage(ada, paypalPageConfirmed)
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access emails", n)
	}
}

// 422 ORDER_NOT_APPROVED: back before approving. The page sends the buyer
// back to approve while the seat is held; once the hold ran out, it offers
// to register again instead.
func TestPayPalReturnBeforeApproval(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))
	ada, checkoutURL := e.paypalBuy("intro-to-go", "Ada")
	page := e.returnPage(ada, pageNotApproved)
	if !strings.Contains(page, pageNotCharged) || !strings.Contains(page, `href="`+checkoutURL+`"`) {
		t.Fatalf("the page does not send the buyer back to approve (%s):\n%s", checkoutURL, page)
	}
	if strings.Contains(page, "ada@example.org") {
		t.Fatalf("the page shows the email address:\n%s", page)
	}

	// Someone else's unapproved order on Ada's return URL shows nothing.
	bob, _ := e.paypalBuy("intro-to-go", "Bob")
	if res := e.do("GET", e.paypalBack(fake.Order(ada.CheckoutID).ReturnURL, bob.CheckoutID), nil, false); res.Status != 404 {
		t.Fatalf("another registration's order: %d", res.Status)
	}

	// The hold runs out: no more "continue", but "register again".
	e.clock.Add(31 * time.Minute)
	if _, err := e.tickets.ExpireHolds(context.Background()); err != nil {
		t.Fatal(err)
	}
	page = e.returnPage(ada, pageExpired)
	if strings.Contains(page, checkoutURL) {
		t.Fatalf("an expired registration is sent back to PayPal:\n%s", page)
	}
	res := e.payAgain(page)
	again := e.pendingRegistration(1, "ada@example.org")
	if res.Status != 303 || res.Header.Get("Location") != fake.ApproveURL(again.CheckoutID) {
		t.Fatalf("register again: %d %s", res.Status, res.Body)
	}
}

// PayPal captured and answered 500: the page says the payment is being
// checked (not that nothing was charged); the return page again, or the
// reconciliation, finds the capture.
func TestPayPalCaptureOutcomeUnknown(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))

	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.Approve(ada.CheckoutID)
	fake.FailAfterCapture(ada.CheckoutID)
	page := e.returnPage(ada, pageChecking)
	if strings.Contains(strings.ToLower(page), "nothing was charged") || strings.Contains(page, "try again") {
		t.Fatalf("the page says nothing was charged:\n%s", page)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusPendingPayment || g.AmountPaid != 0 {
		t.Fatalf("after the 500: %+v", g)
	}
	e.returnPage(ada, paypalPageConfirmed) // "check again"
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 1999 || e.mailKinds()[model.MailAccess] != 1 {
		t.Fatalf("after checking again: %+v", g)
	}

	bob, _ := e.paypalBuy("intro-to-go", "Bob")
	fake.Approve(bob.CheckoutID)
	fake.FailAfterCapture(bob.CheckoutID)
	e.returnPage(bob, pageChecking)
	e.clock.Add(5 * time.Minute)
	if err := e.tickets.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g := e.reg(bob.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 1999 {
		t.Fatalf("after reconciliation: %+v", g)
	}
	if n := fake.Calls("POST /v2/checkout/orders/{id}/capture"); n != 3 {
		t.Fatalf("%d capture calls", n)
	}
}

// An event cancelled (with refunds), or a registration cancelled, while its
// buyer is at PayPal: the approval that follows is never captured, the page
// gives the reason, and nothing needs refunding.
func TestPayPalNoCaptureWhenCancelled(t *testing.T) {
	notCaptured := func(t *testing.T, e *env, fake *paypaltest.Server, r *model.Registration) {
		t.Helper()
		if o := fake.Order(r.CheckoutID); o.Status != "APPROVED" || o.CaptureID != "" || fake.Calls("POST /v2/checkout/orders/{id}/capture") != 0 {
			t.Fatalf("the order was captured: %+v", o)
		}
		if g := e.reg(r.ID); g.AmountPaid != 0 || g.PaymentID != "" {
			t.Fatalf("registration %+v", g)
		}
		if refunds, _ := e.store.Refunds(context.Background(), r.ID); len(refunds) != 0 {
			t.Fatalf("refunds %+v", refunds)
		}
		if n := e.mailKinds()[model.MailLateRefund]; n != 0 {
			t.Fatalf("%d late refund emails", n)
		}
	}
	page := func(t *testing.T, e *env, r *model.Registration, want ...string) {
		t.Helper()
		res := e.paypalReturn(r)
		body := html.UnescapeString(string(res.Body))
		for _, w := range append(want, "nothing was charged") {
			if res.Status != 200 || !strings.Contains(body, w) {
				t.Fatalf("return page: %d, want %q in\n%s", res.Status, w, body)
			}
		}
		if strings.Contains(body, "reservation") || strings.Contains(body, paypalPagePending) {
			t.Fatalf("the page gives another reason:\n%s", body)
		}
	}

	t.Run("event cancelled with refunds", func(t *testing.T) {
		e, fake := paypalEnv(t)
		ev := e.createEvent(paypalEvent(nil))
		ada, _ := e.paypalBuy("intro-to-go", "Ada")
		if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", num(ev["id"])), map[string]any{"message": "The speaker is ill.", "refund": true}, true); r.Status != 200 {
			t.Fatalf("cancel: %d %s", r.Status, r.Body)
		}
		fake.Approve(ada.CheckoutID) // at PayPal, unaware
		for i := 0; i < 2; i++ {
			page(t, e, ada, "This event has been cancelled", "The speaker is ill.")
		}
		notCaptured(t, e, fake, ada)
	})

	t.Run("registration cancelled", func(t *testing.T) {
		e, fake := paypalEnv(t)
		e.createEvent(paypalEvent(nil))
		ada, _ := e.paypalBuy("intro-to-go", "Ada")
		if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", ada.ID), nil, true); r.Status != 200 {
			t.Fatalf("cancel: %d %s", r.Status, r.Body)
		}
		fake.Approve(ada.CheckoutID)
		page(t, e, ada, "This registration has been cancelled")
		notCaptured(t, e, fake, ada)
	})

	t.Run("hold ran out, then the event was cancelled: the reconciliation does not capture", func(t *testing.T) {
		e, fake := paypalEnv(t)
		ev := e.createEvent(paypalEvent(nil))
		ada, _ := e.paypalBuy("intro-to-go", "Ada")
		fake.Approve(ada.CheckoutID) // and the tab closed before the return
		e.clock.Add(31 * time.Minute)
		if _, err := e.tickets.ExpireHolds(context.Background()); err != nil {
			t.Fatal(err)
		}
		if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", num(ev["id"])), map[string]any{"refund": true}, true); r.Status != 200 {
			t.Fatalf("cancel: %d %s", r.Status, r.Body)
		}
		if err := e.tickets.Reconcile(context.Background()); err != nil {
			t.Fatal(err)
		}
		notCaptured(t, e, fake, ada)
		page(t, e, ada, "This event has been cancelled")
		notCaptured(t, e, fake, ada)
	})
}

// A declined capture the buyer did not see (the reconciliation captured the
// order they approved before closing the tab, or the capture happened
// elsewhere and only the webhook tells): the registrant is told by email,
// once; a buyer who saw it on the return page gets no email.
func TestPayPalDeclinedWhileAway(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))

	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.Decline(ada.CheckoutID)
	e.clock.Add(5 * time.Minute)
	if err := e.tickets.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusExpired || g.AmountPaid != 0 {
		t.Fatalf("after the reconciliation: %+v", g)
	}
	if n := e.mailKinds()[model.MailPaymentFailed]; n != 1 {
		t.Fatalf("%d payment failed emails, mails %v", n, e.mailKinds())
	}
	msg := e.composed(ada.ID, model.MailPaymentFailed)
	if msg.To != "ada@example.org" || !strings.Contains(msg.Subject, "Intro to Go") ||
		!strings.Contains(msg.Text, "Nothing was charged") || !strings.Contains(msg.Text, "http://tickets.test/e/intro-to-go") ||
		strings.Contains(msg.Text, "/a/") {
		t.Fatalf("the email:\n%s\n%s", msg.Subject, msg.Text)
	}
	// The webhook and Ada's late return say the same: no second email.
	for _, d := range paypalHooks(t, fake, paypal.EventCaptureDenied) {
		if res := e.paypalDeliver(d); res.Status != 200 {
			t.Fatalf("denied webhook: %d %s", res.Status, res.Body)
		}
	}
	e.returnPage(ada, pageFailed)

	// Bob's order is captured elsewhere and declined; the webhook tells.
	bob, _ := e.paypalBuy("intro-to-go", "Bob")
	fake.Decline(bob.CheckoutID)
	fake.CaptureOrder(bob.CheckoutID)
	denied := paypalHooks(t, fake, paypal.EventCaptureDenied)[0]
	for i := 0; i < 2; i++ { // delivered twice
		if res := e.paypalDeliver(denied); res.Status != 200 {
			t.Fatalf("denied webhook: %d %s", res.Status, res.Body)
		}
	}
	if g := e.reg(bob.ID); g.Status != model.StatusExpired {
		t.Fatalf("bob after the webhook: %+v", g)
	}

	// Cy sees the decline on the return page: no email.
	cy, _ := e.paypalBuy("intro-to-go", "Cy")
	fake.Decline(cy.CheckoutID)
	e.returnPage(cy, pageFailed)
	for _, d := range paypalHooks(t, fake, paypal.EventCaptureDenied) {
		e.paypalDeliver(d)
	}
	if n := e.mailKinds()[model.MailPaymentFailed]; n != 2 {
		t.Fatalf("%d payment failed emails (Ada and Bob), mails %v", n, e.mailKinds())
	}
}

// The webhook's answer tells the truth in PayPal's delivery log: a capture
// or refund Admit already recorded under another id (the return page, its
// own refund) is a duplicate; an order Admit did not open (another shop on
// the same PayPal app) is ignored, even when its custom_id is one of
// Admit's registration ids.
func TestPayPalWebhookAnswers(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))
	answer := func(d paypaltest.Delivery, want string) {
		t.Helper()
		if res := e.paypalDeliver(d); res.Status != 200 || res.JSON(t)["status"] != want {
			t.Fatalf("%s: %d %s, want %q", d.EventType, res.Status, res.Body, want)
		}
	}

	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.Approve(ada.CheckoutID)
	e.returnPage(ada, paypalPageConfirmed)
	completed := paypalHooks(t, fake, paypal.EventCaptureCompleted)[0]
	answer(completed, "duplicate")
	answer(completed, "duplicate")

	captureID := e.reg(ada.ID).PaymentID
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID), map[string]any{"amount": 500}, true); r.Status != 200 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	answer(paypalHooks(t, fake, paypal.EventCaptureRefunded)[0], "duplicate")
	fake.DashboardRefund(captureID, 300)
	dashboard := paypalHooks(t, fake, paypal.EventCaptureRefunded)[0]
	answer(dashboard, "applied")
	answer(dashboard, "duplicate")
	if g := e.reg(ada.ID); g.AmountRefunded != 800 {
		t.Fatalf("refunded %d", g.AmountRefunded)
	}

	bob, _ := e.paypalBuy("intro-to-go", "Bob")
	fake.Decline(bob.CheckoutID)
	e.returnPage(bob, pageFailed)
	answer(paypalHooks(t, fake, paypal.EventCaptureDenied)[0], "duplicate")

	// Another shop's order, whose custom_id is Cy's registration id.
	cy, _ := e.paypalBuy("intro-to-go", "Cy")
	other, err := paypal.New(paypal.Config{ClientID: paypaltest.ClientID, ClientSecret: paypaltest.Secret, APIBase: fake.URL, HTTPClient: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	for i, custom := range []int64{999, cy.ID} {
		co, err := other.CreateCheckout(context.Background(), payment.CheckoutRequest{RegistrationID: custom, Amount: 1999, Currency: "EUR",
			Title: "Elsewhere", SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no", IdempotencyKey: fmt.Sprint("shop-", i)})
		if err != nil {
			t.Fatal(err)
		}
		fake.Approve(co.ID)
		fake.CaptureOrder(co.ID)
		answer(paypalHooks(t, fake, paypal.EventCaptureCompleted)[0], "ignored")
	}
	if g := e.reg(cy.ID); g.Status != model.StatusPendingPayment || g.AmountPaid != 0 || e.mailKinds()[model.MailAccess] != 1 {
		t.Fatalf("another shop's payment confirmed Cy: %+v", g)
	}
}

// The language links of the return page keep its query: switching to
// French shows the same payment in French, not a 404.
func TestReturnPageLanguageLinks(t *testing.T) {
	e, _ := paypalEnv(t)
	e.createEvent(paypalEvent(nil))
	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	page := e.returnPage(ada, pageNotApproved)
	m := regexp.MustCompile(`<a href="([^"]+)" hreflang="fr"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no French link in\n%s", page)
	}
	res := e.do("GET", m[1], nil, false)
	body := html.UnescapeString(string(res.Body))
	if res.Status != 200 || !strings.Contains(body, `<html lang="fr">`) || !strings.Contains(body, "n’a pas été validé sur la page de paiement") {
		t.Fatalf("%s: %d\n%s", m[1], res.Status, body)
	}
}

// 422 INSTRUMENT_DECLINED found by the reconciliation, which captures the
// order of a buyer who approved and closed the tab: that buyer left
// believing they paid, so the seat is released and they are told by email.
// A buyer who saw the refusal on the return page keeps the seat while they
// choose another means, and gets no email.
func TestPayPalInstrumentDeclinedWhileAway(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))

	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.DeclineInstrument(ada.CheckoutID) // and the tab closed
	bob, _ := e.paypalBuy("intro-to-go", "Bob")
	fake.DeclineInstrument(bob.CheckoutID)
	e.returnPage(bob, pageDeclined) // Bob is choosing another card

	e.clock.Add(5 * time.Minute)
	for i := 0; i < 2; i++ {
		if err := e.tickets.Reconcile(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if g := e.reg(ada.ID); g.Status != model.StatusExpired || g.AmountPaid != 0 {
		t.Fatalf("ada after the reconciliation: %+v", g)
	}
	if msg := e.composed(ada.ID, model.MailPaymentFailed); !strings.Contains(msg.Text, "Nothing was charged") {
		t.Fatalf("the email:\n%s", msg.Text)
	}
	if g := e.reg(bob.ID); g.Status != model.StatusPendingPayment {
		t.Fatalf("bob after the reconciliation: %+v", g)
	}
	if n := e.mailKinds()[model.MailPaymentFailed]; n != 1 {
		t.Fatalf("%d payment failed emails (Ada only)", n)
	}
	fake.Reapprove(bob.CheckoutID)
	e.returnPage(bob, paypalPageConfirmed)
}
