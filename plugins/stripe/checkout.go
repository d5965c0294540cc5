package stripe

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/admit/admit/app/payment"
)

// CreateCheckout opens a Checkout Session (mode=payment) for one
// registration: one line item priced inline, the registration id as
// client_reference_id and in the metadata of the session and of its
// PaymentIntent, expires_at at the end of the hold (brought into Stripe's
// 30 minutes to 24 hours window) and the request's idempotency key.
func (p *Provider) CreateCheckout(ctx context.Context, r payment.CheckoutRequest) (payment.Checkout, error) {
	cur := strings.ToUpper(strings.TrimSpace(r.Currency))
	switch {
	case r.RegistrationID <= 0:
		return payment.Checkout{}, fmt.Errorf("stripe: a checkout needs a registration id")
	case r.Amount <= 0:
		return payment.Checkout{}, fmt.Errorf("stripe: a checkout needs an amount above 0 (got %d)", r.Amount)
	case !p.Supports(cur):
		return payment.Checkout{}, fmt.Errorf("stripe: %q: %w", r.Currency, payment.ErrCurrency)
	case r.SuccessURL == "" || r.CancelURL == "":
		return payment.Checkout{}, fmt.Errorf("stripe: a checkout needs a success and a cancel URL")
	}
	title := strings.TrimSpace(r.Title)
	if title == "" {
		title = "Ticket"
	}
	reg := strconv.FormatInt(r.RegistrationID, 10)

	params := &stripego.CheckoutSessionParams{
		Mode: stripego.String(string(stripego.CheckoutSessionModePayment)),
		LineItems: []*stripego.CheckoutSessionLineItemParams{{
			PriceData: &stripego.CheckoutSessionLineItemPriceDataParams{
				Currency:   stripego.String(strings.ToLower(cur)),
				UnitAmount: stripego.Int64(r.Amount),
				ProductData: &stripego.CheckoutSessionLineItemPriceDataProductDataParams{
					Name: stripego.String(title),
				},
			},
			Quantity: stripego.Int64(1),
		}},
		ClientReferenceID: stripego.String(reg),
		Metadata:          map[string]string{metaRegistration: reg},
		PaymentIntentData: &stripego.CheckoutSessionPaymentIntentDataParams{
			Metadata: map[string]string{metaRegistration: reg},
		},
		ExpiresAt:  stripego.Int64(clampExpiry(p.now(), r.ExpiresAt).Unix()),
		SuccessURL: stripego.String(successURL(r.SuccessURL)),
		CancelURL:  stripego.String(r.CancelURL),
		Locale:     stripego.String(checkoutLocale(r.Locale)),
	}
	if r.Authorize {
		manualCapture(params)
	}
	if email := strings.TrimSpace(r.Email); email != "" {
		params.CustomerEmail = stripego.String(email)
	}
	params.Context = ctx
	if r.IdempotencyKey != "" {
		params.SetIdempotencyKey(r.IdempotencyKey)
	}

	s, err := p.api.CheckoutSessions.New(params)
	if err != nil {
		return payment.Checkout{}, p.apiError("creating the checkout session", err)
	}
	if s.ID == "" || s.URL == "" {
		return payment.Checkout{}, fmt.Errorf("stripe: the checkout session came back without an id or a URL")
	}
	return payment.Checkout{ID: s.ID, RedirectURL: s.URL}, nil
}

// Return reads session_id from the success URL's query and answers the
// session's state, as Status does. Stripe has nothing to capture: the
// payment completes on Stripe's page.
func (p *Provider) Return(ctx context.Context, query url.Values) (payment.Event, error) {
	id := p.ReturnedCheckout(query)
	if id == "" {
		return payment.Event{}, fmt.Errorf("stripe: the return URL has no session_id: %w", payment.ErrNotFound)
	}
	return p.Status(ctx, id)
}

// ReturnedCheckout implements payment.Provider: the session_id Stripe puts
// in the success URL.
func (p *Provider) ReturnedCheckout(query url.Values) string {
	id := strings.TrimSpace(query.Get("session_id"))
	if id == "{CHECKOUT_SESSION_ID}" {
		return ""
	}
	return id
}

// Status retrieves a Checkout Session and says where its payment stands:
// complete and paid is Paid; open, or complete but unpaid (an asynchronous
// method still processing) is Pending; complete with its asynchronous
// payment failed is Failed; expired is Expired. The event's id is
// "status:<session id>:<kind>", so the same answer is applied once however
// often it is asked.
func (p *Provider) Status(ctx context.Context, checkoutID string) (payment.Event, error) {
	id := strings.TrimSpace(checkoutID)
	if id == "" {
		return payment.Event{}, fmt.Errorf("stripe: no checkout session id: %w", payment.ErrNotFound)
	}
	params := &stripego.CheckoutSessionParams{}
	params.Context = ctx
	params.AddExpand("payment_intent")
	s, err := p.api.CheckoutSessions.Get(id, params)
	if err != nil {
		return payment.Event{}, p.apiError("retrieving checkout session "+id, err)
	}

	kind := payment.Pending
	switch s.Status {
	case stripego.CheckoutSessionStatusExpired:
		kind = payment.Expired
	case stripego.CheckoutSessionStatusComplete:
		switch {
		case authorizedSession(s):
			kind = payment.Authorized
		case s.Metadata[metaCapture] == captureManual && s.PaymentIntent != nil && s.PaymentIntent.Status == stripego.PaymentIntentStatusCanceled:
			kind = payment.Voided
		}
		switch s.PaymentStatus {
		case stripego.CheckoutSessionPaymentStatusPaid, stripego.CheckoutSessionPaymentStatusNoPaymentRequired:
			kind = payment.Paid
		default:
			// An asynchronous method (SEPA debit, bank transfer...) that
			// failed sends the PaymentIntent back for a new method or
			// cancels it; otherwise it is still processing.
			if pi := s.PaymentIntent; kind == payment.Pending && pi != nil &&
				(pi.Status == stripego.PaymentIntentStatusRequiresPaymentMethod || pi.Status == stripego.PaymentIntentStatusCanceled) {
				kind = payment.Failed
			}
		}
	}
	ev := sessionEvent(s)
	ev.ID = "status:" + s.ID + ":" + string(kind)
	ev.Kind = kind
	ev.OccurredAt = p.now().UTC()
	if kind == payment.Authorized {
		at := ev.OccurredAt
		if s.PaymentIntent.Created > 0 {
			at = time.Unix(s.PaymentIntent.Created, 0)
		}
		ev.Authorization = captureBefore(s.PaymentIntent, at)
	}
	return ev, nil
}

// sessionEvent fills what a Checkout Session says about its payment.
func sessionEvent(s *stripego.CheckoutSession) payment.Event {
	ev := payment.Event{
		Provider:       Name,
		CheckoutID:     s.ID,
		RegistrationID: registrationID(s.Metadata, s.ClientReferenceID),
		Amount:         s.AmountTotal,
		Currency:       strings.ToUpper(string(s.Currency)),
	}
	if s.PaymentIntent != nil {
		ev.PaymentID = s.PaymentIntent.ID
	}
	return ev
}

// registrationID reads our registration id from metadata, else from the
// client reference; 0 when neither holds one.
func registrationID(meta map[string]string, ref string) int64 {
	for _, v := range []string{meta[metaRegistration], ref} {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id > 0 {
			return id
		}
	}
	return 0
}
