package web

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
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

// TestAlreadyRegisteredAnswer: a second registration with the same email
// names no registration and no checkout, and says truthfully whether the
// link went out.
func TestAlreadyRegisteredAnswer(t *testing.T) {
	e, _ := fakeEnv(t)
	e.createEvent(liveEvent(nil))
	e.createEvent(paidEvent(map[string]any{"title": "Paid"}))
	free := "/api/v1/public/events/intro-to-go/registrations"
	paid := "/api/v1/public/events/paid/registrations"
	ada := map[string]any{"name": "Ada", "email": "ada@example.org"}
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	hidden := []string{`"registration"`, "checkout_url", "cs_fake", "pay.example"}
	e.run(t, []scenario{
		{name: "free", method: "POST", path: free, body: ada, status: 201},
		{name: "free again: the access mail just left", method: "POST", path: free, body: ada, status: 409,
			contains: []string{`"already_registered"`, "less than 10 minutes ago, so it was not sent again"}, absent: hidden},
		{name: "free again by the form", method: "POST", path: "/e/intro-to-go", body: "name=Ada&email=ada%40example.org", headers: form, status: 409,
			contains: []string{"so it was not sent again"}, absent: []string{"We have emailed"}},
		{name: "paid", method: "POST", path: paid, body: ada, status: 201, contains: []string{"checkout_url"}},
		{name: "paid again: the checkout link is mailed", method: "POST", path: paid, body: ada, status: 409,
			contains: []string{`"already_registered"`, "we have emailed its link"}, absent: hidden},
		{name: "paid again: not twice in 10 minutes", method: "POST", path: paid, body: ada, status: 409,
			contains: []string{"not sent again"}, absent: hidden},
		{name: "paid again by the form", method: "POST", path: "/e/paid", body: "name=Ada&email=ada%40example.org", headers: form, status: 409,
			contains: []string{"not sent again"}, absent: hidden},
	})
	e.t = t
	e.clock.Add(10 * time.Minute)
	e.run(t, []scenario{
		{name: "free again after 10 minutes", method: "POST", path: free, body: ada, status: 409, contains: []string{"we have emailed its link"}, absent: hidden},
		{name: "the form after 10 minutes", method: "POST", path: "/e/paid", body: "name=Ada&email=ada%40example.org", headers: form, status: 409,
			contains: []string{"We have emailed its link"}},
	})
	e.t = t
	kinds := e.mailKinds()
	if kinds[model.MailAccess] != 1 || kinds[model.MailResend] != 1 || kinds[model.MailCheckoutResend] != 2 {
		t.Fatalf("mails %v", kinds)
	}
	// The checkout mail leads back to the payment, not to the access page.
	mails, _ := e.store.Outbox(t.Context(), "", 100)
	for _, m := range mails {
		if m.Kind != model.MailCheckoutResend {
			continue
		}
		msg, err := e.tickets.Compose(t.Context(), m)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg.Text, "https://pay.example/cs_fake_1") || !strings.Contains(msg.Text, "Finish paying") ||
			linkPattern.MatchString(msg.Text) || !strings.Contains(msg.Subject, "Finish paying") {
			t.Fatalf("checkout mail:\n%s\n%s", msg.Subject, msg.Text)
		}
	}
}

// TestAlreadyRegisteredWhileTheCheckoutOpens: a second registration while
// the first is still at the provider gets no link and no checkout, and that
// answer is not kept for its Idempotency-Key; the first request's key gets
// the first answer.
func TestAlreadyRegisteredWhileTheCheckoutOpens(t *testing.T) {
	e, f := fakeEnv(t)
	e.createEvent(paidEvent(nil))
	f.gate, f.entered = make(chan struct{}), make(chan struct{}, 1)
	path := "/api/v1/public/events/intro-to-go/registrations"
	body := `{"name":"Ada","email":"ada@example.org"}`
	first := make(chan response, 1)
	go func() {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "k-1")
		res, err := e.app.Test(req, -1)
		if err != nil {
			first <- response{}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		first <- response{Status: res.StatusCode, Body: b}
	}()
	select { // until the first request holds its seat and waits at the provider
	case <-f.entered:
	case r := <-first:
		t.Fatalf("the first request answered without waiting at the provider: %d %s", r.Status, r.Body)
	}
	ev, _ := e.store.EventBySlug(t.Context(), "intro-to-go")
	if regs, _ := e.store.Registrations(t.Context(), ev.ID, model.StatusPendingPayment); len(regs) != 1 {
		t.Fatalf("%d registrations pending payment while the first waits at the provider, want 1", len(regs))
	}
	for _, key := range []string{"", "k-2"} {
		r := e.do("POST", path, body, false, "Idempotency-Key", key)
		if r.Status != 409 || !strings.Contains(string(r.Body), "still being prepared") || strings.Contains(string(r.Body), "registration\"") {
			t.Fatalf("while the checkout opens (key %q): %d %s", key, r.Status, r.Body)
		}
	}
	close(f.gate)
	r := <-first
	if r.Status != 201 || !strings.Contains(string(r.Body), "https://pay.example/cs_fake_1") {
		t.Fatalf("first: %d %s", r.Status, r.Body)
	}
	if again := e.do("POST", path, body, false, "Idempotency-Key", "k-1"); again.Status != 201 || string(again.Body) != string(r.Body) {
		t.Fatalf("retry with the first key: %d %s", again.Status, again.Body)
	}
	if n := len(e.mailKinds()); n != 0 {
		t.Fatalf("mails were sent: %v", e.mailKinds())
	}
	// The second key kept nothing: now the checkout link goes by email.
	if again := e.do("POST", path, body, false, "Idempotency-Key", "k-2"); again.Status != 409 || !strings.Contains(string(again.Body), "we have emailed its link") {
		t.Fatalf("retry with the second key: %d %s", again.Status, again.Body)
	}
	if n := e.mailKinds()[model.MailCheckoutResend]; n != 1 {
		t.Fatalf("mails %v", e.mailKinds())
	}
}
