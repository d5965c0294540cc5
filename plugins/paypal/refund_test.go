package paypal

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/admit/admit/app/payment"
)

func TestRefunds(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	co, err := p.CreateCheckout(ctx, checkoutRequest(9, 1999, "CHF"))
	if err != nil {
		t.Fatal(err)
	}
	f.Approve(co.ID)
	paid, err := p.Return(ctx, returnQuery(co.ID))
	if err != nil {
		t.Fatal(err)
	}
	f.Webhooks()
	refund := func(amount int64, key string) (payment.Refund, error) {
		return p.Refund(ctx, payment.RefundRequest{PaymentID: paid.PaymentID, Amount: amount, Currency: "CHF", RegistrationID: 9, IdempotencyKey: key})
	}

	first, err := refund(500, "refund-9-1")
	if err != nil || first.ID == "" || first.Amount != 500 || first.Status != "completed" {
		t.Fatalf("partial refund: %+v, %v", first, err)
	}
	// The refunds job retrying after a lost answer: the same refund.
	retry, err := refund(500, "refund-9-1")
	if err != nil || retry != first {
		t.Fatalf("retry: %+v, %v", retry, err)
	}
	if c := f.Capture(paid.PaymentID); c.Refunded != 500 || c.Status != "PARTIALLY_REFUNDED" {
		t.Fatalf("capture after the retry: %+v", c)
	}
	// More than what is left is refused (for good: not a passing failure),
	// and says why.
	_, err = refund(1500, "refund-9-2")
	if err == nil || !strings.Contains(err.Error(), "REFUND_AMOUNT_EXCEEDED") || errors.Is(err, payment.ErrNotFound) || !errors.Is(err, payment.ErrRefused) {
		t.Fatalf("too much: %v", err)
	}
	// What the payment holds, its refunds one by one.
	st, err := p.Payment(ctx, co.ID, paid.PaymentID)
	if err != nil || st.Amount != 1999 || st.Currency != "CHF" || st.Refunded != 500 || len(st.Refunds) != 1 || st.Refunds[0].ID != first.ID || st.Refunds[0].Amount != 500 {
		t.Fatalf("payment: %+v, %v", st, err)
	}
	if _, err := p.Payment(ctx, co.ID, "3C000NOSUCH"); !errors.Is(err, payment.ErrNotFound) {
		t.Fatalf("another capture: %v", err)
	}
	rest, err := refund(1499, "refund-9-3")
	if err != nil || rest.Amount != 1499 || rest.ID == first.ID {
		t.Fatalf("the rest: %+v, %v", rest, err)
	}
	if c := f.Capture(paid.PaymentID); c.Refunded != 1999 || c.Status != "REFUNDED" {
		t.Fatalf("capture: %+v", c)
	}
	_, err = refund(1, "refund-9-4")
	if err == nil || !strings.Contains(err.Error(), "CAPTURE_FULLY_REFUNDED") {
		t.Fatalf("after a full refund: %v", err)
	}

	// A fully refunded order still reports the payment it was.
	st2, err := p.Status(ctx, co.ID)
	if err != nil || st2.Kind != payment.Paid || st2.ID != paid.ID {
		t.Fatalf("status: %+v, %v", st2, err)
	}

	// PayPal's webhooks for the two refunds.
	hooks := f.Webhooks()
	if len(hooks) != 2 {
		t.Fatalf("%d webhooks", len(hooks))
	}
	for i, want := range []payment.Refund{first, rest} {
		ev, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: hooks[i].Body, Header: hooks[i].Header})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind != payment.Refunded || ev.RefundID != want.ID || ev.Amount != want.Amount || ev.Currency != "CHF" ||
			ev.PaymentID != paid.PaymentID || ev.RegistrationID != 9 || ev.RefundedTotal != 0 || !strings.HasPrefix(ev.ID, "WH-") {
			t.Fatalf("refund webhook %d: %+v", i, ev)
		}
	}

	t.Run("errors", func(t *testing.T) {
		if _, err := p.Refund(ctx, payment.RefundRequest{PaymentID: "0NOSUCHCAPTURE00", Amount: 100, Currency: "CHF", IdempotencyKey: "k"}); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("unknown capture: %v", err)
		}
		if _, err := p.Refund(ctx, payment.RefundRequest{PaymentID: paid.PaymentID, Amount: 100, Currency: "HUF", IdempotencyKey: "k"}); !errors.Is(err, payment.ErrCurrency) {
			t.Errorf("HUF: %v", err)
		}
		if _, err := p.Refund(ctx, payment.RefundRequest{PaymentID: paid.PaymentID, Amount: 0, Currency: "CHF", IdempotencyKey: "k"}); err == nil {
			t.Error("zero refund accepted")
		}
		if _, err := p.Refund(ctx, payment.RefundRequest{PaymentID: "../orders", Amount: 100, Currency: "CHF", IdempotencyKey: "k"}); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("bad capture id: %v", err)
		}
	})
}
