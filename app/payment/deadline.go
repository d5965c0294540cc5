package payment

import (
	"context"
	"net/url"
	"time"
)

// DefaultTimeout bounds each call to a provider: one that accepted the
// connection and never answers cannot hold a request, and the seat it
// holds, for minutes.
const DefaultTimeout = 10 * time.Second

// WithDeadline returns p with every call that reaches the provider bounded
// by d (DefaultTimeout when d is 0): past it the call fails with
// context.DeadlineExceeded.
func WithDeadline(p Provider, d time.Duration) Provider {
	if d <= 0 {
		d = DefaultTimeout
	}
	if dp, ok := p.(deadline); ok {
		p = dp.p
	}
	return deadline{p: p, d: d}
}

// deadline names every method of Provider, so that a new one cannot pass
// through without a deadline, and of the optional interfaces (Inspector,
// PaymentLookup, CheckoutCloser), so that wrapping a provider hides none of
// them.
type deadline struct {
	p Provider
	d time.Duration
}

func (x deadline) Name() string                  { return x.p.Name() }
func (x deadline) Supports(currency string) bool { return x.p.Supports(currency) }

// ReturnedCheckout reads the query only: nothing to bound.
func (x deadline) ReturnedCheckout(query url.Values) string { return x.p.ReturnedCheckout(query) }

func (x deadline) CreateCheckout(ctx context.Context, r CheckoutRequest) (Checkout, error) {
	return within(ctx, x.d, func(ctx context.Context) (Checkout, error) { return x.p.CreateCheckout(ctx, r) })
}

func (x deadline) ParseWebhook(ctx context.Context, r WebhookRequest) (Event, error) {
	return within(ctx, x.d, func(ctx context.Context) (Event, error) { return x.p.ParseWebhook(ctx, r) })
}

func (x deadline) Return(ctx context.Context, query url.Values) (Event, error) {
	return within(ctx, x.d, func(ctx context.Context) (Event, error) { return x.p.Return(ctx, query) })
}

func (x deadline) Status(ctx context.Context, checkoutID string) (Event, error) {
	return within(ctx, x.d, func(ctx context.Context) (Event, error) { return x.p.Status(ctx, checkoutID) })
}

func (x deadline) Refund(ctx context.Context, r RefundRequest) (Refund, error) {
	return within(ctx, x.d, func(ctx context.Context) (Refund, error) { return x.p.Refund(ctx, r) })
}

func (x deadline) Check(ctx context.Context) error {
	_, err := within(ctx, x.d, func(ctx context.Context) (struct{}, error) { return struct{}{}, x.p.Check(ctx) })
	return err
}

// Inspect keeps the provider's Inspect (or its Status when it has none, as
// the package's Inspect does), under the deadline.
func (x deadline) Inspect(ctx context.Context, checkoutID string) (Event, error) {
	return within(ctx, x.d, func(ctx context.Context) (Event, error) { return Inspect(ctx, x.p, checkoutID) })
}

// Payment keeps the provider's PaymentLookup (ErrUnsupported when it has
// none), under the deadline.
func (x deadline) Payment(ctx context.Context, checkoutID, paymentID string) (PaymentState, error) {
	return within(ctx, x.d, func(ctx context.Context) (PaymentState, error) {
		return LookupPayment(ctx, x.p, checkoutID, paymentID)
	})
}

// CloseCheckout keeps the provider's CheckoutCloser (nothing to close when
// it has none), under the deadline.
func (x deadline) CloseCheckout(ctx context.Context, checkoutID string) error {
	_, err := within(ctx, x.d, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, CloseCheckout(ctx, x.p, checkoutID)
	})
	return err
}

// within runs call with a context that ends after d at the latest.
func within[T any](ctx context.Context, d time.Duration, call func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return call(ctx)
}
