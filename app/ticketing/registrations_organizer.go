// Registrations as the organizer handles them: adding someone, listing, and the transitions confirm, reject, cancel and resend.

package ticketing

import (
	"context"
	"fmt"
	"strings"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

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
	owed, err := s.store.OwedRefunds(ctx, eventID)
	if err != nil {
		return nil, err
	}
	for _, r := range regs {
		r.Authorization, r.RefundOwed = s.withDecideBy(holds[r.ID]), owed[r.ID]
	}
	return regs, nil
}

// Registration reads one registration, with its held payment and what is
// owed back by hand.
func (s *Service) Registration(ctx context.Context, id int64) (*model.Registration, error) {
	r, err := s.store.Registration(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.withPaymentState(ctx, r, true); err != nil {
		return nil, err
	}
	return r, nil
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
		return s.Registration(ctx, id)
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
