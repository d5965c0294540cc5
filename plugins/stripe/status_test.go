package stripe

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/admit/admit/app/payment"
)

func TestStatusAgainstStripeMock(t *testing.T) {
	p, rec := newMocked(t)
	ev, err := p.Status(ctxT(t), "cs_test_admit42")
	if err != nil {
		t.Fatal(err)
	}
	// stripe-mock answers its fixture: an open session, so Pending.
	if ev.Kind != payment.Pending || ev.CheckoutID != "cs_test_admit42" || ev.Provider != "stripe" {
		t.Errorf("event %+v: want a pending event for cs_test_admit42", ev)
	}
	if ev.ID != "status:cs_test_admit42:pending" {
		t.Errorf("ID = %q", ev.ID)
	}
	if ev.PaymentID == "" || !strings.HasPrefix(ev.PaymentID, "pi_") {
		t.Errorf("PaymentID = %q, want the expanded PaymentIntent's id", ev.PaymentID)
	}
	if !ev.OccurredAt.Equal(fixedNow) {
		t.Errorf("OccurredAt = %s, want the provider's clock", ev.OccurredAt)
	}
	req := rec.last(t)
	if req.Method != "GET" || req.Path != "/v1/checkout/sessions/cs_test_admit42" {
		t.Errorf("sent %s %s", req.Method, req.Path)
	}
	if got := req.Query["expand[0]"]; len(got) != 1 || got[0] != "payment_intent" {
		t.Errorf("expand = %v (query %v)", got, req.Query)
	}
}

func TestReturnAgainstStripeMock(t *testing.T) {
	p, rec := newMocked(t)
	ev, err := p.Return(ctxT(t), url.Values{"session_id": {"cs_test_back"}, "r": {"42"}})
	if err != nil {
		t.Fatal(err)
	}
	if ev.CheckoutID != "cs_test_back" || ev.ID != "status:cs_test_back:pending" {
		t.Errorf("event %+v", ev)
	}
	if got := rec.last(t).Path; got != "/v1/checkout/sessions/cs_test_back" {
		t.Errorf("retrieved %s", got)
	}
}

func TestReturnWithoutSession(t *testing.T) {
	p, rec := newCanned(t)
	for _, q := range []url.Values{{}, {"session_id": {""}}, {"session_id": {"{CHECKOUT_SESSION_ID}"}}} {
		if _, err := p.Return(ctxT(t), q); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("Return(%v) = %v, want ErrNotFound", q, err)
		}
		if got := p.ReturnedCheckout(q); got != "" {
			t.Errorf("ReturnedCheckout(%v) = %q, want none", q, got)
		}
	}
	if got := p.ReturnedCheckout(url.Values{"session_id": {" cs_test_back "}}); got != "cs_test_back" {
		t.Errorf("ReturnedCheckout = %q", got)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// stripe-mock always answers its one open fixture, so the other states are
// canned answers shaped like Stripe's.
func TestStatusMapping(t *testing.T) {
	const path = "/v1/checkout/sessions/cs_1"
	for _, tc := range []struct {
		name, body string
		want       payment.Event
	}{
		{"complete and paid",
			`{"id":"cs_1","object":"checkout.session","status":"complete","payment_status":"paid","amount_total":1999,"currency":"eur",
			  "client_reference_id":"42","metadata":{"registration_id":"42"},"payment_intent":{"id":"pi_1","object":"payment_intent","status":"succeeded"}}`,
			payment.Event{ID: "status:cs_1:paid", Kind: payment.Paid, Amount: 1999, Currency: "EUR", PaymentID: "pi_1", RegistrationID: 42}},
		{"complete, asynchronous payment processing",
			`{"id":"cs_1","object":"checkout.session","status":"complete","payment_status":"unpaid","amount_total":1999,"currency":"eur",
			  "metadata":{"registration_id":"42"},"payment_intent":{"id":"pi_1","object":"payment_intent","status":"processing"}}`,
			payment.Event{ID: "status:cs_1:pending", Kind: payment.Pending, Amount: 1999, Currency: "EUR", PaymentID: "pi_1", RegistrationID: 42}},
		{"complete, asynchronous payment failed",
			`{"id":"cs_1","object":"checkout.session","status":"complete","payment_status":"unpaid","amount_total":1999,"currency":"eur",
			  "metadata":{"registration_id":"42"},"payment_intent":{"id":"pi_1","object":"payment_intent","status":"requires_payment_method"}}`,
			payment.Event{ID: "status:cs_1:failed", Kind: payment.Failed, Amount: 1999, Currency: "EUR", PaymentID: "pi_1", RegistrationID: 42}},
		{"open",
			`{"id":"cs_1","object":"checkout.session","status":"open","payment_status":"unpaid","amount_total":1999,"currency":"eur",
			  "client_reference_id":"42","metadata":{},"payment_intent":null}`,
			payment.Event{ID: "status:cs_1:pending", Kind: payment.Pending, Amount: 1999, Currency: "EUR", RegistrationID: 42}},
		{"expired",
			`{"id":"cs_1","object":"checkout.session","status":"expired","payment_status":"unpaid","amount_total":1999,"currency":"eur",
			  "metadata":{"registration_id":"42"},"payment_intent":null}`,
			payment.Event{ID: "status:cs_1:expired", Kind: payment.Expired, Amount: 1999, Currency: "EUR", RegistrationID: 42}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := newCanned(t, answer{"GET", path, 200, tc.body})
			got, err := p.Status(ctxT(t), "cs_1")
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.Provider, want.CheckoutID, want.OccurredAt = "stripe", "cs_1", fixedNow
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			again, _ := p.Status(ctxT(t), "cs_1")
			if again.ID != got.ID {
				t.Errorf("a second answer has id %q, the first %q", again.ID, got.ID)
			}
		})
	}
}

func TestStatusUnknownSession(t *testing.T) {
	p, _ := newCanned(t, answer{"GET", "/v1/checkout/sessions/cs_gone", 404, `{"error":{
		"type":"invalid_request_error","code":"resource_missing","param":"session",
		"message":"No such checkout.session: 'cs_gone'"}}`})
	_, err := p.Status(ctxT(t), "cs_gone")
	if !errors.Is(err, payment.ErrNotFound) {
		t.Fatalf("error %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), "No such checkout.session: 'cs_gone'") {
		t.Errorf("error %q does not say which session", err)
	}
}
