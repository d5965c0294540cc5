package ticketing

import (
	"testing"
	"time"
)

// TestAttendCoalesced: the first opening of a session's join link is
// written; openings within AttendEvery of the last one recorded write
// nothing (the count and the last time stay); the first opening after it
// is written again. Before openings were coalesced every opening was a
// write (opens 3 where 1 is wanted).
func TestAttendCoalesced(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{})
	ada := w.mustRegister(e, "ada@example.org", nil)
	open := func(at time.Time) {
		t.Helper()
		w.clock.Set(at)
		a, err := w.svc.Access(w.ctx, w.token(ada))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.svc.Attend(w.ctx, a, a.Join(w.clock.Now())); err != nil {
			t.Fatal(err)
		}
	}
	check := func(opens int64, last time.Time) {
		t.Helper()
		all, err := w.svc.Attendance(w.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := all[ada.ID]; len(all) != 1 || len(got) != 1 || got[0].Opens != opens || !got[0].LastAt.Equal(last) {
			t.Fatalf("attendance %+v, want opens %d, last %s", all, opens, last.Format(time.TimeOnly))
		}
	}
	first := sessionStart.Add(time.Minute)
	open(first)
	check(1, first)
	open(first)
	open(first.Add(AttendEvery - time.Second))
	check(1, first) // coalesced: no second write
	later := first.Add(AttendEvery)
	open(later)
	check(2, later)
	open(later.Add(30 * time.Second))
	check(2, later)
}
