package paypal

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/payment/paymenttest"
	"github.com/admit/admit/app/pricing"
)

// The provider contract every plugin passes (app/payment/paymenttest), run
// against the fake PayPal: the buyer approves at PayPal, PayPal sends them
// back to the return URL with token and PayerID, and the webhooks are the
// deliveries the fake queued and signed.
func TestProviderContract(t *testing.T) {
	f := newFakePayPal(t)
	w := &paypalWorld{f: f}
	paymenttest.Run(t, f.provider(t), paymenttest.Harness{Module: ptr(Module()),
		Name:            Name,
		Takes:           takenCurrencies(),
		Refuses:         []string{"HUF", "BGN", "RON", "JPY", "XXX", ""},
		Pay:             func(t *testing.T, co payment.Checkout) { f.Approve(co.ID) },
		ReturnQuery:     w.returnQuery,
		Webhook:         w.webhook,
		Forge:           forge,
		UnknownCheckout: "0NOSUCHORDER000",
		// The fake's capture keeps PayPal's fee, and says it in the
		// capture's seller_receivable_breakdown.
		Fee: func(captureID string, _ int64, currency string) (int64, string) {
			return f.Capture(captureID).Fee, currency
		},
	})
}

// takenCurrencies are Admit's currencies PayPal takes: USD first (the
// checkouts' currency), then every other one its Module declares.
func takenCurrencies() []string {
	out := []string{"USD"}
	for _, c := range pricing.Codes() {
		if _, ok := Module().Takes(c); c != "USD" && ok {
			out = append(out, c)
		}
	}
	return out
}

// paypalWorld keeps the fake's deliveries (Webhooks drains them) to hand the
// last of a kind to the contract.
type paypalWorld struct {
	f    *fakePayPal
	mu   sync.Mutex
	seen []fakeDelivery
	seq  int
}

// returnQuery is what PayPal appends to the order's return_url when it sends
// the buyer back: token (the order id) and PayerID.
func (w *paypalWorld) returnQuery(co payment.Checkout) url.Values {
	u, err := url.Parse(w.f.Order(co.ID).ReturnURL)
	if err != nil {
		panic(fmt.Sprintf("order %s: return_url: %v", co.ID, err))
	}
	q := u.Query()
	q.Set("token", co.ID)
	q.Set("PayerID", "QYR5Z8XDVJNXQ")
	return q
}

func (w *paypalWorld) webhook(t *testing.T, kind payment.Kind) payment.WebhookRequest {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, w.f.Webhooks()...)
	var eventType string
	switch kind {
	case payment.Paid:
		eventType = EventCaptureCompleted
	case payment.Refunded:
		eventType = EventCaptureRefunded
	case paymenttest.Unrelated:
		// An order approved by the buyer: PayPal sends it, Admit acts on
		// captures only.
		w.seq++
		body := fmt.Appendf(nil, `{"id":"WH-CONTRACT-%d","event_version":"1.0","create_time":"2026-03-14T09:30:00.000Z",`+
			`"resource_type":"checkout-order","resource_version":"2.0","event_type":"CHECKOUT.ORDER.APPROVED",`+
			`"summary":"An order has been approved by buyer","resource":{"id":"5O190127TN364715T","status":"APPROVED",`+
			`"purchase_units":[{"reference_id":"default","custom_id":"1001","amount":{"currency_code":"USD","value":"42.00"}}]}}`, w.seq)
		return payment.WebhookRequest{Body: body, Header: w.f.Sign(body, w.f.WebhookID)}
	default:
		t.Skipf("the fake PayPal makes no %s webhook", kind)
	}
	for i := len(w.seen) - 1; i >= 0; i-- {
		if d := w.seen[i]; d.EventType == eventType {
			return payment.WebhookRequest{Body: d.Body, Header: d.Header.Clone()}
		}
	}
	t.Fatalf("the fake PayPal delivered no %s", eventType)
	return payment.WebhookRequest{}
}

// forge is the delivery with another transmission signature, as one not made
// with PayPal's key would be.
func forge(r payment.WebhookRequest) payment.WebhookRequest {
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(HeaderTransmissionSig, "bm90IHBheXBhbCdzIHNpZ25hdHVyZSwganVzdCBhIGZvcmdlcnk=")
	return payment.WebhookRequest{Body: r.Body, Header: h}
}

func ptr[T any](v T) *T { return &v }
