// Package paypaltest is a fake PayPal REST API for tests, written from
// PayPal's documentation, that the real plugins/paypal provider can be
// pointed at (Config.APIBase = Server.URL, Config.WebhookID =
// Server.WebhookID):
//
//   - POST /v1/oauth2/token — HTTP Basic client_id:secret and the form body
//     grant_type=client_credentials; answers {"access_token","token_type":
//     "Bearer","app_id","expires_in":32400,"nonce","scope"}; wrong
//     credentials are 401 {"error":"invalid_client","error_description":
//     "Client Authentication failed"}. Every other route wants
//     "Authorization: Bearer <token>" (401 invalid_token otherwise).
//   - POST /v2/checkout/orders — intent CAPTURE or AUTHORIZE, one purchase
//     unit whose amount.value has at most the currency's decimals
//     (DECIMAL_PRECISION, DECIMALS_NOT_SUPPORTED for zero-decimal HUF, JPY,
//     TWD), custom_id (required here: Admit always sends it) and
//     description within 127 characters; 201 with the order and its HATEOAS
//     links (self, approve, update, capture).
//   - GET /v2/checkout/orders/{id} — the order, with its capture and the
//     capture's refunds under purchase_units[0].payments; 404
//     RESOURCE_NOT_FOUND.
//   - POST /v2/checkout/orders/{id}/capture — 422 UNPROCESSABLE_ENTITY with
//     issue ORDER_NOT_APPROVED before the buyer approved, ORDER_ALREADY_CAPTURED
//     for a second capture; 201 with the order, purchase_units[0].payments.
//     captures[0] carrying id, status, amount, custom_id, final_capture and
//     seller_receivable_breakdown (gross, paypal_fee, net).
//   - POST /v2/payments/captures/{id}/refund — amount optional (the rest of
//     the capture), never more than what is left (REFUND_AMOUNT_EXCEEDED,
//     CAPTURE_FULLY_REFUNDED); 201 with the refund and links self and up
//     (the capture).
//   - POST /v1/notifications/verify-webhook-signature — {"verification_status":
//     "SUCCESS"} only when webhook_id is the fake's and transmission_sig is
//     what the fake signed for transmission_id|transmission_time|webhook_id|
//     crc32(webhook_event), PayPal's signed string; "FAILURE" otherwise.
//     PayPal signs with SHA256withRSA and a certificate at cert_url; the
//     fake uses HMAC-SHA256 with a key of its own, which is enough for a
//     server-side check.
//
// A POST with a PayPal-Request-Id already seen on that route answers the
// first answer again, byte for byte (PayPal "returns the latest status of the
// previous request that used that same header"); the fake also replays
// refusals, the strictest reading. Prefer: return=representation gives full
// bodies, otherwise the documented minimal ones (id, status, links).
//
// Tests act as the buyer with Approve, Decline (the capture is DECLINED),
// DeclineInstrument (422 INSTRUMENT_DECLINED until Reapprove) and Void, make
// PayPal fail after capturing with FailAfterCapture (500, the money taken),
// act as the merchant in PayPal's dashboard with CaptureOrder and
// DashboardRefund, and as PayPal's webhook sender with the deliveries the
// fake queues (Webhooks): a capture queues PAYMENT.CAPTURE.COMPLETED (or
// DENIED), a refund PAYMENT.CAPTURE.REFUNDED, each signed as PayPal would,
// ready to be POSTed to the application (Delivery.Request).
//
// The package imports nothing of Admit's, so that plugins/paypal's own
// tests can use it.
package paypaltest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Credentials tests may use; NewServer takes any.
const (
	ClientID = "AdmitTestClient"
	Secret   = "admit-test-secret"
	// DefaultWebhookID is every Server's WebhookID.
	DefaultWebhookID = "8PT597110X687430L"
)

// Server is a running fake PayPal. It is safe for concurrent use.
type Server struct {
	// URL is the API base (http://127.0.0.1:port): Config.APIBase.
	URL string
	// WebhookID is the id of the only webhook the fake signs deliveries for
	// and verifies: Config.WebhookID. Read it; do not change it.
	WebhookID string

	t                testing.TB
	srv              *httptest.Server
	clientID, secret string

	mu       sync.Mutex
	seq      int
	now      time.Time
	tokens   map[string]bool
	orders   map[string]*Order
	captures map[string]*Capture
	refunds  map[string]*Refund
	// authorizations of AUTHORIZE orders (authorizations.go)
	authorizations map[string]*Authorization
	replies        map[string]answer // route + " " + PayPal-Request-Id
	signKey        []byte
	outbox         []Delivery
	calls          map[string]int // "METHOD /path-pattern"
	verifyLog      [][]byte       // webhook_event bytes as received
	prettyJSON     bool           // deliver webhooks indented, as a proxy might
	// ignorePrefer answers minimal bodies whatever Prefer says.
	ignorePrefer bool
}

// Order is a copy of an order's state.
type Order struct {
	ID, Status, Intent    string
	Currency, Value       string
	Amount                int64
	CustomID, Description string
	InvoiceID             string
	ReturnURL, CancelURL  string
	UserAction, BrandName string
	ShippingPref, Locale  string
	CaptureID             string
	AuthorizationID       string
	decline               bool
	instrumentDeclined    bool
	failAfterCapture      bool
	Created, Updated      time.Time
}

// Capture is a copy of a capture's state.
type Capture struct {
	ID, OrderID, Status string
	Currency            string
	Amount, Fee         int64
	Refunded            int64
	CustomID            string
	Created, Updated    time.Time
}

// Refund is a copy of a refund's state.
type Refund struct {
	ID, CaptureID, Status string
	Currency              string
	Amount                int64
	CustomID              string
	Created               time.Time
}

type answer struct {
	status int
	body   []byte
	// replay, when set, is what a repeated PayPal-Request-Id gets instead
	// of this answer (the state the first request left behind).
	replay *answer
}

// Delivery is a webhook as PayPal would POST it to the application: the
// exact body and the signature headers.
type Delivery struct {
	EventType string
	Body      []byte
	Header    http.Header
}

// Request is the delivery as an HTTP request to target (a URL or, for
// httptest and fiber's app.Test, a path).
func (d Delivery) Request(target string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(d.Body))
	req.Header = d.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if !strings.HasPrefix(target, "/") {
		req.RequestURI = "" // a client's request: http.Client refuses one with a RequestURI
	}
	return req
}

// NewServer starts a fake PayPal that takes the credentials clientID and
// secret; it stops when the test ends.
func NewServer(t testing.TB, clientID, secret string) *Server {
	t.Helper()
	f := &Server{
		WebhookID:      DefaultWebhookID,
		t:              t,
		clientID:       clientID,
		secret:         secret,
		now:            time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC),
		tokens:         map[string]bool{},
		orders:         map[string]*Order{},
		captures:       map[string]*Capture{},
		refunds:        map[string]*Refund{},
		authorizations: map[string]*Authorization{},
		replies:        map[string]answer{},
		signKey:        []byte("fake-paypal-webhook-signing-key"),
		calls:          map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/oauth2/token", f.handleToken)
	mux.HandleFunc("POST /v2/checkout/orders", f.authed(f.handleCreateOrder))
	mux.HandleFunc("GET /v2/checkout/orders/{id}", f.authed(f.handleGetOrder))
	mux.HandleFunc("POST /v2/checkout/orders/{id}/capture", f.authed(f.handleCapture))
	mux.HandleFunc("POST /v2/payments/captures/{id}/refund", f.authed(f.handleRefund))
	mux.HandleFunc("POST /v1/notifications/verify-webhook-signature", f.authed(f.handleVerify))
	f.routeAuthorizations(mux)
	f.srv = httptest.NewServer(f.count(mux))
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// Client is an HTTP client for the fake (Config.HTTPClient).
func (f *Server) Client() *http.Client { return f.srv.Client() }

// Close stops the fake before the test ends.
func (f *Server) Close() { f.srv.Close() }

func (f *Server) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := next.(*http.ServeMux).Handler(r)
		f.mu.Lock()
		f.calls[pattern]++
		f.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// Calls is how many requests a route ("POST /v1/oauth2/token") received.
func (f *Server) Calls(pattern string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[pattern]
}

func (f *Server) nextID(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%014d", prefix, f.seq)
}

// tick moves the fake's clock; every change is a second later.
func (f *Server) tick() time.Time {
	f.now = f.now.Add(time.Second)
	return f.now
}

// ------------------------------------------------------------ test hooks

// order finds an order; the test fails on an unknown id.
func (f *Server) order(op, id string) *Order {
	f.t.Helper()
	o := f.orders[id]
	if o == nil {
		f.t.Fatalf("fake paypal: %s: no order %q", op, id)
	}
	return o
}

// Approve is the buyer approving the order at PayPal.
func (f *Server) Approve(orderID string) {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.orders[orderID]
	if o == nil || o.Status != "CREATED" {
		f.t.Fatalf("fake paypal: approve %s: order is %+v", orderID, o)
	}
	o.Status, o.Updated = "APPROVED", f.tick()
}

// ApproveURL is the order's approve link, where the buyer is sent.
func (f *Server) ApproveURL(orderID string) string {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	return approveURL(f.order("approve url", orderID))
}

func approveURL(o *Order) string {
	return "https://www.sandbox.paypal.com/checkoutnow?token=" + o.ID
}

// Decline approves the order with a funding source the capture will decline.
func (f *Server) Decline(orderID string) {
	f.t.Helper()
	f.Approve(orderID)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orders[orderID].decline = true
}

// DeclineInstrument approves the order with a funding source PayPal refuses
// at capture (422 INSTRUMENT_DECLINED: the buyer must choose another).
func (f *Server) DeclineInstrument(orderID string) {
	f.t.Helper()
	f.Approve(orderID)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orders[orderID].instrumentDeclined = true
}

// Reapprove is the buyer going back to the approve link after a refused
// funding source and choosing another.
func (f *Server) Reapprove(orderID string) {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.orders[orderID]
	if o == nil || o.Status != "APPROVED" {
		f.t.Fatalf("fake paypal: reapprove %s: order is %+v", orderID, o)
	}
	o.instrumentDeclined, o.Updated = false, f.tick()
}

// FailAfterCapture makes the next capture of the order take the money and
// then answer 500 INTERNAL_SERVER_ERROR, as PayPal may when it fails after
// capturing: the order is COMPLETED, PAYMENT.CAPTURE.COMPLETED is queued,
// and the same request sent again (same PayPal-Request-Id) gets the capture,
// PayPal's "latest status of the previous request".
func (f *Server) FailAfterCapture(orderID string) {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.order("fail after capture", orderID).failAfterCapture = true
}

// Void is PayPal voiding an order left alone.
func (f *Server) Void(orderID string) {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.order("void", orderID)
	o.Status, o.Updated = "VOIDED", f.tick()
}

// CaptureOrder captures an approved order as a capture call would, outside
// the application under test (another of its processes, or a call whose
// answer was lost): the order is COMPLETED and PAYMENT.CAPTURE.COMPLETED (or
// DENIED) is queued. It returns the capture id; the test fails when PayPal
// would refuse the capture.
func (f *Server) CaptureOrder(orderID string) string {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.order("capture", orderID)
	if refused := f.captureRefusal(o); refused != nil {
		f.t.Fatalf("fake paypal: capture %s: %d %s", orderID, refused.status, refused.body)
	}
	return f.capture(o).ID
}

// DashboardRefund is the merchant refunding amount (minor units) of a
// capture in PayPal's dashboard: PAYMENT.CAPTURE.REFUNDED is queued, and the
// application hears of it only by that webhook. It returns the refund id;
// the test fails when PayPal would refuse the refund.
func (f *Server) DashboardRefund(captureID string, amount int64) string {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.captures[captureID]
	if c == nil {
		f.t.Fatalf("fake paypal: dashboard refund: no capture %q", captureID)
	}
	rf, refused := f.refund(c, amount)
	if refused != nil {
		f.t.Fatalf("fake paypal: dashboard refund of %d on %s: %d %s", amount, captureID, refused.status, refused.body)
	}
	return rf.ID
}

// RevokeTokens forgets every access token, as when they expire early.
func (f *Server) RevokeTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]bool{}
}

// Order is a copy of an order's state.
func (f *Server) Order(id string) Order {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.order("order", id)
}

// Capture is a copy of a capture's state.
func (f *Server) Capture(id string) Capture {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.captures[id]
	if c == nil {
		f.t.Fatalf("fake paypal: no capture %q", id)
	}
	return *c
}

// Refund is a copy of a refund's state.
func (f *Server) Refund(id string) Refund {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	rf := f.refunds[id]
	if rf == nil {
		f.t.Fatalf("fake paypal: no refund %q", id)
	}
	return *rf
}

// Captures is the fake's ledger: a copy of every capture (its amount, its
// CustomID and what was refunded of it, by Admit's calls or in the
// dashboard), by id.
func (f *Server) Captures() []Capture {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Capture, 0, len(f.captures))
	for _, c := range f.captures {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// OrderCount is how many orders exist.
func (f *Server) OrderCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.orders)
}

// Webhooks takes the deliveries queued since the last call, oldest first.
func (f *Server) Webhooks() []Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.outbox
	f.outbox = nil
	return out
}

// ForgetRequestIDs drops the stored PayPal-Request-Ids, as PayPal does after
// some hours.
func (f *Server) ForgetRequestIDs() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies = map[string]answer{}
}

// Sign returns the headers PayPal would deliver this body with to the
// webhook webhookID.
func (f *Server) Sign(body []byte, webhookID string) http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.signHeaders(body, webhookID)
}

// SetPretty makes later deliveries indented JSON.
func (f *Server) SetPretty(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prettyJSON = on
}

// SetIgnorePrefer makes the fake answer minimal bodies whatever Prefer says.
func (f *Server) SetIgnorePrefer(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ignorePrefer = on
}

// VerifiedEvents are the webhook_event values verify-webhook-signature got.
func (f *Server) VerifiedEvents() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.verifyLog...)
}

// ------------------------------------------------------------ plumbing

func (f *Server) debugID() string { return fmt.Sprintf("f%012x", f.seq) }

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// apiErr writes PayPal's v2 error shape.
func (f *Server) apiErr(status int, name, message, issue, description, field string) answer {
	detail := map[string]any{"issue": issue, "description": description}
	if field != "" {
		detail["field"], detail["location"] = field, "body"
	}
	b, _ := json.Marshal(map[string]any{
		"name": name, "message": message, "debug_id": f.debugID(),
		"details": []any{detail},
		"links": []any{map[string]any{"href": "https://developer.paypal.com/docs/api/orders/v2/#error-" + issue,
			"rel": "information_link", "method": "GET"}},
	})
	return answer{status: status, body: b}
}

func (f *Server) unprocessable(issue, description string) answer {
	return f.apiErr(http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY",
		"The requested action could not be performed, semantically incorrect, or failed business validation.",
		issue, description, "")
}

func (f *Server) invalid(field, issue, description string) answer {
	return f.apiErr(http.StatusBadRequest, "INVALID_REQUEST",
		"Request is not well-formed, syntactically incorrect, or violates schema.", issue, description, field)
}

// serverError is PayPal's 500 answer.
func (f *Server) serverError() answer {
	b, _ := json.Marshal(map[string]any{
		"name": "INTERNAL_SERVER_ERROR", "message": "An internal server error occurred.", "debug_id": f.debugID(),
		"links": []any{map[string]any{"href": "https://developer.paypal.com/api/orders/v2/#error-INTERNAL_SERVER_ERROR",
			"rel": "information_link", "method": "GET"}},
	})
	return answer{status: http.StatusInternalServerError, body: b}
}

func (f *Server) notFound() answer {
	return f.apiErr(http.StatusNotFound, "RESOURCE_NOT_FOUND", "The specified resource does not exist.",
		"INVALID_RESOURCE_ID", "Specified resource ID does not exist. Please check the resource ID and try again.", "")
}

func (f *Server) authed(h func(r *http.Request, body []byte) answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !f.tokens[token] {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token",
				"error_description": "Token signature verification failed"})
			return
		}
		if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"name": "UNSUPPORTED_MEDIA_TYPE"})
			return
		}
		// PayPal-Request-Id: the same id on the same route answers the
		// first answer again.
		key := ""
		if rid := r.Header.Get("PayPal-Request-Id"); rid != "" && r.Method == http.MethodPost &&
			!strings.HasSuffix(r.URL.Path, "/verify-webhook-signature") {
			key = r.URL.Path + " " + rid
			if rep, ok := f.replies[key]; ok {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(rep.status)
				_, _ = w.Write(rep.body)
				return
			}
		}
		rep := h(r, body)
		if key != "" {
			f.replies[key] = rep
			if rep.replay != nil {
				f.replies[key] = *rep.replay
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Paypal-Debug-Id", f.debugID())
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body)
	}
}

func (f *Server) representation(r *http.Request) bool {
	return !f.ignorePrefer && strings.Contains(r.Header.Get("Prefer"), "return=representation")
}

func reply(status int, v any) answer {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return answer{status: status, body: b}
}

// ------------------------------------------------------------ OAuth

func (f *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != f.clientID || secret != f.secret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client",
			"error_description": "Client Authentication failed"})
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type",
			"error_description": "Grant Type is NULL"})
		return
	}
	f.mu.Lock()
	f.seq++
	tok := fmt.Sprintf("A21AAFake%08d", f.seq)
	f.tokens[tok] = true
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"scope":        "https://uri.paypal.com/services/payments/refund https://uri.paypal.com/services/applications/webhooks",
		"access_token": tok, "token_type": "Bearer", "app_id": "APP-80W284485P519543T",
		"expires_in": 32400, "nonce": "2026-03-14T09:30:00Zfake",
	})
}

// ------------------------------------------------------------ amounts

var decimals = map[string]int{
	"AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2,
	"HKD": 2, "HUF": 0, "ILS": 2, "JPY": 0, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "PHP": 2,
	"PLN": 2, "SEK": 2, "SGD": 2, "THB": 2, "TWD": 0, "USD": 2,
}

// PayPal's pattern for money.value.
var valuePattern = regexp.MustCompile(`^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$`)

// money checks a money object as PayPal does and returns it in minor
// units, or the error answer.
func (f *Server) money(field, currency, value string) (int64, *answer) {
	d, ok := decimals[currency]
	if !ok {
		rep := f.unprocessable("CURRENCY_NOT_SUPPORTED", "Currency code is not currently supported.")
		return 0, &rep
	}
	if !valuePattern.MatchString(value) || len(value) > 32 {
		rep := f.invalid(field+"/value", "INVALID_PARAMETER_SYNTAX", "The value of a field does not conform to the expected format.")
		return 0, &rep
	}
	if strings.HasPrefix(value, "-") {
		rep := f.unprocessable("CANNOT_BE_NEGATIVE", "Must be greater than or equal to 0.")
		return 0, &rep
	}
	whole, frac, _ := strings.Cut(value, ".")
	if len(frac) > 0 && d == 0 {
		rep := f.unprocessable("DECIMALS_NOT_SUPPORTED", "Currency code does not support decimals.")
		return 0, &rep
	}
	if len(frac) > d {
		rep := f.unprocessable("DECIMAL_PRECISION", "If the currency supports decimals, only two decimal place precision is supported.")
		return 0, &rep
	}
	frac += strings.Repeat("0", d-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if whole == "" {
		n, err = strconv.ParseInt(frac, 10, 64)
	}
	if err != nil {
		rep := f.invalid(field+"/value", "INVALID_PARAMETER_SYNTAX", "The value of a field does not conform to the expected format.")
		return 0, &rep
	}
	return n, nil
}

func formatMinor(minor int64, currency string) string {
	d := decimals[currency]
	if d == 0 {
		return strconv.FormatInt(minor, 10)
	}
	s := fmt.Sprintf("%0*d", d+1, minor)
	return s[:len(s)-d] + "." + s[len(s)-d:]
}

func moneyJSON(minor int64, currency string) map[string]any {
	return map[string]any{"currency_code": currency, "value": formatMinor(minor, currency)}
}

// ------------------------------------------------------------ orders

var customIDPattern = regexp.MustCompile(`^[A-Za-z0-9-_.,]*$`)

func (f *Server) handleCreateOrder(r *http.Request, body []byte) answer {
	var in struct {
		Intent        string `json:"intent"`
		PurchaseUnits []struct {
			Amount *struct {
				CurrencyCode string `json:"currency_code"`
				Value        string `json:"value"`
			} `json:"amount"`
			CustomID    string `json:"custom_id"`
			InvoiceID   string `json:"invoice_id"`
			Description string `json:"description"`
		} `json:"purchase_units"`
		ApplicationContext *struct {
			BrandName          string `json:"brand_name"`
			Locale             string `json:"locale"`
			ShippingPreference string `json:"shipping_preference"`
			UserAction         string `json:"user_action"`
			ReturnURL          string `json:"return_url"`
			CancelURL          string `json:"cancel_url"`
		} `json:"application_context"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return f.invalid("", "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")
	}
	if in.Intent != "CAPTURE" && in.Intent != "AUTHORIZE" {
		return f.invalid("/intent", "INVALID_PARAMETER_VALUE", "The value of a field is invalid.")
	}
	if len(in.PurchaseUnits) != 1 {
		return f.invalid("/purchase_units", "INVALID_ARRAY_MAX_ITEMS", "The fake takes exactly one purchase unit.")
	}
	pu := in.PurchaseUnits[0]
	if pu.Amount == nil {
		return f.invalid("/purchase_units/@reference_id=='default'/amount", "MISSING_REQUIRED_PARAMETER", "A required field / parameter is missing.")
	}
	amount, bad := f.money("/purchase_units/@reference_id=='default'/amount", pu.Amount.CurrencyCode, pu.Amount.Value)
	if bad != nil {
		return *bad
	}
	if amount == 0 {
		return f.unprocessable("CANNOT_BE_ZERO_OR_NEGATIVE", "Must be greater than zero.")
	}
	if pu.CustomID == "" || len(pu.CustomID) > 127 || !customIDPattern.MatchString(pu.CustomID) {
		return f.invalid("/purchase_units/@reference_id=='default'/custom_id", "INVALID_PARAMETER_SYNTAX", "custom_id is required by Admit's contract and must match ^[A-Za-z0-9-_.,]*$ (1-127).")
	}
	if utf8.RuneCountInString(pu.Description) > 127 {
		return f.invalid("/purchase_units/@reference_id=='default'/description", "INVALID_STRING_LENGTH", "The value of a field is too long.")
	}
	o := &Order{ID: f.nextID("5O"), Status: "CREATED", Intent: in.Intent, Currency: pu.Amount.CurrencyCode,
		Value: pu.Amount.Value, Amount: amount, CustomID: pu.CustomID, Description: pu.Description, InvoiceID: pu.InvoiceID}
	if ac := in.ApplicationContext; ac != nil {
		o.ReturnURL, o.CancelURL, o.UserAction, o.BrandName = ac.ReturnURL, ac.CancelURL, ac.UserAction, ac.BrandName
		o.ShippingPref, o.Locale = ac.ShippingPreference, ac.Locale
		if ac.Locale != "" && !regexp.MustCompile(`^[a-z]{2}-[A-Z]{2}$`).MatchString(ac.Locale) {
			return f.invalid("/application_context/locale", "INVALID_PARAMETER_SYNTAX", "The value of a field does not conform to the expected format.")
		}
	}
	o.Created = f.tick()
	o.Updated = o.Created
	f.orders[o.ID] = o
	return reply(http.StatusCreated, f.orderJSON(o, f.representation(r)))
}

func (f *Server) orderLinks(o *Order) []any {
	self := f.URL + "/v2/checkout/orders/" + o.ID
	links := []any{map[string]any{"href": self, "rel": "self", "method": "GET"}}
	switch o.Status {
	case "CREATED":
		links = append(links,
			map[string]any{"href": approveURL(o), "rel": "approve", "method": "GET"},
			map[string]any{"href": self, "rel": "update", "method": "PATCH"},
			map[string]any{"href": self + "/capture", "rel": "capture", "method": "POST"})
	case "APPROVED":
		links = append(links,
			map[string]any{"href": self, "rel": "update", "method": "PATCH"},
			map[string]any{"href": self + "/capture", "rel": "capture", "method": "POST"})
	}
	return links
}

func (f *Server) orderJSON(o *Order, full bool) map[string]any {
	out := map[string]any{"id": o.ID, "status": o.Status, "links": f.orderLinks(o)}
	if !full {
		return out
	}
	unit := map[string]any{
		"reference_id": "default",
		"amount":       map[string]any{"currency_code": o.Currency, "value": o.Value},
		"payee":        map[string]any{"email_address": "merchant@example.com", "merchant_id": "7KNGBPH2U58GQ"},
		"custom_id":    o.CustomID,
	}
	if o.Description != "" {
		unit["description"] = o.Description
	}
	if o.InvoiceID != "" {
		unit["invoice_id"] = o.InvoiceID
	}
	payments := map[string]any{}
	if a := f.authorizations[o.AuthorizationID]; a != nil {
		payments["authorizations"] = []any{f.authorizationJSON(a)}
	}
	if c := f.captures[o.CaptureID]; c != nil {
		payments["captures"] = []any{f.captureJSON(c)}
		if refunds := f.refundsOf(c); len(refunds) > 0 {
			payments["refunds"] = refunds
		}
	}
	if len(payments) > 0 {
		unit["payments"] = payments
	}
	out["intent"] = o.Intent
	out["purchase_units"] = []any{unit}
	out["create_time"] = o.Created.Format(time.RFC3339)
	out["update_time"] = o.Updated.Format(time.RFC3339)
	if o.Status != "CREATED" {
		out["payer"] = map[string]any{"name": map[string]any{"given_name": "John", "surname": "Doe"},
			"email_address": "buyer@example.com", "payer_id": "QYR5Z8XDVJNXQ"}
	}
	return out
}

func (f *Server) captureJSON(c *Capture) map[string]any {
	self := f.URL + "/v2/payments/captures/" + c.ID
	out := map[string]any{
		"id": c.ID, "status": c.Status, "amount": moneyJSON(c.Amount, c.Currency), "final_capture": true,
		"custom_id":         c.CustomID,
		"seller_protection": map[string]any{"status": "ELIGIBLE", "dispute_categories": []string{"ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"}},
		"create_time":       c.Created.Format(time.RFC3339), "update_time": c.Updated.Format(time.RFC3339),
		"links": []any{
			map[string]any{"href": self, "rel": "self", "method": "GET"},
			map[string]any{"href": self + "/refund", "rel": "refund", "method": "POST"},
			map[string]any{"href": f.URL + "/v2/checkout/orders/" + c.OrderID, "rel": "up", "method": "GET"},
		},
	}
	if c.Status == "DECLINED" {
		out["status_details"] = map[string]any{"reason": "OTHER"}
	} else {
		out["seller_receivable_breakdown"] = map[string]any{
			"gross_amount": moneyJSON(c.Amount, c.Currency), "paypal_fee": moneyJSON(c.Fee, c.Currency),
			"net_amount": moneyJSON(c.Amount-c.Fee, c.Currency),
		}
	}
	return out
}

func (f *Server) handleGetOrder(r *http.Request, _ []byte) answer {
	o := f.orders[r.PathValue("id")]
	if o == nil {
		return f.notFound()
	}
	return reply(http.StatusOK, f.orderJSON(o, true))
}

func (f *Server) handleCapture(r *http.Request, body []byte) answer {
	o := f.orders[r.PathValue("id")]
	if o == nil {
		return f.notFound()
	}
	if len(bytes.TrimSpace(body)) > 0 {
		var in struct {
			PaymentSource json.RawMessage `json:"payment_source"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return f.invalid("", "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")
		}
	}
	if refused := f.captureRefusal(o); refused != nil {
		return *refused
	}
	f.capture(o)
	done := reply(http.StatusCreated, f.orderJSON(o, f.representation(r)))
	if o.failAfterCapture {
		o.failAfterCapture = false
		failed := f.serverError()
		failed.replay = &done
		return failed
	}
	return done
}

// captureRefusal is PayPal's answer to a capture of this order it refuses,
// nil when it would capture.
func (f *Server) captureRefusal(o *Order) *answer {
	var a answer
	switch {
	case o.Status == "CREATED" || o.Status == "PAYER_ACTION_REQUIRED":
		a = f.unprocessable("ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call or provide a valid payment_source in the request.")
	case o.Status == "COMPLETED":
		a = f.unprocessable("ORDER_ALREADY_CAPTURED", "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.")
	case o.Status == "VOIDED":
		a = f.unprocessable("ORDER_EXPIRED", "Order is expired.")
	case o.instrumentDeclined:
		a = f.unprocessable("INSTRUMENT_DECLINED", "The instrument presented was either declined by the processor or bank, or it can't be used for this payment.")
	case o.Intent != "CAPTURE":
		a = f.unprocessable("ACTION_DOES_NOT_MATCH_INTENT", "Order was created with an intent to 'AUTHORIZE'.")
	default:
		return nil
	}
	return &a
}

// capture captures an order captureRefusal accepts and queues the webhook.
func (f *Server) capture(o *Order) *Capture {
	now := f.tick()
	c := &Capture{ID: f.nextID("3C"), OrderID: o.ID, Status: "COMPLETED", Currency: o.Currency, Amount: o.Amount,
		Fee: (o.Amount*349+5000)/10000 + 49, CustomID: o.CustomID, Created: now, Updated: now}
	if o.decline {
		c.Status, c.Fee = "DECLINED", 0
	}
	f.captures[c.ID] = c
	o.Status, o.CaptureID, o.Updated = "COMPLETED", c.ID, now

	res := f.captureJSON(c)
	res["supplementary_data"] = map[string]any{"related_ids": map[string]any{"order_id": o.ID}}
	if c.Status == "COMPLETED" {
		f.deliver("PAYMENT.CAPTURE.COMPLETED", "capture", fmt.Sprintf("Payment completed for %s %s", formatMinor(c.Amount, c.Currency), c.Currency), res)
	} else {
		f.deliver("PAYMENT.CAPTURE.DENIED", "capture", fmt.Sprintf("Payment denied for %s %s", formatMinor(c.Amount, c.Currency), c.Currency), res)
	}
	return c
}

// ------------------------------------------------------------ refunds

func (f *Server) handleRefund(r *http.Request, body []byte) answer {
	c := f.captures[r.PathValue("id")]
	if c == nil {
		return f.notFound()
	}
	var in struct {
		Amount *struct {
			CurrencyCode string `json:"currency_code"`
			Value        string `json:"value"`
		} `json:"amount"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return f.invalid("", "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")
		}
	}
	if refused := f.refundRefusal(c); refused != nil {
		return *refused
	}
	amount := c.Amount - c.Refunded
	if in.Amount != nil {
		if in.Amount.CurrencyCode != c.Currency {
			return f.unprocessable("CURRENCY_MISMATCH", "Refund must be in the same currency as the capture.")
		}
		a, bad := f.money("/amount", in.Amount.CurrencyCode, in.Amount.Value)
		if bad != nil {
			return *bad
		}
		amount = a
	}
	rf, refused := f.refund(c, amount)
	if refused != nil {
		return *refused
	}
	res := f.refundJSON(rf, c)
	if !f.representation(r) {
		return reply(http.StatusCreated, map[string]any{"id": rf.ID, "status": rf.Status, "links": res["links"]})
	}
	return reply(http.StatusCreated, res)
}

// refundRefusal is PayPal's answer to any refund of this capture when it
// refuses them all, nil otherwise.
func (f *Server) refundRefusal(c *Capture) *answer {
	var a answer
	switch {
	case c.Status != "COMPLETED" && c.Status != "PARTIALLY_REFUNDED" && c.Status != "REFUNDED":
		a = f.unprocessable("REFUND_NOT_ALLOWED", "Refund cannot be issued for this capture.")
	case c.Amount-c.Refunded == 0:
		a = f.unprocessable("CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded.")
	default:
		return nil
	}
	return &a
}

// refund refunds amount of a capture and queues the webhook, or returns
// PayPal's refusal.
func (f *Server) refund(c *Capture, amount int64) (*Refund, *answer) {
	if refused := f.refundRefusal(c); refused != nil {
		return nil, refused
	}
	if amount <= 0 {
		a := f.unprocessable("CANNOT_BE_ZERO_OR_NEGATIVE", "Must be greater than zero.")
		return nil, &a
	}
	if amount > c.Amount-c.Refunded {
		a := f.unprocessable("REFUND_AMOUNT_EXCEEDED", "The refund amount must be less than or equal to the capture amount that has not yet been refunded.")
		return nil, &a
	}
	now := f.tick()
	rf := &Refund{ID: f.nextID("1JU"), CaptureID: c.ID, Status: "COMPLETED", Currency: c.Currency, Amount: amount,
		CustomID: c.CustomID, Created: now}
	f.refunds[rf.ID] = rf
	c.Refunded += amount
	c.Status, c.Updated = "PARTIALLY_REFUNDED", now
	if c.Refunded == c.Amount {
		c.Status = "REFUNDED"
	}
	f.deliver("PAYMENT.CAPTURE.REFUNDED", "refund", fmt.Sprintf("A %s %s capture payment was refunded", formatMinor(amount, c.Currency), c.Currency), f.refundJSON(rf, c))
	return rf, nil
}

// refundsOf lists a capture's refunds, oldest first, as an order's details
// show them (purchase_units[].payments.refunds).
func (f *Server) refundsOf(c *Capture) []any {
	var ids []string
	for id, rf := range f.refunds {
		if rf.CaptureID == c.ID {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids) // ids grow with the fake's sequence
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, f.refundJSON(f.refunds[id], c))
	}
	return out
}

func (f *Server) refundJSON(rf *Refund, c *Capture) map[string]any {
	fee := c.Fee * rf.Amount / c.Amount
	return map[string]any{
		"id": rf.ID, "status": rf.Status, "amount": moneyJSON(rf.Amount, rf.Currency), "custom_id": rf.CustomID,
		"seller_payable_breakdown": map[string]any{
			"gross_amount": moneyJSON(rf.Amount, rf.Currency), "paypal_fee": moneyJSON(fee, rf.Currency),
			"net_amount": moneyJSON(rf.Amount-fee, rf.Currency), "total_refunded_amount": moneyJSON(c.Refunded, rf.Currency),
		},
		"create_time": rf.Created.Format(time.RFC3339), "update_time": rf.Created.Format(time.RFC3339),
		"links": []any{
			map[string]any{"href": f.URL + "/v2/payments/refunds/" + rf.ID, "rel": "self", "method": "GET"},
			map[string]any{"href": f.URL + "/v2/payments/captures/" + c.ID, "rel": "up", "method": "GET"},
		},
	}
}

// ------------------------------------------------------------ webhooks

// signature is the fake's transmission signature over PayPal's signed
// string: transmission_id|transmission_time|webhook_id|crc32(event).
func (f *Server) signature(transmissionID, transmissionTime, webhookID string, event []byte) string {
	mac := hmac.New(sha256.New, f.signKey)
	fmt.Fprintf(mac, "%s|%s|%s|%d", transmissionID, transmissionTime, webhookID, crc32.ChecksumIEEE(event))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// deliver queues a webhook delivery, signed for the fake's webhook id.
func (f *Server) deliver(eventType, resourceType, summary string, resource map[string]any) {
	f.seq++
	id := fmt.Sprintf("WH-%04dFAKE%06d-%012d", f.seq%10000, f.seq, f.seq)
	event := map[string]any{
		"id": id, "event_version": "1.0", "create_time": f.now.Format("2006-01-02T15:04:05.000Z07:00"),
		"resource_type": resourceType, "resource_version": "2.0", "event_type": eventType, "summary": summary,
		"resource": resource,
		"links": []any{
			map[string]any{"href": f.URL + "/v1/notifications/webhooks-events/" + id, "rel": "self", "method": "GET"},
			map[string]any{"href": f.URL + "/v1/notifications/webhooks-events/" + id + "/resend", "rel": "resend", "method": "POST"},
		},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if f.prettyJSON {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(event); err != nil {
		panic(err)
	}
	body := bytes.TrimRight(buf.Bytes(), "\n")
	f.outbox = append(f.outbox, Delivery{EventType: eventType, Body: body, Header: f.signHeaders(body, f.WebhookID)})
}

// signHeaders are the headers PayPal sends a delivery with.
func (f *Server) signHeaders(body []byte, webhookID string) http.Header {
	f.seq++
	tid := fmt.Sprintf("%08x-d67a-11e5-baa3-%012x", f.seq, f.seq)
	when := f.now.Format(time.RFC3339)
	h := http.Header{}
	h.Set("Paypal-Auth-Algo", "SHA256withRSA")
	h.Set("Paypal-Cert-Url", f.URL+"/v1/notifications/certs/CERT-360caa42-fca2a594-fake")
	h.Set("Paypal-Transmission-Id", tid)
	h.Set("Paypal-Transmission-Time", when)
	h.Set("Paypal-Transmission-Sig", f.signature(tid, when, webhookID, body))
	h.Set("Content-Type", "application/json")
	return h
}

func (f *Server) handleVerify(_ *http.Request, body []byte) answer {
	var in struct {
		AuthAlgo         string          `json:"auth_algo"`
		CertURL          string          `json:"cert_url"`
		TransmissionID   string          `json:"transmission_id"`
		TransmissionSig  string          `json:"transmission_sig"`
		TransmissionTime string          `json:"transmission_time"`
		WebhookID        string          `json:"webhook_id"`
		WebhookEvent     json.RawMessage `json:"webhook_event"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return f.invalid("", "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")
	}
	for field, v := range map[string]string{"auth_algo": in.AuthAlgo, "cert_url": in.CertURL, "transmission_id": in.TransmissionID,
		"transmission_sig": in.TransmissionSig, "transmission_time": in.TransmissionTime, "webhook_id": in.WebhookID} {
		if v == "" {
			b, _ := json.Marshal(map[string]any{"name": "VALIDATION_ERROR", "message": "Invalid request - see details",
				"debug_id": f.debugID(), "details": []any{map[string]any{"field": field, "issue": "Required field cannot be blank"}}})
			return answer{status: http.StatusBadRequest, body: b}
		}
	}
	if len(in.WebhookEvent) == 0 || in.WebhookEvent[0] != '{' {
		b, _ := json.Marshal(map[string]any{"name": "VALIDATION_ERROR", "message": "Invalid request - see details",
			"debug_id": f.debugID(), "details": []any{map[string]any{"field": "webhook_event", "issue": "Required field cannot be blank"}}})
		return answer{status: http.StatusBadRequest, body: b}
	}
	f.verifyLog = append(f.verifyLog, append([]byte(nil), in.WebhookEvent...))
	status := "FAILURE"
	want := f.signature(in.TransmissionID, in.TransmissionTime, in.WebhookID, in.WebhookEvent)
	if in.WebhookID == f.WebhookID && in.AuthAlgo == "SHA256withRSA" &&
		strings.HasPrefix(in.CertURL, f.URL+"/v1/notifications/certs/") &&
		hmac.Equal([]byte(in.TransmissionSig), []byte(want)) {
		status = "SUCCESS"
	}
	return reply(http.StatusOK, map[string]string{"verification_status": status})
}
