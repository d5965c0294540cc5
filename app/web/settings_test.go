package web

import (
	"strings"
	"testing"

	"github.com/admit/admit/app/payment"
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
