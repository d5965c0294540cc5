package paypal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	pp "github.com/plutov/paypal/v4"

	"github.com/admit/admit/app/payment"
)

// Authorize then capture (Orders v2 intent AUTHORIZE, Payments v2
// authorizations): the buyer approves the order, Return (or Status, for a
// lost return) authorizes it, which holds the money; Capture takes it and
// Void releases it. PayPal honors an authorization's funds for 3 days and
// keeps it valid for 29 (expiration_time); a capture after the honor period
// may be declined.

var (
	_ payment.Authorizer   = (*Provider)(nil)
	_ payment.Reauthorizer = (*Provider)(nil)
)

const (
	intentCapture   = "CAPTURE"
	intentAuthorize = "AUTHORIZE"
)

// honorPeriod is how long PayPal guarantees an authorization's funds;
// validity how long it can be captured at all, when the answer has no
// expiration_time.
const (
	honorPeriod = 3 * 24 * time.Hour
	validity    = 29 * 24 * time.Hour
)

// Authorization statuses (Payments v2).
const (
	authCreated           = "CREATED"
	authPending           = "PENDING"
	authCaptured          = "CAPTURED"
	authPartiallyCaptured = "PARTIALLY_CAPTURED"
	authDenied            = "DENIED"
	authVoided            = "VOIDED"
	authExpired           = "EXPIRED"
)

// Issues of 422 answers about authorizations.
const (
	issueIntentMismatch    = "ACTION_DOES_NOT_MATCH_INTENT"
	issueAlreadyAuthorized = "ORDER_ALREADY_AUTHORIZED"
	issueAuthCaptured      = "AUTHORIZATION_ALREADY_CAPTURED"
	issuePreviouslyVoided  = "PREVIOUSLY_VOIDED"
	issueAuthVoided        = "AUTHORIZATION_VOIDED"
	issueAuthExpired       = "AUTHORIZATION_EXPIRED"
)

// Webhook event types of authorizations.
const (
	EventAuthorizationCreated = "PAYMENT.AUTHORIZATION.CREATED"
	EventAuthorizationVoided  = "PAYMENT.AUTHORIZATION.VOIDED"
)

// authorization is an authorization as PayPal shows it (in an order's
// purchase_units[].payments.authorizations, and as a webhook's resource).
type authorization struct {
	ID                string     `json:"id"`
	Status            string     `json:"status"`
	CustomID          string     `json:"custom_id"`
	Amount            *money     `json:"amount"`
	ExpirationTime    string     `json:"expiration_time"`
	CreateTime        string     `json:"create_time"`
	SupplementaryData relatedIDs `json:"supplementary_data"`
	Links             []pp.Link  `json:"links"`
}

// authorizedOrder is what this package reads of an AUTHORIZE order.
type authorizedOrder struct {
	ID            string `json:"id"`
	Intent        string `json:"intent"`
	Status        string `json:"status"`
	PurchaseUnits []struct {
		CustomID string `json:"custom_id"`
		Payments struct {
			Authorizations []authorization   `json:"authorizations"`
			Captures       []json.RawMessage `json:"captures"`
		} `json:"payments"`
	} `json:"purchase_units"`
}

// event reports an authorization: CREATED is Authorized (the id
// "authorization:<id>", PaymentID the authorization), PENDING Pending,
// VOIDED or EXPIRED Voided, DENIED Failed.
func (a authorization) event(orderID string, at time.Time) (payment.Event, error) {
	ev := payment.Event{Provider: Name, CheckoutID: orderID, PaymentID: a.ID, RegistrationID: registrationID(a.CustomID), OccurredAt: at}
	if ev.CheckoutID == "" {
		ev.CheckoutID = a.SupplementaryData.RelatedIDs.OrderID
	}
	if ev.CheckoutID == "" {
		ev.CheckoutID = linkedID(a.Links, "up", "/v2/checkout/orders/")
	}
	if a.Amount != nil {
		amount, currency, err := readMoney(a.Amount)
		if err != nil {
			return payment.Event{}, fmt.Errorf("paypal: authorization %s: %w", a.ID, err)
		}
		ev.Amount, ev.Currency = amount, currency
	}
	switch a.Status {
	case authCreated:
		if a.Amount == nil {
			return payment.Event{}, fmt.Errorf("paypal: authorization %s without an amount", a.ID)
		}
		ev.Kind, ev.ID = payment.Authorized, "authorization:"+a.ID
		created := eventTime(a.CreateTime)
		if a.CreateTime == "" {
			created = at
		}
		expires := created.Add(validity)
		if t, err := time.Parse(time.RFC3339Nano, a.ExpirationTime); err == nil {
			expires = t.UTC()
		}
		ev.Authorization = &payment.AuthorizationTerms{CaptureBy: created.Add(honorPeriod), ExpiresAt: expires}
	case authPending:
		ev.Kind, ev.ID = payment.Pending, "authorization:"+a.ID+":pending"
	case authVoided, authExpired:
		ev.Kind, ev.ID = payment.Voided, "authorization:"+a.ID+":voided"
	case authDenied:
		ev.Kind, ev.ID = payment.Failed, "authorization:"+a.ID+":denied"
	default:
		return payment.Event{}, fmt.Errorf("paypal: authorization %s is %s", a.ID, a.Status)
	}
	return ev, nil
}

// orderDoc reads an order both as plutov's Order and as this package's
// authorizedOrder.
func (p *Provider) orderDoc(ctx context.Context, method, path, requestID string) (*pp.Order, *authorizedOrder, error) {
	var raw json.RawMessage
	err := p.do(func(c *pp.Client) error {
		var body any
		if method == http.MethodPost {
			body = struct{}{}
		}
		req, err := c.NewRequest(ctx, method, c.APIBase+path, body)
		if err != nil {
			return err
		}
		if requestID != "" {
			req.Header.Set("PayPal-Request-Id", requestID)
		}
		raw = nil
		return c.SendWithAuth(req, &raw)
	})
	if err != nil {
		return nil, nil, err
	}
	var o pp.Order
	var a authorizedOrder
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, nil, fmt.Errorf("paypal: %s: %w", path, err)
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, nil, fmt.Errorf("paypal: %s: %w", path, err)
	}
	return &o, &a, nil
}

// authorizeOrder authorizes an approved AUTHORIZE order (POST
// /v2/checkout/orders/{id}/authorize, PayPal-Request-Id
// "authorize-<order id>"): the money is held. An order authorized before is
// reported as it is.
func (p *Provider) authorizeOrder(ctx context.Context, orderID string) (payment.Event, error) {
	o, a, err := p.orderDoc(ctx, http.MethodPost, "/v2/checkout/orders/"+url.PathEscape(orderID)+"/authorize", "authorize-"+orderID)
	if err == nil {
		return p.orderEvent(ctx, o, a)
	}
	switch status, is := issue(err); {
	case status != http.StatusUnprocessableEntity:
	case is == issueAlreadyAuthorized || is == issueAlreadyCaptured:
		return p.reportOrder(ctx, orderID)
	case is == issueNotApproved || is == issuePayerAction || is == issueInstrumentDeclined:
		// The buyer has to act: the event names the order, so that the
		// caller can check whose it is before sending the buyer back.
		current, gerr := p.getOrder(ctx, orderID)
		if gerr != nil {
			return payment.Event{}, gerr
		}
		pending, perr := eventFromOrder(current)
		if perr != nil {
			return payment.Event{}, perr
		}
		if is == issueInstrumentDeclined {
			pending.ID = "order:" + orderID + ":declined:" + approvalOf(current)
			return pending, fmt.Errorf("paypal: order %s: %s, the buyer must choose another funding source: %w: %w", orderID, is, payment.ErrDeclined, payment.ErrNotApproved)
		}
		return pending, fmt.Errorf("paypal: order %s is %s: %w", orderID, current.Status, payment.ErrNotApproved)
	}
	return payment.Event{}, classify("authorize order "+orderID, err)
}

// orderEvent reports an order: an AUTHORIZE order that is COMPLETED by its
// capture when it has one, else by its authorization; any other as
// eventFromOrder does.
func (p *Provider) orderEvent(ctx context.Context, o *pp.Order, a *authorizedOrder) (payment.Event, error) {
	if a == nil || a.Intent != intentAuthorize || a.Status != orderCompleted {
		return eventFromOrder(o)
	}
	for _, u := range a.PurchaseUnits {
		if len(u.Payments.Captures) > 0 {
			return eventFromOrder(o)
		}
	}
	for _, u := range a.PurchaseUnits {
		for _, auth := range u.Payments.Authorizations {
			if auth.CustomID == "" {
				auth.CustomID = u.CustomID
			}
			return auth.event(a.ID, orderTime(o))
		}
	}
	if o.ID == "" && a.ID != "" {
		// A minimal answer: read the whole order.
		return p.reportOrder(ctx, a.ID)
	}
	return payment.Event{}, fmt.Errorf("paypal: order %s is COMPLETED without an authorization", a.ID)
}

// approvalOf names an order's current approval (its update time).
func approvalOf(o *pp.Order) string {
	if o.UpdateTime != nil && !o.UpdateTime.IsZero() {
		return fmt.Sprint(o.UpdateTime.Unix())
	}
	return "approved"
}

// Capture implements payment.Authorizer: POST
// /v2/payments/authorizations/{id}/capture (final_capture, the whole
// amount) with PayPal-Request-Id = the request's idempotency key. The Paid
// event's id is "capture:<capture id>", as Status and the order report it,
// and PaymentID is the capture (what Refund takes). An authorization captured
// before is reported from its order. One that expired or was voided, or a
// capture PayPal declined, is payment.ErrRefused with PayPal's reason.
func (p *Provider) Capture(ctx context.Context, r payment.CaptureRequest) (payment.Event, error) {
	if err := checkID("authorization", r.PaymentID); err != nil {
		return payment.Event{}, err
	}
	var c captureResource
	err := p.do(func(cl *pp.Client) error {
		req, err := cl.NewRequest(ctx, http.MethodPost, cl.APIBase+"/v2/payments/authorizations/"+url.PathEscape(r.PaymentID)+"/capture",
			map[string]any{"final_capture": true})
		if err != nil {
			return err
		}
		if r.IdempotencyKey != "" {
			req.Header.Set("PayPal-Request-Id", r.IdempotencyKey)
		}
		c = captureResource{}
		return cl.SendWithAuth(req, &c)
	})
	if err != nil {
		if status, is := issue(err); status == http.StatusUnprocessableEntity && is == issueAuthCaptured && r.CheckoutID != "" {
			if err := checkID("order", r.CheckoutID); err != nil {
				return payment.Event{}, err
			}
			return p.reportOrder(ctx, r.CheckoutID)
		}
		return payment.Event{}, refused(classify("capture authorization "+r.PaymentID, err))
	}
	if c.ID == "" {
		return payment.Event{}, fmt.Errorf("paypal: capture authorization %s: answer without a capture id", r.PaymentID)
	}
	ev := payment.Event{Provider: Name, CheckoutID: r.CheckoutID, RegistrationID: r.RegistrationID, PaymentID: c.ID,
		Amount: r.Amount, Currency: strings.ToUpper(r.Currency), OccurredAt: time.Now().UTC()}
	if id := registrationID(c.CustomID); id != 0 {
		ev.RegistrationID = id
	}
	if c.Amount != nil {
		amount, currency, err := readMoney(c.Amount)
		if err != nil {
			return payment.Event{}, fmt.Errorf("paypal: capture %s: %w", c.ID, err)
		}
		ev.Amount, ev.Currency = amount, currency
	}
	c.noteFee(&ev)
	switch c.Status {
	case captureCompleted, "":
		ev.Kind, ev.ID = payment.Paid, "capture:"+c.ID
		return ev, nil
	case capturePending:
		ev.Kind, ev.ID = payment.Pending, "capture:"+c.ID+":pending"
		return ev, nil
	}
	return payment.Event{}, payment.Refused(fmt.Errorf("paypal: capture %s of authorization %s is %s", c.ID, r.PaymentID, c.Status))
}

// Void implements payment.Authorizer: POST
// /v2/payments/authorizations/{id}/void with PayPal-Request-Id = the
// request's idempotency key. An authorization voided or expired already is
// voided all the same; one captured is payment.ErrRefused.
func (p *Provider) Void(ctx context.Context, r payment.VoidRequest) (payment.Event, error) {
	if err := checkID("authorization", r.PaymentID); err != nil {
		return payment.Event{}, err
	}
	err := p.do(func(cl *pp.Client) error {
		req, err := cl.NewRequest(ctx, http.MethodPost, cl.APIBase+"/v2/payments/authorizations/"+url.PathEscape(r.PaymentID)+"/void", struct{}{})
		if err != nil {
			return err
		}
		if r.IdempotencyKey != "" {
			req.Header.Set("PayPal-Request-Id", r.IdempotencyKey)
		}
		// 204 without Prefer, 200 with the authorization with it: the
		// answer's body is not needed.
		return cl.SendWithAuth(req, nil)
	})
	if err != nil {
		status, is := issue(err)
		if status != http.StatusUnprocessableEntity || (is != issuePreviouslyVoided && is != issueAuthVoided && is != issueAuthExpired) {
			return payment.Event{}, refused(classify("void authorization "+r.PaymentID, err))
		}
	}
	return payment.Event{ID: "authorization:" + r.PaymentID + ":voided", Provider: Name, Kind: payment.Voided,
		CheckoutID: r.CheckoutID, RegistrationID: r.RegistrationID, PaymentID: r.PaymentID, OccurredAt: time.Now().UTC()}, nil
}

// Reauthorize implements payment.Reauthorizer: POST
// /v2/payments/authorizations/{id}/reauthorize (for the same amount: an
// empty body) with PayPal-Request-Id = the request's idempotency key and
// Prefer: return=representation. PayPal allows it once, from the end of the
// 3-day honor period to day 29, and answers a new authorization (CREATED,
// a new honor period, the original's expiration_time): the Authorized event
// names it as PaymentID, and Capture then takes it. An answer without
// expiration_time leaves ExpiresAt zero: the renewed hold keeps the
// original's end. Too early, a second
// time, or on a voided, expired or captured authorization, PayPal answers
// 422 (REAUTHORIZATION_TOO_SOON, REAUTHORIZATION_NOT_SUPPORTED,
// AUTHORIZATION_VOIDED, AUTHORIZATION_EXPIRED,
// AUTHORIZATION_ALREADY_CAPTURED): payment.ErrRefused with its reason.
func (p *Provider) Reauthorize(ctx context.Context, r payment.ReauthorizeRequest) (payment.Event, error) {
	if err := checkID("authorization", r.PaymentID); err != nil {
		return payment.Event{}, err
	}
	var a authorization
	err := p.do(func(cl *pp.Client) error {
		req, err := cl.NewRequest(ctx, http.MethodPost, cl.APIBase+"/v2/payments/authorizations/"+url.PathEscape(r.PaymentID)+"/reauthorize", struct{}{})
		if err != nil {
			return err
		}
		if r.IdempotencyKey != "" {
			req.Header.Set("PayPal-Request-Id", r.IdempotencyKey)
		}
		req.Header.Set("Prefer", "return=representation")
		a = authorization{}
		return cl.SendWithAuth(req, &a)
	})
	if err != nil {
		return payment.Event{}, refused(classify("reauthorize authorization "+r.PaymentID, err))
	}
	if a.ID == "" {
		return payment.Event{}, fmt.Errorf("paypal: reauthorize authorization %s: answer without an authorization id", r.PaymentID)
	}
	if a.Status == "" { // a minimal answer: the new authorization holds
		a.Status = authCreated
	}
	if a.Amount == nil {
		v, err := formatAmount(r.Amount, strings.ToUpper(r.Currency))
		if err != nil {
			return payment.Event{}, err
		}
		a.Amount = &money{CurrencyCode: strings.ToUpper(r.Currency), Value: v}
	}
	ev, err := a.event(r.CheckoutID, time.Now().UTC())
	if err != nil {
		return payment.Event{}, fmt.Errorf("paypal: reauthorize authorization %s: %w", r.PaymentID, err)
	}
	if ev.RegistrationID == 0 {
		ev.RegistrationID = r.RegistrationID
	}
	if ev.Kind != payment.Authorized {
		return payment.Event{}, payment.Refused(fmt.Errorf("paypal: reauthorization %s of authorization %s is %s", a.ID, r.PaymentID, a.Status))
	}
	if a.ExpirationTime == "" {
		// A reauthorization keeps the original's expiry (never past its
		// day 29), which this answer does not give: left out, the hold
		// keeps its own end, not 29 days from the renewal.
		ev.Authorization.ExpiresAt = time.Time{}
	}
	return ev, nil
}

// refused marks PayPal's 400 and 422 answers payment.ErrRefused.
func refused(err error) error {
	var ae *apiError
	if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusUnprocessableEntity) {
		return payment.Refused(err)
	}
	return err
}

// authorizationEvent normalizes PAYMENT.AUTHORIZATION.CREATED (Authorized)
// and PAYMENT.AUTHORIZATION.VOIDED (Voided, whether voided by Admit or
// lapsed after 29 days).
func authorizationEvent(we webhookEvent, ev payment.Event) (payment.Event, error) {
	var a authorization
	if err := json.Unmarshal(we.Resource, &a); err != nil || a.ID == "" {
		return payment.Event{}, fmt.Errorf("paypal: %s %s: resource is not an authorization", we.EventType, we.ID)
	}
	if we.EventType == EventAuthorizationVoided {
		a.Status = authVoided
	}
	out, err := a.event("", ev.OccurredAt)
	if err != nil {
		return payment.Event{}, fmt.Errorf("paypal: %s %s: %w", we.EventType, we.ID, err)
	}
	out.ID = ev.ID
	return out, nil
}
