// Idempotency of registrations: the Idempotency-Key types, which refusals are kept for a retry, and forgetting old keys.

package ticketing

import (
	"context"
	"errors"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Answer turns the outcome of a registration into the HTTP answer that an
// Idempotency-Key replays; it runs inside the transaction so the stored
// answer and the registration commit together.
type Answer func(res *RegisterResult, err error) (status int, body []byte)

// Idempotency identifies a retried request.
type Idempotency struct {
	Key         string
	RequestHash []byte
	Answer      Answer
}

// Replayed is returned when an Idempotency-Key was seen before: Status and
// Body are the first answer.
type Replayed struct {
	Status int
	Body   []byte
}

func (r *Replayed) Error() string { return "replayed answer" }

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
