package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/admit/admit/app/model"
)

// NotePaymentFee writes a payment's fee row with the payment: the fee when
// the provider's answer carried it (currency set), else a row due to be
// asked for at once. A fee already known for the same payment is kept.
func (t *Tx) NotePaymentFee(registrationID int64, provider, paymentID string, fee int64, currency string) error {
	var amount, next, recorded any
	if currency != "" {
		amount, recorded = fee, unix(t.now)
	} else {
		next = unix(t.now)
	}
	_, err := t.exec("note-payment-fee", registrationID, provider, paymentID, amount, currency, next, recorded)
	return err
}

// DuePaymentFees lists up to limit payments whose fee is to be asked for
// now, the longest due first.
func (s *Store) DuePaymentFees(ctx context.Context, now time.Time, limit int) ([]model.ProviderFee, error) {
	rows, err := s.read("due-payment-fees").QueryContext(ctx, unix(now), limit)
	return collect(rows, err, func(row scanner) (model.ProviderFee, error) {
		var f model.ProviderFee
		err := row.Scan(&f.RegistrationID, &f.Provider, &f.PaymentID, &f.CheckoutID, &f.Attempts)
		return f, err
	})
}

// SetPaymentFee records the fee the provider reported for a payment (still
// the registration's: a row replaced meanwhile is left alone).
func (t *Tx) SetPaymentFee(registrationID int64, paymentID string, fee int64, currency string) error {
	_, err := t.exec("set-payment-fee", fee, currency, unix(t.now), registrationID, paymentID)
	return err
}

// RetryPaymentFee records a failed attempt: asked again at next, or never
// (next nil).
func (t *Tx) RetryPaymentFee(registrationID int64, paymentID string, attempts int, next *time.Time, lastErr string) error {
	_, err := t.exec("payment-fee-retry", attempts, timeArg(next), lastErr, registrationID, paymentID)
	return err
}

// EventPaymentFees returns the fee rows of an event's payments, by
// registration.
func (s *Store) EventPaymentFees(ctx context.Context, eventID int64) (map[int64]model.ProviderFee, error) {
	rows, err := s.read("event-payment-fees").QueryContext(ctx, eventID)
	return collectMap(rows, err, func(row scanner) (int64, model.ProviderFee, error) {
		var f model.ProviderFee
		err := row.Scan(&f.RegistrationID, &f.Provider, &f.PaymentID, &f.Amount, &f.Currency, &f.Attempts, &f.LastError)
		return f.RegistrationID, f, err
	})
}

// RecordedPayments lists the payments recorded since a time (paid_at), with
// their provider fees, by registration.
func (s *Store) RecordedPayments(ctx context.Context, since time.Time) ([]model.RecordedPayment, error) {
	rows, err := s.read("recorded-payments").QueryContext(ctx, unix(since))
	return collect(rows, err, scanRecordedPayment)
}

func scanRecordedPayment(row scanner) (model.RecordedPayment, error) {
	var p model.RecordedPayment
	var fee sql.NullInt64
	var feeCurrency string
	if err := row.Scan(&p.RegistrationID, &p.Provider, &p.CheckoutID, &p.PaymentID, &p.Paid.Amount, &p.Paid.Currency,
		&p.Refunded, &fee, &feeCurrency); err != nil {
		return p, err
	}
	if fee.Valid && feeCurrency != "" {
		p.Fee = &model.Money{Amount: fee.Int64, Currency: feeCurrency}
	}
	return p, nil
}
