package paypal

import (
	"context"
	"fmt"
	"strings"

	pp "github.com/plutov/paypal/v4"

	"github.com/admit/admit/app/payment"
)

// Refund implements payment.Provider: POST /v2/payments/captures/{id}/refund
// with the amount and PayPal-Request-Id = the request's idempotency key, so a
// retry returns the first refund instead of making a second one. PayPal
// refuses more than what is left on the capture (REFUND_AMOUNT_EXCEEDED,
// CAPTURE_FULLY_REFUNDED): the error says so.
func (p *Provider) Refund(ctx context.Context, r payment.RefundRequest) (payment.Refund, error) {
	if err := checkID("capture", r.PaymentID); err != nil {
		return payment.Refund{}, err
	}
	currency := strings.ToUpper(strings.TrimSpace(r.Currency))
	if !p.Supports(currency) {
		return payment.Refund{}, fmt.Errorf("paypal: refund in %q: %w", r.Currency, payment.ErrCurrency)
	}
	if r.Amount <= 0 {
		return payment.Refund{}, fmt.Errorf("paypal: refund amount %d must be positive", r.Amount)
	}
	value, err := formatAmount(r.Amount, currency)
	if err != nil {
		return payment.Refund{}, err
	}
	req := pp.RefundCaptureRequest{Amount: &pp.Money{Currency: currency, Value: value}}
	var res *pp.RefundResponse
	err = p.do(func(c *pp.Client) error {
		var err error
		res, err = c.RefundCaptureWithPaypalRequestId(ctx, r.PaymentID, req, r.IdempotencyKey)
		return err
	})
	if err != nil {
		return payment.Refund{}, classify("refund capture "+r.PaymentID, err)
	}
	if res.ID == "" {
		return payment.Refund{}, fmt.Errorf("paypal: refund capture %s: answer without a refund id", r.PaymentID)
	}
	out := payment.Refund{ID: res.ID, Amount: r.Amount, Status: strings.ToLower(res.Status)}
	if res.Amount != nil && res.Amount.Value != "" {
		amount, err := parseAmount(res.Amount.Value, res.Amount.Currency)
		if err != nil {
			return payment.Refund{}, fmt.Errorf("paypal: refund %s: %w", res.ID, err)
		}
		out.Amount = amount
	}
	return out, nil
}
