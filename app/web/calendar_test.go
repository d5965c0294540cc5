package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/mail/mailtest"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// icsOf reads the .ics attachment of a mail with ical.js.
func icsOf(t *testing.T, m mail.Message, method string) mailtest.ICS {
	t.Helper()
	for _, a := range m.Attachments {
		if strings.HasPrefix(a.ContentType, "text/calendar") {
			if !strings.Contains(a.ContentType, "method="+method) {
				t.Errorf("attachment %q, want method=%s", a.ContentType, method)
			}
			c := mailtest.ParseICS(t, a.Data)
			if c.Method != method {
				t.Errorf("METHOD:%s, want %s", c.Method, method)
			}
			return c
		}
	}
	t.Fatalf("no calendar attached to %q", m.Subject)
	return mailtest.ICS{}
}

// routeICS reads GET /a/{token}/calendar.ics with ical.js.
func (e *env) routeICS(token string) mailtest.ICS {
	e.t.Helper()
	r := e.do("GET", "/a/"+token+"/calendar.ics", nil, false)
	if r.Status != 200 {
		e.t.Fatalf("calendar.ics: %d %s", r.Status, r.Body)
	}
	return mailtest.ParseICS(e.t, r.Body)
}

// oneEvent is the single VEVENT of c.
func oneEvent(t *testing.T, c mailtest.ICS) mailtest.ICSEvent {
	t.Helper()
	if len(c.Events) != 1 {
		t.Fatalf("%d events, want 1: %+v", len(c.Events), c)
	}
	return c.Events[0]
}

// Calendar files that clients trust, read by an independent parser: UIDs
// unique to the installation and stable across sends, a higher SEQUENCE and
// a fresh DTSTAMP after a move, and once cancelled a METHOD:CANCEL file in
// the mail whose events are STATUS:CANCELLED.
func TestCalendarFilesClientsTrust(t *testing.T) {
	e := newEnv(t) // http://tickets.test
	ev := e.createEvent(liveEvent(nil))
	id := num(ev["id"])
	sid := num(ev["sessions"].([]any)[0].(map[string]any)["id"])
	reg, token := e.registerOne("intro-to-go", "Ada", "ada@example.org")

	// The access mail, delivered through SMTP: its attachment and the
	// route give the same UID, in the public URL's domain.
	srv, d := e.smtp()
	got := e.delivered(srv, d, 1)["ada@example.org"]
	if id := got.Header.Get("Message-Id"); !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("Message-ID %q, want the domain of smtp.from", id)
	}
	var att []byte
	for _, a := range got.Attachments {
		if strings.HasPrefix(a.ContentType, "text/calendar") {
			att = a.Data
		}
	}
	first := oneEvent(t, mailtest.ParseICS(t, att))
	prefix := fmt.Sprintf("reg-%d-%d-", reg, sid)
	if !strings.HasPrefix(first.UID, prefix) || !strings.HasSuffix(first.UID, "@tickets.test") || first.Sequence != 0 || first.Status != "" {
		t.Fatalf("access mail's event: %+v", first)
	}
	if r := oneEvent(t, e.routeICS(token)); r.UID != first.UID || r.Sequence != 0 {
		t.Errorf("calendar.ics event %+v, want UID %q", r, first.UID)
	}
	// A re-send carries the same UID.
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/resend", reg), nil, true); r.Status != 200 {
		t.Fatalf("resend: %d %s", r.Status, r.Body)
	}
	if r := oneEvent(t, icsOf(t, e.composed(reg, model.MailResend), "PUBLISH")); r.UID != first.UID {
		t.Errorf("re-sent UID %q, want %q", r.UID, first.UID)
	}

	// The session moves: same UID, SEQUENCE 1, DTSTAMP now, new times.
	e.clock.Add(time.Hour)
	moved := time.Date(2026, 12, 2, 19, 0, 0, 0, time.UTC)
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/events/%d", id), map[string]any{"sessions": []map[string]any{
		{"id": sid, "starts_at": moved.Format(time.RFC3339), "duration_minutes": 90},
	}}, true); r.Status != 200 {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	for name, c := range map[string]mailtest.ICS{
		"change mail": icsOf(t, e.composed(reg, model.MailEventChanged), "PUBLISH"), "calendar.ics": e.routeICS(token),
	} {
		ev := oneEvent(t, c)
		stamp, start, _ := ev.Times()
		if ev.UID != first.UID || ev.Sequence != 1 || !start.Equal(moved) || !stamp.Equal(e.clock.Now().Truncate(time.Second)) {
			t.Errorf("%s after the move: %+v", name, ev)
		}
	}
	// Saving the event again without moving it keeps the SEQUENCE.
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/events/%d", id), map[string]any{"sessions": []map[string]any{
		{"id": sid, "starts_at": moved.Format(time.RFC3339), "duration_minutes": 90},
	}}, true); r.Status != 200 {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	if ev := oneEvent(t, e.routeICS(token)); ev.Sequence != 1 {
		t.Errorf("SEQUENCE %d after a save that moved nothing, want 1", ev.Sequence)
	}

	// Cancelled: the mail carries METHOD:CANCEL with STATUS:CANCELLED.
	if r := e.do("POST", "/a/"+token+"/cancel", nil, false, "Accept", "application/json"); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if ev := oneEvent(t, icsOf(t, e.composed(reg, model.MailCancelled), "CANCEL")); ev.UID != first.UID || ev.Status != "CANCELLED" || ev.Sequence != 1 {
		t.Errorf("cancellation mail's event: %+v", ev)
	}
	// The page's file lists the sessions one may attend: none now.
	if c := e.routeICS(token); len(c.Events) != 0 {
		t.Errorf("calendar.ics after cancel: %+v", c)
	}

	// A cancelled event does the same for those still registered.
	bob, bobToken := e.registerOne("intro-to-go", "Bob", "bob@example.org")
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", id), map[string]any{"message": "Sorry"}, true); r.Status != 200 {
		t.Fatalf("cancel event: %d %s", r.Status, r.Body)
	}
	if ev := oneEvent(t, icsOf(t, e.composed(bob, model.MailEventCancel), "CANCEL")); ev.Status != "CANCELLED" || !strings.HasPrefix(ev.UID, fmt.Sprintf("reg-%d-%d-", bob, sid)) {
		t.Errorf("event cancellation mail's event: %+v", ev)
	}
	if c := e.routeICS(bobToken); len(c.Events) != 0 {
		t.Errorf("calendar.ics after the event's cancellation: %+v", c)
	}
}

// Two installations never share a UID: another public URL gives another
// domain, and one without a public name (localhost) an id of its own
// derived from its secret key.
func TestCalendarUIDsPerInstallation(t *testing.T) {
	uid := func(publicURL string, secret byte) string {
		e := newEnvWith(t, nil, func(o *ticketing.Options, _ *Deps) {
			o.PublicURL = publicURL
			o.Secret = []byte(strings.Repeat(string(rune(secret)), 32))
		})
		e.createEvent(liveEvent(nil))
		_, token := e.registerOne("intro-to-go", "Ada", "ada@example.org")
		return oneEvent(t, e.routeICS(token)).UID
	}
	a := uid("https://tickets.one.example", 1)
	b := uid("https://Tickets.Two.example:8443", 1)
	l1 := uid("http://localhost:8080", 1)
	l2 := uid("http://127.0.0.1:8080", 2)
	if !strings.HasSuffix(a, "@tickets.one.example") || !strings.HasSuffix(b, "@tickets.two.example") {
		t.Errorf("UIDs %q, %q: want the public URLs' hosts", a, b)
	}
	for _, l := range []string{l1, l2} {
		if !strings.HasSuffix(l, ".admit.invalid") || strings.Contains(l, "localhost") || strings.Contains(l, "127.0.0.1") {
			t.Errorf("UID %q of a local installation", l)
		}
	}
	seen := map[string]bool{}
	for _, u := range []string{a, b, l1, l2} {
		if seen[u] {
			t.Errorf("UID %q twice across installations", u)
		}
		seen[u] = true
	}
}
