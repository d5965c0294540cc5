package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/admit/admit/app/model"
)

func (e *env) mailKinds() map[string]int {
	e.t.Helper()
	out := map[string]int{}
	for _, m := range e.outbox() {
		out[m.Kind]++
	}
	return out
}

func TestAdminRegistrations(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(map[string]any{"capacity": 1}))
	id := num(ev["id"])
	regs := fmt.Sprintf("/api/v1/events/%d/registrations", id)
	rid, _ := e.registerOne("intro-to-go", "=HYPERLINK(\"http://evil\")", "ada@example.org")

	e.run(t, []scenario{
		{name: "list", method: "GET", path: regs, admin: true, status: 200, contains: []string{`"items":[`, `"email":"ada@example.org"`, `"amount_paid":0`, `"status":"confirmed"`}},
		{name: "list filtered", method: "GET", path: regs + "?status=cancelled", admin: true, status: 200, contains: []string{`"items":[]`}},
		{name: "list bad filter", method: "GET", path: regs + "?status=paid", admin: true, status: 422},
		{name: "list unknown event", method: "GET", path: "/api/v1/events/999/registrations", admin: true, status: 404},
		{name: "list needs admin", method: "GET", path: regs, status: 401},
		{name: "add attendee when full", method: "POST", path: regs, admin: true, body: map[string]any{"name": "Bob", "email": "bob@example.org"}, status: 409, contains: []string{"sold_out"}},
		{name: "add panelist beyond capacity", method: "POST", path: regs, admin: true, body: map[string]any{"name": "Pat", "email": "pat@example.org", "role": "panelist"}, status: 201, contains: []string{`"role":"panelist"`, `"status":"confirmed"`}},
		{name: "add with bad role", method: "POST", path: regs, admin: true, body: map[string]any{"name": "Pat", "email": "pat2@example.org", "role": "boss"}, status: 422, contains: []string{`"role"`}},
		{name: "add twice", method: "POST", path: regs, admin: true, body: map[string]any{"name": "Pat", "email": "PAT@example.org", "role": "co_organizer"}, status: 409},
		{name: "resend", method: "POST", path: fmt.Sprintf("/api/v1/registrations/%d/resend", rid), admin: true, status: 200},
		{name: "confirm a confirmed one", method: "POST", path: fmt.Sprintf("/api/v1/registrations/%d/confirm", rid), admin: true, status: 409, contains: []string{`"code":"conflict"`}},
		{name: "cancel", method: "POST", path: fmt.Sprintf("/api/v1/registrations/%d/cancel", rid), admin: true, status: 200, contains: []string{`"status":"cancelled"`}},
		{name: "cancel again", method: "POST", path: fmt.Sprintf("/api/v1/registrations/%d/cancel", rid), admin: true, status: 409},
		{name: "unknown registration", method: "POST", path: "/api/v1/registrations/999/cancel", admin: true, status: 404},
		{name: "outbox", method: "GET", path: "/api/v1/outbox", admin: true, status: 200, contains: []string{`"kind":"access"`, `"kind":"access_resend"`, `"kind":"cancelled"`, `"status":"queued"`}},
		{name: "outbox bad status", method: "GET", path: "/api/v1/outbox?status=lost", admin: true, status: 422},
		{name: "one mail composed", method: "GET", path: "/api/v1/outbox/1", admin: true, status: 200, contains: []string{`"text":"`, `"html":"`, "http://tickets.test/a/"}},
		{name: "one mail needs admin", method: "GET", path: "/api/v1/outbox/1", status: 401},
		{name: "unknown mail", method: "GET", path: "/api/v1/outbox/999", admin: true, status: 404},
	})
	e.t = t
	// Ada cancelled: her seat is free again; the panelist takes none.
	if r := e.do("GET", "/api/v1/public/events/intro-to-go", nil, false); !strings.Contains(string(r.Body), `"seats_left":1`) {
		t.Fatalf("seats after the cancel: %s", r.Body)
	}
	r := e.do("GET", regs+".csv", nil, true)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "id" || rows[0][2] != "email" {
		t.Fatalf("csv rows %v, %v", rows, err)
	}
	if !strings.HasPrefix(rows[1][1], "'=") {
		t.Fatalf("a formula-like name must be defused: %q", rows[1][1])
	}
}

func TestSessionChangesNotifyRegistrants(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(map[string]any{"title": "Course", "kind": "series", "series_registration": "individual", "timezone": "UTC", "capacity": 5,
		"sessions": []map[string]any{{"starts_at": "2026-12-02T18:00:00Z", "duration_minutes": 60}, {"starts_at": "2026-12-09T18:00:00Z", "duration_minutes": 60}}})
	id := num(ev["id"])
	ss := ev["sessions"].([]any)
	s1, s2 := num(ss[0].(map[string]any)["id"]), num(ss[1].(map[string]any)["id"])
	reg := func(name string, session int64) int64 {
		r := e.do("POST", "/api/v1/public/events/course/registrations", map[string]any{"name": name, "email": name + "@example.org", "session_id": session}, false)
		if r.Status != 201 {
			t.Fatalf("register: %d %s", r.Status, r.Body)
		}
		return num(r.JSON(t)["registration"].(map[string]any)["id"])
	}
	a := reg("ada", s1)
	b := reg("bob", s2)
	before := e.mailKinds()
	// Session 1 moves by an hour, session 2 is removed, a third is added.
	r := e.do("PATCH", fmt.Sprintf("/api/v1/events/%d", id), map[string]any{"sessions": []map[string]any{
		{"id": s1, "starts_at": "2026-12-02T19:00:00Z", "duration_minutes": 60},
		{"starts_at": "2026-12-16T18:00:00Z", "duration_minutes": 60},
	}}, true)
	if r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	after := e.mailKinds()
	if got := after[model.MailEventChanged] - before[model.MailEventChanged]; got != 1 {
		t.Fatalf("%d change notices, want 1 (the moved session's)", got)
	}
	if got := after[model.MailSessionRemoved] - before[model.MailSessionRemoved]; got != 1 {
		t.Fatalf("%d removal notices, want 1 (the removed session's)", got)
	}
	ra, _ := e.store.Registration(context.Background(), a)
	rb, _ := e.store.Registration(context.Background(), b)
	if ra.Status != model.StatusConfirmed || rb.Status != model.StatusCancelled {
		t.Fatalf("statuses after the change: %s, %s", ra.Status, rb.Status)
	}
	if got := len(r.JSON(t)["sessions"].([]any)); got != 2 {
		t.Fatalf("%d sessions after the patch", got)
	}
	// Renaming only notifies nobody.
	e.do("PATCH", fmt.Sprintf("/api/v1/events/%d", id), map[string]any{"title": "Course 2"}, true)
	if e.mailKinds()[model.MailEventChanged] != after[model.MailEventChanged] {
		t.Fatal("a title change sent notices")
	}
}

func TestCancelEventNotifiesEveryone(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(nil))
	e.registerOne("intro-to-go", "Ada", "ada@example.org")
	e.registerOne("intro-to-go", "Bob", "bob@example.org")
	r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", num(ev["id"])), map[string]any{"message": "The speaker is ill."}, true)
	if r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if n := e.mailKinds()[model.MailEventCancel]; n != 2 {
		t.Fatalf("%d cancellation notices", n)
	}
	if r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Cy", "email": "cy@example.org"}, false); r.Status != 410 {
		t.Fatalf("register after cancel: %d", r.Status)
	}
	if r := e.do("GET", "/e/intro-to-go", nil, false); r.Status != 200 || !strings.Contains(string(r.Body), "The speaker is ill.") {
		t.Fatalf("page after cancel: %d", r.Status)
	}
	// Cancelling again changes nothing and sends nothing.
	e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", num(ev["id"])), map[string]any{"message": "again"}, true)
	if n := e.mailKinds()[model.MailEventCancel]; n != 2 {
		t.Fatalf("%d notices after a second cancel", n)
	}
}

func TestEventPageForm(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"title": `<img src=x onerror=alert(1)>`, "slug": "xss"}))
	form := "name=%3Cscript%3Ealert(2)%3C%2Fscript%3E&email=bad"
	r := e.do("POST", "/e/xss", []byte(form), false, "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != 422 || strings.Contains(string(r.Body), "<script>alert(2)") || !strings.Contains(string(r.Body), "&lt;script&gt;alert(2)") {
		t.Fatalf("bad form: %d\n%s", r.Status, r.Body)
	}
	for _, p := range []string{"/e/xss", "/e/xss?lang=de"} {
		r = e.do("GET", p, nil, false)
		if strings.Contains(string(r.Body), "<img src=x") {
			t.Fatalf("%s: title not escaped", p)
		}
	}
	r = e.do("POST", "/e/xss?lang=es", []byte("name=Ana&email=ana%40example.org"), false, "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != 201 || !strings.Contains(string(r.Body), `lang="es"`) {
		t.Fatalf("good form: %d\n%s", r.Status, r.Body)
	}
	regs, _ := e.store.Registrations(context.Background(), 1, "")
	if len(regs) != 1 || regs[0].Locale != "es" {
		t.Fatalf("registrations %+v", regs)
	}
	r = e.do("POST", "/e/xss", []byte("name=Ana&email=ana%40example.org"), false, "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != 409 || !strings.Contains(string(r.Body), "already registered") {
		t.Fatalf("twice: %d\n%s", r.Status, r.Body)
	}
}
