package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/ticketing"
)

// fakeProvider is a provider whose checkouts the test settles by hand: for
// what stripe-mock (stateless) cannot show, such as a paid status.
type fakeProvider struct {
	mu       sync.Mutex
	paid     map[string]int64 // checkout → amount paid
	gone     map[string]bool
	n        int
	refunds  int
	returns  int // calls of Return
	failNext bool
	requests map[string]payment.CheckoutRequest // checkout → what opened it
	// gate, when set, holds every CreateCheckout until it is closed;
	// entered, when set too, receives each call as it starts waiting.
	gate, entered chan struct{}
}

func newFake() *fakeProvider {
	return &fakeProvider{paid: map[string]int64{}, gone: map[string]bool{}, requests: map[string]payment.CheckoutRequest{}}
}

// successURL is the return URL Admit gave the provider for a checkout,
// with the session id Stripe adds, as a path on the test server.
func (f *fakeProvider) successURL(t testing.TB, checkoutID string) string {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	return localPath(t, f.requests[checkoutID].SuccessURL) + "&session_id=" + checkoutID
}

// cancelURL is the cancel URL Admit gave the provider for a checkout.
func (f *fakeProvider) cancelURL(t testing.TB, checkoutID string) string {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	return localPath(t, f.requests[checkoutID].CancelURL)
}

func (f *fakeProvider) Name() string                { return "stripe" }
func (f *fakeProvider) Supports(string) bool        { return true }
func (f *fakeProvider) Check(context.Context) error { return nil }
func (f *fakeProvider) CreateCheckout(_ context.Context, r payment.CheckoutRequest) (payment.Checkout, error) {
	if f.gate != nil {
		if f.entered != nil {
			f.entered <- struct{}{}
		}
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext {
		f.failNext = false
		return payment.Checkout{}, fmt.Errorf("provider down")
	}
	f.n++
	id := fmt.Sprintf("cs_fake_%d", f.n)
	f.requests[id] = r
	return payment.Checkout{ID: id, RedirectURL: "https://pay.example/" + id}, nil
}
func (f *fakeProvider) ParseWebhook(context.Context, payment.WebhookRequest) (payment.Event, error) {
	return payment.Event{}, payment.ErrSignature
}
func (f *fakeProvider) Return(ctx context.Context, q url.Values) (payment.Event, error) {
	f.mu.Lock()
	f.returns++
	f.mu.Unlock()
	return f.Status(ctx, q.Get("session_id"))
}
func (f *fakeProvider) ReturnedCheckout(q url.Values) string { return q.Get("session_id") }
func (f *fakeProvider) Status(_ context.Context, id string) (payment.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gone[id] {
		return payment.Event{}, payment.ErrNotFound
	}
	if a, ok := f.paid[id]; ok {
		return payment.Event{ID: "status:" + id + ":paid", Provider: "stripe", Kind: payment.Paid, CheckoutID: id, PaymentID: "pi_" + id, Amount: a, Currency: "EUR"}, nil
	}
	return payment.Event{ID: "status:" + id + ":pending", Provider: "stripe", Kind: payment.Pending, CheckoutID: id}, nil
}
func (f *fakeProvider) Refund(_ context.Context, r payment.RefundRequest) (payment.Refund, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refunds++
	return payment.Refund{ID: fmt.Sprintf("re_%d", f.refunds), Amount: r.Amount, Status: "succeeded"}, nil
}

// fakeEnv is an Admit whose only provider is a fakeProvider.
func fakeEnv(t *testing.T, tweaks ...func(*ticketing.Options, *Deps)) (*env, *fakeProvider) {
	f := newFake()
	reg := payment.NewRegistry()
	reg.Set(f)
	return newEnvWith(t, reg, tweaks...), f
}

// TestReconcileRecoversALostWebhook: the buyer paid, the webhook never
// came and the buyer closed the tab: the reconciliation job confirms.
func TestReconcileRecoversALostWebhook(t *testing.T) {
	e, f := fakeEnv(t)
	e.createEvent(paidEvent(nil))
	paid := e.reg(e.buy("intro-to-go", "Ada", nil))
	abandoned := e.reg(e.buy("intro-to-go", "Bob", nil))
	dropped := e.reg(e.buy("intro-to-go", "Cy", nil))
	f.paid[paid.CheckoutID] = 1999
	f.gone[dropped.CheckoutID] = true
	// Too recent: left alone.
	if err := e.tickets.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e.reg(paid.ID).Status != model.StatusPendingPayment {
		t.Fatal("reconciled a checkout that just opened")
	}
	e.clock.Add(5 * time.Minute)
	for i := 0; i < 2; i++ {
		if err := e.tickets.Reconcile(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if g := e.reg(paid.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 1999 {
		t.Fatalf("paid: %s %d", g.Status, g.AmountPaid)
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access emails", n)
	}
	if e.reg(abandoned.ID).Status != model.StatusPendingPayment || e.reg(dropped.ID).Status != model.StatusExpired {
		t.Fatalf("abandoned %s, dropped %s", e.reg(abandoned.ID).Status, e.reg(dropped.ID).Status)
	}
}

func TestReturnPage(t *testing.T) {
	e, f := fakeEnv(t)
	e.createEvent(paidEvent(nil))
	r := e.reg(e.buy("intro-to-go", "Ada", nil))
	bob := e.reg(e.buy("intro-to-go", "Bob", nil))
	ret := f.successURL(t, r.CheckoutID)
	if res := e.do("GET", ret, nil, false); res.Status != 200 || !strings.Contains(string(res.Body), "being confirmed") {
		t.Fatalf("before paying: %d %s", res.Status, res.Body)
	}
	f.paid[r.CheckoutID] = 1999
	for i := 0; i < 2; i++ {
		if res := e.do("GET", ret, nil, false); res.Status != 200 || !strings.Contains(string(res.Body), "seat is confirmed") {
			t.Fatalf("after paying: %d %s", res.Status, res.Body)
		}
	}
	if n := e.mailKinds()[model.MailAccess]; n != 1 {
		t.Fatalf("%d access emails after two returns", n)
	}
	bobSig, _ := url.ParseQuery(strings.SplitN(f.cancelURL(t, bob.CheckoutID), "?", 2)[1])
	returns := f.returns
	e.run(t, []scenario{
		{name: "another registration's checkout", method: "GET", path: strings.Replace(ret, "session_id="+r.CheckoutID, "session_id="+bob.CheckoutID, 1), status: 404},
		{name: "no checkout", method: "GET", path: strings.Replace(ret, "session_id="+r.CheckoutID, "", 1), status: 404},
		{name: "bare registration id", method: "GET", path: fmt.Sprintf("/pay/stripe/return?registration=%d&session_id=%s", r.ID, r.CheckoutID), status: 404},
		{name: "another registration's signature", method: "GET", path: fmt.Sprintf("/pay/stripe/return?registration=%d&sig=%s&session_id=%s", r.ID, bobSig.Get("sig"), r.CheckoutID), status: 404},
		{name: "unknown registration", method: "GET", path: "/pay/stripe/return?registration=999&session_id=x", status: 404},
		{name: "wrong provider", method: "GET", path: strings.Replace(ret, "/pay/stripe/", "/pay/paypal/", 1), status: 404},
		{name: "cancel page", method: "GET", path: f.cancelURL(t, bob.CheckoutID), status: 200, contains: []string{"nothing was charged", "Intro to Go"}, absent: []string{bob.Email}},
		{name: "cancel page by bare id", method: "GET", path: fmt.Sprintf("/pay/stripe/cancel?registration=%d", bob.ID), status: 404, absent: []string{"Intro to Go"}},
		{name: "cancel page with another's signature", method: "GET", path: fmt.Sprintf("/pay/stripe/cancel?registration=%d&sig=%s", r.ID, bobSig.Get("sig")), status: 404, absent: []string{"Intro to Go"}},
	})
	if f.returns != returns {
		t.Errorf("the provider was asked %d times about returns that were not this registration's", f.returns-returns)
	}
}

// TestProviderDownReleasesTheSeat: when the checkout cannot be opened the
// buyer gets a clear 502 and the seat is not kept.
func TestProviderDownReleasesTheSeat(t *testing.T) {
	e, f := fakeEnv(t)
	e.createEvent(paidEvent(map[string]any{"capacity": 1}))
	f.failNext = true
	r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Ada", "email": "ada@example.org"}, false)
	if r.Status != 502 || !strings.Contains(string(r.Body), `"code":"provider_error"`) {
		t.Fatalf("provider down: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Ada", "email": "ada@example.org"}, false); r.Status != 201 {
		t.Fatalf("retry: %d %s", r.Status, r.Body)
	}
}

func TestServiceFeeIsRecorded(t *testing.T) {
	e, _ := fakeEnv(t, func(o *ticketing.Options, _ *Deps) { o.ServiceFeePercent = 5 })
	e.createEvent(paidEvent(nil))
	r := e.reg(e.buy("intro-to-go", "Ada", nil))
	if r.ServiceFee != 100 { // 5 % of 19.99, rounded half-up
		t.Fatalf("service fee %d", r.ServiceFee)
	}
	if res := e.do("GET", "/api/v1/events/1/registrations", nil, true); !strings.Contains(string(res.Body), `"service_fee":100`) {
		t.Fatalf("list: %s", res.Body)
	}
}

// TestRegistrantCancelRefundsPerPolicy: with cancel_refund_hours, a paid
// registrant who cancels early enough is refunded in full at once; later,
// or without the rule, the seat frees and the money stays.
func TestRegistrantCancelRefundsPerPolicy(t *testing.T) {
	e, f := fakeEnv(t)
	e.createEvent(paidEvent(map[string]any{"cancel_refund_hours": 48})) // the session is on 1 December 2026
	e.createEvent(paidEvent(map[string]any{"title": "No refunds"}))
	pay := func(slug, name string) (int64, string) {
		r := e.reg(e.buy(slug, name, nil))
		f.paid[r.CheckoutID] = 1999
		e.do("GET", f.successURL(t, r.CheckoutID), nil, false)
		return r.ID, e.accessToken(r.ID)
	}
	early, earlyTok := pay("intro-to-go", "Ada")
	late, lateTok := pay("intro-to-go", "Bob")
	none, noneTok := pay("no-refunds", "Cy")
	if r := e.do("GET", "/a/"+earlyTok, nil, false); !strings.Contains(string(r.Body), "refunds you 19.99\u00a0EUR in full") {
		t.Fatalf("the page does not say the refund:\n%s", r.Body)
	}
	e.do("POST", "/a/"+earlyTok+"/cancel", nil, false, "Accept", "application/json")
	e.do("POST", "/a/"+noneTok+"/cancel", nil, false, "Accept", "application/json")
	e.clock.Set(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)) // less than 48 hours before
	e.do("POST", "/a/"+lateTok+"/cancel", nil, false, "Accept", "application/json")
	for _, c := range []struct {
		id       int64
		status   string
		refunded int64
	}{{early, model.StatusRefunded, 1999}, {late, model.StatusCancelled, 0}, {none, model.StatusCancelled, 0}} {
		if g := e.reg(c.id); g.Status != c.status || g.AmountRefunded != c.refunded {
			t.Errorf("registration %d: %s refunded %d, want %s %d", c.id, g.Status, g.AmountRefunded, c.status, c.refunded)
		}
	}
}
