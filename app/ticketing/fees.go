package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
)

// Provider fees: what the provider kept of each payment. A payment's fee is
// written with the payment when the provider's answer carried it (PayPal's
// capture); otherwise LookUpFees asks the provider afterwards, so that no
// provider call ever runs inside ApplyPayment's transaction or slows a
// webhook.

const (
	// feeAttempts is how often a fee is asked for before Admit gives up
	// (about two days with the back-off below).
	feeAttempts = 16
	// feeFirstDelay doubles after each attempt, up to feeMaxDelay.
	feeFirstDelay = time.Minute
	feeMaxDelay   = 6 * time.Hour
	// feeBatch bounds the fees asked for in one run.
	feeBatch = 50
)

// notePaymentFee writes the fee row of the payment just recorded on r, in
// the same transaction: the fee when ev carries it, else a row for
// LookUpFees to fill in.
func notePaymentFee(tx *store.Tx, r *model.Registration, ev payment.Event) error {
	if ev.PaymentID == "" {
		return nil
	}
	fee, currency := ev.Fee, strings.ToUpper(ev.FeeCurrency)
	if fee < 0 || (currency != "" && len(currency) != 3) {
		fee, currency = 0, "" // not believable: asked for again
	}
	return tx.NotePaymentFee(r.ID, ev.Provider, ev.PaymentID, fee, currency)
}

// feeBackoff is the wait after the attempts-th attempt that did not get the
// fee (1 → 1 minute, 2 → 2 minutes, … up to 6 hours).
func feeBackoff(attempts int) time.Duration {
	d := feeFirstDelay
	for i := 1; i < attempts && d < feeMaxDelay; i++ {
		d *= 2
	}
	return min(d, feeMaxDelay)
}

// LookUpFees asks the providers for the fees of payments recorded without
// one (Stripe says its fee only in the charge's balance transaction), and
// records each; a fee not settled yet, or a provider that cannot be reached
// or is not connected, is asked again after a back-off, feeAttempts times
// at most. A provider that does not look payments up is not asked again.
func (s *Service) LookUpFees(ctx context.Context) error {
	due, err := s.store.DuePaymentFees(ctx, s.now(), feeBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range due {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.lookUpFee(ctx, f); err != nil {
			errs = append(errs, fmt.Errorf("fee of registration %d: %w", f.RegistrationID, err))
		}
	}
	return errors.Join(errs...)
}

// lookUpFee asks one payment's fee and records the answer, or the attempt.
// It returns an error only when the outcome cannot be recorded.
func (s *Service) lookUpFee(ctx context.Context, f model.ProviderFee) error {
	st, err := s.lookUpPayment(ctx, f.Provider, f.CheckoutID, f.PaymentID)
	if err == nil && st.FeeCurrency == "" {
		err = errors.New("the provider has not settled the fee yet")
	}
	if err == nil && st.Fee < 0 {
		err = fmt.Errorf("the provider reports a negative fee (%d %s)", st.Fee, st.FeeCurrency)
	}
	if err == nil {
		return s.store.Write(ctx, func(tx *store.Tx) error {
			return tx.SetPaymentFee(f.RegistrationID, f.PaymentID, st.Fee, strings.ToUpper(st.FeeCurrency))
		})
	}
	attempts := f.Attempts + 1
	var next *time.Time
	switch {
	case errors.Is(err, payment.ErrUnsupported):
		err = errors.New("the provider does not report its fees")
	case errors.Is(err, payment.ErrNotFound) || attempts >= feeAttempts:
		// Not asked again: the provider does not know the payment, or
		// never told its fee.
	default:
		at := s.now().Add(feeBackoff(attempts))
		next = &at
	}
	if next == nil {
		s.log.WarnContext(ctx, "provider fee unknown: not asked again", "registration", f.RegistrationID, "provider", f.Provider, "payment", f.PaymentID, "attempts", attempts, "err", err)
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		return tx.RetryPaymentFee(f.RegistrationID, f.PaymentID, attempts, next, clip(err.Error(), 500))
	})
}

// Fees returns the provider fees of an event's payments, by registration.
func (s *Service) Fees(ctx context.Context, eventID int64) (map[int64]model.ProviderFee, error) {
	return s.store.EventPaymentFees(ctx, eventID)
}
