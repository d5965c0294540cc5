package ticketing

import (
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// TestAttendAndFollowUp: attendance is recorded only while a session is open
// and for a registration that may join; a follow-up goes once to each
// registration with access in the groups asked for, counted per group; a
// key replays its first counts; bad input names its field.
func TestAttendAndFollowUp(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{})
	ada := w.mustRegister(e, "ada@example.org", nil)
	bob := w.mustRegister(e, "bob@example.org", nil)
	cat := w.mustRegister(e, "cat@example.org", nil)
	if _, err := w.svc.CancelByRegistrant(w.ctx, w.token(cat)); err != nil {
		t.Fatal(err)
	}
	attend := func(r *model.Registration, at time.Time) {
		t.Helper()
		w.clock.Set(at)
		a, err := w.svc.Access(w.ctx, w.token(r))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.svc.Attend(w.ctx, a, a.Join(w.clock.Now())); err != nil {
			t.Fatal(err)
		}
	}
	attend(ada, sessionStart.Add(-JoinEarly))     // the room opens
	attend(ada, sessionStart.Add(59*time.Minute)) // again, still open
	attend(bob, sessionStart.Add(-JoinEarly-1))   // not yet
	attend(bob, sessionStart.Add(60*time.Minute)) // over
	attend(cat, sessionStart.Add(10*time.Minute)) // cancelled
	att, err := w.svc.Attendance(w.ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(att) != 1 || len(att[ada.ID]) != 1 || att[ada.ID][0].Opens != 2 || !att[ada.ID][0].FirstAt.Equal(sessionStart.Add(-JoinEarly)) {
		t.Fatalf("attendance %+v", att)
	}

	for _, tc := range []struct {
		name  string
		in    FollowUpInput
		field string
		want  Notified
	}{
		{"no message", FollowUpInput{Groups: AllGroups}, "message", Notified{}},
		{"blank message", FollowUpInput{Message: " \r\n ", Groups: AllGroups}, "message", Notified{}},
		{"control characters", FollowUpInput{Message: "a\x00b", Groups: AllGroups}, "message", Notified{}},
		{"no group", FollowUpInput{Message: "hi"}, "attendees", Notified{}},
		{"subject with a line break", FollowUpInput{Message: "hi", Subject: "a\r\nb", Groups: AllGroups}, "subject", Notified{}},
		{"everyone", FollowUpInput{Message: "hi", Groups: AllGroups}, "", Notified{Attendees: 1, Absentees: 1}},
		{"attendees", FollowUpInput{Message: "hi", Groups: Groups{Attendees: true}}, "", Notified{Attendees: 1}},
		{"absentees", FollowUpInput{Message: "hi", Groups: Groups{Absentees: true}}, "", Notified{Absentees: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, replayed, err := w.svc.FollowUp(w.ctx, e.ID, tc.in, nil)
			if tc.field != "" {
				wantErr(t, tc.name, err, model.ErrValidation, tc.field)
				return
			}
			if err != nil || replayed || n != tc.want {
				t.Fatalf("%+v %v %v, want %+v", n, replayed, err, tc.want)
			}
		})
	}
	count := func(r *model.Registration) (n int) {
		for _, k := range w.mails(r.ID) {
			if k == model.MailFollowUp {
				n++
			}
		}
		return n
	}
	if count(ada) != 2 || count(bob) != 2 || count(cat) != 0 {
		t.Fatalf("follow-ups: ada %d, bob %d, cat %d; want 2, 2, 0", count(ada), count(bob), count(cat))
	}

	key := &FollowUpKey{Key: "k1", RequestHash: []byte("body")}
	first, replayed, err := w.svc.FollowUp(w.ctx, e.ID, FollowUpInput{Message: "once", Groups: AllGroups}, key)
	if err != nil || replayed {
		t.Fatal(err, replayed)
	}
	again, replayed, err := w.svc.FollowUp(w.ctx, e.ID, FollowUpInput{Message: "once", Groups: AllGroups}, key)
	if err != nil || !replayed || again != first {
		t.Fatalf("replay: %+v %v %v; want %+v replayed", again, replayed, err, first)
	}
	if count(ada) != 3 {
		t.Errorf("a replayed follow-up was sent again: %d", count(ada))
	}
	_, _, err = w.svc.FollowUp(w.ctx, e.ID, FollowUpInput{Message: "other", Groups: AllGroups}, &FollowUpKey{Key: "k1", RequestHash: []byte("other")})
	wantErr(t, "the key with another body", err, model.ErrValidation, "Idempotency-Key")
	_, _, err = w.svc.FollowUp(w.ctx, 9999, FollowUpInput{Message: "hi", Groups: AllGroups}, nil)
	wantErr(t, "no event", err, model.ErrNotFound, "")

	// A cancelled event gives nobody access: nobody is mailed.
	if _, err := w.svc.CancelEvent(w.ctx, e.ID, "", false); err != nil {
		t.Fatal(err)
	}
	if n, _, err := w.svc.FollowUp(w.ctx, e.ID, FollowUpInput{Message: "hi", Groups: AllGroups}, nil); err != nil || n != (Notified{}) {
		t.Errorf("cancelled event: %+v %v", n, err)
	}
}
