package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/admit/admit/app/model"
)

func scanAuthorization(row scanner) (*model.Authorization, error) {
	var a model.Authorization
	var at, by, exp, flagged, approved, reauthorized sql.NullInt64
	var updated int64
	if err := row.Scan(&a.RegistrationID, &a.Provider, &a.CheckoutID, &a.AuthorizationID, &a.Amount, &a.Currency, &a.Status,
		&at, &by, &exp, &flagged, &approved, &a.LastError, &updated, &reauthorized); err != nil {
		return nil, notFound(err)
	}
	a.AuthorizedAt, a.CaptureBy, a.ExpiresAt, a.FlaggedAt, a.ApprovedAt = nullTime(at), nullTime(by), nullTime(exp), nullTime(flagged), nullTime(approved)
	a.ReauthorizedAt = nullTime(reauthorized)
	a.UpdatedAt = fromUnix(updated)
	return &a, nil
}

// Authorization is the payment held for a registration (model.ErrNotFound
// when none was).
func (t *Tx) Authorization(registrationID int64) (*model.Authorization, error) {
	return scanAuthorization(t.queryRow("get-authorization", registrationID))
}

// Authorization is the same outside a transaction.
func (s *Store) Authorization(ctx context.Context, registrationID int64) (*model.Authorization, error) {
	return scanAuthorization(s.read("get-authorization").QueryRowContext(ctx, registrationID))
}

// EventAuthorizations are the held payments of an event's registrations,
// by registration id.
func (s *Store) EventAuthorizations(ctx context.Context, eventID int64) (map[int64]*model.Authorization, error) {
	rows, err := s.read("authorizations-of-event").QueryContext(ctx, eventID)
	return collectMap(rows, err, func(r scanner) (int64, *model.Authorization, error) {
		a, err := scanAuthorization(r)
		if err != nil {
			return 0, nil, err
		}
		return a.RegistrationID, a, nil
	})
}

// RegistrationByAuthorization finds the registration whose payment a
// provider holds under this id.
func (t *Tx) RegistrationByAuthorization(provider, authorizationID string) (*model.Registration, error) {
	var id int64
	if err := t.queryRow("registration-by-authorization", provider, authorizationID).Scan(&id); err != nil {
		return nil, notFound(err)
	}
	return t.Registration(id)
}

// HoldAuthorization records a new hold on a registration's payment,
// replacing one that ended.
func (t *Tx) HoldAuthorization(a *model.Authorization) error {
	now := t.now
	a.Status, a.AuthorizedAt, a.FlaggedAt, a.LastError, a.UpdatedAt = model.AuthAuthorized, &now, nil, "", now
	_, err := t.exec("hold-authorization", a.RegistrationID, a.Provider, a.CheckoutID, a.AuthorizationID, a.Amount, a.Currency,
		unix(now), timeArg(a.CaptureBy), timeArg(a.ExpiresAt))
	return err
}

// SetAuthorizationStatus moves a hold from one status to another; false when
// it was not in from.
func (t *Tx) SetAuthorizationStatus(registrationID int64, from, to, lastError string) (bool, error) {
	res, err := t.exec("set-authorization-status", to, lastError, unix(t.now), registrationID, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ApproveAuthorization records that the organizer confirmed a registration
// whose payment is to be made again.
func (t *Tx) ApproveAuthorization(registrationID int64, provider string) error {
	_, err := t.exec("approve-authorization", registrationID, provider, unix(t.now))
	return err
}

// FlagAuthorization records that the organizers were told a hold is about
// to lapse; false when they already were.
func (t *Tx) FlagAuthorization(registrationID int64) (bool, error) {
	res, err := t.exec("flag-authorization", unix(t.now), registrationID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AuthorizationsToFlag lists up to limit open holds of registrations
// awaiting approval, not flagged yet, whose decision is due before a time:
// their capture deadline or, at one of the renewing providers (which renew
// a hold once after it) while not renewed yet, their end.
func (t *Tx) AuthorizationsToFlag(before int64, renewing []string, limit int) ([]*model.Authorization, error) {
	names, err := json.Marshal(append([]string{}, renewing...))
	if err != nil {
		return nil, err
	}
	rows, err := t.stmt("authorizations-to-flag").QueryContext(t.ctx, before, string(names), limit)
	return collect(rows, err, scanAuthorization)
}

// LapsedAuthorizations lists up to limit open holds whose end has passed.
func (t *Tx) LapsedAuthorizations(limit int) ([]*model.Authorization, error) {
	rows, err := t.stmt("authorizations-lapsed").QueryContext(t.ctx, unix(t.now), limit)
	return collect(rows, err, scanAuthorization)
}

// ReopenPayment sends a registration awaiting approval back to payment,
// its seat held until a time; false when it was not awaiting approval.
func (t *Tx) ReopenPayment(id int64, holdUntil time.Time) (bool, error) {
	res, err := t.exec("reopen-payment", unix(holdUntil), unix(t.now), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	t.reached(model.StatusPendingPayment, n)
	return n == 1, err
}

// ReauthorizeHold records that the hold authorizationID of a registration
// was renewed as renewed, with its new terms (at most once: a hold renewed
// before is not this one any more); false when the hold is not that one, or
// not open.
func (t *Tx) ReauthorizeHold(registrationID int64, authorizationID, renewed string, captureBy, expiresAt time.Time) (bool, error) {
	res, err := t.exec("reauthorize-hold", renewed, unix(captureBy), unix(expiresAt), unix(t.now), registrationID, authorizationID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
