package ticketing

import (
	"context"
	"errors"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Preview is what a change would do before it is made: the mails it would
// queue and the refunds it would send. It is found by making the change in
// a transaction that is then rolled back, so it is exactly what the change
// itself does, through the same code.
type Preview struct {
	// Event is the event as the change would leave it.
	Event   *model.Event
	Mails   []model.OutboxMail
	Refunds []*model.Refund
}

// errDryRun rolls a preview's transaction back.
var errDryRun = errors.New("ticketing: dry run")

// dryRun runs change in a transaction that is rolled back, and reports the
// mails and refunds it queued. change's own errors (validation, conflicts)
// are returned as they are.
func (s *Service) dryRun(ctx context.Context, change func(tx *store.Tx) (*eventChange, error)) (*Preview, error) {
	p := &Preview{}
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		marks, err := tx.Marks()
		if err != nil {
			return err
		}
		c, err := change(tx)
		if err != nil {
			return err
		}
		p.Event = c.event
		if p.Mails, err = tx.MailsSince(marks); err != nil {
			return err
		}
		if p.Refunds, err = tx.RefundsSince(marks); err != nil {
			return err
		}
		return errDryRun
	})
	if errors.Is(err, errDryRun) {
		return p, nil
	}
	return nil, err
}

// PreviewUpdateEvent is what UpdateEvent(ctx, id, in) would do, without
// doing it: whom moved or removed sessions would notify, with which mail,
// and which refunds removed sessions would send. Invalid input gets the
// same errors as UpdateEvent.
func (s *Service) PreviewUpdateEvent(ctx context.Context, id int64, in EventInput) (*Preview, error) {
	return s.dryRun(ctx, func(tx *store.Tx) (*eventChange, error) { return s.updateEvent(tx, id, in) })
}

// PreviewCancelEvent is what CancelEvent would do, without doing it.
func (s *Service) PreviewCancelEvent(ctx context.Context, id int64, message string, refund bool) (*Preview, error) {
	if err := checkCancelMessage(message); err != nil {
		return nil, err
	}
	return s.dryRun(ctx, func(tx *store.Tx) (*eventChange, error) { return s.cancelEvent(tx, id, message, refund) })
}
