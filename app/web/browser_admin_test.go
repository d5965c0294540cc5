package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// browserSignIn signs the browser in to the admin UI at base.
func browserSignIn(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	open(t, ctx, base+"/admin/login")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("email"), adminEmail), chromedp.SendKeys(chromedp.ID("password"), adminPassword))
	if st := clickAndLoad(t, ctx, `form.login button[type="submit"]`); st != 200 {
		t.Fatalf("sign in: %d", st)
	}
}

// TestBrowserAdmin drives the admin UI in Chromium, as an organizer would:
// sign in, create an event with the form (first with mistakes), find it
// listed, see a registrant who came through the public API, cancel them
// with the button, look at the dashboard and settings, sign out.
func TestBrowserAdmin(t *testing.T) {
	e := newEnv(t)
	base := e.serve()
	// Some twenty pages: under load (2 cores shared) they took over a minute.
	ctx := newBrowserFor(t, 4*browserTimeout)

	// Not signed in: the login page, which comes back to the page asked for.
	if st := open(t, ctx, base+"/admin/events"); st != 200 {
		t.Fatalf("login page: %d", st)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/admin/login?next=%2Fadmin%2Fevents") {
		t.Fatalf("not sent to the login page: %s", loc)
	}
	screenshot(t, ctx, "login")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("email"), adminEmail), chromedp.SendKeys(chromedp.ID("password"), "not it"))
	if st := clickAndLoad(t, ctx, `form.login button[type="submit"]`); st != 401 {
		t.Fatalf("wrong password: %d", st)
	}
	screenshot(t, ctx, "login-error")
	if s := text(t, ctx, "#password-error"); s != "The email or password is not right." {
		t.Fatalf("password error %q", s)
	}
	do(t, ctx, chromedp.SendKeys(chromedp.ID("password"), adminPassword))
	if st := clickAndLoad(t, ctx, `form.login button[type="submit"]`); st != 200 {
		t.Fatalf("sign in: %d", st)
	}
	if h := text(t, ctx, "h1"); h != "Events" {
		t.Fatalf("after signing in: %q", h)
	}

	// The form with mistakes: each error next to its input, what was typed kept.
	do(t, ctx,
		chromedp.SetValue(chromedp.ID("starts_at_0"), "2026-12-10T18:00"),
		chromedp.SetValue(chromedp.ID("amount"), "0.50"),
	)
	if st := clickAndLoad(t, ctx, `form.event-form button[type="submit"]`); st != 422 {
		t.Fatalf("form with mistakes: %d", st)
	}
	screenshot(t, ctx, "event-form-errors")
	for sel, want := range map[string]string{"#title-error": "Enter a title.", "#amount-error": "Enter a price",
		"#duration_0-error": "Enter the length in minutes."} {
		if s := text(t, ctx, sel); !strings.HasPrefix(s, want) {
			t.Errorf("%s: %q, want %q", sel, s, want)
		}
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("starts_at_0"))); v != "2026-12-10T18:00" {
		t.Errorf("the session typed is lost: %q", v)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.ID("title"), "Go in Production"),
		chromedp.SetValue(chromedp.ID("kind"), "series"),
		chromedp.SetValue(chromedp.ID("timezone"), "Europe/Paris"),
		chromedp.SetValue(chromedp.ID("duration_0"), "90"),
		chromedp.SetValue(chromedp.ID("starts_at_1"), "2026-12-17T18:00"),
		chromedp.SetValue(chromedp.ID("duration_1"), "60"),
		chromedp.SetValue(chromedp.ID("capacity"), "30"),
		chromedp.SetValue(chromedp.ID("status"), "published"),
	)
	// (SetValue refuses an empty value.)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("amount").value = ""; true`)); err != nil {
		t.Fatal(err)
	}
	if st := clickAndLoad(t, ctx, `form.event-form button[type="submit"]`); st != 200 {
		t.Fatalf("create: %d\n%s", st, text(t, ctx, "main"))
	}
	if h := text(t, ctx, "h1"); h != "Go in Production" {
		t.Fatalf("event page h1 %q", h)
	}
	if s := text(t, ctx, "p.notice.ok"); s != "The event is created." {
		t.Fatalf("notice %q", s)
	}
	if s := text(t, ctx, "ul.sessions"); !strings.Contains(s, "10 December 2026") || !strings.Contains(s, "17 December 2026") {
		t.Fatalf("sessions %q", s)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())

	// Listed.
	if st := open(t, ctx, base+"/admin/events"); st != 200 {
		t.Fatalf("events: %d", st)
	}
	if s := text(t, ctx, "table.events tbody"); !strings.Contains(s, "Go in Production") || !strings.Contains(s, "0 / 30") {
		t.Fatalf("events table %q", s)
	}
	screenshot(t, ctx, "events")

	// Someone registers through the public API, and shows on the event page.
	if st, body := postJSON(newHTTPClient(), base+"/api/v1/public/events/go-in-production/registrations",
		`{"name":"Ada Lovelace","email":"ada@example.org"}`); st != 201 {
		t.Fatalf("register: %d %s", st, body)
	}
	id := e.registrationID("go-in-production")
	row := fmt.Sprintf("#registration-%d", id)
	if st := open(t, ctx, loc); st != 200 {
		t.Fatalf("event page: %d", st)
	}
	if s := text(t, ctx, row); !strings.Contains(s, "Ada Lovelace") || !strings.Contains(s, "ada@example.org") || !strings.Contains(s, "Confirmed") {
		t.Fatalf("registrant row %q", s)
	}
	screenshot(t, ctx, "event")
	// A phone's width: the table scrolls inside its card, the page does not.
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "event-390")
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("at 390 px the page is %d px wide (%v)", w, err)
	}
	if _, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	// Wait for the desktop layout before clicking: a click placed on the
	// 390 px layout while the page reflows lands beside its link, and the
	// navigation the test waits for never comes.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.innerWidth > 390`)); err != nil {
		t.Fatal(err)
	}

	// Cancel them with the button, which asks first.
	if st := clickAndLoad(t, ctx, row+` a[data-action="cancel"]`); st != 200 {
		t.Fatalf("cancel: %d\n%s", st, text(t, ctx, "main"))
	}
	if h := text(t, ctx, "h1"); h != "Cancel the registration of Ada Lovelace?" {
		t.Fatalf("confirmation %q", h)
	}
	screenshot(t, ctx, "cancel-confirm")
	if st := clickAndLoad(t, ctx, `form.confirm-form button[type="submit"]`); st != 200 {
		t.Fatalf("cancel: %d\n%s", st, text(t, ctx, "main"))
	}
	if s := text(t, ctx, "p.notice.ok"); s != "The registration is cancelled." {
		t.Fatalf("notice %q", s)
	}
	if s := text(t, ctx, row+" .badge"); s != "Cancelled" {
		t.Fatalf("status after cancel %q", s)
	}
	screenshot(t, ctx, "event-cancelled")

	// The dashboard and settings, in French too.
	if st := open(t, ctx, base+"/admin/"); st != 200 {
		t.Fatalf("dashboard: %d", st)
	}
	if s := text(t, ctx, "main"); !strings.Contains(s, "Go in Production") || !strings.Contains(s, "Ada Lovelace") {
		t.Fatalf("dashboard:\n%s", s)
	}
	screenshot(t, ctx, "dashboard")
	if st := open(t, ctx, base+"/admin/settings?lang=fr"); st != 200 {
		t.Fatalf("settings: %d", st)
	}
	if s := text(t, ctx, "#provider-stripe"); !strings.Contains(s, "Stripe") || !strings.Contains(s, "Non connecté") {
		t.Fatalf("settings: %q", s)
	}
	screenshot(t, ctx, "settings")

	// Sign out: the pages are closed again.
	if st := clickAndLoad(t, ctx, `form.logout button`); st != 200 {
		t.Fatalf("sign out: %d", st)
	}
	if s := text(t, ctx, "p.notice.ok"); s != "Vous êtes déconnecté." {
		t.Fatalf("after signing out: %q", s)
	}
	open(t, ctx, base+"/admin/")
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/admin/login") {
		t.Fatalf("signed out, the dashboard still opens: %s", loc)
	}
}
