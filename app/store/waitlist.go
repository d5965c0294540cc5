package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/admit/admit/app/model"
)

func scanWaitlist(row scanner) (*model.WaitlistEntry, error) {
	var w model.WaitlistEntry
	var session int64
	var offered, expires, reg sql.NullInt64
	var created, updated int64
	if err := row.Scan(&w.ID, &w.EventID, &session, &w.Name, &w.Email, &w.Locale, &w.Status, &w.TokenNonce,
		&w.TokenHash, &offered, &expires, &reg, &created, &updated); err != nil {
		return nil, notFound(err)
	}
	if session != 0 {
		w.SessionID = &session
	}
	w.OfferedAt, w.OfferExpiresAt, w.RegistrationID = nullTime(offered), nullTime(expires), nullID(reg)
	w.CreatedAt, w.UpdatedAt = fromUnix(created), fromUnix(updated)
	return &w, nil
}

// InsertWaitlist puts someone at the end of a line and fills in its id.
func (t *Tx) InsertWaitlist(w *model.WaitlistEntry, emailNorm string) error {
	w.Status, w.CreatedAt, w.UpdatedAt = model.WaitWaiting, t.now, t.now
	res, err := t.exec("insert-waitlist", w.EventID, sessionKey(w.SessionID), w.Name, w.Email, emailNorm, w.Locale,
		w.TokenNonce, w.TokenHash, unix(t.now), unix(t.now))
	if err != nil {
		return err
	}
	w.ID, err = res.LastInsertId()
	return err
}

// Waitlist reads one waiting-list entry.
func (s *Store) Waitlist(ctx context.Context, id int64) (*model.WaitlistEntry, error) {
	return scanWaitlist(s.read("get-waitlist").QueryRowContext(ctx, id))
}

// WaitlistByToken finds the entry a /w/ token belongs to.
func (s *Store) WaitlistByToken(ctx context.Context, hash []byte) (*model.WaitlistEntry, error) {
	return scanWaitlist(s.read("get-waitlist-by-token").QueryRowContext(ctx, hash))
}

// WaitlistByToken is the same inside the transaction.
func (t *Tx) WaitlistByToken(hash []byte) (*model.WaitlistEntry, error) {
	return scanWaitlist(t.queryRow("get-waitlist-by-token", hash))
}

// ActiveWaitlist finds an email's waiting or offered place in a line.
func (t *Tx) ActiveWaitlist(eventID int64, sessionID *int64, emailNorm string) (*model.WaitlistEntry, error) {
	return scanWaitlist(t.queryRow("find-active-waitlist", eventID, sessionKey(sessionID), emailNorm))
}

// WaitlistPosition is a waiting entry's place in line (1: next).
func (t *Tx) WaitlistPosition(w *model.WaitlistEntry) (int64, error) {
	var n int64
	err := t.queryRow("waitlist-position", w.EventID, sessionKey(w.SessionID), w.ID).Scan(&n)
	return n, err
}

// WaitlistPosition is the same outside a transaction.
func (s *Store) WaitlistPosition(ctx context.Context, w *model.WaitlistEntry) (int64, error) {
	var n int64
	err := s.read("waitlist-position").QueryRowContext(ctx, w.EventID, sessionKey(w.SessionID), w.ID).Scan(&n)
	return n, err
}

// ListWaitlist lists an event's waiting list, line by line in order, each
// waiting entry with its place.
func (s *Store) ListWaitlist(ctx context.Context, eventID int64) ([]*model.WaitlistEntry, error) {
	rows, err := s.read("list-waitlist").QueryContext(ctx, eventID)
	out, err := collect(rows, err, scanWaitlist)
	if err != nil {
		return nil, err
	}
	place := map[int64]int64{}
	for _, w := range out {
		if w.Status == model.WaitWaiting {
			k := sessionKey(w.SessionID)
			place[k]++
			w.Position = place[k]
		}
	}
	return out, nil
}

// SetWaitlistStatus moves an entry from one status to another; false when
// it was not in status from.
func (t *Tx) SetWaitlistStatus(id int64, from, to string) (bool, error) {
	res, err := t.exec("set-waitlist-status", to, unix(t.now), id, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetWaitlistRegistration records the registration a claimed offer became.
func (t *Tx) SetWaitlistRegistration(id, registrationID int64) error {
	_, err := t.exec("set-waitlist-registration", registrationID, unix(t.now), id)
	return err
}

// OfferWaitlist offers a freed seat to a waiting entry until expires.
func (t *Tx) OfferWaitlist(w *model.WaitlistEntry, expires time.Time) (bool, error) {
	res, err := t.exec("offer-waitlist", unix(t.now), unix(expires), unix(t.now), w.ID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if n == 1 {
		now := t.now
		w.Status, w.OfferedAt, w.OfferExpiresAt = model.WaitOffered, &now, &expires
	}
	return n == 1, err
}

// ExpireWaitlistOffers ends the offers whose time has run out.
func (t *Tx) ExpireWaitlistOffers() (int64, error) {
	res, err := t.exec("expire-waitlist-offers", unix(t.now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// WaitLine is a line with someone waiting in it.
type WaitLine struct {
	EventID     int64
	SessionID   *int64
	Capacity    *int64 // nil: unlimited
	EventStatus string
}

// WaitLines lists the lines that have someone waiting.
func (t *Tx) WaitLines() ([]WaitLine, error) {
	rows, err := t.stmt("waitlist-lines").QueryContext(t.ctx)
	return collect(rows, err, func(row scanner) (WaitLine, error) {
		var l WaitLine
		var session int64
		var capacity sql.NullInt64
		err := row.Scan(&l.EventID, &session, &capacity, &l.EventStatus)
		if session != 0 {
			l.SessionID = &session
		}
		l.Capacity = nullID(capacity)
		return l, err
	})
}

// NextWaiting lists the first n waiting entries of a line.
func (t *Tx) NextWaiting(eventID int64, sessionID *int64, n int64) ([]*model.WaitlistEntry, error) {
	rows, err := t.stmt("next-waiting").QueryContext(t.ctx, eventID, sessionKey(sessionID), n)
	return collect(rows, err, scanWaitlist)
}

// CountHeldSeats counts the seats taken or held (offers included) on an
// event or session, without the people still waiting: what is left can be
// offered.
func (t *Tx) CountHeldSeats(eventID int64, sessionID *int64) (int64, error) {
	var n int64
	err := t.queryRow("count-held-seats", eventID, sessionKey(sessionID), unix(t.now)).Scan(&n)
	return n, err
}
