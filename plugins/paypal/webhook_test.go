package paypal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/admit/admit/app/payment"
)

// paidDelivery runs a checkout to its capture and returns PayPal's
// PAYMENT.CAPTURE.COMPLETED delivery.
func paidDelivery(t *testing.T, f *fakePayPal, p *Provider, reg int64) fakeDelivery {
	t.Helper()
	ctx := context.Background()
	co, err := p.CreateCheckout(ctx, checkoutRequest(reg, 2999, "EUR"))
	if err != nil {
		t.Fatal(err)
	}
	f.Approve(co.ID)
	if _, err := p.Return(ctx, returnQuery(co.ID)); err != nil {
		t.Fatal(err)
	}
	hooks := f.Webhooks()
	if len(hooks) != 1 || hooks[0].EventType != EventCaptureCompleted {
		t.Fatalf("webhooks %+v", hooks)
	}
	return hooks[0]
}

func TestWebhookSignature(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	d := paidDelivery(t, f, p, 11)

	t.Run("valid", func(t *testing.T) {
		ev, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: d.Body, Header: d.Header})
		if err != nil || ev.Kind != payment.Paid || ev.Amount != 2999 || ev.RegistrationID != 11 {
			t.Fatalf("%+v, %v", ev, err)
		}
		// Delivered again (PayPal retries): the same event id, so the
		// domain applies it once.
		again, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: d.Body, Header: d.Header})
		if err != nil || again.ID != ev.ID {
			t.Fatalf("redelivery: %+v, %v", again, err)
		}
	})

	t.Run("forged body", func(t *testing.T) {
		forged := bytes.Replace(d.Body, []byte(`"value":"29.99"`), []byte(`"value":"0.01"`), 1)
		if bytes.Equal(forged, d.Body) {
			t.Fatal("nothing replaced")
		}
		_, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: forged, Header: d.Header})
		if !errors.Is(err, payment.ErrSignature) {
			t.Fatalf("%v", err)
		}
	})

	t.Run("forged signature", func(t *testing.T) {
		h := d.Header.Clone()
		h.Set("Paypal-Transmission-Sig", "bG9vayBtYSwgbm8gc2lnbmF0dXJl")
		if _, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: d.Body, Header: h}); !errors.Is(err, payment.ErrSignature) {
			t.Fatalf("%v", err)
		}
	})

	t.Run("signed for another webhook", func(t *testing.T) {
		h := f.Sign(d.Body, "1JE4291016473214C")
		if _, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: d.Body, Header: h}); !errors.Is(err, payment.ErrSignature) {
			t.Fatalf("%v", err)
		}
	})

	t.Run("provider configured with another webhook id", func(t *testing.T) {
		other := f.provider(t, func(c *Config) { c.WebhookID = "1JE4291016473214C" })
		if _, err := other.ParseWebhook(ctx, payment.WebhookRequest{Body: d.Body, Header: d.Header}); !errors.Is(err, payment.ErrSignature) {
			t.Fatalf("%v", err)
		}
	})

	t.Run("missing headers never reach PayPal", func(t *testing.T) {
		before := f.Calls("POST /v1/notifications/verify-webhook-signature")
		for _, name := range []string{HeaderAuthAlgo, HeaderCertURL, HeaderTransmissionID, HeaderTransmissionSig, HeaderTransmissionTime} {
			h := d.Header.Clone()
			h.Del(name)
			_, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: d.Body, Header: h})
			if !errors.Is(err, payment.ErrSignature) || !strings.Contains(err.Error(), name) {
				t.Errorf("without %s: %v", name, err)
			}
		}
		if _, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: d.Body}); !errors.Is(err, payment.ErrSignature) {
			t.Errorf("no headers: %v", err)
		}
		for _, body := range []string{"", "not json", `["a"]`, `{"id":`} {
			if _, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: []byte(body), Header: d.Header}); !errors.Is(err, payment.ErrSignature) {
				t.Errorf("body %q: %v", body, err)
			}
		}
		if n := f.Calls("POST /v1/notifications/verify-webhook-signature"); n != before {
			t.Errorf("%d verification calls", n-before)
		}
	})

	t.Run("no webhook id configured", func(t *testing.T) {
		none := f.provider(t, func(c *Config) { c.WebhookID = "" })
		if _, err := none.ParseWebhook(ctx, payment.WebhookRequest{Body: d.Body, Header: d.Header}); !errors.Is(err, payment.ErrSignature) {
			t.Fatalf("%v", err)
		}
	})

	t.Run("PayPal unreachable", func(t *testing.T) {
		down := f.provider(t, func(c *Config) { c.APIBase = "http://127.0.0.1:1" })
		if _, err := down.ParseWebhook(ctx, payment.WebhookRequest{Body: d.Body, Header: d.Header}); !errors.Is(err, payment.ErrSignature) {
			t.Fatalf("%v", err)
		}
	})

	t.Run("bad credentials", func(t *testing.T) {
		bad := f.provider(t, func(c *Config) { c.ClientSecret = "nope" })
		_, err := bad.ParseWebhook(ctx, payment.WebhookRequest{Body: d.Body, Header: d.Header})
		if !errors.Is(err, payment.ErrSignature) || !errors.Is(err, payment.ErrCredentials) {
			t.Fatalf("%v", err)
		}
	})
}

// PayPal signs the bytes it sent. The event goes back to
// verify-webhook-signature exactly as received: indentation, key order and
// "&" untouched.
func TestWebhookBodyForwardedVerbatim(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	f.SetPretty(true)
	p := f.provider(t)
	d := paidDelivery(t, f, p, 12)
	if !bytes.Contains(d.Body, []byte("\n  ")) {
		t.Fatal("the fake did not indent")
	}
	if _, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: d.Body, Header: d.Header}); err != nil {
		t.Fatal(err)
	}
	got := f.VerifiedEvents()
	if !bytes.Equal(got[len(got)-1], d.Body) {
		t.Fatalf("PayPal got\n%s\nwant\n%s", got[len(got)-1], d.Body)
	}

	// And an event with "&" (PayPal does not escape it; encoding/json would).
	body := []byte(`{"id":"WH-AMP-1","event_type":"CHECKOUT.ORDER.APPROVED","resource_type":"checkout-order","summary":"Q&A <live>","resource":{"id":"5O1"}}`)
	_, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: body, Header: f.Sign(body, fakeWebhookID)})
	if !errors.Is(err, payment.ErrIgnored) {
		t.Fatalf("%v, want ErrIgnored (verified, not acted on)", err)
	}
}

// Why the plugin does not call plutov's VerifyWebhookSignature: it re-encodes
// the event (json.RawMessage is compacted), so a delivery that is not already
// compact JSON fails verification.
func TestPlutovVerifyReencodes(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	f.SetPretty(true)
	p := f.provider(t)
	d := paidDelivery(t, f, p, 13)
	req, _ := http.NewRequest(http.MethodPost, "https://admit.example/webhooks/paypal", io.NopCloser(bytes.NewReader(d.Body)))
	req.Header = d.Header.Clone()
	res, err := p.client.Load().VerifyWebhookSignature(ctx, req, fakeWebhookID)
	if err != nil {
		t.Fatal(err)
	}
	if res.VerificationStatus != "FAILURE" {
		t.Fatalf("plutov's re-encoded event verified: %q", res.VerificationStatus)
	}
}

func TestWebhookEvents(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	parse := func(body string) (payment.Event, error) {
		return p.ParseWebhook(ctx, payment.WebhookRequest{Body: []byte(body), Header: f.Sign([]byte(body), fakeWebhookID)})
	}

	for _, tc := range []struct {
		name string
		body string
		want payment.Event
		err  error
	}{
		{
			name: "capture completed (PayPal's documented shape)",
			body: `{"id":"WH-58D329510W468432D-8HN650336L201105X","event_version":"1.0","create_time":"2019-02-14T21:50:07.940Z","resource_type":"capture","resource_version":"2.0","event_type":"PAYMENT.CAPTURE.COMPLETED","summary":"Payment completed for $ 5.00 USD","resource":{"id":"42311647XV020574X","amount":{"currency_code":"USD","value":"5.00"},"final_capture":true,"seller_protection":{"status":"ELIGIBLE","dispute_categories":["ITEM_NOT_RECEIVED","UNAUTHORIZED_TRANSACTION"]},"seller_receivable_breakdown":{"gross_amount":{"currency_code":"USD","value":"5.00"},"paypal_fee":{"currency_code":"USD","value":"0.73"},"net_amount":{"currency_code":"USD","value":"4.27"}},"custom_id":"314","status":"COMPLETED","supplementary_data":{"related_ids":{"order_id":"5O190127TN364715T"}},"create_time":"2019-02-14T21:49:58Z","update_time":"2019-02-14T21:49:58Z","links":[{"href":"https://api.paypal.com/v2/payments/captures/42311647XV020574X","rel":"self","method":"GET"},{"href":"https://api.paypal.com/v2/payments/captures/42311647XV020574X/refund","rel":"refund","method":"POST"},{"href":"https://api.paypal.com/v2/checkout/orders/5O190127TN364715T","rel":"up","method":"GET"}]},"links":[]}`,
			want: payment.Event{ID: "WH-58D329510W468432D-8HN650336L201105X", Provider: "paypal", Kind: payment.Paid,
				CheckoutID: "5O190127TN364715T", RegistrationID: 314, PaymentID: "42311647XV020574X", Amount: 500, Currency: "USD", Fee: 73, FeeCurrency: "USD"},
		},
		{
			name: "capture completed, order id from the up link",
			body: `{"id":"WH-2","create_time":"2026-03-14T09:30:00Z","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"CAP2","status":"COMPLETED","amount":{"currency_code":"PLN","value":"80.00"},"links":[{"href":"https://api-m.paypal.com/v2/checkout/orders/ORD2","rel":"up","method":"GET"}]}}`,
			want: payment.Event{ID: "WH-2", Provider: "paypal", Kind: payment.Paid, CheckoutID: "ORD2", PaymentID: "CAP2", Amount: 8000, Currency: "PLN"},
		},
		{
			name: "capture denied",
			body: `{"id":"WH-3","event_type":"PAYMENT.CAPTURE.DENIED","resource":{"id":"CAP3","status":"DECLINED","custom_id":"9","amount":{"currency_code":"USD","value":"10.00"},"supplementary_data":{"related_ids":{"order_id":"ORD3"}}}}`,
			want: payment.Event{ID: "WH-3", Provider: "paypal", Kind: payment.Failed, CheckoutID: "ORD3", RegistrationID: 9, PaymentID: "CAP3", Amount: 1000, Currency: "USD"},
		},
		{
			name: "refund: the capture is its up link",
			body: `{"id":"WH-4","event_type":"PAYMENT.CAPTURE.REFUNDED","resource_type":"refund","resource":{"id":"1JU08902781691411","amount":{"currency_code":"EUR","value":"5.50"},"status":"COMPLETED","custom_id":"77","seller_payable_breakdown":{"gross_amount":{"currency_code":"EUR","value":"5.50"},"total_refunded_amount":{"currency_code":"EUR","value":"7.00"}},"links":[{"href":"https://api.paypal.com/v2/payments/refunds/1JU08902781691411","rel":"self","method":"GET"},{"href":"https://api.paypal.com/v2/payments/captures/2GG279541U471931P","rel":"up","method":"GET"}]}}`,
			want: payment.Event{ID: "WH-4", Provider: "paypal", Kind: payment.Refunded, RegistrationID: 77, PaymentID: "2GG279541U471931P",
				RefundID: "1JU08902781691411", Amount: 550, Currency: "EUR"},
		},
		{
			name: "refund naming no capture",
			body: `{"id":"WH-5","event_type":"PAYMENT.CAPTURE.REFUNDED","resource":{"id":"R5","amount":{"currency_code":"EUR","value":"1.00"},"links":[{"href":"https://api.paypal.com/v2/payments/refunds/R5","rel":"self"}]}}`,
			err:  errors.New("names no capture"),
		},
		{
			name: "capture in a currency this plugin does not take",
			body: `{"id":"WH-6","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"C6","status":"COMPLETED","amount":{"currency_code":"JPY","value":"500"}}}`,
			err:  errors.New("not taken"),
		},
		{
			name: "other event types are ignored",
			body: `{"id":"WH-7","event_type":"CHECKOUT.ORDER.APPROVED","resource":{"id":"ORD7"}}`,
			err:  payment.ErrIgnored,
		},
		{
			name: "pending captures are ignored",
			body: `{"id":"WH-8","event_type":"PAYMENT.CAPTURE.PENDING","resource":{"id":"C8","status":"PENDING"}}`,
			err:  payment.ErrIgnored,
		},
		{
			name: "an event without an id",
			body: `{"event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"C9"}}`,
			err:  errors.New("without an id"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := parse(tc.body)
			if tc.err != nil {
				if err == nil || (!errors.Is(err, tc.err) && !strings.Contains(err.Error(), tc.err.Error())) {
					t.Fatalf("%+v, %v; want %v", ev, err, tc.err)
				}
				if errors.Is(err, payment.ErrSignature) {
					t.Fatalf("a signed event reported as badly signed: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.OccurredAt.IsZero() {
				t.Error("no OccurredAt")
			}
			ev.OccurredAt = tc.want.OccurredAt
			if ev != tc.want {
				t.Fatalf("\n got %+v\nwant %+v", ev, tc.want)
			}
		})
	}
}
