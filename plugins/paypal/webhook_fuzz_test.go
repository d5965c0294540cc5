package paypal

import (
	"context"
	"errors"
	"testing"

	"github.com/admit/admit/app/payment"
)

// FuzzParseWebhook: whatever the body and transmission signature,
// ParseWebhook does not panic; a body PayPal (the fake) signed for this
// webhook is parsed (any outcome), and the same body with another
// transmission signature, or changed after signing, is always ErrSignature
// and never an event, least of all a confirmed payment.
func FuzzParseWebhook(f *testing.F) {
	capture := `{"id":"WH-1","create_time":"2026-01-02T03:04:05Z","event_type":"PAYMENT.CAPTURE.COMPLETED","resource_type":"capture",` +
		`"resource":{"id":"CAP-1","status":"COMPLETED","custom_id":"11","amount":{"currency_code":"EUR","value":"29.99"},` +
		`"supplementary_data":{"related_ids":{"order_id":"ORD-1"}}}}`
	f.Add([]byte(capture), "bG9vayBtYSwgbm8gc2lnbmF0dXJl")
	f.Add([]byte(`{"id":"WH-2","event_type":"PAYMENT.CAPTURE.REFUNDED","resource":{"id":"R-1","custom_id":"x","amount":{"currency_code":"JPY","value":"1e99"},"links":[{"rel":"up","href":"/v2/payments/captures/CAP-1"}]}}`), "")
	f.Add([]byte(`{"event_type":"PAYMENT.AUTHORIZATION.CREATED","resource":null}`), "sig")
	f.Add([]byte(`{"resource":{"amount":{"value":"-0.01"}}}`), "=")
	f.Add([]byte(`[]`), "x")
	f.Add([]byte(` {} `), "")
	fake := newFakePayPal(f)
	p := fake.provider(f)
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		ctx := context.Background()
		good := fake.Sign(body, fakeWebhookID)
		_, _ = p.ParseWebhook(ctx, payment.WebhookRequest{Body: body, Header: good}) // any outcome but a panic

		var bad []payment.WebhookRequest
		if sig != good.Get(HeaderTransmissionSig) {
			h := good.Clone()
			h.Set(HeaderTransmissionSig, sig)
			bad = append(bad, payment.WebhookRequest{Body: body, Header: h})
		}
		changed := append(append([]byte(`{"x":`), body...), '}')
		bad = append(bad, payment.WebhookRequest{Body: changed, Header: good})
		for _, r := range bad {
			e, err := p.ParseWebhook(ctx, r)
			if !errors.Is(err, payment.ErrSignature) {
				t.Fatalf("body %q, %s %q: %v, want ErrSignature", r.Body, HeaderTransmissionSig, r.Header.Get(HeaderTransmissionSig), err)
			}
			if e.Kind == payment.Paid || e.Kind == payment.Authorized || e.RegistrationID != 0 {
				t.Fatalf("body %q: event %+v from a bad signature", r.Body, e)
			}
		}
	})
}
