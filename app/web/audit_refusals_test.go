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
)

// TestAuditSignInsAndRefusals: sign-ins (API token and admin UI session,
// successful and failed, with the address and the email typed), sign-outs
// and refused actions (no token: 401; a role that may not, or a form
// without its CSRF token: 403; a refund above what was paid: 422 with the
// money before) are in the audit log, a burst of failed sign-ins as one
// row; the filters select them; no password or token is kept. Before, none
// of them was logged.
func TestAuditSignInsAndRefusals(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	const wrong = "not the right passphrase"
	// The API: two failed sign-ins, one that works, then signing out.
	for i := 0; i < 2; i++ {
		if r := e.do("POST", "/api/v1/auth/token", map[string]any{"email": adminEmail, "password": wrong}, false); r.Status != 401 {
			t.Fatalf("wrong password: %d %s", r.Status, r.Body)
		}
	}
	r := e.do("POST", "/api/v1/auth/token", map[string]any{"email": adminEmail, "password": adminPassword}, false)
	if r.Status != 200 {
		t.Fatalf("sign in: %d %s", r.Status, r.Body)
	}
	token, _ := r.JSON(t)["token"].(string)
	if r := e.do("DELETE", "/api/v1/auth/token", nil, false, "Authorization", "Bearer "+token); r.Status != 204 {
		t.Fatalf("sign out: %d %s", r.Status, r.Body)
	}
	// Refused: no valid token, an organizer on the settings, a refund
	// above what was paid.
	if r := e.do("POST", "/api/v1/events", liveEvent(nil), false, "Authorization", "Bearer "+token); r.Status != 401 {
		t.Fatalf("a revoked token: %d", r.Status)
	}
	_, olga := e.invite("olga@example.org", "organizer")
	wantForbidden(t, "organizer on branding", e.as(olga, "PUT", "/api/v1/settings/branding", map[string]any{"accent_color": "#123456"}))
	e.createEvent(paidEvent(map[string]any{"sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	e.webhook(paidWebhook("evt_ada", ada, 1999), time.Now())
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID), map[string]any{"amount": 5000}, true); r.Status != 422 {
		t.Fatalf("refund of more than paid: %d", r.Status)
	}
	// The admin UI: a failed sign-in, one that works, a form without its
	// token, a form without a session, signing out.
	a := newAdminClient(t, e.serve())
	if res := a.login(adminEmail, wrong); res.StatusCode != 401 {
		t.Fatalf("UI wrong password: %d", res.StatusCode)
	}
	if res := a.login(adminEmail, adminPassword); res.StatusCode != 303 {
		t.Fatalf("UI sign in: %d", res.StatusCode)
	}
	if res, _ := a.send("POST", "/admin/settings/branding", url.Values{"csrf": {"forged"}}); res.StatusCode != 403 {
		t.Fatalf("forged form: %d", res.StatusCode)
	}
	if res, _ := a.send("POST", "/admin/logout", url.Values{"csrf": {a.csrf("/admin/events")}}); res.StatusCode != 303 {
		t.Fatalf("UI sign out: %d", res.StatusCode)
	}
	if res, _ := a.send("POST", "/admin/events", url.Values{"title": {"x"}}); res.StatusCode != 303 {
		t.Fatalf("a form without a session: %d", res.StatusCode)
	}

	all := e.audit("limit=200")
	want := []string{"event.create", "auth.sign_out", "branding.update", "auth.sign_in", "auth.sign_in", "registration.refund", "event.create",
		"branding.update", "user.invite", "event.create", "auth.sign_out", "auth.token_create", "auth.token_create"}
	if got := all.actions(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("actions %v\nwant    %v", got, want)
	}
	type row struct {
		outcome, email string
		status         int
		repeats        int
	}
	wantRows := []row{
		{"refused", "", 401, 1},                 // a form without a session
		{"done", adminEmail, 0, 1},              // UI sign out
		{"refused", adminEmail, 403, 1},         // forged form
		{"done", adminEmail, 0, 1},              // UI sign in
		{"refused", adminEmail, 401, 1},         // UI wrong password
		{"refused", adminEmail, 422, 1},         // refund above what was paid
		{"done", adminEmail, 0, 1},              // the paid event
		{"refused", "olga@example.org", 403, 1}, // organizer on branding
		{"done", adminEmail, 0, 1},              // inviting Olga
		{"refused", "", 401, 1},                 // a revoked token
		{"done", adminEmail, 0, 1},              // API sign out
		{"done", adminEmail, 0, 1},              // API sign in
		{"refused", adminEmail, 401, 2},         // two wrong passwords, one row
	}
	for i, w := range wantRows {
		it := all.Items[i]
		if it.Outcome != w.outcome || it.Actor.Email != w.email || it.Status != w.status || it.Repeats != w.repeats || it.ClientIP == "" {
			t.Errorf("%d %s: %+v, want %+v", i, it.Action, it, w)
		}
	}
	if in := all.Items[11]; in.Actor.ID == 0 || in.Target.Type != "user" || in.Target.ID != fmt.Sprint(in.Actor.ID) {
		t.Errorf("API sign in: %+v", in)
	}
	if rf := all.Items[5]; rf.Before == nil || *rf.Before != (model.AuditState{Status: "confirmed", AmountPaid: 1999, Currency: "EUR"}) ||
		rf.After != nil || rf.Reason == "" || rf.Target.ID != fmt.Sprint(ada.ID) {
		t.Errorf("refused refund: %+v before %+v", rf, rf.Before)
	}
	if no := all.Items[12]; no.Reason != "unauthorized" || no.Actor.ID != 0 {
		t.Errorf("failed sign in: %+v", no)
	}
	// Filters.
	if got := e.audit("outcome=refused").actions(); len(got) != 7 {
		t.Errorf("outcome=refused: %v", got)
	}
	if got := e.audit("action=auth.&outcome=done").actions(); strings.Join(got, ",") != "auth.sign_out,auth.sign_in,auth.sign_out,auth.token_create" {
		t.Errorf("sign-ins and outs: %v", got)
	}
	if got := e.audit("actor=olga@example.org&outcome=refused").actions(); strings.Join(got, ",") != "branding.update" {
		t.Errorf("Olga's refusals: %v", got)
	}
	if got := e.audit("client_ip=" + all.Items[0].ClientIP).actions(); len(got) == 0 {
		t.Errorf("address filter: nothing")
	}
	e.run(t, []scenario{
		{name: "bad outcome", method: "GET", path: "/api/v1/audit?outcome=maybe", admin: true, status: 422, contains: []string{`"outcome"`}},
		{name: "bad address", method: "GET", path: "/api/v1/audit?client_ip=here", admin: true, status: 422, contains: []string{`"client_ip"`}},
	})
	rows, err := e.store.AuditLog(context.Background(), model.AuditFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(rows)
	for _, secret := range []string{wrong, adminPassword, token, olga, "forged"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the audit log holds %q", secret)
		}
	}
	// The page shows a refusal, its answer and its repeats.
	b := e.signedIn(t)
	_, body := b.send("GET", "/admin/settings/audit?outcome=refused&action=auth.token_create", nil)
	wantAll(t, "refusals page", body, "<code>auth.token_create</code>", "Refused (401)", "<code>unauthorized</code>", "2 times, the last at",
		`<option value="refused" selected>Refused</option>`)

	// A flood without a token from one address: 20 refusals of that
	// address a minute are written (3 were before), the rest only answered.
	for range 30 {
		if r := e.do("POST", "/api/v1/events", liveEvent(nil), false); r.Status != 401 {
			t.Fatalf("no token: %d", r.Status)
		}
	}
	flood := e.audit("action=event.create&outcome=refused&client_ip=0.0.0.0").Items
	if len(flood) != 1 || flood[0].Repeats != 18 {
		t.Fatalf("the flood: %+v", flood)
	}
}
