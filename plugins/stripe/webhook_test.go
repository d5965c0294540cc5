package stripe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/admit/admit/app/payment"
)

const testWebhookSecret = "whsec_admit_test_0123456789abcdef"

// sign computes a Stripe-Signature header the way Stripe does:
// t=<unix>,v1=hex(HMAC-SHA256(secret, "<t>.<body>")).
func sign(secret string, at time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", at.Unix())
	mac.Write(body)
	return fmt.Sprintf("t=%d,v1=%s", at.Unix(), hex.EncodeToString(mac.Sum(nil)))
}

// eventJSON is a webhook body as Stripe sends it, with an API version other
// than stripe-go's own (endpoints and stripe-mock may use any).
func eventJSON(id, typ, object string, extra string) []byte {
	return []byte(`{"id":"` + id + `","object":"event","api_version":"2020-08-27","created":1717000000,` +
		`"livemode":false,"pending_webhooks":1,"type":"` + typ + `","data":{"object":` + object + extra + `}}`)
}

func session(status, paymentStatus, pi string) string {
	piJSON := "null"
	if pi != "" {
		piJSON = `"` + pi + `"`
	}
	return `{"id":"cs_test_1","object":"checkout.session","mode":"payment","status":"` + status +
		`","payment_status":"` + paymentStatus + `","amount_total":1999,"currency":"eur","client_reference_id":"42",` +
		`"metadata":{"registration_id":"42"},"payment_intent":` + piJSON + `}`
}

func webhookProvider(t *testing.T) *Provider {
	t.Helper()
	p, err := New(Config{SecretKey: testKey, WebhookSecret: testWebhookSecret})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func signed(body []byte) payment.WebhookRequest {
	return payment.WebhookRequest{Body: body, Header: http.Header{"Stripe-Signature": {sign(testWebhookSecret, time.Now(), body)}}}
}

func TestParseWebhookEvents(t *testing.T) {
	created := time.Unix(1717000000, 0).UTC()
	base := payment.Event{Provider: "stripe", CheckoutID: "cs_test_1", RegistrationID: 42, Amount: 1999, Currency: "EUR", OccurredAt: created}
	with := func(e payment.Event, f func(*payment.Event)) payment.Event { f(&e); return e }
	for _, tc := range []struct {
		name string
		body []byte
		want payment.Event
	}{
		{"completed and paid", eventJSON("evt_1", "checkout.session.completed", session("complete", "paid", "pi_1"), ""),
			with(base, func(e *payment.Event) { e.ID, e.Kind, e.PaymentID = "evt_1", payment.Paid, "pi_1" })},
		{"completed, asynchronous payment still processing", eventJSON("evt_2", "checkout.session.completed", session("complete", "unpaid", "pi_1"), ""),
			with(base, func(e *payment.Event) { e.ID, e.Kind, e.PaymentID = "evt_2", payment.Pending, "pi_1" })},
		{"asynchronous payment succeeded", eventJSON("evt_3", "checkout.session.async_payment_succeeded", session("complete", "paid", "pi_1"), ""),
			with(base, func(e *payment.Event) { e.ID, e.Kind, e.PaymentID = "evt_3", payment.Paid, "pi_1" })},
		{"asynchronous payment failed", eventJSON("evt_4", "checkout.session.async_payment_failed", session("complete", "unpaid", "pi_1"), ""),
			with(base, func(e *payment.Event) { e.ID, e.Kind, e.PaymentID = "evt_4", payment.Failed, "pi_1" })},
		{"expired", eventJSON("evt_5", "checkout.session.expired", session("expired", "unpaid", ""), ""),
			with(base, func(e *payment.Event) { e.ID, e.Kind = "evt_5", payment.Expired })},
		{"registration from client_reference_id alone", eventJSON("evt_6", "checkout.session.completed",
			`{"id":"cs_test_1","object":"checkout.session","status":"complete","payment_status":"paid","amount_total":1999,"currency":"eur","client_reference_id":"42","metadata":{},"payment_intent":{"id":"pi_1","object":"payment_intent"}}`, ""),
			with(base, func(e *payment.Event) { e.ID, e.Kind, e.PaymentID = "evt_6", payment.Paid, "pi_1" })},
		{"charge refunded", eventJSON("evt_7", "charge.refunded",
			`{"id":"ch_1","object":"charge","amount":1999,"amount_refunded":1999,"refunded":true,"currency":"eur","payment_intent":"pi_1","metadata":{}}`, ""),
			// Without previous_attributes this refund's own amount is unknown (0):
			// the total is what counts.
			payment.Event{ID: "evt_7", Provider: "stripe", Kind: payment.Refunded, PaymentID: "pi_1", Amount: 0, RefundedTotal: 1999, Currency: "EUR", OccurredAt: created}},
		{"second partial refund", eventJSON("evt_8", "charge.refunded",
			`{"id":"ch_1","object":"charge","amount":1999,"amount_refunded":1500,"refunded":false,"currency":"eur","payment_intent":"pi_1","metadata":{"registration_id":"42"}}`,
			`,"previous_attributes":{"amount_refunded":500}`),
			payment.Event{ID: "evt_8", Provider: "stripe", Kind: payment.Refunded, PaymentID: "pi_1", RegistrationID: 42, Amount: 1000, RefundedTotal: 1500, Currency: "EUR", OccurredAt: created}},
		{"refund listed on the charge (older API versions)", eventJSON("evt_11", "charge.refunded",
			`{"id":"ch_1","object":"charge","amount":1999,"amount_refunded":1500,"currency":"eur","payment_intent":"pi_1","metadata":{},
			  "refunds":{"object":"list","has_more":false,"data":[
			    {"id":"re_2","object":"refund","amount":1000,"created":1717000000},
			    {"id":"re_1","object":"refund","amount":500,"created":1716000000}]}}`, ""),
			payment.Event{ID: "evt_11", Provider: "stripe", Kind: payment.Refunded, PaymentID: "pi_1", RefundID: "re_2", Amount: 1000, RefundedTotal: 1500, Currency: "EUR", OccurredAt: created}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := webhookProvider(t).ParseWebhook(ctxT(t), signed(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	body := eventJSON("evt_1", "checkout.session.completed", session("complete", "paid", "pi_1"), "")
	now := time.Now()
	for _, tc := range []struct {
		name    string
		body    []byte
		header  http.Header
		is      error
		contain string
	}{
		{"unknown type", eventJSON("evt_9", "customer.created", `{"id":"cus_1","object":"customer"}`, ""), nil, payment.ErrIgnored, "customer.created"},
		{"checkout that is not ours", eventJSON("evt_10", "checkout.session.completed",
			`{"id":"cs_other","object":"checkout.session","status":"complete","payment_status":"paid","amount_total":500,"currency":"usd","metadata":{}}`, ""),
			nil, payment.ErrIgnored, "not an Admit checkout"},
		{"forged: signed with another secret", body, http.Header{"Stripe-Signature": {sign("whsec_attacker", now, body)}}, payment.ErrSignature, "does not match"},
		{"stale: signed 6 minutes ago", body, http.Header{"Stripe-Signature": {sign(testWebhookSecret, now.Add(-6*time.Minute), body)}}, payment.ErrSignature, "more than 5m0s ago"},
		{"missing header", body, http.Header{}, payment.ErrSignature, "without a Stripe-Signature header"},
		{"tampered body", []byte(strings.Replace(string(body), `"amount_total":1999`, `"amount_total":1`, 1)),
			http.Header{"Stripe-Signature": {sign(testWebhookSecret, now, body)}}, payment.ErrSignature, "does not match"},
		{"malformed header", body, http.Header{"Stripe-Signature": {"t=abc,v1=00"}}, payment.ErrSignature, "malformed"},
		{"no v1 signature", body, http.Header{"Stripe-Signature": {fmt.Sprintf("t=%d,v0=abcd", now.Unix())}}, payment.ErrSignature, "does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := signed(tc.body)
			if tc.header != nil {
				r.Header = tc.header
			}
			_, err := webhookProvider(t).ParseWebhook(ctxT(t), r)
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.contain) {
				t.Errorf("error %q does not contain %q", err, tc.contain)
			}
		})
	}
}

func TestParseWebhookSignatureForms(t *testing.T) {
	body := eventJSON("evt_1", "checkout.session.expired", session("expired", "unpaid", ""), "")
	now := time.Now()
	for _, tc := range []struct {
		name   string
		header http.Header
	}{
		{"header key not canonical", http.Header{"stripe-signature": {sign(testWebhookSecret, now, body)}}},
		{"rolled secret: one of two signatures valid", http.Header{"Stripe-Signature": {
			sign("whsec_old", now, body) + ",v1=" + strings.SplitN(sign(testWebhookSecret, now, body), "v1=", 2)[1]}}},
		{"signed by stripe-go's test helper", http.Header{"Stripe-Signature": {webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
			Payload: body, Secret: testWebhookSecret, Timestamp: now}).Header}}},
		{"4 minutes old", http.Header{"Stripe-Signature": {sign(testWebhookSecret, now.Add(-4*time.Minute), body)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := webhookProvider(t).ParseWebhook(ctxT(t), payment.WebhookRequest{Body: body, Header: tc.header})
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != payment.Expired || ev.ID != "evt_1" {
				t.Errorf("event %+v", ev)
			}
		})
	}
}

func TestParseWebhookWithoutSecret(t *testing.T) {
	p, err := New(Config{SecretKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	body := eventJSON("evt_1", "checkout.session.expired", session("expired", "unpaid", ""), "")
	for _, secret := range []string{"", testWebhookSecret} {
		r := payment.WebhookRequest{Body: body, Header: http.Header{"Stripe-Signature": {sign(secret, time.Now(), body)}}}
		if _, err := p.ParseWebhook(ctxT(t), r); !errors.Is(err, payment.ErrSignature) {
			t.Errorf("signed with %q: %v, want ErrSignature", secret, err)
		}
	}
}

func TestParseWebhookSignedButNotAnEvent(t *testing.T) {
	_, err := webhookProvider(t).ParseWebhook(ctxT(t), signed([]byte(`not json`)))
	if err == nil || errors.Is(err, payment.ErrSignature) || errors.Is(err, payment.ErrIgnored) {
		t.Fatalf("error %v: want a plain error (well signed, so not a signature problem)", err)
	}
}
