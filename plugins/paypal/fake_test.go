package paypal

// A fake PayPal REST API for the tests, written from PayPal's documentation:
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
//   - GET /v2/checkout/orders/{id} — the order; 404 RESOURCE_NOT_FOUND.
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
// Tests act as the buyer with Approve, Decline and Void, and as PayPal's
// webhook sender with the deliveries the fake queues (Webhooks): a capture
// queues PAYMENT.CAPTURE.COMPLETED (or DENIED), a refund
// PAYMENT.CAPTURE.REFUNDED, each signed as PayPal would.

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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	fakeClientID  = "AdmitTestClient"
	fakeSecret    = "admit-test-secret"
	fakeWebhookID = "8PT597110X687430L"
)

type fakePayPal struct {
	t   testing.TB
	srv *httptest.Server

	mu         sync.Mutex
	seq        int
	now        time.Time
	tokens     map[string]bool
	orders     map[string]*fakeOrder
	captures   map[string]*fakeCapture
	refunds    map[string]*fakeRefund
	replies    map[string]fakeReply // route + " " + PayPal-Request-Id
	signKey    []byte
	outbox     []fakeDelivery
	calls      map[string]int // "METHOD /path-pattern"
	verifyLog  [][]byte       // webhook_event bytes as received
	prettyJSON bool
	// ignorePrefer answers minimal bodies whatever Prefer says.
	ignorePrefer bool // deliver webhooks indented, as a proxy might
}

type fakeOrder struct {
	ID, Status, Intent    string
	Currency, Value       string
	Amount                int64
	CustomID, Description string
	InvoiceID             string
	ReturnURL, CancelURL  string
	UserAction, BrandName string
	ShippingPref, Locale  string
	CaptureID             string
	decline               bool
	instrumentDeclined    bool
	Created, Updated      time.Time
}

type fakeCapture struct {
	ID, OrderID, Status string
	Currency            string
	Amount, Fee         int64
	Refunded            int64
	CustomID            string
	Created, Updated    time.Time
}

type fakeRefund struct {
	ID, CaptureID, Status string
	Currency              string
	Amount                int64
	CustomID              string
	Created               time.Time
}

type fakeReply struct {
	status int
	body   []byte
}

// fakeDelivery is a webhook as PayPal would POST it to Admit.
type fakeDelivery struct {
	EventType string
	Body      []byte
	Header    http.Header
}

func newFakePayPal(t testing.TB) *fakePayPal {
	f := &fakePayPal{
		t:        t,
		now:      time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC),
		tokens:   map[string]bool{},
		orders:   map[string]*fakeOrder{},
		captures: map[string]*fakeCapture{},
		refunds:  map[string]*fakeRefund{},
		replies:  map[string]fakeReply{},
		signKey:  []byte("fake-paypal-webhook-signing-key"),
		calls:    map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/oauth2/token", f.token)
	mux.HandleFunc("POST /v2/checkout/orders", f.authed(f.createOrder))
	mux.HandleFunc("GET /v2/checkout/orders/{id}", f.authed(f.getOrder))
	mux.HandleFunc("POST /v2/checkout/orders/{id}/capture", f.authed(f.capture))
	mux.HandleFunc("POST /v2/payments/captures/{id}/refund", f.authed(f.refund))
	mux.HandleFunc("POST /v1/notifications/verify-webhook-signature", f.authed(f.verify))
	f.srv = httptest.NewServer(f.count(mux))
	t.Cleanup(f.srv.Close)
	return f
}

// provider returns a Provider pointed at the fake.
func (f *fakePayPal) provider(t testing.TB, mutate ...func(*Config)) *Provider {
	t.Helper()
	cfg := Config{ClientID: fakeClientID, ClientSecret: fakeSecret, Mode: ModeSandbox, APIBase: f.srv.URL,
		WebhookID: fakeWebhookID, HTTPClient: f.srv.Client()}
	for _, m := range mutate {
		m(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func (f *fakePayPal) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := next.(*http.ServeMux).Handler(r)
		f.mu.Lock()
		f.calls[pattern]++
		f.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// Calls is how many requests a route ("POST /v1/oauth2/token") received.
func (f *fakePayPal) Calls(pattern string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[pattern]
}

func (f *fakePayPal) nextID(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%014d", prefix, f.seq)
}

// tick moves the fake's clock; every change is a second later.
func (f *fakePayPal) tick() time.Time {
	f.now = f.now.Add(time.Second)
	return f.now
}

// ------------------------------------------------------------ test hooks

// Approve is the buyer approving the order at PayPal.
func (f *fakePayPal) Approve(orderID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.orders[orderID]
	if o == nil || o.Status != "CREATED" {
		f.t.Fatalf("fake: approve %s: order is %+v", orderID, o)
	}
	o.Status, o.Updated = "APPROVED", f.tick()
}

// Decline approves the order with a funding source the capture will decline.
func (f *fakePayPal) Decline(orderID string) {
	f.Approve(orderID)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orders[orderID].decline = true
}

// DeclineInstrument approves the order with a funding source PayPal refuses
// at capture (422 INSTRUMENT_DECLINED: the buyer must choose another).
func (f *fakePayPal) DeclineInstrument(orderID string) {
	f.Approve(orderID)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orders[orderID].instrumentDeclined = true
}

// Reapprove is the buyer going back to the approve link after a refused
// funding source and choosing another.
func (f *fakePayPal) Reapprove(orderID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.orders[orderID]
	if o == nil || o.Status != "APPROVED" {
		f.t.Fatalf("fake: reapprove %s: order is %+v", orderID, o)
	}
	o.instrumentDeclined, o.Updated = false, f.tick()
}

// Void is PayPal voiding an order left alone.
func (f *fakePayPal) Void(orderID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.orders[orderID]
	o.Status, o.Updated = "VOIDED", f.tick()
}

// RevokeTokens forgets every access token, as when they expire early.
func (f *fakePayPal) RevokeTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]bool{}
}

// Order is a copy of an order's state.
func (f *fakePayPal) Order(id string) fakeOrder {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.orders[id]
}

// Capture is a copy of a capture's state.
func (f *fakePayPal) Capture(id string) fakeCapture {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.captures[id]
}

// OrderCount is how many orders exist.
func (f *fakePayPal) OrderCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.orders)
}

// Webhooks takes the deliveries queued since the last call.
func (f *fakePayPal) Webhooks() []fakeDelivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.outbox
	f.outbox = nil
	return out
}

// ForgetRequestIDs drops the stored PayPal-Request-Ids, as PayPal does after
// some hours.
func (f *fakePayPal) ForgetRequestIDs() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies = map[string]fakeReply{}
}

// Sign returns the headers PayPal would deliver this body with to the
// webhook webhookID.
func (f *fakePayPal) Sign(body []byte, webhookID string) http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.signHeaders(body, webhookID)
}

// SetPretty makes later deliveries indented JSON.
func (f *fakePayPal) SetPretty(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prettyJSON = on
}

// SetIgnorePrefer makes the fake answer minimal bodies whatever Prefer says.
func (f *fakePayPal) SetIgnorePrefer(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ignorePrefer = on
}

// VerifiedEvents are the webhook_event values verify-webhook-signature got.
func (f *fakePayPal) VerifiedEvents() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.verifyLog...)
}

// ------------------------------------------------------------ plumbing

func (f *fakePayPal) debugID() string { return fmt.Sprintf("f%012x", f.seq) }

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
func (f *fakePayPal) apiErr(status int, name, message, issue, description, field string) fakeReply {
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
	return fakeReply{status, b}
}

func (f *fakePayPal) unprocessable(issue, description string) fakeReply {
	return f.apiErr(http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY",
		"The requested action could not be performed, semantically incorrect, or failed business validation.",
		issue, description, "")
}

func (f *fakePayPal) invalid(field, issue, description string) fakeReply {
	return f.apiErr(http.StatusBadRequest, "INVALID_REQUEST",
		"Request is not well-formed, syntactically incorrect, or violates schema.", issue, description, field)
}

func (f *fakePayPal) notFound() fakeReply {
	return f.apiErr(http.StatusNotFound, "RESOURCE_NOT_FOUND", "The specified resource does not exist.",
		"INVALID_RESOURCE_ID", "Specified resource ID does not exist. Please check the resource ID and try again.", "")
}

func (f *fakePayPal) authed(h func(r *http.Request, body []byte) fakeReply) http.HandlerFunc {
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
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Paypal-Debug-Id", f.debugID())
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body)
	}
}

func (f *fakePayPal) representation(r *http.Request) bool {
	return !f.ignorePrefer && strings.Contains(r.Header.Get("Prefer"), "return=representation")
}

func reply(status int, v any) fakeReply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return fakeReply{status, b}
}

// ------------------------------------------------------------ OAuth

func (f *fakePayPal) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != fakeClientID || secret != fakeSecret {
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

var fakeDecimals = map[string]int{
	"AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2,
	"HKD": 2, "HUF": 0, "ILS": 2, "JPY": 0, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "PHP": 2,
	"PLN": 2, "SEK": 2, "SGD": 2, "THB": 2, "TWD": 0, "USD": 2,
}

// PayPal's pattern for money.value.
var fakeValue = regexp.MustCompile(`^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$`)

// fakeMoney checks a money object as PayPal does and returns it in minor
// units, or the error answer.
func (f *fakePayPal) fakeMoney(field, currency, value string) (int64, *fakeReply) {
	d, ok := fakeDecimals[currency]
	if !ok {
		rep := f.unprocessable("CURRENCY_NOT_SUPPORTED", "Currency code is not currently supported.")
		return 0, &rep
	}
	if !fakeValue.MatchString(value) || len(value) > 32 {
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

func fakeFormat(minor int64, currency string) string {
	d := fakeDecimals[currency]
	if d == 0 {
		return strconv.FormatInt(minor, 10)
	}
	s := fmt.Sprintf("%0*d", d+1, minor)
	return s[:len(s)-d] + "." + s[len(s)-d:]
}

func fakeMoneyJSON(minor int64, currency string) map[string]any {
	return map[string]any{"currency_code": currency, "value": fakeFormat(minor, currency)}
}

// ------------------------------------------------------------ orders

var customIDPattern = regexp.MustCompile(`^[A-Za-z0-9-_.,]*$`)

func (f *fakePayPal) createOrder(r *http.Request, body []byte) fakeReply {
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
	amount, bad := f.fakeMoney("/purchase_units/@reference_id=='default'/amount", pu.Amount.CurrencyCode, pu.Amount.Value)
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
	o := &fakeOrder{ID: f.nextID("5O"), Status: "CREATED", Intent: in.Intent, Currency: pu.Amount.CurrencyCode,
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

func (f *fakePayPal) orderLinks(o *fakeOrder) []any {
	self := f.srv.URL + "/v2/checkout/orders/" + o.ID
	links := []any{map[string]any{"href": self, "rel": "self", "method": "GET"}}
	switch o.Status {
	case "CREATED":
		links = append(links,
			map[string]any{"href": "https://www.sandbox.paypal.com/checkoutnow?token=" + o.ID, "rel": "approve", "method": "GET"},
			map[string]any{"href": self, "rel": "update", "method": "PATCH"},
			map[string]any{"href": self + "/capture", "rel": "capture", "method": "POST"})
	case "APPROVED":
		links = append(links,
			map[string]any{"href": self, "rel": "update", "method": "PATCH"},
			map[string]any{"href": self + "/capture", "rel": "capture", "method": "POST"})
	}
	return links
}

func (f *fakePayPal) orderJSON(o *fakeOrder, full bool) map[string]any {
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
	if c := f.captures[o.CaptureID]; c != nil {
		unit["payments"] = map[string]any{"captures": []any{f.captureJSON(c)}}
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

func (f *fakePayPal) captureJSON(c *fakeCapture) map[string]any {
	self := f.srv.URL + "/v2/payments/captures/" + c.ID
	out := map[string]any{
		"id": c.ID, "status": c.Status, "amount": fakeMoneyJSON(c.Amount, c.Currency), "final_capture": true,
		"custom_id":         c.CustomID,
		"seller_protection": map[string]any{"status": "ELIGIBLE", "dispute_categories": []string{"ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"}},
		"create_time":       c.Created.Format(time.RFC3339), "update_time": c.Updated.Format(time.RFC3339),
		"links": []any{
			map[string]any{"href": self, "rel": "self", "method": "GET"},
			map[string]any{"href": self + "/refund", "rel": "refund", "method": "POST"},
			map[string]any{"href": f.srv.URL + "/v2/checkout/orders/" + c.OrderID, "rel": "up", "method": "GET"},
		},
	}
	if c.Status == "DECLINED" {
		out["status_details"] = map[string]any{"reason": "OTHER"}
	} else {
		out["seller_receivable_breakdown"] = map[string]any{
			"gross_amount": fakeMoneyJSON(c.Amount, c.Currency), "paypal_fee": fakeMoneyJSON(c.Fee, c.Currency),
			"net_amount": fakeMoneyJSON(c.Amount-c.Fee, c.Currency),
		}
	}
	return out
}

func (f *fakePayPal) getOrder(r *http.Request, _ []byte) fakeReply {
	o := f.orders[r.PathValue("id")]
	if o == nil {
		return f.notFound()
	}
	return reply(http.StatusOK, f.orderJSON(o, true))
}

func (f *fakePayPal) capture(r *http.Request, body []byte) fakeReply {
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
	switch o.Status {
	case "CREATED", "PAYER_ACTION_REQUIRED":
		return f.unprocessable("ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call or provide a valid payment_source in the request.")
	case "COMPLETED":
		return f.unprocessable("ORDER_ALREADY_CAPTURED", "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.")
	case "VOIDED":
		return f.unprocessable("ORDER_EXPIRED", "Order is expired.")
	}
	if o.instrumentDeclined {
		return f.unprocessable("INSTRUMENT_DECLINED", "The instrument presented was either declined by the processor or bank, or it can't be used for this payment.")
	}
	if o.Intent != "CAPTURE" {
		return f.unprocessable("ACTION_DOES_NOT_MATCH_INTENT", "Order was created with an intent to 'AUTHORIZE'.")
	}
	now := f.tick()
	c := &fakeCapture{ID: f.nextID("3C"), OrderID: o.ID, Status: "COMPLETED", Currency: o.Currency, Amount: o.Amount,
		Fee: (o.Amount*349+5000)/10000 + 49, CustomID: o.CustomID, Created: now, Updated: now}
	if o.decline {
		c.Status, c.Fee = "DECLINED", 0
	}
	f.captures[c.ID] = c
	o.Status, o.CaptureID, o.Updated = "COMPLETED", c.ID, now

	res := f.captureJSON(c)
	res["supplementary_data"] = map[string]any{"related_ids": map[string]any{"order_id": o.ID}}
	if c.Status == "COMPLETED" {
		f.deliver("PAYMENT.CAPTURE.COMPLETED", "capture", fmt.Sprintf("Payment completed for %s %s", fakeFormat(c.Amount, c.Currency), c.Currency), res)
	} else {
		f.deliver("PAYMENT.CAPTURE.DENIED", "capture", fmt.Sprintf("Payment denied for %s %s", fakeFormat(c.Amount, c.Currency), c.Currency), res)
	}
	if !f.representation(r) {
		return reply(http.StatusCreated, f.orderJSON(o, false))
	}
	return reply(http.StatusCreated, f.orderJSON(o, true))
}

// ------------------------------------------------------------ refunds

func (f *fakePayPal) refund(r *http.Request, body []byte) fakeReply {
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
	if c.Status != "COMPLETED" && c.Status != "PARTIALLY_REFUNDED" && c.Status != "REFUNDED" {
		return f.unprocessable("REFUND_NOT_ALLOWED", "Refund cannot be issued for this capture.")
	}
	left := c.Amount - c.Refunded
	if left == 0 {
		return f.unprocessable("CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded.")
	}
	amount := left
	if in.Amount != nil {
		if in.Amount.CurrencyCode != c.Currency {
			return f.unprocessable("CURRENCY_MISMATCH", "Refund must be in the same currency as the capture.")
		}
		a, bad := f.fakeMoney("/amount", in.Amount.CurrencyCode, in.Amount.Value)
		if bad != nil {
			return *bad
		}
		if a == 0 {
			return f.unprocessable("CANNOT_BE_ZERO_OR_NEGATIVE", "Must be greater than zero.")
		}
		amount = a
	}
	if amount > left {
		return f.unprocessable("REFUND_AMOUNT_EXCEEDED", "The refund amount must be less than or equal to the capture amount that has not yet been refunded.")
	}
	now := f.tick()
	rf := &fakeRefund{ID: f.nextID("1JU"), CaptureID: c.ID, Status: "COMPLETED", Currency: c.Currency, Amount: amount,
		CustomID: c.CustomID, Created: now}
	f.refunds[rf.ID] = rf
	c.Refunded += amount
	c.Status, c.Updated = "PARTIALLY_REFUNDED", now
	if c.Refunded == c.Amount {
		c.Status = "REFUNDED"
	}
	res := f.refundJSON(rf, c)
	f.deliver("PAYMENT.CAPTURE.REFUNDED", "refund", fmt.Sprintf("A %s %s capture payment was refunded", fakeFormat(amount, c.Currency), c.Currency), res)
	if !f.representation(r) {
		return reply(http.StatusCreated, map[string]any{"id": rf.ID, "status": rf.Status, "links": res["links"]})
	}
	return reply(http.StatusCreated, res)
}

func (f *fakePayPal) refundJSON(rf *fakeRefund, c *fakeCapture) map[string]any {
	fee := c.Fee * rf.Amount / c.Amount
	return map[string]any{
		"id": rf.ID, "status": rf.Status, "amount": fakeMoneyJSON(rf.Amount, rf.Currency), "custom_id": rf.CustomID,
		"seller_payable_breakdown": map[string]any{
			"gross_amount": fakeMoneyJSON(rf.Amount, rf.Currency), "paypal_fee": fakeMoneyJSON(fee, rf.Currency),
			"net_amount": fakeMoneyJSON(rf.Amount-fee, rf.Currency), "total_refunded_amount": fakeMoneyJSON(c.Refunded, rf.Currency),
		},
		"create_time": rf.Created.Format(time.RFC3339), "update_time": rf.Created.Format(time.RFC3339),
		"links": []any{
			map[string]any{"href": f.srv.URL + "/v2/payments/refunds/" + rf.ID, "rel": "self", "method": "GET"},
			map[string]any{"href": f.srv.URL + "/v2/payments/captures/" + c.ID, "rel": "up", "method": "GET"},
		},
	}
}

// ------------------------------------------------------------ webhooks

// signature is the fake's transmission signature over PayPal's signed
// string: transmission_id|transmission_time|webhook_id|crc32(event).
func (f *fakePayPal) signature(transmissionID, transmissionTime, webhookID string, event []byte) string {
	mac := hmac.New(sha256.New, f.signKey)
	fmt.Fprintf(mac, "%s|%s|%s|%d", transmissionID, transmissionTime, webhookID, crc32.ChecksumIEEE(event))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// deliver queues a webhook delivery, signed for the fake's webhook id.
func (f *fakePayPal) deliver(eventType, resourceType, summary string, resource map[string]any) {
	f.seq++
	id := fmt.Sprintf("WH-%04dFAKE%06d-%012d", f.seq%10000, f.seq, f.seq)
	event := map[string]any{
		"id": id, "event_version": "1.0", "create_time": f.now.Format("2006-01-02T15:04:05.000Z07:00"),
		"resource_type": resourceType, "resource_version": "2.0", "event_type": eventType, "summary": summary,
		"resource": resource,
		"links": []any{
			map[string]any{"href": f.srv.URL + "/v1/notifications/webhooks-events/" + id, "rel": "self", "method": "GET"},
			map[string]any{"href": f.srv.URL + "/v1/notifications/webhooks-events/" + id + "/resend", "rel": "resend", "method": "POST"},
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
	f.outbox = append(f.outbox, fakeDelivery{EventType: eventType, Body: body, Header: f.signHeaders(body, fakeWebhookID)})
}

// signHeaders are the headers PayPal sends a delivery with.
func (f *fakePayPal) signHeaders(body []byte, webhookID string) http.Header {
	f.seq++
	tid := fmt.Sprintf("%08x-d67a-11e5-baa3-%012x", f.seq, f.seq)
	when := f.now.Format(time.RFC3339)
	h := http.Header{}
	h.Set("Paypal-Auth-Algo", "SHA256withRSA")
	h.Set("Paypal-Cert-Url", f.srv.URL+"/v1/notifications/certs/CERT-360caa42-fca2a594-fake")
	h.Set("Paypal-Transmission-Id", tid)
	h.Set("Paypal-Transmission-Time", when)
	h.Set("Paypal-Transmission-Sig", f.signature(tid, when, webhookID, body))
	h.Set("Content-Type", "application/json")
	return h
}

func (f *fakePayPal) verify(_ *http.Request, body []byte) fakeReply {
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
			return fakeReply{http.StatusBadRequest, b}
		}
	}
	if len(in.WebhookEvent) == 0 || in.WebhookEvent[0] != '{' {
		b, _ := json.Marshal(map[string]any{"name": "VALIDATION_ERROR", "message": "Invalid request - see details",
			"debug_id": f.debugID(), "details": []any{map[string]any{"field": "webhook_event", "issue": "Required field cannot be blank"}}})
		return fakeReply{http.StatusBadRequest, b}
	}
	f.verifyLog = append(f.verifyLog, append([]byte(nil), in.WebhookEvent...))
	status := "FAILURE"
	want := f.signature(in.TransmissionID, in.TransmissionTime, in.WebhookID, in.WebhookEvent)
	if in.WebhookID == fakeWebhookID && in.AuthAlgo == "SHA256withRSA" &&
		strings.HasPrefix(in.CertURL, f.srv.URL+"/v1/notifications/certs/") &&
		hmac.Equal([]byte(in.TransmissionSig), []byte(want)) {
		status = "SUCCESS"
	}
	return reply(http.StatusOK, map[string]string{"verification_status": status})
}
