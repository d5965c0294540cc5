package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/admit/admit/app/auth"
)

// TestAdminUISessionIdleExpiry: a session in use lives on; one left alone
// for admin.idle_minutes ends, and the next page sends to the login page
// with a message that says so; no session outlives auth.SessionTTL.
func TestAdminUISessionIdleExpiry(t *testing.T) {
	e := newEnv(t)
	e.auth = auth.New(e.store, auth.Options{Cost: bcrypt.MinCost, SessionIdle: 30 * time.Minute, Now: e.clock.Now})
	e.deps.Auth = e.auth
	app, err := New(e.deps)
	if err != nil {
		t.Fatal(err)
	}
	e.app = app
	a := newAdminClient(t, e.serve())
	if res := a.login(adminEmail, adminPassword); res.StatusCode != 303 {
		t.Fatalf("login: %d", res.StatusCode)
	}
	// Used every 25 minutes: open for two hours.
	for i := 0; i < 5; i++ {
		e.clock.Add(25 * time.Minute)
		if res, _ := a.send("GET", "/admin/events", nil); res.StatusCode != 200 {
			t.Fatalf("after %d × 25 minutes in use: %d", i+1, res.StatusCode)
		}
	}
	e.clock.Add(31 * time.Minute)
	res, _ := a.send("GET", "/admin/events", nil)
	loc := res.Header.Get("Location")
	if res.StatusCode != 303 || !strings.HasPrefix(loc, "/admin/login?next=%2Fadmin%2Fevents&done=session_ended") {
		t.Fatalf("after 31 idle minutes: %d to %q", res.StatusCode, loc)
	}
	_, body := a.send("GET", loc, nil)
	if !strings.Contains(body, `role="status">Your session has ended`) {
		t.Fatalf("login page after expiry:\n%s", body)
	}
	// Signing in again goes back to the page asked for.
	tok := csrfInput.FindStringSubmatch(body)[1]
	res, _ = a.send("POST", "/admin/login", url.Values{"csrf": {tok}, "email": {adminEmail}, "password": {adminPassword}, "next": {"/admin/events"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/admin/events?lang=en" {
		t.Fatalf("sign in again: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// In use all along, a session still ends SessionTTL after it began.
	for used := time.Duration(0); used < auth.SessionTTL-25*time.Minute; used += 25 * time.Minute {
		e.clock.Add(25 * time.Minute)
		if res, _ := a.send("GET", "/admin/", nil); res.StatusCode != 200 {
			t.Fatalf("in use after %v: %d", used, res.StatusCode)
		}
	}
	e.clock.Add(25 * time.Minute)
	if res, _ := a.send("GET", "/admin/", nil); res.StatusCode != 303 {
		t.Fatalf("after %v: %d, want the login page", auth.SessionTTL, res.StatusCode)
	}
	// No session cookie: no message.
	b := newAdminClient(t, a.base)
	if res, _ := b.send("GET", "/admin/", nil); strings.Contains(res.Header.Get("Location"), "done=") {
		t.Fatalf("first visit: %q", res.Header.Get("Location"))
	}
}
