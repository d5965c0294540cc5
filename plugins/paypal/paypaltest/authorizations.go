package paypaltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Authorize then capture, from PayPal's Orders v2 and Payments v2
// documentation:
//
//   - POST /v2/checkout/orders/{id}/authorize — an APPROVED order with intent
//     AUTHORIZE becomes COMPLETED with one authorization (status CREATED,
//     expiration_time 29 days on) under purchase_units[0].payments.
//     authorizations, and PAYMENT.AUTHORIZATION.CREATED is queued. 422
//     ORDER_NOT_APPROVED before the buyer approved, ACTION_DOES_NOT_MATCH_INTENT
//     for a CAPTURE order, ORDER_ALREADY_AUTHORIZED the second time,
//     INSTRUMENT_DECLINED as for captures.
//   - GET /v2/payments/authorizations/{id} — the authorization.
//   - POST /v2/payments/authorizations/{id}/capture — the whole amount: 201
//     with the capture (status COMPLETED, supplementary_data.related_ids
//     order_id and authorization_id), the authorization CAPTURED and
//     PAYMENT.CAPTURE.COMPLETED queued; 422 AUTHORIZATION_ALREADY_CAPTURED,
//     AUTHORIZATION_VOIDED, AUTHORIZATION_EXPIRED.
//   - POST /v2/payments/authorizations/{id}/void — 204 (200 with the
//     authorization under Prefer: return=representation), the authorization
//     VOIDED and PAYMENT.AUTHORIZATION.VOIDED queued; 422 PREVIOUSLY_VOIDED,
//     PREVIOUSLY_CAPTURED, AUTHORIZATION_EXPIRED.
//   - POST /v2/payments/authorizations/{id}/reauthorize — once its 3-day
//     honor period is over and before it expires (day 29), an authorization
//     can be reauthorized once: 201 with a new authorization (status CREATED,
//     a new honor period from now, the original's expiration_time), which
//     the order now lists and captures take, and
//     PAYMENT.AUTHORIZATION.CREATED queued for it. 422
//     REAUTHORIZATION_TOO_SOON within the honor period or the second time,
//     REAUTHORIZATION_NOT_SUPPORTED on an authorization that is itself a
//     reauthorization, AUTHORIZATION_ALREADY_CAPTURED, AUTHORIZATION_VOIDED,
//     AUTHORIZATION_EXPIRED. The fake reauthorizes the original amount only
//     (PayPal allows up to 115 %): a body with an amount fails the test.
//
// Tests make an authorization lapse with ExpireAuthorization (PayPal's 29
// days: EXPIRED, and PAYMENT.AUTHORIZATION.VOIDED queued), and move the
// fake's clock past the honor period with Advance.

// Authorization is a copy of an authorization's state.
type Authorization struct {
	ID, OrderID, Status string
	Currency            string
	Amount              int64
	CustomID            string
	CaptureID           string
	Created, Expires    time.Time
	Updated             time.Time
	// ReauthorizedAs is the authorization that reauthorized this one;
	// ReauthorizationOf, on that one, the original.
	ReauthorizedAs, ReauthorizationOf string
}

// honorPeriod is how long PayPal guarantees an authorization's funds.
const honorPeriod = 3 * 24 * time.Hour

// Advance moves the fake's clock by d (past an authorization's honor
// period, for instance).
func (f *Server) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// Now is the fake's clock.
func (f *Server) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *Server) routeAuthorizations(mux *http.ServeMux) {
	mux.HandleFunc("POST /v2/checkout/orders/{id}/authorize", f.authed(f.handleAuthorize))
	mux.HandleFunc("GET /v2/payments/authorizations/{id}", f.authed(f.handleGetAuthorization))
	mux.HandleFunc("POST /v2/payments/authorizations/{id}/capture", f.authed(f.handleCaptureAuthorization))
	mux.HandleFunc("POST /v2/payments/authorizations/{id}/void", f.authed(f.handleVoid))
	mux.HandleFunc("POST /v2/payments/authorizations/{id}/reauthorize", f.authed(f.handleReauthorize))
}

// Authorization is a copy of an authorization's state.
func (f *Server) Authorization(id string) Authorization {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.authorizations[id]
	if a == nil {
		f.t.Fatalf("fake paypal: no authorization %q", id)
	}
	return *a
}

// AuthorizationOf is a copy of the authorization of an order.
func (f *Server) AuthorizationOf(orderID string) Authorization {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.order("authorization of", orderID)
	a := f.authorizations[o.AuthorizationID]
	if a == nil {
		f.t.Fatalf("fake paypal: order %s has no authorization", orderID)
	}
	return *a
}

// ExpireAuthorization is PayPal ending an authorization at the end of its
// validity: EXPIRED, and PAYMENT.AUTHORIZATION.VOIDED queued.
func (f *Server) ExpireAuthorization(id string) {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.authorizations[id]
	if a == nil || a.Status != "CREATED" {
		f.t.Fatalf("fake paypal: expire authorization %s: %+v", id, a)
	}
	a.Status, a.Updated = "EXPIRED", f.tick()
	res := f.authorizationJSON(a)
	res["status"] = "VOIDED"
	f.deliver("PAYMENT.AUTHORIZATION.VOIDED", "authorization", "A payment authorization was voided", res)
}

func (f *Server) handleAuthorize(r *http.Request, _ []byte) answer {
	o := f.orders[r.PathValue("id")]
	if o == nil {
		return f.notFound()
	}
	switch {
	case o.Status == "CREATED" || o.Status == "PAYER_ACTION_REQUIRED":
		return f.unprocessable("ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment.")
	case o.Intent != "AUTHORIZE":
		return f.unprocessable("ACTION_DOES_NOT_MATCH_INTENT", "Order was created with an intent to 'CAPTURE'. Please use v2/checkout/orders/order_id/capture to complete the transaction.")
	case o.Status == "COMPLETED":
		return f.unprocessable("ORDER_ALREADY_AUTHORIZED", "Order already authorized. If 'intent=AUTHORIZE' only one authorization per order is allowed.")
	case o.Status == "VOIDED":
		return f.unprocessable("ORDER_EXPIRED", "Order is expired.")
	case o.instrumentDeclined:
		return f.unprocessable("INSTRUMENT_DECLINED", "The instrument presented was either declined by the processor or bank, or it can't be used for this payment.")
	}
	now := f.tick()
	a := &Authorization{ID: f.nextID("0AU"), OrderID: o.ID, Status: "CREATED", Currency: o.Currency, Amount: o.Amount,
		CustomID: o.CustomID, Created: now, Updated: now, Expires: now.Add(29 * 24 * time.Hour)}
	f.authorizations[a.ID] = a
	o.Status, o.AuthorizationID, o.Updated = "COMPLETED", a.ID, now
	f.deliver("PAYMENT.AUTHORIZATION.CREATED", "authorization",
		fmt.Sprintf("A payment authorization was created for %s %s", formatMinor(a.Amount, a.Currency), a.Currency), f.authorizationJSON(a))
	return reply(http.StatusCreated, f.orderJSON(o, f.representation(r)))
}

func (f *Server) authorizationJSON(a *Authorization) map[string]any {
	self := f.URL + "/v2/payments/authorizations/" + a.ID
	return map[string]any{
		"id": a.ID, "status": a.Status, "amount": moneyJSON(a.Amount, a.Currency), "custom_id": a.CustomID,
		"seller_protection":  map[string]any{"status": "ELIGIBLE", "dispute_categories": []string{"ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"}},
		"supplementary_data": map[string]any{"related_ids": map[string]any{"order_id": a.OrderID}},
		"expiration_time":    a.Expires.Format(time.RFC3339), "create_time": a.Created.Format(time.RFC3339),
		"update_time": a.Updated.Format(time.RFC3339),
		"links": []any{
			map[string]any{"href": self, "rel": "self", "method": "GET"},
			map[string]any{"href": self + "/capture", "rel": "capture", "method": "POST"},
			map[string]any{"href": self + "/void", "rel": "void", "method": "POST"},
			map[string]any{"href": self + "/reauthorize", "rel": "reauthorize", "method": "POST"},
			map[string]any{"href": f.URL + "/v2/checkout/orders/" + a.OrderID, "rel": "up", "method": "GET"},
		},
	}
}

func (f *Server) handleGetAuthorization(r *http.Request, _ []byte) answer {
	a := f.authorizations[r.PathValue("id")]
	if a == nil {
		return f.notFound()
	}
	return reply(http.StatusOK, f.authorizationJSON(a))
}

func (f *Server) handleCaptureAuthorization(r *http.Request, _ []byte) answer {
	a := f.authorizations[r.PathValue("id")]
	if a == nil {
		return f.notFound()
	}
	switch a.Status {
	case "CAPTURED":
		return f.unprocessable("AUTHORIZATION_ALREADY_CAPTURED", "Authorization has been previously captured and hence cannot be captured again.")
	case "VOIDED":
		return f.unprocessable("AUTHORIZATION_VOIDED", "A voided authorization cannot be captured or reauthorized.")
	case "EXPIRED":
		return f.unprocessable("AUTHORIZATION_EXPIRED", "An expired authorization cannot be captured.")
	}
	o := f.orders[a.OrderID]
	now := f.tick()
	c := &Capture{ID: f.nextID("3C"), OrderID: a.OrderID, Status: "COMPLETED", Currency: a.Currency, Amount: a.Amount,
		Fee: (a.Amount*349+5000)/10000 + 49, CustomID: a.CustomID, Created: now, Updated: now}
	f.captures[c.ID] = c
	a.Status, a.CaptureID, a.Updated = "CAPTURED", c.ID, now
	if o != nil {
		o.CaptureID, o.Updated = c.ID, now
	}
	res := f.captureJSON(c)
	res["supplementary_data"] = map[string]any{"related_ids": map[string]any{"order_id": a.OrderID, "authorization_id": a.ID}}
	f.deliver("PAYMENT.CAPTURE.COMPLETED", "capture", fmt.Sprintf("Payment completed for %s %s", formatMinor(c.Amount, c.Currency), c.Currency), res)
	if !f.representation(r) {
		return reply(http.StatusCreated, map[string]any{"id": c.ID, "status": c.Status, "links": res["links"]})
	}
	return reply(http.StatusCreated, res)
}

func (f *Server) handleVoid(r *http.Request, _ []byte) answer {
	a := f.authorizations[r.PathValue("id")]
	if a == nil {
		return f.notFound()
	}
	switch a.Status {
	case "VOIDED":
		return f.unprocessable("PREVIOUSLY_VOIDED", "Authorization has been previously voided and hence cannot be voided again.")
	case "CAPTURED":
		return f.unprocessable("PREVIOUSLY_CAPTURED", "Authorization has been previously captured and hence cannot be voided.")
	case "EXPIRED":
		return f.unprocessable("AUTHORIZATION_EXPIRED", "An expired authorization cannot be voided.")
	}
	a.Status, a.Updated = "VOIDED", f.tick()
	res := f.authorizationJSON(a)
	f.deliver("PAYMENT.AUTHORIZATION.VOIDED", "authorization", "A payment authorization was voided", res)
	if f.representation(r) {
		return reply(http.StatusOK, res)
	}
	return answer{status: http.StatusNoContent, body: nil}
}

func (f *Server) handleReauthorize(r *http.Request, body []byte) answer {
	a := f.authorizations[r.PathValue("id")]
	if a == nil {
		return f.notFound()
	}
	var in struct {
		Amount json.RawMessage `json:"amount"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return f.unprocessable("MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")
		}
	}
	if len(in.Amount) > 0 && string(in.Amount) != "null" {
		f.t.Errorf("fake paypal: reauthorize %s with an amount %s: the fake reauthorizes the original amount only", a.ID, in.Amount)
	}
	switch {
	case a.Status == "CAPTURED":
		return f.unprocessable("AUTHORIZATION_ALREADY_CAPTURED", "Authorization has been previously captured and hence cannot be captured again.")
	case a.Status == "VOIDED":
		return f.unprocessable("AUTHORIZATION_VOIDED", "A voided authorization cannot be captured or reauthorized.")
	case a.Status == "EXPIRED" || !f.now.Before(a.Expires):
		return f.unprocessable("AUTHORIZATION_EXPIRED", "An expired authorization cannot be captured.")
	case a.ReauthorizationOf != "":
		return f.unprocessable("REAUTHORIZATION_NOT_SUPPORTED", "A reauthorize cannot be attempted on an authorization_id that is the result of a prior reauthorization.")
	case a.ReauthorizedAs != "" || f.now.Before(a.Created.Add(honorPeriod)):
		return f.unprocessable("REAUTHORIZATION_TOO_SOON", "A reauthorization is only allowed once from Day 4 to Day 29 since the date of the original authorization.")
	}
	now := f.tick()
	n := &Authorization{ID: f.nextID("0AU"), OrderID: a.OrderID, Status: "CREATED", Currency: a.Currency, Amount: a.Amount,
		CustomID: a.CustomID, Created: now, Updated: now, Expires: a.Expires, ReauthorizationOf: a.ID}
	f.authorizations[n.ID] = n
	a.ReauthorizedAs, a.Updated = n.ID, now
	if o := f.orders[a.OrderID]; o != nil {
		o.AuthorizationID, o.Updated = n.ID, now
	}
	res := f.authorizationJSON(n)
	f.deliver("PAYMENT.AUTHORIZATION.CREATED", "authorization",
		fmt.Sprintf("A payment authorization was created for %s %s", formatMinor(n.Amount, n.Currency), n.Currency), res)
	if !f.representation(r) {
		return reply(http.StatusCreated, map[string]any{"id": n.ID, "status": n.Status, "links": res["links"]})
	}
	return reply(http.StatusCreated, res)
}
