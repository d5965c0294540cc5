package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// adminClient is a browser-like client of the admin UI: cookies kept,
// redirects not followed (the tests look at them).
type adminClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newAdminClient(t *testing.T, base string) *adminClient {
	jar, _ := cookiejar.New(nil)
	return &adminClient{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (a *adminClient) send(method, path string, form url.Values) (*http.Response, string) {
	a.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, a.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return a.roundTrip(req)
}

// roundTrip sends req as the browser would (asking for a page) and reads
// the answer whole.
func (a *adminClient) roundTrip(req *http.Request) (*http.Response, string) {
	a.t.Helper()
	req.Header.Set("Accept", "text/html")
	res, err := a.c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token of the page at path.
func (a *adminClient) csrf(path string) string {
	a.t.Helper()
	res, body := a.send("GET", path, nil)
	m := csrfInput.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		a.t.Fatalf("GET %s: %d, no csrf field\n%s", path, res.StatusCode, body)
	}
	return m[1]
}

func (a *adminClient) login(email, password string) *http.Response {
	a.t.Helper()
	tok := a.csrf("/admin/login")
	res, _ := a.send("POST", "/admin/login", url.Values{"csrf": {tok}, "email": {email}, "password": {password}, "next": {"/admin/events"}})
	return res
}

// TestAdminUINeedsASession: every admin page without a session sends the
// browser to the login page, which is a form with an email and a password.
func TestAdminUINeedsASession(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(nil))
	a := newAdminClient(t, e.serve())
	for _, p := range []string{"/admin/", "/admin", "/admin/events", fmt.Sprintf("/admin/events/%d", num(ev["id"])),
		fmt.Sprintf("/admin/events/%d/registrations.csv", num(ev["id"])), "/admin/settings", "/admin/nowhere"} {
		res, _ := a.send("GET", p, nil)
		if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.HasPrefix(loc, "/admin/login?next=") {
			t.Errorf("GET %s: %d to %q, want 303 to the login page", p, res.StatusCode, loc)
		}
	}
	res, _ := a.send("POST", "/admin/events", url.Values{"title": {"x"}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.HasPrefix(loc, "/admin/login") {
		t.Errorf("POST without a session: %d to %q", res.StatusCode, loc)
	}
	res, body := a.send("GET", "/admin/login", nil)
	if res.StatusCode != 200 || !strings.Contains(body, `type="email"`) || !strings.Contains(body, `type="password"`) {
		t.Fatalf("login page: %d\n%s", res.StatusCode, body)
	}
}

func TestAdminUILogin(t *testing.T) {
	e := newEnv(t)
	a := newAdminClient(t, e.serve())

	// Errors next to their field, in the page's language.
	tok := a.csrf("/admin/login?lang=fr")
	res, body := a.send("POST", "/admin/login?lang=fr", url.Values{"csrf": {tok}, "email": {""}, "password": {""}})
	if res.StatusCode != 422 || !strings.Contains(body, `id="email-error">Indiquez votre adresse e-mail.`) ||
		!strings.Contains(body, `id="password-error">Indiquez votre mot de passe.`) {
		t.Fatalf("empty form: %d\n%s", res.StatusCode, body)
	}
	res, body = a.send("POST", "/admin/login", url.Values{"csrf": {tok}, "email": {adminEmail}, "password": {"wrong password"}})
	if res.StatusCode != 401 || !strings.Contains(body, `id="password-error">The email or password is not right.`) {
		t.Fatalf("wrong password: %d\n%s", res.StatusCode, body)
	}
	// The login form has its own CSRF token.
	res, _ = a.send("POST", "/admin/login", url.Values{"email": {adminEmail}, "password": {adminPassword}})
	if res.StatusCode != 403 {
		t.Fatalf("login without its CSRF token: %d", res.StatusCode)
	}

	res = a.login(adminEmail, adminPassword)
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || loc != "/admin/events?lang=en" {
		t.Fatalf("login: %d to %q", res.StatusCode, loc)
	}
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/admin" {
		t.Fatalf("session cookie %+v", session)
	}
	if res, _ := a.send("GET", "/admin/", nil); res.StatusCode != 200 {
		t.Fatalf("dashboard: %d", res.StatusCode)
	}

	// The session is not an API token.
	req, _ := http.NewRequest("GET", a.base+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+session.Value)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 401 {
		t.Fatalf("session as a bearer token: %v %v", r.StatusCode, err)
	}

	// Logging out ends the session.
	tok = a.csrf("/admin/")
	res, _ = a.send("POST", "/admin/logout", url.Values{"csrf": {tok}})
	if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
		t.Fatalf("logout: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	a.c.Jar.SetCookies(res.Request.URL, []*http.Cookie{{Name: sessionCookie, Value: session.Value, Path: "/admin"}})
	if res, _ := a.send("GET", "/admin/", nil); res.StatusCode != 303 {
		t.Fatalf("revoked session still opens the dashboard: %d", res.StatusCode)
	}
}

// TestAdminUICSRF: a state-changing form without its token, or with
// another session's, answers 403 and changes nothing.
func TestAdminUICSRF(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(nil))
	rid, _ := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	base := e.serve()
	a, b := newAdminClient(t, base), newAdminClient(t, base)
	a.login(adminEmail, adminPassword)
	b.login(adminEmail, adminPassword)
	other := b.csrf("/admin/")
	for _, tc := range []struct{ path, token string }{
		{fmt.Sprintf("/admin/registrations/%d/cancel", rid), ""},
		{fmt.Sprintf("/admin/registrations/%d/cancel", rid), other},
		{fmt.Sprintf("/admin/events/%d/cancel", num(ev["id"])), ""},
		{"/admin/events", ""},
		{"/admin/logout", ""},
	} {
		res, _ := a.send("POST", tc.path, url.Values{"csrf": {tc.token}, "title": {"x"}})
		if res.StatusCode != 403 {
			t.Errorf("POST %s with csrf %q: %d, want 403", tc.path, tc.token, res.StatusCode)
		}
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/events/%d/registrations", num(ev["id"])), nil, true); !strings.Contains(string(r.Body), `"status":"confirmed"`) {
		t.Fatalf("the registration changed: %s", r.Body)
	}
	// The CSV export opens with the session, as a link.
	res, body := a.send("GET", fmt.Sprintf("/admin/events/%d/registrations.csv", num(ev["id"])), nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(body, "ada@example.org") {
		t.Fatalf("csv with the session: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	// With the token, the same button works.
	res, _ = a.send("POST", fmt.Sprintf("/admin/registrations/%d/cancel", rid), url.Values{"csrf": {a.csrf("/admin/")}})
	if res.StatusCode != 303 {
		t.Fatalf("cancel with the token: %d", res.StatusCode)
	}
}

// TestAdminUIEventForm: the form's errors come back next to their inputs;
// a valid form creates the event through the service.
func TestAdminUIEventForm(t *testing.T) {
	e := newEnv(t)
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	tok := a.csrf("/admin/events")
	form := url.Values{"csrf": {tok}, "title": {""}, "kind": {"live"}, "timezone": {"Mars/Olympus"}, "amount": {"0.5"},
		"currency": {"EUR"}, "status": {"published"}, "starts_at_1": {"2026-12-03T18:00"}, "duration_1": {"0"}}
	res, body := a.send("POST", "/admin/events", form)
	for _, want := range []string{`id="title-error">Enter a title.`, `id="timezone-error">Enter a time zone`, `id="amount-error">Enter a price`,
		`id="duration_1-error">Enter the length in minutes.`, `value="2026-12-03T18:00"`,
		`id="amount" aria-invalid="true" aria-describedby="amount-error amount-hint"`, `id="title" aria-invalid="true" aria-describedby="title-error"`,
		`id="capacity" aria-describedby="capacity-hint"`} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %q", want)
		}
	}
	if res.StatusCode != 422 || t.Failed() {
		t.Fatalf("bad form: %d\n%s", res.StatusCode, body)
	}
	form.Set("title", "Go at scale")
	form.Set("timezone", "Europe/Paris")
	form.Set("amount", "")
	form.Set("duration_1", "60")
	form.Set("capacity", "20")
	res, _ = a.send("POST", "/admin/events", form)
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done=created") {
		t.Fatalf("create: %d %q", res.StatusCode, loc)
	}
	r := e.do("GET", "/api/v1/events", nil, true)
	if !strings.Contains(string(r.Body), `"title":"Go at scale"`) || !strings.Contains(string(r.Body), `"starts_at":"2026-12-03T17:00:00Z"`) {
		t.Fatalf("events: %s", r.Body)
	}
}

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{{"19.99", 1999, true}, {"19,9", 1990, true}, {"20", 2000, true}, {"0.5", 50, true}, {"1.999", 0, false},
		{"-1", 0, false}, {"abc", 0, false}, {".5", 0, false}, {"1e3", 0, false}} {
		got, ok := parseAmount(tc.in, "EUR")
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseAmount(%q) = %d %v, want %d %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestAdminUISessionCookieIsSecureUnderHTTPS: published over https, the
// session and login cookies are sent back over https only.
func TestAdminUISessionCookieIsSecureUnderHTTPS(t *testing.T) {
	for _, tc := range []struct {
		publicURL string
		secure    bool
	}{{"https://tickets.example.org", true}, {"http://127.0.0.1:8080", false}} {
		e := newEnvWith(t, nil, func(o *ticketing.Options, _ *Deps) { o.PublicURL = tc.publicURL })
		a := newAdminClient(t, e.serve())
		tok := a.csrf("/admin/login")
		res, _ := a.send("POST", "/admin/login", url.Values{"csrf": {tok}, "email": {adminEmail}, "password": {adminPassword}})
		if res.StatusCode != 303 {
			t.Fatalf("%s: login %d", tc.publicURL, res.StatusCode)
		}
		found := false
		for _, h := range res.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, sessionCookie+"=") {
				found = true
				if got := strings.Contains(strings.ToLower(h), "; secure"); got != tc.secure {
					t.Errorf("%s: %s, want secure %v", tc.publicURL, h, tc.secure)
				}
			}
		}
		if !found {
			t.Fatalf("%s: no session cookie in %v", tc.publicURL, res.Header.Values("Set-Cookie"))
		}
	}
}

// TestAdminUILoginSharesTheAPILimit: the form and the API draw on one
// budget of attempts per address, so neither doubles the guesses.
func TestAdminUILoginSharesTheAPILimit(t *testing.T) {
	e := newEnv(t)
	base := e.serve()
	a := newAdminClient(t, base)
	tok := a.csrf("/admin/login")
	c := newHTTPClient()
	for i := 0; i < 10; i++ {
		if st, body := postJSON(c, base+"/api/v1/auth/token", `{"email":"admin@example.org","password":"guess"}`); st != 401 {
			t.Fatalf("API attempt %d: %d %s", i+1, st, body)
		}
	}
	res, _ := a.send("POST", "/admin/login", url.Values{"csrf": {tok}, "email": {adminEmail}, "password": {adminPassword}})
	if res.StatusCode != 429 {
		t.Fatalf("form login after 10 API attempts: %d, want 429", res.StatusCode)
	}
}

// TestAdminUIRefundButton: a paid registration shows what was paid; its
// refund form refunds an amount typed, or all that is left when empty,
// through the provider (stripe-mock); a wrong amount is explained in its
// row; the page then shows the refund and offers no more; the dashboard counts the
// revenue net of it. An action the state does not allow shows its error.
func TestAdminUIRefundButton(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	ev := e.createEvent(paidEvent(map[string]any{"sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	e.webhook(paidWebhook("evt_ada", ada, 1999), time.Now())
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	page := fmt.Sprintf("/admin/events/%d", num(ev["id"]))
	_, body := a.send("GET", "/admin/?lang=fr", nil)
	if !strings.Contains(body, "19,99\u00a0EUR") {
		t.Fatalf("dashboard revenue before the refund:\n%s", body)
	}
	_, body = a.send("GET", page, nil)
	if !strings.Contains(body, "19.99\u00a0EUR") || !strings.Contains(body, `value="refund"`) {
		t.Fatalf("event page before the refund:\n%s", body)
	}
	refund := fmt.Sprintf("/admin/registrations/%d/refund", ada.ID)
	row := fmt.Sprintf(`id="refund-%d-error">Enter an amount up to what is left to refund`, ada.ID)
	for _, bad := range []string{"lots", "20.00", "0"} {
		res, body := a.send("POST", refund, url.Values{"csrf": {a.csrf(page)}, "amount": {bad}})
		if res.StatusCode != 422 || !strings.Contains(body, row) {
			t.Fatalf("refund of %q: %d\n%s", bad, res.StatusCode, body)
		}
	}
	if testing.Short() {
		t.Log("-short: no browser")
	} else {
		// How the row looks with its error, in Chromium.
		ctx := newBrowser(t)
		browserSignIn(t, ctx, a.base)
		open(t, ctx, a.base+page)
		do(t, ctx, chromedp.SendKeys(chromedp.ID(fmt.Sprintf("refund-%d", ada.ID)), "25"))
		// The row's button asks to confirm; the confirmation says why 25 is refused.
		if st := clickAndLoad(t, ctx, fmt.Sprintf(`#registration-%d form.refund button`, ada.ID)); st != 200 {
			t.Fatalf("refund of 25 in the browser, confirmation: %d", st)
		}
		if st := clickAndLoad(t, ctx, `form.confirm-form button[type="submit"]`); st != 422 {
			t.Fatalf("refund of 25 in the browser: %d", st)
		}
		screenshot(t, ctx, "refund-error")
	}
	// Part of it, then the rest.
	res, _ := a.send("POST", refund, url.Values{"csrf": {a.csrf(page)}, "amount": {"5"}})
	if r := e.reg(ada.ID); res.StatusCode != 303 || r.Status != model.StatusPartiallyRefunded || r.AmountRefunded != 500 {
		t.Fatalf("partial refund: %d, %s, refunded %d", res.StatusCode, r.Status, r.AmountRefunded)
	}
	res, _ = a.send("POST", refund, url.Values{"csrf": {a.csrf(page)}, "amount": {""}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done=refund") {
		t.Fatalf("refund: %d %q", res.StatusCode, loc)
	}
	if r := e.reg(ada.ID); r.Status != model.StatusRefunded || r.AmountRefunded != 1999 {
		t.Fatalf("after the button: %s, refunded %d", r.Status, r.AmountRefunded)
	}
	_, body = a.send("GET", page+"?done=refund", nil)
	if !strings.Contains(body, "The refund is on its way.") || !strings.Contains(body, ">Refunded</span>") || strings.Contains(body, `value="refund"`) {
		t.Fatalf("event page after the refund:\n%s", body)
	}
	_, body = a.send("GET", "/admin/", nil)
	if !strings.Contains(body, "0.00\u00a0EUR") {
		t.Fatalf("dashboard after the refund:\n%s", body)
	}
	// Refunding again is refused, and the page says why.
	res, body = a.send("POST", refund, url.Values{"csrf": {a.csrf(page)}})
	if res.StatusCode != 409 || !strings.Contains(body, `class="notice error" role="alert"`) {
		t.Fatalf("second refund: %d\n%s", res.StatusCode, body)
	}
}

// TestAdminUIAddPanelistAndPublish: the event page adds a panelist (free,
// beyond capacity) and explains a refused one next to its field; it
// publishes and unpublishes the event.
func TestAdminUIAddPanelistAndPublish(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(map[string]any{"status": "draft", "capacity": 1}))
	id := num(ev["id"])
	page := fmt.Sprintf("/admin/events/%d", id)
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)

	add := page + "/registrations"
	res, body := a.send("POST", add, url.Values{"csrf": {a.csrf(page)}, "name": {""}, "email": {"pat@example"}, "role": {"panelist"}})
	if res.StatusCode != 422 || !strings.Contains(body, `id="add-name-error">Enter a name.`) || !strings.Contains(body, `id="add-email-error">Enter a valid email`) ||
		!strings.Contains(body, `value="pat@example"`) {
		t.Fatalf("add with mistakes: %d\n%s", res.StatusCode, body)
	}
	res, _ = a.send("POST", add, url.Values{"csrf": {a.csrf(page)}, "name": {"Pat"}, "email": {"pat@example.org"}, "role": {"panelist"}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done=added") {
		t.Fatalf("add: %d %q", res.StatusCode, loc)
	}
	_, body = a.send("GET", page+"?done=added", nil)
	if !strings.Contains(body, "pat@example.org") || !strings.Contains(body, ">Panelist</span>") || !strings.Contains(body, "Added: the access link is on its way.") {
		t.Fatalf("after adding:\n%s", body)
	}

	for _, tc := range []struct{ status, public string }{{"published", "200"}, {"draft", "404"}} {
		res, _ = a.send("POST", page+"/status", url.Values{"csrf": {a.csrf(page)}, "status": {tc.status}})
		if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done="+tc.status) {
			t.Fatalf("status %s: %d %q", tc.status, res.StatusCode, loc)
		}
		if r := e.do("GET", "/api/v1/public/events/intro-to-go", nil, false); fmt.Sprint(r.Status) != tc.public {
			t.Fatalf("after %s the public event answers %d", tc.status, r.Status)
		}
	}
	res, body = a.send("POST", page+"/status", url.Values{"csrf": {a.csrf(page)}, "status": {"open"}})
	if res.StatusCode != 422 || !strings.Contains(body, `<code>status</code>: `) {
		t.Fatalf("unknown status: %d\n%s", res.StatusCode, body)
	}
}
