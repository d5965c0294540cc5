package web

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

func TestRegistrationAPI(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"capacity": 2}))
	paid := e.createEvent(liveEvent(map[string]any{"title": "Paid", "price": map[string]any{"amount": 1999, "currency": "EUR"}, "providers": []string{"stripe"}}))
	e.createEvent(liveEvent(map[string]any{"title": "Draft", "status": "draft"}))
	e.createEvent(liveEvent(map[string]any{"title": "Past", "sessions": []map[string]any{{"starts_at": "2026-10-01T18:00:00Z", "duration_minutes": 60}}}))
	e.createEvent(liveEvent(map[string]any{"title": "Approval", "approval_required": true}))
	series := e.createEvent(map[string]any{"title": "Course", "kind": "series", "series_registration": "individual", "timezone": "UTC", "capacity": 1,
		"sessions": []map[string]any{{"starts_at": "2026-12-02T18:00:00Z", "duration_minutes": 60}, {"starts_at": "2026-12-09T18:00:00Z", "duration_minutes": 60}}})
	s1 := num(series["sessions"].([]any)[0].(map[string]any)["id"])
	s2 := num(series["sessions"].([]any)[1].(map[string]any)["id"])
	_ = paid
	reg := func(slug string) string { return "/api/v1/public/events/" + slug + "/registrations" }

	e.run(t, []scenario{
		{name: "public event", method: "GET", path: "/api/v1/public/events/intro-to-go", status: 200,
			contains: []string{`"seats_left":2`, `"sold_out":false`, `"price":{"amount":0`, `"free":true`}, absent: []string{"meet.example.org"}},
		{name: "public unknown", method: "GET", path: "/api/v1/public/events/nope", status: 404},
		{name: "quote free", method: "GET", path: "/api/v1/public/events/intro-to-go/quote", status: 200, contains: []string{`"amount":0`, `"free":true`}},
		{name: "quote paid", method: "GET", path: "/api/v1/public/events/paid/quote", status: 200, contains: []string{`"amount":1999`, `"currency":"EUR"`, `"base_amount":1999`, `"free":false`}},
		{name: "quote unknown promo", method: "GET", path: "/api/v1/public/events/paid/quote?promo_code=NOPE", status: 422, contains: []string{`"code":"promo_invalid"`}},
		{name: "register", method: "POST", path: reg("intro-to-go"), body: map[string]any{"name": "Ada Lovelace", "email": "ada@example.org"}, status: 201, contains: []string{`"status":"confirmed"`}},
		{name: "same email other case", method: "POST", path: reg("intro-to-go"), body: map[string]any{"name": "Ada", "email": "ADA@Example.org"}, status: 409, contains: []string{`"code":"already_registered"`}},
		{name: "second seat", method: "POST", path: reg("intro-to-go"), body: map[string]any{"name": "Grace", "email": "grace@example.org"}, status: 201},
		{name: "sold out", method: "POST", path: reg("intro-to-go"), body: map[string]any{"name": "Alan", "email": "alan@example.org"}, status: 409, contains: []string{`"code":"sold_out"`}},
		{name: "public sold out", method: "GET", path: "/api/v1/public/events/intro-to-go", status: 200, contains: []string{`"seats_left":0`, `"sold_out":true`}},
		{name: "paid answers provider_unavailable", method: "POST", path: reg("paid"), body: map[string]any{"name": "Ada", "email": "ada@example.org", "provider": "stripe"}, status: 422, contains: []string{`"code":"provider_unavailable"`}},
		{name: "draft", method: "POST", path: reg("draft"), body: map[string]any{"name": "Ada", "email": "ada@example.org"}, status: 404},
		{name: "unknown event", method: "POST", path: reg("nope"), body: map[string]any{"name": "Ada", "email": "ada@example.org"}, status: 404, contains: []string{`"code":"not_found"`}},
		{name: "past event", method: "POST", path: reg("past"), body: map[string]any{"name": "Ada", "email": "ada@example.org"}, status: 410, contains: []string{`"code":"registration_closed"`}},
		{name: "approval", method: "POST", path: reg("approval"), body: map[string]any{"name": "Ada", "email": "ada@example.org"}, status: 201, contains: []string{`"status":"pending_approval"`}},
		{name: "series needs a session", method: "POST", path: reg("course"), body: map[string]any{"name": "Ada", "email": "ada@example.org"}, status: 422, contains: []string{`"session_id"`}},
		{name: "series foreign session", method: "POST", path: reg("course"), body: map[string]any{"name": "Ada", "email": "ada@example.org", "session_id": 99999}, status: 422, contains: []string{`"session_id"`}},
		{name: "series session 1", method: "POST", path: reg("course"), body: map[string]any{"name": "Ada", "email": "ada@example.org", "session_id": s1}, status: 201},
		{name: "series session 1 full", method: "POST", path: reg("course"), body: map[string]any{"name": "Bob", "email": "bob@example.org", "session_id": s1}, status: 409, contains: []string{`"sold_out"`}},
		{name: "series session 2 same email", method: "POST", path: reg("course"), body: map[string]any{"name": "Ada", "email": "ada@example.org", "session_id": s2}, status: 201},
		{name: "session_id on a non-series", method: "POST", path: reg("approval"), body: map[string]any{"name": "Bob", "email": "bob@example.org", "session_id": s1}, status: 422},
	})
}

// TestRegistrationBadInput: each bad field is named, nothing is stored.
func TestRegistrationBadInput(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	cases := []struct {
		name, body, field string
	}{
		{"invalid email", `{"name":"Ada","email":"not-an-email"}`, "email"},
		{"email with display name", `{"name":"Ada","email":"Ada <ada@example.org>"}`, "email"},
		{"email without domain dot", `{"name":"Ada","email":"ada@example"}`, "email"},
		{"missing name", `{"email":"ada@example.org"}`, "name"},
		{"blank name", `{"name":"  ","email":"ada@example.org"}`, "name"},
		{"name with CR/LF", `{"name":"Ada\r\nBcc: evil@example.org","email":"ada@example.org"}`, "name"},
		{"email with CR/LF", `{"name":"Ada","email":"ada@example.org\r\nBcc: evil@example.org"}`, "email"},
		{"name not a string", `{"name":123,"email":"ada@example.org"}`, "name"},
		{"session_id as string", `{"name":"Ada","email":"ada@example.org","session_id":"one"}`, "session_id"},
		{"unknown provider", `{"name":"Ada","email":"ada@example.org","provider":"cash"}`, "provider"},
		{"malformed JSON", `{"name":"Ada",`, ""},
		{"array", `[]`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", c.body, false)
			if r.Status != 422 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if c.field != "" && !strings.Contains(string(r.Body), `"`+c.field+`":`) {
				t.Fatalf("field %s not named: %s", c.field, r.Body)
			}
		})
	}
	e.t = t
	ev, _ := e.store.EventBySlug(context.Background(), "intro-to-go")
	regs, _ := e.store.Registrations(context.Background(), ev.ID, "")
	mails, _ := e.store.Outbox(context.Background(), "", 100)
	if len(regs) != 0 || len(mails) != 0 {
		t.Fatalf("bad input stored %d registrations and %d mails", len(regs), len(mails))
	}
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"capacity": 1}))
	path := "/api/v1/public/events/intro-to-go/registrations"
	body := `{"name":"Ada","email":"ada@example.org"}`
	first := e.do("POST", path, body, false, "Idempotency-Key", "k-1")
	again := e.do("POST", path, body, false, "Idempotency-Key", "k-1")
	if first.Status != 201 || again.Status != 201 || string(first.Body) != string(again.Body) {
		t.Fatalf("retry: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
	}
	if again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("the retry was not marked as replayed")
	}
	other := e.do("POST", path, `{"name":"Bob","email":"bob@example.org"}`, false, "Idempotency-Key", "k-1")
	if other.Status != 422 || !strings.Contains(string(other.Body), "Idempotency-Key") {
		t.Fatalf("reused key: %d %s", other.Status, other.Body)
	}
	// A refusal is replayed too, even after the seat frees.
	sold := e.do("POST", path, `{"name":"Bob","email":"bob@example.org"}`, false, "Idempotency-Key", "k-2")
	if sold.Status != 409 {
		t.Fatalf("sold out: %d %s", sold.Status, sold.Body)
	}
	ev, _ := e.store.EventBySlug(context.Background(), "intro-to-go")
	regs, _ := e.store.Registrations(context.Background(), ev.ID, "")
	if len(regs) != 1 {
		t.Fatalf("%d registrations, want 1", len(regs))
	}
	if _, err := e.tickets.CancelRegistration(context.Background(), regs[0].ID); err != nil {
		t.Fatal(err)
	}
	if r := e.do("POST", path, `{"name":"Bob","email":"bob@example.org"}`, false, "Idempotency-Key", "k-2"); r.Status != 409 {
		t.Fatalf("replayed refusal: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", path, `{"name":"Bob","email":"bob@example.org"}`, false, "Idempotency-Key", "k-3"); r.Status != 201 {
		t.Fatalf("new key after the seat freed: %d %s", r.Status, r.Body)
	}
}

func TestAlreadyRegisteredResendsAtMostEveryTenMinutes(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	path := "/api/v1/public/events/intro-to-go/registrations"
	count := func() int {
		mails, _ := e.store.Outbox(context.Background(), "", 100)
		return len(mails)
	}
	e.do("POST", path, `{"name":"Ada","email":"ada@example.org"}`, false)
	if count() != 1 {
		t.Fatalf("mails = %d", count())
	}
	for i := 0; i < 3; i++ {
		if r := e.do("POST", path, `{"name":"Ada","email":"ada@example.org"}`, false); r.Status != 409 {
			t.Fatalf("status %d", r.Status)
		}
	}
	if count() != 1 {
		t.Fatalf("re-sent within 10 minutes: %d mails", count())
	}
	e.clock.Add(10 * time.Minute)
	e.do("POST", path, `{"name":"Ada","email":"ada@example.org"}`, false)
	e.do("POST", path, `{"name":"Ada","email":"ada@example.org"}`, false)
	if count() != 2 {
		t.Fatalf("after 10 minutes: %d mails, want 2", count())
	}
	mails, _ := e.store.Outbox(context.Background(), "", 100)
	if mails[0].Kind != model.MailResend {
		t.Fatalf("kind = %s", mails[0].Kind)
	}
}

// TestNoOversell: 300 people try for 50 seats at once.
func TestNoOversell(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(map[string]any{"capacity": 50}))
	base := e.serve()
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	client := newHTTPClient()
	for i := 0; i < 300; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			status, body := postJSON(client, base+"/api/v1/public/events/intro-to-go/registrations",
				fmt.Sprintf(`{"name":"Person %d","email":"p%d@example.org"}`, i, i))
			mu.Lock()
			codes[status]++
			mu.Unlock()
			if status == 409 && !strings.Contains(body, `"sold_out"`) {
				t.Errorf("409 without sold_out: %s", body)
			}
		}(i)
	}
	wg.Wait()
	if codes[201] != 50 || codes[409] != 250 {
		t.Fatalf("answers %v, want 50×201 and 250×409", codes)
	}
	regs, _ := e.store.Registrations(context.Background(), num(ev["id"]), "")
	if len(regs) != 50 {
		t.Fatalf("store holds %d registrations, want 50", len(regs))
	}
}
