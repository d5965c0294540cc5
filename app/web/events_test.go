package web

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestEventsAPI(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(map[string]any{"title": "Café Résumé"}))
	id := num(ev["id"])
	if ev["slug"] != "cafe-resume" {
		t.Fatalf("slug = %v", ev["slug"])
	}
	sessions := ev["sessions"].([]any)
	sid := num(sessions[0].(map[string]any)["id"])
	path := fmt.Sprintf("/api/v1/events/%d", id)

	e.run(t, []scenario{
		{name: "list needs a token", method: "GET", path: "/api/v1/events", status: 401, contains: []string{`"code":"unauthorized"`}},
		{name: "a wrong token", method: "GET", path: "/api/v1/events", headers: []string{"Authorization", "Bearer nope"}, status: 401},
		{name: "list", method: "GET", path: "/api/v1/events", admin: true, status: 200, contains: []string{`"items":[`, `"slug":"cafe-resume"`}},
		{name: "get", method: "GET", path: path, admin: true, status: 200, contains: []string{`"timezone":"Europe/Paris"`, `"join_url":"https://meet.example.org/intro"`, `"starts_at":"2026-12-01T17:00:00Z"`}},
		{name: "get unknown", method: "GET", path: "/api/v1/events/999", admin: true, status: 404, contains: []string{`"code":"not_found"`}},
		{name: "get non-numeric", method: "GET", path: "/api/v1/events/abc", admin: true, status: 404},
		{name: "same title gets the next slug", method: "POST", path: "/api/v1/events", admin: true, body: liveEvent(map[string]any{"title": "Café Résumé"}), status: 201, contains: []string{`"slug":"cafe-resume-2"`}},
		{name: "explicit slug taken", method: "POST", path: "/api/v1/events", admin: true, body: liveEvent(map[string]any{"slug": "cafe-resume"}), status: 422, contains: []string{`"slug":`, "already used"}},
		{name: "series individual", method: "POST", path: "/api/v1/events", admin: true, body: map[string]any{
			"title": "Go course", "kind": "series", "series_registration": "individual", "timezone": "America/New_York", "capacity": 10,
			"sessions": []map[string]any{{"starts_at": "2026-12-02T18:00:00-05:00", "duration_minutes": 60}, {"starts_at": "2026-12-09T18:00:00-05:00", "duration_minutes": 60}},
		}, status: 201, contains: []string{`"series_registration":"individual"`, `"starts_at":"2026-12-02T23:00:00Z"`}},
		{name: "on demand", method: "POST", path: "/api/v1/events", admin: true, body: map[string]any{"title": "Recorded talk", "kind": "on_demand", "timezone": "UTC"}, status: 201, contains: []string{`"kind":"on_demand"`, `"sessions":[]`}},
		{name: "priced", method: "POST", path: "/api/v1/events", admin: true, body: liveEvent(map[string]any{"title": "Paid", "price": map[string]any{"amount": 1999, "currency": "EUR"}, "providers": []string{"stripe"}}), status: 201, contains: []string{`"price":{"amount":1999,"currency":"EUR"}`}},
		{name: "patch title and capacity", method: "PATCH", path: path, admin: true, body: map[string]any{"title": "Café Résumé II", "capacity": nil}, status: 200, contains: []string{`"title":"Café Résumé II"`, `"capacity":null`, `"slug":"cafe-resume"`}},
		{name: "patch a session", method: "PATCH", path: path, admin: true, body: map[string]any{"sessions": []map[string]any{{"id": sid, "starts_at": "2026-12-01T19:00:00+01:00", "duration_minutes": 60}}}, status: 200, contains: []string{`"starts_at":"2026-12-01T18:00:00Z"`, fmt.Sprintf(`"id":%d`, sid)}},
		{name: "patch with a foreign session id", method: "PATCH", path: path, admin: true, body: map[string]any{"sessions": []map[string]any{{"id": 9999, "starts_at": "2026-12-01T19:00:00+01:00", "duration_minutes": 60}}}, status: 422, contains: []string{`"sessions[0].id"`}},
		{name: "patch to draft", method: "PATCH", path: path, admin: true, body: map[string]any{"status": "draft"}, status: 200, contains: []string{`"status":"draft"`}},
		{name: "draft is not public", method: "GET", path: "/api/v1/public/events/cafe-resume", status: 404},
		{name: "patch unknown", method: "PATCH", path: "/api/v1/events/999", admin: true, body: map[string]any{"title": "x"}, status: 404},
		{name: "cancel", method: "POST", path: path + "/cancel", admin: true, body: map[string]any{"message": "Sorry, the speaker is ill."}, status: 200, contains: []string{`"status":"cancelled"`}},
		{name: "patch after cancel", method: "PATCH", path: path, admin: true, body: map[string]any{"title": "x"}, status: 410},
	})
}

// TestEventBadInput: every bad field gets a clear 4xx naming it, and nothing
// is stored.
func TestEventBadInput(t *testing.T) {
	e := newEnv(t)
	bad := func(extra map[string]any) map[string]any { return liveEvent(extra) }
	cases := []struct {
		name  string
		body  any
		field string
		code  int
	}{
		{"malformed JSON", `{"title": "x",`, "invalid_json", 422},
		{"not an object", `[1,2]`, "invalid_json", 422},
		{"empty body", ``, "invalid_json", 422},
		{"title missing", bad(map[string]any{"title": nil}), "title", 422},
		{"title blank", bad(map[string]any{"title": "   "}), "title", 422},
		{"title with CR/LF", bad(map[string]any{"title": "Hello\r\nBcc: x@y.z"}), "title", 422},
		{"title not a string", bad(map[string]any{"title": 42}), "title", 422},
		{"unknown kind", bad(map[string]any{"kind": "concert"}), "kind", 422},
		{"unknown time zone", bad(map[string]any{"timezone": "Mars/Olympus"}), "timezone", 422},
		{"Local time zone", bad(map[string]any{"timezone": "Local"}), "timezone", 422},
		// Files of the zone database that are not zones people live in.
		{"posixrules", bad(map[string]any{"timezone": "posixrules"}), "timezone", 422},
		{"Factory", bad(map[string]any{"timezone": "Factory"}), "timezone", 422},
		{"leap-second zone", bad(map[string]any{"timezone": "right/Europe/Paris"}), "timezone", 422},
		{"posix copy", bad(map[string]any{"timezone": "posix/Europe/Paris"}), "timezone", 422},
		{"the server's zone", bad(map[string]any{"timezone": "localtime"}), "timezone", 422},
		{"negative capacity", bad(map[string]any{"capacity": -5}), "capacity", 422},
		{"zero capacity", bad(map[string]any{"capacity": 0}), "capacity", 422},
		{"fractional capacity", bad(map[string]any{"capacity": 2.5}), "capacity", 422},
		{"capacity as string", bad(map[string]any{"capacity": "ten"}), "capacity", 422},
		{"unknown currency", bad(map[string]any{"price": map[string]any{"amount": 1000, "currency": "XYZ"}}), "price.currency", 422},
		{"lower-case currency", bad(map[string]any{"price": map[string]any{"amount": 1000, "currency": "eur"}}), "price.currency", 422},
		{"price above the maximum", bad(map[string]any{"price": map[string]any{"amount": 200001, "currency": "EUR"}}), "price.amount", 422},
		{"price below the minimum", bad(map[string]any{"price": map[string]any{"amount": 50, "currency": "EUR"}}), "price.amount", 422},
		{"fractional amount", bad(map[string]any{"price": map[string]any{"amount": 19.99, "currency": "EUR"}}), "price.amount", 422},
		{"HUF with fillér", bad(map[string]any{"price": map[string]any{"amount": 100050, "currency": "HUF"}}), "price.amount", 422},
		{"PayPal with HUF", bad(map[string]any{"price": map[string]any{"amount": 100000, "currency": "HUF"}, "providers": []string{"paypal"}}), "providers", 422},
		{"unknown provider", bad(map[string]any{"providers": []string{"bitcoin"}}), "providers[0]", 422},
		{"javascript join URL", bad(map[string]any{"join_url": "javascript:alert(1)"}), "join_url", 422},
		{"relative join URL", bad(map[string]any{"join_url": "/room"}), "join_url", 422},
		{"data join URL", bad(map[string]any{"join_url": "data:text/html,hi"}), "join_url", 422},
		{"malformed starts_at", bad(map[string]any{"sessions": []map[string]any{{"starts_at": "tomorrow at 6", "duration_minutes": 60}}}), "sessions[0].starts_at", 422},
		{"starts_at without zone", bad(map[string]any{"sessions": []map[string]any{{"starts_at": "2026-12-01T18:00:00", "duration_minutes": 60}}}), "sessions[0].starts_at", 422},
		{"zero duration", bad(map[string]any{"sessions": []map[string]any{{"starts_at": "2026-12-01T18:00:00Z", "duration_minutes": 0}}}), "sessions[0].duration_minutes", 422},
		{"session javascript URL", bad(map[string]any{"sessions": []map[string]any{{"starts_at": "2026-12-01T18:00:00Z", "duration_minutes": 60, "join_url": "javascript:x"}}}), "sessions[0].join_url", 422},
		{"live without session", bad(map[string]any{"sessions": []any{}}), "sessions", 422},
		{"live with two sessions", bad(map[string]any{"sessions": []map[string]any{{"starts_at": "2026-12-01T18:00:00Z", "duration_minutes": 60}, {"starts_at": "2026-12-02T18:00:00Z", "duration_minutes": 60}}}), "sessions", 422},
		{"individual on a live event", bad(map[string]any{"series_registration": "individual"}), "series_registration", 422},
		{"bad status", bad(map[string]any{"status": "open"}), "status", 422},
		{"bad slug", bad(map[string]any{"slug": "Hello World"}), "slug", 422},
		{"sessions not a list", bad(map[string]any{"sessions": "soon"}), "sessions", 422},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			r := e.do("POST", "/api/v1/events", c.body, true)
			if r.Status != c.code {
				t.Fatalf("status %d, want %d: %s", r.Status, c.code, r.Body)
			}
			body := r.JSON(t)
			er, _ := body["error"].(map[string]any)
			if er == nil || er["message"] == "" {
				t.Fatalf("no error body: %s", r.Body)
			}
			if strings.HasPrefix(c.field, "invalid_json") {
				if er["code"] != "invalid_json" {
					t.Fatalf("code = %v", er["code"])
				}
				return
			}
			fields, _ := er["fields"].(map[string]any)
			if _, ok := fields[c.field]; !ok {
				t.Fatalf("fields lack %q: %s", c.field, r.Body)
			}
		})
	}
	e.t = t
	evs, _ := e.store.Events(context.Background())
	if len(evs) != 0 {
		t.Fatalf("%d events stored from bad input", len(evs))
	}
	// A 12 MB body is refused from its Content-Length, before it is read:
	// send the headers and its first 16 KB only, and read the answer.
	// (Bodies are streamed, and fasthttp reads up to 8 KB of one before
	// the handlers run.)
	base := e.serve()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", e.token, 12<<20)
	conn.Write(bytes.Repeat([]byte("{"), 16<<10))
	conn.SetReadDeadline(time.Now().Add(time.Minute)) // a server that waits for the rest of the body never answers
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 413 || !strings.Contains(string(b), "body_too_large") {
		t.Fatalf("12 MB body: %d %s", res.StatusCode, b)
	}
	if r := e.do("POST", "/api/v1/events", "title=x", true, "Content-Type", "application/x-www-form-urlencoded"); r.Status != 422 {
		t.Fatalf("form body: %d %s", r.Status, r.Body)
	}
}

func TestAuthToken(t *testing.T) {
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "wrong password", method: "POST", path: "/api/v1/auth/token", body: map[string]any{"email": adminEmail, "password": "nope"}, status: 401, contains: []string{"not right"}},
		{name: "unknown email", method: "POST", path: "/api/v1/auth/token", body: map[string]any{"email": "x@example.org", "password": "nope"}, status: 401},
		{name: "missing fields", method: "POST", path: "/api/v1/auth/token", body: map[string]any{}, status: 422, contains: []string{`"email"`, `"password"`}},
		{name: "right password", method: "POST", path: "/api/v1/auth/token", body: map[string]any{"email": strings.ToUpper(adminEmail), "password": adminPassword}, status: 200, contains: []string{`"token":"`}},
	})
	e.t = t
	r := e.do("POST", "/api/v1/auth/token", map[string]any{"email": adminEmail, "password": adminPassword}, false)
	tok := r.JSON(t)["token"].(string)
	if r := e.do("GET", "/api/v1/events", nil, false, "Authorization", "Bearer "+tok); r.Status != 200 {
		t.Fatalf("new token: %d", r.Status)
	}
	if r := e.do("DELETE", "/api/v1/auth/token", nil, false, "Authorization", "Bearer "+tok); r.Status != 204 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/events", nil, false, "Authorization", "Bearer "+tok); r.Status != 401 {
		t.Fatalf("revoked token still works: %d", r.Status)
	}
}

func TestHealthAndMisc(t *testing.T) {
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "healthz", method: "GET", path: "/healthz", status: 200, contains: []string{`{"status":"ok"}`}},
		{name: "unknown API path", method: "GET", path: "/api/v2/nothing", status: 404, contains: []string{`"code":"not_found"`}},
		{name: "unknown page", method: "GET", path: "/nothing", status: 404, contains: []string{"<html", `lang="en"`}},
		{name: "static css", method: "GET", path: "/static/admit.css", status: 200, contains: []string{"--accent"}},
		{name: "static escape", method: "GET", path: "/static/../layout.html", status: 404},
	})
	e.t = t
	r := e.do("GET", "/healthz", nil, false)
	for _, h := range []string{"X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy", "X-Frame-Options", "X-Request-Id"} {
		if r.Header.Get(h) == "" {
			t.Errorf("header %s missing", h)
		}
	}
}
