package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/admit/admit/app/model"
)

// TestAdminUIRegistrantsTable: the event page's registrants are searched
// by name or email, filtered by status, sorted, and cut in pages of 50;
// the waiting list is shown under them.
func TestAdminUIRegistrantsTable(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(map[string]any{"capacity": 60, "slug": "intro-to-go"}))
	id := num(ev["id"])
	for i := 1; i <= 60; i++ {
		name := fmt.Sprintf("Person %02d", i)
		if r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": name,
			"email": fmt.Sprintf("p%02d@example.org", i)}, false); r.Status != 201 {
			t.Fatalf("register %d: %d %s", i, r.Status, r.Body)
		}
		e.clock.Add(1)
	}
	// Sold out: two people wait.
	for _, n := range []string{"Wanda", "Walt"} {
		if r := e.do("POST", "/api/v1/public/events/intro-to-go/waitlist", map[string]any{"name": n, "email": strings.ToLower(n) + "@example.org"}, false); r.Status != 201 {
			t.Fatalf("waitlist %s: %d %s", n, r.Status, r.Body)
		}
	}
	regs, _ := e.tickets.Registrations(t.Context(), id, "")
	var p07 *model.Registration
	for _, r := range regs {
		if r.Name == "Person 07" {
			p07 = r
		}
	}
	if _, err := e.tickets.CancelRegistration(t.Context(), p07.ID); err != nil {
		t.Fatal(err)
	}
	a := e.signedIn(t)
	page := fmt.Sprintf("/admin/events/%d", id)

	_, body := a.send("GET", page, nil)
	wantAll(t, "first page", body, "Registrants (60)", "Page 1 of 2", `rel="next"`, "Person 60", `<label for="q">`, `<label for="status-filter">`, `<label for="sort">`,
		"Waiting list (2)", "Wanda", "Walt", "Offer ends") // the newest first
	if strings.Contains(body, "Person 01<") {
		t.Fatal("page 1 shows the oldest registrant")
	}
	_, body = a.send("GET", page+"?page=2", nil)
	wantAll(t, "second page", body, "Page 2 of 2", `rel="prev"`, "Person 01<")
	_, body = a.send("GET", page+"?q=P07%40EXAMPLE", nil)
	wantAll(t, "search", body, "Matching: 1.", "Person 07", ">Cancelled</span>")
	if strings.Contains(body, "Person 08") {
		t.Fatal("search shows another registrant")
	}
	_, body = a.send("GET", page+"?status=cancelled", nil)
	if !strings.Contains(body, "Matching: 1.") || !strings.Contains(body, "Person 07") {
		t.Fatalf("status filter:\n%s", body)
	}
	_, body = a.send("GET", page+"?sort=name", nil)
	if i, j := strings.Index(body, "Person 01<"), strings.Index(body, "Person 02<"); i < 0 || j < i {
		t.Fatalf("sorted by name: %d %d", i, j)
	}
	_, body = a.send("GET", page+"?q=nobody", nil)
	wantAll(t, "no match", body, "No registrant matches.")
}

// TestAdminUIActionsAreConfirmed: every action of a registrant's row opens
// a confirmation that says what it does; nothing changes until it is sent;
// sent, it runs and comes back to the page it started from with a flash.
func TestAdminUIActionsAreConfirmed(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(map[string]any{"approval_required": true}))
	id := num(ev["id"])
	ann, _ := e.registerOne("intro-to-go", "Ann", "ann@example.org")
	bea := num(e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Bea", "email": "bea@example.org"}, false).JSON(t)["registration"].(map[string]any)["id"])
	a := e.signedIn(t)
	page := fmt.Sprintf("/admin/events/%d", id)
	_, body := a.send("GET", page+"?q=bea", nil)
	back := strings.ToLower(url.QueryEscape(page + "?lang=en&q=bea")) // html/template writes %2f
	wantAll(t, "row links", body, fmt.Sprintf(`href="/admin/registrations/%d/confirm?lang=en&amp;back=%s"`, bea, back),
		fmt.Sprintf(`href="/admin/registrations/%d/reject?`, bea), `aria-label="Confirm: Bea"`)

	for _, tc := range []struct {
		reg                   int64
		action, title, status string
	}{
		{bea, "confirm", "Confirm the registration of Bea?", model.StatusConfirmed},
		{bea, "resend", "Send the access link to Bea again?", model.StatusConfirmed},
		{ann, "cancel", "Cancel the registration of Ann?", model.StatusCancelled},
	} {
		before := e.reg(tc.reg).Status
		res, body := a.send("GET", fmt.Sprintf("/admin/registrations/%d/%s?back=%s", tc.reg, tc.action, back), nil)
		if res.StatusCode != 200 {
			t.Fatalf("%s confirmation: %d", tc.action, res.StatusCode)
		}
		wantAll(t, tc.action, body, tc.title, `name="back" value="`+page+`?lang=en&amp;q=bea"`, "Go back without changing anything")
		if got := e.reg(tc.reg).Status; got != before {
			t.Fatalf("%s: the confirmation page changed the status to %s", tc.action, got)
		}
		form := url.Values{"back": {page + "?lang=en&q=bea"}}
		st, loc, _ := a.post(page, fmt.Sprintf("/admin/registrations/%d/%s", tc.reg, tc.action), form)
		if st != 303 || loc != page+"?lang=en&q=bea&done="+tc.action {
			t.Fatalf("%s: %d %q", tc.action, st, loc)
		}
		if got := e.reg(tc.reg).Status; got != tc.status {
			t.Fatalf("%s: status %s, want %s", tc.action, got, tc.status)
		}
	}
	// An action the state does not allow says why on the confirmation.
	st, _, body := a.post(page, fmt.Sprintf("/admin/registrations/%d/confirm", ann), url.Values{})
	if st != 409 || !strings.Contains(body, `class="notice error" role="alert"`) || !strings.Contains(body, "Confirm the registration of Ann?") {
		t.Fatalf("confirming a cancelled registration: %d\n%s", st, body)
	}
	// A way back elsewhere is not followed.
	st, loc, _ := a.post(page, fmt.Sprintf("/admin/registrations/%d/resend", bea), url.Values{"back": {"https://evil.example/"}})
	if st != 303 || loc != page+"?done=resend&lang=en" {
		t.Fatalf("foreign way back: %d %q", st, loc)
	}
	if res, _ := a.send("GET", fmt.Sprintf("/admin/registrations/%d/explode", bea), nil); res.StatusCode != 404 {
		t.Fatalf("unknown action: %d", res.StatusCode)
	}
}
