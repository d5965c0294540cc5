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
	return collect(rows, err, scanAttendance)
}

func scanAttendance(row scanner) (model.Attendance, error) {
	var a model.Attendance
	var first, last int64
	err := row.Scan(&a.RegistrationID, &a.SessionID, &first, &last, &a.Opens)
	a.FirstAt, a.LastAt = fromUnix(first), fromUnix(last)
	return a, err
}

// Attended is the set of an event's registrations that joined session
// sessionID (0: any session), in the transaction.
func (t *Tx) Attended(eventID, sessionID int64) (map[int64]bool, error) {
	return idSet(t.stmt("attended-registrations").QueryContext(t.ctx, eventID, sessionID, sessionID))
}
