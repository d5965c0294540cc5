package web

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/admit/admit/app/model"
)

var followUpKey = regexp.MustCompile(`name="key" value="([^"]+)"`)

// TestAdminUIFollowUp: the event page's follow-up form shows first how
// many attendees and absentees would get the message, queuing nothing;
// the confirmation sends it through the API's call (once, however often
// it is posted), with a flash message that counts them; each mistake is
// shown next to its input, what was typed kept.
func TestAdminUIFollowUp(t *testing.T) {
	e := newEnv(t)
	lv := e.afterLive() // Ada joined, Bob did not; Cat cancelled, Dan unpaid
	srv, d := e.smtp()
	e.delivered(srv, d, 4) // the access mails
	a := e.signedIn(t)
	page := fmt.Sprintf("/admin/events/%d", lv.eid)
	post := page + "/follow_up"

	_, body := a.send("GET", page, nil)
	wantAll(t, "event page", body, `id="follow-up"`, `<label for="followup-subject">Subject (optional)</label>`, `<label for="followup-message">Message</label>`,
		`name="attendees" value="true" checked`, `name="absentees" value="true" checked`, `action="/admin/events/1/follow_up?lang=en"`)

	if res, _ := a.send("POST", post, url.Values{"message": {"hi"}, "attendees": {"true"}}); res.StatusCode != 403 {
		t.Errorf("without the CSRF token: %d", res.StatusCode)
	}
	// Mistakes, next to their inputs.
	st, _, body := a.post(page, post, url.Values{"subject": {"Thanks"}, "message": {"  "}, "attendees": {"true"}})
	if st != 422 {
		t.Fatalf("no message: %d\n%s", st, body)
	}
	wantAll(t, "no message", body, `id="followup-message-error">Write the message`, `aria-invalid="true" aria-describedby="followup-message-error followup-message-hint"`,
		`value="Thanks"`, `name="attendees" value="true" checked`, `name="absentees" value="true">`)
	st, _, body = a.post(page, post, url.Values{"message": {"Slides"}})
	if st != 422 {
		t.Fatalf("no group: %d\n%s", st, body)
	}
	wantAll(t, "no group", body, `id="followup-groups-error">Tick at least one group.`, `>Slides</textarea>`)
	st, _, body = a.post(page, post, url.Values{"subject": {strings.Repeat("s", 201)}, "message": {"Slides"}, "absentees": {"true"}})
	if st != 422 || !strings.Contains(body, `id="followup-subject-error">Write the subject on one line`) {
		t.Fatalf("long subject: %d\n%s", st, body)
	}

	// The confirmation: counts, nothing queued yet.
	msg := "The slides are online.\nSee you next time!"
	st, _, body = a.post(page, post, url.Values{"subject": {"Thanks for coming"}, "message": {msg}, "attendees": {"true"}, "absentees": {"true"}})
	if st != 200 {
		t.Fatalf("preview: %d\n%s", st, body)
	}
	wantAll(t, "preview", body, `<h1>Send the follow-up email?</h1>`, `id="followup-count-attendees">1</strong>`, `id="followup-count-absentees">1</strong>`,
		`«Thanks for coming»`, `name="confirm" value="yes"`, `Send now (emails: 2)`, "The slides are online.\nSee you next time!</blockquote>")
	if n := e.kindCount(model.MailFollowUp); n != 0 {
		t.Fatalf("the preview queued %d mails", n)
	}
	key := followUpKey.FindStringSubmatch(body)
	if key == nil {
		t.Fatal("the confirmation has no key")
	}
	confirm := url.Values{"confirm": {"yes"}, "key": {key[1]}, "subject": {"Thanks for coming"}, "message": {msg}, "attendees": {"true"}, "absentees": {"true"}}
	st, loc, body := a.post(page, post, confirm)
	if st != 303 || loc != page+"?done=follow_up&attendees=1&absentees=1&lang=en" {
		t.Fatalf("send: %d %q\n%s", st, loc, body)
	}
	// Posted again (a double click, a reload): nothing more.
	if st, loc2, _ := a.post(page, post, confirm); st != 303 || loc2 != loc {
		t.Errorf("sent again: %d %q", st, loc2)
	}
	if n := e.kindCount(model.MailFollowUp); n != 2 {
		t.Errorf("%d follow-ups queued, want 2", n)
	}
	_, body = a.send("GET", loc, nil)
	wantAll(t, "flash", body, `Follow-up email on its way — attendees: 1, absentees: 1.`)
	got := e.delivered(srv, d, 2)
	for _, who := range []string{"ada@example.org", "bob@example.org"} {
		if m := got[who]; m.Subject != "Thanks for coming" || !strings.Contains(m.Text, "The slides are online.\nSee you next time!") {
			t.Errorf("%s got %q:\n%s", who, m.Subject, m.Text)
		}
	}

	// Absentees only, in French: only Bob, with the event's subject.
	st, _, body = a.post(page, post+"?lang=fr", url.Values{"message": {"Le replay arrive."}, "absentees": {"true"}})
	if st != 200 || strings.Contains(body, `followup-count-attendees`) {
		t.Fatalf("absentees only: %d\n%s", st, body)
	}
	wantAll(t, "absentees only, in French", body, `id="followup-count-absentees">1</strong>`, "Envoyer maintenant (e-mails : 1)")
	key = followUpKey.FindStringSubmatch(body)
	st, loc, _ = a.post(page, post+"?lang=fr", url.Values{"confirm": {"yes"}, "key": {key[1]}, "message": {"Le replay arrive."}, "absentees": {"true"}})
	if st != 303 || !strings.Contains(loc, "done=follow_up&attendees=0&absentees=1") {
		t.Fatalf("absentees only: %d %q", st, loc)
	}
	got = e.delivered(srv, d, 1)
	if m, ok := got["bob@example.org"]; !ok || !strings.Contains(m.Text, "Le replay arrive.") || !strings.Contains(m.Subject, "Intro to Go") {
		t.Errorf("bob: %q\n%s", m.Subject, m.Text)
	}
}

// TestAdminUIRecordingPrice: the editor sets and clears the replay's price
// of a live event (in the event's currency), shows its mistakes next to
// the field, and has no such field for an on-demand video.
func TestAdminUIRecordingPrice(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(map[string]any{"price": map[string]any{"amount": 1999, "currency": "EUR"}}))
	id := num(ev["id"])
	page := fmt.Sprintf("/admin/events/%d/edit", id)
	a := e.signedIn(t)
	_, body := a.send("GET", page, nil)
	wantAll(t, "editor", body, `<label for="recording_price">Replay price</label>`, `aria-describedby="recording_price-hint" name="recording_price"`,
		`Empty: the event&#39;s price.`, "Allowed: 1.00\u00a0EUR to 2,000.00\u00a0EUR.")

	form := editFormValues(map[string]string{"amount": "19.99", "recording_price": "lots"})
	st, _, body := a.post(page, page, form)
	if st != 422 || !strings.Contains(body, `id="recording_price-error">Enter the replay`) || !strings.Contains(body, `value="lots"`) {
		t.Fatalf("not an amount: %d\n%s", st, body)
	}
	form.Set("recording_price", "0.10")
	st, _, body = a.post(page, page, form)
	if st != 422 || !strings.Contains(body, `id="recording_price-error">Enter the replay`) || !strings.Contains(body, `aria-invalid="true" aria-describedby="recording_price-error recording_price-hint"`) {
		t.Fatalf("below the minimum: %d\n%s", st, body)
	}
	form.Set("recording_price", "9.50")
	if st, loc, body := a.post(page, page, form); st != 303 || !strings.Contains(loc, "done=saved") {
		t.Fatalf("save: %d %q\n%s", st, loc, body)
	}
	r := e.do("GET", fmt.Sprintf("/api/v1/events/%d", id), nil, true).JSON(t)
	if got := fmt.Sprint(r["recording_price"]); got != "map[amount:950 currency:EUR]" {
		t.Errorf("recording_price = %s", got)
	}
	_, body = a.send("GET", page, nil)
	wantAll(t, "saved", body, `name="recording_price" type="text" inputmode="decimal" maxlength="20" value="9.50"`)
	form.Set("recording_price", "")
	if st, _, body := a.post(page, page, form); st != 303 {
		t.Fatalf("clear: %d\n%s", st, body)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/events/%d", id), nil, true).JSON(t); r["recording_price"] != nil {
		t.Errorf("cleared: %v", r["recording_price"])
	}

	od := e.createEvent(map[string]any{"title": "Video", "slug": "video", "kind": "on_demand", "timezone": "UTC", "status": "published",
		"price": map[string]any{"amount": 500, "currency": "EUR"}})
	_, body = a.send("GET", fmt.Sprintf("/admin/events/%d/edit", num(od["id"])), nil)
	if strings.Contains(body, `name="recording_price"`) {
		t.Error("an on-demand video's editor offers a replay price")
	}
}
