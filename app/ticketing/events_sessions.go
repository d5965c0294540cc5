// Session changes of an event: the new list written, registrants of moved or removed sessions told, refunded when their seat went.

package ticketing

import (
	"fmt"
	"slices"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// syncSessions writes the new session list and notifies the registrants of
// every session that moved or was removed. The registrants of removed
// sessions it cancels go into c: their refunds to send once committed, the
// checkouts to close and the held payments to release.
func (s *Service) syncSessions(tx *store.Tx, before, after *model.Event, c *eventChange) error {
	old := map[int64]model.Session{}
	for _, ss := range before.Sessions {
		old[ss.ID] = ss
	}
	kept := map[int64]bool{}
	var changed []model.Session // as they were, for the message
	var removed []model.Session
	for i := range after.Sessions {
		ss := &after.Sessions[i]
		if ss.ID == 0 {
			if err := tx.InsertSession(after.ID, ss); err != nil {
				return err
			}
			continue
		}
		prev := old[ss.ID]
		kept[ss.ID] = true
		ss.EventID = after.ID
		if err := tx.UpdateSession(ss); err != nil {
			return err
		}
		if !prev.StartsAt.Equal(ss.StartsAt) || prev.DurationMinutes != ss.DurationMinutes {
			changed = append(changed, prev)
		}
	}
	for _, ss := range before.Sessions {
		if !kept[ss.ID] {
			removed = append(removed, ss)
		}
	}
	notified := map[int64]bool{}
	notify := func(ss model.Session, what string) error {
		sid := int64(0)
		if after.PerSession() {
			sid = ss.ID
		}
		regs, err := tx.RegistrationsToNotify(after.ID, sid)
		if err != nil {
			return err
		}
		for _, r := range regs {
			if notified[r.ID] {
				continue
			}
			notified[r.ID] = true
			if err := s.queueMail(tx, r, after, model.MailEventChanged, map[string]any{"change": what}); err != nil {
				return err
			}
		}
		return nil
	}
	for _, ss := range removed {
		if after.PerSession() {
			// The seat of a removed session is gone with it.
			if err := s.dropSessionRegistrations(tx, after, ss, notified, c); err != nil {
				return err
			}
		}
		if err := notify(ss, "removed"); err != nil {
			return err
		}
		if err := tx.RemoveSession(after.ID, ss.ID); err != nil {
			return err
		}
	}
	for _, ss := range changed {
		if err := notify(ss, "moved"); err != nil {
			return err
		}
	}
	return nil
}

// dropSessionRegistrations cancels the registrations of a removed session of
// a series registered per session, refunds in full what they paid (as for a
// cancelled event), releases what is held for those awaiting approval, and
// tells them; what to do once committed goes into c. A session that has
// taken place keeps its registrants: it cannot be removed.
func (s *Service) dropSessionRegistrations(tx *store.Tx, e *model.Event, ss model.Session, done map[int64]bool, c *eventChange) error {
	regs, err := tx.RegistrationsToNotify(e.ID, ss.ID)
	if err != nil {
		return err
	}
	regs = slices.DeleteFunc(regs, func(r *model.Registration) bool { return r.SessionID == nil || *r.SessionID != ss.ID })
	if len(regs) > 0 && !tx.Now().Before(ss.StartsAt) {
		return model.Invalid(fields{"sessions": fmt.Sprintf("session %d has already taken place (it started at %s) and %d people registered for it: keep it in the list",
			ss.ID, ss.StartsAt.Format(time.RFC3339), len(regs))})
	}
	for _, r := range regs {
		done[r.ID] = true
		switch r.Status {
		case model.StatusPendingPayment:
			c.open = append(c.open, r)
		case model.StatusPendingApproval:
			c.held = append(c.held, r.ID)
		}
		if _, err := tx.SetRegistrationStatus(r.ID, r.Status, model.StatusCancelled); err != nil {
			return err
		}
		r.Status = model.StatusCancelled
		data := map[string]any{"session_starts_at": ss.StartsAt.Unix(), "session_minutes": ss.DurationMinutes}
		left, _, err := refundable(tx, r)
		if err != nil {
			return err
		}
		if left > 0 {
			rid, err := s.queueRefund(tx, r, left, "session_removed")
			if err != nil {
				return err
			}
			c.refunds = append(c.refunds, rid)
			data["amount"], data["currency"] = left, r.MoneyCurrency()
		}
		if err := s.queueMail(tx, r, e, model.MailSessionRemoved, data); err != nil {
			return err
		}
	}
	return nil
}
