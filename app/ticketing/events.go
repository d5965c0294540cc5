// Events: creating and changing one, and reading them.

package ticketing

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Providers Admit knows.

// CreateEvent validates and stores a new event.
func (s *Service) CreateEvent(ctx context.Context, in EventInput) (*model.Event, error) {
	e := &model.Event{
		Kind:               model.KindLive,
		SeriesRegistration: model.SeriesAll,
		Timezone:           "UTC",
		Status:             model.EventPublished,
		Providers:          []string{},
	}
	f := fields{}
	if in.Title == nil {
		f.add("title", "is required")
	}
	if in.Kind == nil {
		f.add("kind", "is required: live, series or on_demand")
	}
	if in.Sessions == nil && (in.Kind == nil || *in.Kind != model.KindOnDemand) {
		f.add("sessions", "is required: at least one session with starts_at and duration_minutes")
	}
	s.apply(f, e, in)
	if len(f) > 0 {
		return nil, model.Invalid(f)
	}
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		if err := s.assignSlug(tx, e, in.Slug != nil); err != nil {
			return err
		}
		if err := tx.InsertEvent(e); err != nil || in.OwnerID == 0 {
			return err
		}
		return tx.SetEventOwner(e.ID, in.OwnerID)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// UpdateEvent applies a PATCH. Sessions listed with an id are updated, ones
// without are added, ones missing are removed; registrants of a moved or
// removed session are told at once, and those of a series registered per
// session whose session is removed are cancelled and refunded in full.
func (s *Service) UpdateEvent(ctx context.Context, id int64, in EventInput) (*model.Event, error) {
	var c *eventChange
	err := s.store.Write(ctx, func(tx *store.Tx) (err error) {
		c, err = s.updateEvent(tx, id, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.afterChange(ctx, c), nil
}

// eventChange is what a change of an event did: the event as it is now, the
// refunds it queued (to send once committed) and the registrations it
// cancelled while their checkouts were open (to close).
type eventChange struct {
	event   *model.Event
	refunds []int64
	open    []*model.Registration
	// held are registrations cancelled while awaiting approval, whose
	// payment may be held (authorize.go).
	held []int64
}

// afterChange sends a committed change's refunds, closes its checkouts and
// releases its held payments.
func (s *Service) afterChange(ctx context.Context, c *eventChange) *model.Event {
	s.closeCheckouts(ctx, c.open)
	for _, id := range c.held {
		s.releaseHold(ctx, id)
	}
	for _, rid := range c.refunds {
		_ = s.sendRefund(ctx, rid) // on failure the refunds job retries
	}
	return c.event
}

// updateEvent is UpdateEvent's transaction.
func (s *Service) updateEvent(tx *store.Tx, id int64, in EventInput) (*eventChange, error) {
	e, err := tx.Event(id)
	if err != nil {
		return nil, err
	}
	if e.Status == model.EventCancelled {
		return nil, model.Fail(model.ErrClosed, "This event is cancelled and can no longer be changed.")
	}
	before := *e
	before.Sessions = slices.Clone(e.Sessions)
	f := fields{}
	s.apply(f, e, in)
	if len(f) == 0 && in.Price.Set && e.Price != nil {
		if err := inOtherCurrency(tx, f, e); err != nil {
			return nil, err
		}
	}
	if len(f) > 0 {
		return nil, model.Invalid(f)
	}
	if in.Slug != nil && *in.Slug != before.Slug {
		if err := s.assignSlug(tx, e, true); err != nil {
			return nil, err
		}
	}
	if err := tx.UpdateEvent(e); err != nil {
		return nil, err
	}
	c := &eventChange{}
	if in.Sessions != nil {
		if err := s.syncSessions(tx, &before, e, c); err != nil {
			return nil, err
		}
	}
	c.event, err = tx.Event(id)
	return c, err
}

// Events lists every event.
func (s *Service) Events(ctx context.Context) ([]*model.Event, error) { return s.store.Events(ctx) }

// Event reads one event.
func (s *Service) Event(ctx context.Context, id int64) (*model.Event, error) {
	return s.store.Event(ctx, id)
}

// PublicEvent reads a published (or cancelled) event by slug; drafts are
// not found.
func (s *Service) PublicEvent(ctx context.Context, slug string) (*model.Event, error) {
	e, err := s.store.EventBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if e.Status == model.EventDraft {
		return nil, model.ErrNotFound
	}
	return e, nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
