package ticketing

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// JoinEarly is how long before a session its room opens.
const JoinEarly = 15 * time.Minute

// Access is what an access token opens.
type Access struct {
	Registration *model.Registration
	Event        *model.Event
	// Sessions are the ones this registration may attend.
	Sessions []model.Session
	// SessionRemoved: the registration is for a session of a series
	// registered per session that the organizer removed.
	SessionRemoved bool
}

func newAccess(r *model.Registration, e *model.Event) *Access {
	a := &Access{Registration: r, Event: e, Sessions: attendable(r, e)}
	a.SessionRemoved = e.PerSession() && r.SessionID != nil && len(a.Sessions) == 0
	return a
}

// validTokenShape rejects anything that cannot be a token before touching
// the database.
func validTokenShape(token string) bool {
	if len(token) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil
}

// Access finds the registration of an access token; an unknown token is
// model.ErrNotFound. The registration holds what the organizer owes it
// back by hand and, on an event with manual approval (or while it still
// awaits a decision taken under it), its payment's authorization, when
// there was one.
func (s *Service) Access(ctx context.Context, token string) (*Access, error) {
	a, err := s.accessBy(ctx, token, s.store.RegistrationByToken, s.store.Event)
	if err != nil {
		return nil, err
	}
	// What cancelling gives back is what is not owed by hand already; the
	// page and the API say whether its payment is held, not charged, and
	// what became of the hold. An organizer who switched approval off
	// leaves a registration awaiting approval with its hold.
	held := a.Event.ApprovalRequired || a.Registration.Status == model.StatusPendingApproval
	if err := s.withPaymentState(ctx, a.Registration, held); err != nil {
		return nil, err
	}
	return a, nil
}

// JoinAccess is Access for the join link: the registration holds only what
// the join is decided with (ID, EventID, SessionID, Status; see
// store.RegistrationForJoin). Enough for DenyReason, Join and Attend; a page
// that shows more reads Access. Its event is the event cache's own
// (store.EventView): nothing may change it.
func (s *Service) JoinAccess(ctx context.Context, token string) (*Access, error) {
	return s.accessBy(ctx, token, s.store.RegistrationForJoin, s.store.EventView)
}

// accessBy reads the registration of token with reg, and its event with
// event.
func (s *Service) accessBy(ctx context.Context, token string, reg func(context.Context, []byte) (*model.Registration, error), event func(context.Context, int64) (*model.Event, error)) (*Access, error) {
	if !validTokenShape(token) {
		return nil, model.ErrNotFound
	}
	r, err := reg(ctx, HashToken(token))
	if err != nil {
		return nil, err
	}
	e, err := event(ctx, r.EventID)
	if err != nil {
		return nil, err
	}
	return newAccess(r, e), nil
}

// attendable are the sessions a registration is for: every session of the
// event, or in a series registered per session the one it chose (none when
// that session was removed).
func attendable(r *model.Registration, e *model.Event) []model.Session {
	if !e.PerSession() {
		return e.Sessions
	}
	if r.SessionID == nil {
		return []model.Session{}
	}
	for _, ss := range e.Sessions {
		if ss.ID == *r.SessionID {
			return []model.Session{ss}
		}
	}
	return []model.Session{}
}

// DenyReason says why a registration may not join ("" when it may):
// cancelled, rejected, refunded, pending_payment, pending_approval, expired,
// event_cancelled.
func (a *Access) DenyReason() string {
	if a.Event.Status == model.EventCancelled {
		return "event_cancelled"
	}
	if a.Registration.MayAttend() {
		return ""
	}
	return a.Registration.Status
}

// Join is the outcome of following the join link.
type Join struct {
	// URL is the room to send the registrant to, when a session is open.
	URL string
	// Open is the session that is open now.
	Open *model.Session
	// Next is the next session that has not ended, when none is open.
	Next *model.Session
	// NoRoom is true when a session is open but the organizer has set no
	// room link.
	NoRoom bool
}

// Join decides where the join link leads at time now: the room of the
// session open now (from JoinEarly before its start to its end), or when the
// next one opens.
func (a *Access) Join(now time.Time) Join {
	var j Join
	for i := range a.Sessions {
		ss := &a.Sessions[i]
		if now.Before(ss.EndsAt()) && !now.Before(ss.StartsAt.Add(-JoinEarly)) {
			j.Open = ss
			j.URL = ss.JoinURL
			if j.URL == "" {
				j.URL = a.Event.JoinURL
			}
			j.NoRoom = j.URL == ""
			return j
		}
		if now.Before(ss.StartsAt) && j.Next == nil {
			j.Next = ss
		}
	}
	return j
}

// JoinOpen reports whether a session is open for joining now.
func (a *Access) JoinOpen(now time.Time) bool {
	return a.DenyReason() == "" && a.Join(now).Open != nil
}

// CancelByRegistrant cancels the registration of a token; the seat frees.
// Cancelling twice is harmless.
func (s *Service) CancelByRegistrant(ctx context.Context, token string) (*Access, error) {
	if !validTokenShape(token) {
		return nil, model.ErrNotFound
	}
	var refundID, regID int64
	var open []*model.Registration // cancelled while its checkout was open
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.RegistrationByToken(HashToken(token))
		if err != nil {
			return err
		}
		regID = r.ID
		switch r.Status {
		case model.StatusCancelled, model.StatusRefunded:
			// Cancelling twice is harmless: a registration cancelled with
			// its refund is refunded by now, and holds no seat either way.
			return nil
		case model.StatusConfirmed, model.StatusPendingApproval, model.StatusPendingPayment:
		default:
			return &model.Problem{Err: model.ErrConflict, Message: "This registration is " + r.Status + " and cannot be cancelled.", Detail: "not_cancellable"}
		}
		e, err := tx.Event(r.EventID)
		if err != nil {
			return err
		}
		if _, err := tx.SetRegistrationStatus(r.ID, r.Status, model.StatusCancelled); err != nil {
			return err
		}
		if r.Status == model.StatusPendingPayment {
			open = append(open, r)
		}
		r.Status = model.StatusCancelled
		if newAccess(r, e).RefundsOnCancel(tx.Now()) {
			left, _, err := refundable(tx, r)
			if err != nil {
				return err
			}
			if left > 0 {
				if refundID, err = s.queueRefund(tx, r, left, "registrant_cancelled"); err != nil {
					return err
				}
			}
		}
		return s.queueMail(tx, r, e, model.MailCancelled, nil)
	})
	if err != nil {
		return nil, err
	}
	s.closeCheckouts(ctx, open)
	s.releaseHold(ctx, regID)
	if refundID != 0 {
		_ = s.sendRefund(ctx, refundID) // on failure the refunds job retries
	}
	return s.Access(ctx, token)
}

// RefundsOnCancel reports whether the registrant, cancelling now, is
// refunded in full automatically: the event's cancel_refund_hours before
// the first session the registration is for (in a series registered per
// session, its own), or at any time for an on-demand video.
func (a *Access) RefundsOnCancel(now time.Time) bool {
	if a.Event.CancelRefundHours == nil {
		return false
	}
	if len(a.Event.Sessions) == 0 {
		return true
	}
	if len(a.Sessions) == 0 {
		return false // its session was removed, and refunded with it
	}
	return !now.Add(time.Duration(*a.Event.CancelRefundHours) * time.Hour).After(a.Sessions[0].StartsAt)
}
