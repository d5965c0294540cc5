package stripe

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
)

// FuzzParseWebhook: whatever the body and the Stripe-Signature header,
// ParseWebhook does not panic; a body signed with the endpoint's secret is
// parsed (any outcome), and the same body under a header that is not its
// signature, or changed after signing, is always ErrSignature and never an
// event, least of all a confirmed payment.
func FuzzParseWebhook(f *testing.F) {
	f.Add(eventJSON("evt_1", "checkout.session.completed", session("complete", "paid", "pi_1"), ""), "t=1,v1=00")
	f.Add(eventJSON("evt_2", "charge.refunded", `{"id":"ch_1","object":"charge","amount":1999,"amount_refunded":500,"payment_intent":"pi_1"}`, ""), "")
	f.Add(eventJSON("evt_3", "checkout.session.expired", session("expired", "unpaid", ""), ""), "v1=,t=")
	f.Add([]byte(`{"type":"checkout.session.completed","data":{"object":{"metadata":{"registration_id":"-1"}}}}`), "t=99999999999,v1=zz")
	f.Add([]byte(`not json`), "garbage")
	f.Add([]byte{}, "")
	p, err := New(Config{SecretKey: testKey, WebhookSecret: testWebhookSecret})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		ctx := context.Background()
		_, _ = p.ParseWebhook(ctx, signed(body)) // any outcome but a panic

		good := sign(testWebhookSecret, time.Now(), body)
		var bad []payment.WebhookRequest
		if header != good {
			bad = append(bad, payment.WebhookRequest{Body: body, Header: http.Header{"Stripe-Signature": {header}}})
		}
		changed := append(append([]byte{}, body...), ' ')
		bad = append(bad, payment.WebhookRequest{Body: changed, Header: http.Header{"Stripe-Signature": {good}}})
		for _, r := range bad {
			e, err := p.ParseWebhook(ctx, r)
			if !errors.Is(err, payment.ErrSignature) {
				t.Fatalf("body %q with Stripe-Signature %q: %v, want ErrSignature", r.Body, r.Header.Get("Stripe-Signature"), err)
			}
			if e.Kind == payment.Paid || e.Kind == payment.Authorized || e.RegistrationID != 0 {
				t.Fatalf("body %q with Stripe-Signature %q: event %+v from a bad signature", r.Body, r.Header.Get("Stripe-Signature"), e)
			}
		}
	})
}
