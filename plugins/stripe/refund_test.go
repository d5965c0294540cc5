package stripe

import (
	"errors"
	"strings"
	"testing"

	"github.com/admit/admit/app/payment"
)

func TestRefundAgainstStripeMock(t *testing.T) {
	p, rec := newMocked(t)
	r, err := p.Refund(ctxT(t), payment.RefundRequest{
		PaymentID: "pi_test_paid", Amount: 500, Currency: "EUR", RegistrationID: 42,
		IdempotencyKey: "refund-42-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == "" || r.Status == "" {
		t.Errorf("refund %+v: want an id and a status", r)
	}
	if r.Amount != 500 {
		t.Errorf("amount %d, want the 500 sent (stripe-mock reflects it)", r.Amount)
	}
	req := rec.last(t)
	if req.Method != "POST" || req.Path != "/v1/refunds" {
		t.Fatalf("sent %s %s", req.Method, req.Path)
	}
	for k, v := range map[string]string{
		"payment_intent": "pi_test_paid", "amount": "500", "metadata[registration_id]": "42",
	} {
		if got := req.Form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := req.Header.Get("Idempotency-Key"); got != "refund-42-1" {
		t.Errorf("Idempotency-Key = %q", got)
	}
}

func TestRefundTheRest(t *testing.T) {
	p, rec := newMocked(t)
	if _, err := p.Refund(ctxT(t), payment.RefundRequest{PaymentID: "pi_test_paid", IdempotencyKey: "refund-42-2"}); err != nil {
		t.Fatal(err)
	}
	if f := rec.last(t).Form; f.Has("amount") {
		t.Errorf("amount %q sent for a refund of the rest", f.Get("amount"))
	}
}

func TestRefundErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		is      error
		contain string
	}{
		{"unknown payment", 404, `{"error":{"type":"invalid_request_error","code":"resource_missing","param":"payment_intent",
			"message":"No such payment_intent: 'pi_gone'"}}`, payment.ErrNotFound, "No such payment_intent"},
		{"already refunded", 400, `{"error":{"type":"invalid_request_error","code":"charge_already_refunded",
			"message":"Charge ch_1 has already been refunded."}}`, nil, "Charge ch_1 has already been refunded (code charge_already_refunded)"},
		{"restricted key without Refunds write", 403, `{"error":{"type":"invalid_request_error",
			"message":"The provided key 'rk_test_*****************************************************************************************************Kd1234' does not have the required permissions for this endpoint on account 'acct_1Nu'. Having the 'rak_refund_write' permission would allow this request to continue."}}`,
			payment.ErrCredentials, `"Refunds: Write"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := newCanned(t, answer{"POST", "/v1/refunds", tc.status, tc.body})
			_, err := p.Refund(ctxT(t), payment.RefundRequest{PaymentID: "pi_gone", Amount: 100, IdempotencyKey: "refund-1-1"})
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.contain) {
				t.Errorf("error %q does not contain %q", err, tc.contain)
			}
			if strings.Contains(err.Error(), "rk_test") || strings.Contains(err.Error(), testKey) {
				t.Errorf("error %q shows a key", err)
			}
		})
	}
}
