package stripe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/payment/paymenttest"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/plugins/stripe/stripetest"
)

// unknownSession is the session the contract asks about that Stripe does not
// know. stripe-mock answers its fixture for any id, so a canned 404 shaped
// like Stripe's stands in.
const unknownSession = "cs_test_contract_gone"

// The provider contract every plugin passes (app/payment/paymenttest), run
// against stripe-mock for what a stateless mock shows (creating sessions, an
// open session's status, Check, refunds' requests), with stripeWorld
// standing in for the state Stripe keeps and stripe-mock cannot: a session
// the buyer paid, what is left to refund, Idempotency-Key replays, a missing
// session. Webhooks are built with stripetest and signed with Stripe's
// algorithm (stripetest.Sign).
func TestProviderContract(t *testing.T) {
	w := &stripeWorld{next: http.DefaultTransport}
	mockBase(t) // skipped without stripe-mock, as the package's other mock tests
	transport := canned{answers: []answer{{"GET", "/v1/checkout/sessions/" + unknownSession, 404, `{"error":{
		"type":"invalid_request_error","code":"resource_missing","param":"session",
		"message":"No such checkout.session: '` + unknownSession + `'"}}`}}, next: w}
	p, err := New(Config{
		SecretKey:     testKey,
		WebhookSecret: testWebhookSecret,
		APIBase:       mock.base,
		HTTPClient:    &http.Client{Transport: transport, Timeout: 30 * time.Second},
		// A fixed clock, as the package's other tests: expires_at, clamped
		// to at least 31 minutes from now, is then the same in a retried
		// create (Stripe compares a replayed request's parameters).
		Now: func() time.Time { return fixedNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	takes := []string{"EUR"}
	for _, c := range pricing.Codes() {
		if c != "EUR" {
			takes = append(takes, c)
		}
	}
	paymenttest.Run(t, p, paymenttest.Harness{Module: ptr(Module()),
		Name:            Name,
		Takes:           takes,
		Refuses:         []string{"JPY", "XXX", ""},
		Pay:             w.pay,
		ReturnQuery:     w.returnQuery,
		Webhook:         w.webhook,
		Forge:           forgeStripe,
		UnknownCheckout: unknownSession,
		Fee:             worldFee,
	})
}

// worldFee is the fee the world's Stripe keeps on a payment (2.9% + 30 minor
// units, in the charge's currency, as an account settling in it would).
func worldFee(_ string, amount int64, currency string) (int64, string) {
	return amount*29/1000 + 30, strings.ToUpper(currency)
}

// stripeWorld is an http.RoundTripper in front of stripe-mock that keeps
// what Stripe would: the sessions the provider opened (from the requests it
// sent), which of them the buyer paid, the refunds of each payment, and
// answers to Idempotency-Keys. Requests it has no state for go to
// stripe-mock unchanged.
type stripeWorld struct {
	next http.RoundTripper

	mu       sync.Mutex
	seq      int
	sessions map[string]*worldSession // by id, as stripe-mock named them
	byIntent map[string]*worldSession // paid ones, by PaymentIntent
	replays  map[string]replay        // by Idempotency-Key
	paid     *worldSession            // the last paid
	refunded *worldSession            // the last refunded
}

type worldSession struct {
	id, currency, successURL string // currency lower-case, as Stripe writes it
	registration, amount     int64
	paid                     bool
	intent, charge           string
	refunded, lastRefund     int64 // amount_refunded, and the last refund's amount
}

// replay is a first answer to an Idempotency-Key: Stripe answers it again to
// the same request, and refuses the key with other parameters.
type replay struct {
	path, form string
	status     int
	body       []byte
}

func (w *stripeWorld) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("stripe world: body is not a form: %v", err)
	}
	key := req.Header.Get("Idempotency-Key")
	if req.Method != http.MethodPost {
		key = ""
	}
	if key != "" {
		w.mu.Lock()
		r, ok := w.replays[key]
		w.mu.Unlock()
		switch {
		case ok && (r.path != req.URL.Path || r.form != string(body)):
			return respond(req, 400, `{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '`+key+`' if you meant to execute a different request."}}`), nil
		case ok:
			res := respond(req, r.status, string(r.body))
			res.Header.Set("Idempotent-Replayed", "true")
			return res, nil
		}
	}

	res, err := w.answer(req, form)
	if err != nil || key == "" || res.StatusCode/100 != 2 {
		return res, err // Stripe keeps no answer of a request it refused
	}
	out, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(out))
	w.mu.Lock()
	if w.replays == nil {
		w.replays = map[string]replay{}
	}
	w.replays[key] = replay{path: req.URL.Path, form: string(body), status: res.StatusCode, body: out}
	w.mu.Unlock()
	return res, nil
}

// answer is Stripe's answer to a request the world has not seen before.
func (w *stripeWorld) answer(req *http.Request, form url.Values) (*http.Response, error) {
	switch path := req.URL.Path; {
	case req.Method == http.MethodPost && path == "/v1/checkout/sessions":
		res, err := w.next.RoundTrip(req)
		if err != nil || res.StatusCode != 200 {
			return res, err
		}
		out, err := readJSON(res)
		if err != nil {
			return nil, err
		}
		id, _ := out["id"].(string)
		amount, _ := strconv.ParseInt(form.Get("line_items[0][price_data][unit_amount]"), 10, 64)
		quantity, _ := strconv.ParseInt(form.Get("line_items[0][quantity]"), 10, 64)
		reg, _ := strconv.ParseInt(form.Get("metadata[registration_id]"), 10, 64)
		w.mu.Lock()
		if w.sessions == nil {
			w.sessions = map[string]*worldSession{}
		}
		w.sessions[id] = &worldSession{id: id, currency: form.Get("line_items[0][price_data][currency]"),
			successURL: form.Get("success_url"), registration: reg, amount: amount * quantity}
		w.mu.Unlock()
		return res, nil

	case req.Method == http.MethodGet && strings.HasPrefix(path, "/v1/checkout/sessions/"):
		w.mu.Lock()
		s := w.sessions[strings.TrimPrefix(path, "/v1/checkout/sessions/")]
		var paid string
		if s != nil && s.paid {
			paid = fmt.Sprintf(`{"id":%q,"object":"checkout.session","mode":"payment","status":"complete","payment_status":"paid",`+
				`"amount_total":%d,"currency":%q,"client_reference_id":"%d","metadata":{"registration_id":"%d"},`+
				`"payment_intent":{"id":%q,"object":"payment_intent","status":"succeeded","amount":%d,"currency":%q,"latest_charge":%q}}`,
				s.id, s.amount, s.currency, s.registration, s.registration, s.intent, s.amount, s.currency, s.charge)
		}
		w.mu.Unlock()
		if paid == "" {
			return w.next.RoundTrip(req) // open, as stripe-mock answers
		}
		return canned{answers: []answer{{"GET", path, 200, paid}}}.RoundTrip(req)

	case req.Method == http.MethodGet && strings.HasPrefix(path, "/v1/payment_intents/"):
		w.mu.Lock()
		s := w.byIntent[strings.TrimPrefix(path, "/v1/payment_intents/")]
		var intent string
		if s != nil {
			// Expanded as Payment asks: latest_charge.balance_transaction.
			fee, _ := worldFee("", s.amount, s.currency)
			intent = fmt.Sprintf(`{"id":%q,"object":"payment_intent","status":"succeeded","amount":%d,"currency":%q,`+
				`"latest_charge":{"id":%q,"object":"charge","amount":%d,"currency":%q,"amount_refunded":%d,"payment_intent":%q,`+
				`"balance_transaction":{"id":"txn_%s","object":"balance_transaction","type":"charge","amount":%d,"currency":%q,"fee":%d,"net":%d}}}`,
				s.intent, s.amount, s.currency, s.charge, s.amount, s.currency, s.refunded, s.intent,
				s.charge, s.amount, s.currency, fee, s.amount-fee)
		}
		w.mu.Unlock()
		if intent == "" {
			return w.next.RoundTrip(req) // a payment the world did not take: stripe-mock's fixture
		}
		return canned{answers: []answer{{"GET", path, 200, intent}}}.RoundTrip(req)

	case req.Method == http.MethodPost && path == "/v1/refunds":
		w.mu.Lock()
		s := w.byIntent[form.Get("payment_intent")]
		w.mu.Unlock()
		if s == nil {
			return w.next.RoundTrip(req) // a payment the world did not take
		}
		return w.refund(req, form, s)
	}
	return w.next.RoundTrip(req)
}

// refund refunds a paid session's payment: stripe-mock checks the request
// and makes the refund, the world what is left.
func (w *stripeWorld) refund(req *http.Request, form url.Values, s *worldSession) (*http.Response, error) {
	w.mu.Lock()
	left := s.amount - s.refunded
	w.mu.Unlock()
	amount := left
	if form.Has("amount") {
		amount, _ = strconv.ParseInt(form.Get("amount"), 10, 64)
	}
	switch {
	case left == 0:
		return respond(req, 400, `{"error":{"type":"invalid_request_error","code":"charge_already_refunded",
			"message":"Charge `+s.charge+` has already been refunded."}}`), nil
	case amount > left:
		return respond(req, 400, fmt.Sprintf(`{"error":{"type":"invalid_request_error","code":"amount_too_large","param":"amount",
			"message":"Refund amount (%d %s) is greater than unrefunded amount on charge (%d %s)"}}`, amount, s.currency, left, s.currency)), nil
	}
	res, err := w.next.RoundTrip(req)
	if err != nil || res.StatusCode != 200 {
		return res, err
	}
	out, err := readJSON(res)
	if err != nil {
		return nil, err
	}
	out["amount"], out["currency"], out["payment_intent"], out["charge"], out["status"] = amount, s.currency, s.intent, s.charge, "succeeded"
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	s.refunded += amount
	s.lastRefund = amount
	w.refunded = s
	w.mu.Unlock()
	return respond(req, 200, string(b)), nil
}

// pay is the buyer paying on Stripe's page: the session completes, paid,
// with a PaymentIntent and its charge.
func (w *stripeWorld) pay(t *testing.T, co payment.Checkout) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.sessions[co.ID]
	if s == nil || s.paid {
		t.Fatalf("stripe world: pay %s: session is %+v", co.ID, s)
	}
	w.seq++
	s.paid, s.intent, s.charge = true, fmt.Sprintf("pi_contract%06d", w.seq), fmt.Sprintf("ch_contract%06d", w.seq)
	if w.byIntent == nil {
		w.byIntent = map[string]*worldSession{}
	}
	w.byIntent[s.intent] = s
	w.paid = s
}

// returnQuery is the query of the success URL the provider sent, with
// {CHECKOUT_SESSION_ID} filled in as Stripe does.
func (w *stripeWorld) returnQuery(co payment.Checkout) url.Values {
	w.mu.Lock()
	s := w.sessions[co.ID]
	w.mu.Unlock()
	if s == nil {
		return url.Values{}
	}
	u, err := url.Parse(strings.ReplaceAll(s.successURL, "{CHECKOUT_SESSION_ID}", co.ID))
	if err != nil {
		return url.Values{}
	}
	return u.Query()
}

// webhook is Stripe's event for the last paid session, the last refund, or
// one Admit does not act on, signed now with the endpoint's secret.
func (w *stripeWorld) webhook(t *testing.T, kind payment.Kind) payment.WebhookRequest {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	id := fmt.Sprintf("evt_contract%06d", w.seq)
	var body []byte
	switch kind {
	case payment.Paid:
		s := w.paid
		if s == nil {
			t.Fatal("stripe world: no session was paid")
		}
		body = stripetest.Event(id, "checkout.session.completed",
			stripetest.Session(s.id, s.registration, "complete", "paid", s.amount, s.currency, s.intent))
	case payment.Refunded:
		s := w.refunded
		if s == nil {
			t.Fatal("stripe world: nothing was refunded")
		}
		// data.previous_attributes follows data.object, as Stripe sends it.
		body = stripetest.Event(id, "charge.refunded",
			stripetest.Charge(s.charge, s.intent, s.amount, s.refunded, s.currency)+
				fmt.Sprintf(`,"previous_attributes":{"amount_refunded":%d}`, s.refunded-s.lastRefund))
	case paymenttest.Unrelated:
		body = stripetest.Event(id, "customer.created", `{"id":"cus_contract","object":"customer","email":"contract@example.com"}`)
	default:
		t.Skipf("the stripe world makes no %s webhook", kind)
	}
	return payment.WebhookRequest{Body: body, Header: http.Header{SignatureHeader: {stripetest.Sign(testWebhookSecret, time.Now(), body)}}}
}

// forgeStripe signs the body with another endpoint's secret.
func forgeStripe(r payment.WebhookRequest) payment.WebhookRequest {
	return payment.WebhookRequest{Body: r.Body, Header: http.Header{SignatureHeader: {stripetest.Sign("whsec_attacker", time.Now(), r.Body)}}}
}

func respond(req *http.Request, status int, body string) *http.Response {
	return &http.Response{
		StatusCode: status,
		Header:     http.Header{"Content-Type": {"application/json"}, "Request-Id": {"req_contract"}},
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    req,
	}
}

// readJSON decodes an answer's body and leaves it readable again.
func readJSON(res *http.Response) (map[string]any, error) {
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("stripe world: %s: %v", res.Request.URL.Path, err)
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }
