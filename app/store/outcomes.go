package store

import (
	"sync/atomic"
)

// Registration outcomes. Every write that gives a registration a status
// (creating it, or moving it: payment, approval, rejection, a bank
// transfer marked paid, expiry, cancellation, refund, whichever path of
// the domain made it) notes the status reached on its transaction; once
// the batch holding the write has committed, the function set with
// OnOutcome is called for each, before the write returns. A write rolled
// back counts nothing, and the count is in one place for every path.

// OutcomeObserver is told each status a registration reached.
type OutcomeObserver func(status string)

type outcomeObserver struct {
	fn atomic.Pointer[OutcomeObserver]
}

// OnOutcome sets the function told each status a committed write gave a
// registration (nil: none).
func (s *Store) OnOutcome(fn OutcomeObserver) {
	if fn == nil {
		s.outcomes.fn.Store(nil)
		return
	}
	s.outcomes.fn.Store(&fn)
}

// reached notes that the write gives n registrations a status.
func (t *Tx) reached(status string, n int64) {
	for ; n > 0; n-- {
		t.statuses = append(t.statuses, status)
	}
}

// moveStatus notes status for registration id, unless it had it already:
// call before the update that sets it. It reports whether the status moves.
func (t *Tx) moveStatus(id int64, status string) (bool, error) {
	var was string
	if err := t.queryRow("registration-status", id).Scan(&was); err != nil {
		return false, notFound(err)
	}
	if was == status {
		return false, nil
	}
	t.reached(status, 1)
	return true, nil
}

// tellOutcomes hands a committed write's statuses to the observer.
func (s *Store) tellOutcomes(t *Tx) {
	if t == nil || len(t.statuses) == 0 {
		return
	}
	if fn := s.outcomes.fn.Load(); fn != nil {
		for _, st := range t.statuses {
			(*fn)(st)
		}
	}
}
