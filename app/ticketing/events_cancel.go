// Cancelling an event: every registrant told, refunded on request.

package ticketing

import (
	"context"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// CancelEvent cancels an event and tells every registrant, with the
// organizer's message. Registration then answers 410.
// With refund, every payment is refunded in full through its provider.
func (s *Service) CancelEvent(ctx context.Context, id int64, message string, refund bool) (*model.Event, error) {
	if err := checkCancelMessage(message); err != nil {
		return nil, err
	}
	var c *eventChange
	err := s.store.Write(ctx, func(tx *store.Tx) (err error) {
		c, err = s.cancelEvent(tx, id, message, refund)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.afterChange(ctx, c), nil
}

// checkCancelMessage checks the organizer's message to the registrants of
// a cancelled event.
func checkCancelMessage(message string) error {
	f := fields{}
	checkText(f, "message", message, maxCancelNote)
	if len(f) > 0 {
		return model.Invalid(f)
	}
	return nil
}

// cancelEvent is CancelEvent's transaction.
func (s *Service) cancelEvent(tx *store.Tx, id int64, message string, refund bool) (*eventChange, error) {
	e, err := tx.Event(id)
	if err != nil {
		return nil, err
	}
	c := &eventChange{}
	if refund {
		// Also on a second call: refunds the first one did not ask for.
		paid, err := tx.PaidRegistrations(id)
		if err != nil {
			return nil, err
		}
		for _, r := range paid {
			left, _, err := refundable(tx, r)
			if err != nil {
				return nil, err
			}
			if left > 0 {
				rid, err := s.queueRefund(tx, r, left, "event_cancelled")
				if err != nil {
					return nil, err
				}
				c.refunds = append(c.refunds, rid)
			}
		}
	}
	changed, err := tx.CancelEvent(id, message)
	if err != nil {
		return nil, err
	}
	if changed {
		regs, err := tx.RegistrationsToNotify(id, 0)
		if err != nil {
			return nil, err
		}
		for _, r := range regs {
			if r.Status == model.StatusPendingPayment {
				c.open = append(c.open, r)
			}
			if r.Status == model.StatusPendingApproval {
				c.held = append(c.held, r.ID)
			}
			if r.Status != model.StatusCancelled {
				if _, err := tx.SetRegistrationStatus(r.ID, r.Status, model.StatusCancelled); err != nil {
					return nil, err
				}
			}
			if err := s.queueMail(tx, r, e, model.MailEventCancel, map[string]any{"message": message}); err != nil {
				return nil, err
			}
		}
	}
	c.event, err = tx.Event(id)
	return c, err
}
