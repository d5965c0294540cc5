package store

import (
	"context"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
	"github.com/admit/admit/app/model"
)

// TestAttendance: opening the join link again keeps one row per
// registration and session, with its first time, last time and count; the
// attended set is per session or for any session of the event.
func TestAttendance(t *testing.T) {
	s := openTest(t)
	clk := clocktest.New(time.Date(2026, 12, 1, 17, 50, 0, 0, time.UTC))
	s.SetClock(clk.Now)
	ctx := context.Background()
	var e, o *model.Event
	var ada, bob, other *model.Registration
	err := s.Write(ctx, func(tx *Tx) error {
		e = &model.Event{Slug: "x", Title: "X", Kind: model.KindSeries, SeriesRegistration: "all", Timezone: "UTC", Status: model.EventPublished,
			Sessions: []model.Session{{StartsAt: clk.Now().Add(10 * time.Minute), DurationMinutes: 60}, {StartsAt: clk.Now().Add(7 * 24 * time.Hour), DurationMinutes: 60}}}
		if err := tx.InsertEvent(e); err != nil {
			return err
		}
		o = &model.Event{Slug: "y", Title: "Y", Kind: model.KindLive, SeriesRegistration: "all", Timezone: "UTC", Status: model.EventPublished,
			Sessions: []model.Session{{StartsAt: clk.Now(), DurationMinutes: 60}}}
		if err := tx.InsertEvent(o); err != nil {
			return err
		}
		for i, r := range []**model.Registration{&ada, &bob, &other} {
			ev := e.ID
			if r == &other {
				ev = o.ID
			}
			*r = &model.Registration{EventID: ev, Name: "N", Email: string(rune('a'+i)) + "@x.org", Status: model.StatusConfirmed,
				Role: "attendee", Locale: "en", TokenNonce: []byte{byte(i)}, TokenHash: []byte{byte(i)}}
			if err := tx.InsertRegistration(*r, (*r).Email); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s1, s2 := e.Sessions[0].ID, e.Sessions[1].ID
	record := func(reg, session int64) {
		t.Helper()
		if err := s.Write(ctx, func(tx *Tx) error { return tx.RecordAttendance(reg, session) }); err != nil {
			t.Fatal(err)
		}
	}
	first := clk.Now()
	record(ada.ID, s1)
	clk.Add(20 * time.Minute)
	record(ada.ID, s1)
	record(ada.ID, s1)
	record(bob.ID, s2)
	record(other.ID, o.Sessions[0].ID) // another event's: never listed here

	got, err := s.Attendance(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Attendance{
		{RegistrationID: ada.ID, SessionID: s1, FirstAt: first, LastAt: clk.Now(), Opens: 3},
		{RegistrationID: bob.ID, SessionID: s2, FirstAt: clk.Now(), LastAt: clk.Now(), Opens: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("attendance %+v, want %+v", got, want)
	}
	for i := range want {
		if g := got[i]; g.RegistrationID != want[i].RegistrationID || g.SessionID != want[i].SessionID || !g.FirstAt.Equal(want[i].FirstAt) ||
			!g.LastAt.Equal(want[i].LastAt) || g.Opens != want[i].Opens {
			t.Errorf("attendance %d: %+v, want %+v", i, g, want[i])
		}
	}
	for _, tc := range []struct {
		session int64
		want    map[int64]bool
	}{{0, map[int64]bool{ada.ID: true, bob.ID: true}}, {s1, map[int64]bool{ada.ID: true}}, {s2, map[int64]bool{bob.ID: true}}} {
		var set map[int64]bool
		if err := s.Write(ctx, func(tx *Tx) (err error) { set, err = tx.Attended(e.ID, tc.session); return err }); err != nil {
			t.Fatal(err)
		}
		if len(set) != len(tc.want) || !set[ada.ID] && tc.want[ada.ID] || !set[bob.ID] && tc.want[bob.ID] {
			t.Errorf("attended in session %d: %v, want %v", tc.session, set, tc.want)
		}
	}
}
