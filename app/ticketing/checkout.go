package ticketing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
)

// usableProviders are the event's providers (all known ones when it names
// none) that are connected and take its currency.
func (s *Service) usableProviders(e *model.Event) []string {
	allowed := e.Providers
	if len(allowed) == 0 {
		allowed = knownProviders
	}
	out := []string{}
	for _, name := range allowed {
		if p, ok := s.providers.Get(name); ok && e.Price != nil && p.Supports(e.Price.Currency) {
			out = append(out, name)
		}
	}
	return out
}

// chooseProvider picks the provider a buyer asked for, or the only one
// there is.
func (s *Service) chooseProvider(e *model.Event, asked string) (string, error) {
	usable := s.usableProviders(e)
	if asked != "" {
		if len(e.Providers) > 0 && !slices.Contains(e.Providers, asked) {
			return "", model.Fail(model.ErrProviderMissing, fmt.Sprintf("This event does not take payment by %s; choose %s.", asked, strings.Join(e.Providers, " or ")))
		}
		if !slices.Contains(usable, asked) {
			return "", model.Fail(model.ErrProviderMissing, fmt.Sprintf("Payment by %s is not available for this event right now.", asked))
		}
		return asked, nil
	}
	switch len(usable) {
	case 0:
		return "", model.Fail(model.ErrProviderMissing, "No payment provider is available for this event right now; the organizer has been told.")
	case 1:
		return usable[0], nil
	}
	return "", model.Invalid(fields{"provider": "choose how to pay: " + strings.Join(usable, " or ")})
}

// UsableProviders lists the providers a buyer can pay this event with now.
func (s *Service) UsableProviders(e *model.Event) []string { return s.usableProviders(e) }

// openCheckout asks the provider for a payment page for a new paid
// registration. The seat is already held; if the provider cannot be
// reached the hold is released and nothing is charged.
func (s *Service) openCheckout(ctx context.Context, res *RegisterResult) error {
	r, e := res.Registration, res.Event
	p, ok := s.providers.Get(r.Provider)
	var co payment.Checkout
	var err error
	if !ok {
		err = fmt.Errorf("provider %s disconnected", r.Provider)
	} else {
		id := strconv.FormatInt(r.ID, 10)
		base := s.publicURL + "/pay/" + r.Provider
		co, err = p.CreateCheckout(ctx, payment.CheckoutRequest{
			RegistrationID: r.ID,
			Amount:         r.Amount,
			Currency:       r.Currency,
			Title:          e.Title,
			Email:          r.Email,
			Locale:         r.Locale,
			// A little past the hold, and fixed from the registration: Stripe
			// wants 30 minutes at least, and a retry with the same
			// idempotency key must send the same parameters. A payment in
			// those last minutes is taken if a seat is still free.
			ExpiresAt:      r.HoldExpiresAt.Add(2 * time.Minute),
			SuccessURL:     base + "/return?registration=" + id,
			CancelURL:      base + "/cancel?registration=" + id,
			IdempotencyKey: "checkout-" + id,
		})
	}
	if err != nil {
		s.log.Error("checkout could not be opened", "registration", r.ID, "provider", r.Provider, "err", err)
		_ = s.store.Write(ctx, func(tx *store.Tx) error {
			cur, err := tx.Registration(r.ID)
			if err != nil || cur.Status != model.StatusPendingPayment || cur.CheckoutID != "" {
				return err
			}
			_, err = tx.SetRegistrationStatus(r.ID, model.StatusPendingPayment, model.StatusExpired)
			return err
		})
		return model.Fail(model.ErrProviderFailed, "The payment provider could not be reached; nothing was charged and your seat was released. Please try again in a moment.")
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error { return tx.SetCheckout(r.ID, co.ID, co.RedirectURL) })
	if err != nil {
		return err
	}
	r.CheckoutID, r.CheckoutURL = co.ID, co.RedirectURL
	res.CheckoutURL = co.RedirectURL
	return nil
}

// ReturnResult is what the buyer's return page shows.
type ReturnResult struct {
	Registration *model.Registration
	Event        *model.Event
	// Pending: the provider has not confirmed the payment yet (the page
	// says the email follows).
	Pending bool
}

// CompleteReturn handles the buyer's return to the success URL: the
// provider completes the checkout (PayPal captures here) and the result is
// applied like a webhook. Reloading is harmless.
func (s *Service) CompleteReturn(ctx context.Context, provider string, query url.Values) (*ReturnResult, error) {
	id, err := strconv.ParseInt(query.Get("registration"), 10, 64)
	if err != nil {
		return nil, model.ErrNotFound
	}
	r, err := s.store.Registration(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Provider != provider {
		return nil, model.ErrNotFound
	}
	p, ok := s.providers.Get(provider)
	if !ok {
		return nil, model.Fail(model.ErrProviderMissing, "This payment provider is not connected any more.")
	}
	ev, err := p.Return(ctx, query)
	switch {
	case errors.Is(err, payment.ErrNotApproved):
		return s.returnResult(ctx, id, true)
	case errors.Is(err, payment.ErrNotFound):
		return nil, model.ErrNotFound
	case err != nil:
		s.log.Error("return from checkout", "registration", id, "provider", provider, "err", err)
		return nil, model.Fail(model.ErrProviderFailed, "We could not confirm your payment with the provider yet. If you paid, your ticket arrives by email within minutes.")
	}
	if ev.CheckoutID != r.CheckoutID || (ev.RegistrationID != 0 && ev.RegistrationID != r.ID) {
		return nil, model.ErrNotFound
	}
	if _, err := s.ApplyPayment(ctx, ev); err != nil {
		return nil, err
	}
	return s.returnResult(ctx, id, ev.Kind == payment.Pending)
}

func (s *Service) returnResult(ctx context.Context, id int64, pending bool) (*ReturnResult, error) {
	r, err := s.store.Registration(ctx, id)
	if err != nil {
		return nil, err
	}
	e, err := s.store.Event(ctx, r.EventID)
	if err != nil {
		return nil, err
	}
	return &ReturnResult{Registration: r, Event: e, Pending: pending || r.AmountPaid == 0}, nil
}

// CancelledCheckout is the page behind the provider's cancel link: the
// registration and its event (the hold stays until it runs out).
func (s *Service) CancelledCheckout(ctx context.Context, provider string, query url.Values) (*ReturnResult, error) {
	id, err := strconv.ParseInt(query.Get("registration"), 10, 64)
	if err != nil {
		return nil, model.ErrNotFound
	}
	res, err := s.returnResult(ctx, id, true)
	if err != nil || res.Registration.Provider != provider {
		return nil, model.ErrNotFound
	}
	return res, nil
}
