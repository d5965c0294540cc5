package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/mail/mailtest"
	"github.com/admit/admit/app/model"
)

// TestOutboxSurvivesSMTPOutage: with the SMTP server down, mail waits and
// is retried; once it is back every mail arrives, each once and marked
// sent once. A recipient the server refuses for good (550) ends failed
// with its error at once, the organizer gets one summary, not again, and
// POST /api/v1/outbox/{id}/retry sends it once the cause is fixed.
func TestOutboxSurvivesSMTPOutage(t *testing.T) {
	e := newEnv(t)
	srv, d := e.smtp()
	ctx := context.Background()
	// tick is one turn of the outbox job.
	tick := func() {
		t.Helper()
		if err := d.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.tickets.ReportMailFailures(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mailOf := func(id int64) model.OutboxMail {
		t.Helper()
		m, err := e.store.OutboxMail(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return *m
	}

	e.createEvent(liveEvent(nil))
	people := []string{"ann@example.org", "bob@example.org", "bad@example.org"}
	for _, p := range people {
		if r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "P", "email": p}, false); r.Status != 201 {
			t.Fatalf("register %s: %d %s", p, r.Status, r.Body)
		}
	}
	ids := map[string]int64{}
	for _, m := range e.outbox() {
		ids[m.To] = m.ID
	}
	srv.Refuse("bad@example.org")
	srv.Stop()

	// Down: every attempt fails for now, nothing is given up.
	for i := 1; i <= 4; i++ {
		tick()
		for _, p := range people {
			if m := mailOf(ids[p]); m.Status != model.MailQueued || m.Attempts != i || m.LastError == "" {
				t.Fatalf("%s while down, attempt %d: %s, %d attempts, %q", p, i, m.Status, m.Attempts, m.LastError)
			}
		}
		e.clock.Add(mail.Backoff(i))
	}
	if got := srv.Messages(); len(got) != 0 {
		t.Fatalf("%d messages while down", len(got))
	}

	// Back up: the two arrive; the refused one fails at once with its error.
	srv.Start(t)
	tick()
	bad := mailOf(ids["bad@example.org"])
	if bad.Status != model.MailFailed || bad.Attempts != 5 || !strings.Contains(bad.LastError, "550") {
		t.Fatalf("refused mail: %s after %d attempts, %q", bad.Status, bad.Attempts, bad.LastError)
	}
	for _, p := range people[:2] {
		if m := mailOf(ids[p]); m.Status != model.MailSent || m.Attempts != 5 {
			t.Fatalf("%s: %s after %d attempts", p, m.Status, m.Attempts)
		}
	}
	// The summary goes with the next turn; further turns send nothing.
	for i := 0; i < 5; i++ {
		e.clock.Add(time.Hour)
		tick()
	}
	got := srv.WaitFor(t, 3, 5*time.Second)
	count := map[string]int{}
	var summary mailtest.Received
	for _, m := range got {
		count[m.To[0]]++
		if m.To[0] == adminEmail {
			summary = m
		}
	}
	if count["ann@example.org"] != 1 || count["bob@example.org"] != 1 || count[adminEmail] != 1 || len(got) != 3 {
		t.Fatalf("received %v", count)
	}
	if !strings.Contains(summary.Subject, "1") || !strings.Contains(summary.Text, "bad@example.org") ||
		!strings.Contains(summary.Text, "550") || !strings.Contains(summary.Text, fmt.Sprintf("#%d", ids["bad@example.org"])) {
		t.Fatalf("summary %q:\n%s", summary.Subject, summary.Text)
	}

	// Marking a sent mail sent again changes nothing.
	ann := mailOf(ids["ann@example.org"])
	if err := e.store.MarkSent(ctx, ann.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if again := mailOf(ann.ID); again.Attempts != ann.Attempts || !again.SentAt.Equal(*ann.SentAt) {
		t.Fatalf("marked sent twice: %+v then %+v", ann, again)
	}

	// Retry: unknown 404, not failed 409, failed 200 and queued.
	if r := e.do("POST", "/api/v1/outbox/999999/retry", nil, true); r.Status != 404 {
		t.Fatalf("unknown: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", ann.ID), nil, true); r.Status != 409 {
		t.Fatalf("sent mail: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", bad.ID), nil, false); r.Status != 401 {
		t.Fatalf("without a token: %d", r.Status)
	}
	srv.Accept("bad@example.org")
	r := e.do("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", bad.ID), nil, true)
	if r.Status != 200 || r.JSON(t)["status"] != model.MailQueued || num(r.JSON(t)["attempts"]) != 0 {
		t.Fatalf("retry: %d %s", r.Status, r.Body)
	}
	tick()
	tick()
	got = srv.WaitFor(t, 4, 5*time.Second)
	if len(got) != 4 || got[3].To[0] != "bad@example.org" {
		t.Fatalf("after retry: %d messages, last to %v", len(got), got[len(got)-1].To)
	}
	if m := mailOf(bad.ID); m.Status != model.MailSent || m.Attempts != 1 {
		t.Fatalf("retried mail: %s after %d attempts", m.Status, m.Attempts)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", bad.ID), nil, true); r.Status != 409 {
		t.Fatalf("retry of a sent mail: %d", r.Status)
	}
}
