package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/store"
)

const (
	refundAttempts = 10
	refundBackoff  = time.Minute
)

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
	f := &model.Refund{RegistrationID: r.ID, Provider: r.Provider, PaymentID: r.PaymentID, Amount: amount, Currency: r.MoneyCurrency(),
		IdempotencyKey: fmt.Sprintf("refund-%d-%d", r.ID, n+1), Reason: reason, Status: model.RefundQueued, Method: model.RefundByProvider}
	if s.refundsByHand(r.Provider) {
		// Owed by the organizer, never asked of the provider (manual.go).
		f.Method = model.RefundManual
	}
	if err := tx.InsertRefund(f); err != nil {
		return 0, err
	}
	return f.ID, nil
}

// RefundRegistration refunds part (amount) or, with amount nil, all of what
// is left of a payment, through the provider. A full refund revokes access.
// A refund the provider refuses is answered with its reason (and is not
// tried again); Admit then asks the provider what is left, so that the
// next attempt asks for the right amount. While an earlier refund is still
// on its way (the provider could not be reached), nothing more is asked:
// what is left is not certain until it is through.
func (s *Service) RefundRegistration(ctx context.Context, id int64, amount *int64) (*model.Registration, error) {
	refunds, err := s.store.Refunds(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, f := range refunds {
		if f.OnItsWay() {
			_ = s.sendRefund(ctx, f.ID) // its outcome is recorded; its refusal is not this request's
		}
	}
	var refundID int64
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.Registration(id)
		if err != nil {
			return err
		}
		if r.AmountPaid == 0 {
			return model.Fail(model.ErrConflict, "This registration has not paid anything: there is nothing to refund.")
		}
		l, err := loadLedger(tx, r.ID)
		if err != nil {
			return err
		}
		if l.queued > 0 {
			return model.Fail(model.ErrConflict, fmt.Sprintf("A refund of %s is still on its way to %s, which could not be reached; it is retried automatically. Refund more once it is through.",
				pricing.FormatMoney(l.queued, r.MoneyCurrency(), "en"), s.providerTitle(r.Provider)))
		}
		a := int64(0)
		if amount != nil {
			a = *amount
		} else {
			a = l.left(r)
			if a <= 0 && l.owed > 0 {
				return model.Fail(model.ErrConflict, fmt.Sprintf("Everything paid is already refunded or owed back by hand (%s): give it back by your own means, then mark it refunded.",
					pricing.FormatMoney(l.owed, r.MoneyCurrency(), "en")))
			}
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
	return s.Registration(ctx, id)
}

// sendRefund sends one queued refund to its provider and records the
// outcome. A provider that cannot be reached leaves it queued for the
// refunds job. One that refuses it (or does not know the payment) ends it
// at once, with the reason: it is never sent again. Either way, once it is
// through Admit asks the provider what the payment holds and records it.
// A refusal is returned as a conflict whose message says why and what is
// left.
func (s *Service) sendRefund(ctx context.Context, id int64) error {
	f, err := s.store.Refund(ctx, id) // a read: the writer only records the outcome
	if err != nil {
		return err
	}
	if !f.OnItsWay() {
		return nil // done, ended, or owed by the organizer by hand
	}
	p, ok := s.provider(f.Provider)
	var res payment.Refund
	if !ok {
		err = fmt.Errorf("provider %s is not connected", f.Provider)
	} else {
		res, err = p.Refund(ctx, payment.RefundRequest{PaymentID: f.PaymentID, Amount: f.Amount, Currency: f.Currency,
			RegistrationID: f.RegistrationID, IdempotencyKey: f.IdempotencyKey})
	}
	if errors.Is(err, payment.ErrUnsupported) {
		// The provider cannot send money back (and its module did not say
		// so): the organizer owes it, and it is not tried again.
		return s.owedByHand(ctx, f, err)
	}
	refused := err != nil && (errors.Is(err, payment.ErrRefused) || errors.Is(err, payment.ErrNotFound))
	ended, done := refused, false
	werr := s.store.Write(ctx, func(tx *store.Tx) error {
		if err != nil {
			attempts := f.Attempts + 1
			s.log.ErrorContext(ctx, "refund failed", "refund", f.ID, "registration", f.RegistrationID, "attempt", attempts, "refused", refused, "err", err)
			if !refused && attempts < refundAttempts {
				next := tx.Now().Add(refundBackoff << min(attempts, 6))
				return tx.RefundRetry(f.ID, attempts, next.Unix(), err.Error())
			}
			ended = true
			if err := tx.RefundFailed(f.ID, attempts, err.Error()); err != nil {
				return err
			}
			r, rerr := tx.Registration(f.RegistrationID)
			if rerr != nil {
				return rerr
			}
			return s.settle(tx, r) // what it held back is free again
		}
		changed, err := tx.RefundDone(f.ID, res.ID)
		if err != nil || !changed {
			return err
		}
		done = true
		r, err := tx.Registration(f.RegistrationID)
		if err != nil {
			return err
		}
		if err := s.settle(tx, r); err != nil {
			return err
		}
		if f.Reason == "late_payment" || f.Reason == "payment_mismatch" {
			return nil // the buyer was told when the refund was decided
		}
		e, err := tx.Event(r.EventID)
		if err != nil {
			return err
		}
		return s.queueMail(tx, r, e, model.MailRefunded, map[string]any{"amount": f.Amount, "currency": f.Currency})
	})
	if werr == nil {
		s.metrics.Refund(f.Provider, refundOutcome(err == nil, ended))
	}
	if werr != nil || !(ended || done) {
		return werr
	}
	left := s.askProvider(ctx, p, f, ended)
	if !refused {
		return nil
	}
	msg := fmt.Sprintf("%s refused the refund of %s: %s.", s.providerTitle(f.Provider), pricing.FormatMoney(f.Amount, f.Currency, "en"), strings.TrimSuffix(err.Error(), "."))
	if left != "" {
		msg += " " + left
	}
	return &model.Problem{Err: model.ErrConflict, Code: "refund_refused", Message: msg}
}

// refundOutcome names what became of a refund sent to its provider, for
// /metrics.
func refundOutcome(sent, ended bool) string {
	switch {
	case sent:
		return "succeeded"
	case ended:
		return "failed"
	}
	return "retry"
}

// askProvider asks the provider what a payment holds now, once one of its
// refunds went through or ended (final), records it, and says it in a
// sentence for the organizer ("" when the provider cannot say).
func (s *Service) askProvider(ctx context.Context, p payment.Provider, f *model.Refund, final bool) string {
	if p == nil {
		return ""
	}
	r, err := s.store.Registration(ctx, f.RegistrationID)
	if err != nil {
		return ""
	}
	st, err := payment.LookupPayment(ctx, p, r.CheckoutID, f.PaymentID)
	if errors.Is(err, payment.ErrUnsupported) {
		return ""
	}
	if err != nil {
		s.log.ErrorContext(ctx, "asking the provider about a payment", "registration", r.ID, "provider", f.Provider, "err", err)
		return ""
	}
	var left int64
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Registration(f.RegistrationID)
		if err != nil {
			return err
		}
		if err := s.syncPayment(tx, cur, st, final); err != nil {
			return err
		}
		left, _, err = refundable(tx, cur)
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "recording what the provider holds", "registration", r.ID, "err", err)
		return ""
	}
	return fmt.Sprintf("%s reports %s refunded in all; %s can still be refunded.", s.providerTitle(f.Provider),
		pricing.FormatMoney(st.Refunded, f.Currency, "en"), pricing.FormatMoney(left, f.Currency, "en"))
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
// after they opened, and for an hour after their hold ran out or their
// registration was cancelled (a payment can still land then, and is
// refunded), so that a lost webhook never leaves a payer without a ticket
// or money taken for nothing. The checkout of a registration or event
// cancelled meanwhile is only looked at (payment.Inspect), never completed.
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
