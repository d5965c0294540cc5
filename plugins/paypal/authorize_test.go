package paypal

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
)

func authorizeRequest(reg int64) payment.CheckoutRequest {
	r := checkoutRequest(reg, 1999, "EUR")
	r.Authorize = true
	return r
}

// An order with intent AUTHORIZE: the return authorizes it (reloading is
// harmless), the capture takes the whole amount once, PayPal's webhooks
// name the same authorization and capture.
func TestAuthorizeThenCapture(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	if !Module().Authorize {
		t.Fatal("the PayPal module does not declare it can authorize")
	}
	co, err := p.CreateCheckout(ctx, authorizeRequest(42))
	if err != nil {
		t.Fatal(err)
	}
	if o := f.Order(co.ID); o.Intent != "AUTHORIZE" {
		t.Fatalf("order %+v", o)
	}
	if _, err := p.Return(ctx, returnQuery(co.ID)); !errors.Is(err, payment.ErrNotApproved) {
		t.Fatalf("return before approval: %v", err)
	}
	f.Approve(co.ID)
	ev, err := p.Return(ctx, returnQuery(co.ID))
	if err != nil {
		t.Fatal(err)
	}
	auth := f.AuthorizationOf(co.ID)
	if ev.Kind != payment.Authorized || ev.PaymentID != auth.ID || ev.ID != "authorization:"+auth.ID || ev.CheckoutID != co.ID ||
		ev.RegistrationID != 42 || ev.Amount != 1999 || ev.Currency != "EUR" || ev.Authorization == nil {
		t.Fatalf("authorized: %+v", ev)
	}
	if got, want := ev.Authorization.CaptureBy, auth.Created.Add(3*24*time.Hour); !got.Equal(want) {
		t.Fatalf("capture by %v, want the end of the honor period %v", got, want)
	}
	if got, want := ev.Authorization.ExpiresAt, auth.Expires; !got.Equal(want) || want.Sub(auth.Created) != 29*24*time.Hour {
		t.Fatalf("expires %v, want %v", got, want)
	}
	// A reload, and the reconciler, report the same hold without a second
	// authorization.
	for _, get := range []func() (payment.Event, error){
		func() (payment.Event, error) { return p.Return(ctx, returnQuery(co.ID)) },
		func() (payment.Event, error) { return p.Status(ctx, co.ID) },
		func() (payment.Event, error) { return p.Inspect(ctx, co.ID) },
	} {
		if again, err := get(); err != nil || again.ID != ev.ID || again.Kind != payment.Authorized {
			t.Fatalf("again: %+v %v", again, err)
		}
	}
	if n := f.Calls("POST /v2/checkout/orders/{id}/authorize"); n != 1 {
		t.Fatalf("%d authorize calls", n)
	}
	hooks := f.Webhooks()
	if len(hooks) != 1 || hooks[0].EventType != EventAuthorizationCreated {
		t.Fatalf("webhooks %+v", hooks)
	}
	hook, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: hooks[0].Body, Header: hooks[0].Header})
	if err != nil || hook.Kind != payment.Authorized || hook.PaymentID != auth.ID || hook.CheckoutID != co.ID || hook.RegistrationID != 42 || hook.Amount != 1999 {
		t.Fatalf("AUTHORIZATION.CREATED: %+v %v", hook, err)
	}

	req := payment.CaptureRequest{CheckoutID: co.ID, PaymentID: auth.ID, Amount: 1999, Currency: "EUR", RegistrationID: 42, IdempotencyKey: "capture-42-" + auth.ID}
	paid, err := p.Capture(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	a := f.AuthorizationOf(co.ID)
	if paid.Kind != payment.Paid || paid.PaymentID != a.CaptureID || paid.ID != "capture:"+a.CaptureID || paid.Amount != 1999 || paid.Fee == 0 || a.Status != "CAPTURED" {
		t.Fatalf("capture: %+v, authorization %+v", paid, a)
	}
	// The same request again (a retry), and another after PayPal forgot
	// the request id, report the one capture.
	for i := 0; i < 2; i++ {
		again, err := p.Capture(ctx, req)
		if err != nil || again.ID != paid.ID || again.Kind != payment.Paid {
			t.Fatalf("capture again: %+v %v", again, err)
		}
		f.ForgetRequestIDs()
	}
	if st, err := p.Status(ctx, co.ID); err != nil || st.ID != paid.ID {
		t.Fatalf("status after capture: %+v %v", st, err)
	}
	hooks = f.Webhooks()
	if len(hooks) != 1 || hooks[0].EventType != EventCaptureCompleted {
		t.Fatalf("webhooks %+v", hooks)
	}
	if hook, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: hooks[0].Body, Header: hooks[0].Header}); err != nil || hook.Kind != payment.Paid ||
		hook.PaymentID != paid.PaymentID || hook.CheckoutID != co.ID {
		t.Fatalf("CAPTURE.COMPLETED: %+v %v", hook, err)
	}
	// A captured authorization cannot be voided.
	if _, err := p.Void(ctx, payment.VoidRequest{PaymentID: auth.ID, IdempotencyKey: "void-42"}); !errors.Is(err, payment.ErrRefused) {
		t.Fatalf("void after capture: %v", err)
	}
}

// Void releases the hold (twice is harmless); a lapsed authorization cannot
// be captured: ErrRefused with PayPal's reason.
func TestAuthorizeThenVoid(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	co, err := p.CreateCheckout(ctx, authorizeRequest(7))
	if err != nil {
		t.Fatal(err)
	}
	f.Approve(co.ID)
	if _, err := p.Return(ctx, returnQuery(co.ID)); err != nil {
		t.Fatal(err)
	}
	auth := f.AuthorizationOf(co.ID)
	f.Webhooks()
	for i := 0; i < 2; i++ {
		ev, err := p.Void(ctx, payment.VoidRequest{CheckoutID: co.ID, PaymentID: auth.ID, RegistrationID: 7, IdempotencyKey: "void-7-" + auth.ID})
		if err != nil || ev.Kind != payment.Voided || ev.PaymentID != auth.ID {
			t.Fatalf("void %d: %+v %v", i, ev, err)
		}
		f.ForgetRequestIDs()
	}
	if a := f.AuthorizationOf(co.ID); a.Status != "VOIDED" || a.CaptureID != "" {
		t.Fatalf("authorization %+v", a)
	}
	hooks := f.Webhooks()
	if len(hooks) != 1 || hooks[0].EventType != EventAuthorizationVoided {
		t.Fatalf("webhooks %+v", hooks)
	}
	if ev, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: hooks[0].Body, Header: hooks[0].Header}); err != nil || ev.Kind != payment.Voided || ev.PaymentID != auth.ID || ev.RegistrationID != 7 {
		t.Fatalf("AUTHORIZATION.VOIDED: %+v %v", ev, err)
	}
	if st, err := p.Status(ctx, co.ID); err != nil || st.Kind != payment.Voided {
		t.Fatalf("status after void: %+v %v", st, err)
	}
	if _, err := p.Capture(ctx, payment.CaptureRequest{CheckoutID: co.ID, PaymentID: auth.ID, Amount: 1999, Currency: "EUR", IdempotencyKey: "capture-7"}); !errors.Is(err, payment.ErrRefused) {
		t.Fatalf("capture of a voided authorization: %v", err)
	}

	co2, err := p.CreateCheckout(ctx, authorizeRequest(8))
	if err != nil {
		t.Fatal(err)
	}
	f.Approve(co2.ID)
	if _, err := p.Return(ctx, returnQuery(co2.ID)); err != nil {
		t.Fatal(err)
	}
	f.ExpireAuthorization(f.AuthorizationOf(co2.ID).ID)
	_, err = p.Capture(ctx, payment.CaptureRequest{CheckoutID: co2.ID, PaymentID: f.AuthorizationOf(co2.ID).ID, Amount: 1999, Currency: "EUR", IdempotencyKey: "capture-8"})
	var ae *apiError
	if !errors.Is(err, payment.ErrRefused) || !errors.As(err, &ae) || ae.Issue != issueAuthExpired || ae.Status != http.StatusUnprocessableEntity {
		t.Fatalf("capture of an expired authorization: %v", err)
	}
}

// TestReauthorizeAfterHonorPeriod: within the 3-day honor period PayPal
// refuses a reauthorization (REAUTHORIZATION_TOO_SOON, payment.ErrRefused);
// after it, one reauthorization gives a new authorization with a new honor
// period and the original expiry, which the capture then takes; a second
// one is refused, the same request id answers the first again.
func TestReauthorizeAfterHonorPeriod(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	if !Module().Reauthorize {
		t.Fatal("the PayPal module does not declare it can reauthorize")
	}
	co, err := p.CreateCheckout(ctx, authorizeRequest(43))
	if err != nil {
		t.Fatal(err)
	}
	f.Approve(co.ID)
	if _, err := p.Return(ctx, returnQuery(co.ID)); err != nil {
		t.Fatal(err)
	}
	orig := f.AuthorizationOf(co.ID)
	req := payment.ReauthorizeRequest{CheckoutID: co.ID, PaymentID: orig.ID, Amount: 1999, Currency: "EUR", RegistrationID: 43,
		IdempotencyKey: "reauthorize-43-" + orig.ID}
	if _, err := payment.Reauthorize(ctx, p, req); !errors.Is(err, payment.ErrRefused) || !strings.Contains(err.Error(), "REAUTHORIZATION_TOO_SOON") {
		t.Fatalf("within the honor period: %v", err)
	}
	f.Advance(4 * 24 * time.Hour)
	req.IdempotencyKey += "-day4"
	ev, err := payment.Reauthorize(ctx, payment.WithDeadline(p, 0), req)
	if err != nil {
		t.Fatal(err)
	}
	re := f.AuthorizationOf(co.ID)
	if re.ID == orig.ID || re.ReauthorizationOf != orig.ID || f.Authorization(orig.ID).ReauthorizedAs != re.ID {
		t.Fatalf("reauthorization %+v of %+v", re, orig)
	}
	if ev.Kind != payment.Authorized || ev.PaymentID != re.ID || ev.ID != "authorization:"+re.ID || ev.CheckoutID != co.ID || ev.RegistrationID != 43 ||
		ev.Amount != 1999 || ev.Currency != "EUR" || ev.Authorization == nil {
		t.Fatalf("reauthorized: %+v", ev)
	}
	if got, want := ev.Authorization.CaptureBy, re.Created.Add(3*24*time.Hour); !got.Equal(want) {
		t.Fatalf("capture by %v, want a new honor period %v", got, want)
	}
	if got := ev.Authorization.ExpiresAt; !got.Equal(orig.Expires) {
		t.Fatalf("expires %v, want the original's %v", got, orig.Expires)
	}
	// The same request again answers the same; another is refused, on
	// either authorization.
	if again, err := p.Reauthorize(ctx, req); err != nil || again.PaymentID != re.ID {
		t.Fatalf("same request id: %+v %v", again, err)
	}
	req.IdempotencyKey += "-again"
	if _, err := p.Reauthorize(ctx, req); !errors.Is(err, payment.ErrRefused) || !strings.Contains(err.Error(), "REAUTHORIZATION_TOO_SOON") {
		t.Fatalf("a second reauthorization: %v", err)
	}
	req.PaymentID = re.ID
	if _, err := p.Reauthorize(ctx, req); !errors.Is(err, payment.ErrRefused) || !strings.Contains(err.Error(), "REAUTHORIZATION_NOT_SUPPORTED") {
		t.Fatalf("reauthorizing the reauthorization: %v", err)
	}
	// The webhook of the new authorization names it.
	hooks := f.Webhooks()
	last := hooks[len(hooks)-1]
	hook, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: last.Body, Header: last.Header})
	if err != nil || hook.Kind != payment.Authorized || hook.PaymentID != re.ID || hook.CheckoutID != co.ID || hook.RegistrationID != 43 {
		t.Fatalf("AUTHORIZATION.CREATED of the reauthorization: %+v %v", hook, err)
	}
	paid, err := p.Capture(ctx, payment.CaptureRequest{CheckoutID: co.ID, PaymentID: re.ID, Amount: 1999, Currency: "EUR", RegistrationID: 43,
		IdempotencyKey: "capture-43-" + re.ID})
	if err != nil || paid.Kind != payment.Paid || paid.Amount != 1999 || f.Authorization(re.ID).Status != "CAPTURED" {
		t.Fatalf("capture of the reauthorization: %+v %v", paid, err)
	}
	if _, err := p.Reauthorize(ctx, payment.ReauthorizeRequest{PaymentID: "bad id!"}); !errors.Is(err, payment.ErrNotFound) {
		t.Fatalf("a malformed id: %v", err)
	}
}
