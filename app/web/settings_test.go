package web

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
	"github.com/admit/admit/plugins/stripe/stripetest"
)

func TestPaymentSettings(t *testing.T) {
	base := mockURL(t)
	e := newEnvWith(t, payment.NewRegistry())
	e.createEvent(paidEvent(nil))
	e.createEvent(paidEvent(map[string]any{"title": "Second"}))
	path := "/api/v1/settings/payments/stripe"
	e.run(t, []scenario{
		{name: "not connected", method: "GET", path: path, admin: true, status: 200, contains: []string{`"connected":false`}},
		{name: "needs admin", method: "GET", path: path, status: 401},
		{name: "unknown provider", method: "GET", path: "/api/v1/settings/payments/bitcoin", admin: true, status: 404},
		{name: "webhook while not connected", method: "POST", path: "/webhooks/stripe", body: `{"id":"evt_1"}`, status: 400, contains: []string{"bad_signature"}},
		{name: "webhook of an unknown provider", method: "POST", path: "/webhooks/bitcoin", body: `{}`, status: 400},
		{name: "paused while not connected", method: "POST", path: "/api/v1/public/events/intro-to-go/registrations", body: map[string]any{"name": "A", "email": "a@example.org", "provider": "stripe"}, status: 422, contains: []string{"provider_unavailable"}},
		{name: "missing key", method: "PUT", path: path, admin: true, body: map[string]any{"webhook_secret": "whsec_x"}, status: 422, contains: []string{`"secret_key"`}},
		{name: "unknown setting", method: "PUT", path: path, admin: true, body: map[string]any{"secret_key": stripeKeyOK, "colour": "red"}, status: 422, contains: []string{`"colour"`}},
		{name: "publishable key", method: "PUT", path: path, admin: true, body: map[string]any{"secret_key": "pk_test_abc", "api_base": base}, status: 422},
		{name: "refused key", method: "PUT", path: path, admin: true, body: map[string]any{"secret_key": "sk_test_too_many_parts", "api_base": base}, status: 422, contains: []string{"credentials_refused"}},
		{name: "connect", method: "PUT", path: path, admin: true, body: map[string]any{"secret_key": stripeKeyOK, "webhook_secret": "whsec_abcdefghijkl", "api_base": base}, status: 200,
			contains: []string{`"connected":true`, `"source":"settings"`, `"secret_key":"sk_test_••••`}, absent: []string{stripeKeyOK, "whsec_abcdefghijkl"}},
		{name: "read masked", method: "GET", path: path, admin: true, status: 200, contains: []string{`"connected":true`}, absent: []string{stripeKeyOK}},
		{name: "sells again", method: "POST", path: "/api/v1/public/events/intro-to-go/registrations", body: map[string]any{"name": "A", "email": "a@example.org", "provider": "stripe"}, status: 201, contains: []string{"checkout_url"}},
		{name: "disconnect pauses", method: "DELETE", path: path, admin: true, status: 200, contains: []string{`"connected":false`, `"paused_events":[`, `"slug":"intro-to-go"`, `"slug":"second"`}},
		{name: "paused", method: "POST", path: "/api/v1/public/events/second/registrations", body: map[string]any{"name": "B", "email": "b@example.org", "provider": "stripe"}, status: 422, contains: []string{"provider_unavailable"}},
		{name: "disconnect and make free", method: "DELETE", path: path, admin: true, body: map[string]any{"make_free": true}, status: 200, contains: []string{`"slug":"second"`}},
		{name: "free now", method: "POST", path: "/api/v1/public/events/second/registrations", body: map[string]any{"name": "B", "email": "b@example.org"}, status: 201, contains: []string{`"status":"confirmed"`}},
	})
	e.t = t
	if r := e.do("GET", "/api/v1/events/2", nil, true); !strings.Contains(string(r.Body), `"price":null`) {
		t.Fatalf("not made free: %s", r.Body)
	}
}

const stripeKeyOK = "sk_test_admitExampleKey1234"

// storedSetting is the raw value of a setting in the database.
func (e *env) storedSetting(key string) string {
	e.t.Helper()
	v, err := e.store.Setting(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// A copy of the database alone holds no provider secret: what PUT stores is
// sealed with a key derived from secret.key, opens again at the next start
// with the same key, and a start with another key fails, saying why.
func TestProviderSecretsSealed(t *testing.T) {
	base := mockURL(t)
	e := newEnvWith(t, payment.NewRegistry())
	path := "/api/v1/settings/payments/stripe"
	e.run(t, []scenario{
		{name: "connect", method: "PUT", path: path, admin: true, body: map[string]any{"secret_key": stripeKeyOK, "webhook_secret": whsec, "api_base": base}, status: 200,
			contains: []string{`"connected":true`}},
	})
	e.t = t
	raw := e.storedSetting("payments.stripe")
	if !strings.HasPrefix(raw, "enc:v1:") {
		t.Fatalf("stored in clear: %s", raw)
	}
	for _, secret := range []string{stripeKeyOK, whsec, "sk_test", "whsec_", "secret_key"} {
		if strings.Contains(raw, secret) {
			t.Fatalf("the database holds %q: %s", secret, raw)
		}
	}

	if err := e.restart(e.opts.Secret); err != nil {
		t.Fatalf("start with the same secret.key: %v", err)
	}
	body := []byte(stripetest.Event("evt_sealed_1", "customer.created", `{"id":"cus_1","object":"customer"}`))
	e.run(t, []scenario{
		{name: "connected after a restart", method: "GET", path: path, admin: true, status: 200,
			contains: []string{`"connected":true`, `"source":"settings"`, `"secret_key":"sk_test_••••1234"`}},
		{name: "webhook secret opened", method: "POST", path: "/webhooks/stripe", body: body,
			headers: []string{"Stripe-Signature", stripetest.Sign(whsec, time.Now(), body)}, status: 200},
	})
	e.t = t
	if got := e.storedSetting("payments.stripe"); got != raw {
		t.Fatal("a start must not seal a sealed value again")
	}

	err := e.restart(bytes.Repeat([]byte{9}, 32))
	if err == nil || !strings.Contains(err.Error(), "secret.key") || !strings.Contains(err.Error(), "payments.stripe") {
		t.Fatalf("a start with another key: %v, want an error naming the setting and secret.key", err)
	}
}

// Credentials stored in clear by an older Admit are sealed at the next start
// and still work.
func TestPlainProviderSecretsSealedAtStart(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry())
	plain := `{"secret_key":"sk_test_plainOldKey1234","webhook_secret":"whsec_plainOldSecret"}`
	if err := e.store.Write(context.Background(), func(tx *store.Tx) error { return tx.PutSetting("payments.stripe", plain) }); err != nil {
		t.Fatal(err)
	}
	if err := e.restart(e.opts.Secret); err != nil {
		t.Fatal(err)
	}
	raw := e.storedSetting("payments.stripe")
	if !strings.HasPrefix(raw, "enc:v1:") || strings.Contains(raw, "plainOld") {
		t.Fatalf("still in clear after a start: %s", raw)
	}
	body := []byte(stripetest.Event("evt_plain_1", "customer.created", `{"id":"cus_1","object":"customer"}`))
	e.run(t, []scenario{
		{name: "connected", method: "GET", path: "/api/v1/settings/payments/stripe", admin: true, status: 200,
			contains: []string{`"connected":true`, `"secret_key":"sk_test_••••1234"`, `"webhook_secret":"whsec_••••cret"`}},
		{name: "webhook verified with the old secret", method: "POST", path: "/webhooks/stripe", body: body,
			headers: []string{"Stripe-Signature", stripetest.Sign("whsec_plainOldSecret", time.Now(), body)}, status: 200},
		{name: "webhook with another secret", method: "POST", path: "/webhooks/stripe", body: body,
			headers: []string{"Stripe-Signature", stripetest.Sign(whsec, time.Now(), body)}, status: 400},
	})
	e.t = t
	if err := e.restart(e.opts.Secret); err != nil {
		t.Fatal(err)
	}
	if e.storedSetting("payments.stripe") != raw {
		t.Fatal("sealing at start is not idempotent")
	}
}
