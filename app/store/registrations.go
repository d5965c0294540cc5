package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/admit/admit/app/model"
)

func scanRegistration(row scanner) (*model.Registration, error) {
	var r model.Registration
	var session, hold, mailed, tier, promo, paid sql.NullInt64
	var created, updated int64
	if err := row.Scan(&r.ID, &r.EventID, &session, &r.Name, &r.Email, &r.Status, &r.Role, &r.Locale, &r.Amount,
		&r.Currency, &r.AmountPaid, &r.AmountRefunded, &r.Tier, &r.PromoCode, &r.Provider, &r.TokenNonce,
		&r.TokenHash, &hold, &mailed, &created, &updated,
		&tier, &promo, &r.ServiceFee, &r.CheckoutID, &r.CheckoutURL, &r.PaymentID, &paid,
		&r.PaidCurrency, &r.ProviderRefunded, &r.RefundedUnmatched); err != nil {
		return nil, notFound(err)
	}
	r.TierID, r.PromoID, r.PaidAt = nullID(tier), nullID(promo), nullTime(paid)
	if session.Valid {
		id := session.Int64
		r.SessionID = &id
	}
	r.HoldExpiresAt, r.LastMailedAt = nullTime(hold), nullTime(mailed)
	r.CreatedAt, r.UpdatedAt = fromUnix(created), fromUnix(updated)
	return &r, nil
}

func sessionKey(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// InsertRegistration stores a registration and fills in its id.
func (t *Tx) InsertRegistration(r *model.Registration, emailNorm string) error {
	var session any
	if r.SessionID != nil {
		session = *r.SessionID
	}
	r.CreatedAt, r.UpdatedAt = t.now, t.now
	res, err := t.exec("insert-registration", r.EventID, session, r.Name, r.Email, emailNorm, r.Status, r.Role,
		r.Locale, r.Amount, r.Currency, r.AmountPaid, r.Tier, r.PromoCode, r.Provider, r.TokenNonce, r.TokenHash,
		timeArg(r.HoldExpiresAt), timeArg(r.LastMailedAt), unix(t.now), unix(t.now), idArg(r.TierID), idArg(r.PromoID), r.ServiceFee,
		r.ClientIP)
	if err != nil {
		return err
	}
	if r.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	t.note(model.HookRegistrationCreated, r.ID)
	t.reached(r.Status, 1)
	if r.Status == model.StatusConfirmed {
		t.note(model.HookRegistrationConfirmed, r.ID)
	}
	return nil
}

// Registration reads one registration.
func (s *Store) Registration(ctx context.Context, id int64) (*model.Registration, error) {
	return scanRegistration(s.read("get-registration").QueryRowContext(ctx, id))
}

// Registration reads one registration inside the transaction.
func (t *Tx) Registration(id int64) (*model.Registration, error) {
	return scanRegistration(t.queryRow("get-registration", id))
}

// RegistrationByToken finds the registration an access token belongs to.
func (s *Store) RegistrationByToken(ctx context.Context, hash []byte) (*model.Registration, error) {
	return scanRegistration(s.read("get-registration-by-token").QueryRowContext(ctx, hash))
}

// RegistrationForJoin reads, of the registration of an access token's
// hash, only what following its join link is decided with: ID, EventID,
// SessionID and Status (the rest is left zero). The join link is the one
// request every registrant makes at the same minute.
func (s *Store) RegistrationForJoin(ctx context.Context, hash []byte) (*model.Registration, error) {
	var r model.Registration
	var session sql.NullInt64
	if err := s.read("get-join-by-token").QueryRowContext(ctx, hash).Scan(&r.ID, &r.EventID, &session, &r.Status); err != nil {
		return nil, notFound(err)
	}
	r.SessionID = nullID(session)
	return &r, nil
}

// RegistrationByToken is the same inside the transaction.
func (t *Tx) RegistrationByToken(hash []byte) (*model.Registration, error) {
	return scanRegistration(t.queryRow("get-registration-by-token", hash))
}

// LiveRegistration finds the registration that holds (or awaits) a seat for
// an email on an event or session.
func (t *Tx) LiveRegistration(eventID int64, sessionID *int64, emailNorm string) (*model.Registration, error) {
	return scanRegistration(t.queryRow("find-live-registration", eventID, sessionKey(sessionID), emailNorm))
}

// CountSeats counts the seats taken on an event (or one of its sessions).
func (t *Tx) CountSeats(eventID int64, sessionID *int64) (int64, error) {
	var n int64
	err := t.queryRow("count-seats", eventID, sessionKey(sessionID), unix(t.now)).Scan(&n)
	return n, err
}

// CountSeats is the same outside a transaction, for display.
func (s *Store) CountSeats(ctx context.Context, eventID int64, sessionID *int64) (int64, error) {
	var n int64
	err := s.read("count-seats").QueryRowContext(ctx, eventID, sessionKey(sessionID), unix(s.now())).Scan(&n)
	return n, err
}

// ClientHolds counts the unexpired payment holds that client keeps on an
// event, and says when the first of them runs out (nil when none does).
func (t *Tx) ClientHolds(eventID int64, client string) (int64, *time.Time, error) {
	var n int64
	var first sql.NullInt64
	if err := t.queryRow("count-client-holds", eventID, client, unix(t.now)).Scan(&n, &first); err != nil {
		return 0, nil, err
	}
	return n, nullTime(first), nil
}

// Registrations lists an event's registrations, optionally of one status.
func (s *Store) Registrations(ctx context.Context, eventID int64, status string) ([]*model.Registration, error) {
	rows, err := s.read("list-registrations").QueryContext(ctx, eventID, status, status)
	return collect(rows, err, scanRegistration)
}

// RegistrationsToNotify lists the live registrations of an event, or of the
// ones among them that attend sessionID (0: all).
func (t *Tx) RegistrationsToNotify(eventID, sessionID int64) ([]*model.Registration, error) {
	rows, err := t.stmt("list-registrations-to-notify").QueryContext(t.ctx, eventID, sessionID, sessionID)
	return collect(rows, err, scanRegistration)
}

// SetRegistrationStatus moves a registration from one status to another;
// false when it was not in status from (someone else changed it first).
func (t *Tx) SetRegistrationStatus(id int64, from, to string) (bool, error) {
	res, err := t.exec("set-registration-status", to, unix(t.now), id, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if n == 1 && from != to {
		t.noteStatus(id, to)
		t.reached(to, 1)
	}
	return n == 1, err
}

// noteStatus notes a registration's new status for outgoing webhooks.
func (t *Tx) noteStatus(id int64, status string) {
	switch status {
	case model.StatusConfirmed:
		t.note(model.HookRegistrationConfirmed, id)
	case model.StatusRejected:
		t.note(model.HookRegistrationRejected, id)
	case model.StatusCancelled:
		t.note(model.HookRegistrationCancelled, id)
	}
}

// SetRegistrationLocale records the language a registrant chose; the mails
// that follow are written in it.
func (t *Tx) SetRegistrationLocale(id int64, locale string) error {
	_, err := t.exec("set-registration-locale", locale, unix(t.now), id)
	return err
}

// SetRegistrationMailed records when the access email was last queued.
func (t *Tx) SetRegistrationMailed(id int64) error {
	_, err := t.exec("set-registration-mailed", unix(t.now), id)
	return err
}

// ExpireHolds marks unpaid registrations whose hold has run out as expired.
func (t *Tx) ExpireHolds() (int64, error) {
	res, err := t.exec("expire-holds", unix(t.now), unix(t.now))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	t.reached(model.StatusExpired, n)
	return n, err
}

// IdempotencyRecord is what an Idempotency-Key keeps: the hash of the
// request that claimed it and, once that request is answered, its outcome
// as the caller recorded it. The outcome is opaque here: whoever recorded
// it reads it back. Outcome nil is a claim: the request is still being
// answered (a checkout is being opened).
type IdempotencyRecord struct {
	RequestHash []byte
	Outcome     []byte
}

// Idempotency finds what a key keeps (model.ErrNotFound if none).
func (t *Tx) Idempotency(scope, key string) (*IdempotencyRecord, error) {
	var a IdempotencyRecord
	var answered bool
	var outcome []byte
	if err := t.queryRow("get-idempotency", scope, key).Scan(&a.RequestHash, &answered, &outcome); err != nil {
		return nil, notFound(err)
	}
	if answered {
		a.Outcome = outcome
		if a.Outcome == nil {
			a.Outcome = []byte{} // an empty outcome is an answer still
		}
	}
	return &a, nil
}

// SaveIdempotency stores what a key keeps. A record without an outcome is
// a claim; the record with its outcome replaces the claim later. An
// outcome never replaces another.
func (t *Tx) SaveIdempotency(scope, key string, a IdempotencyRecord) error {
	var outcome any // NULL: a claim
	if a.Outcome != nil {
		outcome = a.Outcome // an empty one is an empty blob, not NULL
	}
	_, err := t.exec("insert-idempotency", scope, key, a.RequestHash, outcome, unix(t.now))
	return err
}

// DropIdempotencyClaim forgets the claim of a key that got no answer (its
// request failed), so that a retry runs again.
func (t *Tx) DropIdempotencyClaim(scope, key string) error {
	_, err := t.exec("drop-idempotency-claim", scope, key)
	return err
}

// DeleteOldIdempotency forgets keys older than before.
func (t *Tx) DeleteOldIdempotency(beforeUnix int64) (int64, error) {
	res, err := t.exec("delete-old-idempotency", beforeUnix)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
