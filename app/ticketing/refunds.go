package ticketing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
)

const (
	refundAttempts = 10
	refundBackoff  = time.Minute
)

// refundable is what may still be refunded: paid, less what is refunded or
// on its way.
func refundable(tx *store.Tx, r *model.Registration) (int64, int, error) {
	refunds, err := tx.Refunds(r.ID)
	if err != nil {
		return 0, 0, err
	}
	var committed int64
	for _, f := range refunds {
		if f.Status != model.RefundFailed {
			committed += f.Amount
		}
	}
	return r.AmountPaid - max(committed, r.AmountRefunded), len(refunds), nil
}

// queueRefund queues a refund of amount with an idempotency key made of our
// ids; it is sent after the transaction commits (and retried by a job).
func (s *Service) queueRefund(tx *store.Tx, r *model.Registration, amount int64, reason string) (int64, error) {
	left, n, err := refundable(tx, r)
	if err != nil {
		return 0, err
	}
	if amount <= 0 || amount > left {
		return 0, model.Invalid(fields{"amount": fmt.Sprintf("must be between 1 and %d (paid %d, already refunded or refunding %d)", left, r.AmountPaid, r.AmountPaid-left)})
	}
	if r.PaymentID == "" || r.Provider == "" {
		return 0, model.Fail(model.ErrConflict, "This registration has no payment to refund.")
	}
	f := &model.Refund{RegistrationID: r.ID, Provider: r.Provider, PaymentID: r.PaymentID, Amount: amount, Currency: r.Currency,
		IdempotencyKey: fmt.Sprintf("refund-%d-%d", r.ID, n+1), Reason: reason, Status: model.RefundQueued}
	if err := tx.InsertRefund(f); err != nil {
		return 0, err
	}
	return f.ID, nil
}

// RefundRegistration refunds part (amount) or, with amount nil, all of what
// is left of a payment, through the provider. A full refund revokes access.
func (s *Service) RefundRegistration(ctx context.Context, id int64, amount *int64) (*model.Registration, error) {
	var refundID int64
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.Registration(id)
		if err != nil {
			return err
		}
		if r.AmountPaid == 0 {
			return model.Fail(model.ErrConflict, "This registration has not paid anything: there is nothing to refund.")
		}
		a := int64(0)
		if amount != nil {
			a = *amount
		} else {
			left, _, err := refundable(tx, r)
			if err != nil {
				return err
			}
			a = left
			if a <= 0 {
				return model.Fail(model.ErrConflict, "Everything paid has already been refunded.")
			}
		}
		refundID, err = s.queueRefund(tx, r, a, "organizer")
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.sendRefund(ctx, refundID); err != nil {
		return nil, err
	}
	return s.store.Registration(ctx, id)
}

// sendRefund sends one queued refund to its provider and records the
// outcome. A provider error leaves it queued for the refunds job.
func (s *Service) sendRefund(ctx context.Context, id int64) error {
	f, err := s.store.Refund(ctx, id) // a read: the writer only records the outcome
	if err != nil {
		return err
	}
	if f.Status != model.RefundQueued {
		return nil
	}
	p, ok := s.provider(f.Provider)
	var res payment.Refund
	if !ok {
		err = fmt.Errorf("provider %s is not connected", f.Provider)
	} else {
		res, err = p.Refund(ctx, payment.RefundRequest{PaymentID: f.PaymentID, Amount: f.Amount, Currency: f.Currency,
			RegistrationID: f.RegistrationID, IdempotencyKey: f.IdempotencyKey})
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		if err != nil {
			attempts := f.Attempts + 1
			s.log.Error("refund failed", "refund", f.ID, "registration", f.RegistrationID, "attempt", attempts, "err", err)
			if attempts >= refundAttempts || errors.Is(err, payment.ErrNotFound) {
				return tx.RefundFailed(f.ID, attempts, err.Error())
			}
			next := tx.Now().Add(refundBackoff << min(attempts, 6))
			return tx.RefundRetry(f.ID, attempts, next.Unix(), err.Error())
		}
		changed, err := tx.RefundDone(f.ID, res.ID)
		if err != nil || !changed {
			return err
		}
		r, err := tx.Registration(f.RegistrationID)
		if err != nil {
			return err
		}
		sum, err := doneRefunds(tx, r.ID)
		if err != nil {
			return err
		}
		if err := s.setRefundedTotal(tx, r, sum); err != nil {
			return err
		}
		if f.Reason == "late_payment" {
			return nil // the buyer was told when the refund was decided
		}
		e, err := tx.Event(r.EventID)
		if err != nil {
			return err
		}
		return s.queueMail(tx, r, e, model.MailRefunded, map[string]any{"amount": f.Amount, "currency": f.Currency})
	})
}

// SendDueRefunds sends the queued refunds whose time has come (the refunds
// job: nothing decided is ever left unpaid back).
func (s *Service) SendDueRefunds(ctx context.Context) error {
	due, err := s.store.DueRefunds(ctx, 50)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range due {
		if err := ctx.Err(); err != nil {
			return err
		}
		errs = append(errs, s.sendRefund(ctx, f.ID))
	}
	return errors.Join(errs...)
}

// Refunds lists a registration's refunds.
func (s *Service) Refunds(ctx context.Context, registrationID int64) ([]*model.Refund, error) {
	return s.store.Refunds(ctx, registrationID)
}

// Reconcile asks the providers about checkouts still unpaid a few minutes
// after they opened, and for an hour after their hold ran out (a payment can
// still land then), so that a lost webhook never leaves a payer without a
// ticket. The checkout of a registration or event cancelled meanwhile is
// only looked at (payment.Inspect), never completed.
func (s *Service) Reconcile(ctx context.Context) error {
	now := s.now()
	pending, err := s.store.PendingCheckouts(ctx, now.Add(-48*time.Hour).Unix(), now.Add(-3*time.Minute).Unix(), now.Add(-time.Hour).Unix(), 200)
	if err != nil {
		return err
	}
	var errs []error
	events := map[int64]*model.Event{}
	for _, r := range pending {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, ok := s.provider(r.Provider)
		if !ok {
			continue
		}
		e, ok := events[r.EventID]
		if !ok {
			if e, err = s.store.Event(ctx, r.EventID); err != nil {
				errs = append(errs, fmt.Errorf("reconcile registration %d: %w", r.ID, err))
				continue
			}
			events[r.EventID] = e
		}
		status := p.Status
		if !chargeable(r, e) {
			// Cancelled meanwhile: an approved PayPal order is not captured.
			status = func(ctx context.Context, id string) (payment.Event, error) { return payment.Inspect(ctx, p, id) }
		}
		ev, err := status(ctx, r.CheckoutID)
		if errors.Is(err, payment.ErrDeclined) && checkoutOf(ev, r) {
			// The means of payment the buyer approved was refused, and the
			// return page never showed it (it records each refusal it
			// shows, under this same event id): the buyer left believing
			// they paid. Their payment failed.
			ev.Kind, err = payment.Failed, nil
		}
		if errors.Is(err, payment.ErrNotFound) {
			// The provider dropped the checkout (PayPal forgets unapproved
			// orders): it can no longer be paid.
			ev, err = payment.Event{ID: "status:" + r.CheckoutID + ":gone", Provider: r.Provider, Kind: payment.Expired,
				CheckoutID: r.CheckoutID, RegistrationID: r.ID}, nil
		}
		if err != nil {
			if !errors.Is(err, payment.ErrNotApproved) {
				errs = append(errs, fmt.Errorf("reconcile registration %d: %w", r.ID, err))
			}
			continue
		}
		if ev.Kind == payment.Pending {
			continue
		}
		if ev.RegistrationID == 0 {
			ev.RegistrationID = r.ID
		}
		if _, err := s.ApplyPayment(ctx, ev); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
