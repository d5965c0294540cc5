// Package payment is the contract between Admit and its payment providers:
// one Provider interface, the normalized Event every provider turns its
// webhooks and status answers into, and a registry. Providers live in
// plugins/; nothing here knows a vendor SDK.
package payment

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"
)

// Errors a provider returns (wrapped with details).
var (
	// ErrSignature: a webhook whose signature is missing, wrong or stale.
	// Nothing is applied; the endpoint answers 400.
	ErrSignature = errors.New("payment: webhook signature missing, wrong or stale")
	// ErrIgnored: a well-signed webhook of a kind Admit does not act on.
	ErrIgnored = errors.New("payment: event ignored")
	// ErrCurrency: the provider does not take this currency.
	ErrCurrency = errors.New("payment: currency not supported by the provider")
	// ErrCredentials: the keys were refused, or lack a permission.
	ErrCredentials = errors.New("payment: credentials refused")
	// ErrNotFound: the provider knows no such checkout or payment.
	ErrNotFound = errors.New("payment: not found at the provider")
	// ErrNotApproved: the buyer has not approved the payment yet; they can
	// go back to the checkout (Checkout.RedirectURL) and approve it.
	ErrNotApproved = errors.New("payment: not approved by the buyer yet")
	// ErrDeclined: the provider refused the means of payment the buyer
	// chose, but the checkout is still open: the buyer can go back to it and
	// choose another (PayPal's INSTRUMENT_DECLINED). Nothing was charged.
	// Such an error is also ErrNotApproved.
	ErrDeclined = errors.New("payment: the means of payment was declined, another can be chosen")
	// ErrRefused: the provider answered and said no (a refund above what
	// is left on the payment, a payment already refunded): asking again the
	// same way gets the same answer. The error's text is the provider's
	// reason.
	ErrRefused = errors.New("payment: refused by the provider")
)

// Refused marks err as the provider's refusal: errors.Is(err, ErrRefused)
// holds, and its text stays err's (the provider's reason).
func Refused(err error) error { return refusedError{err} }

type refusedError struct{ error }

func (e refusedError) Is(target error) bool { return target == ErrRefused }
func (e refusedError) Unwrap() error        { return e.error }

// Kind is what happened to a payment.
type Kind string

const (
	// Pending: nothing decided yet (the buyer is still at checkout).
	Pending Kind = "pending"
	// Paid: the money was captured. Amount and Currency say how much.
	Paid Kind = "paid"
	// Failed: the payment was declined or an asynchronous payment failed.
	Failed Kind = "failed"
	// Expired: the checkout ended without payment.
	Expired Kind = "expired"
	// Refunded: money went back. RefundedTotal is the total refunded on the
	// payment so far (refunds from the provider's dashboard arrive so).
	Refunded Kind = "refunded"
)

// Event is a normalized provider event. The domain applies each one exactly
// once, keyed by (Provider, ID).
type Event struct {
	// ID is unique per provider: the webhook event's id, or for answers to
	// Status and Return an id derived from the checkout and its state.
	ID       string
	Provider string
	Kind     Kind
	// CheckoutID is the provider's checkout (Stripe Checkout Session id,
	// PayPal order id).
	CheckoutID string
	// RegistrationID is ours, as given in CheckoutRequest (0 if unknown).
	RegistrationID int64
	// PaymentID is what Refund takes (Stripe PaymentIntent id, PayPal
	// capture id).
	PaymentID string
	// Amount and Currency are what was paid (Paid) or refunded (Refunded:
	// this refund), in minor units.
	Amount   int64
	Currency string
	// RefundedTotal is the total refunded on the payment (Refunded), when
	// the provider says it (Stripe); 0 when it does not (PayPal).
	RefundedTotal int64
	// RefundID is the provider's id of this refund (Refunded), when known.
	RefundID string
	// Fee is what the provider kept of the payment (Paid), in FeeCurrency,
	// when the event says it (PayPal's capture carries its paypal_fee);
	// FeeCurrency is "" when it does not, and Admit then asks later
	// (PaymentLookup).
	Fee         int64
	FeeCurrency string
	OccurredAt  time.Time
	// Authorization is set on Authorized events: until when the money
	// held can be captured (see authorize.go).
	Authorization *AuthorizationTerms
}

// CheckoutRequest asks a provider for a hosted payment page.
type CheckoutRequest struct {
	RegistrationID int64
	Amount         int64 // minor units, computed by Admit, never by the client
	Currency       string
	Title          string // what is bought (the event's title)
	Email          string
	Locale         string
	// ExpiresAt is the end of the seat's hold.
	ExpiresAt time.Time
	// SuccessURL and CancelURL are built from http.public_url only.
	SuccessURL string
	CancelURL  string
	// IdempotencyKey is derived from our ids ("checkout-<registration>").
	IdempotencyKey string
	// Authorize asks the provider to hold the amount without taking it,
	// for a capture or a void later (see Authorizer); only for a provider
	// whose Module declares Authorize.
	Authorize bool
}

// Checkout is where the buyer pays.
type Checkout struct {
	ID          string
	RedirectURL string
}

// WebhookRequest is a webhook as received: the exact raw bytes (copied out of
// the server's buffer) and the headers.
type WebhookRequest struct {
	Body   []byte
	Header http.Header
}

// RefundRequest gives money back.
type RefundRequest struct {
	PaymentID      string
	Amount         int64
	Currency       string
	RegistrationID int64
	// IdempotencyKey is derived from our ids ("refund-<registration>-<n>").
	IdempotencyKey string
}

// Refund is a refund the provider accepted.
type Refund struct {
	ID     string
	Amount int64
	Status string
}

// Provider is one payment provider.
type Provider interface {
	Name() string
	// CreateCheckout opens a hosted payment page for one registration.
	CreateCheckout(ctx context.Context, r CheckoutRequest) (Checkout, error)
	// ParseWebhook verifies a webhook and normalizes it. A bad signature is
	// ErrSignature; a kind Admit does not act on is ErrIgnored.
	ParseWebhook(ctx context.Context, r WebhookRequest) (Event, error)
	// Return completes a checkout when the buyer comes back to the success
	// URL with these query parameters (PayPal captures the order here;
	// reloading is harmless). It returns the checkout's state. With
	// ErrNotApproved or ErrDeclined it still returns the Pending event of
	// the checkout it found (CheckoutID, RegistrationID). Any other error
	// leaves the outcome unknown: the payment may have been taken, and a
	// later Return or Status tells.
	Return(ctx context.Context, query url.Values) (Event, error)
	// ReturnedCheckout is the checkout id a return URL's query names
	// (Stripe's session_id, PayPal's token), "" when it names none. It
	// reads the query only, so that Admit can compare it with the
	// registration's checkout before Return calls the provider.
	ReturnedCheckout(query url.Values) string
	// Status asks the provider about a checkout, for reconciliation.
	Status(ctx context.Context, checkoutID string) (Event, error)
	// Refund gives money back.
	Refund(ctx context.Context, r RefundRequest) (Refund, error)
	// Currencies says whether the provider takes a currency.
	Supports(currency string) bool
	// Check verifies the credentials against the provider.
	Check(ctx context.Context) error
}

// Inspector is a Provider whose Status may complete a checkout (PayPal
// captures an order its buyer approved). Inspect reports the checkout's
// state as Status does but changes nothing at the provider: the domain asks
// it about a registration that must not be charged any more (cancelled, or
// its event cancelled).
type Inspector interface {
	Inspect(ctx context.Context, checkoutID string) (Event, error)
}

// Inspect asks a provider about a checkout without completing it: its
// Inspect when it has one, else its Status (which then has no side effect).
func Inspect(ctx context.Context, p Provider, checkoutID string) (Event, error) {
	if in, ok := p.(Inspector); ok {
		return in.Inspect(ctx, checkoutID)
	}
	return p.Status(ctx, checkoutID)
}

// PaymentState is what a provider says of a payment now.
type PaymentState struct {
	// Amount and Currency are what was taken.
	Amount   int64
	Currency string
	// Refunded is the total refunded so far, refunds made in the
	// provider's dashboard included.
	Refunded int64
	// Refunds are the payment's refunds one by one (ID and Amount), when
	// the provider lists them; nil when it gives the total only.
	Refunds []Refund
	// Fee is what the provider kept of the payment when it was taken
	// (Stripe's balance transaction fee, PayPal's paypal_fee), in
	// FeeCurrency: the currency the provider states it in, which for
	// Stripe is the account's settlement currency. FeeCurrency is "" while
	// the provider has not settled the fee yet (ask again later).
	Fee         int64
	FeeCurrency string
}

// PaymentLookup is an optional capability of a Provider: it says what a
// payment took, how much of it has been refunded and what the provider kept,
// so that Admit can ask when in doubt (the provider refused a refund), fill
// in fees the payment's event did not carry, and reconcile its books with
// the provider's.
type PaymentLookup interface {
	// Payment describes the payment paymentID, taken through the checkout
	// checkoutID. An unknown payment is ErrNotFound.
	Payment(ctx context.Context, checkoutID, paymentID string) (PaymentState, error)
}

// ErrUnsupported: the provider cannot do what was asked (an optional
// capability it lacks).
var ErrUnsupported = errors.New("payment: not supported by the provider")

// LookupPayment asks a provider about a payment when it can (PaymentLookup);
// ErrUnsupported when it cannot.
func LookupPayment(ctx context.Context, p Provider, checkoutID, paymentID string) (PaymentState, error) {
	if l, ok := p.(PaymentLookup); ok {
		return l.Payment(ctx, checkoutID, paymentID)
	}
	return PaymentState{}, ErrUnsupported
}

// CheckoutCloser is an optional capability of a Provider whose buyers pay on
// their own once a checkout is open (Stripe): it closes a checkout Admit no
// longer wants paid (its registration was cancelled). A provider without it
// takes no money unless Admit completes the payment (PayPal captures on the
// return page), which Admit does not do for a registration it no longer
// wants paid (see Inspector).
type CheckoutCloser interface {
	// CloseCheckout ends an open checkout; one that is already closed is not
	// an error.
	CloseCheckout(ctx context.Context, checkoutID string) error
}

// CloseCheckout closes a checkout at a provider that can (CheckoutCloser);
// with one that cannot, there is nothing to close.
func CloseCheckout(ctx context.Context, p Provider, checkoutID string) error {
	if c, ok := p.(CheckoutCloser); ok {
		return c.CloseCheckout(ctx, checkoutID)
	}
	return nil
}

// Registry holds the connected providers by name. It is safe for concurrent
// use: providers are connected and disconnected while serving.
type Registry struct {
	mu        sync.RWMutex
	providers map[string]Provider
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{providers: map[string]Provider{}} }

// Set connects (or replaces) a provider.
func (r *Registry) Set(p Provider) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.providers[p.Name()] = p
}

// Remove disconnects a provider.
func (r *Registry) Remove(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.providers, name)
}

// Get finds a connected provider.
func (r *Registry) Get(name string) (Provider, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.providers[name]
	return p, ok
}

// Names lists the connected providers, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.providers))
	for n := range r.providers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
