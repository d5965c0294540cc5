package paypal

import (
	"context"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
)

// TestReauthorizeMinimalAnswerKeepsTheEnd: a reauthorization answered
// without expiration_time (a minimal body) reports no end, so the renewed
// hold keeps the original's (PayPal never extends it past day 29 of the
// original); it reported 29 days from the renewal.
func TestReauthorizeMinimalAnswerKeepsTheEnd(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	co, err := p.CreateCheckout(ctx, authorizeRequest(44))
	if err != nil {
		t.Fatal(err)
	}
	f.Approve(co.ID)
	if _, err := p.Return(ctx, returnQuery(co.ID)); err != nil {
		t.Fatal(err)
	}
	orig := f.AuthorizationOf(co.ID)
	f.Advance(4 * 24 * time.Hour)
	f.SetIgnorePrefer(true)
	ev, err := p.Reauthorize(ctx, payment.ReauthorizeRequest{CheckoutID: co.ID, PaymentID: orig.ID, Amount: 1999, Currency: "EUR",
		RegistrationID: 44, IdempotencyKey: "reauthorize-44-" + orig.ID})
	if err != nil {
		t.Fatal(err)
	}
	re := f.AuthorizationOf(co.ID)
	if ev.Kind != payment.Authorized || ev.PaymentID != re.ID || ev.Authorization == nil {
		t.Fatalf("reauthorized: %+v", ev)
	}
	if !ev.Authorization.ExpiresAt.IsZero() {
		t.Fatalf("expires %v from an answer without expiration_time, want none (the original's %v is kept)", ev.Authorization.ExpiresAt, orig.Expires)
	}
}
