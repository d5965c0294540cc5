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
			"message":"Charge ch_1 has already been refunded."}}`, payment.ErrRefused, "Charge ch_1 has already been refunded (code charge_already_refunded)"},
		{"more than is left", 400, `{"error":{"type":"invalid_request_error","param":"amount",
			"message":"Refund amount (€10.00) is greater than unrefunded amount on charge (€5.00)"}}`, payment.ErrRefused, "greater than unrefunded amount"},
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

// A refused refund is not a passing failure: Admit must not retry it.
func TestRefundPassingFailureIsNotRefused(t *testing.T) {
	p, _ := newCanned(t, answer{"POST", "/v1/refunds", 500, `{"error":{"type":"api_error","message":"boom"}}`})
	_, err := p.Refund(ctxT(t), payment.RefundRequest{PaymentID: "pi_1", Amount: 100, IdempotencyKey: "refund-1-1"})
	if err == nil || errors.Is(err, payment.ErrRefused) {
		t.Fatalf("a 500 is %v; want a passing failure", err)
	}
}

func TestPaymentLookup(t *testing.T) {
	p, _ := newCanned(t, answer{"GET", "/v1/payment_intents/pi_1", 200, `{"id":"pi_1","object":"payment_intent","amount":1000,"currency":"eur",
		"latest_charge":{"id":"ch_1","object":"charge","amount":1000,"amount_refunded":500,"currency":"eur","payment_intent":"pi_1"}}`})
	st, err := p.Payment(ctxT(t), "cs_1", "pi_1")
	if err != nil || st.Amount != 1000 || st.Currency != "EUR" || st.Refunded != 500 || st.Refunds != nil || st.FeeCurrency != "" {
		t.Fatalf("state %+v, %v; want no fee (no balance transaction yet)", st, err)
	}
	// The fee Stripe kept is the charge's balance transaction's, in its
	// currency (the account's settlement currency).
	p, _ = newCanned(t, answer{"GET", "/v1/payment_intents/pi_2", 200, `{"id":"pi_2","object":"payment_intent","amount":1000,"currency":"eur",
		"latest_charge":{"id":"ch_2","object":"charge","amount":1000,"amount_refunded":0,"currency":"eur","payment_intent":"pi_2",
		"balance_transaction":{"id":"txn_2","object":"balance_transaction","amount":1082,"currency":"usd","exchange_rate":1.082,"fee":61,"net":1021}}}`})
	if st, err = p.Payment(ctxT(t), "cs_2", "pi_2"); err != nil || st.Fee != 61 || st.FeeCurrency != "USD" || st.Amount != 1000 || st.Currency != "EUR" {
		t.Fatalf("state %+v, %v; want a fee of 61 USD", st, err)
	}
	// Against stripe-mock: the request is one Stripe takes, and its
	// fixture's balance transaction (fee 0 usd) is read.
	m, rec := newMocked(t)
	st, err = m.Payment(ctxT(t), "", "pi_test_paid")
	if err != nil || st.FeeCurrency != "USD" || st.Fee != 0 {
		t.Fatalf("stripe-mock: %+v, %v; want its fixture's fee, 0 USD", st, err)
	}
	if r := rec.last(t); r.Method != "GET" || r.Path != "/v1/payment_intents/pi_test_paid" || r.Query.Get("expand[0]") != "latest_charge.balance_transaction" {
		t.Fatalf("sent %s %s %v", r.Method, r.Path, r.Query)
	}
}

func TestCloseCheckout(t *testing.T) {
	p, rec := newMocked(t)
	if err := p.CloseCheckout(ctxT(t), "cs_test_1"); err != nil {
		t.Fatal(err)
	}
	if r := rec.last(t); r.Method != "POST" || r.Path != "/v1/checkout/sessions/cs_test_1/expire" || r.Header.Get("Idempotency-Key") != "expire-cs_test_1" {
		t.Fatalf("sent %s %s", r.Method, r.Path)
	}
	// A session no longer open is left as it is.
	c, _ := newCanned(t, answer{"POST", "/v1/checkout/sessions/cs_done/expire", 400, `{"error":{"type":"invalid_request_error",
		"message":"Only Checkout Sessions with a status in [\"open\"] can be expired."}}`})
	if err := c.CloseCheckout(ctxT(t), "cs_done"); err != nil {
		t.Fatalf("a closed session: %v", err)
	}
}
