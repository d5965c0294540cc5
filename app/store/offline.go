package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/admit/admit/app/model"
)

// InsertOfflinePayment records the reference a registration pays with
// outside any checkout page and the end of its term; its seat is then held
// until due (the checkout hold is cleared). A second call changes nothing.
func (t *Tx) InsertOfflinePayment(registrationID int64, provider, reference string, due time.Time) error {
	if _, err := t.exec("insert-offline-payment", registrationID, provider, reference, unix(due), unix(t.now)); err != nil {
		return err
	}
	_, err := t.exec("clear-hold", unix(t.now), registrationID)
	return err
}

func scanOffline(row scanner) (*model.OfflinePayment, error) {
	var o model.OfflinePayment
	var due int64
	var released sql.NullInt64
	if err := row.Scan(&o.RegistrationID, &o.Provider, &o.Reference, &due, &released, &o.Received); err != nil {
		return nil, notFound(err)
	}
	o.DueAt, o.ReleasedAt = fromUnix(due), nullTime(released)
	return &o, nil
}

// OfflinePayment is a registration's offline payment (model.ErrNotFound
// when it pays otherwise).
func (t *Tx) OfflinePayment(registrationID int64) (*model.OfflinePayment, error) {
	return scanOffline(t.queryRow("get-offline-payment", registrationID))
}

// OfflinePayment is the same outside a transaction.
func (s *Store) OfflinePayment(ctx context.Context, registrationID int64) (*model.OfflinePayment, error) {
	return scanOffline(s.read("get-offline-payment").QueryRowContext(ctx, registrationID))
}

// EventOfflinePayments are the offline payments of an event's
// registrations, by registration id.
func (s *Store) EventOfflinePayments(ctx context.Context, eventID int64) (map[int64]*model.OfflinePayment, error) {
	rows, err := s.read("event-offline-payments").QueryContext(ctx, eventID)
	return collectMap(rows, err, func(row scanner) (int64, *model.OfflinePayment, error) {
		o, err := scanOffline(row)
		if err != nil {
			return 0, nil, err
		}
		return o.RegistrationID, o, nil
	})
}

// InsertOfflineReceipt records an amount that arrived on paidOn (a date).
func (t *Tx) InsertOfflineReceipt(registrationID, amount int64, currency, paidOn string) error {
	_, err := t.exec("insert-offline-receipt", registrationID, amount, currency, paidOn, unix(t.now))
	return err
}

// DueOfflinePayments are up to limit registrations still unpaid whose term
// has run out.
func (t *Tx) DueOfflinePayments(limit int) ([]int64, error) {
	rows, err := t.stmt("due-offline-payments").QueryContext(t.ctx, unix(t.now), limit)
	return collect(rows, err, scanOne[int64])
}

// ReleaseOfflinePayment marks an offline payment's term as run out; false
// when it was already.
func (t *Tx) ReleaseOfflinePayment(registrationID int64) (bool, error) {
	res, err := t.exec("release-offline-payment", unix(t.now), registrationID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
