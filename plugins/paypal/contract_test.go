package paypal

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
)

// contractHarness is what the contract needs from the provider's world: a
// buyer who pays, the query the success URL receives, and the provider's
// webhook for the last event.
type contractHarness struct {
	approve         func(t *testing.T, co payment.Checkout)
	returnQuery     func(co payment.Checkout) url.Values
	lastWebhook     func(t *testing.T) payment.WebhookRequest
	currency        string // one the provider takes
	refused         string // one it does not
	unknownCheckout string
}

// checkProviderContract is what Admit's domain relies on from any
// payment.Provider (app/payment's doc comments), checked against one
// provider.
func checkProviderContract(t *testing.T, p payment.Provider, h contractHarness) {
	ctx := context.Background()
	req := payment.CheckoutRequest{RegistrationID: 1001, Amount: 4200, Currency: h.currency, Title: "Contract",
		Email: "c@example.com", Locale: "en", ExpiresAt: time.Now().Add(30 * time.Minute),
		SuccessURL: "https://admit.example/pay/return", CancelURL: "https://admit.example/pay/cancel",
		IdempotencyKey: "checkout-1001"}

	if p.Name() == "" || !p.Supports(h.currency) || p.Supports(h.refused) {
		t.Fatalf("Name %q, Supports(%s) %v, Supports(%s) %v", p.Name(), h.currency, p.Supports(h.currency), h.refused, p.Supports(h.refused))
	}
	if err := p.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	bad := req
	bad.Currency = h.refused
	if _, err := p.CreateCheckout(ctx, bad); !errors.Is(err, payment.ErrCurrency) {
		t.Fatalf("checkout in %s: %v, want ErrCurrency", h.refused, err)
	}

	co, err := p.CreateCheckout(ctx, req)
	if err != nil || co.ID == "" || co.RedirectURL == "" {
		t.Fatalf("CreateCheckout: %+v, %v", co, err)
	}
	if again, err := p.CreateCheckout(ctx, req); err != nil || again != co {
		t.Fatalf("same idempotency key, another checkout: %+v, %v", again, err)
	}
	if ev, err := p.Status(ctx, co.ID); err != nil || ev.Kind != payment.Pending || ev.ID == "" || ev.Provider != p.Name() {
		t.Fatalf("Status while unpaid: %+v, %v", ev, err)
	}

	h.approve(t, co)
	paid, err := p.Return(ctx, h.returnQuery(co))
	if err != nil {
		t.Fatalf("Return: %v", err)
	}
	if paid.Kind != payment.Paid || paid.ID == "" || paid.Provider != p.Name() || paid.CheckoutID != co.ID ||
		paid.RegistrationID != req.RegistrationID || paid.Amount != req.Amount || paid.Currency != req.Currency || paid.PaymentID == "" {
		t.Fatalf("Return: %+v", paid)
	}
	if again, err := p.Return(ctx, h.returnQuery(co)); err != nil || again.ID != paid.ID || again.Kind != payment.Paid {
		t.Fatalf("Return reloaded: %+v, %v (first %s)", again, err, paid.ID)
	}
	if st, err := p.Status(ctx, co.ID); err != nil || st.ID != paid.ID || st.Kind != payment.Paid {
		t.Fatalf("Status once paid: %+v, %v", st, err)
	}

	wh := h.lastWebhook(t)
	ev, err := p.ParseWebhook(ctx, wh)
	if err != nil || ev.Kind != payment.Paid || ev.PaymentID != paid.PaymentID || ev.Amount != req.Amount || ev.RegistrationID != req.RegistrationID {
		t.Fatalf("ParseWebhook: %+v, %v", ev, err)
	}
	unsigned := payment.WebhookRequest{Body: wh.Body}
	if _, err := p.ParseWebhook(ctx, unsigned); !errors.Is(err, payment.ErrSignature) {
		t.Fatalf("unsigned webhook: %v", err)
	}

	rr := payment.RefundRequest{PaymentID: paid.PaymentID, Amount: 1000, Currency: req.Currency, RegistrationID: req.RegistrationID, IdempotencyKey: "refund-1001-1"}
	r1, err := p.Refund(ctx, rr)
	if err != nil || r1.ID == "" || r1.Amount != 1000 {
		t.Fatalf("Refund: %+v, %v", r1, err)
	}
	if r2, err := p.Refund(ctx, rr); err != nil || r2.ID != r1.ID {
		t.Fatalf("Refund retried: %+v, %v (first %s)", r2, err, r1.ID)
	}
	refunded, err := p.ParseWebhook(ctx, h.lastWebhook(t))
	if err != nil || refunded.Kind != payment.Refunded || refunded.Amount != 1000 || refunded.PaymentID != paid.PaymentID {
		t.Fatalf("refund webhook: %+v, %v", refunded, err)
	}

	if _, err := p.Status(ctx, h.unknownCheckout); !errors.Is(err, payment.ErrNotFound) {
		t.Fatalf("Status of an unknown checkout: %v", err)
	}
}

func TestProviderContract(t *testing.T) {
	f := newFakePayPal(t)
	checkProviderContract(t, f.provider(t), contractHarness{
		approve: func(t *testing.T, co payment.Checkout) { f.Approve(co.ID) },
		returnQuery: func(co payment.Checkout) url.Values {
			return url.Values{"token": {co.ID}, "PayerID": {"QYR5Z8XDVJNXQ"}}
		},
		lastWebhook: func(t *testing.T) payment.WebhookRequest {
			hooks := f.Webhooks()
			if len(hooks) == 0 {
				t.Fatal("no webhook")
			}
			last := hooks[len(hooks)-1]
			return payment.WebhookRequest{Body: last.Body, Header: last.Header}
		},
		currency: "USD", refused: "HUF", unknownCheckout: "0NOSUCHORDER000",
	})
}
