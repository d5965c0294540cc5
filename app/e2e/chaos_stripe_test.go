package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/admit/admit/plugins/stripe/stripetest"
)

// stripeSide is Stripe as the chaos test sees it: stripe-mock behind a
// recording reverse proxy that keeps the state stripe-mock, being stateless,
// cannot.
//
// Every request Admit makes goes on to stripe-mock, which checks it against
// Stripe's OpenAPI description (an unknown parameter, a missing one, a wrong
// type fail as they would at Stripe); its answer is given back as it is,
// except where Stripe's answer depends on what happened before:
//
//   - a POST with an Idempotency-Key already seen on that path answers the
//     first answer again, byte for byte, and changes nothing (Stripe keeps
//     keys 24 hours); stripe-mock would create a second object;
//   - POST /v1/refunds is checked against the ledger (a PaymentIntent the
//     test paid, never more than is left: Stripe's 400 amount_too_large
//     otherwise), recorded, and queues the charge.refunded event Stripe
//     sends, carrying the charge's new amount_refunded;
//   - GET /v1/payment_intents/{id} answers the PaymentIntent with its latest
//     charge from the ledger (amount, currency, amount_refunded; no balance
//     transaction yet: a charge still settling, so no fee on either side),
//     where stripe-mock answers the same fixture (10.99 USD) for any id.
//
// The ledger is therefore what Stripe saw: the payments the test made as
// the buyer (each registration's checkout paid in full, under the
// PaymentIntent id pi_<registration>) and the refunds Admit asked for.
// Admit's books are compared with it by the test and by `admit reconcile`.
type stripeSide struct {
	t    testing.TB
	mock *url.URL
	srv  *httptest.Server

	mu       sync.Mutex
	sessions map[int64]stripeSession // registration id → its checkout session
	charges  map[string]*stripeCharge
	replies  map[string]stripeReply // path + " " + Idempotency-Key
	outbox   [][]byte               // charge.refunded events not yet taken
	seq      int
}

type stripeSession struct {
	ID         string
	Amount     int64
	Currency   string // lower case, as Stripe writes it
	SuccessURL string // with {CHECKOUT_SESSION_ID}, as Admit gave it
}

// stripeCharge is one paid PaymentIntent and its charge.
type stripeCharge struct {
	Registration     int64
	PaymentIntent    string
	Charge           string
	Amount, Refunded int64
	Currency         string
	RefundIDs        []string
}

type stripeReply struct {
	status int
	body   []byte
}

func newStripeSide(t testing.TB, mockURL string) *stripeSide {
	t.Helper()
	u, err := url.Parse(mockURL)
	if err != nil {
		t.Fatal(err)
	}
	s := &stripeSide{t: t, mock: u, sessions: map[int64]stripeSession{}, charges: map[string]*stripeCharge{},
		replies: map[string]stripeReply{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *stripeSide) URL() string { return s.srv.URL }

// forward passes a request on to stripe-mock and answers its status and body.
func (s *stripeSide) forward(r *http.Request, body []byte) (int, []byte, error) {
	u := *s.mock
	u.Path, u.RawQuery = r.URL.Path, r.URL.RawQuery
	req, err := http.NewRequest(r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = r.Header.Clone()
	req.Header.Del("Idempotency-Key") // the proxy plays Stripe's idempotency
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func (s *stripeSide) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := ""
	if k := r.Header.Get("Idempotency-Key"); k != "" && r.Method == http.MethodPost {
		key = r.URL.Path + " " + k
	}
	// One request at a time: Stripe serializes requests with one
	// idempotency key, and the ledger changes in the order they come.
	s.mu.Lock()
	defer s.mu.Unlock()
	if rep, ok := s.replies[key]; ok && key != "" {
		writeStripe(w, rep.status, rep.body)
		return
	}
	status, out, err := s.forward(r, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if status/100 == 2 {
		status, out = s.overlay(r, body, out)
	}
	if key != "" {
		s.replies[key] = stripeReply{status, out}
	}
	writeStripe(w, status, out)
}

func writeStripe(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_chaos")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// stripeError is Stripe's error answer.
func stripeError(code, message string) (int, []byte) {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"type": "invalid_request_error", "code": code, "message": message}})
	if code == "resource_missing" {
		return http.StatusNotFound, b
	}
	return http.StatusBadRequest, b
}

// overlay changes stripe-mock's answer where Stripe's depends on state.
// Called with s.mu held.
func (s *stripeSide) overlay(r *http.Request, body, out []byte) (int, []byte) {
	form, _ := url.ParseQuery(string(body))
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/checkout/sessions":
		var sess struct{ ID string }
		_ = json.Unmarshal(out, &sess)
		reg, _ := strconv.ParseInt(form.Get("client_reference_id"), 10, 64)
		var amount int64
		for i := 0; form.Has(fmt.Sprintf("line_items[%d][quantity]", i)); i++ {
			unit, _ := strconv.ParseInt(form.Get(fmt.Sprintf("line_items[%d][price_data][unit_amount]", i)), 10, 64)
			qty, _ := strconv.ParseInt(form.Get(fmt.Sprintf("line_items[%d][quantity]", i)), 10, 64)
			amount += unit * qty
		}
		if reg > 0 && sess.ID != "" {
			s.sessions[reg] = stripeSession{ID: sess.ID, Amount: amount, Currency: form.Get("line_items[0][price_data][currency]"),
				SuccessURL: form.Get("success_url")}
		}
		return http.StatusOK, out
	case r.Method == http.MethodPost && r.URL.Path == "/v1/refunds":
		return s.refund(form, out)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/checkout/sessions/") && strings.Count(r.URL.Path, "/") == 4:
		return s.sessionJSON(strings.TrimPrefix(r.URL.Path, "/v1/checkout/sessions/"), out)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/payment_intents/") && strings.Count(r.URL.Path, "/") == 3:
		c := s.charges[strings.TrimPrefix(r.URL.Path, "/v1/payment_intents/")]
		if c == nil {
			return stripeError("resource_missing", "No such payment_intent")
		}
		b, _ := json.Marshal(map[string]any{
			"id": c.PaymentIntent, "object": "payment_intent", "amount": c.Amount, "amount_received": c.Amount,
			"currency": c.Currency, "status": "succeeded", "capture_method": "automatic",
			"metadata":      map[string]string{"registration_id": strconv.FormatInt(c.Registration, 10)},
			"latest_charge": json.RawMessage(stripetest.Charge(c.Charge, c.PaymentIntent, c.Amount, c.Refunded, c.Currency)),
		})
		return http.StatusOK, b
	}
	return http.StatusOK, out
}

// sessionJSON is a Checkout Session as Stripe answers it now: stripe-mock's
// fixture with the session's own id, amount, registration and state (open
// until the test paid it, then complete and paid with its PaymentIntent,
// expanded). Called with s.mu held.
func (s *stripeSide) sessionJSON(id string, out []byte) (int, []byte) {
	var reg int64
	var sess stripeSession
	for r, x := range s.sessions {
		if x.ID == id {
			reg, sess = r, x
		}
	}
	if reg == 0 {
		return stripeError("resource_missing", "No such checkout.session: "+id)
	}
	var obj map[string]any
	if err := json.Unmarshal(out, &obj); err != nil {
		return http.StatusInternalServerError, []byte(`{"error":{"type":"api_error","message":"stripe-mock answered no JSON"}}`)
	}
	ref := strconv.FormatInt(reg, 10)
	obj["id"], obj["object"], obj["mode"], obj["amount_total"], obj["currency"] = id, "checkout.session", "payment", sess.Amount, sess.Currency
	obj["client_reference_id"], obj["metadata"] = ref, map[string]string{"registration_id": ref}
	obj["status"], obj["payment_status"], obj["payment_intent"] = "open", "unpaid", nil
	if c := s.charges[fmt.Sprintf("pi_chaos_%d", reg)]; c != nil {
		obj["status"], obj["payment_status"] = "complete", "paid"
		obj["payment_intent"] = map[string]any{"id": c.PaymentIntent, "object": "payment_intent", "amount": c.Amount,
			"amount_received": c.Amount, "currency": c.Currency, "status": "succeeded", "capture_method": "automatic",
			"metadata": map[string]string{"registration_id": ref}, "latest_charge": c.Charge}
	}
	b, _ := json.Marshal(obj)
	return http.StatusOK, b
}

// returnPath is the success URL Admit gave Stripe for a registration, as
// Stripe sends the buyer back to it: a path with the session's id.
func (s *stripeSide) returnPath(reg int64) (string, error) {
	sess, ok := s.session(reg)
	if !ok {
		return "", fmt.Errorf("registration %d has no checkout session at Stripe", reg)
	}
	u, err := url.Parse(strings.ReplaceAll(sess.SuccessURL, "{CHECKOUT_SESSION_ID}", sess.ID))
	if err != nil {
		return "", err
	}
	return u.RequestURI(), nil
}

// refund records a refund stripe-mock accepted, as Stripe would: on a
// PaymentIntent that was paid, never more than is left.
func (s *stripeSide) refund(form url.Values, out []byte) (int, []byte) {
	c := s.charges[form.Get("payment_intent")]
	if c == nil {
		return stripeError("resource_missing", "No such payment_intent: "+form.Get("payment_intent"))
	}
	left := c.Amount - c.Refunded
	if left == 0 {
		return stripeError("charge_already_refunded", "Charge "+c.Charge+" has already been refunded.")
	}
	amount := left
	if v := form.Get("amount"); v != "" {
		amount, _ = strconv.ParseInt(v, 10, 64)
	}
	if amount <= 0 || amount > left {
		return stripeError("amount_too_large", fmt.Sprintf("Refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, left))
	}
	var ref map[string]any
	if err := json.Unmarshal(out, &ref); err != nil {
		return http.StatusInternalServerError, []byte(`{"error":{"type":"api_error","message":"stripe-mock answered no JSON"}}`)
	}
	before := c.Refunded
	c.Refunded += amount
	id, _ := ref["id"].(string)
	c.RefundIDs = append(c.RefundIDs, id)
	ref["amount"], ref["currency"], ref["charge"], ref["payment_intent"], ref["status"] = amount, c.Currency, c.Charge, c.PaymentIntent, "succeeded"
	b, _ := json.Marshal(ref)
	s.seq++
	s.outbox = append(s.outbox, stripetest.Refunded(fmt.Sprintf("evt_chaos_refund_%d", s.seq), c.Charge, c.PaymentIntent,
		c.Amount, before, c.Refunded, c.Currency))
	return http.StatusOK, b
}

// session is the checkout session Admit opened for a registration.
func (s *stripeSide) session(reg int64) (stripeSession, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[reg]
	return sess, ok
}

// pay is the buyer paying a registration's checkout in full: the charge is
// in the ledger, and the checkout.session.completed event Stripe sends is
// returned. Paying twice is a test error.
func (s *stripeSide) pay(reg int64) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[reg]
	if !ok {
		return nil, fmt.Errorf("registration %d has no checkout session at Stripe", reg)
	}
	pi := fmt.Sprintf("pi_chaos_%d", reg)
	if s.charges[pi] != nil {
		return nil, fmt.Errorf("registration %d paid twice", reg)
	}
	s.charges[pi] = &stripeCharge{Registration: reg, PaymentIntent: pi, Charge: fmt.Sprintf("ch_chaos_%d", reg),
		Amount: sess.Amount, Currency: sess.Currency}
	return stripetest.Event(fmt.Sprintf("evt_chaos_paid_%d", reg), "checkout.session.completed",
		stripetest.Session(sess.ID, reg, "complete", "paid", sess.Amount, sess.Currency, pi)), nil
}

// takeEvents takes the events queued since the last call (charge.refunded).
func (s *stripeSide) takeEvents() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.outbox
	s.outbox = nil
	return out
}

// ledger is a copy of every charge, by registration.
func (s *stripeSide) ledger() map[int64]stripeCharge {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64]stripeCharge, len(s.charges))
	for _, c := range s.charges {
		out[c.Registration] = *c
	}
	return out
}

// refundCount is how many refunds Stripe made, in all.
func (s *stripeSide) refundCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.charges {
		n += len(c.RefundIDs)
	}
	return n
}

// sortedRegs lists a map's registration ids in order.
func sortedRegs[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
