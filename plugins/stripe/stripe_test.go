package stripe

import (
	"net/http"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/admit/admit/app/payment"
)

// The provider has a client of its own: the package-global stripe.Key stays
// empty, and each provider sends its own key.
func TestPerInstanceClient(t *testing.T) {
	if stripego.Key != "" {
		t.Fatalf("stripe.Key = %q before the test", stripego.Key)
	}
	base := mockBase(t)
	keys := []string{"sk_test_admitFirst", "rk_test_admitSecond"}
	for _, key := range keys {
		rec := &recorder{}
		p, err := New(Config{SecretKey: key, WebhookSecret: testWebhookSecret, APIBase: base,
			HTTPClient: &http.Client{Transport: rec, Timeout: 30 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		ctx := ctxT(t)
		if _, err := p.CreateCheckout(ctx, checkoutRequest()); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Status(ctx, "cs_test_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Refund(ctx, payment.RefundRequest{PaymentID: "pi_1", Amount: 100, IdempotencyKey: "refund-1-1"}); err != nil {
			t.Fatal(err)
		}
		if err := p.Check(ctx); err != nil {
			t.Fatal(err)
		}
		reqs := rec.all()
		if len(reqs) != 6 {
			t.Errorf("%d requests went through the provider's HTTP client, want 6", len(reqs))
		}
		for _, r := range reqs {
			if got := r.Header.Get("Authorization"); got != "Bearer "+key {
				t.Errorf("%s %s sent Authorization %q, want the provider's own key", r.Method, r.Path, got)
			}
		}
		if stripego.Key != "" {
			t.Fatalf("stripe.Key = %q after using the provider", stripego.Key)
		}
	}
}
