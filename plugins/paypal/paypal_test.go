package paypal

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pp "github.com/plutov/paypal/v4"

	"github.com/admit/admit/app/payment"
)

func checkoutRequest(reg int64, amount int64, currency string) payment.CheckoutRequest {
	return payment.CheckoutRequest{
		RegistrationID: reg, Amount: amount, Currency: currency,
		Title: "Go concurrency, live", Email: "ada@example.com", Locale: "fr",
		ExpiresAt:      time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC),
		SuccessURL:     "https://tickets.example.com/pay/paypal/return?registration=" + itoa(reg),
		CancelURL:      "https://tickets.example.com/pay/paypal/cancel?registration=" + itoa(reg),
		IdempotencyKey: "checkout-" + itoa(reg),
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func returnQuery(orderID string) url.Values {
	return url.Values{"registration": {"1"}, "token": {orderID}, "PayerID": {"QYR5Z8XDVJNXQ"}}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      Config
		wantBase string
		wantErr  error
		errText  string
	}{
		{"sandbox by default", Config{ClientID: "id", ClientSecret: "s"}, pp.APIBaseSandBox, nil, ""},
		{"sandbox", Config{ClientID: "id", ClientSecret: "s", Mode: "sandbox"}, pp.APIBaseSandBox, nil, ""},
		{"live", Config{ClientID: "id", ClientSecret: "s", Mode: "live"}, pp.APIBaseLive, nil, ""},
		{"api base wins", Config{ClientID: "id", ClientSecret: "s", Mode: "live", APIBase: "http://127.0.0.1:9/"}, "http://127.0.0.1:9", nil, ""},
		{"no client id", Config{ClientSecret: "s"}, "", payment.ErrCredentials, "client id and client secret"},
		{"no secret", Config{ClientID: "id", ClientSecret: "  "}, "", payment.ErrCredentials, "client id and client secret"},
		{"bad mode", Config{ClientID: "id", ClientSecret: "s", Mode: "prod"}, "", nil, `mode "prod"`},
		{"bad api base", Config{ClientID: "id", ClientSecret: "s", APIBase: "api.paypal.com"}, "", nil, "http:// or https://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(tc.cfg)
			if tc.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errText) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
					t.Fatalf("New = %v; want an error with %q (%v)", err, tc.errText, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantMode := "sandbox"
			if tc.cfg.Mode == "live" {
				wantMode = "live"
			}
			if p.APIBase() != tc.wantBase || p.Name() != "paypal" || p.Mode() != wantMode {
				t.Fatalf("APIBase %q Name %q Mode %q; want %q, %s", p.APIBase(), p.Name(), p.Mode(), tc.wantBase, wantMode)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	if err := f.provider(t).Check(ctx); err != nil {
		t.Fatalf("good credentials: %v", err)
	}
	bad := f.provider(t, func(c *Config) { c.ClientSecret = "wrong" })
	err := bad.Check(ctx)
	if !errors.Is(err, payment.ErrCredentials) || !strings.Contains(err.Error(), "client id or secret refused") {
		t.Fatalf("bad secret: %v", err)
	}
	// Every other call says the same with bad credentials.
	if _, err := bad.CreateCheckout(ctx, checkoutRequest(1, 1000, "USD")); !errors.Is(err, payment.ErrCredentials) {
		t.Fatalf("checkout with bad credentials: %v", err)
	}
	// An unreachable PayPal is not a credentials problem.
	down := f.provider(t, func(c *Config) { c.APIBase = "http://127.0.0.1:1" })
	if err := down.Check(ctx); err == nil || errors.Is(err, payment.ErrCredentials) {
		t.Fatalf("unreachable: %v", err)
	}
}

// PayPal refusing a token before its announced expiry: the provider gets a
// new one and the call goes through.
func TestTokenRefusedIsRenewed(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	co, err := p.CreateCheckout(ctx, checkoutRequest(1, 1000, "USD"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Status(ctx, co.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.Calls("POST /v1/oauth2/token"); n != 1 {
		t.Fatalf("%d token requests, want 1 (the token is reused)", n)
	}
	f.RevokeTokens()
	if _, err := p.Status(ctx, co.ID); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if n := f.Calls("POST /v1/oauth2/token"); n != 2 {
		t.Fatalf("%d token requests, want 2", n)
	}
}

// Return pages, the reconciler and webhooks run at once on a shared
// provider (go test -race).
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	var ids []string
	for reg := int64(1); reg <= 4; reg++ {
		co, err := p.CreateCheckout(ctx, checkoutRequest(reg, 1000+reg, "USD"))
		if err != nil {
			t.Fatal(err)
		}
		f.Approve(co.ID)
		ids = append(ids, co.ID)
	}
	var wg sync.WaitGroup
	events := make(chan payment.Event, 64)
	errs := make(chan error, 64)
	for _, id := range ids {
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func(id string, i int) {
				defer wg.Done()
				var ev payment.Event
				var err error
				if i%2 == 0 {
					ev, err = p.Return(ctx, returnQuery(id))
				} else {
					ev, err = p.Status(ctx, id)
				}
				if err != nil {
					errs <- err
					return
				}
				events <- ev
			}(id, i)
		}
	}
	wg.Add(1)
	go func() { defer wg.Done(); _ = p.Check(ctx) }()
	wg.Wait()
	close(events)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	byOrder := map[string]string{}
	for ev := range events {
		if ev.Kind != payment.Paid {
			t.Errorf("%+v", ev)
		}
		if prev, ok := byOrder[ev.CheckoutID]; ok && prev != ev.ID {
			t.Errorf("order %s reported as %s and %s", ev.CheckoutID, prev, ev.ID)
		}
		byOrder[ev.CheckoutID] = ev.ID
	}
	if hooks := f.Webhooks(); len(hooks) != len(ids) {
		t.Errorf("%d captures for %d orders", len(hooks), len(ids))
	}
}
