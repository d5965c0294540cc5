package web

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

var offerLink = regexp.MustCompile(`https?://[^\s/]+/w/([A-Za-z0-9_-]{43})`)

// offerToken runs the waiting-list job and returns the token of the offer
// mailed to email, as the mail carries it.
func (e *env) offerToken(email string) string {
	e.t.Helper()
	if _, err := e.tickets.OfferSeats(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	for _, m := range e.outbox() {
		if m.Kind == model.MailWaitlist && m.To == email {
			msg := e.compose(m)
			if !strings.Contains(msg.Text, "/leave") {
				e.t.Errorf("the offer has no link to leave the list:\n%s", msg.Text)
			}
			if got := offerLink.FindStringSubmatch(msg.Text); got != nil {
				return got[1]
			}
			e.t.Fatalf("no offer link in:\n%s", msg.Text)
		}
	}
	e.t.Fatalf("no offer mailed to %s", email)
	return ""
}

// waitToken is the /w/ token of waiting-list entry id.
func (e *env) waitToken(id int64) string {
	e.t.Helper()
	w, err := e.store.Waitlist(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	u := e.tickets.WaitlistURL(w)
	return u[strings.LastIndexByte(u, '/')+1:]
}

func TestWaitlistAPI(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(map[string]any{"slug": "full", "capacity": 1}))
	id := num(ev["id"])
	gone := e.createEvent(liveEvent(map[string]any{"slug": "gone", "capacity": 1}))
	e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", num(gone["id"])), map[string]any{"message": "Off", "refund": false}, true)
	join := "/api/v1/public/events/full/waitlist"
	e.run(t, []scenario{
		{name: "seats free", method: "POST", path: join, body: `{"name":"Bo","email":"bo@example.org"}`, status: 409, contains: []string{`"seats_available"`}},
		{name: "register the last seat", method: "POST", path: "/api/v1/public/events/full/registrations", body: `{"name":"Al","email":"al@example.org"}`, status: 201},
		{name: "join", method: "POST", path: join, body: `{"name":"Bo","email":"bo@example.org","locale":"fr"}`, status: 201, contains: []string{`"waitlist":{"id":`, `"position":1`}},
		{name: "second in line", method: "POST", path: join, body: `{"name":"Cy","email":"cy@example.org"}`, status: 201, contains: []string{`"position":2`}},
		{name: "twice", method: "POST", path: join, body: `{"name":"Bo","email":"BO@example.org"}`, status: 409, contains: []string{`"already_waitlisted"`}},
		{name: "already registered", method: "POST", path: join, body: `{"name":"Al","email":"al@example.org"}`, status: 409, contains: []string{`"already_registered"`}},
		{name: "validation", method: "POST", path: join, body: `{"email":"nope"}`, status: 422, contains: []string{`"validation"`, `"name"`, `"email"`}},
		{name: "wrong type", method: "POST", path: join, body: `{"name":1,"email":"x@example.org"}`, status: 422},
		{name: "session on an event taken whole", method: "POST", path: join, body: `{"name":"Di","email":"di@example.org","session_id":1}`, status: 422, contains: []string{`"session_id"`}},
		{name: "unknown event", method: "POST", path: "/api/v1/public/events/nope/waitlist", body: `{"name":"Bo","email":"bo@example.org"}`, status: 404},
		{name: "cancelled event", method: "POST", path: "/api/v1/public/events/gone/waitlist", body: `{"name":"Bo","email":"bo@example.org"}`, status: 410},
		{name: "organizer's list needs a token", method: "GET", path: fmt.Sprintf("/api/v1/events/%d/waitlist", id), status: 401},
		{name: "organizer's list", method: "GET", path: fmt.Sprintf("/api/v1/events/%d/waitlist", id), admin: true, status: 200,
			contains: []string{`"email":"bo@example.org"`, `"status":"waiting"`, `"position":1`, `"position":2`}},
		{name: "organizer's list of an unknown event", method: "GET", path: "/api/v1/events/999/waitlist", admin: true, status: 404},
		{name: "unknown offer", method: "GET", path: "/w/" + strings.Repeat("A", 43), status: 404},
		{name: "not a token", method: "POST", path: "/w/x", status: 404},
	})

	// Al cancels: Bo is offered the seat at the job's next turn.
	regs := e.do("GET", fmt.Sprintf("/api/v1/events/%d/registrations", id), nil, true).JSON(t)["items"].([]any)
	al := num(regs[0].(map[string]any)["id"])
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", al), nil, true); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	tok := e.offerToken("bo@example.org")
	e.run(t, []scenario{
		{name: "bo is offered", method: "GET", path: fmt.Sprintf("/api/v1/events/%d/waitlist", id), admin: true, status: 200,
			contains: []string{`"status":"offered"`, `"offer_expires_at":"2026-11-02T12:00:00Z"`}},
		{name: "sold out meanwhile", method: "POST", path: "/api/v1/public/events/full/registrations", body: `{"name":"Ed","email":"ed@example.org"}`, status: 409, contains: []string{`"sold_out"`}},
		{name: "offer page", method: "GET", path: "/w/" + tok, status: 200,
			contains: []string{`<html lang="fr"`, `action="/w/` + tok + `?lang=fr"`, "Confirmer et prendre ma place", "/w/" + tok + "/leave"},
			headers:  []string{"Accept-Language", "fr"}},
		{name: "leave page asks first", method: "GET", path: "/w/" + tok + "/leave?lang=de", status: 200, contains: []string{"Warteliste verlassen", `method="post"`}},
	})
	r := e.do("POST", "/w/"+tok, "", false, "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html")
	if r.Status != 303 || !strings.Contains(r.Header.Get("Location"), "/a/") {
		t.Fatalf("claim: %d to %q, want 303 to the access page\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	e.run(t, []scenario{
		{name: "bo is registered", method: "GET", path: fmt.Sprintf("/api/v1/events/%d/registrations?status=confirmed", id), admin: true, status: 200, contains: []string{`"email":"bo@example.org"`}},
		{name: "used offer", method: "GET", path: "/w/" + tok, status: 410},
		{name: "claimed twice", method: "POST", path: "/w/" + tok, body: `{}`, headers: []string{"Accept", "application/json"}, status: 410, contains: []string{`"gone"`}},
		{name: "leave after claiming", method: "POST", path: "/w/" + tok + "/leave", headers: []string{"Accept", "application/json"}, status: 410},
	})

	// Cy leaves from the link while waiting.
	cy := e.do("GET", fmt.Sprintf("/api/v1/events/%d/waitlist", id), nil, true).JSON(t)["items"].([]any)[1].(map[string]any)
	if cy["email"] != "cy@example.org" || num(cy["position"]) != 1 {
		t.Fatalf("cy: %v, want first in line", cy)
	}
	cyTok := e.waitToken(num(cy["id"]))
	e.run(t, []scenario{
		{name: "waiting page", method: "GET", path: "/w/" + cyTok + "?lang=en", status: 200, contains: []string{"Your place in line: 1."}},
		{name: "leave", method: "POST", path: "/w/" + cyTok + "/leave?lang=en", status: 200, contains: []string{"You have left the waiting list."}},
		{name: "cy has left", method: "GET", path: fmt.Sprintf("/api/v1/events/%d/waitlist", id), admin: true, status: 200, contains: []string{`"status":"left"`}},
	})
}

// The offer page in every language: each key it uses is translated.
func TestWaitlistPageLanguages(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"slug": "full", "capacity": 1}))
	e.do("POST", "/api/v1/public/events/full/registrations", `{"name":"Al","email":"al@example.org"}`, false)
	for _, lang := range []string{"en", "fr", "es", "ru", "de"} {
		email := lang + "@example.org"
		if r := e.do("POST", "/api/v1/public/events/full/waitlist", fmt.Sprintf(`{"name":"P","email":%q,"locale":%q}`, email, lang), false); r.Status != 201 {
			t.Fatalf("join: %d %s", r.Status, r.Body)
		}
	}
	items := e.do("GET", "/api/v1/events/1/waitlist", nil, true).JSON(t)["items"].([]any)
	for i, lang := range []string{"en", "fr", "es", "ru", "de"} {
		tok := e.waitToken(num(items[i].(map[string]any)["id"]))
		for _, path := range []string{"/w/" + tok, "/w/" + tok + "/leave"} {
			r := e.do("GET", path+"?lang="+lang, nil, false)
			if r.Status != 200 || !strings.Contains(string(r.Body), `<html lang="`+lang+`"`) {
				t.Fatalf("%s in %s: %d\n%s", path, lang, r.Status, r.Body)
			}
			if strings.Contains(string(r.Body), "page.") {
				t.Errorf("%s in %s: an untranslated key:\n%s", path, lang, r.Body)
			}
		}
	}
}

// A paid event: the claim holds the seat in pending_payment and goes on to
// Stripe's checkout (stripe-mock); the payment confirms it.
func TestWaitlistClaimPaidStripe(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second)) // signatures carry real time
	ev := e.createEvent(paidEvent(map[string]any{"slug": "paid", "capacity": 1,
		"sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	al := e.buy("paid", "Al Buyer", nil)
	if r := e.webhook(paidWebhook("evt_al", e.reg(al), 1999), time.Now()); r.Status != 200 {
		t.Fatalf("payment: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/public/events/paid/waitlist", `{"name":"Bo","email":"bo@example.org"}`, false); r.Status != 201 {
		t.Fatalf("join: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", al), nil, true); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	tok := e.offerToken("bo@example.org")
	e.run(t, []scenario{
		{name: "offer shows the price", method: "GET", path: "/w/" + tok + "?lang=en", status: 200, contains: []string{"19.99"}},
	})
	r := e.do("POST", "/w/"+tok, "provider=stripe", false, "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html")
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "http") || strings.Contains(r.Header.Get("Location"), "/a/") {
		t.Fatalf("claim: %d to %q, want 303 to the checkout\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	items := e.do("GET", fmt.Sprintf("/api/v1/events/%d/waitlist", num(ev["id"])), nil, true).JSON(t)["items"].([]any)
	bo := e.reg(num(items[0].(map[string]any)["registration_id"]))
	if bo.Status != model.StatusPendingPayment || bo.Email != "bo@example.org" || bo.CheckoutID == "" {
		t.Fatalf("bo's registration: %s %s checkout %q", bo.Status, bo.Email, bo.CheckoutID)
	}
	e.run(t, []scenario{
		{name: "sold out while bo pays", method: "GET", path: "/api/v1/public/events/paid", status: 200, contains: []string{`"seats_left":0`, `"sold_out":true`}},
	})
	if r := e.webhook(paidWebhook("evt_bo", bo, 1999), time.Now()); r.Status != 200 {
		t.Fatalf("bo's payment: %d %s", r.Status, r.Body)
	}
	if got := e.reg(bo.ID).Status; got != model.StatusConfirmed {
		t.Fatalf("bo after paying: %s, want confirmed", got)
	}
}

// A cancelled event's waiting list has nothing left to offer: its links say
// so.
func TestWaitlistEventCancelled(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(map[string]any{"slug": "full", "capacity": 1}))
	e.registerOne("full", "Al", "al@example.org")
	r := e.do("POST", "/api/v1/public/events/full/waitlist", `{"name":"Bo","email":"bo@example.org"}`, false)
	if r.Status != 201 {
		t.Fatalf("join: %d %s", r.Status, r.Body)
	}
	tok := e.waitToken(num(r.JSON(t)["waitlist"].(map[string]any)["id"]))
	e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", num(ev["id"])), map[string]any{"message": "Off", "refund": false}, true)
	e.run(t, []scenario{
		{name: "waiting page", method: "GET", path: "/w/" + tok + "?lang=en", status: 410, contains: []string{"no longer valid"}},
		{name: "join", method: "POST", path: "/api/v1/public/events/full/waitlist", body: `{"name":"Cy","email":"cy@example.org"}`, status: 410},
	})
}

// The sold-out event page takes a place in line without JavaScript; the
// link itself comes only by email.
func TestWaitlistEventPageForm(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"slug": "full", "capacity": 1}))
	form := []string{"Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html"}
	e.run(t, []scenario{
		{name: "no form while seats are free", method: "GET", path: "/e/full?lang=en", status: 200, absent: []string{`action="/e/full/waitlist`}},
		{name: "seats free", method: "POST", path: "/e/full/waitlist?lang=en", body: "name=Bo&email=bo%40example.org", headers: form, status: 409},
	})
	e.registerOne("full", "Al", "al@example.org")
	e.run(t, []scenario{
		{name: "sold out: the form", method: "GET", path: "/e/full?lang=fr", status: 200,
			contains: []string{`action="/e/full/waitlist?lang=fr"`, "Rejoindre la liste d’attente", `name="email"`}},
		{name: "a bad email", method: "POST", path: "/e/full/waitlist?lang=en", body: "name=Bo&email=nope", headers: form, status: 422,
			contains: []string{`class="field-error"`, `value="Bo"`}},
		{name: "joined", method: "POST", path: "/e/full/waitlist?lang=en", body: "name=Bo&email=bo%40example.org", headers: form, status: 201,
			contains: []string{"You are on the waiting list", "Your place in line: 1."}, absent: []string{"/w/"}},
		{name: "twice", method: "POST", path: "/e/full/waitlist?lang=en", body: "name=Bo&email=bo%40example.org", headers: form, status: 409},
		{name: "unknown event", method: "POST", path: "/e/nope/waitlist", body: "name=Bo&email=bo%40example.org", headers: form, status: 404},
	})
}
