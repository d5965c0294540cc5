package ticketing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// withReminders starts the service again on the same database with these
// configured offsets, as a restart of Admit would.
func (w *world) withReminders(offsets ...time.Duration) {
	w.t.Helper()
	o := w.svc
	svc, err := New(w.store, Options{Secret: o.secret, Subjects: o.subjects, Renderer: o.renderer, PublicURL: o.publicURL,
		Hold: o.hold, Providers: o.providers, Modules: o.modules, Now: w.clock.Now, Reminders: offsets, Log: o.log})
	if err != nil {
		w.t.Fatal(err)
	}
	w.svc = svc
}

// remind runs the reminder job at `at` and returns how many it queued.
func (w *world) remind(at time.Time) int {
	w.t.Helper()
	w.clock.Set(at)
	n, err := w.svc.SendDueReminders(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// reminders counts the reminders queued about registration id.
func (w *world) reminders(id int64) int {
	w.t.Helper()
	n := 0
	for _, k := range w.mails(id) {
		if k == model.MailReminder {
			n++
		}
	}
	return n
}

// lastReminder is the last reminder queued about registration id.
func (w *world) lastReminder(id int64) model.OutboxMail {
	w.t.Helper()
	all, err := w.store.Outbox(w.ctx, "", 10000)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, m := range all { // newest first
		if m.RegistrationID != nil && *m.RegistrationID == id && m.Kind == model.MailReminder {
			return m
		}
	}
	w.t.Fatalf("no reminder for registration %d", id)
	return model.OutboxMail{}
}

func TestRemindersAtEachOffsetOnce(t *testing.T) {
	w := newWorld(t)
	w.withReminders(24*time.Hour, time.Hour)
	e := w.event(eventSpec{})
	ada := w.mustRegister(e, "ada@example.org", nil)

	steps := []struct {
		at   time.Time
		want int // reminders queued by this run
	}{
		{sessionStart.Add(-24*time.Hour - time.Minute), 0},
		{sessionStart.Add(-24 * time.Hour), 1},
		{sessionStart.Add(-24*time.Hour + time.Minute), 0},
		{sessionStart.Add(-time.Hour - time.Second), 0},
		{sessionStart.Add(-time.Hour + 30*time.Second), 1},
		{sessionStart.Add(-30 * time.Minute), 0},
		{sessionStart.Add(time.Minute), 0},
	}
	for _, st := range steps {
		if got := w.remind(st.at); got != st.want {
			t.Fatalf("at %v before the session: %d reminders queued, want %d", sessionStart.Sub(st.at), got, st.want)
		}
		if st.want == 1 {
			// Restarted right after: nothing is sent again.
			w.withReminders(24*time.Hour, time.Hour)
			if got := w.remind(st.at.Add(time.Minute)); got != 0 {
				t.Fatalf("after a restart, %d reminders queued again", got)
			}
		}
	}
	if got := w.mails(ada.ID); !slices.Equal(got, []string{model.MailAccess, model.MailReminder, model.MailReminder}) {
		t.Fatalf("mails %v", got)
	}
	// The reminder names its session, carries the personal link and the
	// calendar file, in the registrant's language.
	msg, err := w.svc.Compose(w.ctx, w.lastReminder(ada.ID))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.Text, w.svc.AccessURL(ada.TokenNonce)) || len(msg.Attachments) != 1 || !strings.Contains(msg.Subject, e.Title) {
		t.Fatalf("reminder: subject %q, %d attachments\n%s", msg.Subject, len(msg.Attachments), msg.Text)
	}
}

func TestRemindersFollowAMovedSession(t *testing.T) {
	w := newWorld(t)
	w.withReminders(time.Hour)
	e := w.event(eventSpec{})
	ada := w.mustRegister(e, "ada@example.org", nil)
	moved := sessionStart.Add(48 * time.Hour)
	sessions := []SessionInput{{ID: &e.Sessions[0].ID, StartsAt: ptr(moved.Format(time.RFC3339)), DurationMinutes: ptr(int64(60))}}
	if _, err := w.svc.UpdateEvent(w.ctx, e.ID, EventInput{Sessions: &sessions}); err != nil {
		t.Fatal(err)
	}
	if n := w.remind(sessionStart.Add(-time.Hour)); n != 0 {
		t.Fatalf("%d reminders for the session's old time", n)
	}
	if n := w.remind(moved.Add(-time.Hour)); n != 1 {
		t.Fatalf("%d reminders for its new time, want 1", n)
	}
	// Moved again after its reminder, to a later day: it is reminded
	// again for the new day, once.
	later := moved.Add(24 * time.Hour)
	sessions[0].StartsAt = ptr(later.Format(time.RFC3339))
	if _, err := w.svc.UpdateEvent(w.ctx, e.ID, EventInput{Sessions: &sessions}); err != nil {
		t.Fatal(err)
	}
	if n := w.remind(moved.Add(-30 * time.Minute)); n != 0 {
		t.Fatalf("%d reminders before the new time's", n)
	}
	if n := w.remind(later.Add(-time.Hour)); n != 1 {
		t.Fatalf("%d reminders for the later time, want 1", n)
	}
	if n := w.remind(later.Add(-time.Minute)); n != 0 || w.reminders(ada.ID) != 2 {
		t.Fatalf("reminders %d", w.reminders(ada.ID))
	}
}

func TestRemindersOnlyToThoseWhoMayAttend(t *testing.T) {
	w := newWorld(t)
	w.withReminders(24*time.Hour, time.Hour)
	free := w.event(eventSpec{})
	paidEvent := w.event(eventSpec{price: 1500})
	ada := w.mustRegister(free, "ada@example.org", nil)
	cancelled := w.mustRegister(free, "bob@example.org", nil)
	if _, err := w.svc.CancelRegistration(w.ctx, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	unpaid := w.mustRegister(paidEvent, "carl@example.org", nil)
	payer := w.pay(w.mustRegister(paidEvent, "dora@example.org", nil))
	// Eve registers 2 hours before: the 24-hour reminder's time had
	// passed, the 1-hour one had not.
	w.clock.Set(sessionStart.Add(-2 * time.Hour))
	eve := w.mustRegister(free, "eve@example.org", nil)

	// Admit was stopped until half an hour before: the reminders due
	// meanwhile leave now, one mail per registrant.
	if n := w.remind(sessionStart.Add(-30 * time.Minute)); n != 3 {
		t.Fatalf("%d reminders queued, want 3 (ada, dora, eve)", n)
	}
	if n := w.remind(sessionStart.Add(-29 * time.Minute)); n != 0 {
		t.Fatalf("%d reminders queued again", n)
	}
	for _, c := range []struct {
		who  string
		id   int64
		want int
	}{{"confirmed", ada.ID, 1}, {"paid", payer.ID, 1}, {"registered late", eve.ID, 1}, {"cancelled", cancelled.ID, 0}, {"unpaid", unpaid.ID, 0}} {
		if got := w.reminders(c.id); got != c.want {
			t.Errorf("%s: %d reminders, want %d", c.who, got, c.want)
		}
	}
}

func TestRemindersLateRegistrantGetsOnlyLaterOnes(t *testing.T) {
	w := newWorld(t)
	w.withReminders(24*time.Hour, time.Hour)
	e := w.event(eventSpec{})
	w.clock.Set(sessionStart.Add(-2 * time.Hour))
	eve := w.mustRegister(e, "eve@example.org", nil)
	if n := w.remind(sessionStart.Add(-90 * time.Minute)); n != 0 {
		t.Fatalf("%d reminders whose time had passed at registration", n)
	}
	if n := w.remind(sessionStart.Add(-time.Hour)); n != 1 || w.reminders(eve.ID) != 1 {
		t.Fatalf("%d reminders at the hour", n)
	}
}

func TestRemindersPerEventAndPerSession(t *testing.T) {
	w := newWorld(t)
	w.withReminders(time.Hour)
	off := w.event(eventSpec{})
	if _, err := w.svc.UpdateEvent(w.ctx, off.ID, EventInput{Reminders: Opt[[]string]{Set: true, Value: []string{}}}); err != nil {
		t.Fatal(err)
	}
	own := w.event(eventSpec{})
	upd, err := w.svc.UpdateEvent(w.ctx, own.ID, EventInput{Reminders: Opt[[]string]{Set: true, Value: []string{"30m", "2h", "30m"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(upd.Reminders, []time.Duration{2 * time.Hour, 30 * time.Minute}) {
		t.Fatalf("offsets %v", upd.Reminders)
	}
	second := sessionStart.Add(7 * 24 * time.Hour)
	series := w.event(eventSpec{sessions: []time.Time{sessionStart, second}})
	a := w.mustRegister(off, "a@example.org", nil)
	b := w.mustRegister(own, "b@example.org", nil)
	c := w.mustRegister(series, "c@example.org", &series.Sessions[1].ID)

	if n := w.remind(sessionStart.Add(-2 * time.Hour)); n != 1 || w.reminders(b.ID) != 1 {
		t.Fatalf("at 2 hours: %d queued", n)
	}
	if n := w.remind(sessionStart.Add(-time.Hour)); n != 0 {
		t.Fatalf("at 1 hour: %d queued (the series' first session is not c's; the others have their own offsets)", n)
	}
	if n := w.remind(sessionStart.Add(-30 * time.Minute)); n != 1 || w.reminders(b.ID) != 2 {
		t.Fatalf("at 30 minutes: %d queued", n)
	}
	if n := w.remind(second.Add(-time.Hour)); n != 1 || w.reminders(c.ID) != 1 || w.reminders(a.ID) != 0 {
		t.Fatalf("c's session: %d queued; a %d", n, w.reminders(a.ID))
	}

	// Back to the configured offsets with null.
	upd, err = w.svc.UpdateEvent(w.ctx, off.ID, EventInput{Reminders: Opt[[]string]{Set: true, Null: true}})
	if err != nil || upd.Reminders != nil {
		t.Fatalf("null: %v %v", upd.Reminders, err)
	}
	for _, bad := range [][]string{{"2x"}, {"0m"}, {"721h"}, {"90s"}} {
		_, err := w.svc.UpdateEvent(w.ctx, own.ID, EventInput{Reminders: Opt[[]string]{Set: true, Value: bad}})
		var p *model.Problem
		if !errors.As(err, &p) || p.Fields["reminders"] == "" {
			t.Errorf("reminders %v: %v, want 422 naming reminders", bad, err)
		}
	}
}

// TestRemindersManyInBatches: more registrants than one transaction takes
// are all reminded, once each, even when Admit stops in the middle: a batch
// that did not commit leaves nothing behind, and one that did is not sent
// again.
func TestRemindersManyInBatches(t *testing.T) {
	w := newWorld(t)
	w.withReminders(time.Hour)
	e := w.event(eventSpec{})
	const n = reminderBatch + 150
	ids := map[int64]bool{}
	for i := range n {
		ids[w.mustRegister(e, fmt.Sprintf("p%d@example.org", i), nil).ID] = true
	}
	w.clock.Set(sessionStart.Add(-time.Hour))
	var pairs []store.ReminderPair
	crash := errors.New("the process stopped")
	batch := func(limit int, stop error) error {
		return w.store.Write(w.ctx, func(tx *store.Tx) error {
			var err error
			if pairs, err = tx.DueReminderPairs(w.svc.reminders); err != nil || len(pairs) != 1 {
				return fmt.Errorf("pairs %v, %v", pairs, err)
			}
			due, err := tx.DueReminders(pairs[0], 0, limit)
			if err != nil {
				return err
			}
			for _, d := range due {
				id, err := w.svc.queueReminder(tx, d)
				if err != nil {
					return err
				}
				if err := tx.MarkReminder(d, id); err != nil {
					return err
				}
			}
			return stop
		})
	}
	// Stopped in the middle of a batch: nothing of it stays.
	if err := batch(300, crash); !errors.Is(err, crash) {
		t.Fatal(err)
	}
	// A batch committed, then a restart.
	if err := batch(400, nil); err != nil {
		t.Fatal(err)
	}
	w.withReminders(time.Hour)
	if got := w.remind(sessionStart.Add(-59 * time.Minute)); got != n-400 {
		t.Fatalf("%d queued after the restart, want %d", got, n-400)
	}
	if got := w.remind(sessionStart.Add(-58 * time.Minute)); got != 0 {
		t.Fatalf("%d queued again", got)
	}
	all, err := w.store.Outbox(w.ctx, "", 10*n)
	if err != nil {
		t.Fatal(err)
	}
	per := map[int64]int{}
	for _, m := range all {
		if m.Kind == model.MailReminder {
			per[*m.RegistrationID]++
		}
	}
	for id := range ids {
		if per[id] != 1 {
			t.Fatalf("registration %d: %d reminders", id, per[id])
		}
	}
}
