package ticketing

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// TestPreviewChangesNothing: a preview of moving and removing sessions
// names the mails and refunds the change would make, and makes none of
// them; the change itself then makes exactly those. A preview of invalid
// input gets the change's own errors.
func TestPreviewChangesNothing(t *testing.T) {
	w := newWorld(t)
	first, second := sessionStart, sessionStart.Add(7*24*time.Hour)
	e := w.event(eventSpec{price: 2000, sessions: []time.Time{first, second}})
	s1, s2 := e.Sessions[0].ID, e.Sessions[1].ID
	ada := w.pay(w.mustRegister(e, "ada@example.org", &s1))
	bob := w.pay(w.mustRegister(e, "bob@example.org", &s2))
	before := [][]string{w.mails(ada.ID), w.mails(bob.ID)}

	// Session 1 moves an hour; session 2 is removed.
	in := EventInput{Sessions: &[]SessionInput{{ID: &s1, StartsAt: ptr(first.Add(time.Hour).Format(time.RFC3339)), DurationMinutes: ptr(int64(60))}}}
	p, err := w.svc.PreviewUpdateEvent(w.ctx, e.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	kinds := func(ms []model.OutboxMail) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.To+" "+m.Kind)
		}
		slices.Sort(out)
		return out
	}
	want := []string{"ada@example.org event_changed", "bob@example.org session_removed"}
	if got := kinds(p.Mails); !slices.Equal(got, want) {
		t.Fatalf("preview mails %v, want %v", got, want)
	}
	if len(p.Refunds) != 1 || p.Refunds[0].RegistrationID != bob.ID || p.Refunds[0].Amount != 2000 {
		t.Fatalf("preview refunds %+v", p.Refunds)
	}
	if len(p.Event.Sessions) != 1 || !p.Event.Sessions[0].StartsAt.Equal(first.Add(time.Hour)) {
		t.Fatalf("preview event sessions %+v", p.Event.Sessions)
	}
	// Nothing happened.
	now, err := w.svc.Event(w.ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(now.Sessions) != 2 || !slices.Equal(w.mails(ada.ID), before[0]) || !slices.Equal(w.mails(bob.ID), before[1]) ||
		w.reg(bob.ID).Status != model.StatusConfirmed {
		t.Fatalf("the preview changed something: %d sessions, mails %v %v, bob %s", len(now.Sessions), w.mails(ada.ID), w.mails(bob.ID), w.reg(bob.ID).Status)
	}
	if _, refunds := w.prov.asked(); len(refunds) != 0 {
		t.Fatalf("the preview asked for refunds: %+v", refunds)
	}
	// The change does what the preview said (and the refund, once sent, is
	// told too).
	if _, err := w.svc.UpdateEvent(w.ctx, e.ID, in); err != nil {
		t.Fatal(err)
	}
	if got := append(slices.Clone(w.mails(ada.ID)[len(before[0]):]), w.mails(bob.ID)[len(before[1]):]...); !slices.Equal(got, []string{"event_changed", "session_removed", "refunded"}) {
		t.Fatalf("after the change: %v", got)
	}
	w.wantRefunds(t, "removed session", bob, 2000)

	// Invalid input: the change's own errors, and nothing else.
	_, err = w.svc.PreviewUpdateEvent(w.ctx, e.ID, EventInput{Sessions: &[]SessionInput{{StartsAt: ptr("soon"), DurationMinutes: ptr(int64(0))}}})
	var p2 *model.Problem
	if !errors.As(err, &p2) || p2.Fields["sessions[0].starts_at"] == "" || p2.Fields["sessions[0].duration_minutes"] == "" {
		t.Fatalf("invalid preview: %v", err)
	}

	// Cancelling: everyone told, every payment refunded, in the preview only.
	c, err := w.svc.PreviewCancelEvent(w.ctx, e.ID, "Sorry", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(c.Mails); !slices.Equal(got, []string{"ada@example.org event_cancelled"}) || len(c.Refunds) != 1 || c.Refunds[0].Amount != 2000 ||
		c.Event.Status != model.EventCancelled {
		t.Fatalf("cancel preview: %v, refunds %+v, status %s", got, c.Refunds, c.Event.Status)
	}
	if now, _ := w.svc.Event(w.ctx, e.ID); now.Status != model.EventPublished || w.reg(ada.ID).Status != model.StatusConfirmed {
		t.Fatalf("the cancel preview cancelled: %s, ada %s", now.Status, w.reg(ada.ID).Status)
	}
}
