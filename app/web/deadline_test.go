package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/ticketing"
	"github.com/admit/admit/plugins/paypal"
	"github.com/admit/admit/plugins/stripe"
	"github.com/admit/admit/plugins/stripe/stripetest"
)

// silentProvider is an address that accepts connections and never answers:
// a provider that took the request and went quiet.
func silentProvider(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// answerOf sends one request and waits for its answer, at most 30 s: far
// beyond the deadline these tests give providers (200 ms), far below what a
// silent provider held a request without one (60 s for PayPal's client,
// 240 s for Stripe's with its retries).
func (e *env) answerOf(method, path string, body any, admin bool) response {
	e.t.Helper()
	j, _ := json.Marshal(body)
	req := httptest.NewRequest(method, path, bytes.NewReader(j))
	req.Header.Set("Content-Type", "application/json")
	if admin {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	res, err := e.app.Test(req, int((30 * time.Second).Milliseconds()))
	if err != nil {
		e.t.Fatalf("%s %s: no answer: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// TestSilentProviderReleasesTheSeat: when the payment provider accepts the
// connection and never answers, registration answers 502 provider_error
// once the provider deadline has passed, and the seat is free again (the
// next buyer gets the same answer, not sold_out). Checking keys against
// such a provider answers 502 too.
func TestSilentProviderReleasesTheSeat(t *testing.T) {
	base := silentProvider(t)
	providers := map[string]func() (payment.Provider, error){
		"stripe": func() (payment.Provider, error) {
			return stripe.New(stripe.Config{SecretKey: stripetest.Key, WebhookSecret: whsec, APIBase: base})
		},
		"paypal": func() (payment.Provider, error) {
			return paypal.New(paypal.Config{ClientID: "client", ClientSecret: "secret", APIBase: base})
		},
	}
	short := func(o *ticketing.Options, _ *Deps) { o.ProviderTimeout = 200 * time.Millisecond }
	for name, build := range providers {
		t.Run(name, func(t *testing.T) {
			p, err := build()
			if err != nil {
				t.Fatal(err)
			}
			reg := payment.NewRegistry()
			reg.Set(p)
			e := newEnvWith(t, reg, short)
			e.createEvent(paidEvent(map[string]any{"capacity": 1, "providers": []string{name}}))
			for _, who := range []string{"ada", "bob"} {
				r := e.answerOf("POST", "/api/v1/public/events/intro-to-go/registrations",
					map[string]any{"name": who, "email": who + "@example.org", "provider": name}, false)
				if r.Status != 502 || !strings.Contains(string(r.Body), `"code":"provider_error"`) {
					t.Fatalf("%s registers with a silent %s: %d %s; want 502 provider_error", who, name, r.Status, r.Body)
				}
			}
			if r := e.do("GET", "/api/v1/public/events/intro-to-go", nil, false); !strings.Contains(string(r.Body), `"seats_left":1`) {
				t.Fatalf("the seat was not released: %s", r.Body)
			}
			for id := int64(1); id <= 2; id++ {
				if st := e.reg(id).Status; st != model.StatusExpired {
					t.Errorf("registration %d is %s, want expired", id, st)
				}
			}
		})
	}
	t.Run("checking keys", func(t *testing.T) {
		e := newEnvWith(t, payment.NewRegistry(), short)
		r := e.answerOf("PUT", "/api/v1/settings/payments/stripe", map[string]any{"secret_key": stripeKeyOK, "api_base": base}, true)
		if r.Status != 502 || !strings.Contains(string(r.Body), `"code":"provider_error"`) {
			t.Fatalf("connect to a silent stripe: %d %s; want 502 provider_error", r.Status, r.Body)
		}
	})
}
