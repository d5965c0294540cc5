// Seat counting: free seats of an event, the capacity check when a seat is taken, unpaid holds.

package ticketing

import (
	"context"
	"fmt"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Seats is what is free on an event now; nil fields mean unlimited.
type Seats struct {
	// Left is the event's free seats; for a series registered per session,
	// the sum over the sessions that have not ended.
	Left *int64
	// Sessions are each session's free seats, for a series registered per
	// session.
	Sessions map[int64]int64
}

// SeatsLeft counts the free seats of an event, each count once.
func (s *Service) SeatsLeft(ctx context.Context, e *model.Event) (Seats, error) {
	if e.Capacity == nil {
		return Seats{}, nil
	}
	free := func(sessionID *int64) (int64, error) {
		n, err := s.store.CountSeats(ctx, e.ID, sessionID)
		return max(0, *e.Capacity-n), err
	}
	left := int64(0)
	if !e.PerSession() {
		n, err := free(nil)
		return Seats{Left: &n}, err
	}
	out := Seats{Left: &left, Sessions: map[int64]int64{}}
	now := s.now()
	for _, ss := range e.Sessions {
		sid := ss.ID
		n, err := free(&sid)
		if err != nil {
			return Seats{}, err
		}
		out.Sessions[sid] = n
		if ss.EndsAt().After(now) {
			left += n
		}
	}
	return out, nil
}

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
