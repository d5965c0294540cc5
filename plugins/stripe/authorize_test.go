package stripe

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/plugins/stripe/stripetest"
)

// An authorizing checkout asks Stripe for manual capture and marks the
// session, against stripe-mock (which accepts the parameter).
func TestCheckoutAuthorizesOnly(t *testing.T) {
	p, rec := newMocked(t)
	req := payment.CheckoutRequest{RegistrationID: 42, Amount: 1999, Currency: "EUR", Title: "Intro", SuccessURL: "http://t/s", CancelURL: "http://t/c",
		ExpiresAt: fixedNow.Add(time.Hour), IdempotencyKey: "checkout-42", Authorize: true}
	if _, err := p.CreateCheckout(ctxT(t), req); err != nil {
		t.Fatal(err)
	}
	f := rec.last(t).Form
	if f.Get("payment_intent_data[capture_method]") != "manual" || f.Get("metadata[capture]") != "manual" {
		t.Fatalf("form %v", f)
	}
	req.Authorize, req.IdempotencyKey = false, "checkout-43"
	if _, err := p.CreateCheckout(ctxT(t), req); err != nil {
		t.Fatal(err)
	}
	if f := rec.last(t).Form; f.Has("payment_intent_data[capture_method]") || f.Has("metadata[capture]") {
		t.Fatalf("a paying checkout asked for manual capture: %v", f)
	}
	if !Module().Authorize {
		t.Fatal("the Stripe module does not declare it can authorize")
	}
}

// Capture and Void call the PaymentIntent's capture and cancel with our
// idempotency keys; their events are Paid and Voided.
func TestCaptureAndVoid(t *testing.T) {
	p, rec := newMocked(t)
	ev, err := p.Capture(ctxT(t), payment.CaptureRequest{CheckoutID: "cs_1", PaymentID: "pi_1", Amount: 1999, Currency: "EUR", RegistrationID: 42, IdempotencyKey: "capture-42-pi_1"})
	if err != nil {
		t.Fatal(err)
	}
	last := rec.last(t)
	if last.Path != "/v1/payment_intents/pi_1/capture" || last.Form.Get("amount_to_capture") != "1999" || last.Header.Get("Idempotency-Key") != "capture-42-pi_1" {
		t.Fatalf("capture request %+v", last)
	}
	if ev.Kind != payment.Paid || ev.ID != "capture:pi_1" || ev.PaymentID != "pi_1" || ev.Amount != 1999 || ev.Currency != "EUR" || ev.CheckoutID != "cs_1" || ev.RegistrationID != 42 {
		t.Fatalf("capture event %+v", ev)
	}
	ev, err = p.Void(ctxT(t), payment.VoidRequest{CheckoutID: "cs_1", PaymentID: "pi_2", RegistrationID: 43, IdempotencyKey: "void-43-pi_2"})
	if err != nil {
		t.Fatal(err)
	}
	last = rec.last(t)
	if last.Path != "/v1/payment_intents/pi_2/cancel" || last.Header.Get("Idempotency-Key") != "void-43-pi_2" {
		t.Fatalf("void request %+v", last)
	}
	if ev.Kind != payment.Voided || ev.PaymentID != "pi_2" {
		t.Fatalf("void event %+v", ev)
	}
}

// A capture Stripe refuses (the authorization lapsed) is ErrRefused with
// Stripe's reason; a void of a PaymentIntent Stripe canceled already is a
// void.
func TestCaptureRefusedAndVoidOfCanceled(t *testing.T) {
	unexpected := `{"error":{"type":"invalid_request_error","code":"payment_intent_unexpected_state","message":"This PaymentIntent could not be captured because it has a status of canceled."}}`
	p, _ := newCanned(t,
		answer{http.MethodPost, "/v1/payment_intents/pi_1/capture", 400, unexpected},
		answer{http.MethodPost, "/v1/payment_intents/pi_1/cancel", 400, unexpected},
		answer{http.MethodGet, "/v1/payment_intents/pi_1", 200, `{"id":"pi_1","object":"payment_intent","status":"canceled"}`},
	)
	_, err := p.Capture(ctxT(t), payment.CaptureRequest{PaymentID: "pi_1", Amount: 1999, Currency: "EUR"})
	if !errors.Is(err, payment.ErrRefused) {
		t.Fatalf("capture of a canceled intent: %v", err)
	}
	if ev, err := p.Void(ctxT(t), payment.VoidRequest{PaymentID: "pi_1"}); err != nil || ev.Kind != payment.Voided {
		t.Fatalf("void of a canceled intent: %+v %v", ev, err)
	}
}

// The webhooks of the flow: checkout.session.completed of an authorizing
// checkout and payment_intent.amount_capturable_updated are Authorized with
// 7 days to capture; payment_intent.canceled is Voided.
func TestAuthorizationWebhooks(t *testing.T) {
	p, _ := newCanned(t)
	now := time.Now()
	parse := func(body []byte) (payment.Event, error) {
		return p.ParseWebhook(ctxT(t), payment.WebhookRequest{Body: body, Header: http.Header{SignatureHeader: {stripetest.Sign(testWebhookSecret, now, body)}}})
	}
	ev, err := parse(stripetest.Event("evt_1", "checkout.session.completed", stripetest.AuthorizedSession("cs_1", 42, 1999, "EUR", "pi_1")))
	if err != nil || ev.Kind != payment.Authorized || ev.PaymentID != "pi_1" || ev.CheckoutID != "cs_1" || ev.RegistrationID != 42 || ev.Amount != 1999 || ev.Authorization == nil {
		t.Fatalf("completed: %+v %v", ev, err)
	}
	if d := ev.Authorization.ExpiresAt.Sub(ev.OccurredAt); d != 7*24*time.Hour || !ev.Authorization.CaptureBy.Equal(ev.Authorization.ExpiresAt) {
		t.Fatalf("terms %+v", ev.Authorization)
	}
	// A session that was paid is still Paid, and one still processing Pending.
	if ev, err := parse(stripetest.Event("evt_2", "checkout.session.completed", stripetest.Session("cs_2", 43, "complete", "unpaid", 1999, "EUR", "pi_2"))); err != nil || ev.Kind != payment.Pending {
		t.Fatalf("processing: %+v %v", ev, err)
	}
	ev, err = parse(stripetest.Event("evt_3", "payment_intent.amount_capturable_updated", stripetest.PaymentIntent("pi_1", 42, 1999, 1999, "EUR", "requires_capture")))
	if err != nil || ev.Kind != payment.Authorized || ev.PaymentID != "pi_1" || ev.RegistrationID != 42 || ev.Amount != 1999 || ev.Currency != "EUR" || ev.Authorization == nil {
		t.Fatalf("capturable: %+v %v", ev, err)
	}
	ev, err = parse(stripetest.Event("evt_4", "payment_intent.canceled", stripetest.PaymentIntent("pi_1", 42, 1999, 0, "EUR", "canceled")))
	if err != nil || ev.Kind != payment.Voided || ev.PaymentID != "pi_1" || ev.RegistrationID != 42 {
		t.Fatalf("canceled: %+v %v", ev, err)
	}
	// Another shop's PaymentIntent on the same account.
	if _, err := parse(stripetest.Event("evt_5", "payment_intent.canceled", `{"id":"pi_x","object":"payment_intent","status":"canceled","metadata":{}}`)); !errors.Is(err, payment.ErrIgnored) {
		t.Fatalf("foreign intent: %v", err)
	}
}

// Status of an authorizing checkout its buyer completed: Authorized, with
// the charge's capture_before as its deadline; Voided once the
// PaymentIntent is canceled.
func TestStatusOfAnAuthorizedSession(t *testing.T) {
	before := fixedNow.Add(6 * 24 * time.Hour).Unix()
	session := func(piStatus string) string {
		return `{"id":"cs_1","object":"checkout.session","status":"complete","payment_status":"unpaid","amount_total":1999,"currency":"eur",` +
			`"client_reference_id":"42","metadata":{"registration_id":"42","capture":"manual"},` +
			`"payment_intent":{"id":"pi_1","object":"payment_intent","status":"` + piStatus + `","created":` + fmt.Sprint(fixedNow.Unix()) + `,` +
			`"latest_charge":{"id":"ch_1","object":"charge","payment_method_details":{"type":"card","card":{"capture_before":` + fmt.Sprint(before) + `}}}}}`
	}
	p, _ := newCanned(t, answer{http.MethodGet, "/v1/checkout/sessions/cs_1", 200, session("requires_capture")})
	ev, err := p.Status(ctxT(t), "cs_1")
	if err != nil || ev.Kind != payment.Authorized || ev.ID != "status:cs_1:authorized" || ev.PaymentID != "pi_1" || ev.RegistrationID != 42 || ev.Authorization == nil {
		t.Fatalf("status: %+v %v", ev, err)
	}
	if got := ev.Authorization.CaptureBy.Unix(); got != before {
		t.Fatalf("capture by %d, want capture_before %d", got, before)
	}
	p, _ = newCanned(t, answer{http.MethodGet, "/v1/checkout/sessions/cs_1", 200, session("canceled")})
	if ev, err := p.Status(ctxT(t), "cs_1"); err != nil || ev.Kind != payment.Voided {
		t.Fatalf("status once canceled: %+v %v", ev, err)
	}
}
