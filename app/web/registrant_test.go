package web

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/admit/admit/app/model"
)

// attr reads every value of an attribute in a page, unescaped.
func attrs(body []byte, name string) []string {
	var out []string
	for _, m := range regexp.MustCompile(name+`="([^"]*)"`).FindAllSubmatch(body, -1) {
		out = append(out, html.UnescapeString(string(m[1])))
	}
	return out
}

// linkTo finds the first href that starts with prefix.
func linkTo(t *testing.T, body []byte, prefix string) *url.URL {
	t.Helper()
	for _, h := range attrs(body, "href") {
		if strings.HasPrefix(h, prefix) {
			u, err := url.Parse(h)
			if err != nil {
				t.Fatalf("%s: %v", h, err)
			}
			return u
		}
	}
	t.Fatalf("no link to %s in:\n%s", prefix, body)
	return nil
}

// TestRegistrantCalendarLinks: each session offers "add to Google
// Calendar" and "add to Outlook" links in UTC, whose title is the event's
// and whose description and location are the registrant's page, escaped.
func TestRegistrantCalendarLinks(t *testing.T) {
	e := newEnv(t)
	title := `Go & "SQLite" <deep> #1`
	e.createEvent(liveEvent(map[string]any{"title": title, "slug": "intro-to-go"}))
	_, token := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	r := e.do("GET", "/a/"+token+"?lang=de", nil, false)
	if r.Status != 200 {
		t.Fatalf("page: %d", r.Status)
	}
	page := "http://tickets.test/a/" + token + "?lang=de"

	g := linkTo(t, r.Body, "https://calendar.google.com/calendar/render?")
	q := g.Query()
	if q.Get("action") != "TEMPLATE" || q.Get("text") != title || q.Get("details") != page || q.Get("location") != page {
		t.Errorf("google link %s", g)
	}
	// 18:00–19:30 in Paris on 1 December is 17:00–18:30 UTC.
	if q.Get("dates") != "20261201T170000Z/20261201T183000Z" {
		t.Errorf("google dates %q", q.Get("dates"))
	}
	if strings.Contains(g.RawQuery, "+") {
		t.Errorf("google link writes a space as +: %s", g.RawQuery)
	}

	o := linkTo(t, r.Body, "https://outlook.live.com/calendar/0/deeplink/compose?")
	q = o.Query()
	if q.Get("rru") != "addevent" || q.Get("path") != "/calendar/action/compose" || q.Get("subject") != title || q.Get("body") != page || q.Get("location") != page {
		t.Errorf("outlook link %s", o)
	}
	start, err1 := time.Parse(time.RFC3339, q.Get("startdt"))
	end, err2 := time.Parse(time.RFC3339, q.Get("enddt"))
	if err1 != nil || err2 != nil || !start.Equal(time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)) || !end.Equal(start.Add(90*time.Minute)) || !strings.HasSuffix(q.Get("startdt"), "Z") {
		t.Errorf("outlook times %q – %q", q.Get("startdt"), q.Get("enddt"))
	}
	if strings.Contains(string(r.Body), "<deep>") {
		t.Error("the title is not escaped on the page")
	}

	// The countdown's data: the join window in UTC and the server's clock.
	for _, want := range []string{`data-starts="2026-12-01T17:00:00Z"`, `data-opens="2026-12-01T16:45:00Z"`, `data-ends="2026-12-01T18:30:00Z"`,
		`data-now="`, `src="/static/registrant.js"`, `<time datetime="2026-12-01T17:00:00Z">`} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("page lacks %s", want)
		}
	}

	// The .ics leads to the page in the language just chosen (remembered).
	cal, err := ics.ParseCalendar(strings.NewReader(string(e.do("GET", "/a/"+token+"/calendar.ics", nil, false).Body)))
	if err != nil {
		t.Fatal(err)
	}
	if u := cal.Events()[0].GetProperty(ics.ComponentPropertyUrl); u == nil || u.Value != "http://tickets.test/a/"+token+"?lang=de" {
		t.Errorf("ics URL %v", u)
	}
}

// TestJoinButtonComesAlive: before the window the join link waits
// (secondary, with the time it opens); inside it, it is the main button.
func TestJoinButtonComesAlive(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	_, token := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	e.clock.Set(time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC))
	body := string(e.do("GET", "/a/"+token+"?lang=fr", nil, false).Body)
	if !strings.Contains(body, `id="join" class="button secondary" href="/a/`+token+`/join?lang=fr"`) || !strings.Contains(body, `id="join-hint"`) {
		t.Errorf("before the window:\n%s", body)
	}
	e.clock.Set(time.Date(2026, 12, 1, 16, 50, 0, 0, time.UTC))
	body = string(e.do("GET", "/a/"+token+"?lang=fr", nil, false).Body)
	if !strings.Contains(body, `id="join" class="button" href="/a/`+token+`/join?lang=fr"`) || strings.Contains(body, `id="join-hint"`) {
		t.Errorf("in the window:\n%s", body)
	}
	// The join page's way back keeps the language.
	e.clock.Set(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	if body := string(e.do("GET", "/a/"+token+"/join?lang=ru", nil, false).Body); !strings.Contains(body, `href="/a/`+token+`?lang=ru"`) {
		t.Errorf("join page:\n%s", body)
	}
}

// TestCancelSaysWhatItGivesBack: the cancel step says, before and after,
// whether the registrant is refunded in full, gets nothing back under the
// policy, or had nothing to pay.
func TestCancelSaysWhatItGivesBack(t *testing.T) {
	e, f := fakeEnv(t)
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	e.clock.Set(now)
	e.createEvent(paidEvent(map[string]any{"cancel_refund_hours": 48, "refund_policy": "Full refund up to 48 hours before."}))
	e.createEvent(liveEvent(map[string]any{"title": "Free Talk", "slug": "free-talk"}))
	ids := map[string]int64{}
	paid := func(name string) string {
		id := e.buy("intro-to-go", name, nil)
		r := e.reg(id)
		f.mu.Lock()
		f.paid[r.CheckoutID] = r.Amount
		f.mu.Unlock()
		if res := e.do("GET", f.successURL(t, r.CheckoutID), nil, false); res.Status >= 400 {
			t.Fatalf("return: %d %s", res.Status, res.Body)
		}
		if st := e.reg(id).Status; st != model.StatusConfirmed {
			t.Fatalf("%s: %s", name, st)
		}
		ids[name] = id
		return e.accessToken(id)
	}
	ada, bob := paid("Ada"), paid("Bob")
	_, cleo := e.registerOne("free-talk", "Cleo", "cleo@example.org")

	cancel := func(token, lang string) string {
		r := e.do("POST", "/a/"+token+"/cancel?lang="+lang, nil, false, "Content-Type", "application/x-www-form-urlencoded")
		if r.Status != 303 {
			t.Fatalf("cancel: %d %s", r.Status, r.Body)
		}
		return string(e.do("GET", r.Header.Get("Location"), nil, false).Body)
	}
	check := func(what, body string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: lacks %q:\n%s", what, w, body)
			}
		}
	}

	// A month before: a full refund.
	check("refund, before", string(e.do("GET", "/a/"+ada, nil, false).Body), "Cancelling now refunds you 19.99\u00a0EUR in full.", "Full refund up to 48 hours before.")
	check("refund, after", cancel(ada, "en"), "Your registration is cancelled.", "Your full refund is on its way")
	if r := e.reg(ids["Ada"]); r.Status != model.StatusRefunded && r.Status != model.StatusCancelled {
		t.Errorf("Ada: %s", r.Status)
	}

	// A day before: no refund under the policy.
	e.clock.Set(time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC))
	check("no refund, before", string(e.do("GET", "/a/"+bob+"?lang=fr", nil, false).Body), "Vous avez payé 19,99\u00a0EUR. Selon les conditions de remboursement")
	check("no refund, after", cancel(bob, "fr"), "cette annulation n’ouvre pas droit à un remboursement")

	// Free: nothing to refund.
	check("free, before", string(e.do("GET", "/a/"+cleo+"?lang=de", nil, false).Body), "Diese Anmeldung ist kostenlos")
	after := cancel(cleo, "de")
	check("free, after", after, "Es wurde nichts bezahlt")

	// Not paid yet: nothing charged, nothing to refund.
	dan := strings.TrimPrefix(e.tickets.AccessURL(e.reg(e.buy("intro-to-go", "Dan", nil)).TokenNonce), "http://tickets.test/a/")
	check("unpaid, before", string(e.do("GET", "/a/"+dan, nil, false).Body), "Nothing has been charged yet")
	check("unpaid, after", cancel(dan, "en"), "Nothing was paid")

	// Cancelling twice says it is cancelled, nothing more, in the language.
	r := e.do("POST", "/a/"+cleo+"/cancel?lang=de", nil, false, "Content-Type", "application/x-www-form-urlencoded")
	if loc := r.Header.Get("Location"); r.Status != 303 || !strings.Contains(loc, "cancelled=1") || !strings.Contains(loc, "lang=de") {
		t.Errorf("second cancel: %d %s", r.Status, loc)
	}
}

// TestLanguageSwitchIsRemembered: switching the page to French keeps
// French for the mails that follow, and their links carry it.
func TestLanguageSwitchIsRemembered(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	id, token := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	if l := e.reg(id).Locale; l != "en" {
		t.Fatalf("locale %q", l)
	}
	if r := e.do("GET", "/a/"+token+"?lang=fr", nil, false); r.Status != 200 {
		t.Fatalf("page: %d", r.Status)
	}
	if l := e.reg(id).Locale; l != "fr" {
		t.Fatalf("after switching: locale %q", l)
	}
	// An unknown language changes nothing.
	e.do("GET", "/a/"+token+"?lang=xx", nil, false)
	if l := e.reg(id).Locale; l != "fr" {
		t.Fatalf("after ?lang=xx: locale %q", l)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/resend", id), nil, true); r.Status >= 300 {
		t.Fatalf("resend: %d %s", r.Status, r.Body)
	}
	m := e.composed(id, model.MailResend)
	if !strings.Contains(m.Text, "Bonjour") && !strings.Contains(m.Text, "décembre") {
		t.Errorf("the next mail is not French:\n%s", m.Text)
	}
	if want := "/a/" + token + "?lang=fr"; !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
		t.Errorf("the mail lacks %s:\n%s", want, m.Text)
	}
	// A mail that leads to the event page leads to it in French too.
	m = e.compose(model.OutboxMail{Kind: model.MailPaymentFailed, RegistrationID: &id, Locale: e.reg(id).Locale, To: "ada@example.org"})
	if want := "/e/intro-to-go?lang=fr"; !strings.Contains(m.Text, want) {
		t.Errorf("the mail lacks %s:\n%s", want, m.Text)
	}
}

// TestLinksCarryTheLocale: every link Admit builds for a registrant
// carries the language of their registration: the mails' access and event
// links, the .ics, the payment return and cancel addresses.
func TestLinksCarryTheLocale(t *testing.T) {
	e, f := fakeEnv(t)
	e.clock.Set(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	e.createEvent(paidEvent(nil))
	id := e.buy("intro-to-go", "Ana", map[string]any{"locale": "es-MX"})
	r := e.reg(id)
	if r.Locale != "es-MX" {
		t.Fatalf("locale %q", r.Locale)
	}
	f.mu.Lock()
	req := f.requests[r.CheckoutID]
	f.mu.Unlock()
	for _, u := range []string{req.SuccessURL, req.CancelURL} {
		if !strings.Contains(u, "lang=es-MX") {
			t.Errorf("provider URL without the language: %s", u)
		}
	}
	// The cancel page, reached from the provider, is in Spanish.
	if body := string(e.do("GET", f.cancelURL(t, r.CheckoutID), nil, false).Body); !strings.Contains(body, `<html lang="es">`) {
		t.Errorf("cancel page not in Spanish:\n%s", body)
	}
	f.mu.Lock()
	f.paid[r.CheckoutID] = r.Amount
	f.mu.Unlock()
	e.do("GET", f.successURL(t, r.CheckoutID), nil, false)
	m := e.composed(id, model.MailAccess)
	token := e.accessToken(id)
	for _, want := range []string{"/a/" + token + "?lang=es-MX"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("access mail lacks %q:\n%s", want, m.Text)
		}
	}
	for _, a := range m.Attachments {
		if strings.HasSuffix(a.Filename, ".ics") && !strings.Contains(strings.ReplaceAll(string(a.Data), "\r\n ", ""), "/a/"+token+"/join?lang=es-MX") {
			t.Errorf("the .ics join link lacks the language:\n%s", a.Data)
		}
	}
	// The page in es-MX writes the amount as Mexico does.
	if body := string(e.do("GET", "/a/"+token+"?lang=es-MX", nil, false).Body); !strings.Contains(body, "<html lang=\"es\">") {
		t.Errorf("page:\n%s", body)
	}
}

// rawID finds a message id left in a rendered text ("page.access.join"):
// a message a catalog lacks shows as its id.
var rawID = regexp.MustCompile(`\b(page|mail|date|language)\.[a-z_]+\.[a-z_.]+\b`)

// TestEveryLanguageRendersThePages: in each language, the event page, the
// registrant's page (with its cancel step) and the confirmation email
// render in that language, with no message id left in them.
func TestEveryLanguageRendersThePages(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	for i, l := range e.i18n.Locales() {
		r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Ada", "email": fmt.Sprintf("ada%d@example.org", i), "locale": l}, false)
		if r.Status != 201 {
			t.Fatalf("register: %d %s", r.Status, r.Body)
		}
		id := num(r.JSON(t)["registration"].(map[string]any)["id"])
		token := e.accessToken(id)
		for _, path := range []string{"/e/intro-to-go?lang=" + l, "/a/" + token + "?lang=" + l, "/a/" + token + "/join?lang=" + l} {
			r := e.do("GET", path, nil, false)
			body := string(r.Body)
			if r.Status != 200 || !strings.Contains(body, `<html lang="`+l+`"`) {
				t.Errorf("%s: %d\n%s", path, r.Status, body)
			}
			if m := rawID.FindString(body); m != "" {
				t.Errorf("%s shows the id %s", path, m)
			}
		}
		// The confirmation email is written in the registration's language.
		m := e.compose(e.lastMail(id, model.MailAccess))
		if want := e.i18n.T(l, "mail.button.access", nil); !strings.Contains(m.Text, want) {
			t.Errorf("%s: the confirmation email lacks %q:\n%s", l, want, m.Text)
		}
		if s := rawID.FindString(m.Text + m.HTML); s != "" {
			t.Errorf("%s: the confirmation email shows the id %s", l, s)
		}
	}
}

// TestMoneyPerLocale: the event page writes its price as the reader's
// locale does, region included, with a no-break space before the code.
func TestMoneyPerLocale(t *testing.T) {
	e, _ := fakeEnv(t)
	e.clock.Set(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	e.createEvent(paidEvent(map[string]any{"price": map[string]any{"amount": 120000, "currency": "EUR"}}))
	for _, tt := range []struct{ query, accept, want string }{
		{"en", "", "1,200.00\u00a0EUR"},
		{"de", "", "1.200,00\u00a0EUR"},
		{"fr", "", "1\u202f200,00\u00a0EUR"},
		{"ru", "", "1\u00a0200,00\u00a0EUR"},
		{"es", "", "1200,00\u00a0EUR"},
		{"es-MX", "", "1,200.00\u00a0EUR"},
		{"", "es-MX,es;q=0.9", "1,200.00\u00a0EUR"},
	} {
		r := e.do("GET", "/e/intro-to-go?lang="+tt.query, nil, false, "Accept-Language", tt.accept)
		if !strings.Contains(string(r.Body), tt.want) {
			t.Errorf("?lang=%s (Accept-Language %q): no %q on the page", tt.query, tt.accept, tt.want)
		}
	}
}
