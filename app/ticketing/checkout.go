package ticketing

import (
	"context"
	"crypto/hmac"
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
	out := []string{}
	for _, name := range s.allowedProviders(e) {
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
func (s *Service) UsableProviders(e *model.Event) []string {
	e, _ = forSale(e, s.now())
	return s.usableProviders(e)
}

// openCheckout asks the provider for a payment page for a new paid
// registration. The seat is already held; if the provider cannot be
// reached the hold is released and nothing is charged.
func (s *Service) openCheckout(ctx context.Context, res *RegisterResult) error {
	r, e := res.Registration, res.Event
	p, ok := s.provider(r.Provider)
	var co payment.Checkout
	var err error
	if !ok {
		err = fmt.Errorf("provider %s disconnected", r.Provider)
	} else {
		req := s.checkoutRequest(r, e, "checkout-"+strconv.FormatInt(r.ID, 10))
		// With manual approval, a provider that can only holds the money
		// until the organizer decides (authorize.go).
		req.Authorize = e.ApprovalRequired && s.CanAuthorize(r.Provider)
		co, err = p.CreateCheckout(ctx, req)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "checkout could not be opened", "registration", r.ID, "provider", r.Provider, "err", err)
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
	if o, ok := s.offline(r.Provider); ok {
		return s.openOffline(ctx, res, o, co, false)
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error { return tx.SetCheckout(r.ID, co.ID, co.RedirectURL) })
	if err != nil {
		return err
	}
	r.CheckoutID, r.CheckoutURL = co.ID, co.RedirectURL
	res.CheckoutURL = co.RedirectURL
	return nil
}

// checkoutRequest asks for a payment page for registration r, whose hold
// is set, under an idempotency key.
func (s *Service) checkoutRequest(r *model.Registration, e *model.Event, key string) payment.CheckoutRequest {
	base := s.publicURL + "/pay/" + r.Provider
	return payment.CheckoutRequest{
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
		SuccessURL:     WithLang(base+"/return?"+s.returnQuery(r.Provider, r.ID), r.Locale),
		CancelURL:      WithLang(base+"/cancel?"+s.returnQuery(r.Provider, r.ID), r.Locale),
		IdempotencyKey: key,
	}
}

// returnQuery is the query of a registration's return and cancel URLs: its
// id and a signature of it with the secret key, so that nobody can open the
// pages of a registration by counting ids.
func (s *Service) returnQuery(provider string, id int64) string {
	return url.Values{"registration": {strconv.FormatInt(id, 10)}, "sig": {s.returnSig(provider, id)}}.Encode()
}

func (s *Service) returnSig(provider string, id int64) string {
	return s.mac("admit-return-v1", provider, strconv.FormatInt(id, 10))
}

// returning reads the registration a return or cancel URL names, checking
// its signature and provider; anything else is model.ErrNotFound.
func (s *Service) returning(ctx context.Context, provider string, query url.Values) (*model.Registration, error) {
	id, err := strconv.ParseInt(query.Get("registration"), 10, 64)
	if err != nil || id <= 0 || !hmac.Equal([]byte(query.Get("sig")), []byte(s.returnSig(provider, id))) {
		return nil, model.ErrNotFound
	}
	r, err := s.store.Registration(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Provider != provider {
		return nil, model.ErrNotFound
	}
	return r, nil
}

// Where a payment stands when the buyer comes back from the provider
// (ReturnResult.Outcome): each is one message on the return page.
const (
	// ReturnConfirmed: paid, the seat is confirmed.
	ReturnConfirmed = "confirmed"
	// ReturnPendingApproval: paid, the organizer approves by hand.
	ReturnPendingApproval = "pending_approval"
	// ReturnPending: the provider has not confirmed the payment yet (an
	// asynchronous method, a capture PayPal holds as PENDING).
	ReturnPending = "pending"
	// ReturnChecking: the provider's answer did not come (an error, a lost
	// answer): the payment may have been taken. Nothing is released; the
	// return page again, a webhook or the reconciliation settles it.
	ReturnChecking = "checking"
	// ReturnNotApproved: the buyer has not approved the payment; the seat
	// is still held and ResumeURL goes back to the provider.
	ReturnNotApproved = "not_approved"
	// ReturnDeclined: the provider refused the means of payment chosen;
	// the seat is still held and ResumeURL goes back to choose another.
	ReturnDeclined = "declined"
	// ReturnFailed: the payment failed for good (PayPal DECLINED the
	// capture); nothing was charged and the seat is released.
	ReturnFailed = "failed"
	// ReturnExpired: the hold ran out before anything was paid.
	ReturnExpired = "expired"
	// ReturnCancelled: the registration was cancelled while its buyer was
	// at the provider; nothing is charged any more.
	ReturnCancelled = "cancelled"
	// ReturnEventCancelled: the event was cancelled meanwhile.
	ReturnEventCancelled = "event_cancelled"
	// ReturnRefunding: the money came after the hold ran out and no seat
	// was left; it is refunded in full.
	ReturnRefunding = "refunding"
)

// ReturnResult is what the buyer's return page shows.
type ReturnResult struct {
	Registration *model.Registration
	Event        *model.Event
	// Outcome is one of the Return* values.
	Outcome string
	// ResumeURL, for ReturnNotApproved and ReturnDeclined, is the provider's
	// page where the buyer approves the payment or chooses another means.
	ResumeURL string
	// Again: the page may offer to register again with the registration's
	// details (ReturnFailed, ReturnExpired), because the provider tied this
	// return to the registration's checkout: it is its buyer's.
	Again bool
}

// CompleteReturn handles the buyer's return to the success URL: the
// provider completes the checkout (PayPal captures here) and the result is
// applied like a webhook. Reloading is harmless. A registration or event
// cancelled meanwhile is never charged: the checkout is only looked at.
func (s *Service) CompleteReturn(ctx context.Context, provider string, query url.Values) (*ReturnResult, error) {
	r, err := s.returning(ctx, provider, query)
	if err != nil {
		return nil, err
	}
	id := r.ID
	p, ok := s.provider(provider)
	if !ok {
		return nil, model.Fail(model.ErrProviderMissing, "This payment provider is not connected any more.")
	}
	// The checkout the provider sent back must be this registration's,
	// before the provider is asked anything (PayPal captures on return).
	if co := p.ReturnedCheckout(query); co == "" || r.CheckoutID == "" || co != r.CheckoutID {
		return nil, model.ErrNotFound
	}
	e, err := s.store.Event(ctx, r.EventID)
	if err != nil {
		return nil, err
	}
	if !chargeable(r, e) {
		if err := s.settleUnchargeable(ctx, p, r); err != nil {
			return nil, err
		}
		return s.returnResult(ctx, id, "", false)
	}
	ev, err := p.Return(ctx, query)
	switch {
	case errors.Is(err, payment.ErrNotFound):
		return nil, model.ErrNotFound
	case errors.Is(err, payment.ErrNotApproved):
		if !checkoutOf(ev, r) {
			return nil, model.ErrNotFound
		}
		if errors.Is(err, payment.ErrDeclined) {
			// Recorded as shown (the event is Pending: nothing changes), so
			// that the reconciliation, meeting the same refusal, knows the
			// buyer saw it.
			if _, err := s.applyPayment(ctx, ev, true); err != nil {
				return nil, err
			}
			return s.returnResult(ctx, id, ReturnDeclined, true)
		}
		return s.returnResult(ctx, id, ReturnNotApproved, true)
	case err != nil:
		// The money may have been taken (PayPal can fail after capturing):
		// nothing is released, and the page says it is being checked.
		s.log.ErrorContext(ctx, "return from checkout: outcome unknown", "registration", id, "provider", provider, "err", err)
		return s.returnResult(ctx, id, ReturnChecking, false)
	}
	if !checkoutOf(ev, r) {
		return nil, model.ErrNotFound
	}
	if _, err := s.applyPayment(ctx, ev, true); err != nil {
		return nil, err
	}
	hint := ""
	switch ev.Kind {
	case payment.Pending:
		hint = ReturnPending
	case payment.Failed:
		hint = ReturnFailed
	}
	return s.returnResult(ctx, id, hint, true)
}

// checkoutOf: the provider's event is about this registration's checkout.
func checkoutOf(ev payment.Event, r *model.Registration) bool {
	return ev.CheckoutID != "" && ev.CheckoutID == r.CheckoutID && (ev.RegistrationID == 0 || ev.RegistrationID == r.ID)
}

// chargeable: the registration may still be paid for. Once it or its event
// is cancelled, its checkout is never completed (PayPal's capture).
func chargeable(r *model.Registration, e *model.Event) bool {
	return e.Status != model.EventCancelled && r.Status != model.StatusCancelled
}

// settleUnchargeable looks at the checkout of a registration that must not
// be charged any more, without completing it: money the provider took
// before (a capture whose answer was lost) is applied, and so refunded.
func (s *Service) settleUnchargeable(ctx context.Context, p payment.Provider, r *model.Registration) error {
	if r.CheckoutID == "" || r.AmountPaid > 0 {
		return nil
	}
	ev, err := payment.Inspect(ctx, p, r.CheckoutID)
	if errors.Is(err, payment.ErrNotFound) {
		return nil
	}
	if err != nil {
		s.log.WarnContext(ctx, "checkout of a cancelled registration not read", "registration", r.ID, "provider", r.Provider, "err", err)
		return nil // the webhook or the reconciliation applies it
	}
	if ev.Kind != payment.Paid || !checkoutOf(ev, r) {
		return nil
	}
	_, err = s.applyPayment(ctx, ev, true)
	return err
}

// returnResult reads the registration again and says where it stands; hint
// is what the provider just said, proven that the return is its buyer's.
func (s *Service) returnResult(ctx context.Context, id int64, hint string, proven bool) (*ReturnResult, error) {
	r, err := s.store.Registration(ctx, id)
	if err != nil {
		return nil, err
	}
	e, err := s.store.Event(ctx, r.EventID)
	if err != nil {
		return nil, err
	}
	if r.Status == model.StatusPendingApproval {
		// The page says whether the payment is only held.
		if r, err = s.withAuthorization(ctx, r); err != nil {
			return nil, err
		}
	}
	res := &ReturnResult{Registration: r, Event: e}
	held := r.Status == model.StatusPendingPayment && r.Active(s.now())
	switch {
	case r.AmountPaid > 0 && (r.Status == model.StatusConfirmed || r.Status == model.StatusPartiallyRefunded):
		res.Outcome = ReturnConfirmed
	case r.Status == model.StatusPendingApproval:
		// Paid, or its payment held until the organizer decides.
		res.Outcome = ReturnPendingApproval
	case e.Status == model.EventCancelled:
		res.Outcome = ReturnEventCancelled
	case r.Status == model.StatusCancelled:
		res.Outcome = ReturnCancelled
	case r.AmountPaid > 0:
		res.Outcome = ReturnRefunding
	case hint == ReturnChecking || hint == ReturnFailed || hint == ReturnPending:
		res.Outcome = hint
	case held && (hint == ReturnNotApproved || hint == ReturnDeclined):
		res.Outcome, res.ResumeURL = hint, r.CheckoutURL
	case held:
		res.Outcome = ReturnPending
	default:
		res.Outcome = ReturnExpired
	}
	res.Again = proven && (res.Outcome == ReturnFailed || res.Outcome == ReturnExpired)
	return res, nil
}

// CancelledCheckout is the page behind the provider's cancel link: the
// registration and its event (the hold stays until it runs out).
func (s *Service) CancelledCheckout(ctx context.Context, provider string, query url.Values) (*ReturnResult, error) {
	return s.PaymentStatus(ctx, provider, query)
}

// PaymentStatus says where the payment of the registration a return URL's
// query names stands, as recorded (webhooks, returns, reconciliation),
// without asking the provider: what the return page polls.
func (s *Service) PaymentStatus(ctx context.Context, provider string, query url.Values) (*ReturnResult, error) {
	r, err := s.returning(ctx, provider, query)
	if err != nil {
		return nil, err
	}
	return s.returnResult(ctx, r.ID, "", false)
}

// ReturnQuery is the signed query ("registration=…&sig=…") of a
// registration's return, cancel and status addresses.
func (s *Service) ReturnQuery(provider string, id int64) string { return s.returnQuery(provider, id) }

// closeCheckouts closes, at their providers, the checkouts of registrations
// cancelled while their buyers could still pay (Stripe expires the session).
// Reconciliation keeps asking about them for a while, and a payment that
// arrives all the same is refunded in full.
func (s *Service) closeCheckouts(ctx context.Context, regs []*model.Registration) {
	for _, r := range regs {
		if r.CheckoutID == "" || r.AmountPaid > 0 {
			continue
		}
		p, ok := s.provider(r.Provider)
		if !ok {
			continue
		}
		if err := payment.CloseCheckout(ctx, p, r.CheckoutID); err != nil {
			s.log.ErrorContext(ctx, "closing the checkout of a cancelled registration", "registration", r.ID, "provider", r.Provider, "err", err)
		}
	}
}
