// Package paypal is Admit's payment.Provider for PayPal Orders v2, built on
// the plutov/paypal v4 client.
//
// The flow: CreateCheckout creates an order (intent CAPTURE, custom_id = the
// registration id) and sends the buyer to its "approve" link; PayPal sends
// the buyer back to the success URL with ?token=<order id>, and Return
// captures the order. Webhooks (PAYMENT.CAPTURE.COMPLETED, DENIED, REFUNDED)
// are verified with PayPal's verify-webhook-signature call. Status, used by
// the reconciler, captures an order the buyer approved but whose return was
// lost, so money is never left approved but not taken.
//
// Every POST that creates something (order, capture, refund) carries a
// PayPal-Request-Id derived from Admit's ids, and an order with intent
// CAPTURE can be captured only once, so every call here may be repeated.
package paypal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	pp "github.com/plutov/paypal/v4"

	"github.com/admit/admit/app/payment"
)

// Name is the provider's name in the registry, in URLs (/webhooks/paypal)
// and in CheckoutRequest.provider.
const Name = "paypal"

// Modes.
const (
	ModeSandbox = "sandbox"
	ModeLive    = "live"
)

// Config is what the plugin needs; it mirrors the paypal.* configuration keys.
type Config struct {
	ClientID     string
	ClientSecret string
	// Mode is "sandbox" (the default when empty) or "live".
	Mode string
	// APIBase overrides the API host chosen by Mode (tests point it at a
	// fake PayPal).
	APIBase string
	// WebhookID is the id PayPal gave the webhook in the developer
	// dashboard; without it no webhook can be verified.
	WebhookID string
	// HTTPClient is used for every call to PayPal (default: a client with a
	// 60 s timeout).
	HTTPClient *http.Client
}

// Provider talks to PayPal. It is safe for concurrent use.
type Provider struct {
	cfg   Config
	base  string
	httpc *http.Client
	// client is replaced, never mutated, when PayPal refuses its cached
	// access token: plutov's Client keeps its token in fields that are only
	// safe to write from inside its own locked token refresh.
	client atomic.Pointer[pp.Client]
}

var _ payment.Provider = (*Provider)(nil)

// New checks the configuration and returns a provider. It makes no call to
// PayPal: Check does.
func New(cfg Config) (*Provider, error) {
	cfg.ClientID = strings.TrimSpace(cfg.ClientID)
	cfg.ClientSecret = strings.TrimSpace(cfg.ClientSecret)
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, fmt.Errorf("paypal: client id and client secret are both required: %w", payment.ErrCredentials)
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.APIBase), "/")
	if base != "" && !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("paypal: api_base %q must be an http:// or https:// URL", base)
	}
	switch cfg.Mode {
	case "", ModeSandbox:
		cfg.Mode = ModeSandbox
		if base == "" {
			base = pp.APIBaseSandBox
		}
	case ModeLive:
		if base == "" {
			base = pp.APIBaseLive
		}
	default:
		return nil, fmt.Errorf("paypal: mode %q must be %s or %s", cfg.Mode, ModeSandbox, ModeLive)
	}
	httpc := cfg.HTTPClient
	if httpc == nil {
		httpc = &http.Client{Timeout: 60 * time.Second}
	}
	p := &Provider{cfg: cfg, base: base, httpc: httpc}
	c, err := p.newClient()
	if err != nil {
		return nil, err
	}
	p.client.Store(c)
	return p, nil
}

// newClient returns a plutov client with no token yet. Everything set here is
// set before the client is shared, and never changed afterwards.
func (p *Provider) newClient() (*pp.Client, error) {
	c, err := pp.NewClient(p.cfg.ClientID, p.cfg.ClientSecret, p.base)
	if err != nil {
		return nil, fmt.Errorf("paypal: %w", err)
	}
	c.SetHTTPClient(p.httpc)
	// Full representations (the capture with its amount and custom_id)
	// instead of PayPal's default minimal answers. Set once here: plutov's
	// CaptureOrder* methods set it again on every call, an unsynchronized
	// write this package avoids by sending captures itself.
	c.SetReturnRepresentation()
	return c, nil
}

// APIBase is where the provider sends its requests.
func (p *Provider) APIBase() string { return p.base }

// Mode is "sandbox" or "live".
func (p *Provider) Mode() string { return p.cfg.Mode }

// Name implements payment.Provider.
func (p *Provider) Name() string { return Name }

// Supports implements payment.Provider: the currencies Admit sells in and
// PayPal takes (HUF, BGN and RON are Stripe only).
func (p *Provider) Supports(currency string) bool {
	_, ok := decimals(currency)
	return ok
}

// Check implements payment.Provider: it asks PayPal for an OAuth token with
// the configured client id and secret, on a client of its own so that a
// cached token proves nothing.
func (p *Provider) Check(ctx context.Context) error {
	c, err := p.newClient()
	if err != nil {
		return err
	}
	if _, err := c.GetAccessToken(ctx); err != nil {
		return classify("check credentials", err)
	}
	return nil
}

// do runs one call with the shared client. When PayPal refuses the access
// token the client holds (401 on an API call, not on the token request: the
// token expired early or was revoked), it swaps in a fresh client, which
// fetches a new token, and tries once more. Every call passed here is
// idempotent (GET, or POST with a PayPal-Request-Id).
func (p *Provider) do(fn func(c *pp.Client) error) error {
	c := p.client.Load()
	err := fn(c)
	if err == nil || !tokenRefused(err) {
		return err
	}
	fresh, nerr := p.newClient()
	if nerr != nil {
		return err
	}
	if !p.client.CompareAndSwap(c, fresh) {
		fresh = p.client.Load() // another call already replaced it
	}
	return fn(fresh)
}

// ---------------------------------------------------------------- errors

// apiError is an error answer from PayPal: HTTP status, name
// (UNPROCESSABLE_ENTITY, INVALID_REQUEST, ...) and the first detail's issue
// (ORDER_NOT_APPROVED, REFUND_AMOUNT_EXCEEDED, ...).
type apiError struct {
	Op          string
	Status      int
	Name        string
	Issue       string
	Description string
	Message     string
	DebugID     string
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "paypal: %s: HTTP %d", e.Op, e.Status)
	for _, s := range []string{e.Name, e.Issue} {
		if s != "" {
			b.WriteString(" " + s)
		}
	}
	switch {
	case e.Description != "":
		b.WriteString(": " + e.Description)
	case e.Message != "":
		b.WriteString(": " + e.Message)
	}
	if e.DebugID != "" {
		b.WriteString(" (debug_id " + e.DebugID + ")")
	}
	return b.String()
}

// errorAnswer extracts PayPal's error answer from what plutov returns.
func errorAnswer(err error) (*pp.ErrorResponse, bool) {
	var er *pp.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er, true
	}
	return nil, false
}

// issue is the HTTP status and the first detail's issue of an error answer.
func issue(err error) (int, string) {
	er, ok := errorAnswer(err)
	if !ok {
		return 0, ""
	}
	is := ""
	if len(er.Details) > 0 {
		is = er.Details[0].Issue
	}
	return er.Response.StatusCode, is
}

func isTokenRequest(er *pp.ErrorResponse) bool {
	return er.Response.Request != nil && er.Response.Request.URL != nil &&
		strings.HasSuffix(er.Response.Request.URL.Path, "/v1/oauth2/token")
}

// tokenRefused: an API call (not the token request) answered 401.
func tokenRefused(err error) bool {
	er, ok := errorAnswer(err)
	return ok && er.Response.StatusCode == http.StatusUnauthorized && !isTokenRequest(er)
}

// classify turns what plutov returns into Admit's errors: 401 and 403 are
// payment.ErrCredentials, 404 payment.ErrNotFound, other answers an
// *apiError; network errors are wrapped as they are.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	er, ok := errorAnswer(err)
	if !ok {
		return fmt.Errorf("paypal: %s: %w", op, err)
	}
	ae := &apiError{Op: op, Status: er.Response.StatusCode, Name: er.Name, Message: er.Message, DebugID: er.DebugID}
	if ae.DebugID == "" {
		ae.DebugID = er.Response.Header.Get("Paypal-Debug-Id")
	}
	if len(er.Details) > 0 {
		ae.Issue, ae.Description = er.Details[0].Issue, er.Details[0].Description
	}
	switch ae.Status {
	case http.StatusUnauthorized:
		if isTokenRequest(er) {
			return fmt.Errorf("paypal: %s: client id or secret refused: %w", op, payment.ErrCredentials)
		}
		return fmt.Errorf("paypal: %s: access token refused: %w", op, payment.ErrCredentials)
	case http.StatusForbidden:
		return fmt.Errorf("paypal: %s: the app lacks a permission (%s): %w", op, ae.Name, payment.ErrCredentials)
	case http.StatusNotFound:
		return fmt.Errorf("%w: %w", ae, payment.ErrNotFound)
	}
	return ae
}

// PayPal's ids (orders, captures, refunds) are short upper-case
// alphanumerics. Ids that reach a URL path are checked first: an order id
// comes from the query string of the return URL.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

func checkID(kind, id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("paypal: %q is not a PayPal %s id: %w", id, kind, payment.ErrNotFound)
	}
	return nil
}
