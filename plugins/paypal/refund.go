package paypal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	pp "github.com/plutov/paypal/v4"

	"github.com/admit/admit/app/payment"
)

// Refund implements payment.Provider: POST /v2/payments/captures/{id}/refund
// with the amount and PayPal-Request-Id = the request's idempotency key, so a
// retry returns the first refund instead of making a second one. PayPal
// refuses more than what is left on the capture (REFUND_AMOUNT_EXCEEDED,
// CAPTURE_FULLY_REFUNDED): such an answer (400 or 422) is a
// payment.ErrRefused whose text is PayPal's reason.
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
		err = classify("refund capture "+r.PaymentID, err)
		var ae *apiError
		if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusUnprocessableEntity) {
			err = payment.Refused(err)
		}
		return payment.Refund{}, err
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

var _ payment.PaymentLookup = (*Provider)(nil)

// Payment implements payment.PaymentLookup from the order's details (GET
// /v2/checkout/orders/{id}): the capture paymentID, with the fee PayPal kept
// (seller_receivable_breakdown.paypal_fee), and the refunds PayPal lists
// beside it (purchase_units[].payments.refunds), each with its id; Refunded
// is their sum, failed and cancelled ones left out. The capture's own
// details carry no refund total.
func (p *Provider) Payment(ctx context.Context, orderID, captureID string) (payment.PaymentState, error) {
	if err := checkID("order", orderID); err != nil {
		return payment.PaymentState{}, err
	}
	var order struct {
		PurchaseUnits []struct {
			Payments struct {
				Captures []struct {
					ID                        string `json:"id"`
					Amount                    *money `json:"amount"`
					SellerReceivableBreakdown *struct {
						PaypalFee *money `json:"paypal_fee"`
					} `json:"seller_receivable_breakdown"`
				} `json:"captures"`
				Refunds []struct {
					ID     string    `json:"id"`
					Status string    `json:"status"`
					Amount *money    `json:"amount"`
					Links  []pp.Link `json:"links"`
				} `json:"refunds"`
			} `json:"payments"`
		} `json:"purchase_units"`
	}
	err := p.do(func(c *pp.Client) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.APIBase+"/v2/checkout/orders/"+url.PathEscape(orderID), nil)
		if err != nil {
			return err
		}
		return c.SendWithAuth(req, &order)
	})
	if err != nil {
		return payment.PaymentState{}, classify("get order "+orderID, err)
	}
	var st payment.PaymentState
	found := false
	for _, u := range order.PurchaseUnits {
		for _, c := range u.Payments.Captures {
			if c.ID != captureID || c.Amount == nil {
				continue
			}
			amount, currency, err := readMoney(c.Amount)
			if err != nil {
				return payment.PaymentState{}, fmt.Errorf("paypal: order %s: capture %s: %w", orderID, c.ID, err)
			}
			st.Amount, st.Currency, found = amount, currency, true
			if b := c.SellerReceivableBreakdown; b != nil && b.PaypalFee != nil {
				if st.Fee, st.FeeCurrency, err = readMoney(b.PaypalFee); err != nil {
					return payment.PaymentState{}, fmt.Errorf("paypal: order %s: capture %s: paypal_fee: %w", orderID, c.ID, err)
				}
			}
		}
		for _, rf := range u.Payments.Refunds {
			if rf.Amount == nil || strings.EqualFold(rf.Status, "FAILED") || strings.EqualFold(rf.Status, "CANCELLED") {
				continue
			}
			if up := linkedID(rf.Links, "up", "/v2/payments/captures/"); up != "" && up != captureID {
				continue
			}
			amount, _, err := readMoney(rf.Amount)
			if err != nil {
				return payment.PaymentState{}, fmt.Errorf("paypal: order %s: refund %s: %w", orderID, rf.ID, err)
			}
			st.Refunds = append(st.Refunds, payment.Refund{ID: rf.ID, Amount: amount, Status: strings.ToLower(rf.Status)})
			st.Refunded += amount
		}
	}
	if !found {
		return payment.PaymentState{}, fmt.Errorf("paypal: order %s has no capture %s: %w", orderID, captureID, payment.ErrNotFound)
	}
	return st, nil
}
