package web

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestJoinSeesEveryChange: the join link reads the event and its sessions
// from a cache; every change an administrator makes is seen by the very
// next join (a moved or removed session, a new room, a cancelled event, a
// cancelled registration), and a second registration's join after each
// change is answered the same way. Each join below is made right after the
// change was answered, with the cache warm from the join before.
func TestJoinSeesEveryChange(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(nil))
	id := num(ev["id"])
	session := num(ev["sessions"].([]any)[0].(map[string]any)["id"])
	_, ada := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	regGrace, grace := e.registerOne("intro-to-go", "Grace", "grace@example.org")
	e.clock.Set(time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)) // the session's start

	join := func(step, token string, status int, want string) {
		t.Helper()
		for i := 0; i < 2; i++ { // the first read fills the cache, the second reads it
			r := e.do("GET", "/a/"+token+"/join", nil, false)
			got := r.Header.Get("Location")
			if r.Status != 302 {
				got = string(r.Body)
			}
			if r.Status != status || !strings.Contains(got, want) {
				t.Fatalf("%s, join %d: %d %q, want %d with %q", step, i+1, r.Status, got, status, want)
			}
		}
	}
	patch := func(step string, body map[string]any) {
		t.Helper()
		if r := e.do("PATCH", fmt.Sprintf("/api/v1/events/%d", id), body, true); r.Status != 200 {
			t.Fatalf("%s: %d %s", step, r.Status, r.Body)
		}
	}
	join("at the start", ada, 302, "https://meet.example.org/intro")

	patch("new room", map[string]any{"join_url": "https://meet.example.org/moved"})
	join("after the room moved", ada, 302, "https://meet.example.org/moved")
	join("after the room moved", grace, 302, "https://meet.example.org/moved")

	patch("session's own room", map[string]any{"sessions": []map[string]any{{"id": session, "starts_at": "2026-12-01T18:00:00+01:00", "duration_minutes": 90, "join_url": "https://meet.example.org/session"}}})
	join("after the session's room was set", ada, 302, "https://meet.example.org/session")

	patch("session moved a day later", map[string]any{"sessions": []map[string]any{{"id": session, "starts_at": "2026-12-02T18:00:00+01:00", "duration_minutes": 90}}})
	join("after the session moved", ada, 200, "not open yet")
	patch("session moved back", map[string]any{"sessions": []map[string]any{{"id": session, "starts_at": "2026-12-01T18:00:00+01:00", "duration_minutes": 90}}})
	join("after the session moved back", ada, 302, "https://meet.example.org/moved")
	patch("session shortened", map[string]any{"sessions": []map[string]any{{"id": session, "starts_at": "2026-12-01T17:00:00+01:00", "duration_minutes": 30}}})
	join("after the session ended earlier", ada, 200, "ended")
	patch("session lengthened", map[string]any{"sessions": []map[string]any{{"id": session, "starts_at": "2026-12-01T17:00:00+01:00", "duration_minutes": 90}}})
	join("after the session lengthened", ada, 302, "https://meet.example.org/moved")

	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", regGrace), nil, true); r.Status != 200 {
		t.Fatalf("cancel Grace: %d %s", r.Status, r.Body)
	}
	join("after Grace's registration was cancelled", grace, 403, "cancelled")
	join("after Grace's registration was cancelled", ada, 302, "https://meet.example.org/moved")

	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", id), map[string]any{"message": "Sorry"}, true); r.Status != 200 {
		t.Fatalf("cancel the event: %d %s", r.Status, r.Body)
	}
	join("after the event was cancelled", ada, 403, "cancelled")
}

// TestJoinSeesARefund: a paid registrant joins; partly refunded they still
// may, refunded in full the very next join is refused (the registration is
// read at every join, the event from the cache).
func TestJoinSeesARefund(t *testing.T) {
	e, f := fakeEnv(t)
	e.createEvent(paidEvent(nil))
	ada, token := e.payFake(f, "intro-to-go", "Ada", 1999, nil)
	e.clock.Set(time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)) // the session's start
	join := func(step string, status int, want string) {
		t.Helper()
		r := e.do("GET", "/a/"+token+"/join", nil, false)
		got := r.Header.Get("Location")
		if r.Status != 302 {
			got = string(r.Body)
		}
		if r.Status != status || !strings.Contains(got, want) {
			t.Fatalf("%s: %d %q, want %d with %q", step, r.Status, got, status, want)
		}
	}
	join("paid", 302, "https://meet.example.org/intro")
	path := fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID)
	if r := e.do("POST", path, map[string]any{"amount": 500}, true); r.Status != 200 {
		t.Fatalf("partial refund: %d %s", r.Status, r.Body)
	}
	join("partly refunded", 302, "https://meet.example.org/intro")
	if r := e.do("POST", path, nil, true); r.Status != 200 || !strings.Contains(string(r.Body), `"status":"refunded"`) {
		t.Fatalf("refund of the rest: %d %s", r.Status, r.Body)
	}
	join("refunded in full", 403, "refunded")
}
