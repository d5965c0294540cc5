package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

var invitePattern = regexp.MustCompile(`https?://[^\s/]+(/admin/invite/[A-Za-z0-9_-]{43})`)

// invitationPath is the set-password page of the last invitation mailed to
// email, as the mail says it.
func (e *env) invitationPath(email string) string {
	e.t.Helper()
	var found *model.OutboxMail
	for _, m := range e.outbox() {
		if m.Kind == model.MailInvitation && strings.EqualFold(m.To, email) {
			found = &m
		}
	}
	if found == nil {
		e.t.Fatalf("no invitation mailed to %s", email)
	}
	m := invitePattern.FindStringSubmatch(e.compose(*found).Text)
	if m == nil {
		e.t.Fatalf("no invitation link in the mail to %s", email)
	}
	return m[1]
}

const memberPassword = "a long enough password"

// accept accepts the last invitation of email (as the set-password page
// does) and signs in: it returns an API token.
func (e *env) accept(email string) string {
	e.t.Helper()
	ctx := context.Background()
	hash, err := e.auth.HashPassword("password", memberPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	token := strings.TrimPrefix(e.invitationPath(email), "/admin/invite/")
	if _, err := e.tickets.AcceptInvitation(ctx, token, hash); err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.auth.Login(ctx, email, memberPassword, store.TokenAPI, "192.0.2.9")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// invite invites a user with a role through the API, accepts the
// invitation and returns the user's id and API token.
func (e *env) invite(email, role string) (int64, string) {
	e.t.Helper()
	r := e.do("POST", "/api/v1/users", map[string]any{"email": email, "role": role}, true)
	if r.Status != 201 {
		e.t.Fatalf("invite %s: %d %s", email, r.Status, r.Body)
	}
	return num(r.JSON(e.t)["id"]), e.accept(email)
}

// as sends a request with another user's token.
func (e *env) as(token, method, path string, body any) response {
	e.t.Helper()
	return e.do(method, path, body, false, "Authorization", "Bearer "+token)
}

func wantForbidden(t *testing.T, what string, r response) {
	t.Helper()
	if r.Status != 403 {
		t.Errorf("%s: %d %s, want 403", what, r.Status, r.Body)
		return
	}
	if code, _ := r.JSON(t)["error"].(map[string]any)["code"].(string); code != "forbidden" {
		t.Errorf("%s: 403 with %s, want code forbidden", what, r.Body)
	}
}

func eventTitles(t *testing.T, r response) []string {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("list events: %d %s", r.Status, r.Body)
	}
	var out []string
	for _, it := range r.JSON(t)["items"].([]any) {
		out = append(out, it.(map[string]any)["title"].(string))
	}
	return out
}

// coOrganized is an env with two events, "Ours" and "Theirs", and a
// co-organizer of Ours only (added as a co_organizer registration, which
// invited them), with a registration on each event.
type coOrganized struct {
	*env
	ours, theirs       int64
	ourReg, theirReg   int64
	coToken            string
	coEmail            string
	ourSlug, theirSlug string
}

func newCoOrganized(t *testing.T) *coOrganized {
	e := newEnv(t)
	w := &coOrganized{env: e, coEmail: "cora@example.org"}
	ours := e.createEvent(liveEvent(map[string]any{"title": "Ours"}))
	theirs := e.createEvent(liveEvent(map[string]any{"title": "Theirs"}))
	w.ours, w.theirs = num(ours["id"]), num(theirs["id"])
	w.ourSlug, w.theirSlug = ours["slug"].(string), theirs["slug"].(string)
	r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/registrations", w.ours),
		map[string]any{"name": "Cora", "email": w.coEmail, "role": "co_organizer"}, true)
	if r.Status != 201 {
		t.Fatalf("add co-organizer: %d %s", r.Status, r.Body)
	}
	w.ourReg = num(r.JSON(t)["id"])
	w.coToken = e.accept(w.coEmail)
	r = e.do("POST", fmt.Sprintf("/api/v1/events/%d/registrations", w.theirs),
		map[string]any{"name": "Pat", "email": "pat@example.org", "role": "panelist"}, true)
	if r.Status != 201 {
		t.Fatalf("add panelist: %d %s", r.Status, r.Body)
	}
	w.theirReg = num(r.JSON(t)["id"])
	return w
}

var routeParam = regexp.MustCompile(`:[A-Za-z_]+\??`)

// fill puts id in a route's first parameter and 1 in the others.
func fill(path string, id int64) string {
	first := true
	path = routeParam.ReplaceAllStringFunc(path, func(string) string {
		if first {
			first = false
			return fmt.Sprint(id)
		}
		return "1"
	})
	return strings.ReplaceAll(path, "*", "x")
}

// eventRoutes are the routes of the route table under prefix/events/:id
// and prefix/registrations/:id, with the id each needs.
func (w *coOrganized) eventRoutes(prefix string, eventID, regID int64) [][2]string {
	var out [][2]string
	for _, rt := range w.app.GetRoutes(true) {
		switch {
		case strings.HasPrefix(rt.Path, prefix+"/events/:id"):
			out = append(out, [2]string{rt.Method, fill(rt.Path, eventID)})
		case strings.HasPrefix(rt.Path, prefix+"/registrations/:id"):
			out = append(out, [2]string{rt.Method, fill(rt.Path, regID)})
		}
	}
	return out
}

// TestRolesCoOrganizerForbiddenOnEveryRouteOfAnotherEvent walks the route
// table: every route of an event or a registration, those added later
// too, answers a co-organizer of another event 403 forbidden.
func TestRolesCoOrganizerForbiddenOnEveryRouteOfAnotherEvent(t *testing.T) {
	w := newCoOrganized(t)
	routes := w.eventRoutes("/api/v1", w.theirs, w.theirReg)
	if len(routes) < 20 {
		t.Fatalf("only %d event routes found in the route table: %v", len(routes), routes)
	}
	for _, rt := range routes {
		r := w.as(w.coToken, rt[0], rt[1], map[string]any{})
		if rt[0] == "HEAD" { // no body to read
			if r.Status != 403 {
				t.Errorf("%s %s: %d, want 403", rt[0], rt[1], r.Status)
			}
			continue
		}
		wantForbidden(t, rt[0]+" "+rt[1], r)
	}
	// Their own event's reading routes let them through.
	for _, rt := range w.eventRoutes("/api/v1", w.ours, w.ourReg) {
		if rt[0] != "GET" {
			continue
		}
		if r := w.as(w.coToken, rt[0], rt[1], nil); r.Status == 403 || r.Status == 401 {
			t.Errorf("%s %s on their own event: %d %s", rt[0], rt[1], r.Status, r.Body)
		}
	}
	// Unknown ids and ids that are not numbers are no way around it.
	wantForbidden(t, "event id not a number", w.as(w.coToken, "GET", "/api/v1/events/x", nil))
	if r := w.as(w.coToken, "GET", fmt.Sprintf("/API/V1/EVENTS/%d", w.theirs), nil); r.Status != 403 {
		t.Errorf("path in upper case: %d", r.Status)
	}
	if r := w.as(w.coToken, "GET", "/api/v1/events/999999", nil); r.Status != 404 {
		t.Errorf("unknown event: %d %s", r.Status, r.Body)
	}
}

// TestRolesAdminOnlyRoutes: settings, outbox, jobs and users are for
// admins; the caller's own tokens and password are not.
func TestRolesAdminOnlyRoutes(t *testing.T) {
	w := newCoOrganized(t)
	_, orgToken := w.invite("olga@example.org", model.UserOrganizer)
	for _, tok := range []string{w.coToken, orgToken} {
		for _, rt := range [][2]string{{"GET", "/api/v1/outbox"}, {"GET", "/api/v1/outbox/1"}, {"POST", "/api/v1/outbox/1/retry"},
			{"GET", "/api/v1/jobs"}, {"GET", "/api/v1/settings/payments/stripe"}, {"PUT", "/api/v1/settings/payments/stripe"},
			{"DELETE", "/api/v1/settings/payments/paypal"}, {"GET", "/api/v1/users"}, {"POST", "/api/v1/users"},
			{"PATCH", "/api/v1/users/1"}, {"DELETE", "/api/v1/users/1"}, {"GET", "/api/v1/registrations"},
			{"GET", "/api/v1/settings/branding"}, {"PUT", "/api/v1/settings/branding"}, {"PUT", "/api/v1/settings/branding/logo"},
			{"DELETE", "/api/v1/settings/branding/logo"}} {
			wantForbidden(t, rt[0]+" "+rt[1], w.as(tok, rt[0], rt[1], map[string]any{}))
		}
		if r := w.as(tok, "GET", "/api/v1/auth/tokens", nil); r.Status != 200 {
			t.Errorf("own tokens: %d %s", r.Status, r.Body)
		}
	}
	if r := w.do("GET", "/api/v1/outbox", nil, true); r.Status != 200 {
		t.Errorf("admin outbox: %d", r.Status)
	}
}

// TestRolesOrganizerSeesOnlyOwnEvents: an organizer's events are theirs;
// the list keeps to them, the others answer 403.
func TestRolesOrganizerSeesOnlyOwnEvents(t *testing.T) {
	e := newEnv(t)
	admins := num(e.createEvent(liveEvent(map[string]any{"title": "The admin's"}))["id"])
	_, tok := e.invite("olga@example.org", model.UserOrganizer)
	r := e.as(tok, "POST", "/api/v1/events", liveEvent(map[string]any{"title": "Olga's"}))
	if r.Status != 201 {
		t.Fatalf("organizer creates: %d %s", r.Status, r.Body)
	}
	own := num(r.JSON(t)["id"])
	if got := eventTitles(t, e.as(tok, "GET", "/api/v1/events", nil)); len(got) != 1 || got[0] != "Olga's" {
		t.Errorf("organizer lists %v", got)
	}
	if got := eventTitles(t, e.do("GET", "/api/v1/events", nil, true)); len(got) != 2 {
		t.Errorf("admin lists %v", got)
	}
	wantForbidden(t, "another's event", e.as(tok, "GET", fmt.Sprintf("/api/v1/events/%d", admins), nil))
	if r := e.as(tok, "PATCH", fmt.Sprintf("/api/v1/events/%d", own), map[string]any{"title": "Olga's own"}); r.Status != 200 {
		t.Errorf("organizer edits own event: %d %s", r.Status, r.Body)
	}
	r = e.as(tok, "GET", fmt.Sprintf("/api/v1/events/%d/co_organizers", own), nil)
	if owner, _ := r.JSON(t)["owner"].(map[string]any); r.Status != 200 || owner["email"] != "olga@example.org" {
		t.Errorf("team of the new event: %d %s", r.Status, r.Body)
	}
	r = e.do("GET", fmt.Sprintf("/api/v1/events/%d/co_organizers", admins), nil, true)
	if owner, _ := r.JSON(t)["owner"].(map[string]any); r.Status != 200 || owner["email"] != adminEmail {
		t.Errorf("team of the admin's event: %d %s", r.Status, r.Body)
	}
}

// TestRolesCoOrganizerRunsTheirEvent: a co-organizer lists only their
// event, edits it, its tiers and promo codes and registrations, and
// creates no events of their own.
func TestRolesCoOrganizerRunsTheirEvent(t *testing.T) {
	w := newCoOrganized(t)
	if got := eventTitles(t, w.as(w.coToken, "GET", "/api/v1/events", nil)); len(got) != 1 || got[0] != "Ours" {
		t.Errorf("co-organizer lists %v", got)
	}
	base := fmt.Sprintf("/api/v1/events/%d", w.ours)
	for _, tc := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"PATCH", base, map[string]any{"description": "Now with a co-organizer."}, 200},
		{"POST", base + "/tiers", map[string]any{"name": "Early", "price": map[string]any{"amount": 0, "currency": "EUR"}, "quantity": 5}, 0},
		{"GET", base + "/promo_codes", nil, 200},
		{"GET", base + "/registrations", nil, 200},
		{"POST", base + "/registrations", map[string]any{"name": "Ann", "email": "ann@example.org", "role": "panelist"}, 201},
		{"POST", fmt.Sprintf("/api/v1/registrations/%d/resend", w.ourReg), nil, 0},
	} {
		r := w.as(w.coToken, tc.method, tc.path, tc.body)
		if r.Status == 403 || tc.want != 0 && r.Status != tc.want {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, r.Status, r.Body)
		}
	}
	wantForbidden(t, "create an event", w.as(w.coToken, "POST", "/api/v1/events", liveEvent(nil)))
	r := w.do("GET", fmt.Sprintf("/api/v1/events/%d/co_organizers", w.ours), nil, true)
	items, _ := r.JSON(t)["items"].([]any)
	if r.Status != 200 || len(items) != 1 || items[0].(map[string]any)["email"] != w.coEmail {
		t.Fatalf("co-organizers: %d %s", r.Status, r.Body)
	}
	// Taken off the event, they lose it.
	uid := num(items[0].(map[string]any)["id"])
	if r := w.do("DELETE", fmt.Sprintf("/api/v1/events/%d/co_organizers/%d", w.ours, uid), nil, true); r.Status != 204 {
		t.Fatalf("remove co-organizer: %d %s", r.Status, r.Body)
	}
	wantForbidden(t, "after removal", w.as(w.coToken, "GET", base, nil))
}

// TestRolesCoOrganizerTiersAndPromoCodes: on their paid event, a
// co-organizer creates and lists tiers and promo codes; on another, 403.
func TestRolesCoOrganizerTiersAndPromoCodes(t *testing.T) {
	w := newCoOrganized(t)
	paid := map[string]any{"price": map[string]any{"amount": 5000, "currency": "EUR"}}
	if r := w.do("PATCH", fmt.Sprintf("/api/v1/events/%d", w.ours), paid, true); r.Status != 200 {
		t.Fatalf("price: %d %s", r.Status, r.Body)
	}
	path := fmt.Sprintf("/api/v1/events/%d/tiers", w.ours)
	r := w.as(w.coToken, "POST", path, map[string]any{"name": "Early bird", "price": map[string]any{"amount": 3000, "currency": "EUR"}, "quantity": 10})
	if r.Status != 201 {
		t.Fatalf("tier: %d %s", r.Status, r.Body)
	}
	if r := w.as(w.coToken, "GET", path, nil); r.Status != 200 || !strings.Contains(string(r.Body), "Early bird") {
		t.Fatalf("tiers: %d %s", r.Status, r.Body)
	}
	promos := fmt.Sprintf("/api/v1/events/%d/promo_codes", w.ours)
	if r := w.as(w.coToken, "POST", promos, map[string]any{"code": "FRIENDS", "percent_off": 20}); r.Status != 201 {
		t.Fatalf("promo code: %d %s", r.Status, r.Body)
	}
	if r := w.as(w.coToken, "GET", promos, nil); r.Status != 200 || !strings.Contains(string(r.Body), "FRIENDS") {
		t.Fatalf("promo codes: %d %s", r.Status, r.Body)
	}
	wantForbidden(t, "their promo codes", w.as(w.coToken, "POST", fmt.Sprintf("/api/v1/events/%d/promo_codes", w.theirs),
		map[string]any{"code": "X", "percent_off": 20}))
	wantForbidden(t, "their tiers", w.as(w.coToken, "POST", fmt.Sprintf("/api/v1/events/%d/tiers", w.theirs),
		map[string]any{"name": "x", "price": map[string]any{"amount": 3000, "currency": "EUR"}}))
}

// TestRolesLastAdmin: the last admin can be neither demoted nor removed;
// with two, one can; a removed organizer's events pass to the admin who
// removed them.
func TestRolesLastAdmin(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/api/v1/users", nil, true)
	items := r.JSON(t)["items"].([]any)
	if r.Status != 200 || len(items) != 1 || items[0].(map[string]any)["role"] != "admin" {
		t.Fatalf("users: %d %s", r.Status, r.Body)
	}
	me := num(items[0].(map[string]any)["id"])
	r = e.do("PATCH", fmt.Sprintf("/api/v1/users/%d", me), map[string]any{"role": "organizer"}, true)
	if r.Status != 409 || !strings.Contains(string(r.Body), `"last_admin"`) {
		t.Errorf("demote the last admin: %d %s", r.Status, r.Body)
	}
	if r := e.do("DELETE", fmt.Sprintf("/api/v1/users/%d", me), nil, true); r.Status != 409 {
		t.Errorf("remove oneself: %d %s", r.Status, r.Body)
	}
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/users/%d", me), map[string]any{"role": "boss"}, true); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"role"`) {
		t.Errorf("unknown role: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/users", map[string]any{"email": adminEmail, "role": "admin"}, true); r.Status != 409 {
		t.Errorf("invite an existing user: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/users", map[string]any{"email": "nope", "role": ""}, true); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"email"`) || !strings.Contains(string(r.Body), `"role"`) {
		t.Errorf("invite with mistakes: %d %s", r.Status, r.Body)
	}

	// An invited admin who has not set a password does not count: the
	// invitation may never be accepted.
	r = e.do("POST", "/api/v1/users", map[string]any{"email": "pending@example.org", "role": "admin"}, true)
	if r.Status != 201 {
		t.Fatalf("invite: %d %s", r.Status, r.Body)
	}
	pending := num(r.JSON(t)["id"])
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/users/%d", me), map[string]any{"role": "organizer"}, true); r.Status != 409 {
		t.Errorf("demote the last admin who can sign in: %d %s", r.Status, r.Body)
	}
	// Inviting them again sends a new link, with the role asked for.
	first := e.invitationPath("pending@example.org")
	r = e.do("POST", "/api/v1/users", map[string]any{"email": "Pending@example.org", "role": "organizer"}, true)
	if r.Status != 200 || r.JSON(t)["role"] != "organizer" || num(r.JSON(t)["id"]) != pending {
		t.Errorf("invite again: %d %s", r.Status, r.Body)
	}
	if again := e.invitationPath("pending@example.org"); again == first {
		t.Errorf("inviting again mailed the same link")
	}
	if r := e.do("DELETE", fmt.Sprintf("/api/v1/users/%d", pending), nil, true); r.Status != 204 {
		t.Errorf("remove an invited user: %d %s", r.Status, r.Body)
	}

	second, secondToken := e.invite("ada@example.org", model.UserAdmin)
	if r := e.as(secondToken, "PATCH", fmt.Sprintf("/api/v1/users/%d", me), map[string]any{"role": "organizer"}); r.Status != 200 {
		t.Fatalf("demote one of two admins: %d %s", r.Status, r.Body)
	}
	// The first admin is an organizer now: the second is the last admin.
	r = e.as(secondToken, "PATCH", fmt.Sprintf("/api/v1/users/%d", second), map[string]any{"role": "co_organizer"})
	if r.Status != 409 || !strings.Contains(string(r.Body), `"last_admin"`) {
		t.Errorf("demote the last admin: %d %s", r.Status, r.Body)
	}
	wantForbidden(t, "an organizer lists users", e.do("GET", "/api/v1/users", nil, true))
	ev := e.createEvent(liveEvent(map[string]any{"title": "Mine"}))
	if r := e.as(secondToken, "DELETE", fmt.Sprintf("/api/v1/users/%d", me), nil); r.Status != 204 {
		t.Fatalf("remove the organizer: %d %s", r.Status, r.Body)
	}
	r = e.as(secondToken, "GET", fmt.Sprintf("/api/v1/events/%v/co_organizers", ev["id"]), nil)
	if owner, _ := r.JSON(t)["owner"].(map[string]any); owner["email"] != "ada@example.org" {
		t.Errorf("the removed organizer's event: %s", r.Body)
	}
	if r := e.do("GET", "/api/v1/events", nil, true); r.Status != 401 {
		t.Errorf("a removed user's token: %d", r.Status)
	}
}

// TestInvitationMailAndPage: the invitation leaves by SMTP with a link;
// the page sets the password once (length rules as for a password change)
// and signs in; an expired invitation is refused.
func TestInvitationMailAndPage(t *testing.T) {
	e := newEnv(t)
	srv, d := e.smtp()
	r := e.do("POST", "/api/v1/users", map[string]any{"email": "olga@example.org", "role": "organizer", "locale": "fr"}, true)
	if r.Status != 201 || r.JSON(t)["invited"] != true || r.Header.Get("Location") == "" {
		t.Fatalf("invite: %d %s", r.Status, r.Body)
	}
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	msg := srv.WaitFor(t, 1, 5*time.Second)[0]
	if msg.ParseError != nil {
		t.Fatal(msg.ParseError)
	}
	link := invitePattern.FindStringSubmatch(msg.Text)
	if len(msg.To) != 1 || msg.To[0] != "olga@example.org" || link == nil || !strings.Contains(msg.Subject, "invitation") ||
		!strings.Contains(msg.Text, "organisateur") || !strings.Contains(msg.HTML, link[1]) {
		t.Fatalf("invitation mail to %v %q:\n%s", msg.To, msg.Subject, msg.Text)
	}
	page := link[1]
	if _, err := e.auth.Login(context.Background(), "olga@example.org", "", store.TokenAPI, "x"); err == nil {
		t.Fatal("an invited user signs in without a password")
	}

	a := newAdminClient(t, e.serve())
	res, body := a.send("GET", page, nil)
	if res.StatusCode != 200 || !strings.Contains(body, "olga@example.org") || !strings.Contains(body, `type="password"`) {
		t.Fatalf("invitation page: %d\n%s", res.StatusCode, body)
	}
	csrf := csrfInput.FindStringSubmatch(body)[1]
	res, _ = a.send("POST", page, url.Values{"password": {memberPassword}, "confirm": {memberPassword}})
	if res.StatusCode != 403 {
		t.Errorf("without the CSRF token: %d", res.StatusCode)
	}
	res, body = a.send("POST", page, url.Values{"csrf": {csrf}, "password": {"short"}, "confirm": {"short"}})
	if res.StatusCode != 422 || !strings.Contains(body, `id="password-error"`) || !strings.Contains(body, "at least 8") {
		t.Errorf("short password: %d\n%s", res.StatusCode, body)
	}
	res, body = a.send("POST", page, url.Values{"csrf": {csrf}, "password": {memberPassword}, "confirm": {"another one entirely"}})
	if res.StatusCode != 422 || !strings.Contains(body, `id="confirm-error"`) {
		t.Errorf("mismatched confirmation: %d\n%s", res.StatusCode, body)
	}
	res, _ = a.send("POST", page, url.Values{"csrf": {csrf}, "password": {memberPassword}, "confirm": {memberPassword}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "/admin/?done=welcome") {
		t.Fatalf("accept: %d %q", res.StatusCode, loc)
	}
	res, body = a.send("GET", "/admin/?done=welcome", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "olga@example.org") || strings.Contains(body, `href="/admin/settings`) {
		t.Fatalf("signed in as an organizer: %d\n%s", res.StatusCode, body)
	}
	// Once only: the page is gone, and so is the form, even sent again
	// with the token it had.
	if res, _ = a.send("GET", page, nil); res.StatusCode != 410 {
		t.Errorf("page after use: %d", res.StatusCode)
	}
	b := newAdminClient(t, a.base)
	b.c.Jar.SetCookies(res.Request.URL, []*http.Cookie{{Name: inviteCookie, Value: csrf, Path: "/admin/invite"}})
	res, _ = b.send("POST", page, url.Values{"csrf": {csrf}, "password": {"yet another password"}, "confirm": {"yet another password"}})
	if res.StatusCode != 410 {
		t.Errorf("second use: %d", res.StatusCode)
	}
	if _, err := e.auth.Login(context.Background(), "olga@example.org", memberPassword, store.TokenAPI, "x"); err != nil {
		t.Errorf("sign in with the chosen password: %v", err)
	}
	if res, _ = a.send("GET", "/admin/invite/"+strings.Repeat("A", 43), nil); res.StatusCode != 404 {
		t.Errorf("unknown invitation: %d", res.StatusCode)
	}

	// An invitation expires.
	if r := e.do("POST", "/api/v1/users", map[string]any{"email": "late@example.org", "role": "co_organizer"}, true); r.Status != 201 {
		t.Fatalf("invite: %d %s", r.Status, r.Body)
	}
	late := e.invitationPath("late@example.org")
	e.clock.Add(8 * 24 * time.Hour)
	if res, body = a.send("GET", late, nil); res.StatusCode != 410 {
		t.Errorf("expired invitation: %d\n%s", res.StatusCode, body)
	}
}

// TestRolesCoOrganizerInvitedOnce: adding an existing user as co-organizer
// gives access without an invitation; a new address is invited once.
func TestRolesCoOrganizerInvitedOnce(t *testing.T) {
	w := newCoOrganized(t)
	count := func() int {
		n := 0
		for _, m := range w.outbox() {
			if m.Kind == model.MailInvitation {
				n++
			}
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("%d invitations after adding a new co-organizer", n)
	}
	r := w.do("POST", fmt.Sprintf("/api/v1/events/%d/registrations", w.theirs),
		map[string]any{"name": "Cora", "email": "CORA@example.org", "role": "co_organizer"}, true)
	if r.Status != 201 {
		t.Fatalf("add to the second event: %d %s", r.Status, r.Body)
	}
	if n := count(); n != 1 {
		t.Errorf("%d invitations after adding an existing user", n)
	}
	if got := eventTitles(t, w.as(w.coToken, "GET", "/api/v1/events", nil)); len(got) != 2 {
		t.Errorf("co-organizer of both lists %v", got)
	}
}

// TestAdminUIRoles: the admin UI follows the same roles: a co-organizer
// sees their event only, gets 403 on every page and action of another and
// on settings and users; the admin's Users page invites and changes roles;
// the event page shows its co-organizers.
func TestAdminUIRoles(t *testing.T) {
	w := newCoOrganized(t)
	base := w.serve()
	co := newAdminClient(t, base)
	if res := co.login(w.coEmail, memberPassword); res.StatusCode != 303 {
		t.Fatalf("co-organizer login: %d", res.StatusCode)
	}
	res, body := co.send("GET", "/admin/events", nil)
	if res.StatusCode != 200 || !strings.Contains(body, ">Ours</a>") || strings.Contains(body, ">Theirs</a>") {
		t.Fatalf("co-organizer's events page: %d\n%s", res.StatusCode, body)
	}
	if strings.Contains(body, `href="/admin/settings`) || strings.Contains(body, `href="/admin/users`) {
		t.Errorf("a co-organizer's menu links to settings or users")
	}
	if res, body = co.send("GET", "/admin/", nil); res.StatusCode != 200 || strings.Contains(body, "Theirs") {
		t.Errorf("co-organizer's dashboard: %d shows another event", res.StatusCode)
	}
	csrf := co.csrf(fmt.Sprintf("/admin/events/%d", w.ours))
	routes := w.eventRoutes("/admin", w.theirs, w.theirReg)
	if len(routes) < 5 {
		t.Fatalf("only %d admin UI event routes: %v", len(routes), routes)
	}
	for _, rt := range append(routes, [2]string{"GET", "/admin/settings"}, [2]string{"GET", "/admin/users"},
		[2]string{"POST", "/admin/users"}, [2]string{"POST", "/admin/users/1/role"}) {
		var form url.Values
		if rt[0] != "GET" && rt[0] != "HEAD" {
			form = url.Values{"csrf": {csrf}, "role": {"admin"}, "email": {"x@example.org"}}
		}
		if res, body := co.send(rt[0], rt[1], form); res.StatusCode != 403 {
			t.Errorf("%s %s as co-organizer of another event: %d\n%.300s", rt[0], rt[1], res.StatusCode, body)
		}
	}
	if res, body = co.send("GET", fmt.Sprintf("/admin/events/%d", w.ours), nil); res.StatusCode != 200 {
		t.Errorf("their own event's page: %d", res.StatusCode)
	}

	admin := newAdminClient(t, base)
	admin.login(adminEmail, adminPassword)
	page := fmt.Sprintf("/admin/events/%d", w.ours)
	res, body = admin.send("GET", page, nil)
	if res.StatusCode != 200 || !strings.Contains(body, `id="team"`) || !strings.Contains(body, w.coEmail) {
		t.Fatalf("event page's team: %d\n%s", res.StatusCode, body)
	}
	remove := regexp.MustCompile(`action="(/admin/events/\d+/co_organizers/\d+/delete)`).FindStringSubmatch(body)
	if remove == nil {
		t.Fatalf("no button to remove the co-organizer:\n%s", body)
	}
	res, _ = admin.send("POST", remove[1], url.Values{"csrf": {admin.csrf(page)}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done=co_organizer_removed") {
		t.Fatalf("remove the co-organizer: %d %q", res.StatusCode, loc)
	}
	if res, _ = co.send("GET", page, nil); res.StatusCode != 403 {
		t.Errorf("the removed co-organizer opens the event: %d", res.StatusCode)
	}
	csrf = admin.csrf("/admin/users")
	res, body = admin.send("POST", "/admin/users", url.Values{"csrf": {csrf}, "email": {"nope"}, "role": {"organizer"}})
	if res.StatusCode != 422 || !strings.Contains(body, `id="invite-email-error"`) || !strings.Contains(body, `value="nope"`) {
		t.Errorf("invite with a bad address: %d\n%s", res.StatusCode, body)
	}
	res, _ = admin.send("POST", "/admin/users", url.Values{"csrf": {csrf}, "email": {"olga@example.org"}, "role": {"organizer"}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done=invited") {
		t.Fatalf("invite: %d %q", res.StatusCode, loc)
	}
	res, body = admin.send("GET", "/admin/users?done=invited", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "olga@example.org") || !strings.Contains(body, "Invitation sent.") {
		t.Fatalf("users page: %d\n%s", res.StatusCode, body)
	}
	users, _ := w.store.Users(context.Background())
	var me, olga int64
	for _, u := range users {
		switch u.Email {
		case adminEmail:
			me = u.ID
		case "olga@example.org":
			olga = u.ID
		}
	}
	res, body = admin.send("POST", fmt.Sprintf("/admin/users/%d/role", me), url.Values{"csrf": {csrf}, "role": {"organizer"}})
	if res.StatusCode != 409 || !strings.Contains(body, fmt.Sprintf(`id="role-%d-error"`, me)) || !strings.Contains(body, "last administrator") {
		t.Errorf("demote the last admin: %d\n%s", res.StatusCode, body)
	}
	res, _ = admin.send("POST", fmt.Sprintf("/admin/users/%d/role", olga), url.Values{"csrf": {csrf}, "role": {"co_organizer"}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done=role_changed") {
		t.Errorf("change role: %d %q", res.StatusCode, loc)
	}
	res, _ = admin.send("POST", fmt.Sprintf("/admin/users/%d/delete", olga), url.Values{"csrf": {csrf}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done=user_removed") {
		t.Errorf("remove: %d %q", res.StatusCode, loc)
	}
	if _, body = admin.send("GET", "/admin/users", nil); strings.Contains(body, "olga@example.org") {
		t.Errorf("removed user still listed")
	}
}
