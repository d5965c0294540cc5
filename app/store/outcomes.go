package store

import (
	"slices"
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

// registrationState is what a registration's status change checks: its
// status and the amount refunded.
type registrationState struct {
	status   string
	refunded int64
}

// moveStatus runs the update q, which gives registration id the status to
// provided it is still in the state the caller read (was): q's arguments
// are args, then id, the status and the amount refunded it checks. The
// caller read the registration in this transaction, so the update is
// normally all a status change costs; when the caller's copy is out of
// date, the state is read and the update made again with it. The status
// reached is noted when it differs from the one the registration had;
// moveStatus returns that state.
func (t *Tx) moveStatus(q string, id int64, was registrationState, to string, args ...any) (registrationState, error) {
	run := func(st registrationState) (int64, error) {
		res, err := t.exec(q, append(slices.Clip(args), id, st.status, st.refunded)...)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	cur := was
	n, err := run(was)
	if err != nil {
		return cur, err
	}
	if n == 0 { // the caller's copy is out of date
		if err := t.queryRow("registration-state", id).Scan(&cur.status, &cur.refunded); err != nil {
			return cur, notFound(err)
		}
		if _, err := run(cur); err != nil {
			return cur, err
		}
	}
	if cur.status != to {
		t.reached(to, 1)
	}
	return cur, nil
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
