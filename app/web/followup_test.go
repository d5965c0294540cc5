package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/mail/mailtest"
	"github.com/admit/admit/app/model"
)

// afterLive is a live event (1 December 2026, 17:00 to 18:30 UTC) where
// Ada (French) joined, Bob (English) did not, Cat cancelled and Dan has not
// paid; the clock is the day after.
type afterLive struct {
	eid                int64
	ada, bob, cat, dan int64
}

func (e *env) afterLive() afterLive {
	e.t.Helper()
	var a afterLive
	a.eid = num(e.createEvent(liveEvent(nil))["id"])
	reg := func(name, locale string) int64 {
		r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": name, "email": strings.ToLower(name) + "@example.org", "locale": locale}, false)
		if r.Status != 201 {
			e.t.Fatalf("register: %d %s", r.Status, r.Body)
		}
		return num(r.JSON(e.t)["registration"].(map[string]any)["id"])
	}
	a.ada, a.bob, a.cat, a.dan = reg("Ada", "fr"), reg("Bob", "en"), reg("Cat", "en"), reg("Dan", "en")
	adaToken := e.accessToken(a.ada)
	e.setStatus(a.cat, model.StatusCancelled)
	e.setStatus(a.dan, model.StatusPendingPayment)
	e.clock.Set(time.Date(2026, 12, 1, 17, 5, 0, 0, time.UTC))
	if r := e.do("GET", "/a/"+adaToken+"/join", nil, false); r.Status != 302 {
		e.t.Fatalf("ada joins: %d", r.Status)
	}
	e.clock.Set(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	return a
}

// delivered sends the queued mails through a real SMTP server, wants
// exactly n of them, and returns them by recipient (the server then
// forgets them).
func (e *env) delivered(srv *mailtest.Server, d *mail.Dispatcher, n int) map[string]mailtest.Received {
	e.t.Helper()
	if err := d.Run(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	srv.WaitFor(e.t, n, 10*time.Second)
	out := map[string]mailtest.Received{}
	all := srv.Messages()
	srv.Reset()
	for _, m := range all {
		if m.ParseError != nil {
			e.t.Fatal(m.ParseError)
		}
		out[m.To[0]] = m
	}
	if len(all) != n || len(out) != n {
		e.t.Fatalf("%d mails to %d people, want %d", len(all), len(out), n)
	}
	return out
}

func (e *env) kindCount(kind string) int { return e.mailKinds()[kind] }

// TestRecordingMailPerGroup: attaching a recording thanks those who joined
// and tells the others they were missed, each in their language with their
// own link (which opens the page in that language); cancelled and unpaid
// registrations get nothing.
func TestRecordingMailPerGroup(t *testing.T) {
	e := newEnv(t)
	a := e.afterLive()
	srv, d := e.smtp()
	e.delivered(srv, d, 4) // the access mails
	r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/recordings", a.eid), `{"url":"https://video.example.org/replay","title":"Replay"}`, true)
	if r.Status != 201 || !strings.Contains(string(r.Body), `"notified":{"attendees":1,"absentees":1}`) {
		t.Fatalf("attach: %d %s", r.Status, r.Body)
	}
	all := e.delivered(srv, d, 2)
	ada, bob := all["ada@example.org"], all["bob@example.org"]
	if !strings.Contains(ada.Text, "Merci d’avoir participé à «\u00a0Intro to Go\u00a0»") || strings.Contains(ada.Text, "désolés") {
		t.Errorf("ada, who joined, in French:\n%s", ada.Text)
	}
	if !strings.Contains(bob.Text, "We are sorry we missed you at “Intro to Go”") || strings.Contains(bob.Text, "Thank you for joining") {
		t.Errorf("bob, who did not join:\n%s", bob.Text)
	}
	for who, m := range map[string]mailtest.Received{"fr": ada, "en": bob} {
		if !strings.HasPrefix(m.Subject, map[string]string{"fr": "Enregistrement disponible", "en": "Recording available"}[who]) {
			t.Errorf("%s subject %q", who, m.Subject)
		}
		link := linkPattern.FindString(m.Text)
		i := strings.Index(m.Text, link)
		u, err := url.Parse(strings.Fields(m.Text[i:])[0])
		if err != nil || u.Query().Get("lang") != who {
			t.Fatalf("%s's link %q: %v", who, m.Text[i:], err)
		}
		page := e.do("GET", u.RequestURI(), nil, false)
		if page.Status != 200 || !strings.Contains(string(page.Body), `<html lang="`+who+`"`) || !strings.Contains(string(page.Body), "Replay") {
			t.Errorf("%s's page: %d", who, page.Status)
		}
		if !strings.Contains(m.HTML, "lang="+who) {
			t.Errorf("%s's HTML has no link with its language", who)
		}
	}
	for _, id := range []int64{a.cat, a.dan} {
		for _, m := range e.outbox() {
			if m.Kind == model.MailRecording && *m.RegistrationID == id {
				t.Errorf("registration %d without access was mailed", id)
			}
		}
	}
}

// TestRecordingNotifyGroups: each group can be turned off, in JSON and in
// the upload's form fields; notify false turns both off unless a group is
// turned on by name.
func TestRecordingNotifyGroups(t *testing.T) {
	e := newEnv(t)
	a := e.afterLive()
	base := fmt.Sprintf("/api/v1/events/%d/recordings", a.eid)
	for _, tc := range []struct {
		name     string
		json     string
		form     []string
		ada, bob int
	}{
		{"json absentees off", `{"url":"https://v.example.org/1","notify_absentees":false}`, nil, 1, 0},
		{"json attendees off", `{"url":"https://v.example.org/2","notify_attendees":false}`, nil, 0, 1},
		{"json none", `{"url":"https://v.example.org/3","notify":false}`, nil, 0, 0},
		{"json none but attendees", `{"url":"https://v.example.org/4","notify":false,"notify_attendees":true}`, nil, 1, 0},
		{"form attendees off", "", []string{"notify_attendees", "false"}, 0, 1},
		{"form absentees off", "", []string{"notify_absentees", "0"}, 1, 0},
		{"form both", "", nil, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			before := map[int64]int{}
			for _, m := range e.outbox() {
				if m.Kind == model.MailRecording {
					before[*m.RegistrationID]++
				}
			}
			var r response
			if tc.json != "" {
				r = e.do("POST", base, tc.json, true)
			} else {
				r = e.upload(a.eid, fakeVideo(2000), tc.form...)
			}
			want := fmt.Sprintf(`"notified":{"attendees":%d,"absentees":%d}`, tc.ada, tc.bob)
			if r.Status != 201 || !strings.Contains(string(r.Body), want) {
				t.Fatalf("%d %s; want %s", r.Status, r.Body, want)
			}
			after := map[int64]int{}
			for _, m := range e.outbox() {
				if m.Kind == model.MailRecording {
					after[*m.RegistrationID]++
				}
			}
			if after[a.ada]-before[a.ada] != tc.ada || after[a.bob]-before[a.bob] != tc.bob {
				t.Errorf("mails: ada %d, bob %d; want %d and %d", after[a.ada]-before[a.ada], after[a.bob]-before[a.bob], tc.ada, tc.bob)
			}
		})
	}
	e.t = t
	// The resumable upload's metadata carries the same options.
	tc := e.tusClient(e.serve())
	file := fakeVideo(4000)
	last := e.outbox()[len(e.outbox())-1].ID
	loc := tc.create(a.eid, len(file), map[string]string{"notify_attendees": "false"})
	if res, body := tc.send(loc, file, 0, len(file)); res.StatusCode != 200 {
		t.Fatalf("tus: %d %s", res.StatusCode, body)
	}
	var mailed []int64
	for _, m := range e.outbox() {
		if m.ID > last && m.Kind == model.MailRecording {
			mailed = append(mailed, *m.RegistrationID)
		}
	}
	if len(mailed) != 1 || mailed[0] != a.bob {
		t.Errorf("tus with attendees off mailed %v, want bob (%d) only", mailed, a.bob)
	}
	res, body := tc.do("POST", fmt.Sprintf("/api/v1/events/%d/recordings/uploads", a.eid), nil,
		"Upload-Length", "10", "Upload-Metadata", tusMetadata(map[string]string{"notify_absentees": "maybe"}))
	if res.StatusCode != 422 || !strings.Contains(string(body), `"notify_absentees"`) {
		t.Errorf("tus notify_absentees maybe: %d %s", res.StatusCode, body)
	}
	if r := e.upload(a.eid, fakeVideo(2000), "notify_absentees", "perhaps"); r.Status != 422 || !strings.Contains(string(r.Body), `"notify_absentees":"must be true or false"`) {
		t.Errorf("notify_absentees perhaps: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", base, `{"url":"https://v.example.org/5","notify_attendees":"yes"}`, true); r.Status != 422 || !strings.Contains(string(r.Body), `"notify_attendees"`) {
		t.Errorf("notify_attendees yes: %d %s", r.Status, r.Body)
	}
}

// TestRecordingOnDemand: an on-demand event has no sessions to miss: every
// registrant is told the recording is there, counted as an attendee.
func TestRecordingOnDemand(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(map[string]any{"title": "Recorded talk", "kind": "on_demand", "timezone": "UTC", "status": "published"})["id"])
	ada, _ := e.registerOne("recorded-talk", "Ada", "ada@example.org")
	bob, _ := e.registerOne("recorded-talk", "Bob", "bob@example.org")
	base := fmt.Sprintf("/api/v1/events/%d/recordings", eid)
	if r := e.do("POST", base, `{"url":"https://v.example.org/x","notify_absentees":false}`, true); r.Status != 201 || !strings.Contains(string(r.Body), `"notified":{"attendees":2,"absentees":0}`) {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	for _, id := range []int64{ada, bob} {
		if m := e.composed(id, model.MailRecording); !strings.Contains(m.Text, "The recording of “Recorded talk” is now available") {
			t.Errorf("on-demand wording:\n%s", m.Text)
		}
	}
	if r := e.do("POST", base, `{"url":"https://v.example.org/y","notify_attendees":false}`, true); r.Status != 201 || !strings.Contains(string(r.Body), `"notified":{"attendees":0,"absentees":0}`) {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

// TestFollowUpWordingInEveryLanguage: the recording mail has a wording for
// attendees and one for absentees in every language, and they differ.
func TestFollowUpWordingInEveryLanguage(t *testing.T) {
	e := newEnv(t)
	for _, l := range e.i18n.Locales() {
		texts := map[string]string{}
		for _, g := range []string{"attendee", "absentee", ""} {
			_, text, html, err := e.render.Render(model.MailRecording, l, mail.MailData{Name: "Ann", EventTitle: "Go", AccessURL: "https://x.test/a/t?lang=" + l, Group: g})
			if err != nil {
				t.Fatal(err)
			}
			id := "mail.recording.intro"
			if g != "" {
				id = "mail.recording." + g
			}
			want := e.i18n.T(l, id, map[string]any{"EventTitle": "Go"})
			if want == "" || want == id || !strings.Contains(text, want) || !strings.Contains(html, "https://x.test/a/t?lang="+l) {
				t.Errorf("%s %q: %q not in\n%s", l, g, want, text)
			}
			texts[g] = want
		}
		if texts["attendee"] == texts["absentee"] || texts["attendee"] == texts[""] {
			t.Errorf("%s: the groups share a wording: %v", l, texts)
		}
	}
}

// TestFollowUp: the organizer's message goes to each group asked for,
// escaped, with its line breaks, and the personal link; the answer counts
// the mails per group; bad requests name their field.
func TestFollowUp(t *testing.T) {
	e := newEnv(t)
	a := e.afterLive()
	srv, d := e.smtp()
	path := fmt.Sprintf("/api/v1/events/%d/follow_up", a.eid)
	e.run(t, []scenario{
		{name: "no message", method: "POST", path: path, body: `{"attendees":true}`, admin: true, status: 422, contains: []string{`"message":"is required"`}},
		{name: "blank message", method: "POST", path: path, body: `{"message":"  \n "}`, admin: true, status: 422, contains: []string{`"message":"is required"`}},
		{name: "message too long", method: "POST", path: path, body: map[string]any{"message": strings.Repeat("a", 10001)}, admin: true, status: 422, contains: []string{`"message":"must be at most 10000 characters"`}},
		{name: "no group", method: "POST", path: path, body: `{"message":"hi","attendees":false,"absentees":false}`, admin: true, status: 422, contains: []string{`"attendees":`, `"absentees":`}},
		{name: "group not a boolean", method: "POST", path: path, body: `{"message":"hi","absentees":"no"}`, admin: true, status: 422, contains: []string{`"absentees":`}},
		{name: "subject on two lines", method: "POST", path: path, body: `{"message":"hi","subject":"a\nBcc: x@example.org"}`, admin: true, status: 422, contains: []string{`"subject":"must be a single line`}},
		{name: "subject too long", method: "POST", path: path, body: map[string]any{"message": "hi", "subject": strings.Repeat("s", 201)}, admin: true, status: 422, contains: []string{`"subject":"must be at most 200 characters"`}},
		{name: "not json", method: "POST", path: path, body: "hi", admin: true, headers: []string{"Content-Type", "text/plain"}, status: 422, contains: []string{`"unsupported_media_type"`}},
		{name: "unknown event", method: "POST", path: "/api/v1/events/9999/follow_up", body: `{"message":"hi"}`, admin: true, status: 404},
		{name: "no admin", method: "POST", path: path, body: `{"message":"hi"}`, status: 401},
	})
	e.t = t
	if n := e.kindCount(model.MailFollowUp); n != 0 {
		t.Fatalf("refused follow-ups queued %d mails", n)
	}
	e.delivered(srv, d, 4) // the access mails
	msg := "Thanks all!\nSlides: <b>https://slides.example.org</b>\n\nSee you & bye"
	r := e.do("POST", path, map[string]any{"message": msg, "subject": "Slides of Intro to Go"}, true)
	if r.Status != 200 || string(r.Body) != `{"queued":{"attendees":1,"absentees":1}}` {
		t.Fatalf("follow-up: %d %s", r.Status, r.Body)
	}
	got := e.delivered(srv, d, 2)
	for who, lang := range map[string]string{"ada@example.org": "fr", "bob@example.org": "en"} {
		m := got[who]
		if m.Subject != "Slides of Intro to Go" {
			t.Errorf("%s: subject %q", who, m.Subject)
		}
		if !strings.Contains(m.Text, msg) {
			t.Errorf("%s: the message is not in the text as written:\n%s", who, m.Text)
		}
		if !strings.Contains(m.HTML, "Thanks all!<br>Slides: &lt;b&gt;https://slides.example.org&lt;/b&gt;<br><br>See you &amp; bye") {
			t.Errorf("%s: the message is not escaped with its line breaks in the HTML:\n%s", who, m.HTML)
		}
		if link := linkPattern.FindString(m.Text); link == "" || !strings.Contains(m.Text, link+"?lang="+lang) {
			t.Errorf("%s: no personal link in %s:\n%s", who, lang, m.Text)
		}
	}

	// One group, and the default subject.
	r = e.do("POST", path, `{"message":"We missed you","attendees":false}`, true)
	if r.Status != 200 || string(r.Body) != `{"queued":{"attendees":0,"absentees":1}}` {
		t.Fatalf("absentees only: %d %s", r.Status, r.Body)
	}
	if m := e.lastMail(a.bob, model.MailFollowUp); m.Subject != "A message about “Intro to Go”" {
		t.Errorf("default subject %q", m.Subject)
	}
	if m := e.lastMail(a.ada, model.MailFollowUp); strings.Contains(e.compose(m).Text, "We missed you") {
		t.Errorf("an attendee got the absentees' message")
	}

	// The same Idempotency-Key sends once; another body with it is refused.
	before := e.kindCount(model.MailFollowUp)
	key := []string{"Idempotency-Key", "follow-up-1"}
	first := e.do("POST", path, `{"message":"Once"}`, true, key...)
	again := e.do("POST", path, `{"message":"Once"}`, true, key...)
	if first.Status != 200 || again.Status != 200 || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %s / %d %s %v", first.Status, first.Body, again.Status, again.Body, again.Header)
	}
	if n := e.kindCount(model.MailFollowUp) - before; n != 2 {
		t.Errorf("%d mails for one follow-up sent twice with its key, want 2", n)
	}
	if r := e.do("POST", path, `{"message":"Other"}`, true, key...); r.Status != 422 || !strings.Contains(string(r.Body), `"Idempotency-Key"`) {
		t.Errorf("the key with another body: %d %s", r.Status, r.Body)
	}
	// Without a key, each call sends.
	e.do("POST", path, `{"message":"Once"}`, true)
	if n := e.kindCount(model.MailFollowUp) - before; n != 4 {
		t.Errorf("%d mails after a call without key, want 4", n)
	}
}

// TestRecordingOfASession: a recording of one session thanks those who
// joined that session; one of the whole event, those who joined any.
func TestRecordingOfASession(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(map[string]any{"title": "Course", "kind": "series", "series_registration": "all", "timezone": "UTC", "status": "published",
		"join_url": "https://meet.example.org/c",
		"sessions": []map[string]any{{"starts_at": "2026-12-02T18:00:00Z", "duration_minutes": 60}, {"starts_at": "2026-12-09T18:00:00Z", "duration_minutes": 60}}})
	eid := num(ev["id"])
	ss := ev["sessions"].([]any)
	s1, s2 := num(ss[0].(map[string]any)["id"]), num(ss[1].(map[string]any)["id"])
	ada, adaToken := e.registerOne("course", "Ada", "ada@example.org")
	e.registerOne("course", "Bob", "bob@example.org")
	e.clock.Set(time.Date(2026, 12, 2, 18, 30, 0, 0, time.UTC))
	if r := e.do("GET", "/a/"+adaToken+"/join", nil, false); r.Status != 302 {
		t.Fatalf("join: %d", r.Status)
	}
	e.clock.Set(time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC))
	base := fmt.Sprintf("/api/v1/events/%d/recordings", eid)
	for _, tc := range []struct {
		body, want, adaWords string
	}{
		{fmt.Sprintf(`{"url":"https://v.example.org/1","session_id":%d}`, s1), `"notified":{"attendees":1,"absentees":1}`, "Thank you for joining"},
		{fmt.Sprintf(`{"url":"https://v.example.org/2","session_id":%d}`, s2), `"notified":{"attendees":0,"absentees":2}`, "sorry we missed you"},
		{`{"url":"https://v.example.org/3"}`, `"notified":{"attendees":1,"absentees":1}`, "Thank you for joining"},
	} {
		r := e.do("POST", base, tc.body, true)
		if r.Status != 201 || !strings.Contains(string(r.Body), tc.want) {
			t.Fatalf("%s: %d %s; want %s", tc.body, r.Status, r.Body, tc.want)
		}
		if m := e.composed(ada, model.MailRecording); !strings.Contains(m.Text, tc.adaWords) {
			t.Errorf("%s: ada's mail:\n%s", tc.body, m.Text)
		}
	}
}
