// Idempotency of registrations: the Idempotency-Key types, which refusals are kept for a retry, and forgetting old keys.

package ticketing

import (
	"context"
	"errors"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Record turns the outcome of a registration into what its
// Idempotency-Key keeps for a retry. The bytes are the caller's: the
// domain stores them with the key, in the transaction that decides the
// registration (so neither commits without the other), and hands them
// back unread in Replayed.
type Record func(res *RegisterResult, err error) []byte

// Idempotency identifies a retried request: its key, the hash of what it
// asks, and how its outcome is recorded.
type Idempotency struct {
	Key         string
	RequestHash []byte
	Record      Record
}

// Replayed is returned when an Idempotency-Key was answered before:
// Outcome is what Record made of the first request's outcome.
type Replayed struct {
	Outcome []byte
}

func (r *Replayed) Error() string { return "replayed answer" }

// recorded is rec's record of an outcome, never nil (nil keeps a claim).
func (idem *Idempotency) recorded(res *RegisterResult, err error) []byte {
	if b := idem.Record(res, err); b != nil {
		return b
	}
	return []byte{}
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
