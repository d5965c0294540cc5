package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/admit/admit/app/model"
)

func scanRecording(row scanner) (*model.Recording, error) {
	var r model.Recording
	var session sql.NullInt64
	var created int64
	var expires, removed sql.NullInt64
	if err := row.Scan(&r.ID, &r.EventID, &session, &r.Title, &r.StorageKey, &r.URL, &r.Size, &r.ContentType,
		&r.SHA256, &created, &expires, &removed); err != nil {
		return nil, notFound(err)
	}
	r.SessionID, r.CreatedAt = nullID(session), fromUnix(created)
	r.ExpiresAt, r.RemovedAt = nullTime(expires), nullTime(removed)
	return &r, nil
}

// InsertRecording stores a recording and fills in its id and time.
func (t *Tx) InsertRecording(r *model.Recording) error {
	r.CreatedAt = t.now
	res, err := t.exec("insert-recording", r.EventID, idArg(r.SessionID), r.Title, r.StorageKey, r.URL, r.Size,
		r.ContentType, r.SHA256, unix(t.now), timeArg(r.ExpiresAt))
	if err != nil {
		return err
	}
	r.ID, err = res.LastInsertId()
	return err
}

// Recording is one recording of an event (model.ErrNotFound when the event
// has no such recording).
func (s *Store) Recording(ctx context.Context, eventID, id int64) (*model.Recording, error) {
	return scanRecording(s.read("get-recording").QueryRowContext(ctx, id, eventID))
}

// Recording is one recording of an event, in the transaction.
func (t *Tx) Recording(eventID, id int64) (*model.Recording, error) {
	return scanRecording(t.queryRow("get-recording", id, eventID))
}

// Recordings lists an event's recordings, oldest first.
func (s *Store) Recordings(ctx context.Context, eventID int64) ([]*model.Recording, error) {
	rows, err := s.read("list-recordings").QueryContext(ctx, eventID)
	return collect(rows, err, scanRecording)
}

// DeleteRecording removes a recording's row.
func (t *Tx) DeleteRecording(eventID, id int64) error {
	_, err := t.exec("delete-recording", id, eventID)
	return err
}

// UpdateRecording stores a recording's title and expiry.
func (t *Tx) UpdateRecording(r *model.Recording) error {
	_, err := t.exec("update-recording", r.Title, timeArg(r.ExpiresAt), r.ID, r.EventID)
	return err
}

// ExpiredRecordings lists up to limit recordings expired by now whose file
// is still kept.
func (s *Store) ExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]*model.Recording, error) {
	rows, err := s.read("list-expired-recordings").QueryContext(ctx, unix(now), limit)
	return collect(rows, err, scanRecording)
}

// MarkRecordingRemoved records that the retention job removed a
// recording's file; false when it already was.
func (t *Tx) MarkRecordingRemoved(id int64) (bool, error) {
	res, err := t.exec("mark-recording-removed", unix(t.now), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
