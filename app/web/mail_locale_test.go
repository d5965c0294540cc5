package web

import (
	"fmt"
	"strings"
	"testing"
)

// TestQueuedMailFollowsLanguage: a mail queued before the registrant
// switched their page to another language is written, when it leaves, in
// the language they chose (subject, text and the links' lang), through a
// real SMTP server; a follow-up, the organizer's own words, stays in the
// language it was queued in. Before, a queued mail kept its first language.
func TestQueuedMailFollowsLanguage(t *testing.T) {
	e := newEnv(t)
	a := e.afterLive() // Bob registered in English: his access mail is queued
	bob := e.accessToken(a.bob)
	if r := e.do("GET", "/a/"+bob+"?lang=de", nil, false); r.Status != 200 {
		t.Fatalf("Bob's page in German: %d", r.Status)
	}
	srv, d := e.smtp()
	got := e.delivered(srv, d, 4)["bob@example.org"]
	if got.Subject != "Ihr Zugang zu Intro to Go" || !strings.Contains(got.Text, "Herzlich willkommen") || !strings.Contains(got.Text, "lang=de") ||
		strings.Contains(got.Text, "lang=en") {
		t.Fatalf("Bob's access mail, queued in English, sent after he chose German:\n%s\n%s", got.Subject, got.Text)
	}
	// A follow-up queued while Bob reads German stays German after he
	// switches to Spanish.
	path := fmt.Sprintf("/api/v1/events/%d/follow_up", a.eid)
	if r := e.do("POST", path, `{"message":"Die Folien sind da.","attendees":false}`, true); r.Status != 200 {
		t.Fatalf("follow-up: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/a/"+bob+"?lang=es", nil, false); r.Status != 200 {
		t.Fatalf("Bob's page in Spanish: %d", r.Status)
	}
	got = e.delivered(srv, d, 1)["bob@example.org"]
	if got.Subject != "Eine Nachricht zu „Intro to Go“" || !strings.Contains(got.Text, "Die Folien sind da.") {
		t.Fatalf("the follow-up changed language:\n%s\n%s", got.Subject, got.Text)
	}
}
