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
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/admit/admit/app/payment"
)

// SignatureHeader is the header Stripe signs webhooks in.
const SignatureHeader = "Stripe-Signature"

// The webhook types Admit acts on.
const (
	evCheckoutCompleted      = "checkout.session.completed"
	evCheckoutAsyncSucceeded = "checkout.session.async_payment_succeeded"
	evCheckoutAsyncFailed    = "checkout.session.async_payment_failed"
	evCheckoutExpired        = "checkout.session.expired"
	evChargeRefunded         = "charge.refunded"
)

// event is what Admit reads of a Stripe event, decoded once the signature
// is checked: stripe.Event would decode data.object into a map as well,
// which nothing here reads (the object is decoded into its own type below).
type event struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    *struct {
		Raw                json.RawMessage `json:"object"`
		PreviousAttributes map[string]any  `json:"previous_attributes"`
	} `json:"data"`
}

// ParseWebhook verifies a webhook's Stripe-Signature against the exact raw
// body (HMAC-SHA256 with the endpoint's signing secret, at most 5 minutes
// old; any API version) and normalizes it:
//
//   - checkout.session.completed: Paid when payment_status is paid,
//     Authorized when the checkout only authorizes (metadata capture=manual)
//     and the money is held, Pending when an asynchronous method is still
//     processing;
//   - payment_intent.amount_capturable_updated: Authorized, and
//     payment_intent.canceled: Voided, for PaymentIntents carrying our
//     registration id (authorize.go);
//   - checkout.session.async_payment_succeeded: Paid;
//   - checkout.session.async_payment_failed: Failed;
//   - checkout.session.expired: Expired;
//   - charge.refunded: Refunded, with PaymentID the PaymentIntent,
//     RefundedTotal the charge's amount_refunded, Amount this refund
//     (amount_refunded less previous_attributes.amount_refunded, else the
//     newest listed refund's amount, else 0: unknown) and RefundID the
//     newest refund when the event lists the charge's refunds.
//
// Checkout events that carry no registration id of ours, and every other
// type, are payment.ErrIgnored. A missing, wrong or stale signature is
// payment.ErrSignature.
func (p *Provider) ParseWebhook(_ context.Context, r payment.WebhookRequest) (payment.Event, error) {
	if p.webhookSecret == "" {
		return payment.Event{}, fmt.Errorf("stripe: no webhook signing secret is set (stripe.webhook_secret): %w", payment.ErrSignature)
	}
	sig := signatureHeader(r.Header)
	err := webhook.ValidatePayloadWithTolerance(r.Body, sig, p.webhookSecret, webhook.DefaultTolerance)
	var e event
	if err == nil {
		err = json.Unmarshal(r.Body, &e)
	}
	switch {
	case errors.Is(err, webhook.ErrNotSigned):
		return payment.Event{}, fmt.Errorf("stripe: webhook without a %s header: %w", SignatureHeader, payment.ErrSignature)
	case errors.Is(err, webhook.ErrInvalidHeader):
		return payment.Event{}, fmt.Errorf("stripe: webhook with a malformed %s header: %w", SignatureHeader, payment.ErrSignature)
	case errors.Is(err, webhook.ErrTooOld):
		return payment.Event{}, fmt.Errorf("stripe: webhook signed more than %s ago: %w", webhook.DefaultTolerance, payment.ErrSignature)
	case errors.Is(err, webhook.ErrNoValidSignature):
		return payment.Event{}, fmt.Errorf("stripe: webhook signature does not match the body and the signing secret: %w", payment.ErrSignature)
	case err != nil:
		// Well signed but not an event (stripe-go could not decode it).
		return payment.Event{}, fmt.Errorf("stripe: webhook body is not a Stripe event: %s", p.redact(err.Error()))
	}
	if e.ID == "" || e.Data == nil || len(e.Data.Raw) == 0 {
		return payment.Event{}, fmt.Errorf("stripe: webhook event without an id or an object")
	}

	ev := payment.Event{ID: e.ID, Provider: Name}
	if e.Created > 0 {
		ev.OccurredAt = time.Unix(e.Created, 0).UTC()
	}
	switch t := e.Type; t {
	case evCheckoutCompleted, evCheckoutAsyncSucceeded, evCheckoutAsyncFailed, evCheckoutExpired:
		var s stripego.CheckoutSession
		if err := json.Unmarshal(e.Data.Raw, &s); err != nil {
			return payment.Event{}, fmt.Errorf("stripe: %s %s: decoding the checkout session: %w", t, e.ID, err)
		}
		se := sessionEvent(&s)
		if se.RegistrationID == 0 {
			return payment.Event{}, fmt.Errorf("stripe: %s %s: session %s is not an Admit checkout: %w", t, e.ID, s.ID, payment.ErrIgnored)
		}
		se.ID, se.OccurredAt = ev.ID, ev.OccurredAt
		switch t {
		case evCheckoutCompleted:
			se.Kind = payment.Pending
			if authorizedSession(&s) {
				se.Kind, se.Authorization = payment.Authorized, terms(ev.OccurredAt)
			} else if s.PaymentStatus == stripego.CheckoutSessionPaymentStatusPaid ||
				s.PaymentStatus == stripego.CheckoutSessionPaymentStatusNoPaymentRequired {
				se.Kind = payment.Paid
			}
		case evCheckoutAsyncSucceeded:
			se.Kind = payment.Paid
		case evCheckoutAsyncFailed:
			se.Kind = payment.Failed
		case evCheckoutExpired:
			se.Kind = payment.Expired
		}
		return se, nil

	case evIntentCapturable, evIntentCanceled:
		return intentEvent(t, ev, e.Data.Raw)

	case evChargeRefunded:
		var c stripego.Charge
		if err := json.Unmarshal(e.Data.Raw, &c); err != nil {
			return payment.Event{}, fmt.Errorf("stripe: %s %s: decoding the charge: %w", t, e.ID, err)
		}
		ev.Kind = payment.Refunded
		if c.PaymentIntent != nil {
			ev.PaymentID = c.PaymentIntent.ID
		}
		if ev.PaymentID == "" {
			return payment.Event{}, fmt.Errorf("stripe: %s %s: charge %s has no PaymentIntent, so it is not an Admit payment: %w", t, e.ID, c.ID, payment.ErrIgnored)
		}
		// Stripe does not copy the PaymentIntent's metadata onto its
		// charges; the domain finds the registration by PaymentID.
		ev.RegistrationID = registrationID(c.Metadata, "")
		ev.RefundedTotal = c.AmountRefunded
		ev.Currency = strings.ToUpper(string(c.Currency))
		newest := latestRefund(c.Refunds)
		if newest != nil {
			ev.RefundID = newest.ID
		}
		switch prev, ok := previousRefunded(e.Data.PreviousAttributes, c.AmountRefunded); {
		case ok:
			ev.Amount = c.AmountRefunded - prev
		case newest != nil && newest.Amount > 0:
			ev.Amount = newest.Amount
		}
		return ev, nil
	}
	return payment.Event{}, fmt.Errorf("stripe: %s %s: %w", e.Type, e.ID, payment.ErrIgnored)
}

// previousRefunded is the charge's amount_refunded before this event, when
// the event says so (previous_attributes).
func previousRefunded(prev map[string]interface{}, total int64) (int64, bool) {
	v, ok := prev["amount_refunded"].(float64)
	if !ok || v < 0 || int64(v) > total {
		return 0, false
	}
	return int64(v), true
}

// latestRefund is the charge's newest refund when the event lists them
// (endpoints on API versions before 2022-11-15 get charge.refunds); nil
// otherwise.
func latestRefund(l *stripego.RefundList) *stripego.Refund {
	if l == nil {
		return nil
	}
	var newest *stripego.Refund
	for _, r := range l.Data {
		if r != nil && r.ID != "" && (newest == nil || r.Created > newest.Created) {
			newest = r
		}
	}
	return newest
}

// signatureHeader reads Stripe-Signature, whatever the case its key was
// stored in (a header map copied by hand need not be canonical).
func signatureHeader(h http.Header) string {
	if v := h.Get(SignatureHeader); v != "" {
		return v
	}
	for k, vs := range h {
		if strings.EqualFold(k, SignatureHeader) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}
