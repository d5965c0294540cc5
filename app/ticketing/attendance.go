package ticketing

import (
	"context"
	"sync"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// AttendEvery is how often a registration's opening of one session's join
// link is recorded at most: the first opening is written (and committed
// before the registrant is sent to the room), openings within AttendEvery
// of the last one recorded are not, so a registrant reloading the link
// never waits for the single writer.
const AttendEvery = time.Minute

// maxRecentJoins bounds the openings remembered; beyond it every opening
// is written, as if none were remembered.
const maxRecentJoins = 100_000

// Attend records that the registration of a followed its join link while
// j.Open was open (j is a.Join at the time the link was followed): one row
// per registration and session, its first time kept, its last time and
// count moved, at most once per AttendEvery (see recentJoins). A
// registration that may not join, or a link followed outside every
// session's window, records nothing.
func (s *Service) Attend(ctx context.Context, a *Access, j Join) error {
	if j.Open == nil || a.DenyReason() != "" {
		return nil
	}
	k := joinKey{a.Registration.ID, j.Open.ID}
	now := s.now()
	if !s.joins.claim(k, now) {
		return nil
	}
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		return tx.RecordAttendance(k.reg, k.session)
	})
	if err != nil {
		s.joins.release(k, now)
	}
	return err
}

type joinKey struct{ reg, session int64 }

// recentJoins remembers when each registration's opening of a session was
// last recorded, for AttendEvery; it forgets what is older, once per
// AttendEvery, so memory follows the registrants joining within a minute.
type recentJoins struct {
	mu    sync.Mutex
	at    map[joinKey]time.Time
	swept time.Time
}

func newRecentJoins() *recentJoins { return &recentJoins{at: map[joinKey]time.Time{}} }

// claim reports whether an opening of k at now is to be recorded, and if so
// remembers it, so that openings until now+AttendEvery are not.
func (r *recentJoins) claim(k joinKey, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swept) >= AttendEvery {
		r.swept = now
		for key, t := range r.at {
			if !recent(t, now) {
				delete(r.at, key)
			}
		}
	}
	if t, ok := r.at[k]; ok && recent(t, now) {
		return false
	}
	if _, ok := r.at[k]; ok || len(r.at) < maxRecentJoins {
		r.at[k] = now
	}
	return true
}

// release forgets the opening of k claimed at now (its write failed), so
// the next opening is recorded.
func (r *recentJoins) release(k joinKey, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.at[k]; ok && t.Equal(now) {
		delete(r.at, k)
	}
}

// recent reports whether an opening recorded at t covers one at now (not
// when the clock was set back before t).
func recent(t, now time.Time) bool {
	d := now.Sub(t)
	return d >= 0 && d < AttendEvery
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
