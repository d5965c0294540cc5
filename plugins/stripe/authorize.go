package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/admit/admit/app/payment"
)

// Authorize then capture: a Checkout Session with
// payment_intent_data.capture_method=manual leaves its PaymentIntent in
// requires_capture once the buyer has paid; Capture takes the money,
// Void cancels the PaymentIntent. Stripe keeps an online card
// authorization for 7 days, then cancels the PaymentIntent
// (payment_intent.canceled).

var _ payment.Authorizer = (*Provider)(nil)

// metaCapture marks, in the session's metadata, a checkout that only
// authorizes: checkout.session.completed then carries payment_status unpaid
// and no PaymentIntent status to tell it from a payment still processing.
const (
	metaCapture   = "capture"
	captureManual = "manual"
)

// authorizationLife is how long Stripe holds an online card authorization.
const authorizationLife = 7 * 24 * time.Hour

// The PaymentIntent webhooks of the authorize-then-capture flow.
const (
	evIntentCapturable = "payment_intent.amount_capturable_updated"
	evIntentCanceled   = "payment_intent.canceled"
)

// manualCapture asks Stripe to authorize only.
func manualCapture(params *stripego.CheckoutSessionParams) {
	params.PaymentIntentData.CaptureMethod = stripego.String(string(stripego.PaymentIntentCaptureMethodManual))
	params.Metadata[metaCapture] = captureManual
}

// terms are the deadlines of a hold made at a time: Stripe cancels it after
// 7 days, so both are then.
func terms(at time.Time) *payment.AuthorizationTerms {
	end := at.Add(authorizationLife).UTC()
	return &payment.AuthorizationTerms{CaptureBy: end, ExpiresAt: end}
}

// captureBefore is the charge's capture_before when Stripe says it (card
// payments), else 7 days after at.
func captureBefore(pi *stripego.PaymentIntent, at time.Time) *payment.AuthorizationTerms {
	if pi != nil && pi.LatestCharge != nil && pi.LatestCharge.PaymentMethodDetails != nil &&
		pi.LatestCharge.PaymentMethodDetails.Card != nil && pi.LatestCharge.PaymentMethodDetails.Card.CaptureBefore > 0 {
		end := time.Unix(pi.LatestCharge.PaymentMethodDetails.Card.CaptureBefore, 0).UTC()
		return &payment.AuthorizationTerms{CaptureBy: end, ExpiresAt: end}
	}
	return terms(at)
}

// authorizedSession: a session of an authorizing checkout that the buyer
// completed, its money held but not taken.
func authorizedSession(s *stripego.CheckoutSession) bool {
	return s.Status == stripego.CheckoutSessionStatusComplete && s.Metadata[metaCapture] == captureManual &&
		s.PaymentStatus == stripego.CheckoutSessionPaymentStatusUnpaid &&
		(s.PaymentIntent == nil || s.PaymentIntent.Status == "" || s.PaymentIntent.Status == stripego.PaymentIntentStatusRequiresCapture)
}

// intentEvent normalizes a payment_intent.* webhook of an authorizing
// checkout: amount_capturable_updated is Authorized (the amount held),
// canceled is Voided. A PaymentIntent without our registration id is not
// Admit's.
func intentEvent(t string, ev payment.Event, raw json.RawMessage) (payment.Event, error) {
	var pi stripego.PaymentIntent
	if err := json.Unmarshal(raw, &pi); err != nil {
		return payment.Event{}, fmt.Errorf("stripe: %s %s: decoding the payment intent: %w", t, ev.ID, err)
	}
	ev.RegistrationID = registrationID(pi.Metadata, "")
	if ev.RegistrationID == 0 || pi.ID == "" {
		return payment.Event{}, fmt.Errorf("stripe: %s %s: payment intent %s is not an Admit payment: %w", t, ev.ID, pi.ID, payment.ErrIgnored)
	}
	ev.PaymentID = pi.ID
	ev.Currency = strings.ToUpper(string(pi.Currency))
	switch t {
	case evIntentCapturable:
		if pi.AmountCapturable <= 0 || pi.Status != stripego.PaymentIntentStatusRequiresCapture {
			return payment.Event{}, fmt.Errorf("stripe: %s %s: nothing to capture: %w", t, ev.ID, payment.ErrIgnored)
		}
		ev.Kind, ev.Amount = payment.Authorized, pi.AmountCapturable
		ev.Authorization = captureBefore(&pi, ev.OccurredAt)
	case evIntentCanceled:
		ev.Kind, ev.Amount = payment.Voided, pi.Amount
	}
	return ev, nil
}

// Capture implements payment.Authorizer: POST
// /v1/payment_intents/{id}/capture with amount_to_capture and the request's
// idempotency key, so that a second confirmation takes nothing more. The
// event's id is "capture:<payment intent>". A PaymentIntent that can no
// longer be captured (canceled, or lapsed after 7 days) or a capture the
// card refused is payment.ErrRefused with Stripe's reason.
func (p *Provider) Capture(ctx context.Context, r payment.CaptureRequest) (payment.Event, error) {
	id := strings.TrimSpace(r.PaymentID)
	if id == "" {
		return payment.Event{}, fmt.Errorf("stripe: a capture needs the payment intent: %w", payment.ErrNotFound)
	}
	params := &stripego.PaymentIntentCaptureParams{}
	if r.Amount > 0 {
		params.AmountToCapture = stripego.Int64(r.Amount)
	}
	params.Context = ctx
	if r.IdempotencyKey != "" {
		params.SetIdempotencyKey(r.IdempotencyKey)
	}
	pi, err := p.api.PaymentIntents.Capture(id, params)
	if err != nil {
		return payment.Event{}, p.refusal("capturing "+id, err)
	}
	if pi.Status == stripego.PaymentIntentStatusCanceled {
		return payment.Event{}, payment.Refused(fmt.Errorf("stripe: capturing %s: the payment intent is canceled", id))
	}
	ev := payment.Event{ID: "capture:" + id, Provider: Name, Kind: payment.Paid, CheckoutID: r.CheckoutID,
		RegistrationID: r.RegistrationID, PaymentID: id, Amount: r.Amount, Currency: strings.ToUpper(r.Currency), OccurredAt: p.now().UTC()}
	if pi.AmountReceived > 0 {
		ev.Amount, ev.Currency = pi.AmountReceived, strings.ToUpper(string(pi.Currency))
	}
	return ev, nil
}

// Void implements payment.Authorizer: POST /v1/payment_intents/{id}/cancel
// (cancellation_reason abandoned). A PaymentIntent already canceled is
// voided all the same.
func (p *Provider) Void(ctx context.Context, r payment.VoidRequest) (payment.Event, error) {
	id := strings.TrimSpace(r.PaymentID)
	if id == "" {
		return payment.Event{}, fmt.Errorf("stripe: a void needs the payment intent: %w", payment.ErrNotFound)
	}
	ev := payment.Event{ID: "void:" + id, Provider: Name, Kind: payment.Voided, CheckoutID: r.CheckoutID,
		RegistrationID: r.RegistrationID, PaymentID: id, OccurredAt: p.now().UTC()}
	params := &stripego.PaymentIntentCancelParams{CancellationReason: stripego.String(string(stripego.PaymentIntentCancellationReasonAbandoned))}
	params.Context = ctx
	if r.IdempotencyKey != "" {
		params.SetIdempotencyKey(r.IdempotencyKey)
	}
	if _, err := p.api.PaymentIntents.Cancel(id, params); err != nil {
		var se *stripego.Error
		if errors.As(err, &se) && se.Code == stripego.ErrorCodePaymentIntentUnexpectedState {
			// Canceled already (by Stripe after 7 days, or a void whose
			// answer was lost), or captured: ask which.
			params := &stripego.PaymentIntentParams{}
			params.Context = ctx
			cur, gerr := p.api.PaymentIntents.Get(id, params)
			if gerr == nil && cur.Status == stripego.PaymentIntentStatusCanceled {
				return ev, nil
			}
		}
		return payment.Event{}, p.refusal("canceling "+id, err)
	}
	return ev, nil
}

// refusal is apiError, with a 400 or 402 answer (a state that does not
// allow it, a declined card) marked payment.ErrRefused.
func (p *Provider) refusal(op string, err error) error {
	out := p.apiError(op, err)
	var se *stripego.Error
	if errors.As(err, &se) && (se.HTTPStatusCode == http.StatusBadRequest || se.HTTPStatusCode == http.StatusPaymentRequired) &&
		!errors.Is(out, payment.ErrNotFound) {
		out = payment.Refused(out)
	}
	return out
}
