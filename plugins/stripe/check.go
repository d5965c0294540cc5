package stripe

import (
	"context"
	"net/http"

	stripego "github.com/stripe/stripe-go/v76"
)

// Check verifies the key against Stripe: it lists one Checkout Session
// (refused key: payment.ErrCredentials "the key was refused"), then makes sure
// a restricted key may also create Checkout Sessions and Refunds by sending
// each an empty create — Stripe checks permissions before parameters, so a
// permitted key gets a harmless "missing parameter" answer and creates
// nothing, while a key without the permission gets a 403 that names it
// (payment.ErrCredentials "lacks the "Refunds: Write" permission").
func (p *Provider) Check(ctx context.Context) error {
	lp := &stripego.CheckoutSessionListParams{}
	lp.Context = ctx
	lp.Limit = stripego.Int64(1)
	lp.Single = true
	it := p.api.CheckoutSessions.List(lp)
	if err := it.Err(); err != nil {
		return p.apiError("checking the key", err)
	}
	for _, probe := range []struct{ path, what string }{
		{"/v1/checkout/sessions", "checking the key may create checkout sessions"},
		{"/v1/refunds", "checking the key may refund"},
	} {
		if err := p.probeWrite(ctx, probe.path); err != nil {
			return p.apiError(probe.what, err)
		}
	}
	return nil
}

// probeWrite sends an empty create to path and keeps only an authentication
// or permission refusal (401, 403): any other answer, success or invalid
// request, means the key may call it.
func (p *Provider) probeWrite(ctx context.Context, path string) error {
	params := &stripego.Params{Context: ctx}
	var v probeAnswer
	err := p.backend.Call(http.MethodPost, path, p.key, params, &v)
	if se, ok := err.(*stripego.Error); ok && se.HTTPStatusCode != http.StatusUnauthorized && se.HTTPStatusCode != http.StatusForbidden {
		return nil
	}
	return err
}

// probeAnswer receives (and discards) a probe's answer.
type probeAnswer struct {
	stripego.APIResource
}
