package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/plugins/paypal"
	"github.com/admit/admit/plugins/paypal/paypaltest"
)

// The PayPal side of the money rules: refunds the provider refuses, events
// in any order, captures that do not match, orders of cancelled
// registrations; the real plugin against the fake PayPal.

const refundRoute = "POST /v2/payments/captures/{id}/refund"

// paypalPaid is a registration paid through the return page, with the
// COMPLETED webhook taken off the fake's queue.
func (e *env) paypalPaid(t *testing.T, fake *paypaltest.Server, name string) *model.Registration {
	t.Helper()
	r, _ := e.paypalBuy("intro-to-go", name)
	fake.Approve(r.CheckoutID)
	if res := e.paypalReturn(r); res.Status != 200 || !strings.Contains(string(res.Body), paypalPageConfirmed) {
		t.Fatalf("return: %d\n%s", res.Status, res.Body)
	}
	return e.reg(r.ID)
}

// TestPayPalRefusedRefundIsShownNotRetried: paid 49.00, 20.00 refunded in
// PayPal's dashboard, then "refund the rest" before that refund's webhook.
// PayPal refuses 49.00 (REFUND_AMOUNT_EXCEEDED): the organizer is told so
// with PayPal's reason (not 200), the refund is not tried again, Admit asks
// PayPal what the capture holds and 29.00 stays refundable. Before, the
// answer was 200, the refund was retried for 49.00 as if the error were
// passing, and after the webhook 29.00 could no longer be refunded.
func TestPayPalRefusedRefundIsShownNotRetried(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(map[string]any{"price": map[string]any{"amount": 4900, "currency": "EUR"}}))
	ada := e.paypalPaid(t, fake, "Ada")
	paypalHooks(t, fake, paypal.EventCaptureCompleted)
	fake.DashboardRefund(ada.PaymentID, 2000)
	path := fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID)

	r := e.do("POST", path, nil, true)
	if r.Status != 409 || !strings.Contains(string(r.Body), `"code":"refund_refused"`) || !strings.Contains(string(r.Body), "REFUND_AMOUNT_EXCEEDED") ||
		!strings.Contains(string(r.Body), "29.00\u00a0EUR can still be refunded") {
		t.Fatalf("the rest, refused: %d %s", r.Status, r.Body)
	}
	calls := fake.Calls(refundRoute)
	// Admit asked PayPal and recorded the dashboard's refund.
	if g := e.reg(ada.ID); g.AmountRefunded != 2000 || g.Status != model.StatusPartiallyRefunded {
		t.Fatalf("after the refusal: %s refunded %d", g.Status, g.AmountRefunded)
	}
	refunds, _ := e.store.Refunds(context.Background(), ada.ID)
	if len(refunds) != 2 || refunds[0].Status != model.RefundFailed || !strings.Contains(refunds[0].LastError, "REFUND_AMOUNT_EXCEEDED") ||
		refunds[1].Status != model.RefundDone || refunds[1].Amount != 2000 {
		t.Fatalf("refunds %+v", refunds)
	}
	// Not retried: the refunds job finds nothing to send, even later.
	e.clock.Add(2 * time.Hour)
	if err := e.tickets.SendDueRefunds(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := fake.Calls(refundRoute); n != calls {
		t.Fatalf("the refused refund was sent again (%d calls, then %d)", calls, n)
	}
	// The dashboard refund's webhook, then: nothing counted twice.
	for _, d := range paypalHooks(t, fake, paypal.EventCaptureRefunded) {
		if res := e.paypalDeliver(d); res.Status != 200 {
			t.Fatalf("webhook: %d %s", res.Status, res.Body)
		}
	}
	if g := e.reg(ada.ID); g.AmountRefunded != 2000 {
		t.Fatalf("after the webhook: refunded %d", g.AmountRefunded)
	}
	r = e.do("POST", path, map[string]any{"amount": 2900}, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"refunded"`) || !strings.Contains(string(r.Body), `"amount_refunded":4900`) {
		t.Fatalf("the 29.00 left: %d %s", r.Status, r.Body)
	}
	if c := fake.Capture(ada.PaymentID); c.Refunded != 4900 {
		t.Fatalf("capture at PayPal: %+v", c)
	}
}

// TestPayPalRefundBeforeItsCapture: PAYMENT.CAPTURE.REFUNDED delivered
// before PAYMENT.CAPTURE.COMPLETED waits for the capture; the registration
// is then refunded in full and gets no access email.
func TestPayPalRefundBeforeItsCapture(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))
	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.Approve(ada.CheckoutID)
	captureID := fake.CaptureOrder(ada.CheckoutID) // captured elsewhere: the return was lost
	fake.DashboardRefund(captureID, 1999)
	hooks := paypalHooks(t, fake, paypal.EventCaptureCompleted, paypal.EventCaptureRefunded)
	for _, d := range []int{1, 1, 0} {
		if res := e.paypalDeliver(hooks[d]); res.Status != 200 {
			t.Fatalf("webhook: %d %s", res.Status, res.Body)
		}
	}
	if g := e.reg(ada.ID); g.Status != model.StatusRefunded || g.AmountPaid != 1999 || g.AmountRefunded != 1999 || g.PaymentID != captureID {
		t.Fatalf("registration %+v", g)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 0 {
		t.Fatalf("%d access emails to someone refunded in full", n)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID), nil, true); r.Status != 409 {
		t.Fatalf("nothing is left: %d %s", r.Status, r.Body)
	}
}

// TestPayPalCaptureThatDoesNotMatch: a capture of another amount than the
// ticket's is recorded and refunded in full, with an email that says why.
// Before, the money stayed taken and the registration pending_payment.
func TestPayPalCaptureThatDoesNotMatch(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))
	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.Approve(ada.CheckoutID)
	captureID := fake.CaptureOrder(ada.CheckoutID)
	d := paypalHooks(t, fake, paypal.EventCaptureCompleted)[0]
	// PayPal reports 9.99 taken where the ticket costs 19.99.
	body := []byte(strings.Replace(string(d.Body), `"value":"19.99"`, `"value":"9.99"`, 1))
	d.Body, d.Header = body, fake.Sign(body, fake.WebhookID)
	if res := e.paypalDeliver(d); res.Status != 200 {
		t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}
	g := e.reg(ada.ID)
	if g.Status != model.StatusRefunded || g.AmountPaid != 999 || g.PaidCurrency != "EUR" || g.AmountRefunded != 999 || g.PaymentID != captureID {
		t.Fatalf("registration %+v", g)
	}
	if c := fake.Capture(captureID); c.Refunded != 999 {
		t.Fatalf("capture at PayPal %+v", c)
	}
	if k := e.mailKinds(); k[model.MailPaymentMismatch] != 1 || k[model.MailAccess] != 0 {
		t.Fatalf("mails %v", k)
	}
}

// TestPayPalOrderOfCancelledRegistrationIsNotCaptured: a registration
// cancelled while its buyer is at PayPal: the buyer approves and comes back,
// and nothing is captured, on the return page or by reconciliation.
func TestPayPalOrderOfCancelledRegistrationIsNotCaptured(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))
	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", ada.ID), nil, true); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	fake.Approve(ada.CheckoutID)
	if r := e.paypalReturn(ada); r.Status != 200 || strings.Contains(string(r.Body), paypalPageConfirmed) {
		t.Fatalf("return: %d\n%s", r.Status, r.Body)
	}
	e.clock.Add(5 * time.Minute)
	if err := e.tickets.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	if o := fake.Order(ada.CheckoutID); o.Status != "APPROVED" || o.CaptureID != "" {
		t.Fatalf("order at PayPal %+v", o)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusCancelled || g.AmountPaid != 0 {
		t.Fatalf("registration %+v", g)
	}
}
