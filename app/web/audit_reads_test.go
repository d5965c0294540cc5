package web

import (
	"fmt"
	"net/url"
	"testing"
)

// TestAuditRefusedReads: a read refused to someone signed in (an organizer
// on the users list through the API, on the settings page of the admin UI)
// is in the audit log under its route, the same refusal again folded into
// its row; a read answered is not logged; a flood of refused reads from one
// address writes at most 20 refusals a minute. A failed sign-in on an
// existing account names that account as its target (its actor stays
// nobody, with the email typed); on an unknown email, none. Before, refused
// reads were not logged, and a failed sign-in named no account.
func TestAuditRefusedReads(t *testing.T) {
	e := newEnv(t)
	olgaID, olga := e.invite("olga@example.org", "organizer")
	for range 2 {
		wantForbidden(t, "organizer on the users", e.as(olga, "GET", "/api/v1/users", nil))
	}
	if r := e.as(olga, "GET", "/api/v1/events", nil); r.Status != 200 {
		t.Fatalf("organizer's events: %d %s", r.Status, r.Body)
	}
	ui := newAdminClient(t, e.serve())
	if res := ui.login("olga@example.org", memberPassword); res.StatusCode != 303 {
		t.Fatalf("organizer's sign in: %d", res.StatusCode)
	}
	if res, _ := ui.send("GET", "/admin/settings", nil); res.StatusCode != 403 {
		t.Fatalf("organizer on the settings page: %d", res.StatusCode)
	}

	olgas := e.audit("actor=olga@example.org")
	type row struct {
		action  string
		outcome string
		status  int
		repeats int
	}
	want := []row{{"GET /settings", "refused", 403, 1}, {"auth.sign_in", "done", 0, 1}, {"GET /users", "refused", 403, 2}}
	if len(olgas.Items) != len(want) {
		t.Fatalf("Olga's entries: %v", olgas.actions())
	}
	for i, w := range want {
		it := olgas.Items[i]
		if (row{it.Action, it.Outcome, it.Status, it.Repeats}) != w || it.Actor.ID != olgaID || it.ClientIP == "" {
			t.Errorf("%d: %+v, want %+v", i, it, w)
		}
	}
	if it := olgas.Items[2]; it.Reason != "forbidden" || it.Target.Type != "" {
		t.Errorf("refused read: %+v", it)
	}

	// Failed sign-ins: on Olga's account (its email typed in capitals),
	// and on nobody's.
	for _, email := range []string{"OLGA@example.org", "nobody@example.org"} {
		if r := e.do("POST", "/api/v1/auth/token", map[string]any{"email": email, "password": "not the right passphrase"}, false); r.Status != 401 {
			t.Fatalf("wrong password for %s: %d", email, r.Status)
		}
	}
	failed := e.audit("action=auth.token_create&outcome=refused").Items
	if len(failed) != 2 {
		t.Fatalf("failed sign-ins: %+v", failed)
	}
	if it := failed[1]; it.Actor.ID != 0 || it.Actor.Email != "olga@example.org" || it.Target.Type != "user" || it.Target.ID != fmt.Sprint(olgaID) {
		t.Errorf("failed sign-in on Olga's account: %+v", it)
	}
	if it := failed[0]; it.Actor.ID != 0 || it.Actor.Email != "nobody@example.org" || it.Target.ID != "" {
		t.Errorf("failed sign-in on nobody's account: %+v", it)
	}

	// A flood of refused reads from the API's address: 20 refusals of
	// that address a minute are written (4 were before), the rest only
	// answered.
	for range 30 {
		wantForbidden(t, "organizer on the users", e.as(olga, "GET", "/api/v1/users", nil))
	}
	flood := e.audit("outcome=refused&action=" + url.QueryEscape("GET /users")).Items
	if len(flood) != 1 || flood[0].Repeats != 18 {
		t.Fatalf("the flood: %+v", flood)
	}
}

// TestAuditRefusedReadsUnderTheirRoute: a refused read is logged under its
// route even where a write of the same path has a name of its own: a
// co-organizer's GET of another event's registration's views is
// "GET /registrations/:id/views" (it was registration.views), the admin
// UI's confirmation page of a registrant's action "GET
// /registrations/:id/:action" (it was the literal registration.:action),
// both with the registration as their target. A path of no route, refused
// all the same, spends none of the address's 20 written refusals a minute
// (it spent one though nothing was written).
func TestAuditRefusedReadsUnderTheirRoute(t *testing.T) {
	w := newCoOrganized(t)
	wantForbidden(t, "co-organizer on another event's views", w.as(w.coToken, "GET", fmt.Sprintf("/api/v1/registrations/%d/views", w.theirReg), nil))
	ui := newAdminClient(t, w.serve())
	if res := ui.login(w.coEmail, memberPassword); res.StatusCode != 303 {
		t.Fatalf("co-organizer's sign in: %d", res.StatusCode)
	}
	if res, _ := ui.send("GET", fmt.Sprintf("/admin/registrations/%d/confirm", w.theirReg), nil); res.StatusCode != 403 {
		t.Fatalf("co-organizer on another event's confirmation page: %d", res.StatusCode)
	}
	for _, want := range []string{"GET /registrations/:id/views", "GET /registrations/:id/:action"} {
		got := w.audit("outcome=refused&action=" + url.QueryEscape(want)).Items
		if len(got) != 1 || got[0].Target.Type != "registration" || got[0].Target.ID != fmt.Sprint(w.theirReg) || got[0].Status != 403 {
			t.Errorf("%s: %+v (the log holds %v)", want, got, w.audit("outcome=refused").actions())
		}
	}

	// 25 refused reads of no route, then one of a route: it is written.
	for range 25 {
		wantForbidden(t, "co-organizer on no route", w.as(w.coToken, "GET", "/api/v1/no_such_list", nil))
	}
	wantForbidden(t, "co-organizer on the users", w.as(w.coToken, "GET", "/api/v1/users", nil))
	if got := w.audit("outcome=refused&action=" + url.QueryEscape("GET /users")).Items; len(got) != 1 {
		t.Errorf("the refused read after 25 of no route: %+v", got)
	}
}
