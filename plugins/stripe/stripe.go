// Package stripe is Admit's Stripe payment provider: hosted Checkout Sessions
// (mode=payment), signed webhooks, refunds and reconciliation, through
// stripe-go with a client of its own. It never touches the package-global
// stripe.Key or backends, so several providers (or a reconnected one) can live
// side by side.
package stripe

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	checkoutsession "github.com/stripe/stripe-go/v76/checkout/session"
	"github.com/stripe/stripe-go/v76/paymentintent"
	"github.com/stripe/stripe-go/v76/refund"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
)

// Name is the provider's name in the registry, in URLs (/webhooks/stripe) and
// in CheckoutRequest.provider.
const Name = "stripe"

// metaRegistration is the metadata key holding our registration id on the
// Checkout Session, its PaymentIntent and refunds.
const metaRegistration = "registration_id"

// Config configures one Stripe provider.
type Config struct {
	// SecretKey is a secret (sk_...) or restricted (rk_...) key. Required.
	SecretKey string
	// WebhookSecret is the endpoint's signing secret (whsec_...). Without
	// it every webhook is refused with payment.ErrSignature.
	WebhookSecret string
	// APIBase points the client somewhere other than https://api.stripe.com
	// (stripe-mock in tests). Empty means Stripe.
	APIBase string
	// HTTPClient makes the API calls; nil means stripe-go's default (80 s
	// timeout).
	HTTPClient *http.Client
	// Now is the clock used to clamp expires_at and date status answers;
	// nil means time.Now. (Webhook signature tolerance uses stripe-go's own
	// clock.)
	Now func() time.Time
}

// Provider implements payment.Provider for Stripe.
type Provider struct {
	api           services
	backend       stripego.Backend // for the raw permission probes of Check
	key           string
	webhookSecret string
	now           func() time.Time
}

var _ payment.Provider = (*Provider)(nil)

// services are the three Stripe APIs the provider calls. stripe-go's
// client.API would serve them too, but it holds a client for each of
// Stripe's APIs: linking them all in made the binary 3.8 MB larger (128
// packages), and a running binary's pages count in its memory.
type services struct {
	CheckoutSessions *checkoutsession.Client
	PaymentIntents   *paymentintent.Client
	Refunds          *refund.Client
}

// New builds a provider with its own stripe-go client. It checks the shape of
// the keys only; Check asks Stripe.
func New(cfg Config) (*Provider, error) {
	key := strings.TrimSpace(cfg.SecretKey)
	switch {
	case key == "":
		return nil, fmt.Errorf("stripe: a secret key is required: %w", payment.ErrCredentials)
	case strings.HasPrefix(key, "pk_"):
		return nil, fmt.Errorf("stripe: that is a publishable key (pk_...); use the secret key (sk_...) or a restricted key (rk_...): %w", payment.ErrCredentials)
	case !strings.HasPrefix(key, "sk_") && !strings.HasPrefix(key, "rk_"):
		return nil, fmt.Errorf("stripe: a secret key starts with sk_ (or rk_ for a restricted key): %w", payment.ErrCredentials)
	}
	whsec := strings.TrimSpace(cfg.WebhookSecret)
	base := strings.TrimSpace(cfg.APIBase)
	if base != "" && !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("stripe: api_base %q must be an http:// or https:// URL", base)
	}

	bc := &stripego.BackendConfig{
		HTTPClient: cfg.HTTPClient,
		// Errors are returned (redacted) to the caller, who logs them;
		// stripe-go's own logger would print raw answers on stderr.
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		MaxNetworkRetries: stripego.Int64(stripego.DefaultMaxNetworkRetries),
	}
	if base != "" {
		bc.URL = stripego.String(base)
	}
	backend := stripego.GetBackendWithConfig(stripego.APIBackend, bc)
	api := services{
		CheckoutSessions: &checkoutsession.Client{B: backend, Key: key},
		PaymentIntents:   &paymentintent.Client{B: backend, Key: key},
		Refunds:          &refund.Client{B: backend, Key: key},
	}

	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Provider{api: api, backend: backend, key: key, webhookSecret: whsec, now: now}, nil
}

// Name is "stripe".
func (p *Provider) Name() string { return Name }

// Supports says whether Stripe takes the currency: every currency Admit
// sells in (app/pricing; docs/API.md, "Currencies") is a Stripe currency.
func (p *Provider) Supports(currency string) bool {
	_, ok := pricing.Lookup(strings.ToUpper(strings.TrimSpace(currency)))
	return ok
}

// Stripe's own check-out window for expires_at.
const (
	minSessionLife = 30 * time.Minute
	maxSessionLife = 24 * time.Hour
	// lifeMargin keeps a clamped expires_at inside the window even when the
	// request reaches Stripe a little later than we computed it.
	lifeMargin = time.Minute
)

// clampExpiry brings the end of a seat's hold into the window Stripe accepts
// for a Checkout Session's expires_at.
func clampExpiry(now, at time.Time) time.Time {
	lo := now.Add(minSessionLife + lifeMargin)
	hi := now.Add(maxSessionLife - lifeMargin)
	if at.Before(lo) {
		return lo
	}
	if at.After(hi) {
		return hi
	}
	return at
}

// checkoutLocale maps a registrant's locale ("fr", "fr-CA", "de_DE") to the
// Checkout locales Admit has pages in; anything else lets Stripe choose.
func checkoutLocale(locale string) string {
	l := strings.ToLower(strings.TrimSpace(locale))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	switch l {
	case "en", "fr", "es", "ru", "de":
		return l
	}
	return "auto"
}

// successURL appends session_id={CHECKOUT_SESSION_ID} to the success URL,
// keeping the template's braces as they are (Stripe replaces them), before
// any fragment. A URL that already carries the template is left alone.
func successURL(raw string) string {
	const tmpl = "{CHECKOUT_SESSION_ID}"
	if strings.Contains(raw, tmpl) {
		return raw
	}
	base, frag, hasFrag := strings.Cut(raw, "#")
	sep := "?"
	switch {
	case strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&"):
		sep = ""
	case strings.Contains(base, "?"):
		sep = "&"
	}
	out := base + sep + "session_id=" + tmpl
	if hasFrag {
		out += "#" + frag
	}
	return out
}
