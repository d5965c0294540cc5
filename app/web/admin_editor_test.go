package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// signedIn is an admin UI client with a session, and the event page path.
func (e *env) signedIn(t *testing.T) *adminClient {
	t.Helper()
	a := newAdminClient(t, e.serve())
	if res := a.login(adminEmail, adminPassword); res.StatusCode != 303 {
		t.Fatalf("login: %d", res.StatusCode)
	}
	return a
}

// post sends a form with the CSRF token of the page at from.
func (a *adminClient) post(from, path string, form url.Values) (int, string, string) {
	a.t.Helper()
	form.Set("csrf", a.csrf(from))
	res, body := a.send("POST", path, form)
	return res.StatusCode, res.Header.Get("Location"), body
}

// wantAll fails the test for each piece missing from body.
func wantAll(t *testing.T, what, body string, pieces ...string) {
	t.Helper()
	for _, p := range pieces {
		if !strings.Contains(body, p) {
			t.Errorf("%s: missing %q", what, p)
		}
	}
	if t.Failed() {
		t.Fatalf("%s:\n%s", what, body)
	}
}

// editForm is the editor's fields form as the page fills it.
func editFormValues(extra map[string]string) url.Values {
	f := url.Values{"title": {"Intro to Go"}, "slug": {"intro-to-go"}, "description": {""}, "refund_policy": {""}, "kind": {"live"},
		"series_registration": {"all"}, "timezone": {"Europe/Paris"}, "capacity": {"50"}, "amount": {""}, "currency": {"EUR"},
		"join_url": {"https://meet.example.org/intro"}, "cancel_refund_hours": {""}, "reminders_mode": {"default"}, "reminders": {""},
		"status": {"published"}}
	for k, v := range extra {
		f.Set(k, v)
	}
	return f
}

// TestAdminUIEditEventFields: the editor shows every field of the event;
// each mistake is explained next to its input, what was typed kept; a
// valid form changes the event as a PATCH does, with a flash message.
func TestAdminUIEditEventFields(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(map[string]any{"reminders": []string{"48h"}, "cancel_refund_hours": 24}))
	page := fmt.Sprintf("/admin/events/%d/edit", num(ev["id"]))
	a := e.signedIn(t)

	res, body := a.send("GET", page, nil)
	if res.StatusCode != 200 {
		t.Fatalf("editor: %d\n%s", res.StatusCode, body)
	}
	wantAll(t, "editor", body, `name="title" type="text" required maxlength="200" value="Intro to Go"`, `value="intro-to-go"`,
		`value="Europe/Paris"`, `name="capacity" type="number" min="1" step="1" inputmode="numeric" value="50"`, `value="https://meet.example.org/intro"`,
		`name="reminders" type="text" maxlength="200" value="48h"`, `name="reminders_mode" value="custom" checked`, `value="24"`,
		`<a href="/e/intro-to-go">/e/intro-to-go</a>`, `<label for="slug">`, `<label for="join_url">`, `id="starts_at_0"`, `value="2026-12-01T18:00"`,
		`id="starts_at_1"`, `name="rows" value="3"`, "Allowed: 1.00\u00a0EUR to 2,000.00\u00a0EUR.")

	// Mistakes, each next to its input, in words.
	bad := editFormValues(map[string]string{"title": "", "slug": "Not A Slug", "timezone": "Mars/Olympus", "amount": "0.50", "capacity": "many",
		"join_url": "ftp://meet", "reminders_mode": "custom", "reminders": "soon", "cancel_refund_hours": "lots"})
	st, _, body := a.post(page, page, bad)
	if st != 422 {
		t.Fatalf("bad form: %d\n%s", st, body)
	}
	wantAll(t, "bad form", body, `id="capacity-error">Enter a whole number of seats`, `id="cancel_refund_hours-error">Enter a whole number of hours`,
		`value="Not A Slug"`, `value="ftp://meet"`, `value="soon"`, `aria-invalid="true" aria-describedby="capacity-error capacity-hint"`)
	// Past the form's own checks, the service's.
	bad.Set("capacity", "50")
	bad.Set("cancel_refund_hours", "")
	st, _, body = a.post(page, page, bad)
	if st != 422 {
		t.Fatalf("bad form: %d\n%s", st, body)
	}
	wantAll(t, "service errors", body, `id="title-error">Enter a title.`, `id="slug-error">Use lower-case letters`, `id="timezone-error">Enter a time zone`,
		`id="join_url-error">Enter a full web address`, `id="reminders-error">Enter offsets such as 24h`, `value="Not A Slug"`)
	st, _, body = a.post(page, page+"?lang=fr", editFormValues(map[string]string{"amount": "0.50"}))
	if st != 422 || !strings.Contains(body, `id="amount-error">Indiquez un prix`) {
		t.Fatalf("price below the minimum, in French: %d\n%s", st, body)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/events/%d", num(ev["id"])), nil, true); !strings.Contains(string(r.Body), `"slug":"intro-to-go"`) {
		t.Fatalf("a refused form changed the event: %s", r.Body)
	}

	// Every field at once.
	good := editFormValues(map[string]string{"title": "Go in depth", "slug": "go-in-depth", "description": "Two hours of Go.", "refund_policy": "Refunds until the day before.",
		"capacity": "", "amount": "25", "currency": "EUR", "approval_required": "on", "join_url": "https://meet.example.org/deep",
		"cancel_refund_hours": "48", "reminders_mode": "custom", "reminders": "24h, 30m", "status": "draft"})
	good["providers"] = []string{"stripe"}
	st, loc, body := a.post(page, page, good)
	if st != 303 || loc != page+"?done=saved&lang=en" {
		t.Fatalf("save: %d %q\n%s", st, loc, body)
	}
	_, body = a.send("GET", loc, nil)
	wantAll(t, "after saving", body, `role="status">The changes are saved.`, `value="go-in-depth"`, `value="25.00"`, `name="approval_required" checked`)
	r := e.do("GET", fmt.Sprintf("/api/v1/events/%d", num(ev["id"])), nil, true).JSON(t)
	for k, want := range map[string]string{"title": "Go in depth", "slug": "go-in-depth", "description": "Two hours of Go.",
		"refund_policy": "Refunds until the day before.", "capacity": "<nil>", "price": "map[amount:2500 currency:EUR]", "approval_required": "true",
		"join_url": "https://meet.example.org/deep", "cancel_refund_hours": "48", "reminders": "[24h 30m]", "status": "draft", "providers": "[stripe]"} {
		if got := fmt.Sprint(r[k]); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	// Back to the defaults: free, no reminders, no automatic refunds.
	st, _, _ = a.post(page, page, editFormValues(map[string]string{"slug": "go-in-depth", "reminders_mode": "none"}))
	r = e.do("GET", fmt.Sprintf("/api/v1/events/%d", num(ev["id"])), nil, true).JSON(t)
	if st != 303 || r["price"] != nil || fmt.Sprint(r["reminders"]) != "[]" || r["cancel_refund_hours"] != nil || r["approval_required"] != false {
		t.Fatalf("back to defaults: %d %v", st, r)
	}
}

// seriesWithRegistrants is a published series of two sessions, registered
// per session, with Ada on the first and Bob on the second.
func seriesWithRegistrants(e *env) (id int64, s1, s2 int64, ada, bob int64) {
	ev := e.createEvent(liveEvent(map[string]any{"kind": "series", "series_registration": "individual", "sessions": []map[string]any{
		{"starts_at": "2026-12-01T18:00:00+01:00", "duration_minutes": 60}, {"starts_at": "2026-12-08T18:00:00+01:00", "duration_minutes": 60}}}))
	ss := ev["sessions"].([]any)
	s1, s2 = num(ss[0].(map[string]any)["id"]), num(ss[1].(map[string]any)["id"])
	reg := func(name string, session int64) int64 {
		r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": name,
			"email": strings.ToLower(name) + "@example.org", "session_id": session}, false)
		if r.Status != 201 {
			e.t.Fatalf("register %s: %d %s", name, r.Status, r.Body)
		}
		return num(r.JSON(e.t)["registration"].(map[string]any)["id"])
	}
	return num(ev["id"]), s1, s2, reg("Ada", s1), reg("Bob", s2)
}

// TestAdminUISessionsPreview: moving, removing and adding sessions first
// shows whom each change tells and with which mail, changing nothing; the
// confirmation makes the change and tells them. Mistakes are shown next to
// the session's inputs.
func TestAdminUISessionsPreview(t *testing.T) {
	e := newEnv(t)
	id, s1, s2, ada, bob := seriesWithRegistrants(e)
	page := fmt.Sprintf("/admin/events/%d/edit", id)
	sessions := fmt.Sprintf("/admin/events/%d/sessions", id)
	a := e.signedIn(t)
	mails := len(e.outbox())

	form := url.Values{"rows": {"4"}, "session_id_0": {fmt.Sprint(s1)}, "starts_at_0": {"2026-12-01T19:00"}, "duration_0": {"60"},
		"session_id_1": {fmt.Sprint(s2)}, "starts_at_1": {"2026-12-08T18:00"}, "duration_1": {"60"}, "remove_1": {"on"},
		"starts_at_2": {"2026-12-15T18:00"}, "duration_2": {"0"}}
	st, _, body := a.post(page, sessions, form)
	if st != 422 {
		t.Fatalf("bad length: %d\n%s", st, body)
	}
	wantAll(t, "bad length", body, `id="duration_2-error">Enter the length in minutes.`, `value="2026-12-15T18:00"`, `id="remove_1" name="remove_1" checked`)

	form.Set("duration_2", "45")
	st, _, body = a.post(page, sessions, form)
	if st != 200 {
		t.Fatalf("preview: %d\n%s", st, body)
	}
	wantAll(t, "preview", body, "Check the session changes", ">Moved</span>", ">Removed</span>", ">Added</span>",
		"Registrants told: 1</strong> — the mail “the schedule changed”", "Registrants told: 1</strong> — the mail “your session was removed”",
		"Ada &lt;ada@example.org&gt;", "Bob &lt;bob@example.org&gt;", "Save, and tell the registrants (2)", `name="confirm" value="yes"`,
		`name="remove_1" value="on"`, `name="starts_at_2" value="2026-12-15T18:00"`)
	if n := len(e.outbox()); n != mails {
		t.Fatalf("the preview queued %d mails", n-mails)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/events/%d", id), nil, true); strings.Count(string(r.Body), `"starts_at"`) != 2 ||
		!strings.Contains(string(r.Body), "2026-12-01T17:00:00Z") {
		t.Fatalf("the preview changed the sessions: %s", r.Body)
	}

	// Confirmed: the change, and its mails.
	form.Set("confirm", "yes")
	st, loc, body := a.post(page, sessions, form)
	if st != 303 || loc != page+"?done=sessions&lang=en" {
		t.Fatalf("confirm: %d %q\n%s", st, loc, body)
	}
	r := e.do("GET", fmt.Sprintf("/api/v1/events/%d", id), nil, true)
	if b := string(r.Body); !strings.Contains(b, "2026-12-01T18:00:00Z") || !strings.Contains(b, "2026-12-15T17:00:00Z") || strings.Contains(b, "2026-12-08") {
		t.Fatalf("after confirming: %s", b)
	}
	e.lastMail(ada, model.MailEventChanged)
	e.lastMail(bob, model.MailSessionRemoved)
	if got := e.reg(bob).Status; got != model.StatusCancelled {
		t.Fatalf("bob: %s", got)
	}
	_, body = a.send("GET", loc, nil)
	wantAll(t, "after the change", body, "The sessions are saved; the registrants concerned are being told.")

	// A change that tells nobody says so.
	form = url.Values{"rows": {"1"}, "session_id_0": {fmt.Sprint(s1)}, "starts_at_0": {"2026-12-01T19:00"}, "duration_0": {"60"},
		"join_url_0": {"https://meet.example.org/room-1"}}
	_, _, body = a.post(page, sessions, form)
	wantAll(t, "room only", body, "Nobody is told", ">Save the sessions<")
}

// TestAdminUITiersAndPromos: tiers and promo codes are added and deleted
// from the editor; their mistakes are shown next to their inputs; the
// lists show what each has sold and what is left.
func TestAdminUITiersAndPromos(t *testing.T) {
	e := stripeEnv(t)
	ev := e.createEvent(paidEvent(nil))
	id := num(ev["id"])
	page := fmt.Sprintf("/admin/events/%d/edit", id)
	a := e.signedIn(t)

	st, _, body := a.post(page, fmt.Sprintf("/admin/events/%d/tiers", id), url.Values{"tier_name": {""}, "tier_amount": {"25"}, "tier_quantity": {"x"}})
	if st != 422 {
		t.Fatalf("bad tier: %d\n%s", st, body)
	}
	wantAll(t, "bad tier", body, `id="tier_quantity-error">Enter a whole number of tickets`, `value="25"`)
	st, _, body = a.post(page, fmt.Sprintf("/admin/events/%d/tiers", id), url.Values{"tier_name": {""}, "tier_amount": {"25"}, "tier_quantity": {"10"}})
	if st != 422 {
		t.Fatalf("bad tier: %d\n%s", st, body)
	}
	wantAll(t, "bad tier", body, `id="tier_name-error">Enter a name for the tier`, `id="tier_amount-error">Enter a price below the event’s price`)
	st, loc, body := a.post(page, fmt.Sprintf("/admin/events/%d/tiers", id), url.Values{"tier_name": {"Early bird"}, "tier_amount": {"9.99"},
		"tier_quantity": {"10"}, "tier_expires_at": {"2026-11-20T12:00"}})
	if st != 303 || !strings.Contains(loc, "done=tier_added") {
		t.Fatalf("add tier: %d %q\n%s", st, loc, body)
	}

	st, _, body = a.post(page, fmt.Sprintf("/admin/events/%d/promo_codes", id), url.Values{"promo_code": {"HALF"}, "promo_kind": {"percent"}, "promo_value": {"150"}})
	if st != 422 {
		t.Fatalf("bad code: %d\n%s", st, body)
	}
	wantAll(t, "bad code", body, `id="promo_value-error">Enter a discount`, `value="HALF"`)
	st, loc, _ = a.post(page, fmt.Sprintf("/admin/events/%d/promo_codes", id), url.Values{"promo_code": {"FIVE"}, "promo_kind": {"amount"},
		"promo_value": {"5"}, "promo_max_uses": {"3"}})
	if st != 303 || !strings.Contains(loc, "done=promo_added") {
		t.Fatalf("add code: %d %q", st, loc)
	}

	// Someone buys with the code: the tier has one sold (held while they pay), the code one use.
	e.buy("intro-to-go", "Ada", map[string]any{"promo_code": "FIVE"})
	_, body = a.send("GET", page+"?done=promo_added", nil)
	wantAll(t, "lists", body, "The promo code is added.", "Early bird", "9.99\u00a0EUR", "20 November 2026", "<code>FIVE</code>", "5.00\u00a0EUR")
	tiers := body[strings.Index(body, `<table class="tiers">`):strings.Index(body, `<form method="post" action="/admin/events/1/tiers?`)]
	if !strings.Contains(tiers, `<td class="num">0</td><td class="num">1</td>`) || !strings.Contains(tiers, `<td class="num">9</td>`) {
		t.Fatalf("tier row, want 0 sold, 1 held, 9 left:\n%s", tiers)
	}
	promos := body[strings.Index(body, `<table class="promos">`):]
	if !strings.Contains(promos, `<td class="num">1</td>`) || !strings.Contains(promos, `<td class="num">2</td>`) {
		t.Fatalf("promo row, want 1 use, 2 left:\n%s", promos)
	}

	// Deleted.
	tierList := e.do("GET", fmt.Sprintf("/api/v1/events/%d/tiers", id), nil, true).JSON(t)["items"].([]any)
	promoList := e.do("GET", fmt.Sprintf("/api/v1/events/%d/promo_codes", id), nil, true).JSON(t)["items"].([]any)
	st, loc, _ = a.post(page, fmt.Sprintf("/admin/events/%d/tiers/%d/delete", id, num(tierList[0].(map[string]any)["id"])), url.Values{})
	if st != 303 || !strings.Contains(loc, "done=tier_deleted") {
		t.Fatalf("delete tier: %d %q", st, loc)
	}
	st, loc, _ = a.post(page, fmt.Sprintf("/admin/events/%d/promo_codes/%d/delete", id, num(promoList[0].(map[string]any)["id"])), url.Values{})
	if st != 303 || !strings.Contains(loc, "done=promo_deleted") {
		t.Fatalf("delete code: %d %q", st, loc)
	}
	_, body = a.send("GET", loc, nil)
	wantAll(t, "after deleting", body, "The promo code is deleted.", "No tiers: everyone pays", "No promo codes.")
	// A tier on a free event is explained.
	free := e.createEvent(liveEvent(map[string]any{"slug": "free-one"}))
	st, _, body = a.post(page, fmt.Sprintf("/admin/events/%d/tiers", num(free["id"])), url.Values{"tier_name": {"Early"}, "tier_amount": {"5"}})
	if st != 422 || !strings.Contains(body, `id="tier_amount-error">`) {
		t.Fatalf("tier on a free event: %d\n%s", st, body)
	}
}

// TestAdminUICancelEventConfirmed: cancelling goes through a page that
// says whom it tells and what refunding would give back; its mistakes are
// shown there; confirmed, the event is cancelled with the refunds.
func TestAdminUICancelEventConfirmed(t *testing.T) {
	e := stripeEnv(t)
	ev := e.createEvent(paidEvent(nil))
	id := num(ev["id"])
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	if r := e.webhook(paidWebhook("evt_ada", ada, 1999), time.Now()); r.Status != 200 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	a := e.signedIn(t)
	page := fmt.Sprintf("/admin/events/%d/cancel", id)

	res, body := a.send("GET", page, nil)
	if res.StatusCode != 200 {
		t.Fatalf("confirmation: %d\n%s", res.StatusCode, body)
	}
	wantAll(t, "confirmation", body, "Cancel “Intro to Go”?", "Registrants told: 1</strong> — the mail “event cancelled”", "Ada &lt;ada@example.org&gt;",
		"Payments refunded in full: 1 (19.99\u00a0EUR)", `name="refund" checked`, "Yes, cancel the event")
	if r := e.reg(ada.ID); r.Status != model.StatusConfirmed {
		t.Fatalf("the confirmation page changed ada: %s", r.Status)
	}
	st, _, body := a.post(page, page, url.Values{"message": {strings.Repeat("x", 4001)}, "refund": {"on"}})
	if st != 422 || !strings.Contains(body, `id="message-error">Shorten the message.`) {
		t.Fatalf("long message: %d\n%s", st, body)
	}
	st, loc, _ := a.post(page, page, url.Values{"message": {"Sorry, the speaker is ill."}, "refund": {"on"}})
	if st != 303 || !strings.Contains(loc, "done=event_cancelled") {
		t.Fatalf("cancel: %d %q", st, loc)
	}
	if r := e.reg(ada.ID); r.Status != model.StatusRefunded || r.AmountRefunded != 1999 {
		t.Fatalf("ada after the cancel: %s, refunded %d", r.Status, r.AmountRefunded)
	}
	_, body = a.send("GET", loc, nil)
	wantAll(t, "event page", body, "The event is cancelled and everyone is being told.", "Sorry, the speaker is ill.")
}
