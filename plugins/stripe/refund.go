package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/admit/admit/app/payment"
)

// Refund gives money back on a PaymentIntent: Amount in minor units (0 means
// whatever is left), the registration id in the refund's metadata, and the
// request's idempotency key so a retry never refunds twice. A PaymentIntent
// Stripe does not know is payment.ErrNotFound; a refund Stripe refuses (400
// or 402: more than is left, a charge already refunded, a disputed one) is
// payment.ErrRefused with Stripe's reason. Currency is not sent: Stripe
// refunds in the payment's own currency.
func (p *Provider) Refund(ctx context.Context, r payment.RefundRequest) (payment.Refund, error) {
	pi := strings.TrimSpace(r.PaymentID)
	switch {
	case pi == "":
		return payment.Refund{}, fmt.Errorf("stripe: a refund needs the payment's id: %w", payment.ErrNotFound)
	case r.Amount < 0:
		return payment.Refund{}, fmt.Errorf("stripe: a refund amount cannot be negative (got %d)", r.Amount)
	}
	params := &stripego.RefundParams{PaymentIntent: stripego.String(pi)}
	if r.Amount > 0 {
		params.Amount = stripego.Int64(r.Amount)
	}
	if r.RegistrationID > 0 {
		params.AddMetadata(metaRegistration, strconv.FormatInt(r.RegistrationID, 10))
	}
	params.Context = ctx
	if r.IdempotencyKey != "" {
		params.SetIdempotencyKey(r.IdempotencyKey)
	}
	ref, err := p.api.Refunds.New(params)
	if err != nil {
		return payment.Refund{}, p.refusal("refunding "+pi, err)
	}
	return payment.Refund{ID: ref.ID, Amount: ref.Amount, Status: string(ref.Status)}, nil
}

var (
	_ payment.PaymentLookup  = (*Provider)(nil)
	_ payment.CheckoutCloser = (*Provider)(nil)
)

// Payment implements payment.PaymentLookup: the PaymentIntent with its
// latest charge, whose amount_refunded counts every refund, those made in
// the dashboard included, and whose balance transaction says what Stripe
// kept (fee, in the balance transaction's currency: the account's
// settlement currency). Stripe gives the refunded total, not the refunds one
// by one (Refunds is nil). A charge without a balance transaction yet (not
// captured, or still settling) has no fee yet (FeeCurrency "").
func (p *Provider) Payment(ctx context.Context, _, paymentID string) (payment.PaymentState, error) {
	pi := strings.TrimSpace(paymentID)
	if pi == "" {
		return payment.PaymentState{}, fmt.Errorf("stripe: no payment id: %w", payment.ErrNotFound)
	}
	params := &stripego.PaymentIntentParams{}
	params.Context = ctx
	params.AddExpand("latest_charge.balance_transaction")
	intent, err := p.api.PaymentIntents.Get(pi, params)
	if err != nil {
		return payment.PaymentState{}, p.apiError("retrieving payment "+pi, err)
	}
	c := intent.LatestCharge
	if c == nil || c.ID == "" {
		return payment.PaymentState{}, fmt.Errorf("stripe: payment %s has no charge: %w", pi, payment.ErrNotFound)
	}
	st := payment.PaymentState{Amount: c.Amount, Currency: strings.ToUpper(string(c.Currency)), Refunded: c.AmountRefunded}
	if bt := c.BalanceTransaction; bt != nil && bt.Currency != "" {
		st.Fee, st.FeeCurrency = bt.Fee, strings.ToUpper(string(bt.Currency))
	}
	return st, nil
}

// CloseCheckout implements payment.CheckoutCloser: it expires an open
// Checkout Session, so that its buyer can no longer pay. A session that is
// no longer open (paid, or expired already) is left as it is: a payment
// made meanwhile still arrives by webhook or reconciliation.
func (p *Provider) CloseCheckout(ctx context.Context, checkoutID string) error {
	id := strings.TrimSpace(checkoutID)
	if id == "" {
		return nil
	}
	params := &stripego.CheckoutSessionExpireParams{}
	params.Context = ctx
	params.SetIdempotencyKey("expire-" + id)
	_, err := p.api.CheckoutSessions.Expire(id, params)
	if err == nil {
		return nil
	}
	var se *stripego.Error
	if errors.As(err, &se) && se.HTTPStatusCode == http.StatusBadRequest {
		// "Only Checkout Sessions with a status in [open] can be expired."
		return nil
	}
	return p.apiError("expiring checkout session "+id, err)
}
