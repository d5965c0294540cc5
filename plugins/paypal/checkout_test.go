package paypal

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
)

// The whole journey of one paid registration: create → the buyer approves →
// the return page captures → the return page is reloaded → reconciliation
// asks → PayPal's webhook arrives. Every report agrees, the money is taken
// once.
func TestCheckoutFlow(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)

	co, err := p.CreateCheckout(ctx, checkoutRequest(42, 1999, "USD"))
	if err != nil {
		t.Fatal(err)
	}
	if co.ID == "" || co.RedirectURL != "https://www.sandbox.paypal.com/checkoutnow?token="+co.ID {
		t.Fatalf("checkout %+v", co)
	}
	o := f.Order(co.ID)
	for name, got := range map[string][2]string{
		"intent": {o.Intent, "CAPTURE"}, "value": {o.Value, "19.99"}, "currency": {o.Currency, "USD"},
		"custom_id": {o.CustomID, "42"}, "description": {o.Description, "Go concurrency, live"},
		"return_url":  {o.ReturnURL, "https://tickets.example.com/pay/paypal/return?registration=42"},
		"cancel_url":  {o.CancelURL, "https://tickets.example.com/pay/paypal/cancel?registration=42"},
		"user_action": {o.UserAction, "PAY_NOW"}, "brand_name": {o.BrandName, "Admit"},
		"shipping_preference": {o.ShippingPref, "NO_SHIPPING"}, "locale": {o.Locale, "fr-FR"},
		"invoice_id": {o.InvoiceID, ""},
	} {
		if got[0] != got[1] {
			t.Errorf("order %s = %q, want %q", name, got[0], got[1])
		}
	}

	// A retry with the same idempotency key is the same order.
	again, err := p.CreateCheckout(ctx, checkoutRequest(42, 1999, "USD"))
	if err != nil || again != co || f.OrderCount() != 1 {
		t.Fatalf("retry: %+v, %v, %d orders", again, err, f.OrderCount())
	}

	// Before the buyer approves, there is nothing to report but "pending".
	st, err := p.Status(ctx, co.ID)
	if err != nil || st.Kind != payment.Pending || st.ID != "order:"+co.ID+":created" || st.RegistrationID != 42 || st.Amount != 1999 {
		t.Fatalf("status before approval: %+v, %v", st, err)
	}

	f.Approve(co.ID)
	paid, err := p.Return(ctx, returnQuery(co.ID))
	if err != nil {
		t.Fatal(err)
	}
	captureID := f.Order(co.ID).CaptureID
	want := payment.Event{ID: "capture:" + captureID, Provider: "paypal", Kind: payment.Paid, CheckoutID: co.ID,
		RegistrationID: 42, PaymentID: captureID, Amount: 1999, Currency: "USD", Fee: 119, FeeCurrency: "USD"}
	paid.OccurredAt = time.Time{}
	if paid != want {
		t.Fatalf("Return:\n got %+v\nwant %+v", paid, want)
	}

	// Reloading the return page: same event, no second capture.
	for i := 0; i < 2; i++ {
		again, err := p.Return(ctx, returnQuery(co.ID))
		if err != nil || again.ID != paid.ID || again.Kind != payment.Paid || again.Amount != 1999 {
			t.Fatalf("Return again: %+v, %v", again, err)
		}
	}
	// Even once PayPal has forgotten the request id: ORDER_ALREADY_CAPTURED,
	// then the order is read.
	f.ForgetRequestIDs()
	again2, err := p.Return(ctx, returnQuery(co.ID))
	if err != nil || again2.ID != paid.ID {
		t.Fatalf("Return after the request id expired: %+v, %v", again2, err)
	}
	st, err = p.Status(ctx, co.ID)
	if err != nil || st.ID != paid.ID || st.Kind != payment.Paid || st.PaymentID != captureID || st.RegistrationID != 42 {
		t.Fatalf("Status after capture: %+v, %v", st, err)
	}
	if n := f.Calls("POST /v2/checkout/orders/{id}/capture"); n != 4 {
		t.Errorf("%d capture calls, want 4", n)
	}

	// PayPal's webhook for the same capture, under its own event id.
	hooks := f.Webhooks()
	if len(hooks) != 1 || hooks[0].EventType != EventCaptureCompleted {
		t.Fatalf("webhooks: %+v", hooks)
	}
	ev, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: hooks[0].Body, Header: hooks[0].Header})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ev.ID, "WH-") || ev.Kind != payment.Paid || ev.CheckoutID != co.ID || ev.PaymentID != captureID ||
		ev.RegistrationID != 42 || ev.Amount != 1999 || ev.Currency != "USD" || ev.Fee != 119 || ev.OccurredAt.IsZero() {
		t.Fatalf("webhook event %+v", ev)
	}
	if got := f.Capture(captureID); got.Status != "COMPLETED" || got.Amount != 1999 {
		t.Fatalf("capture at PayPal: %+v", got)
	}
}

// Opening the return URL before approving is refused with ErrNotApproved;
// PayPal keeps that refusal under the request id "capture-<order>", and the
// real return that follows the approval must still capture.
func TestCaptureBeforeApproval(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	co, err := p.CreateCheckout(ctx, checkoutRequest(7, 5000, "EUR"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		ev, err := p.Return(ctx, returnQuery(co.ID))
		if !errors.Is(err, payment.ErrNotApproved) || errors.Is(err, payment.ErrDeclined) {
			t.Fatalf("Return before approval: %v, want ErrNotApproved", err)
		}
		if ev.Kind != payment.Pending || ev.CheckoutID != co.ID || ev.RegistrationID != 7 {
			t.Fatalf("Return before approval: event %+v", ev)
		}
	}
	if f.Order(co.ID).Status != "CREATED" || len(f.Webhooks()) != 0 {
		t.Fatal("something was captured")
	}
	f.Approve(co.ID)
	ev, err := p.Return(ctx, returnQuery(co.ID))
	if err != nil || ev.Kind != payment.Paid || ev.Amount != 5000 || ev.Currency != "EUR" || ev.RegistrationID != 7 {
		t.Fatalf("Return after approval: %+v, %v", ev, err)
	}
	again, err := p.Return(ctx, returnQuery(co.ID))
	if err != nil || again.ID != ev.ID {
		t.Fatalf("reload: %+v, %v", again, err)
	}
	if hooks := f.Webhooks(); len(hooks) != 1 {
		t.Fatalf("%d captures", len(hooks))
	}
}

func TestReturnBadToken(t *testing.T) {
	f := newFakePayPal(t)
	p := f.provider(t)
	for _, q := range []url.Values{{}, {"token": {"../../v1/oauth2/token"}}, {"token": {"5O1?x=1"}}, {"token": {"NOSUCHORDER1"}}} {
		if _, err := p.Return(context.Background(), q); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("Return(%v) = %v, want ErrNotFound", q, err)
		}
		want := "" // only a token shaped like an order id names one
		if q.Get("token") == "NOSUCHORDER1" {
			want = "NOSUCHORDER1"
		}
		if got := p.ReturnedCheckout(q); got != want {
			t.Errorf("ReturnedCheckout(%v) = %q, want %q", q, got, want)
		}
	}
	if n := f.Calls("POST /v2/checkout/orders/{id}/capture"); n != 1 {
		t.Errorf("%d capture calls: only the well-formed token may reach PayPal", n)
	}
}

func TestStatus(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	newOrder := func(reg int64) string {
		co, err := p.CreateCheckout(ctx, checkoutRequest(reg, 2500, "GBP"))
		if err != nil {
			t.Fatal(err)
		}
		return co.ID
	}

	t.Run("approved but never returned: Status captures", func(t *testing.T) {
		id := newOrder(1)
		f.Approve(id)
		ev, err := p.Status(ctx, id)
		if err != nil || ev.Kind != payment.Paid || ev.Amount != 2500 || ev.RegistrationID != 1 {
			t.Fatalf("%+v, %v", ev, err)
		}
		if f.Order(id).Status != "COMPLETED" {
			t.Fatal("not captured")
		}
		// The buyer's late return sees the same payment.
		back, err := p.Return(ctx, returnQuery(id))
		if err != nil || back.ID != ev.ID {
			t.Fatalf("late return: %+v, %v", back, err)
		}
	})
	t.Run("voided: expired", func(t *testing.T) {
		id := newOrder(2)
		f.Void(id)
		ev, err := p.Status(ctx, id)
		if err != nil || ev.Kind != payment.Expired || ev.ID != "order:"+id+":voided" || ev.RegistrationID != 2 {
			t.Fatalf("%+v, %v", ev, err)
		}
	})
	t.Run("declined capture: failed", func(t *testing.T) {
		id := newOrder(3)
		f.Decline(id)
		ev, err := p.Status(ctx, id)
		capID := f.Order(id).CaptureID
		if err != nil || ev.Kind != payment.Failed || ev.ID != "capture:"+capID+":declined" || ev.PaymentID != capID {
			t.Fatalf("%+v, %v", ev, err)
		}
		back, err := p.Return(ctx, returnQuery(id))
		if err != nil || back.ID != ev.ID {
			t.Fatalf("return: %+v, %v", back, err)
		}
		hooks := f.Webhooks()
		last := hooks[len(hooks)-1]
		if last.EventType != EventCaptureDenied {
			t.Fatalf("webhook %s", last.EventType)
		}
		wh, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: last.Body, Header: last.Header})
		if err != nil || wh.Kind != payment.Failed || wh.PaymentID != capID || wh.CheckoutID != id || wh.RegistrationID != 3 {
			t.Fatalf("denied webhook: %+v, %v", wh, err)
		}
	})
	t.Run("unknown order: not found", func(t *testing.T) {
		if _, err := p.Status(ctx, "9XX99999XX999999X"); !errors.Is(err, payment.ErrNotFound) {
			t.Fatalf("%v", err)
		}
		if _, err := p.Status(ctx, "a/b"); !errors.Is(err, payment.ErrNotFound) {
			t.Fatalf("%v", err)
		}
	})
}

func TestStripeOnlyCurrenciesRefused(t *testing.T) {
	f := newFakePayPal(t)
	p := f.provider(t)
	for _, c := range []string{"HUF", "BGN", "RON", "JPY"} {
		if p.Supports(c) {
			t.Errorf("Supports(%s)", c)
		}
		_, err := p.CreateCheckout(context.Background(), checkoutRequest(1, 100000, c))
		if !errors.Is(err, payment.ErrCurrency) {
			t.Errorf("CreateCheckout in %s: %v, want ErrCurrency", c, err)
		}
	}
	if f.OrderCount() != 0 || f.Calls("POST /v1/oauth2/token") != 0 {
		t.Error("PayPal was asked")
	}
}

func TestCreateCheckoutValidation(t *testing.T) {
	f := newFakePayPal(t)
	p := f.provider(t)
	for name, mutate := range map[string]func(*payment.CheckoutRequest){
		"zero amount":     func(r *payment.CheckoutRequest) { r.Amount = 0 },
		"no registration": func(r *payment.CheckoutRequest) { r.RegistrationID = 0 },
		"relative url":    func(r *payment.CheckoutRequest) { r.SuccessURL = "/pay/return" },
		"no cancel url":   func(r *payment.CheckoutRequest) { r.CancelURL = "" },
	} {
		r := checkoutRequest(1, 1000, "USD")
		mutate(&r)
		if _, err := p.CreateCheckout(context.Background(), r); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A long title is cut to PayPal's 127 characters, not refused.
	r := checkoutRequest(2, 1000, "USD")
	r.Title = strings.Repeat("é", 300)
	co, err := p.CreateCheckout(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if d := f.Order(co.ID).Description; d != strings.Repeat("é", 127) {
		t.Fatalf("description %q", d)
	}
}

// A PayPal that ignores "Prefer: return=representation" answers captures
// with id, status and links only: the provider reads the order for the rest.
func TestMinimalCaptureAnswer(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	f.SetIgnorePrefer(true)
	p := f.provider(t)
	co, err := p.CreateCheckout(ctx, checkoutRequest(5, 1234, "SEK"))
	if err != nil {
		t.Fatal(err)
	}
	f.Approve(co.ID)
	ev, err := p.Return(ctx, returnQuery(co.ID))
	if err != nil || ev.Kind != payment.Paid || ev.Amount != 1234 || ev.Currency != "SEK" || ev.RegistrationID != 5 || ev.PaymentID == "" {
		t.Fatalf("%+v, %v", ev, err)
	}
}

// The buyer's card is refused at capture: the buyer has to approve again
// with another funding source; nothing is paid, nothing failed for good.
func TestInstrumentDeclined(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	co, err := p.CreateCheckout(ctx, checkoutRequest(8, 1500, "AUD"))
	if err != nil {
		t.Fatal(err)
	}
	f.DeclineInstrument(co.ID)
	for i := 0; i < 2; i++ {
		// The buyer goes back to the approve link: ErrDeclined (an
		// ErrNotApproved too), and the event names the order.
		ev, err := p.Return(ctx, returnQuery(co.ID))
		if !errors.Is(err, payment.ErrDeclined) || !errors.Is(err, payment.ErrNotApproved) || !strings.Contains(err.Error(), "INSTRUMENT_DECLINED") {
			t.Fatalf("Return %d: %v", i, err)
		}
		if ev.Kind != payment.Pending || ev.CheckoutID != co.ID || ev.RegistrationID != 8 {
			t.Fatalf("Return %d: event %+v", i, ev)
		}
	}
	// Status (the reconciliation) is refused the same way, with the same
	// event: one refusal of one approval.
	declined, _ := p.Return(ctx, returnQuery(co.ID))
	ev, err := p.Status(ctx, co.ID)
	if !errors.Is(err, payment.ErrDeclined) || ev.Kind != payment.Pending || ev.ID != declined.ID || !strings.HasPrefix(ev.ID, "order:"+co.ID+":declined:") {
		t.Fatalf("Status: %+v, %v", ev, err)
	}
	// PayPal keeps the refusal under the capture's request id; the buyer
	// choosing another funding source must still lead to a capture.
	f.Reapprove(co.ID)
	paid, err := p.Return(ctx, returnQuery(co.ID))
	if err != nil || paid.Kind != payment.Paid || paid.Amount != 1500 || paid.Currency != "AUD" || paid.RegistrationID != 8 {
		t.Fatalf("Return after another funding source: %+v, %v", paid, err)
	}
	if again, err := p.Status(ctx, co.ID); err != nil || again.ID != paid.ID {
		t.Fatalf("Status: %+v, %v", again, err)
	}
}

// PayPal captures the order and then answers 500: Return's outcome is
// unknown (an error that says neither "not approved" nor "not found"); the
// same return again, or Status, finds the capture, and nothing is captured
// twice.
func TestCaptureAnsweredWithServerError(t *testing.T) {
	ctx := context.Background()
	for _, later := range []string{"return", "status"} {
		t.Run(later, func(t *testing.T) {
			f := newFakePayPal(t)
			p := f.provider(t)
			co, err := p.CreateCheckout(ctx, checkoutRequest(9, 2000, "EUR"))
			if err != nil {
				t.Fatal(err)
			}
			f.Approve(co.ID)
			f.FailAfterCapture(co.ID)
			_, err = p.Return(ctx, returnQuery(co.ID))
			if err == nil || errors.Is(err, payment.ErrNotApproved) || errors.Is(err, payment.ErrNotFound) || !strings.Contains(err.Error(), "500") {
				t.Fatalf("Return: %v, want an unknown outcome", err)
			}
			captureID := f.Order(co.ID).CaptureID
			if captureID == "" {
				t.Fatal("the fake did not capture")
			}
			var ev payment.Event
			if later == "return" {
				ev, err = p.Return(ctx, returnQuery(co.ID))
			} else {
				ev, err = p.Status(ctx, co.ID)
			}
			if err != nil || ev.Kind != payment.Paid || ev.PaymentID != captureID || ev.Amount != 2000 || ev.RegistrationID != 9 {
				t.Fatalf("%s after the 500: %+v, %v", later, ev, err)
			}
			if hooks := f.Webhooks(); len(hooks) != 1 {
				t.Fatalf("%d captures", len(hooks))
			}
		})
	}
}

// Inspect reports an order's state without capturing it, even approved.
func TestInspect(t *testing.T) {
	ctx := context.Background()
	f := newFakePayPal(t)
	p := f.provider(t)
	var _ payment.Inspector = p
	co, err := p.CreateCheckout(ctx, checkoutRequest(11, 3000, "USD"))
	if err != nil {
		t.Fatal(err)
	}
	f.Approve(co.ID)
	for i := 0; i < 2; i++ {
		ev, err := payment.Inspect(ctx, p, co.ID)
		if err != nil || ev.Kind != payment.Pending || ev.CheckoutID != co.ID || ev.RegistrationID != 11 {
			t.Fatalf("Inspect: %+v, %v", ev, err)
		}
	}
	if o := f.Order(co.ID); o.Status != "APPROVED" || o.CaptureID != "" || f.Calls("POST /v2/checkout/orders/{id}/capture") != 0 {
		t.Fatalf("Inspect captured: %+v", o)
	}
	// Once captured (by the buyer's return), Inspect reports the payment.
	paid, err := p.Return(ctx, returnQuery(co.ID))
	if err != nil || paid.Kind != payment.Paid {
		t.Fatalf("Return: %+v, %v", paid, err)
	}
	if ev, err := p.Inspect(ctx, co.ID); err != nil || ev.ID != paid.ID || ev.Kind != payment.Paid {
		t.Fatalf("Inspect after the capture: %+v, %v", ev, err)
	}
	if _, err := p.Inspect(ctx, "a/b"); !errors.Is(err, payment.ErrNotFound) {
		t.Fatalf("Inspect of a bad id: %v", err)
	}
}
