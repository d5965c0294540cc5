package ticketing

import (
	"context"
	"fmt"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Refunds by hand. A provider that cannot send money back (its module
// declares ManualRefunds, as a bank transfer does; or its Refund answers
// payment.ErrUnsupported) is never asked for a refund: one decided for its
// payment (a cancellation, a rejection, the organizer's refund) is recorded
// as owed by the organizer (method manual, still queued), counted out of
// what can still be refunded, and neither sent nor retried. The organizer
// gives the money back by their own means and marks it refunded
// (MarkRefunded), which records it as done and tells the registrant.

// refundsByHand: the provider called name declares it cannot refund.
func (s *Service) refundsByHand(name string) bool {
	m, ok := s.modules.Get(name)
	return ok && m.ManualRefunds
}

// owedByHand records that f's provider answered it cannot refund: the
// organizer owes it.
func (s *Service) owedByHand(ctx context.Context, f *model.Refund, cause error) error {
	s.log.WarnContext(ctx, "refund owed by hand: the provider cannot make it", "refund", f.ID, "registration", f.RegistrationID,
		"provider", f.Provider, "err", cause)
	return s.store.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.RefundManual(f.ID, cause.Error())
		return err
	})
}

// MarkRefunded records that the organizer gave back by hand everything a
// registration's manual refunds owe: they are done, the registration's
// refunded total and status follow (a full refund revokes access), and the
// registrant is told. Nothing owed answers a conflict.
func (s *Service) MarkRefunded(ctx context.Context, id int64) (*model.Registration, error) {
	var total int64
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.Registration(id)
		if err != nil {
			return err
		}
		refunds, err := tx.Refunds(id)
		if err != nil {
			return err
		}
		currency := r.MoneyCurrency()
		for _, f := range refunds {
			if !f.Owed() {
				continue
			}
			ok, err := tx.RefundDone(f.ID, "")
			if err != nil {
				return err
			}
			if ok {
				total += f.Amount
				currency = f.Currency
			}
		}
		if total == 0 {
			return &model.Problem{Err: model.ErrConflict, Code: "nothing_owed",
				Message: fmt.Sprintf("Registration %d owes no refund by hand: nothing was recorded.", id)}
		}
		if err := s.settle(tx, r); err != nil {
			return err
		}
		e, err := tx.EventOnly(r.EventID)
		if err != nil {
			return err
		}
		return s.queueMail(tx, r, e, model.MailRefunded, map[string]any{"amount": total, "currency": currency, "offline": true})
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "refund made by hand recorded", "registration", id, "amount", total)
	return s.Registration(ctx, id)
}

// withPaymentState reads into r what its JSON shows of its payment beside
// its row: what the organizer owes back by hand (nothing to read when r
// paid nothing) and, with held, its payment's authorization (see
// withHold). Access and Registration read it outside a transaction,
// hookData (paymentStateTx) inside one.
func (s *Service) withPaymentState(ctx context.Context, r *model.Registration, held bool) error {
	return s.paymentState(r, held, func(id int64) (int64, error) { return s.store.OwedRefund(ctx, id) },
		func(id int64) (*model.Authorization, error) { return s.store.Authorization(ctx, id) })
}

// paymentStateTx is withPaymentState, with the authorization, in tx.
func (s *Service) paymentStateTx(tx *store.Tx, r *model.Registration) error {
	return s.paymentState(r, true, tx.OwedRefund, tx.Authorization)
}

func (s *Service) paymentState(r *model.Registration, held bool, owed func(int64) (int64, error),
	hold func(int64) (*model.Authorization, error)) error {
	if r.AmountPaid > 0 {
		var err error
		if r.RefundOwed, err = owed(r.ID); err != nil {
			return err
		}
	}
	if !held {
		return nil
	}
	a, err := hold(r.ID)
	return s.withHold(r, a, err)
}
