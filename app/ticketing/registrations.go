package ticketing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// resendEvery limits how often an "already registered" attempt re-sends the
// access email.
const resendEvery = 10 * time.Minute

// Answer turns the outcome of a registration into the HTTP answer that an
// Idempotency-Key replays; it runs inside the transaction so the stored
// answer and the registration commit together.
type Answer func(res *RegisterResult, err error) (status int, body []byte)

// Idempotency identifies a retried request.
type Idempotency struct {
	Key         string
	RequestHash []byte
	Answer      Answer
}

// Replayed is returned when an Idempotency-Key was seen before: Status and
// Body are the first answer.
type Replayed struct {
	Status int
	Body   []byte
}

func (r *Replayed) Error() string { return "replayed answer" }

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
// request gets the first answer again, or 422 when its body differs.
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
			case err == nil && prev.Status != 0:
				replay = &Replayed{Status: prev.Status, Body: prev.Body}
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
		answer := store.IdempotentAnswer{RequestHash: idem.RequestHash, Body: []byte{}}
		if r == nil || !r.needsCheckout {
			answer.Status, answer.Body = idem.Answer(r, err)
		}
		return tx.SaveIdempotency(scope, idem.Key, answer)
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
				status, body := idem.Answer(res, nil)
				return tx.SaveIdempotency(scope, idem.Key, store.IdempotentAnswer{RequestHash: idem.RequestHash, Status: status, Body: body})
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

// isDecided reports whether err is an answer about the event's state (worth
// replaying to a retry) rather than a fault or a passing state.
func isDecided(err error) bool {
	if err == errCheckoutPreparing {
		return false
	}
	for _, e := range []error{model.ErrSoldOut, model.ErrAlreadyRegistered, model.ErrClosed, model.ErrNotFound, model.ErrProviderMissing, model.ErrValidation} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
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
	price, err := s.quote(e, tiers, promos, in.PromoCode, now)
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
	if !price.Free {
		hold := now.Add(s.hold)
		r.Status, r.Provider, r.HoldExpiresAt = model.StatusPendingPayment, provider, &hold
	} else {
		r.LastMailedAt = &now // the access email is queued below
	}
	if err := s.insertRegistration(tx, r, emailNorm); err != nil {
		return nil, err
	}
	if !price.Free {
		// The access email leaves once the payment is in.
		return &RegisterResult{Registration: r, Event: e, needsCheckout: true}, nil
	}
	kind := model.MailAccess
	if status == model.StatusPendingApproval {
		kind = model.MailPending
	}
	if err := s.queueMail(tx, r, e, kind, nil); err != nil {
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

// clientHoldsLeft refuses a new payment hold, with too_many_holds, when the
// client already keeps holdsPerClient unpaid ones on the event; in the
// transaction that then takes the seat.
func (s *Service) clientHoldsLeft(tx *store.Tx, e *model.Event, client string) error {
	if s.holdsPerClient <= 0 || client == "" {
		return nil
	}
	n, first, err := tx.ClientHolds(e.ID, client)
	if err != nil || n < int64(s.holdsPerClient) {
		return err
	}
	p := &model.Problem{Err: model.ErrRateLimited, Code: "too_many_holds",
		Message: fmt.Sprintf("Your address already holds %d unpaid seats for this event: finish paying for one of them, or wait until one is released.", n)}
	if first != nil {
		p.RetryAfter = first.Sub(tx.Now())
	}
	return p
}

// seatFree refuses, with ErrSoldOut, when the event (or session) has no
// seat left; in the transaction that then takes the seat. People waiting in
// line count as seats taken (a freed seat is theirs), except for the one
// claiming an offer (offered).
func seatFree(tx *store.Tx, e *model.Event, sessionID *int64, offered bool) error {
	if e.Capacity == nil {
		return nil
	}
	count := tx.CountSeats
	if offered {
		count = tx.CountHeldSeats
	}
	taken, err := count(e.ID, sessionID)
	if err != nil {
		return err
	}
	if taken >= *e.Capacity {
		return model.Fail(model.ErrSoldOut, "Sorry, this event is sold out.")
	}
	return nil
}

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

// queueAccessMail queues a mail that carries the access link and records
// when, for the re-send limit.
func (s *Service) queueAccessMail(tx *store.Tx, r *model.Registration, e *model.Event, kind string) error {
	if err := s.queueMail(tx, r, e, kind, nil); err != nil {
		return err
	}
	now := tx.Now()
	r.LastMailedAt = &now
	return tx.SetRegistrationMailed(r.ID)
}

// subject is a mail's subject line. Those without an amount are remembered
// per kind, language and title: the translation runs a template, and this
// runs in the writer.
func (s *Service) subject(kind, locale, title, amount string) string {
	if s.subjects == nil {
		return title
	}
	if amount != "" { // a refund's: rare, and too many to remember
		return s.subjects.Subject(kind, locale, map[string]any{"EventTitle": title, "Amount": amount})
	}
	key := kind + "\x00" + locale + "\x00" + title
	if v, ok := s.subjectCache.Load(key); ok {
		return v.(string)
	}
	v := s.subjects.Subject(kind, locale, map[string]any{"EventTitle": title})
	s.subjectCache.Store(key, v)
	return v
}

// queueMail adds a message about registration r to the outbox. The facts
// it is about are kept with it as they are now (data, and the
// registration's status), since it is composed only when it leaves.
func (s *Service) queueMail(tx *store.Tx, r *model.Registration, e *model.Event, kind string, data map[string]any) error {
	_, err := s.queueMailRow(tx, r, e, kind, data)
	return err
}

// queueMailRow is queueMail returning the outbox row.
func (s *Service) queueMailRow(tx *store.Tx, r *model.Registration, e *model.Event, kind string, data map[string]any) (*model.OutboxMail, error) {
	m := s.newMail(r, e, kind, data)
	return m, tx.QueueMail(m)
}

// newMail is the outbox row of a message about registration r, not yet
// queued.
func (s *Service) newMail(r *model.Registration, e *model.Event, kind string, data map[string]any) *model.OutboxMail {
	amount := ""
	if a, ok := data["amount"].(int64); ok {
		c, _ := data["currency"].(string)
		amount = formatMoney(a, c, r.Locale)
	}
	id := r.ID
	m := &model.OutboxMail{
		RegistrationID: &id,
		To:             r.Email,
		ToName:         r.Name,
		Subject:        s.subject(kind, r.Locale, e.Title, amount),
		Kind:           kind,
		Locale:         r.Locale,
	}
	data = maps.Clone(data)
	if data == nil {
		data = map[string]any{}
	}
	data["status"] = r.Status
	m.Data = mustJSON(data)
	return m
}

// AddRegistration lets an organizer add someone: panelists and
// co-organizers never pay and are confirmed at once.
func (s *Service) AddRegistration(ctx context.Context, eventID int64, in RegisterInput, role string) (*model.Registration, error) {
	f := fields{}
	in.Name = strings.TrimSpace(in.Name)
	checkLine(f, "name", in.Name, true, maxTitle)
	email, emailNorm := normalizeEmail(f, "email", in.Email)
	if role == "" {
		role = model.RoleAttendee
	}
	switch role {
	case model.RoleAttendee, model.RolePanelist, model.RoleCoOrganizer:
	default:
		f.add("role", "%q must be attendee, panelist or co_organizer", role)
	}
	if len(f) > 0 {
		return nil, model.Invalid(f)
	}
	if in.Locale == "" {
		in.Locale = "en"
	}
	var out *model.Registration
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		e, err := tx.Event(eventID)
		if err != nil {
			return err
		}
		if e.Status == model.EventCancelled {
			return model.Fail(model.ErrClosed, "This event has been cancelled.")
		}
		var sessionID *int64
		if e.PerSession() {
			if in.SessionID == nil || findSession(e, *in.SessionID) == nil {
				return model.Invalid(fields{"session_id": "is required: one of the event's sessions"})
			}
			sessionID = in.SessionID
		}
		if role == model.RoleAttendee {
			if !e.Free() {
				return model.Fail(model.ErrProviderMissing, "Attendees of a paid event register and pay themselves; add them as panelist or co_organizer to invite them for free.")
			}
			if err := seatFree(tx, e, sessionID, in.offered); err != nil {
				return err
			}
		}
		r := &model.Registration{EventID: e.ID, SessionID: sessionID, Name: in.Name, Email: email,
			Status: model.StatusConfirmed, Role: role, Locale: in.Locale}
		if _, err := tx.LiveRegistration(e.ID, sessionID, emailNorm); err == nil {
			return model.Fail(model.ErrAlreadyRegistered, "This email address is already registered for this event.")
		}
		if err := s.insertRegistration(tx, r, emailNorm); err != nil {
			return err
		}
		out = r
		if role == model.RoleCoOrganizer {
			if err := s.grantEvent(tx, e, in.Name, email, in.Locale); err != nil {
				return err
			}
		}
		return s.queueAccessMail(tx, r, e, model.MailAccess)
	})
	return out, err
}

// Registrations lists an event's registrations.
func (s *Service) Registrations(ctx context.Context, eventID int64, status string) ([]*model.Registration, error) {
	if _, err := s.store.Event(ctx, eventID); err != nil {
		return nil, err
	}
	switch status {
	case "", model.StatusPendingPayment, model.StatusPendingApproval, model.StatusConfirmed, model.StatusRejected,
		model.StatusCancelled, model.StatusRefunded, model.StatusPartiallyRefunded, model.StatusExpired:
	default:
		return nil, model.Invalid(fields{"status": fmt.Sprintf("%q is not a registration status", status)})
	}
	regs, err := s.store.Registrations(ctx, eventID, status)
	if err != nil {
		return nil, err
	}
	holds, err := s.store.EventAuthorizations(ctx, eventID)
	if err != nil {
		return nil, err
	}
	for _, r := range regs {
		r.Authorization = holds[r.ID]
	}
	return regs, nil
}

// Registration reads one registration, with its held payment.
func (s *Service) Registration(ctx context.Context, id int64) (*model.Registration, error) {
	r, err := s.store.Registration(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.withAuthorization(ctx, r)
}

// transition moves a registration from one of the allowed statuses to `to`
// and queues the mail that says so.
func (s *Service) transition(ctx context.Context, id int64, allowed []string, to, mailKind, refusal string) (*model.Registration, error) {
	return s.transitionRefunding(ctx, id, allowed, to, mailKind, refusal, false)
}

// transitionRefunding is transition that, with refund, also gives back all
// the money paid (a rejected registrant is never charged in the end).
func (s *Service) transitionRefunding(ctx context.Context, id int64, allowed []string, to, mailKind, refusal string, refund bool) (*model.Registration, error) {
	return s.transitionWith(ctx, id, allowed, to, mailKind, refusal, refund, nil)
}

// transitionWith is transitionRefunding that also runs also, when not nil,
// in the transaction that moves the registration.
func (s *Service) transitionWith(ctx context.Context, id int64, allowed []string, to, mailKind, refusal string, refund bool,
	also func(tx *store.Tx, r *model.Registration) error) (*model.Registration, error) {
	var out *model.Registration
	var refundID int64
	var open []*model.Registration // cancelled while its checkout was open
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.Registration(id)
		if err != nil {
			return err
		}
		ok := false
		for _, a := range allowed {
			ok = ok || r.Status == a
		}
		if !ok {
			return model.Fail(model.ErrConflict, fmt.Sprintf(refusal, r.Status))
		}
		e, err := tx.Event(r.EventID)
		if err != nil {
			return err
		}
		if _, err := tx.SetRegistrationStatus(r.ID, r.Status, to); err != nil {
			return err
		}
		if r.Status == model.StatusPendingPayment {
			open = append(open, r)
		}
		r.Status = to
		if also != nil {
			if err := also(tx, r); err != nil {
				return err
			}
		}
		if refund {
			left, _, err := refundable(tx, r)
			if err != nil {
				return err
			}
			if left > 0 {
				if refundID, err = s.queueRefund(tx, r, left, to); err != nil {
					return err
				}
			}
		}
		if mailKind != "" {
			if mailKind == model.MailAccess {
				err = s.queueAccessMail(tx, r, e, mailKind)
			} else {
				err = s.queueMail(tx, r, e, mailKind, nil)
			}
			if err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.closeCheckouts(ctx, open)
	if refundID != 0 {
		_ = s.sendRefund(ctx, refundID)
		return s.store.Registration(ctx, id)
	}
	return out, nil
}

// Confirm accepts a registration awaiting approval and sends the access
// link. A payment held for the decision is captured (authorize.go); one
// whose hold lapsed is asked for again.
func (s *Service) Confirm(ctx context.Context, id int64) (*model.Registration, error) {
	if r, handled, err := s.decideHeld(ctx, id, true); handled || err != nil {
		return r, err
	}
	return s.transition(ctx, id, []string{model.StatusPendingApproval}, model.StatusConfirmed, model.MailAccess,
		"Only a registration awaiting approval can be confirmed; this one is %s.")
}

// Reject refuses a registration awaiting approval (or already confirmed)
// and tells the registrant.
// A payment held for the decision is released (authorize.go): nothing is
// charged. Whatever was paid is refunded in full.
func (s *Service) Reject(ctx context.Context, id int64) (*model.Registration, error) {
	if r, handled, err := s.decideHeld(ctx, id, false); handled || err != nil {
		return r, err
	}
	return s.transitionRefunding(ctx, id, []string{model.StatusPendingApproval, model.StatusConfirmed}, model.StatusRejected, model.MailRejected,
		"Only a registration awaiting approval or confirmed can be rejected; this one is %s.", true)
}

// CancelRegistration cancels on the organizer's behalf and tells the
// registrant; the seat frees.
func (s *Service) CancelRegistration(ctx context.Context, id int64) (*model.Registration, error) {
	r, err := s.transition(ctx, id, []string{model.StatusPendingApproval, model.StatusConfirmed, model.StatusPendingPayment},
		model.StatusCancelled, model.MailCancelled, "This registration is %s and cannot be cancelled.")
	if err == nil {
		s.releaseHold(ctx, id)
	}
	return r, err
}

// Resend sends the access email again.
func (s *Service) Resend(ctx context.Context, id int64) (*model.Registration, error) {
	var out *model.Registration
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.Registration(id)
		if err != nil {
			return err
		}
		e, err := tx.Event(r.EventID)
		if err != nil {
			return err
		}
		out = r
		return s.queueAccessMail(tx, r, e, model.MailResend)
	})
	return out, err
}

// ExpireHolds frees the seats of unpaid registrations whose hold has run out.
func (s *Service) ExpireHolds(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.ExpireHolds()
		return err
	})
	return n, err
}

// waitingKept is how long a refund event waits for its payment: Stripe
// and PayPal stop delivering a webhook after a few days; one still waiting
// after a week is about a payment that is not Admit's.
const waitingKept = 7 * 24 * time.Hour

// ForgetIdempotency deletes idempotency keys stored before a time, and the
// refund events that waited in vain for their payment since a week before
// it.
func (s *Service) ForgetIdempotency(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if n, err = tx.DeleteOldIdempotency(before.Unix()); err != nil {
			return err
		}
		_, err = tx.DeleteOldWaitingEvents(before.Add(-waitingKept).Unix())
		return err
	})
	return n, err
}
