package payment

import (
	"context"
	"time"
)

// Authorize then capture: for events whose registrations the organizer
// approves, a provider that can holds the buyer's money at checkout
// (Authorized), takes it when the organizer confirms (Capture: Paid) and
// releases it when they reject (Void: Voided). Nothing is charged, and no
// fee is paid, for a registration that is turned down.
const (
	// Authorized: the buyer approved the payment and the provider holds
	// Amount for a later capture; nothing is taken yet. PaymentID is what
	// Capture and Void take (Stripe's PaymentIntent, PayPal's
	// authorization) and Authorization says until when.
	Authorized Kind = "authorized"
	// Voided: the hold ended without a capture (voided by Admit, or
	// lapsed at the provider). PaymentID names the authorization.
	Voided Kind = "voided"
)

// AuthorizationTerms are the deadlines of a hold.
type AuthorizationTerms struct {
	// CaptureBy is the last moment a capture is sure to succeed (Stripe: 7
	// days, when the hold ends; PayPal: the end of its 3-day honor period).
	CaptureBy time.Time
	// ExpiresAt is when the hold ends for good (Stripe: 7 days; PayPal:
	// 29 days); after it nothing can be captured. Zero when the provider
	// did not say: a renewed hold then keeps the end of the one it renews,
	// a new one ends at CaptureBy.
	ExpiresAt time.Time
}

// CaptureRequest takes the money an authorization holds.
type CaptureRequest struct {
	// CheckoutID and PaymentID are the Authorized event's.
	CheckoutID     string
	PaymentID      string
	Amount         int64
	Currency       string
	RegistrationID int64
	// IdempotencyKey is derived from our ids ("capture-<registration>").
	IdempotencyKey string
}

// VoidRequest releases an authorization.
type VoidRequest struct {
	CheckoutID     string
	PaymentID      string
	RegistrationID int64
	// IdempotencyKey is derived from our ids ("void-<registration>").
	IdempotencyKey string
}

// Authorizer is what a Provider whose Module declares Authorize implements:
// it authorizes at checkout (CheckoutRequest.Authorize) and captures or
// voids later.
type Authorizer interface {
	// Capture takes the authorized money and answers the Paid event of the
	// capture (its ID fixed by the capture, so that a webhook about the
	// same capture is a duplicate). Asking again with the same key takes
	// nothing more. A hold that lapsed, was voided or whose capture was
	// declined is an ErrRefused whose text is the provider's reason.
	Capture(ctx context.Context, r CaptureRequest) (Event, error)
	// Void releases the hold and answers the Voided event. A hold already
	// voided or lapsed is not an error.
	Void(ctx context.Context, r VoidRequest) (Event, error)
}

// Capture takes an authorization's money at a provider that can;
// ErrUnsupported otherwise.
func Capture(ctx context.Context, p Provider, r CaptureRequest) (Event, error) {
	return callHold(ctx, p, func(ctx context.Context, a Authorizer) (Event, error) { return a.Capture(ctx, r) })
}

// Void releases an authorization at a provider that can; ErrUnsupported
// otherwise.
func Void(ctx context.Context, p Provider, r VoidRequest) (Event, error) {
	return callHold(ctx, p, func(ctx context.Context, a Authorizer) (Event, error) { return a.Void(ctx, r) })
}

// callHold calls a capability C of p (Authorizer, Reauthorizer), under
// p's deadline when it has one; ErrUnsupported when p lacks it.
func callHold[C any](ctx context.Context, p Provider, call func(context.Context, C) (Event, error)) (Event, error) {
	if d, ok := p.(deadline); ok {
		return within(ctx, d.d, func(ctx context.Context) (Event, error) { return callHold(ctx, d.p, call) })
	}
	if c, ok := any(p).(C); ok {
		return call(ctx, c)
	}
	return Event{}, ErrUnsupported
}

// ReauthorizeRequest renews a hold whose capture is no longer guaranteed.
type ReauthorizeRequest struct {
	// CheckoutID and PaymentID are the hold's (the Authorized event's).
	CheckoutID     string
	PaymentID      string
	Amount         int64
	Currency       string
	RegistrationID int64
	// IdempotencyKey is derived from our ids ("reauthorize-<registration>-<hold>").
	IdempotencyKey string
}

// Reauthorizer is what a Provider whose Module declares Reauthorize
// implements: it renews a hold once its capture is no longer guaranteed.
type Reauthorizer interface {
	// Reauthorize renews the hold and answers the Authorized event of the
	// renewed one: its PaymentID is what Capture then takes (PayPal makes a
	// new authorization), its Authorization the new terms. Asking again
	// with the same key renews nothing more. A hold that cannot be renewed
	// (too early, renewed before, voided, expired, captured) is an
	// ErrRefused whose text is the provider's reason.
	Reauthorize(ctx context.Context, r ReauthorizeRequest) (Event, error)
}

// Reauthorize renews a hold at a provider that can; ErrUnsupported
// otherwise.
func Reauthorize(ctx context.Context, p Provider, r ReauthorizeRequest) (Event, error) {
	return callHold(ctx, p, func(ctx context.Context, a Reauthorizer) (Event, error) { return a.Reauthorize(ctx, r) })
}
