package stripe

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/admit/admit/app/payment"
)

// Refund gives money back on a PaymentIntent: Amount in minor units (0 means
// whatever is left), the registration id in the refund's metadata, and the
// request's idempotency key so a retry never refunds twice. A PaymentIntent
// Stripe does not know is payment.ErrNotFound. Currency is not sent: Stripe
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
		return payment.Refund{}, p.apiError("refunding "+pi, err)
	}
	return payment.Refund{ID: ref.ID, Amount: ref.Amount, Status: string(ref.Status)}, nil
}
