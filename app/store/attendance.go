package store

import (
	"context"

	"github.com/admit/admit/app/model"
)

// RecordAttendance notes that registration regID opened the join link of
// session sessionID now: the first time is kept, the last time and the
// count move.
func (t *Tx) RecordAttendance(regID, sessionID int64) error {
	now := unix(t.now)
	_, err := t.exec("record-attendance", regID, sessionID, now, now)
	return err
}

// Attendance lists every attendance of an event's registrations, by
// registration, earliest first.
func (s *Store) Attendance(ctx context.Context, eventID int64) ([]model.Attendance, error) {
	rows, err := s.read("list-attendance").QueryContext(ctx, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Attendance{}
	for rows.Next() {
		var a model.Attendance
		var first, last int64
		if err := rows.Scan(&a.RegistrationID, &a.SessionID, &first, &last, &a.Opens); err != nil {
			return nil, err
		}
		a.FirstAt, a.LastAt = fromUnix(first), fromUnix(last)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Attended is the set of an event's registrations that joined session
// sessionID (0: any session), in the transaction.
func (t *Tx) Attended(eventID, sessionID int64) (map[int64]bool, error) {
	rows, err := t.stmt("attended-registrations").QueryContext(t.ctx, eventID, sessionID, sessionID)
	if err != nil {
		return nil, err
	}
	return idSet(rows)
}
