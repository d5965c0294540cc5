package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/store"
)

// Approval without charging. For an event with manual approval, a provider
// that can authorize holds the buyer's money at checkout: the registration
// waits as pending_approval with its payment authorized (an Authorization
// row). Confirm captures it through ApplyPayment, exactly once; Reject voids
// it: nothing is charged, no fee is paid, nothing is refunded. A hold about
// to lapse is flagged to the organizers a day before the decision is due
// (decideBy: its capture deadline, or its end where the provider renews it
// after the deadline); one that lapses is recorded as lapsed and its registrant told, and
// confirming them later sends a link to pay. Providers that cannot authorize
// keep charging at checkout and refunding on rejection.

// CanAuthorize reports whether the provider called name declares (in its
// payment.Module) that it can authorize a payment and capture it later:
// events with manual approval then hold the money at checkout, and the
// event page says how a rejection is handled.
func (s *Service) CanAuthorize(name string) bool {
	m, ok := s.modules.Get(name)
	return ok && m.Authorize
}

// payAgainHold is how long the seat of a registration confirmed after its
// hold lapsed is kept while its registrant pays (within Stripe's 24 hours
// for a checkout).
const payAgainHold = 23 * time.Hour

// authorizationBatch is how many holds one transaction of the check flags
// or lapses.
const authorizationBatch = 100

// shortestHold is how long a provider holds a payment at the least
// (Stripe's 7 days): the deadline assumed when it gives none.
const shortestHold = 7 * 24 * time.Hour

// flagAhead is how long before the decision on a hold is due (decideBy)
// the organizers are told.
const flagAhead = 24 * time.Hour

// renewable: a's provider renews a hold once after its capture deadline
// (its module declares Reauthorize: PayPal, after its 3-day honor period)
// and a was not renewed yet.
func (s *Service) renewable(a *model.Authorization) bool {
	m, ok := s.modules.Get(a.Provider)
	return ok && m.Reauthorize && a.ReauthorizedAt == nil
}

// decideBy is until when the organizer can confirm the registration of the
// hold a and have its money taken: its capture deadline; or, while a is
// renewable, its end, since a confirmation after the deadline renews it and
// captures the renewed hold at once (renewHold; PayPal allows the renewal
// until day 29, when the authorization expires). The store's query
// authorizations-to-flag (app/store/queries/authorizations.sql) repeats
// this rule in SQL, to filter on it: change both.
func (s *Service) decideBy(a *model.Authorization) *time.Time {
	if s.renewable(a) && a.ExpiresAt != nil {
		return a.ExpiresAt
	}
	return a.CaptureBy
}

// renewingProviders are the providers whose module declares Reauthorize.
func (s *Service) renewingProviders() []string {
	var names []string
	for _, m := range s.modules.All() {
		if m.Reauthorize {
			names = append(names, m.Name)
		}
	}
	return names
}

// openHold is the money held for r that a capture now takes: r awaits
// approval and its hold is authorized (or its capture was refused and may
// be tried again). nil otherwise.
func openHold(tx *store.Tx, r *model.Registration) (*model.Authorization, error) {
	if r.Status != model.StatusPendingApproval {
		return nil, nil
	}
	a, err := tx.Authorization(r.ID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if a.Status != model.AuthAuthorized && a.Status != model.AuthCaptureFailed {
		return nil, nil
	}
	return a, nil
}

// approved: the organizer confirmed r while no money was held, so its
// payment confirms it at once.
func approved(tx *store.Tx, r *model.Registration) bool {
	a, err := tx.Authorization(r.ID)
	return err == nil && a.ApprovedAt != nil
}

// applyAuthorized records a hold on r's payment: r waits for the
// organizer's decision (pending_approval) with nothing charged, and is told
// so. A hold Admit cannot keep (its amount or currency is not r's, it came
// after the seat's hold ran out and no seat is left, or r was cancelled) is
// voided: nothing is taken. It reports whether it changed anything, and
// the holds to void once committed.
func (s *Service) applyAuthorized(tx *store.Tx, r *model.Registration, ev payment.Event) (bool, []payment.VoidRequest, error) {
	if r.AmountPaid > 0 || ev.PaymentID == "" {
		return false, nil, nil
	}
	prev, err := tx.Authorization(r.ID)
	switch {
	case err == nil && prev.AuthorizationID == ev.PaymentID:
		return false, nil, nil // recorded before (the return page, then the webhook)
	case err == nil && renewal(r, prev, ev):
		// The provider's word of a hold renewed before its capture
		// (renewHold): it replaces the open one, whichever comes first.
		if prev.ReauthorizedAt == nil {
			return false, nil, renew(tx, prev, ev)
		}
		return false, nil, nil
	case errors.Is(err, model.ErrNotFound):
		prev = nil
	case err != nil:
		return false, nil, err
	}
	e, err := tx.EventOnly(r.EventID)
	if err != nil {
		return false, nil, err
	}
	hold := &model.Authorization{RegistrationID: r.ID, Provider: ev.Provider, CheckoutID: ev.CheckoutID, AuthorizationID: ev.PaymentID,
		Amount: ev.Amount, Currency: strings.ToUpper(ev.Currency)}
	if hold.CheckoutID == "" {
		hold.CheckoutID = r.CheckoutID
	}
	by, exp := holdTerms(tx.Now(), nil, ev.Authorization)
	hold.CaptureBy, hold.ExpiresAt = &by, &exp
	void := voidRequest(hold)
	if prev != nil && (prev.Status == model.AuthAuthorized || prev.Status == model.AuthCaptureFailed) {
		// Another hold (from another checkout) while r's is still open:
		// r's row keeps the hold it tracks until that is captured, voided
		// or lapses, and the newcomer is released; r is left as it is.
		s.log.WarnContext(tx.Context(), "a second payment authorized for a registration that holds one: released", "registration", r.ID,
			"provider", ev.Provider, "payment", ev.PaymentID, "held", prev.AuthorizationID)
		return false, []payment.VoidRequest{void}, nil
	}
	seat := hold.Amount == r.Amount && hold.Currency == r.Currency
	if seat {
		if seat, err = s.seatLeft(tx, e, r); err != nil {
			return false, nil, err
		}
	}
	if !seat {
		s.log.WarnContext(tx.Context(), "payment authorized without a seat, or not matching the registration: released", "registration", r.ID,
			"provider", ev.Provider, "amount", ev.Amount, "currency", ev.Currency)
		if err := tx.HoldAuthorization(hold); err != nil {
			return false, nil, err
		}
		if _, err := tx.SetAuthorizationStatus(r.ID, model.AuthAuthorized, model.AuthVoided, "no seat for it"); err != nil {
			return false, nil, err
		}
		if r.Status == model.StatusPendingPayment {
			if _, err := tx.SetRegistrationStatus(r.ID, r.Status, model.StatusExpired); err != nil {
				return false, nil, err
			}
			r.Status = model.StatusExpired
		}
		if r.Status == model.StatusExpired {
			// The buyer may believe they have a seat.
			if err := s.queueMail(tx, r, e, model.MailLateAuthorization, map[string]any{"amount": hold.Amount, "currency": hold.Currency}); err != nil {
				return false, nil, err
			}
		}
		return true, []payment.VoidRequest{void}, nil
	}
	if err := tx.HoldAuthorization(hold); err != nil {
		return false, nil, err
	}
	r.Authorization = hold
	if _, err := tx.SetRegistrationStatus(r.ID, r.Status, model.StatusPendingApproval); err != nil {
		return false, nil, err
	}
	r.Status = model.StatusPendingApproval
	if err := s.queueMail(tx, r, e, model.MailPending, map[string]any{"amount": hold.Amount, "currency": hold.Currency}); err != nil {
		return false, nil, err
	}
	return true, nil, tx.SetRegistrationMailed(r.ID)
}

// renewal: ev reports another hold (the caller saw its id is not a's) on
// the checkout of r's open hold, while r awaits approval: the provider
// renewed it (one checkout holds one authorization at a time).
func renewal(r *model.Registration, a *model.Authorization, ev payment.Event) bool {
	return r.Status == model.StatusPendingApproval && a.Status == model.AuthAuthorized && a.AuthorizationID != "" &&
		ev.CheckoutID != "" && ev.CheckoutID == a.CheckoutID
}

// renew records that the provider renewed the open hold a as ev's (once:
// a hold renewed before is not a any more), with the terms holdTerms gives
// it. Both ways a renewal is learned come here: Admit's own before a
// capture (renewHold), and the provider's webhook.
func renew(tx *store.Tx, a *model.Authorization, ev payment.Event) error {
	by, exp := holdTerms(tx.Now(), a, ev.Authorization)
	_, err := tx.ReauthorizeHold(a.RegistrationID, a.AuthorizationID, ev.PaymentID, by, exp)
	return err
}

// holdTerms are the deadlines of a hold: the provider's (t; nil when it
// gave none), with what it left out filled in. Without a capture deadline,
// the shortest hold there is from now; without an end, the end of the hold
// it renews (a; nil for a new hold: a renewal keeps it, PayPal's
// expiration_time), else the capture deadline. No capture deadline runs
// past the end (PayPal: a hold renewed on day 27 is honored two days).
func holdTerms(now time.Time, a *model.Authorization, t *payment.AuthorizationTerms) (by, exp time.Time) {
	if t != nil {
		by, exp = t.CaptureBy, t.ExpiresAt
	}
	if by.IsZero() {
		by = now.Add(shortestHold)
	}
	if exp.IsZero() && a != nil && a.ExpiresAt != nil {
		exp = *a.ExpiresAt
	}
	if exp.IsZero() {
		exp = by
	}
	if by.After(exp) {
		by = exp
	}
	return by, exp
}

// applyVoided records that the provider ended a hold that Admit had not
// (Stripe cancels an uncaptured payment after 7 days, PayPal voids an
// authorization after 29): for a registration still awaiting approval it
// lapsed, and its registrant is told. A hold Admit voided itself, or
// captured, is left as it is.
func (s *Service) applyVoided(tx *store.Tx, r *model.Registration, ev payment.Event) (bool, error) {
	a, err := tx.Authorization(r.ID)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	if err != nil || a.Status != model.AuthAuthorized || (ev.PaymentID != "" && a.AuthorizationID != ev.PaymentID) {
		return false, err
	}
	return true, s.lapse(tx, r, a, "ended by "+s.providerTitle(ev.Provider))
}

// lapse records that a hold ran out: lapsed, and its registrant told, when
// the registration still awaits approval; voided otherwise.
func (s *Service) lapse(tx *store.Tx, r *model.Registration, a *model.Authorization, why string) error {
	if r.Status != model.StatusPendingApproval {
		_, err := tx.SetAuthorizationStatus(r.ID, a.Status, model.AuthVoided, why)
		return err
	}
	if ok, err := tx.SetAuthorizationStatus(r.ID, a.Status, model.AuthLapsed, why); err != nil || !ok {
		return err
	}
	e, err := tx.EventOnly(r.EventID)
	if err != nil {
		return err
	}
	s.log.InfoContext(tx.Context(), "payment authorization lapsed before a decision: nothing charged", "registration", r.ID, "provider", a.Provider)
	return s.queueMail(tx, r, e, model.MailAuthLapsed, map[string]any{"amount": a.Amount, "currency": a.Currency})
}

// voidRequest asks to release a hold, under a key made of our ids.
func voidRequest(a *model.Authorization) payment.VoidRequest {
	return payment.VoidRequest{CheckoutID: a.CheckoutID, PaymentID: a.AuthorizationID, RegistrationID: a.RegistrationID,
		IdempotencyKey: "void-" + strconv.FormatInt(a.RegistrationID, 10) + "-" + a.AuthorizationID}
}

// sendVoids releases holds Admit cannot keep. One that fails lapses on its
// own at the provider: nothing is taken either way.
func (s *Service) sendVoids(ctx context.Context, provider string, voids []payment.VoidRequest) {
	if len(voids) == 0 {
		return
	}
	p, ok := s.provider(provider)
	if !ok {
		return
	}
	for _, v := range voids {
		if _, err := payment.Void(ctx, p, v); err != nil {
			s.log.ErrorContext(ctx, "releasing a payment authorization", "registration", v.RegistrationID, "provider", provider, "err", err)
		}
	}
}

// withAuthorization reads r's hold into r.Authorization.
func (s *Service) withAuthorization(ctx context.Context, r *model.Registration) (*model.Registration, error) {
	if r == nil {
		return r, nil
	}
	a, err := s.store.Authorization(ctx, r.ID)
	if err := s.withHold(r, a, err); err != nil {
		return nil, err
	}
	return r, nil
}

// withHold sets r.Authorization from the read of r's hold that answered
// a, err: with its DecideBy; none when r has no hold.
func (s *Service) withHold(r *model.Registration, a *model.Authorization, err error) error {
	switch {
	case errors.Is(err, model.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	r.Authorization = s.withDecideBy(a)
	return nil
}

// withDecideBy sets the DecideBy of a, when it is open (a may be nil).
func (s *Service) withDecideBy(a *model.Authorization) *model.Authorization {
	if a != nil && a.Status == model.AuthAuthorized {
		a.DecideBy = s.decideBy(a)
	}
	return a
}

// decideHeld runs the organizer's decision on a registration awaiting
// approval whose payment is held, lapsed or refused; handled is false when
// the registration has no such payment (the usual decision then applies).
func (s *Service) decideHeld(ctx context.Context, id int64, confirm bool) (out *model.Registration, handled bool, err error) {
	r, err := s.store.Registration(ctx, id)
	if err != nil || r.Status != model.StatusPendingApproval {
		return nil, false, err
	}
	if s.paysAfterApproval(r) {
		if !confirm {
			return nil, false, nil // nothing paid, nothing held: the usual rejection
		}
		out, err := s.approveOffline(ctx, r)
		return out, true, err
	}
	a, err := s.store.Authorization(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	switch {
	case confirm && a.Status == model.AuthAuthorized:
		out, err = s.capture(ctx, r, a)
	case confirm && (a.Status == model.AuthLapsed || a.Status == model.AuthVoided || a.Status == model.AuthCaptureFailed):
		out, err = s.payAgain(ctx, r, a)
	case !confirm && a.Status == model.AuthAuthorized:
		out, err = s.rejectHeld(ctx, r, a)
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	out, err = s.withAuthorization(ctx, out)
	return out, true, err
}

// capture takes the money held for r, which the organizer confirms: the
// provider's Paid event goes through ApplyPayment, which confirms r and
// sends its access once, however often the organizer clicks. A capture the
// provider refuses leaves r awaiting approval with the hold marked
// capture_failed and the reason, and the organizers told.
func (s *Service) capture(ctx context.Context, r *model.Registration, a *model.Authorization) (*model.Registration, error) {
	p, ok := s.provider(a.Provider)
	if !ok {
		return nil, model.Fail(model.ErrProviderMissing, s.providerTitle(a.Provider)+" is not connected: the payment stays authorized until it is connected again (or the authorization lapses).")
	}
	a, err := s.renewHold(ctx, p, r, a)
	if err != nil {
		return nil, err
	}
	ev, err := payment.Capture(ctx, p, payment.CaptureRequest{CheckoutID: a.CheckoutID, PaymentID: a.AuthorizationID,
		Amount: a.Amount, Currency: a.Currency, RegistrationID: r.ID,
		IdempotencyKey: "capture-" + strconv.FormatInt(r.ID, 10) + "-" + a.AuthorizationID})
	switch {
	case errors.Is(err, payment.ErrRefused) || errors.Is(err, payment.ErrNotFound):
		return nil, s.captureFailed(ctx, r, a, err)
	case err != nil:
		s.log.ErrorContext(ctx, "capture of an authorized payment", "registration", r.ID, "provider", a.Provider, "err", err)
		return nil, model.Fail(model.ErrProviderFailed, s.providerTitle(a.Provider)+" could not be reached to take the payment; nothing changed and the payment stays authorized. Try again.")
	case ev.Kind == payment.Pending:
		return nil, model.Fail(model.ErrConflict, s.providerTitle(a.Provider)+" holds the payment as pending; the registration is confirmed once it completes.")
	case ev.Kind != payment.Paid:
		return nil, model.Fail(model.ErrProviderFailed, s.providerTitle(a.Provider)+" did not say the payment was taken; nothing changed. Try again.")
	}
	if _, err := s.ApplyPayment(ctx, ev); err != nil {
		return nil, err
	}
	return s.store.Registration(ctx, r.ID)
}

// renewHold renews a hold whose capture is no longer guaranteed (past its
// CaptureBy: PayPal's 3-day honor period) before it is captured, once, at a
// provider whose module declares Reauthorize; it answers the hold to
// capture. A renewal the provider refuses (too early by its clock, renewed
// before) leaves the hold as it is: the capture is tried all the same, and
// a refused capture is recorded as such. One that cannot be sent changes
// nothing: the organizer tries again.
func (s *Service) renewHold(ctx context.Context, p payment.Provider, r *model.Registration, a *model.Authorization) (*model.Authorization, error) {
	if !s.renewable(a) || a.CaptureBy == nil || s.now().Before(*a.CaptureBy) {
		return a, nil
	}
	ev, err := payment.Reauthorize(ctx, p, payment.ReauthorizeRequest{CheckoutID: a.CheckoutID, PaymentID: a.AuthorizationID,
		Amount: a.Amount, Currency: a.Currency, RegistrationID: r.ID,
		IdempotencyKey: "reauthorize-" + strconv.FormatInt(r.ID, 10) + "-" + a.AuthorizationID})
	switch {
	case errors.Is(err, payment.ErrRefused) || errors.Is(err, payment.ErrNotFound) || errors.Is(err, payment.ErrUnsupported):
		s.log.WarnContext(ctx, "hold not renewed before its capture: captured as it is", "registration", r.ID, "provider", a.Provider, "err", err)
		return a, nil
	case err != nil:
		s.log.ErrorContext(ctx, "renewal of an authorized payment", "registration", r.ID, "provider", a.Provider, "err", err)
		return nil, model.Fail(model.ErrProviderFailed, s.providerTitle(a.Provider)+" could not be reached to renew the authorization before taking the payment; nothing changed and the payment stays authorized. Try again.")
	case ev.Kind != payment.Authorized || ev.PaymentID == "":
		s.log.WarnContext(ctx, "renewal answered no hold: captured as it is", "registration", r.ID, "provider", a.Provider, "kind", ev.Kind)
		return a, nil
	}
	if err := s.store.Write(ctx, func(tx *store.Tx) error { return renew(tx, a, ev) }); err != nil {
		return nil, err
	}
	renewed, err := s.store.Authorization(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "authorized payment renewed before its capture", "registration", r.ID, "provider", a.Provider,
		"from", a.AuthorizationID, "to", renewed.AuthorizationID, "capture_by", renewed.CaptureBy)
	return renewed, nil
}

// captureFailed records a capture the provider refused and tells the
// organizers; the answer says what happened and what to do.
func (s *Service) captureFailed(ctx context.Context, r *model.Registration, a *model.Authorization, cause error) error {
	reason := cause.Error()
	s.log.WarnContext(ctx, "capture refused: nothing charged", "registration", r.ID, "provider", a.Provider, "err", cause)
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		ok, err := tx.SetAuthorizationStatus(r.ID, model.AuthAuthorized, model.AuthCaptureFailed, reason)
		if err != nil || !ok {
			return err
		}
		e, err := tx.EventOnly(r.EventID)
		if err != nil {
			return err
		}
		_, err = s.queueOrganizerMail(tx, model.MailCaptureFailed, organizerData{Title: e.Title, Item: r.Name + " <" + r.Email + ">",
			Message: reason, Count: 1, Amount: pricing.FormatMoney(a.Amount, a.Currency, organizerLocale)})
		return err
	})
	if err != nil {
		return err
	}
	return &model.Problem{Err: model.ErrConflict, Code: "capture_failed",
		Message: fmt.Sprintf("%s refused to take the payment (%s). Nothing was charged and the registration still awaits approval: confirm it again to send %s a link to pay, or reject it.",
			s.providerTitle(a.Provider), reason, r.Name)}
}

// payAgain confirms a registration whose hold lapsed (or was refused):
// its seat is held while its registrant pays at a new checkout, which
// confirms it at once, and they are sent the link.
func (s *Service) payAgain(ctx context.Context, r *model.Registration, a *model.Authorization) (*model.Registration, error) {
	p, ok := s.provider(r.Provider)
	if !ok {
		return nil, model.Fail(model.ErrProviderMissing, s.providerTitle(r.Provider)+" is not connected: connect it to send a link to pay.")
	}
	e, err := s.reopenApproved(ctx, r, payAgainHold)
	if err != nil {
		return nil, err
	}
	co, err := p.CreateCheckout(ctx, s.checkoutRequest(r, e, "checkout-"+strconv.FormatInt(r.ID, 10)+"-approved"))
	if err != nil {
		s.log.ErrorContext(ctx, "checkout to pay again could not be opened", "registration", r.ID, "provider", r.Provider, "err", err)
		s.backToApproval(ctx, r)
		return nil, model.Fail(model.ErrProviderFailed, s.providerTitle(r.Provider)+" could not be reached to open a payment page; nothing changed. Try again.")
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetCheckout(r.ID, co.ID, co.RedirectURL); err != nil {
			return err
		}
		r.CheckoutID, r.CheckoutURL = co.ID, co.RedirectURL
		return s.queueAccessMail(tx, r, e, model.MailPayAgain)
	})
	if err != nil {
		return nil, err
	}
	return s.store.Registration(ctx, r.ID)
}

// reopenApproved records the organizer's approval of r, which awaits it
// with no money held, and moves it to pending_payment with its seat held
// for hold from now (its payment, once it arrives, confirms it at once). It
// answers r's event.
func (s *Service) reopenApproved(ctx context.Context, r *model.Registration, hold time.Duration) (*model.Event, error) {
	var e *model.Event
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if e, err = tx.Event(r.EventID); err != nil {
			return err
		}
		if err := tx.ApproveAuthorization(r.ID, r.Provider); err != nil {
			return err
		}
		until := tx.Now().Add(hold)
		ok, err := tx.ReopenPayment(r.ID, until)
		if err != nil {
			return err
		}
		if !ok {
			return model.Fail(model.ErrConflict, "This registration no longer awaits approval.")
		}
		r.Status, r.HoldExpiresAt = model.StatusPendingPayment, &until
		return nil
	})
	return e, err
}

// backToApproval puts r, reopened for its payment, back to awaiting
// approval when its payment could not be opened.
func (s *Service) backToApproval(ctx context.Context, r *model.Registration) {
	_ = s.store.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.SetRegistrationStatus(r.ID, model.StatusPendingPayment, model.StatusPendingApproval)
		return err
	})
}

// rejectHeld releases the money held for r and rejects it: nothing is
// charged, nothing refunded. A release the provider refuses leaves r as it
// is, with the reason.
func (s *Service) rejectHeld(ctx context.Context, r *model.Registration, a *model.Authorization) (*model.Registration, error) {
	why := ""
	if p, ok := s.provider(a.Provider); ok {
		_, err := payment.Void(ctx, p, voidRequest(a))
		switch {
		case errors.Is(err, payment.ErrRefused):
			return nil, model.Fail(model.ErrConflict, fmt.Sprintf("%s refused to release the payment (%s); nothing changed.", s.providerTitle(a.Provider), err.Error()))
		case err != nil && !errors.Is(err, payment.ErrNotFound):
			s.log.ErrorContext(ctx, "void of an authorized payment", "registration", r.ID, "provider", a.Provider, "err", err)
			return nil, model.Fail(model.ErrProviderFailed, s.providerTitle(a.Provider)+" could not be reached to release the payment; nothing changed. Try again.")
		}
	} else {
		why = s.providerTitle(a.Provider) + " not connected: the authorization lapses on its own"
	}
	return s.transitionWith(ctx, r.ID, []string{model.StatusPendingApproval}, model.StatusRejected, model.MailRejected,
		"Only a registration awaiting approval or confirmed can be rejected; this one is %s.", false,
		func(tx *store.Tx, r *model.Registration) error {
			_, err := tx.SetAuthorizationStatus(r.ID, model.AuthAuthorized, model.AuthVoided, why)
			return err
		})
}

// CheckAuthorizations flags to the organizers, by email, the holds whose
// decision is due in less than a day (decideBy), and records as lapsed
// those that ended (their registrants are told), each once. It returns how
// many it flagged and how many lapsed.
func (s *Service) CheckAuthorizations(ctx context.Context) (flagged, lapsed int, err error) {
	renewing := s.renewingProviders()
	for {
		n := 0
		err := s.store.Write(ctx, func(tx *store.Tx) error {
			due, err := tx.AuthorizationsToFlag(tx.Now().Add(flagAhead).Unix(), renewing, authorizationBatch)
			if err != nil {
				return err
			}
			n = len(due)
			for _, a := range due {
				ok, err := tx.FlagAuthorization(a.RegistrationID)
				if err != nil || !ok {
					return err
				}
				r, err := tx.Registration(a.RegistrationID)
				if err != nil {
					return err
				}
				e, err := tx.EventOnly(r.EventID)
				if err != nil {
					return err
				}
				if _, err := s.queueOrganizerMail(tx, model.MailAuthLapsing, organizerData{Title: e.Title, Item: r.Name + " <" + r.Email + ">",
					Count: 1, Amount: pricing.FormatMoney(a.Amount, a.Currency, organizerLocale), Message: s.decideBy(a).UTC().Format(time.RFC1123)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return flagged, lapsed, err
		}
		flagged += n
		if n < authorizationBatch {
			break
		}
	}
	for {
		n := 0
		err := s.store.Write(ctx, func(tx *store.Tx) error {
			ended, err := tx.LapsedAuthorizations(authorizationBatch)
			if err != nil {
				return err
			}
			n = len(ended)
			for _, a := range ended {
				r, err := tx.Registration(a.RegistrationID)
				if err != nil {
					return err
				}
				if err := s.lapse(tx, r, a, "the authorization expired"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return flagged, lapsed, err
		}
		lapsed += n
		if n < authorizationBatch {
			break
		}
	}
	if flagged+lapsed > 0 {
		s.log.InfoContext(ctx, "payment authorizations checked", "flagged", flagged, "lapsed", lapsed)
	}
	return flagged, lapsed, nil
}

// releaseHold voids the money held for a registration that was just
// cancelled, and records it. A void that fails is logged: the hold lapses
// on its own, and the check records it then; nothing is taken either way.
func (s *Service) releaseHold(ctx context.Context, id int64) {
	a, err := s.store.Authorization(ctx, id)
	if err != nil || a.Status != model.AuthAuthorized {
		return
	}
	why := ""
	if p, ok := s.provider(a.Provider); ok {
		if _, err := payment.Void(ctx, p, voidRequest(a)); err != nil {
			s.log.ErrorContext(ctx, "releasing the payment of a cancelled registration", "registration", id, "provider", a.Provider, "err", err)
			return
		}
	} else {
		why = s.providerTitle(a.Provider) + " not connected: the authorization lapses on its own"
	}
	if err := s.store.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.SetAuthorizationStatus(id, model.AuthAuthorized, model.AuthVoided, why)
		return err
	}); err != nil {
		s.log.ErrorContext(ctx, "recording a released payment", "registration", id, "err", err)
	}
}
