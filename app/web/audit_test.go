package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

type auditAnswer struct {
	Items      []auditJSON `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

// audit reads GET /api/v1/audit?query with the admin's token.
func (e *env) audit(query string) auditAnswer {
	e.t.Helper()
	r := e.do("GET", "/api/v1/audit?"+query, nil, true)
	if r.Status != 200 {
		e.t.Fatalf("audit %s: %d %s", query, r.Status, r.Body)
	}
	var a auditAnswer
	if err := json.Unmarshal(r.Body, &a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (a auditAnswer) actions() []string {
	var out []string
	for _, it := range a.Items {
		out = append(out, it.Action)
	}
	return out
}

func (a auditAnswer) find(t *testing.T, action string) auditJSON {
	t.Helper()
	for _, it := range a.Items {
		if it.Action == action {
			return it
		}
	}
	t.Fatalf("no %s in the audit log: %v", action, a.actions())
	return auditJSON{}
}

// TestAuditLogsAdminActions: event, tier, promo code and registration
// actions, from the API and the admin UI, are logged with who, from where
// and on what; a refund with the registration's money before and after; a
// refused one as refused; the filters and the cursor select.
func TestAuditLogsAdminActions(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	ev := e.createEvent(paidEvent(map[string]any{"status": "draft", "sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	evID := num(ev["id"])
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/events/%d", evID), map[string]any{"status": "published"}, true); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	e.webhook(paidWebhook("evt_ada", ada, 1999), time.Now())
	refund := fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID)
	if r := e.do("POST", refund, map[string]any{"amount": 5000}, true); r.Status != 422 {
		t.Fatalf("refund of more than paid: %d", r.Status)
	}
	if r := e.do("POST", refund, map[string]any{"amount": 500}, true, "X-Forwarded-For", "203.0.113.50"); r.Status != 200 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/resend", ada.ID), nil, true); r.Status != 200 {
		t.Fatalf("resend: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/tiers", evID), map[string]any{"name": "Early", "price": map[string]any{"amount": 999, "currency": "EUR"}}, true); r.Status != 201 {
		t.Fatalf("tier: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/promo_codes", evID), map[string]any{"code": "FRIENDS", "percent_off": 10}, true); r.Status != 201 {
		t.Fatalf("promo: %d %s", r.Status, r.Body)
	}
	// The admin UI: an event created from the form.
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	res, _ := a.send("POST", "/admin/events", url.Values{"csrf": {a.csrf("/admin/events")}, "title": {"From the form"}, "kind": {"live"},
		"timezone": {"Europe/Paris"}, "currency": {"EUR"}, "status": {"draft"}, "starts_at_1": {"2026-12-03T18:00"}, "duration_1": {"60"}, "capacity": {"20"}})
	if res.StatusCode != 303 {
		t.Fatalf("create from the form: %d", res.StatusCode)
	}

	all := e.audit("")
	want := []string{"event.create", "auth.sign_in", "promo_code.create", "tier.create", "registration.resend", "registration.refund", "registration.refund", "event.update", "event.create"}
	if got := all.actions(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("actions %v, want %v", got, want)
	}
	users, _ := e.tickets.Users(context.Background())
	for _, it := range all.Items {
		if it.Actor.Email != adminEmail || it.Actor.ID != users[0].ID || it.ClientIP == "" {
			t.Errorf("%s: actor %+v from %q", it.Action, it.Actor, it.ClientIP)
		}
	}
	if c := all.Items[0]; c.Target.Type != "event" || c.Target.ID == "" || c.Target.ID == fmt.Sprint(evID) || c.EventID == nil || fmt.Sprint(*c.EventID) != c.Target.ID {
		t.Errorf("event created from the form: %+v", c)
	}
	if c := all.Items[len(all.Items)-1]; c.Target.Type != "event" || c.Target.ID != fmt.Sprint(evID) {
		t.Errorf("event created through the API: %+v", c)
	}
	pub := all.find(t, "event.update")
	if pub.Before == nil || pub.Before.Status != "draft" || pub.After == nil || pub.After.Status != "published" || pub.EventID == nil || *pub.EventID != evID {
		t.Errorf("publishing: %+v before %+v after %+v", pub, pub.Before, pub.After)
	}
	rf := all.find(t, "registration.refund")
	if rf.Target.Type != "registration" || rf.Target.ID != fmt.Sprint(ada.ID) || rf.EventID == nil || *rf.EventID != evID {
		t.Errorf("refund target: %+v", rf)
	}
	if rf.Before == nil || *rf.Before != (model.AuditState{Status: "confirmed", AmountPaid: 1999, Currency: "EUR"}) {
		t.Errorf("refund before: %+v", rf.Before)
	}
	if rf.After == nil || *rf.After != (model.AuditState{Status: "partially_refunded", AmountPaid: 1999, AmountRefunded: 500, Currency: "EUR"}) {
		t.Errorf("refund after: %+v", rf.After)
	}
	if rf.ClientIP == "203.0.113.50" {
		t.Errorf("an untrusted X-Forwarded-For named the client: %s", rf.ClientIP)
	}

	// Filters.
	if got := e.audit("action=registration.refund").actions(); strings.Join(got, ",") != "registration.refund,registration.refund" {
		t.Errorf("action filter: %v", got)
	}
	if got := e.audit("action=registration.&outcome=done").actions(); strings.Join(got, ",") != "registration.resend,registration.refund" {
		t.Errorf("action prefix: %v", got)
	}
	if got := e.audit(fmt.Sprintf("event_id=%d", evID)).actions(); len(got) != 7 {
		t.Errorf("event filter: %v", got)
	}
	if got := e.audit("actor=" + url.QueryEscape(adminEmail)).actions(); len(got) != 9 {
		t.Errorf("actor filter: %v", got)
	}
	if got := e.audit("actor=nobody@example.org").actions(); len(got) != 0 {
		t.Errorf("another actor: %v", got)
	}
	if got := e.audit("since=" + url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))).actions(); len(got) != 0 {
		t.Errorf("since the future: %v", got)
	}
	if got := e.audit("until=" + time.Now().UTC().Format(time.DateOnly)).actions(); len(got) != 9 {
		t.Errorf("until today: %v", got)
	}
	// Pages of 3, following next_cursor.
	var paged []string
	cursor := ""
	for i := 0; i < 5; i++ {
		p := e.audit("limit=3&cursor=" + cursor)
		paged = append(paged, p.actions()...)
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if strings.Join(paged, ",") != strings.Join(want, ",") {
		t.Errorf("paged %v", paged)
	}
	e.run(t, []scenario{
		{name: "bad limit", method: "GET", path: "/api/v1/audit?limit=500", admin: true, status: 422, contains: []string{`"limit"`}},
		{name: "bad since", method: "GET", path: "/api/v1/audit?since=yesterday", admin: true, status: 422, contains: []string{`"since"`}},
		{name: "bad event", method: "GET", path: "/api/v1/audit?event_id=x", admin: true, status: 422, contains: []string{`"event_id"`}},
		{name: "bad cursor", method: "GET", path: "/api/v1/audit?cursor=-4", admin: true, status: 422, contains: []string{`"cursor"`}},
		{name: "until before since", method: "GET", path: "/api/v1/audit?since=2026-12-02&until=2026-12-01", admin: true, status: 422, contains: []string{`"until"`}},
		{name: "needs a token", method: "GET", path: "/api/v1/audit", status: 401},
	})
}

// TestAuditForOrganizers: an organizer reads the entries of an event they
// organize, and nothing else.
func TestAuditForOrganizers(t *testing.T) {
	e := newEnv(t)
	_, tok := e.invite("olga@example.org", "organizer")
	r := e.as(tok, "POST", "/api/v1/events", liveEvent(map[string]any{"title": "Olga's"}))
	if r.Status != 201 {
		t.Fatalf("organizer creates: %d %s", r.Status, r.Body)
	}
	ours := num(r.JSON(t)["id"])
	theirs := num(e.createEvent(liveEvent(nil))["id"])
	if r := e.as(tok, "PATCH", fmt.Sprintf("/api/v1/events/%d", ours), map[string]any{"capacity": 80}); r.Status != 200 {
		t.Fatalf("organizer edits: %d %s", r.Status, r.Body)
	}
	r = e.as(tok, "GET", fmt.Sprintf("/api/v1/audit?event_id=%d", ours), nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"action":"event.update"`) || !strings.Contains(string(r.Body), `"email":"olga@example.org"`) {
		t.Fatalf("own event's log: %d %s", r.Status, r.Body)
	}
	wantForbidden(t, "the whole log", e.as(tok, "GET", "/api/v1/audit", nil))
	wantForbidden(t, "another's event", e.as(tok, "GET", fmt.Sprintf("/api/v1/audit?event_id=%d", theirs), nil))
}

// TestAuditHoldsNoSecret: after connecting Stripe (API and admin UI),
// changing a password and signing in, the audit log has the actions and no
// key, webhook secret, password or token in any column.
func TestAuditHoldsNoSecret(t *testing.T) {
	mock := mockURL(t)
	e := newEnvWith(t, payment.NewRegistry())
	const newPassword = "a brand new passphrase"
	if r := e.do("PUT", "/api/v1/settings/payments/stripe", map[string]any{"secret_key": stripeKeyOK, "webhook_secret": "whsec_api_secret_value", "api_base": mock}, true); r.Status != 200 {
		t.Fatalf("connect: %d %s", r.Status, r.Body)
	}
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	res, _ := a.send("POST", "/admin/settings/payments/stripe", url.Values{"csrf": {a.csrf("/admin/settings")}, "secret_key": {stripeKeyOK},
		"webhook_secret": {"whsec_form_secret_value"}, "api_base": {mock}})
	if res.StatusCode != 303 {
		t.Fatalf("connect from the form: %d", res.StatusCode)
	}
	if r := e.do("POST", "/api/v1/auth/password", map[string]any{"current_password": adminPassword, "new_password": newPassword}, true); r.Status != 204 {
		t.Fatalf("password: %d %s", r.Status, r.Body)
	}
	if r := e.do("DELETE", "/api/v1/settings/payments/stripe", nil, true); r.Status != 200 {
		t.Fatalf("disconnect: %d %s", r.Status, r.Body)
	}
	got := e.audit("").actions()
	if strings.Join(got, ",") != "provider.disconnect,user.password_change,provider.connect,auth.sign_in,provider.connect" {
		t.Fatalf("actions %v", got)
	}
	rows, err := e.store.AuditLog(context.Background(), model.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(rows)
	for _, secret := range []string{stripeKeyOK, "whsec_api_secret_value", "whsec_form_secret_value", adminPassword, newPassword, e.token, "sk_test"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the audit log holds %q:\n%s", secret, raw)
		}
	}
}

// TestAdminAuditPage: the admin UI's audit log lists the entries with their
// money, filters them as the API does, names a bad filter next to its
// field, pages with "Older entries", and is for administrators only.
func TestAdminAuditPage(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	e.createEvent(paidEvent(map[string]any{"sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	e.webhook(paidWebhook("evt_ada", ada, 1999), time.Now())
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID), map[string]any{"amount": 500}, true); r.Status != 200 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	base := e.serve()
	a := newAdminClient(t, base)
	a.login(adminEmail, adminPassword)
	res, body := a.send("GET", "/admin/settings/audit", nil)
	for _, want := range []string{"<h1>Audit log</h1>", `aria-current="page">Audit log</a>`, "<code>registration.refund</code>", "<code>event.create</code>",
		adminEmail, "paid 19.99", "refunded 0.00", "refunded 5.00", `>Intro to Go</a>`, `<label for="audit-actor">Who</label>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if res.StatusCode != 200 || t.Failed() {
		t.Fatalf("%d\n%s", res.StatusCode, body)
	}
	_, body = a.send("GET", "/admin/settings/audit?action=event.create", nil)
	if !strings.Contains(body, "<code>event.create</code>") || strings.Contains(body, "<code>registration.refund</code>") || !strings.Contains(body, "Clear the filters") {
		t.Errorf("filtered page:\n%s", body)
	}
	res, body = a.send("GET", "/admin/settings/audit?since=2026-12-09&until=2026-12-01", nil)
	if res.StatusCode != 422 || !strings.Contains(body, `id="audit-until" name="until" type="date" value="2026-12-01" aria-invalid="true" aria-describedby="audit-until-error"`) ||
		!strings.Contains(body, `id="audit-until-error">Enter a day after the first one, or leave it empty.`) {
		t.Errorf("bad filter: %d\n%s", res.StatusCode, body)
	}
	_, body = a.send("GET", "/admin/settings/audit?limit=1", nil)
	if !strings.Contains(body, `rel="next">Older entries</a>`) || strings.Count(body, `<tr id="audit-`) != 1 {
		t.Errorf("first page of one:\n%s", body)
	}
	_, tok := e.invite("olga@example.org", "organizer")
	if r := e.do("GET", "/admin/settings/audit", nil, false, "Authorization", "Bearer "+tok); r.Status == 200 {
		t.Errorf("an organizer's token opened the page")
	}
}

// TestEveryAdminWriteHasAnAction: each write route of the API and the admin
// UI is logged under a name of its own (a line in auditActions, or a
// registrant's verb), or skipped on purpose. A new route without a line is
// still logged, as "METHOD /pattern": this test asks for the line.
func TestEveryAdminWriteHasAnAction(t *testing.T) {
	e := newEnv(t)
	routes := auditRoutes(e.app)
	var writes []auditRoute
	for method, rs := range routes {
		if isWrite(method) {
			writes = append(writes, rs...)
		}
	}
	if len(writes) < 40 || len(routes["GET"]) < 20 {
		t.Fatalf("only %d write routes and %d reads found", len(writes), len(routes["GET"]))
	}
	for i := range writes {
		r := &writes[i]
		params := map[string]string{"action": "refund"}
		spec := auditSpecOf(r, params)
		if !spec.skip && strings.Contains(spec.action, " ") {
			t.Errorf("%s has no line in auditActions (logged as %q)", r.key, spec.action)
		}
		// Skipped: logged by its handler under its action (signing in),
		// or not an administrator's action, on purpose.
		if spec.skip && spec.action == "" && !notAdminActions[r.key] {
			t.Errorf("%s is skipped by the audit log: give it an action", r.key)
		}
	}
	// A request finds its route, the literal one before a parameter's.
	r, params := matchAuditRoute(routes, "POST", "/admin/registrations/7/refund")
	if r == nil || r.key != "POST /registrations/:id/:action" || params["id"] != "7" {
		t.Fatalf("matched %+v %v", r, params)
	}
	if r, _ := matchAuditRoute(routes, "POST", "/api/v1/registrations/7/refund"); r == nil || r.key != "POST /registrations/:id/refund" {
		t.Fatalf("matched %+v", r)
	}
	if spec := auditSpecOf(&auditRoute{segs: []string{"registrations", ":id", "mark_paid"}, key: "POST /registrations/:id/mark_paid"}, nil); spec.action != "registration.mark_paid" || spec.state != stateRegistration {
		t.Fatalf("a new registrant's action: %+v", spec)
	}
}

// notAdminActions are the write routes the audit log leaves out: a chunk of
// an upload (the upload is logged when it starts) and the public
// registrations.
var notAdminActions = map[string]bool{
	"PATCH /events/:id/recordings/uploads/:uid": true,
	"POST /public/events/:slug/registrations":   true,
	"POST /public/events/:slug/waitlist":        true,
}

// TestAuditSkipsPreviews: a form's preview (the follow-up's count of
// recipients) is not an action; the confirmed one is.
func TestAuditSkipsPreviews(t *testing.T) {
	e := newEnv(t)
	lv := e.afterLive()
	a := e.signedIn(t)
	page := fmt.Sprintf("/admin/events/%d", lv.eid)
	post := page + "/follow_up"
	form := url.Values{"subject": {"Thanks"}, "message": {"Slides"}, "attendees": {"true"}, "absentees": {"true"}}
	st, _, body := a.post(page, post, form)
	if st != 200 {
		t.Fatalf("preview: %d", st)
	}
	if got := e.audit("action=follow_up.send").actions(); len(got) != 0 {
		t.Fatalf("the preview was logged: %v", got)
	}
	key := followUpKey.FindStringSubmatch(body)
	if key == nil {
		t.Fatal("no key")
	}
	form.Set("confirm", "yes")
	form.Set("key", key[1])
	if st, _, _ := a.post(page, post, form); st != 303 {
		t.Fatalf("send: %d", st)
	}
	got := e.audit("action=follow_up.send")
	if len(got.Items) != 1 || got.Items[0].EventID == nil || *got.Items[0].EventID != lv.eid {
		t.Fatalf("the follow-up sent: %+v", got.Items)
	}
}
