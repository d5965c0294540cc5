package web

import (
	"testing"

	"github.com/admit/admit/app/ticketing"
)

// TestStrictTransportSecurity: with an https public URL every answer tells
// browsers to keep to https; with a plain http one (a local trial) none does.
func TestStrictTransportSecurity(t *testing.T) {
	for _, tc := range []struct{ publicURL, want string }{
		{"https://tickets.example.org", "max-age=31536000"},
		{"HTTPS://tickets.example.org", "max-age=31536000"},
		{"http://127.0.0.1:8080", ""},
	} {
		e := newEnvWith(t, nil, func(o *ticketing.Options, _ *Deps) { o.PublicURL = tc.publicURL })
		for _, path := range []string{"/healthz", "/e/nothing", "/api/v1/events"} {
			if got := e.do("GET", path, nil, false).Header.Get("Strict-Transport-Security"); got != tc.want {
				t.Errorf("public URL %s, GET %s: Strict-Transport-Security %q, want %q", tc.publicURL, path, got, tc.want)
			}
		}
	}
}

// TestProviderAPIBaseMustBeHTTPS: a provider's keys travel to its api_base,
// so one set through the API is https, or plain http to a loopback address
// only (which then is asked, here in vain: nothing listens there).
func TestProviderAPIBaseMustBeHTTPS(t *testing.T) {
	e := newEnv(t)
	stripe, paypal := "/api/v1/settings/payments/stripe", "/api/v1/settings/payments/paypal"
	key := func(base string) map[string]any { return map[string]any{"secret_key": stripeKeyOK, "api_base": base} }
	app := func(base string) map[string]any {
		return map[string]any{"client_id": "id", "client_secret": "secret", "api_base": base}
	}
	refused := []string{`"code":"validation"`, `"api_base":"must be an https:// URL`}
	e.run(t, []scenario{
		{name: "plain http elsewhere", method: "PUT", path: stripe, admin: true, body: key("http://api.stripe.com"), status: 422, contains: refused},
		{name: "plain http to a private address", method: "PUT", path: paypal, admin: true, body: app("http://10.0.0.7:8080"), status: 422, contains: refused},
		{name: "plain http to a name that looks local", method: "PUT", path: paypal, admin: true, body: app("http://127.0.0.1.example.org"), status: 422, contains: refused},
		{name: "another scheme", method: "PUT", path: stripe, admin: true, body: key("ftp://127.0.0.1/"), status: 422, contains: refused},
		{name: "not a URL", method: "PUT", path: stripe, admin: true, body: key("api.stripe.com"), status: 422, contains: refused},
		{name: "loopback by address", method: "PUT", path: paypal, admin: true, body: app("http://127.0.0.1:1"), status: 502, contains: []string{"provider_error"}},
		{name: "loopback IPv6", method: "PUT", path: paypal, admin: true, body: app("http://[::1]:1"), status: 502, contains: []string{"provider_error"}},
		{name: "localhost", method: "PUT", path: paypal, admin: true, body: app("http://localhost:1"), status: 502, contains: []string{"provider_error"}},
	})
}
