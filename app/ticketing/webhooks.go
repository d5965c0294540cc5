// Incoming payment webhooks: one entry point that has the provider verify
// a webhook and applies the payment it reports.

package ticketing

import (
	"context"
	"errors"
	"net/http"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

// WebhookResult is what became of a provider's webhook: the provider that
// verified it ("" when no connected provider goes by the name asked) and
// the outcome.
type WebhookResult struct {
	Provider string
	Outcome  Outcome
}

// HandleWebhook has the provider connected under that name verify a
// webhook, then applies the payment it reports exactly once
// (ApplyPayment). A webhook no connected provider can verify, or whose
// signature is missing, wrong or stale, is refused with
// model.ErrBadSignature and changes nothing; a kind Admit does not act on
// is Ignored. Any other error is a fault worth a redelivery. body and
// header are the caller's own (not buffers it reuses).
func (s *Service) HandleWebhook(ctx context.Context, provider string, body []byte, header http.Header) (WebhookResult, error) {
	p, ok := s.provider(provider)
	if !ok {
		return WebhookResult{}, model.Fail(model.ErrBadSignature, provider+" is not connected here, so its webhooks cannot be verified.")
	}
	res := WebhookResult{Provider: p.Name()}
	ev, err := p.ParseWebhook(ctx, payment.WebhookRequest{Body: body, Header: header})
	switch {
	case errors.Is(err, payment.ErrSignature):
		s.log.WarnContext(ctx, "webhook refused", "provider", provider, "err", err)
		return res, model.Fail(model.ErrBadSignature, "The webhook signature is missing, wrong or too old.")
	case errors.Is(err, payment.ErrIgnored):
		res.Outcome = Ignored
		return res, nil
	case err != nil:
		return res, err
	}
	res.Outcome, err = s.ApplyPayment(ctx, ev)
	return res, err
}
