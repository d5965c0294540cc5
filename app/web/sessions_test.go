package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// paidCourse is a paid series registered per session (20.00 EUR), with
// sessions on 2, 9 and 16 December 2026.
func paidCourse(extra map[string]any) map[string]any {
	m := map[string]any{"title": "Course", "kind": "series", "series_registration": "individual", "timezone": "Europe/Paris",
		"capacity": 5, "status": "published", "price": map[string]any{"amount": 2000, "currency": "EUR"}, "providers": []string{"stripe"},
		"sessions": []map[string]any{
			{"starts_at": "2026-12-02T18:00:00Z", "duration_minutes": 60},
			{"starts_at": "2026-12-09T18:00:00Z", "duration_minutes": 60},
			{"starts_at": "2026-12-16T18:00:00Z", "duration_minutes": 60},
		}}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func sessionIDs(ev map[string]any) []int64 {
	var out []int64
	for _, s := range ev["sessions"].([]any) {
		out = append(out, num(s.(map[string]any)["id"]))
	}
	return out
}

// payFake registers someone and settles the fake checkout through the
// return page; it returns the registration and its access token.
func (e *env) payFake(f *fakeProvider, slug, name string, amount int64, extra map[string]any) (*model.Registration, string) {
	e.t.Helper()
	r := e.reg(e.buy(slug, name, extra))
	f.mu.Lock()
	f.paid[r.CheckoutID] = amount
	f.mu.Unlock()
	e.do("GET", f.successURL(e.t, r.CheckoutID), nil, false)
	if g := e.reg(r.ID); g.Status != model.StatusConfirmed || g.AmountPaid != amount {
		e.t.Fatalf("payment not applied: %s paid %d", g.Status, g.AmountPaid)
	}
	return e.reg(r.ID), e.accessToken(r.ID)
}

// TestRemovedSessionRefundsItsRegistrants: a paid registrant of a session
// that is removed is refunded in full (the refund queued with the change),
// told so, and keeps the session they had: their page, access JSON and
// calendar show nothing to attend, not the other sessions. (Before, the
// registration was only cancelled, nothing was refunded, and its session
// became null, so it showed every other session.)
func TestRemovedSessionRefundsItsRegistrants(t *testing.T) {
	e, f := fakeEnv(t)
	ev := e.createEvent(paidCourse(nil))
	s := sessionIDs(ev)
	ada, adaTok := e.payFake(f, "course", "Ada", 2000, map[string]any{"session_id": s[1]})
	bob, _ := e.payFake(f, "course", "Bob", 2000, map[string]any{"session_id": s[0]})
	cy := e.reg(e.buy("course", "Cy", map[string]any{"session_id": s[1]})) // still at checkout
	before := e.mailKinds()

	r := e.do("PATCH", fmt.Sprintf("/api/v1/events/%d", num(ev["id"])), map[string]any{"sessions": []map[string]any{
		{"id": s[0], "starts_at": "2026-12-02T18:00:00Z", "duration_minutes": 60},
		{"id": s[2], "starts_at": "2026-12-16T18:00:00Z", "duration_minutes": 60},
	}}, true)
	if r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	got := e.reg(ada.ID)
	if got.Status != model.StatusRefunded || got.AmountRefunded != 2000 {
		t.Fatalf("registrant of the removed session: %s refunded %d, want refunded 2000", got.Status, got.AmountRefunded)
	}
	if got.SessionID == nil || *got.SessionID != s[1] {
		t.Fatalf("the registration lost its session: %v", got.SessionID)
	}
	if g := e.reg(cy.ID); g.Status != model.StatusCancelled || g.AmountRefunded != 0 {
		t.Fatalf("unpaid registrant of the removed session: %s refunded %d", g.Status, g.AmountRefunded)
	}
	if g := e.reg(bob.ID); g.Status != model.StatusConfirmed || g.AmountRefunded != 0 {
		t.Fatalf("registrant of a kept session: %s refunded %d", g.Status, g.AmountRefunded)
	}
	after := e.mailKinds()
	if n := after[model.MailSessionRemoved] - before[model.MailSessionRemoved]; n != 2 {
		t.Fatalf("%d session-removed notices, want 2 (Ada and Cy): %v", n, after)
	}
	if n := after[model.MailRefunded] - before[model.MailRefunded]; n != 1 {
		t.Fatalf("%d refund mails, want 1", n)
	}
	if n := after[model.MailEventChanged] - before[model.MailEventChanged]; n != 0 {
		t.Fatalf("%d schedule-change notices for a removal that only touched one session's registrants", n)
	}
	msg := e.composed(ada.ID, model.MailSessionRemoved)
	for _, want := range []string{"removed", "Wednesday 9 December 2026, 19:00–20:00", "20.00\u00a0EUR", "http://tickets.test/e/course"} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("the notice lacks %q:\n%s", want, msg.Text)
		}
	}
	if len(msg.Attachments) != 0 {
		t.Error("the notice carries a calendar")
	}

	acc := e.do("GET", "/api/v1/access/"+adaTok, nil, false)
	if acc.Status != 200 || !strings.Contains(string(acc.Body), `"sessions":[]`) || !strings.Contains(string(acc.Body), fmt.Sprintf(`"session_id":%d`, s[1])) {
		t.Fatalf("access JSON: %d %s", acc.Status, acc.Body)
	}
	ics := e.do("GET", "/a/"+adaTok+"/calendar.ics", nil, false)
	if ics.Status != 200 || strings.Contains(string(ics.Body), "BEGIN:VEVENT") {
		t.Fatalf("calendar of a removed session: %d\n%s", ics.Status, ics.Body)
	}
	page := e.do("GET", "/a/"+adaTok, nil, false)
	if strings.Contains(string(page.Body), "16 December") || !strings.Contains(string(page.Body), "session you registered for was removed") {
		t.Fatalf("page of a removed session:\n%s", page.Body)
	}

	// The refund is not asked twice when the event is cancelled later.
	e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", num(ev["id"])), map[string]any{"message": "Sorry", "refund": true}, true)
	if g := e.reg(ada.ID); g.AmountRefunded != 2000 {
		t.Fatalf("refunded %d after the event's cancellation", g.AmountRefunded)
	}
}

// TestPastSessionWithRegistrantsIsKept: a session that has taken place is
// not removed while people registered for it (that would refund a session
// they attended); one without registrants may go.
func TestPastSessionWithRegistrantsIsKept(t *testing.T) {
	e, f := fakeEnv(t)
	ev := e.createEvent(paidCourse(nil))
	s := sessionIDs(ev)
	ada, _ := e.payFake(f, "course", "Ada", 2000, map[string]any{"session_id": s[0]})
	e.clock.Set(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	path := fmt.Sprintf("/api/v1/events/%d", num(ev["id"]))
	r := e.do("PATCH", path, map[string]any{"sessions": []map[string]any{
		{"id": s[1], "starts_at": "2026-12-09T18:00:00Z", "duration_minutes": 60},
	}}, true)
	if r.Status != 422 || !strings.Contains(string(r.Body), `"sessions"`) || !strings.Contains(string(r.Body), "taken place") {
		t.Fatalf("removing a past session with registrants: %d %s", r.Status, r.Body)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed || g.AmountRefunded != 0 {
		t.Fatalf("after the refusal: %s refunded %d", g.Status, g.AmountRefunded)
	}
	r = e.do("PATCH", path, map[string]any{"sessions": []map[string]any{
		{"id": s[0], "starts_at": "2026-12-02T18:00:00Z", "duration_minutes": 60},
		{"id": s[1], "starts_at": "2026-12-09T18:00:00Z", "duration_minutes": 60},
	}}, true)
	if r.Status != 200 {
		t.Fatalf("removing a session nobody registered for: %d %s", r.Status, r.Body)
	}
}

// TestCancelRefundHoursFromOwnSession: in a series registered per session,
// cancel_refund_hours counts from the registrant's own session, not the
// event's first (someone on a session weeks away was refused the refund
// once the first session was past).
func TestCancelRefundHoursFromOwnSession(t *testing.T) {
	e, f := fakeEnv(t)
	ev := e.createEvent(paidCourse(map[string]any{"cancel_refund_hours": 48}))
	s := sessionIDs(ev)
	late, lateTok := e.payFake(f, "course", "Ada", 2000, map[string]any{"session_id": s[2]})
	soon, soonTok := e.payFake(f, "course", "Bob", 2000, map[string]any{"session_id": s[1]})
	e.clock.Set(time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)) // the first session is past; the second is 30 hours away
	if r := e.do("GET", "/a/"+lateTok, nil, false); !strings.Contains(string(r.Body), "refunds you 20.00\u00a0EUR in full") {
		t.Fatalf("the page of a session 8 days away does not offer the refund:\n%s", r.Body)
	}
	if r := e.do("GET", "/a/"+soonTok, nil, false); strings.Contains(string(r.Body), "in full") {
		t.Fatalf("the page of a session 30 hours away offers a refund:\n%s", r.Body)
	}
	e.do("POST", "/a/"+lateTok+"/cancel", nil, false, "Accept", "application/json")
	e.do("POST", "/a/"+soonTok+"/cancel", nil, false, "Accept", "application/json")
	if g := e.reg(late.ID); g.Status != model.StatusRefunded || g.AmountRefunded != 2000 {
		t.Errorf("cancelled 8 days before its session: %s refunded %d", g.Status, g.AmountRefunded)
	}
	if g := e.reg(soon.ID); g.Status != model.StatusCancelled || g.AmountRefunded != 0 {
		t.Errorf("cancelled 30 hours before its session: %s refunded %d", g.Status, g.AmountRefunded)
	}
}
