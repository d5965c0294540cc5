package ticketing

import (
	"context"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Attend records that the registration of a followed its join link while
// j.Open was open (j is a.Join at the time the link was followed): one row
// per registration and session, its first time kept, its last time and
// count moved. A registration that may not join, or a link followed
// outside every session's window, records nothing.
func (s *Service) Attend(ctx context.Context, a *Access, j Join) error {
	if j.Open == nil || a.DenyReason() != "" {
		return nil
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		return tx.RecordAttendance(a.Registration.ID, j.Open.ID)
	})
}

// Attendance lists who joined which session of an event, keyed by
// registration (model.ErrNotFound for no event).
func (s *Service) Attendance(ctx context.Context, eventID int64) (map[int64][]model.Attendance, error) {
	if _, err := s.store.Event(ctx, eventID); err != nil {
		return nil, err
	}
	all, err := s.store.Attendance(ctx, eventID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]model.Attendance)
	for _, a := range all {
		out[a.RegistrationID] = append(out[a.RegistrationID], a)
	}
	return out, nil
}
