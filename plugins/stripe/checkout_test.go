package stripe

import (
	"errors"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
)

func checkoutRequest() payment.CheckoutRequest {
	return payment.CheckoutRequest{
		RegistrationID: 42,
		Amount:         1999,
		Currency:       "EUR",
		Title:          "Go for webinar hosts",
		Email:          "ada@example.com",
		Locale:         "fr-CA",
		ExpiresAt:      fixedNow.Add(2 * time.Hour),
		SuccessURL:     "https://admit.example/e/go/paid?r=42",
		CancelURL:      "https://admit.example/e/go?cancelled=1",
		IdempotencyKey: "checkout-42",
	}
}

func TestCreateCheckoutSendsTheSession(t *testing.T) {
	p, rec := newMocked(t)
	co, err := p.CreateCheckout(ctxT(t), checkoutRequest())
	if err != nil {
		t.Fatal(err)
	}
	if co.ID == "" || co.RedirectURL == "" {
		t.Fatalf("checkout %+v: want an id and a redirect URL", co)
	}
	if u, err := url.Parse(co.RedirectURL); err != nil || u.Scheme != "https" {
		t.Errorf("redirect URL %q is not an https URL", co.RedirectURL)
	}

	req := rec.last(t)
	if req.Method != "POST" || req.Path != "/v1/checkout/sessions" {
		t.Fatalf("sent %s %s", req.Method, req.Path)
	}
	if got := req.Header.Get("Idempotency-Key"); got != "checkout-42" {
		t.Errorf("Idempotency-Key = %q, want checkout-42", got)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q, want the instance's key", got)
	}
	want := map[string]string{
		"mode":                      "payment",
		"client_reference_id":       "42",
		"metadata[registration_id]": "42",
		"payment_intent_data[metadata][registration_id]": "42",
		"line_items[0][price_data][currency]":            "eur",
		"line_items[0][price_data][unit_amount]":         "1999",
		"line_items[0][price_data][product_data][name]":  "Go for webinar hosts",
		"line_items[0][quantity]":                        "1",
		"customer_email":                                 "ada@example.com",
		"expires_at":                                     strconv.FormatInt(fixedNow.Add(2*time.Hour).Unix(), 10),
		"success_url":                                    "https://admit.example/e/go/paid?r=42&session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":                                     "https://admit.example/e/go?cancelled=1",
		"locale":                                         "fr",
	}
	for k, v := range want {
		if got := req.Form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for k := range req.Form {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected parameter %s=%q", k, req.Form.Get(k))
		}
	}
}

func TestCreateCheckoutClampsExpiresAt(t *testing.T) {
	p, rec := newMocked(t)
	for _, tc := range []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"hold of 30 minutes is raised above Stripe's minimum", fixedNow.Add(30 * time.Minute), fixedNow.Add(31 * time.Minute)},
		{"hold already over", fixedNow.Add(-time.Hour), fixedNow.Add(31 * time.Minute)},
		{"unset", time.Time{}, fixedNow.Add(31 * time.Minute)},
		{"inside the window", fixedNow.Add(3 * time.Hour), fixedNow.Add(3 * time.Hour)},
		{"beyond 24 hours", fixedNow.Add(72 * time.Hour), fixedNow.Add(24*time.Hour - time.Minute)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := checkoutRequest()
			r.ExpiresAt = tc.at
			if _, err := p.CreateCheckout(ctxT(t), r); err != nil {
				t.Fatal(err)
			}
			got := rec.last(t).Form.Get("expires_at")
			if got != strconv.FormatInt(tc.want.Unix(), 10) {
				t.Errorf("expires_at = %s, want %d (%s)", got, tc.want.Unix(), tc.want.Sub(fixedNow))
			}
		})
	}
}

func TestCreateCheckoutEveryCurrency(t *testing.T) {
	p, rec := newMocked(t)
	for _, code := range pricing.Codes() {
		t.Run(code, func(t *testing.T) {
			c, _ := pricing.Lookup(code)
			r := checkoutRequest()
			r.Currency = code
			r.Amount = c.Min() * 5
			if _, err := p.CreateCheckout(ctxT(t), r); err != nil {
				t.Fatal(err)
			}
			f := rec.last(t).Form
			if got := f.Get("line_items[0][price_data][currency]"); got != lower(code) {
				t.Errorf("currency = %q", got)
			}
			if got := f.Get("line_items[0][price_data][unit_amount]"); got != strconv.FormatInt(r.Amount, 10) {
				t.Errorf("unit_amount = %q, want %d", got, r.Amount)
			}
		})
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestCreateCheckoutRefusesBeforeCallingStripe(t *testing.T) {
	p, rec := newCanned(t) // any request would fail: none is expected
	for _, tc := range []struct {
		name   string
		change func(*payment.CheckoutRequest)
		is     error
	}{
		{"currency Stripe is not offered in", func(r *payment.CheckoutRequest) { r.Currency = "JPY" }, payment.ErrCurrency},
		{"lower-case unknown currency", func(r *payment.CheckoutRequest) { r.Currency = "xxx" }, payment.ErrCurrency},
		{"zero amount", func(r *payment.CheckoutRequest) { r.Amount = 0 }, nil},
		{"no registration", func(r *payment.CheckoutRequest) { r.RegistrationID = 0 }, nil},
		{"no success URL", func(r *payment.CheckoutRequest) { r.SuccessURL = "" }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := checkoutRequest()
			tc.change(&r)
			_, err := p.CreateCheckout(ctxT(t), r)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestCreateCheckoutStripeRefusal(t *testing.T) {
	p, _ := newCanned(t, answer{"POST", "/v1/checkout/sessions", 400, `{"error":{
		"type":"invalid_request_error","code":"amount_too_small","param":"line_items[0][price_data][unit_amount]",
		"message":"The Checkout Session's total amount due must add up to at least €0.50 eur."}}`})
	_, err := p.CreateCheckout(ctxT(t), checkoutRequest())
	if err == nil {
		t.Fatal("accepted")
	}
	want := "stripe: creating the checkout session: The Checkout Session's total amount due must add up to at least €0.50 eur (code amount_too_small param line_items[0][price_data][unit_amount]) (request req_test)"
	if err.Error() != want {
		t.Errorf("error\n %s\nwant\n %s", err, want)
	}
}

func TestSupports(t *testing.T) {
	p, _ := newCanned(t)
	for _, c := range pricing.Codes() {
		if !p.Supports(c) {
			t.Errorf("%s not supported", c)
		}
	}
	if n := len(pricing.Codes()); n != 21 {
		t.Errorf("pricing has %d currencies, docs/API.md lists 21", n)
	}
	for _, c := range []string{"JPY", "", "EURO"} {
		if p.Supports(c) {
			t.Errorf("%q supported", c)
		}
	}
}

func TestCheckoutLocale(t *testing.T) {
	for in, want := range map[string]string{
		"en": "en", "fr": "fr", "es": "es", "ru": "ru", "de": "de",
		"fr-CA": "fr", "de_DE": "de", "EN": "en", " es ": "es",
		"": "auto", "it": "auto", "pt-BR": "auto", "zz": "auto",
	} {
		if got := checkoutLocale(in); got != want {
			t.Errorf("checkoutLocale(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSuccessURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example/paid":                      "https://a.example/paid?session_id={CHECKOUT_SESSION_ID}",
		"https://a.example/paid?r=1":                  "https://a.example/paid?r=1&session_id={CHECKOUT_SESSION_ID}",
		"https://a.example/paid?":                     "https://a.example/paid?session_id={CHECKOUT_SESSION_ID}",
		"https://a.example/paid#top":                  "https://a.example/paid?session_id={CHECKOUT_SESSION_ID}#top",
		"https://a.example/p?s={CHECKOUT_SESSION_ID}": "https://a.example/p?s={CHECKOUT_SESSION_ID}",
	} {
		if got := successURL(in); got != want {
			t.Errorf("successURL(%q) = %q, want %q", in, got, want)
		}
	}
}
