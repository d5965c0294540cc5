package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

func (e *env) registerOne(slug, name, email string) (int64, string) {
	e.t.Helper()
	r := e.do("POST", "/api/v1/public/events/"+slug+"/registrations", map[string]any{"name": name, "email": email}, false)
	if r.Status != 201 {
		e.t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	id := num(r.JSON(e.t)["registration"].(map[string]any)["id"])
	return id, e.accessToken(id)
}

func TestAccessLink(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	_, token := e.registerOne("intro-to-go", "Ada <script>alert(1)</script>", "ada@example.org")
	a := "/a/" + token

	e.run(t, []scenario{
		{name: "page", method: "GET", path: a, status: 200, contains: []string{"Intro to Go", "Ada &lt;script&gt;", "/calendar.ics", `lang="en"`}, absent: []string{"<script>alert"}},
		{name: "page in French", method: "GET", path: a + "?lang=fr", status: 200, contains: []string{`<html lang="fr">`, "décembre"}},
		{name: "page from Accept-Language", method: "GET", path: a, headers: []string{"Accept-Language", "ru-RU,ru;q=0.9"}, status: 200, contains: []string{`<html lang="ru">`}},
		{name: "json", method: "GET", path: "/api/v1/access/" + token, status: 200, contains: []string{`"status":"confirmed"`, `"email":"ada@example.org"`, `"join_open":false`, `"recordings":[]`}, absent: []string{"meet.example.org"}},
		{name: "unknown token page", method: "GET", path: "/a/" + strings.Repeat("A", 43), status: 404},
		{name: "malformed token", method: "GET", path: "/a/short", status: 404},
		{name: "unknown token json", method: "GET", path: "/api/v1/access/" + strings.Repeat("A", 43), status: 404, contains: []string{`"not_found"`}},
		{name: "join too early", method: "GET", path: a + "/join", status: 200, contains: []string{"not open yet", "(Paris time)"}},
	})
	e.t = t

	// The room opens 15 minutes before 18:00 Paris (17:00 UTC).
	e.clock.Set(time.Date(2026, 12, 1, 16, 44, 0, 0, time.UTC))
	if r := e.do("GET", a+"/join", nil, false); r.Status != 200 {
		t.Fatalf("16 minutes before: %d", r.Status)
	}
	e.clock.Set(time.Date(2026, 12, 1, 16, 45, 0, 0, time.UTC))
	r := e.do("GET", a+"/join", nil, false)
	if r.Status != 302 || r.Header.Get("Location") != "https://meet.example.org/intro" {
		t.Fatalf("15 minutes before: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := e.do("GET", "/api/v1/access/"+token, nil, false); !strings.Contains(string(r.Body), `"join_open":true`) {
		t.Fatalf("join_open: %s", r.Body)
	}
	e.clock.Set(time.Date(2026, 12, 1, 18, 30, 0, 0, time.UTC))
	if r := e.do("GET", a+"/join", nil, false); r.Status != 200 || !strings.Contains(string(r.Body), "ended") {
		t.Fatalf("after the end: %d %s", r.Status, r.Body)
	}

	// Calendar, times right in UTC.
	r = e.do("GET", a+"/calendar.ics", nil, false)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("ics: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	cal, err := ics.ParseCalendar(strings.NewReader(string(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events in the calendar", len(evs))
	}
	start, _ := evs[0].GetStartAt()
	end, _ := evs[0].GetEndAt()
	if !start.Equal(time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)) || !end.Equal(time.Date(2026, 12, 1, 18, 30, 0, 0, time.UTC)) {
		t.Fatalf("calendar times %v – %v", start, end)
	}

	// Cancel: the page form redirects back; join is then refused.
	e.clock.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	r = e.do("POST", a+"/cancel", nil, false, "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), a) {
		t.Fatalf("cancel: %d %s", r.Status, r.Header.Get("Location"))
	}
	if r := e.do("GET", a, nil, false); !strings.Contains(string(r.Body), "Cancelled") {
		t.Fatalf("page after cancel:\n%s", r.Body)
	}
	e.clock.Set(time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC))
	if r := e.do("GET", a+"/join", nil, false); r.Status != 403 || !strings.Contains(string(r.Body), "cancelled") {
		t.Fatalf("join after cancel: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", a+"/cancel", nil, false, "Accept", "application/json"); r.Status != 200 {
		t.Fatalf("second cancel: %d %s", r.Status, r.Body)
	}
	// The seat is free again.
	if r := e.do("GET", "/api/v1/public/events/intro-to-go", nil, false); !strings.Contains(string(r.Body), `"seats_left":50`) {
		t.Fatalf("seat not freed: %s", r.Body)
	}
}

func TestJoinDeniedWhilePendingApproval(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"approval_required": true}))
	id, token := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	e.clock.Set(time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC))
	if r := e.do("GET", "/a/"+token+"/join", nil, false); r.Status != 403 || !strings.Contains(string(r.Body), "approval") {
		t.Fatalf("pending approval join: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", id), nil, true); r.Status != 200 {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/a/"+token+"/join", nil, false); r.Status != 302 {
		t.Fatalf("confirmed join: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", id), nil, true); r.Status != 409 {
		t.Fatalf("second confirm: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/reject", id), nil, true); r.Status != 200 {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/a/"+token+"/join", nil, false); r.Status != 403 {
		t.Fatalf("rejected join: %d", r.Status)
	}
}

// TestEmailThroughSMTP: a registration's mail goes through a real SMTP
// server; the link in it, read as a mail client would, opens the ticket.
func TestEmailThroughSMTP(t *testing.T) {
	e := newEnv(t)
	srv, d := e.smtp()
	e.createEvent(liveEvent(map[string]any{"title": "Réunion d'été"}))
	r := e.do("POST", "/api/v1/public/events/reunion-d-ete/registrations", map[string]any{"name": "Zoé Ünal", "email": "zoe@example.org", "locale": "fr"}, false)
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.WaitFor(t, 1, 5*time.Second)
	m := msgs[0]
	if m.ParseError != nil {
		t.Fatal(m.ParseError)
	}
	if len(m.To) != 1 || m.To[0] != "zoe@example.org" || !strings.Contains(m.Subject, "Réunion d'été") {
		t.Fatalf("to %v subject %q", m.To, m.Subject)
	}
	if !strings.Contains(m.Text, "décembre") || !strings.Contains(m.HTML, "Zoé") {
		t.Fatalf("the mail is not in French:\n%s", m.Text)
	}
	if len(m.Attachments) != 1 || !strings.HasSuffix(m.Attachments[0].Filename, ".ics") {
		t.Fatalf("attachments: %+v", m.Attachments)
	}
	link := linkPattern.FindString(m.Text)
	u, err := url.Parse(link)
	if err != nil || u.Host != "tickets.test" {
		t.Fatalf("link %q", link)
	}
	page := e.do("GET", u.Path, nil, false)
	if page.Status != 200 || !strings.Contains(string(page.Body), "Zoé Ünal") {
		t.Fatalf("following the link: %d", page.Status)
	}
	outbox := e.do("GET", "/api/v1/outbox", nil, true)
	if !strings.Contains(string(outbox.Body), `"status":"sent"`) || strings.Contains(string(outbox.Body), token(link)) {
		t.Fatalf("outbox: %s", outbox.Body)
	}
}

func token(link string) string { return link[strings.LastIndex(link, "/")+1:] }

// TestCancelledRegistrationCalendarIsEmpty: the .ics lists the sessions the
// registrant may attend, so a cancelled registration's (or one of a
// cancelled event) lists none; it listed every session before.
func TestCancelledRegistrationCalendarIsEmpty(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(nil))
	_, ada := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	_, bob := e.registerOne("intro-to-go", "Bob", "bob@example.org")
	if r := e.do("GET", "/a/"+ada+"/calendar.ics", nil, false); r.Status != 200 || !strings.Contains(string(r.Body), "BEGIN:VEVENT") {
		t.Fatalf("a confirmed registration's calendar: %d\n%s", r.Status, r.Body)
	}
	e.do("POST", "/a/"+ada+"/cancel", nil, false, "Accept", "application/json")
	r := e.do("GET", "/a/"+ada+"/calendar.ics", nil, false)
	if r.Status != 200 || !strings.Contains(string(r.Body), "BEGIN:VCALENDAR") || strings.Contains(string(r.Body), "BEGIN:VEVENT") {
		t.Fatalf("a cancelled registration's calendar: %d\n%s", r.Status, r.Body)
	}
	e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", num(ev["id"])), map[string]any{"message": "Sorry"}, true)
	if r := e.do("GET", "/a/"+bob+"/calendar.ics", nil, false); strings.Contains(string(r.Body), "BEGIN:VEVENT") {
		t.Fatalf("a cancelled event's calendar:\n%s", r.Body)
	}
}
