package store

import (
	"context"

	"github.com/admit/admit/app/model"
)

// InsertView records a view; its time is the transaction's.
func (t *Tx) InsertView(v *model.View) error {
	v.StartedAt = t.now
	res, err := t.exec("insert-view", v.RegistrationID, v.RecordingID, v.Title, v.Device, v.ClientIP, v.UserAgent, unix(t.now))
	if err != nil {
		return err
	}
	v.ID, err = res.LastInsertId()
	return err
}

// Views lists a registration's views, oldest first.
func (s *Store) Views(ctx context.Context, registrationID int64) ([]model.View, error) {
	rows, err := s.read("list-views").QueryContext(ctx, registrationID)
	return collect(rows, err, func(row scanner) (model.View, error) {
		var v model.View
		var started int64
		err := row.Scan(&v.ID, &v.RegistrationID, &v.RecordingID, &v.Title, &v.Device, &v.ClientIP, &v.UserAgent, &started)
		v.StartedAt = fromUnix(started)
		return v, err
	})
}

// ViewCounts counts the views of each registration of an event that has
// any.
func (s *Store) ViewCounts(ctx context.Context, eventID int64) (map[int64]int64, error) {
	return s.counts(ctx, "count-views-of-event", eventID)
}

// RecordingViewCounts counts the views of each recording of an event that
// has any.
func (s *Store) RecordingViewCounts(ctx context.Context, eventID int64) (map[int64]int64, error) {
	return s.counts(ctx, "count-views-of-recordings", eventID)
}

// counts reads the (id, count) rows of a named query.
func (s *Store) counts(ctx context.Context, query string, args ...any) (map[int64]int64, error) {
	rows, err := s.read(query).QueryContext(ctx, args...)
	return collectMap(rows, err, func(row scanner) (int64, int64, error) {
		var id, n int64
		err := row.Scan(&id, &n)
		return id, n, err
	})
}

// RotateToken gives a registration a new access token (its nonce and hash):
// the old one no longer finds it.
func (t *Tx) RotateToken(id int64, nonce, hash []byte) error {
	res, err := t.exec("rotate-token", nonce, hash, unix(t.now), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.ErrNotFound
	}
	return nil
}
