// Public registration: someone signs up for a published event, once per email, through its checkout when it is paid.

package ticketing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// resendEvery limits how often an "already registered" attempt re-sends the
// access email.
const resendEvery = 10 * time.Minute

// RegisterResult is a new registration.
type RegisterResult struct {
	Registration *model.Registration
	Event        *model.Event
	CheckoutURL  string
	// needsCheckout: a paid registration whose checkout is still to open.
	needsCheckout bool
}

// Register signs someone up for a published event: the capacity check, the
// seat, the access email and the idempotency record are one transaction.
//
// With an Idempotency-Key, requests with the same key run one after the
// other, and the key is claimed in the transaction that inserts the
// registration, before any provider is asked for a checkout: a second
// request gets the first outcome again (Replayed), or a validation error
// when its body differs.
func (s *Service) Register(ctx context.Context, slug string, in RegisterInput, idem *Idempotency) (*RegisterResult, error) {
	f := fields{}
	in.Name = strings.TrimSpace(in.Name)
	checkLine(f, "name", in.Name, true, maxTitle)
	email, emailNorm := normalizeEmail(f, "email", in.Email)
	if in.PromoCode != "" {
		checkLine(f, "promo_code", in.PromoCode, false, 64)
	}
	if in.Provider != "" {
		s.checkProviderName(f, "provider", in.Provider)
	}
	if len(f) > 0 {
		return nil, model.Invalid(f)
	}
	in.Name, in.Email = strings.TrimSpace(in.Name), email
	if in.Locale == "" {
		in.Locale = "en"
	}
	scope := "register:" + slug
	if idem != nil {
		release, err := s.keys.lock(ctx, scope+"\x00"+idem.Key)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	var res *RegisterResult
	var refusal error
	var replay *Replayed
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		resume := false
		if idem != nil {
			prev, err := tx.Idempotency(scope, idem.Key)
			switch {
			case err == nil && !bytes.Equal(prev.RequestHash, idem.RequestHash):
				return model.Invalid(fields{"Idempotency-Key": "was already used for a different request; use a new key"})
			case err == nil && prev.Outcome != nil:
				replay = &Replayed{Outcome: prev.Outcome}
				return nil
			case err != nil && !errors.Is(err, model.ErrNotFound):
				return err
			}
			// Not seen, or claimed by a request that never answered (the
			// server stopped meanwhile): this one answers it.
			resume = err == nil
		}
		r, err := s.register(tx, slug, in, email, emailNorm, resume)
		if err != nil && !isDecided(err) {
			return err
		}
		// A refusal decided on the event's state commits too: it may have
		// re-sent an access email, and its answer is kept for retries.
		res, refusal = r, err
		if idem == nil {
			return nil
		}
		rec := store.IdempotencyRecord{RequestHash: idem.RequestHash}
		if r == nil || !r.needsCheckout {
			rec.Outcome = idem.recorded(r, err)
		}
		return tx.SaveIdempotency(scope, idem.Key, rec)
	})
	switch {
	case err != nil:
		return nil, err
	case replay != nil:
		return nil, replay
	case refusal != nil:
		return nil, refusal
	}
	if res.needsCheckout {
		err := s.openCheckout(ctx, res)
		if idem != nil {
			// The answer replaces the claim; a failure drops it, so that a
			// retry tries again.
			werr := s.store.Write(ctx, func(tx *store.Tx) error {
				if err != nil {
					return tx.DropIdempotencyClaim(scope, idem.Key)
				}
				return tx.SaveIdempotency(scope, idem.Key, store.IdempotencyRecord{RequestHash: idem.RequestHash, Outcome: idem.recorded(res, nil)})
			})
			if werr != nil {
				s.log.ErrorContext(ctx, "idempotency answer not stored", "registration", res.Registration.ID, "err", werr)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// openEvent finds a published event that still takes registrations (or
// waiting-list places) and checks the session asked for: one of its
// sessions, not over, for a series registered per session; none otherwise.
func openEvent(tx *store.Tx, slug string, asked *int64) (*model.Event, *int64, error) {
	e, err := tx.EventBySlug(slug)
	if err != nil {
		return nil, nil, err
	}
	switch e.Status {
	case model.EventDraft:
		return nil, nil, model.ErrNotFound
	case model.EventCancelled:
		return nil, nil, model.Fail(model.ErrClosed, "This event has been cancelled.")
	}
	now := tx.Now()
	if e.SellsReplay(now) {
		// The recording is sold for the whole event: no session to pick.
		return e, nil, nil
	}
	var sessionID *int64
	if e.PerSession() {
		if asked == nil {
			return nil, nil, model.Invalid(fields{"session_id": "is required: choose one of the event's sessions"})
		}
		ss := findSession(e, *asked)
		if ss == nil {
			return nil, nil, model.Invalid(fields{"session_id": fmt.Sprintf("%d is not a session of this event", *asked)})
		}
		if !ss.EndsAt().After(now) {
			return nil, nil, model.Fail(model.ErrClosed, "This session has already taken place.")
		}
		sessionID = asked
	} else {
		if asked != nil {
			return nil, nil, model.Invalid(fields{"session_id": "this event takes one registration for all its sessions: leave session_id out"})
		}
		if e.Kind != model.KindOnDemand && len(e.Sessions) > 0 && !e.Sessions[len(e.Sessions)-1].EndsAt().After(now) {
			return nil, nil, model.Fail(model.ErrClosed, "Registration is closed: this event has already taken place.")
		}
	}
	return e, sessionID, nil
}

// register decides a registration in the writer's transaction. resume: the
// request carries the Idempotency-Key of one that stopped before answering,
// so a registration of its email waiting for payment is its own.
func (s *Service) register(tx *store.Tx, slug string, in RegisterInput, email, emailNorm string, resume bool) (*RegisterResult, error) {
	e, sessionID, err := openEvent(tx, slug, in.SessionID)
	if err != nil {
		return nil, err
	}
	now := tx.Now()
	e, replay := forSale(e, now)
	existing, err := tx.LiveRegistration(e.ID, sessionID, emailNorm)
	switch {
	case err == nil && existing.Status == model.StatusPendingPayment && !existing.Active(now):
		// An abandoned checkout: its hold has run out, so it no longer
		// stands in the way.
		if _, err := tx.SetRegistrationStatus(existing.ID, existing.Status, model.StatusExpired); err != nil {
			return nil, err
		}
	case err == nil && resume && existing.Status == model.StatusPendingPayment:
		// The same request again, after a stop: its registration and
		// checkout (opened now if it was not yet).
		return &RegisterResult{Registration: existing, Event: e, CheckoutURL: existing.CheckoutURL, needsCheckout: existing.CheckoutURL == ""}, nil
	case err == nil:
		return nil, s.alreadyRegistered(tx, existing, e, in.PromoCode != "")
	case !errors.Is(err, model.ErrNotFound):
		return nil, err
	}
	var tiers []model.Tier
	var promos []model.Promo
	if e.Price != nil {
		if !replay {
			if tiers, err = tx.Tiers(e.ID); err != nil {
				return nil, err
			}
		}
		if strings.TrimSpace(in.PromoCode) != "" {
			if promos, err = tx.Promos(e.ID); err != nil {
				return nil, err
			}
		}
	}
	price, err := s.quote(tx.Context(), e, tiers, promos, in.PromoCode, now)
	if err != nil {
		return nil, err
	}
	provider := ""
	if !price.Free {
		if provider, err = s.chooseProvider(e, in.Provider); err != nil {
			return nil, err
		}
	}
	if !price.Free {
		if err := s.clientHoldsLeft(tx, e, in.ClientIP); err != nil {
			return nil, err
		}
	}
	if !replay { // a replay is not limited by the capacity: no live seat is left to take
		if err := seatFree(tx, e, sessionID, in.offered); err != nil {
			return nil, err
		}
	}
	status := model.StatusConfirmed
	if e.ApprovalRequired {
		status = model.StatusPendingApproval
	}
	r := &model.Registration{
		EventID:    e.ID,
		SessionID:  sessionID,
		Name:       in.Name,
		Email:      email,
		Status:     status,
		Role:       model.RoleAttendee,
		Locale:     in.Locale,
		Amount:     price.Amount,
		Currency:   price.Currency,
		Tier:       price.Tier,
		PromoCode:  price.PromoCode,
		TierID:     price.TierID,
		PromoID:    price.PromoID,
		ServiceFee: price.ServiceFee,
		ClientIP:   in.ClientIP,
	}
	// Paid offline on an event that approves each registration: nothing is
	// due until the organizer approves it (offline.go); the seat is held
	// meanwhile, as for any registration awaiting approval.
	payLater := !price.Free && e.ApprovalRequired && s.isOffline(provider)
	switch {
	case payLater:
		r.Provider, r.LastMailedAt = provider, &now // the pending email is queued below
	case !price.Free:
		hold := now.Add(s.hold)
		r.Status, r.Provider, r.HoldExpiresAt = model.StatusPendingPayment, provider, &hold
	default:
		r.LastMailedAt = &now // the access email is queued below
	}
	if err := s.insertRegistration(tx, r, emailNorm); err != nil {
		return nil, err
	}
	if !price.Free && !payLater {
		// The access email leaves once the payment is in.
		return &RegisterResult{Registration: r, Event: e, needsCheckout: true}, nil
	}
	kind := model.MailAccess
	if status == model.StatusPendingApproval {
		kind = model.MailPending
	}
	var data map[string]any
	if payLater {
		data = map[string]any{"amount": r.Amount, "currency": r.Currency, "offline": true}
	}
	if err := s.queueMail(tx, r, e, kind, data); err != nil {
		return nil, err
	}
	return &RegisterResult{Registration: r, Event: e}, nil
}

// alreadyRegistered answers a registration with an email that already
// holds one. The answer names no registration and no checkout, since whoever
// asked may not own the address; the registrant is sent their link instead
// (the access page, or the checkout while the payment is pending), at most
// once every resendEvery, and the answer says whether it went.
//
// A promo code sent with it is neither checked nor applied: a registration
// keeps the price it was made at, and the answer says so.
func (s *Service) alreadyRegistered(tx *store.Tx, r *model.Registration, e *model.Event, promo bool) error {
	refuse := func(detail, message string) error {
		if promo {
			message += " The promo code was not applied: a registration keeps the price it was made at."
		}
		return &model.Problem{Err: model.ErrAlreadyRegistered, Detail: detail, Message: message}
	}
	kind := model.MailResend
	if r.Status == model.StatusPendingPayment {
		if r.CheckoutURL == "" {
			return errCheckoutPreparing
		}
		kind = model.MailCheckoutResend
	}
	if r.LastMailedAt != nil && tx.Now().Sub(*r.LastMailedAt) < resendEvery {
		return refuse("recent", "This email address is already registered for this event. Its link was emailed to that address less than 10 minutes ago, so it was not sent again: look in that inbox (and its spam folder).")
	}
	if err := s.queueAccessMail(tx, r, e, kind); err != nil {
		return err
	}
	return refuse("sent", "This email address is already registered for this event: we have emailed its link to that address.")
}

// errCheckoutPreparing: the registration with this email is still waiting
// for its checkout (the first request is at the provider). Nothing was sent,
// and the answer is not kept for an Idempotency-Key: a retry may find the
// checkout open.
var errCheckoutPreparing = &model.Problem{Err: model.ErrAlreadyRegistered, Detail: "preparing",
	Message: "This email address is already registered for this event and its payment page is still being prepared, so no link was sent. Try again in a minute."}

func (s *Service) insertRegistration(tx *store.Tx, r *model.Registration, emailNorm string) error {
	nonce, _, hash, err := s.newToken()
	if err != nil {
		return err
	}
	r.TokenNonce, r.TokenHash = nonce, hash
	if err := tx.InsertRegistration(r, emailNorm); err != nil {
		if store.IsUnique(err) {
			return model.Fail(model.ErrAlreadyRegistered, "This email address is already registered for this event.")
		}
		return err
	}
	return nil
}

func findSession(e *model.Event, id int64) *model.Session {
	for i := range e.Sessions {
		if e.Sessions[i].ID == id {
			return &e.Sessions[i]
		}
	}
	return nil
}
