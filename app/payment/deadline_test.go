package payment

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"
)

// silent is a provider whose every call waits until its context ends.
type silent struct{}

func (silent) Name() string         { return "silent" }
func (silent) Supports(string) bool { return true }
func (silent) ReturnedCheckout(q url.Values) string {
	return q.Get("checkout")
}
func (silent) CreateCheckout(ctx context.Context, _ CheckoutRequest) (Checkout, error) {
	<-ctx.Done()
	return Checkout{}, ctx.Err()
}
func (silent) ParseWebhook(ctx context.Context, _ WebhookRequest) (Event, error) {
	<-ctx.Done()
	return Event{}, ctx.Err()
}
func (silent) Return(ctx context.Context, _ url.Values) (Event, error) {
	<-ctx.Done()
	return Event{}, ctx.Err()
}
func (silent) Status(ctx context.Context, _ string) (Event, error) {
	<-ctx.Done()
	return Event{}, ctx.Err()
}
func (silent) Refund(ctx context.Context, _ RefundRequest) (Refund, error) {
	<-ctx.Done()
	return Refund{}, ctx.Err()
}
func (silent) Check(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestWithDeadline: every call that reaches the provider ends with
// context.DeadlineExceeded, even when the caller's context never ends.
func TestWithDeadline(t *testing.T) {
	p := WithDeadline(WithDeadline(silent{}, time.Hour), time.Millisecond)
	ctx := context.Background()
	calls := map[string]func() error{
		"CreateCheckout": func() error { _, err := p.CreateCheckout(ctx, CheckoutRequest{}); return err },
		"ParseWebhook":   func() error { _, err := p.ParseWebhook(ctx, WebhookRequest{}); return err },
		"Return":         func() error { _, err := p.Return(ctx, nil); return err },
		"Status":         func() error { _, err := p.Status(ctx, "x"); return err },
		"Refund":         func() error { _, err := p.Refund(ctx, RefundRequest{}); return err },
		"Check":          func() error { return p.Check(ctx) },
		"Inspect":        func() error { _, err := Inspect(ctx, p, "x"); return err },
		"Payment": func() error {
			_, err := LookupPayment(ctx, WithDeadline(looking{}, time.Millisecond), "x", "y")
			return err
		},
		"CloseCheckout": func() error { return CloseCheckout(ctx, WithDeadline(closing{}, time.Millisecond), "x") },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want the deadline", name, err)
		}
	}
	if p.Name() != "silent" || !p.Supports("EUR") || p.ReturnedCheckout(url.Values{"checkout": {"co_1"}}) != "co_1" {
		t.Error("Name, Supports and ReturnedCheckout are the provider's")
	}
}

// inspecting is a provider whose Inspect differs from its Status.
type inspecting struct{ silent }

func (inspecting) Status(context.Context, string) (Event, error) { return Event{ID: "status"}, nil }
func (inspecting) Inspect(context.Context, string) (Event, error) {
	return Event{ID: "inspect"}, nil
}

// TestWithDeadlineKeepsInspector: a bounded provider still looks at a
// checkout without completing it when the provider can, and falls back to
// Status when it cannot.
func TestWithDeadlineKeepsInspector(t *testing.T) {
	ctx := context.Background()
	if ev, err := Inspect(ctx, WithDeadline(inspecting{}, time.Minute), "x"); err != nil || ev.ID != "inspect" {
		t.Fatalf("Inspect through the deadline answered %+v, %v; want the provider's Inspect", ev, err)
	}
	if ev, err := Inspect(ctx, WithDeadline(statusOnly{}, time.Minute), "x"); err != nil || ev.ID != "status" {
		t.Fatalf("Inspect of a provider without one answered %+v, %v; want its Status", ev, err)
	}
}

// statusOnly is a provider with no Inspect.
type statusOnly struct{ silent }

func (statusOnly) Status(context.Context, string) (Event, error) { return Event{ID: "status"}, nil }

// looking and closing have the optional capabilities, and wait.
type (
	looking struct{ silent }
	closing struct{ silent }
)

func (looking) Payment(ctx context.Context, _, _ string) (PaymentState, error) {
	<-ctx.Done()
	return PaymentState{}, ctx.Err()
}

func (closing) CloseCheckout(ctx context.Context, _ string) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestWithDeadlineKeepsCapabilities: a bounded provider still says what a
// payment holds and closes checkouts when the provider can, and says it
// cannot (or has nothing to close) when it cannot.
func TestWithDeadlineKeepsCapabilities(t *testing.T) {
	ctx := context.Background()
	if _, err := LookupPayment(ctx, WithDeadline(statusOnly{}, time.Minute), "x", "y"); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("a lookup of a provider without one: %v", err)
	}
	if err := CloseCheckout(ctx, WithDeadline(statusOnly{}, time.Minute), "x"); err != nil {
		t.Fatalf("closing at a provider that cannot: %v", err)
	}
}
