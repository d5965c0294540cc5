// Package paymenttest is the contract every payment.Provider plugin passes:
// Run checks, against one provider and the world its tests give it (a fake
// or mock of the vendor's API), what Admit's domain relies on from the
// provider (app/payment's doc comments). Each plugin calls it from its own
// tests:
//
//	func TestProviderContract(t *testing.T) {
//		paymenttest.Run(t, provider, paymenttest.Harness{Takes: []string{"EUR"}, ...})
//	}
//
// What the harness cannot show (no buyer who pays, no webhook signer) is
// skipped with the reason, never passed silently. The package imports
// nothing of plugins/ and no vendor SDK.
package paymenttest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
)

// Unrelated is the kind Run asks Harness.Webhook for when it wants a
// well-signed webhook of a type the provider does not act on (a customer
// created, an order approved but not captured...): ParseWebhook must answer
// payment.ErrIgnored.
const Unrelated payment.Kind = "paymenttest:unrelated"

// Harness is the provider's world, as far as the contract needs it. Takes is
// required; every func may be nil, and the subtests needing it are then
// skipped with a reason.
type Harness struct {
	// Name, when set, is the name the provider must answer (the one in
	// /webhooks/<name> and in the configuration).
	Name string
	// Takes are currencies the provider takes (at least one); checkouts are
	// made in Takes[0]. Refuses are currencies it does not take.
	Takes   []string
	Refuses []string
	// Amount is the checkouts' amount in minor units (default 4200); the
	// refund checks give it back in two parts.
	Amount int64

	// NoIdempotency, when set, says why the world cannot show that a
	// repeated IdempotencyKey gives the first checkout (or refund) back;
	// those checks are then skipped with this reason.
	NoIdempotency string

	// Pay makes the buyer pay the checkout at the provider (approve the
	// order, complete the session). It may t.Fatal.
	Pay func(t *testing.T, co payment.Checkout)
	// ReturnQuery is the query the success URL receives when the provider
	// sends the buyer back from the checkout.
	ReturnQuery func(co payment.Checkout) url.Values
	// Webhook is a correctly signed webhook, as the provider would deliver
	// it, for the last checkout of this kind: payment.Paid (its payment),
	// payment.Refunded (its last refund) or Unrelated. It may t.Skip the
	// calling subtest for a kind it cannot make, with the reason.
	Webhook func(t *testing.T, kind payment.Kind) payment.WebhookRequest
	// Forge is the same webhook with a bad signature (another key, another
	// endpoint's), as an attacker could send it.
	Forge func(r payment.WebhookRequest) payment.WebhookRequest
	// UnknownCheckout is a checkout id the provider does not know.
	UnknownCheckout string
	// Module, when set, is what the plugin registers (payment.Module): Run
	// checks that it describes p (its name, the currencies it takes) and
	// that it registers.
	Module *payment.Module

	// Fee, when set, is the fee the world's provider keeps on a payment
	// (amount in currency, the payment paymentID): a provider that looks
	// payments up (payment.PaymentLookup) must report this one, once it
	// reports a fee at all. Nil: any fee from 0 to the amount passes.
	Fee func(paymentID string, amount int64, currency string) (fee int64, feeCurrency string)
}

// Registration ids and idempotency keys Run uses.
const (
	mainRegistration   = 1001 // paid by Return, refunded, webhooks
	statusRegistration = 1002 // paid, found by Status (the return was lost)
	currencyBase       = 2000 // one checkout per currency taken
)

// Run checks p against the contract, as subtests of t.
func Run(t *testing.T, p payment.Provider, h Harness) {
	t.Helper()
	if len(h.Takes) == 0 {
		t.Fatal("paymenttest: Harness.Takes names no currency the provider takes")
	}
	if h.Amount == 0 {
		h.Amount = 4200
	}
	if h.Amount < 4 {
		t.Fatalf("paymenttest: Harness.Amount %d is too small to refund in parts", h.Amount)
	}
	s := &suite{p: p, h: h, name: p.Name(), currency: h.Takes[0]}

	t.Run("Name", s.testName)
	t.Run("Supports", s.testSupports)
	t.Run("Module", s.testModule)
	t.Run("Check", func(t *testing.T) {
		if err := p.Check(t.Context()); err != nil {
			t.Fatalf("Check: %v", err)
		}
	})
	t.Run("CreateCheckout", s.testCreateCheckout)
	t.Run("CreateCheckout/RefusedCurrency", s.testRefusedCurrency)
	t.Run("CreateCheckout/EveryCurrency", s.testEveryCurrency)
	t.Run("CreateCheckout/SameIdempotencyKey", s.testIdempotentCheckout)
	t.Run("ReturnedCheckout", s.testReturnedCheckout)
	t.Run("Status/Unpaid", s.testStatusUnpaid)
	t.Run("Status/UnknownCheckout", s.testStatusUnknown)
	t.Run("Webhook/Unrelated", s.testWebhookUnrelated)
	t.Run("Webhook/Unsigned", s.testWebhookUnsigned)
	t.Run("Webhook/Forged", s.testWebhookForged)
	t.Run("Webhook/TamperedBody", s.testWebhookTampered)
	t.Run("Webhook/GarbageUnsigned", s.testGarbageUnsigned)
	t.Run("Webhook/GarbageSigned", s.testGarbageSigned)
	t.Run("Paid", s.testPaid)
	t.Run("PaidFoundByStatus", s.testPaidFoundByStatus)
}

type suite struct {
	p        payment.Provider
	h        Harness
	name     string
	currency string

	req payment.CheckoutRequest // the main checkout's request
	co  payment.Checkout        // the main checkout, once created
}

func (s *suite) request(registration int64, currency string) payment.CheckoutRequest {
	reg := strconv.FormatInt(registration, 10)
	return payment.CheckoutRequest{
		RegistrationID: registration, Amount: s.h.Amount, Currency: currency, Title: "Contract",
		Email: "contract@example.com", Locale: "en", ExpiresAt: time.Now().Add(30 * time.Minute),
		SuccessURL: "https://admit.example/pay/return?r=" + reg, CancelURL: "https://admit.example/pay/cancel?r=" + reg,
		IdempotencyKey: "checkout-" + reg,
	}
}

// needCheckout skips a subtest that needs the main checkout when creating
// it failed (that failure is already reported).
func (s *suite) needCheckout(t *testing.T) {
	t.Helper()
	if s.co.ID == "" {
		t.Skip("needs the checkout of CreateCheckout, which failed")
	}
}

func (s *suite) needWebhook(t *testing.T) {
	t.Helper()
	if s.h.Webhook == nil {
		t.Skip("the harness makes no signed webhooks (Harness.Webhook is nil)")
	}
}

func (s *suite) testName(t *testing.T) {
	switch n := s.p.Name(); {
	case n == "":
		t.Fatal("Name is empty")
	case n != s.name:
		t.Errorf("Name changed: %q, then %q", s.name, n)
	case url.PathEscape(n) != n || n == "." || n == "..":
		t.Errorf("Name %q cannot be a path segment (/webhooks/<name>)", n)
	case s.h.Name != "" && n != s.h.Name:
		t.Errorf("Name %q, want %q", n, s.h.Name)
	}
}

func (s *suite) testSupports(t *testing.T) {
	for _, c := range s.h.Takes {
		if !s.p.Supports(c) {
			t.Errorf("Supports(%q) = false, want true", c)
		}
	}
	for _, c := range s.h.Refuses {
		if s.p.Supports(c) {
			t.Errorf("Supports(%q) = true, want false", c)
		}
	}
}

func (s *suite) testCreateCheckout(t *testing.T) {
	req := s.request(mainRegistration, s.currency)
	co, err := s.p.CreateCheckout(t.Context(), req)
	if err != nil {
		t.Fatalf("CreateCheckout: %v", err)
	}
	if co.ID == "" || co.RedirectURL == "" {
		t.Fatalf("CreateCheckout: %+v, want an id and a redirect URL", co)
	}
	if u, err := url.Parse(co.RedirectURL); err != nil || !u.IsAbs() {
		t.Fatalf("CreateCheckout: redirect URL %q is not an absolute URL", co.RedirectURL)
	}
	s.req, s.co = req, co
}

// testReturnedCheckout: the checkout a return URL names is read from its
// query alone (Admit compares it with the registration's before Return).
func (s *suite) testReturnedCheckout(t *testing.T) {
	if s.h.ReturnQuery == nil {
		t.Skip("the harness has no return query (Harness.ReturnQuery is nil)")
	}
	s.needCheckout(t)
	if got := s.p.ReturnedCheckout(s.h.ReturnQuery(s.co)); got != s.co.ID {
		t.Errorf("ReturnedCheckout(return query of %s) = %q", s.co.ID, got)
	}
	if got := s.p.ReturnedCheckout(url.Values{}); got != "" {
		t.Errorf("ReturnedCheckout(no query) = %q, want \"\"", got)
	}
}

func (s *suite) testRefusedCurrency(t *testing.T) {
	if len(s.h.Refuses) == 0 {
		t.Skip("the harness names no currency the provider refuses (Harness.Refuses)")
	}
	for i, c := range s.h.Refuses {
		req := s.request(currencyBase+100+int64(i), c)
		if co, err := s.p.CreateCheckout(t.Context(), req); !errors.Is(err, payment.ErrCurrency) {
			t.Errorf("CreateCheckout in %q: %+v, %v; want payment.ErrCurrency", c, co, err)
		}
	}
}

func (s *suite) testEveryCurrency(t *testing.T) {
	if len(s.h.Takes) < 2 {
		t.Skip("the harness names one currency only; CreateCheckout covers it")
	}
	for i, c := range s.h.Takes[1:] {
		co, err := s.p.CreateCheckout(t.Context(), s.request(currencyBase+int64(i), c))
		if err != nil || co.ID == "" || co.RedirectURL == "" {
			t.Errorf("CreateCheckout in %s: %+v, %v", c, co, err)
		}
	}
}

func (s *suite) testIdempotentCheckout(t *testing.T) {
	if s.h.NoIdempotency != "" {
		t.Skip(s.h.NoIdempotency)
	}
	s.needCheckout(t)
	again, err := s.p.CreateCheckout(t.Context(), s.req)
	if err != nil || again != s.co {
		t.Fatalf("same IdempotencyKey %q: %+v, %v; want the first checkout %+v", s.req.IdempotencyKey, again, err, s.co)
	}
}

func (s *suite) testStatusUnpaid(t *testing.T) {
	s.needCheckout(t)
	ev, err := s.p.Status(t.Context(), s.co.ID)
	if err != nil {
		t.Fatalf("Status of an unpaid checkout: %v", err)
	}
	if ev.Kind != payment.Pending || ev.ID == "" || ev.Provider != s.name || ev.CheckoutID != s.co.ID {
		t.Fatalf("Status of an unpaid checkout: %+v; want Pending, an id, Provider %q, CheckoutID %q", ev, s.name, s.co.ID)
	}
	if again, err := s.p.Status(t.Context(), s.co.ID); err != nil || again.ID != ev.ID {
		t.Errorf("Status asked again: %+v, %v; want the same event id %q", again, err, ev.ID)
	}
}

func (s *suite) testStatusUnknown(t *testing.T) {
	if s.h.UnknownCheckout == "" {
		t.Skip("the harness names no unknown checkout (Harness.UnknownCheckout)")
	}
	if ev, err := s.p.Status(t.Context(), s.h.UnknownCheckout); !errors.Is(err, payment.ErrNotFound) {
		t.Fatalf("Status(%q): %+v, %v; want payment.ErrNotFound", s.h.UnknownCheckout, ev, err)
	}
}

// ------------------------------------------------------------ webhooks

// parse calls ParseWebhook on a copy of r, and turns a panic into a
// failure.
func (s *suite) parse(t *testing.T, r payment.WebhookRequest) (ev payment.Event, err error) {
	t.Helper()
	r = payment.WebhookRequest{Body: bytes.Clone(r.Body), Header: r.Header.Clone()}
	defer func() {
		if v := recover(); v != nil {
			t.Errorf("ParseWebhook panicked on body %s: %v", short(r.Body), v)
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return s.p.ParseWebhook(t.Context(), r)
}

// refused checks that ParseWebhook refuses r as unsigned.
func (s *suite) refused(t *testing.T, what string, r payment.WebhookRequest) {
	t.Helper()
	if ev, err := s.parse(t, r); !errors.Is(err, payment.ErrSignature) {
		t.Errorf("%s: %+v, %v; want payment.ErrSignature", what, ev, err)
	}
}

func (s *suite) testWebhookUnrelated(t *testing.T) {
	s.needWebhook(t)
	wh := s.h.Webhook(t, Unrelated)
	if ev, err := s.parse(t, wh); !errors.Is(err, payment.ErrIgnored) {
		t.Fatalf("well-signed webhook of a type the provider does not act on: %+v, %v; want payment.ErrIgnored", ev, err)
	}
}

func (s *suite) testWebhookUnsigned(t *testing.T) {
	s.needWebhook(t)
	wh := s.h.Webhook(t, Unrelated)
	s.refused(t, "webhook without headers", payment.WebhookRequest{Body: wh.Body})
	s.refused(t, "webhook with empty headers", payment.WebhookRequest{Body: wh.Body, Header: http.Header{}})
}

func (s *suite) testWebhookForged(t *testing.T) {
	s.needWebhook(t)
	if s.h.Forge == nil {
		t.Skip("the harness forges no webhooks (Harness.Forge is nil)")
	}
	wh := s.h.Webhook(t, Unrelated)
	s.refused(t, "forged webhook", s.h.Forge(clone(wh)))
}

func (s *suite) testWebhookTampered(t *testing.T) {
	s.needWebhook(t)
	if s.tampered(t, s.h.Webhook(t, Unrelated)) == 0 {
		t.Skip(`the webhook's body has no "id" nor registration id to change`)
	}
}

// idField finds the first "id": "..." of a body: the event's id (or its
// object's).
var idField = regexp.MustCompile(`"id"\s*:\s*"[^"]`)

// tampered checks that a genuine signature does not cover a body changed
// after signing, in what it means: the first id it names, and the
// registration paid for when it names one. It returns how many changes it
// tried.
func (s *suite) tampered(t *testing.T, wh payment.WebhookRequest) int {
	t.Helper()
	n := 0
	if loc := idField.FindIndex(wh.Body); loc != nil {
		other := bytes.Clone(wh.Body)
		if c := &other[loc[1]-1]; *c == 'Z' {
			*c = 'Y'
		} else {
			*c = 'Z'
		}
		s.refused(t, "signed body with another id", payment.WebhookRequest{Body: other, Header: wh.Header})
		n++
	}
	for _, reg := range []int64{mainRegistration, statusRegistration} {
		q := []byte(strconv.Quote(strconv.FormatInt(reg, 10)))
		if bytes.Contains(wh.Body, q) {
			other := bytes.ReplaceAll(wh.Body, q, []byte(strconv.Quote("999999")))
			s.refused(t, "signed body sent to another registration", payment.WebhookRequest{Body: other, Header: wh.Header})
			n++
		}
	}
	return n
}

// garbage are bodies no provider sent.
var garbage = [][]byte{
	nil,
	{},
	[]byte(" "),
	[]byte("not json"),
	[]byte("{"),
	[]byte(`{"id":`),
	[]byte("[]"),
	[]byte("null"),
	[]byte(`"string"`),
	[]byte("{}"),
	[]byte("\x00\xff\xfe\x80 binary"),
	[]byte(`{"id":"evt_1","object":"event","type":"checkout.session.completed","event_type":"PAYMENT.CAPTURE.COMPLETED","data":{"object":null},"resource":null}`),
	[]byte(`{"id":["not","a","string"],"type":{},"event_type":7,"data":"x","resource":[]}`),
	bytes.Repeat([]byte("["), 20000),
}

func (s *suite) testGarbageUnsigned(t *testing.T) {
	for _, body := range garbage {
		s.refused(t, "garbage "+short(body)+" without headers", payment.WebhookRequest{Body: body})
	}
}

func (s *suite) testGarbageSigned(t *testing.T) {
	s.needWebhook(t)
	wh := s.h.Webhook(t, Unrelated)
	for _, body := range garbage {
		s.refused(t, "garbage "+short(body)+" with a genuine webhook's headers", payment.WebhookRequest{Body: body, Header: wh.Header})
	}
}

// ------------------------------------------------------------ paid

// checkPaid checks a Paid event for the checkout co made by req.
func (s *suite) checkPaid(t *testing.T, what string, ev payment.Event, co payment.Checkout, req payment.CheckoutRequest) {
	t.Helper()
	if ev.Kind != payment.Paid || ev.ID == "" || ev.Provider != s.name || ev.CheckoutID != co.ID ||
		ev.RegistrationID != req.RegistrationID || ev.Amount != req.Amount || ev.Currency != req.Currency || ev.PaymentID == "" {
		t.Fatalf("%s: %+v\nwant Kind paid, an id, Provider %q, CheckoutID %q, RegistrationID %d, Amount %d %s and a PaymentID",
			what, ev, s.name, co.ID, req.RegistrationID, req.Amount, req.Currency)
	}
}

// same checks that asking again answers the same event, so the domain
// applies it once.
func same(t *testing.T, what string, first, again payment.Event, err error) {
	t.Helper()
	if err != nil || again.ID != first.ID || again.Kind != first.Kind || again.PaymentID != first.PaymentID {
		t.Fatalf("%s: %+v, %v; want the same event as first (%s %s, payment %s)", what, again, err, first.Kind, first.ID, first.PaymentID)
	}
}

func (s *suite) testPaid(t *testing.T) {
	if s.h.Pay == nil {
		t.Skip("the harness cannot make the buyer pay (Harness.Pay is nil)")
	}
	s.needCheckout(t)
	co, req := s.co, s.req
	s.h.Pay(t, co)

	var paid payment.Event // the first Paid answer, by Return or Status
	t.Run("Return", func(t *testing.T) {
		if s.h.ReturnQuery == nil {
			t.Skip("the harness has no return query (Harness.ReturnQuery is nil)")
		}
		ev, err := s.p.Return(t.Context(), s.h.ReturnQuery(co))
		if err != nil {
			t.Fatalf("Return after paying: %v", err)
		}
		s.checkPaid(t, "Return after paying", ev, co, req)
		paid = ev
		again, err := s.p.Return(t.Context(), s.h.ReturnQuery(co))
		same(t, "Return reloaded", paid, again, err)
	})
	t.Run("Status", func(t *testing.T) {
		ev, err := s.p.Status(t.Context(), co.ID)
		if err != nil {
			t.Fatalf("Status after paying: %v", err)
		}
		s.checkPaid(t, "Status after paying", ev, co, req)
		if paid.ID == "" {
			paid = ev
		} else {
			same(t, "Status after Return", paid, ev, nil)
		}
		again, err := s.p.Status(t.Context(), co.ID)
		same(t, "Status asked again", paid, again, err)
	})
	if paid.ID == "" {
		t.Fatal("neither Return nor Status answered Paid; the rest needs the payment")
	}
	t.Run("Lookup", func(t *testing.T) { s.checkLookup(t, "the payment", co, paid, req, 0) })

	t.Run("Webhook", func(t *testing.T) {
		s.needWebhook(t)
		wh := s.h.Webhook(t, payment.Paid)
		ev, err := s.parse(t, wh)
		if err != nil {
			t.Fatalf("Paid webhook: %v", err)
		}
		s.checkPaid(t, "Paid webhook", ev, co, req)
		if ev.PaymentID != paid.PaymentID {
			t.Errorf("Paid webhook names payment %q, Return/Status %q", ev.PaymentID, paid.PaymentID)
		}
		again, err := s.parse(t, wh)
		same(t, "Paid webhook delivered again", ev, again, err)

		s.refused(t, "Paid webhook without headers", payment.WebhookRequest{Body: wh.Body})
		s.tampered(t, wh)
		if s.h.Forge != nil {
			s.refused(t, "forged Paid webhook", s.h.Forge(clone(wh)))
		}
	})

	t.Run("Refund", func(t *testing.T) { s.testRefund(t, paid, req) })
}

func (s *suite) testRefund(t *testing.T, paid payment.Event, req payment.CheckoutRequest) {
	part := req.Amount / 4
	rest := req.Amount - part
	key := func(n int) string { return fmt.Sprintf("refund-%d-%d", req.RegistrationID, n) }
	refund := func(n int, amount int64) (payment.Refund, error) {
		return s.p.Refund(t.Context(), payment.RefundRequest{PaymentID: paid.PaymentID, Amount: amount,
			Currency: req.Currency, RegistrationID: req.RegistrationID, IdempotencyKey: key(n)})
	}
	// refundWebhook checks the webhook of the last refund.
	refundWebhook := func(t *testing.T, r payment.Refund, amount, total int64) {
		t.Helper()
		s.needWebhook(t)
		wh := s.h.Webhook(t, payment.Refunded)
		ev, err := s.parse(t, wh)
		if err != nil {
			t.Fatalf("Refunded webhook: %v", err)
		}
		if ev.Kind != payment.Refunded || ev.ID == "" || ev.Provider != s.name || ev.PaymentID != paid.PaymentID ||
			ev.Amount != amount || ev.Currency != req.Currency {
			t.Fatalf("Refunded webhook: %+v\nwant Kind refunded, an id, Provider %q, PaymentID %q, Amount %d %s",
				ev, s.name, paid.PaymentID, amount, req.Currency)
		}
		if ev.RefundedTotal != 0 && ev.RefundedTotal != total {
			t.Errorf("Refunded webhook: RefundedTotal %d, want %d (or 0: not said)", ev.RefundedTotal, total)
		}
		if ev.RefundID != "" && ev.RefundID != r.ID {
			t.Errorf("Refunded webhook: RefundID %q, Refund answered %q", ev.RefundID, r.ID)
		}
		if ev.RegistrationID != 0 && ev.RegistrationID != req.RegistrationID {
			t.Errorf("Refunded webhook: RegistrationID %d, want %d (or 0: found by PaymentID)", ev.RegistrationID, req.RegistrationID)
		}
		again, err := s.parse(t, wh)
		same(t, "Refunded webhook delivered again", ev, again, err)
		s.refused(t, "Refunded webhook without headers", payment.WebhookRequest{Body: wh.Body})
		if s.h.Forge != nil {
			s.refused(t, "forged Refunded webhook", s.h.Forge(clone(wh)))
		}
	}

	r1, err := refund(1, part)
	if err != nil || r1.ID == "" || r1.Amount != part {
		t.Fatalf("Refund of %d of %d: %+v, %v; want an id and the amount", part, req.Amount, r1, err)
	}
	t.Run("SameIdempotencyKey", func(t *testing.T) {
		if s.h.NoIdempotency != "" {
			t.Skip(s.h.NoIdempotency)
		}
		if again, err := refund(1, part); err != nil || again.ID != r1.ID {
			t.Fatalf("Refund retried with key %s: %+v, %v; want the first refund %s", key(1), again, err, r1.ID)
		}
	})
	t.Run("Webhook", func(t *testing.T) { refundWebhook(t, r1, part, part) })

	if r, err := refund(2, rest+1); err == nil {
		t.Errorf("Refund of %d with %d left: accepted (%+v)", rest+1, rest, r)
	}
	r3, err := refund(3, rest)
	if err != nil || r3.ID == "" || r3.Amount != rest || r3.ID == r1.ID {
		t.Fatalf("Refund of the %d left: %+v, %v; want a new refund of that amount", rest, r3, err)
	}
	t.Run("WebhookOfTheRest", func(t *testing.T) { refundWebhook(t, r3, rest, req.Amount) })
	t.Run("Lookup", func(t *testing.T) { s.checkLookup(t, "the refunded payment", s.co, paid, req, req.Amount) })
	if r, err := refund(4, 1); err == nil {
		t.Errorf("Refund of 1 when nothing is left: accepted (%+v)", r)
	}
}

// checkLookup asks a provider that looks payments up (payment.PaymentLookup)
// about the paid checkout: what it took, what was refunded so far (the
// reconciliation compares both with Admit's books) and the fee it kept,
// which the paid event's fee, when it carried one, must equal.
func (s *suite) checkLookup(t *testing.T, what string, co payment.Checkout, paid payment.Event, req payment.CheckoutRequest, refunded int64) {
	t.Helper()
	st, err := payment.LookupPayment(t.Context(), s.p, co.ID, paid.PaymentID)
	if errors.Is(err, payment.ErrUnsupported) {
		t.Skip("the provider does not look payments up (no payment.PaymentLookup)")
	}
	if err != nil {
		t.Fatalf("LookupPayment of %s (%s, %s): %v", what, co.ID, paid.PaymentID, err)
	}
	if st.Amount != req.Amount || st.Currency != req.Currency || st.Refunded != refunded {
		t.Errorf("LookupPayment of %s: %d %s, %d refunded; want %d %s, %d refunded", what, st.Amount, st.Currency, st.Refunded, req.Amount, req.Currency, refunded)
	}
	if st.Refunds != nil {
		sum := int64(0)
		for _, r := range st.Refunds {
			sum += r.Amount
		}
		if sum != st.Refunded {
			t.Errorf("LookupPayment of %s: its refunds add up to %d, Refunded says %d", what, sum, st.Refunded)
		}
	}
	if st.FeeCurrency == "" {
		if st.Fee != 0 {
			t.Errorf("LookupPayment of %s: a fee of %d in no currency", what, st.Fee)
		}
		return // not settled yet: Admit asks again later
	}
	if !currencyCode.MatchString(st.FeeCurrency) || st.Fee < 0 || (st.FeeCurrency == st.Currency && st.Fee > st.Amount) {
		t.Errorf("LookupPayment of %s: fee %d %q; want 0 to the amount, in a currency's code", what, st.Fee, st.FeeCurrency)
	}
	if s.h.Fee != nil {
		if fee, cur := s.h.Fee(paid.PaymentID, req.Amount, req.Currency); st.Fee != fee || st.FeeCurrency != cur {
			t.Errorf("LookupPayment of %s: fee %d %s; the provider kept %d %s", what, st.Fee, st.FeeCurrency, fee, cur)
		}
	}
	if paid.FeeCurrency != "" && (paid.Fee != st.Fee || paid.FeeCurrency != st.FeeCurrency) {
		t.Errorf("the paid event says a fee of %d %s, LookupPayment %d %s", paid.Fee, paid.FeeCurrency, st.Fee, st.FeeCurrency)
	}
}

// currencyCode is an ISO 4217 code as providers report them (upper case).
var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// testPaidFoundByStatus is the reconciler's case: the buyer paid but never
// came back to the success URL, so Status finds the payment.
func (s *suite) testPaidFoundByStatus(t *testing.T) {
	if s.h.Pay == nil {
		t.Skip("the harness cannot make the buyer pay (Harness.Pay is nil)")
	}
	req := s.request(statusRegistration, s.currency)
	co, err := s.p.CreateCheckout(t.Context(), req)
	if err != nil || co.ID == "" {
		t.Fatalf("CreateCheckout: %+v, %v", co, err)
	}
	if s.h.ReturnQuery != nil {
		// The success URL opened before paying (typed, or a back button)
		// must not be taken for a payment.
		if ev, err := s.p.Return(t.Context(), s.h.ReturnQuery(co)); err == nil && ev.Kind == payment.Paid {
			t.Fatalf("Return before paying: %+v; want an error or a Kind other than Paid", ev)
		}
	}
	s.h.Pay(t, co)
	paid, err := s.p.Status(t.Context(), co.ID)
	if err != nil {
		t.Fatalf("Status after paying: %v", err)
	}
	s.checkPaid(t, "Status after paying", paid, co, req)
	again, err := s.p.Status(t.Context(), co.ID)
	same(t, "Status asked again", paid, again, err)
	if s.h.ReturnQuery != nil {
		back, err := s.p.Return(t.Context(), s.h.ReturnQuery(co))
		same(t, "Return after Status", paid, back, err)
	}
}

// ------------------------------------------------------------ helpers

func clone(r payment.WebhookRequest) payment.WebhookRequest {
	return payment.WebhookRequest{Body: bytes.Clone(r.Body), Header: r.Header.Clone()}
}

// short quotes the start of a body for a message.
func short(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%q... (%d bytes)", b[:40], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// testModule: the registered description tells the truth about the
// provider: same name, the currencies it declares are those it supports,
// with sane limits, and it registers.
func (s *suite) testModule(t *testing.T) {
	if s.h.Module == nil {
		t.Skip("no Harness.Module: the plugin's registration is not checked")
	}
	m := *s.h.Module
	if m.Name != s.name {
		t.Errorf("Module.Name %q, provider's Name() %q", m.Name, s.name)
	}
	for _, c := range append(append([]string{}, s.h.Takes...), s.h.Refuses...) {
		if _, ok := m.Takes(c); ok != s.p.Supports(c) {
			t.Errorf("%s: the module says it takes it: %v; Supports: %v", c, ok, s.p.Supports(c))
		}
	}
	for code, l := range m.Currencies {
		if !s.p.Supports(code) {
			t.Errorf("%s: declared by the module, refused by Supports", code)
		}
		if l.Min < 1 || (l.Max != 0 && l.Max < l.Min) {
			t.Errorf("%s: limits %+v: the minimum must be at least 1 and below the maximum", code, l)
		}
	}
	if _, ok := s.p.(payment.Authorizer); m.Authorize && !ok {
		t.Errorf("the module declares Authorize, the provider has no Capture and Void (payment.Authorizer)")
	}
	if _, ok := s.p.(payment.Reauthorizer); m.Reauthorize != ok || (m.Reauthorize && !m.Authorize) {
		t.Errorf("the module declares Reauthorize %v (Authorize %v); the provider implements payment.Reauthorizer: %v", m.Reauthorize, m.Authorize, ok)
	}
	// A provider that cannot send money back says so up front, so that
	// Admit records what the organizer owes instead of asking it.
	_, err := s.p.Refund(t.Context(), payment.RefundRequest{PaymentID: "paymenttest-no-such-payment", Amount: 1, Currency: s.currency,
		RegistrationID: mainRegistration, IdempotencyKey: "paymenttest-module-refund"})
	if unsupported := errors.Is(err, payment.ErrUnsupported); unsupported != m.ManualRefunds {
		t.Errorf("the module declares ManualRefunds %v; Refund answers %v (ErrUnsupported: %v)", m.ManualRefunds, err, unsupported)
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("the module does not register: %v", r)
			}
		}()
		payment.NewModules(m)
	}()
}
