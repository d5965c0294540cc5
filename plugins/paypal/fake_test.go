package paypal

// The fake PayPal these tests run against lives in paypaltest (so that
// app/web's end-to-end tests can use it too); this file adapts it to the
// names the tests here use.

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/admit/admit/app/payment"

	"github.com/admit/admit/plugins/paypal/paypaltest"
)

const (
	fakeClientID  = paypaltest.ClientID
	fakeSecret    = paypaltest.Secret
	fakeWebhookID = paypaltest.DefaultWebhookID
)

type (
	fakePayPal   struct{ *paypaltest.Server }
	fakeDelivery = paypaltest.Delivery
)

func newFakePayPal(t testing.TB) *fakePayPal {
	t.Helper()
	return &fakePayPal{paypaltest.NewServer(t, fakeClientID, fakeSecret)}
}

// provider returns a Provider pointed at the fake.
func (f *fakePayPal) provider(t testing.TB, mutate ...func(*Config)) *Provider {
	t.Helper()
	cfg := Config{ClientID: fakeClientID, ClientSecret: fakeSecret, Mode: ModeSandbox, APIBase: f.URL,
		WebhookID: f.WebhookID, HTTPClient: f.Client()}
	for _, m := range mutate {
		m(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// The hooks app/web's end-to-end tests use: a capture and a refund made
// outside the provider, and deliveries POSTed as HTTP requests.
func TestFakeOutsideCaptureAndRefund(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	co, err := p.CreateCheckout(ctx, checkoutRequest(21, 2500, "EUR"))
	if err != nil {
		t.Fatal(err)
	}
	if co.RedirectURL != f.ApproveURL(co.ID) {
		t.Fatalf("redirect %q, approve URL %q", co.RedirectURL, f.ApproveURL(co.ID))
	}
	f.Approve(co.ID)
	captureID := f.CaptureOrder(co.ID)
	// The provider sees the capture made elsewhere, and takes nothing more.
	st, err := p.Status(ctx, co.ID)
	if err != nil || st.Kind != payment.Paid || st.PaymentID != captureID || st.Amount != 2500 || st.RegistrationID != 21 {
		t.Fatalf("Status: %+v, %v", st, err)
	}
	back, err := p.Return(ctx, returnQuery(co.ID))
	if err != nil || back.ID != st.ID {
		t.Fatalf("Return: %+v, %v", back, err)
	}

	refundID := f.DashboardRefund(captureID, 700)
	if rf := f.Refund(refundID); rf.Amount != 700 || rf.CaptureID != captureID || rf.Status != "COMPLETED" {
		t.Fatalf("refund %+v", rf)
	}
	if c := f.Capture(captureID); c.Refunded != 700 || c.Status != "PARTIALLY_REFUNDED" {
		t.Fatalf("capture %+v", c)
	}
	hooks := f.Webhooks()
	if len(hooks) != 2 || hooks[0].EventType != EventCaptureCompleted || hooks[1].EventType != EventCaptureRefunded {
		t.Fatalf("webhooks %+v", hooks)
	}

	// Deliveries as requests, to a URL and to a path.
	var got []payment.Event
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ev, err := p.ParseWebhook(r.Context(), payment.WebhookRequest{Body: body, Header: r.Header})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got = append(got, ev)
	}))
	defer srv.Close()
	for _, d := range hooks {
		res, err := srv.Client().Do(d.Request(srv.URL + "/webhooks/paypal"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", d.EventType, res.StatusCode)
		}
	}
	rec := httptest.NewRecorder()
	srv.Config.Handler.ServeHTTP(rec, hooks[1].Request("/webhooks/paypal"))
	if rec.Code != http.StatusOK {
		t.Fatalf("to a path: %d %s", rec.Code, rec.Body)
	}
	if len(got) != 3 || got[0].Kind != payment.Paid || got[0].PaymentID != captureID ||
		got[1].Kind != payment.Refunded || got[1].RefundID != refundID || got[1].Amount != 700 || got[1].PaymentID != captureID || got[2].ID != got[1].ID {
		t.Fatalf("events %+v", got)
	}
	// An unsigned request is refused.
	rec = httptest.NewRecorder()
	srv.Config.Handler.ServeHTTP(rec, paypaltest.Delivery{Body: hooks[0].Body}.Request("/webhooks/paypal"))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("unsigned: %d", rec.Code)
	}
}
