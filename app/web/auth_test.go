package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// login issues an API token as if asked from addr.
func (e *env) login(email, password, addr string) string {
	e.t.Helper()
	tok, err := e.auth.Login(context.Background(), email, password, store.TokenAPI, addr)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// addAdmin adds another administrator.
func (e *env) addAdmin(email, password string) {
	e.t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		e.t.Fatal(err)
	}
	err = e.store.Write(context.Background(), func(tx *store.Tx) error { _, err := tx.InsertUser(email, string(hash)); return err })
	if err != nil {
		e.t.Fatal(err)
	}
}

// storedToken is the live token id of user 1 as the database holds it.
func (e *env) storedToken(id int64) *model.AuthToken {
	e.t.Helper()
	tks, err := e.store.Tokens(context.Background(), 1)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, tk := range tks {
		if tk.ID == id {
			return tk
		}
	}
	e.t.Fatalf("no live token %d", id)
	return nil
}

func TestAuthTokens(t *testing.T) {
	e := newEnv(t)
	e.withTokenTTL(30 * 24 * time.Hour) // the admin's token is id 2, the first one revoked
	second := e.login(adminEmail, adminPassword, "198.51.100.7")
	e.addAdmin("other@example.org", "other password")
	other := e.login("other@example.org", "other password", "203.0.113.9")
	tokens := "/api/v1/auth/tokens"
	e.run(t, []scenario{
		{name: "list", method: "GET", path: tokens, admin: true, status: 200,
			contains: []string{`"items":[{"id":2,"kind":"api","created_at":"2026-11-01T12:00:00Z"`, `"expires_at":"2026-12-01T12:00:00Z"`, `"current":true`,
				`{"id":3,"kind":"api","created_at":"2026-11-01T12:00:00Z","last_used_at":null,"expires_at":"2026-12-01T12:00:00Z","client_address":"198.51.100.7","current":false}`},
			absent: []string{e.token, second, other, `"id":1,`, `"id":4,`, "hash"}},
		{name: "list needs a token", method: "GET", path: tokens, status: 401},
		{name: "another admin lists their own", method: "GET", path: tokens, headers: bearer(other), status: 200,
			contains: []string{`"id":4,`, `"current":true`}, absent: []string{`"id":2,`, `"id":3,`}},
		{name: "revoke another admin's", method: "DELETE", path: tokens + "/4", admin: true, status: 404, contains: []string{`"code":"not_found"`}},
		{name: "revoke an unknown one", method: "DELETE", path: tokens + "/99", admin: true, status: 404},
		{name: "revoke a revoked one", method: "DELETE", path: tokens + "/1", admin: true, status: 404},
		{name: "revoke a bad id", method: "DELETE", path: tokens + "/abc", admin: true, status: 404},
		{name: "revoke one", method: "DELETE", path: tokens + "/3", admin: true, status: 204},
		{name: "the revoked one is refused", method: "GET", path: "/api/v1/events", headers: bearer(second), status: 401, contains: []string{`"code":"unauthorized"`}},
		{name: "the revoked one is not listed", method: "GET", path: tokens, admin: true, status: 200, absent: []string{`"id":3,`}},
		{name: "revoke it again", method: "DELETE", path: tokens + "/3", admin: true, status: 404},
		{name: "the other admin's still works", method: "GET", path: "/api/v1/events", headers: bearer(other), status: 200},
		{name: "revoke all", method: "DELETE", path: tokens, admin: true, status: 204},
		{name: "the current one went too", method: "GET", path: "/api/v1/events", admin: true, status: 401},
		{name: "the other admin's is untouched", method: "GET", path: "/api/v1/events", headers: bearer(other), status: 200},
		{name: "the singular route stays", method: "DELETE", path: "/api/v1/auth/token", headers: bearer(other), status: 204},
		{name: "and revokes", method: "GET", path: "/api/v1/events", headers: bearer(other), status: 401},
	})
}

// An API token lives auth.token_days after its last use; uses are recorded
// at most once a minute. The clock is moved, never waited for.
func TestTokenExpiry(t *testing.T) {
	e := newEnv(t)
	day := 24 * time.Hour
	e.withTokenTTL(30 * day) // the admin's token is id 2
	t0 := e.clock.Now()
	idle := e.login(adminEmail, adminPassword, "198.51.100.7") // id 3, never used
	events := "/api/v1/events"

	e.run(t, []scenario{{name: "first use", method: "GET", path: events, admin: true, status: 200}})
	if tk := e.storedToken(2); tk.LastUsedAt == nil || !tk.LastUsedAt.Equal(t0) || !tk.ExpiresAt.Equal(t0.Add(30*day)) {
		t.Fatalf("after the first use: %+v", tk)
	}
	e.clock.Add(30 * time.Second)
	e.run(t, []scenario{{name: "within a minute", method: "GET", path: events, admin: true, status: 200}})
	if tk := e.storedToken(2); !tk.LastUsedAt.Equal(t0) {
		t.Fatalf("a use within a minute of the last must not be written: %+v", tk)
	}
	e.clock.Add(30 * time.Second)
	e.run(t, []scenario{{name: "a minute later", method: "GET", path: events, admin: true, status: 200}})
	if tk := e.storedToken(2); !tk.LastUsedAt.Equal(t0.Add(time.Minute)) || !tk.ExpiresAt.Equal(t0.Add(time.Minute+30*day)) {
		t.Fatalf("a use a minute later pushes the expiry: %+v", tk)
	}

	e.clock.Add(29 * day)
	e.run(t, []scenario{
		{name: "used 29 days after the last use", method: "GET", path: events, admin: true, status: 200},
		{name: "unused for 29 days", method: "GET", path: events, headers: bearer(idle), status: 200},
	})
	e.clock.Add(29 * day)
	e.run(t, []scenario{
		{name: "used again 29 days later", method: "GET", path: events, admin: true, status: 200},
		{name: "unused but for one use 29 days ago", method: "GET", path: events, headers: bearer(idle), status: 200},
	})
	e.clock.Add(30*day + time.Second)
	e.run(t, []scenario{
		{name: "unused for 30 days", method: "GET", path: events, admin: true, status: 401, contains: []string{`"code":"unauthorized"`, "expired"}},
		{name: "the other too", method: "GET", path: events, headers: bearer(idle), status: 401},
		{name: "a new login works", method: "POST", path: "/api/v1/auth/token", body: map[string]any{"email": adminEmail, "password": adminPassword}, status: 200},
	})
}

// A token never used expires too (before, API tokens lived for ever).
func TestUnusedTokenExpires(t *testing.T) {
	e := newEnv(t)
	e.withTokenTTL(30 * 24 * time.Hour)
	e.clock.Add(30*24*time.Hour + time.Second)
	e.run(t, []scenario{{name: "unused for 30 days", method: "GET", path: "/api/v1/events", admin: true, status: 401}})
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	other := e.login(adminEmail, adminPassword, "198.51.100.7")
	pw := "/api/v1/auth/password"
	const newPassword = "a new long password"
	e.run(t, []scenario{
		{name: "needs a token", method: "POST", path: pw, body: map[string]any{"current_password": adminPassword, "new_password": newPassword}, status: 401},
		{name: "missing fields", method: "POST", path: pw, admin: true, body: map[string]any{}, status: 422,
			contains: []string{`"current_password":"is required"`, `"new_password":"is required"`}},
		{name: "wrong current password", method: "POST", path: pw, admin: true, body: map[string]any{"current_password": "not it at all", "new_password": newPassword}, status: 422,
			contains: []string{`"code":"validation"`, `"current_password":"is not right"`}, absent: []string{`"new_password"`}},
		{name: "weak new password", method: "POST", path: pw, admin: true, body: map[string]any{"current_password": adminPassword, "new_password": "short"}, status: 422,
			contains: []string{`"new_password":"must be at least 8 characters"`}, absent: []string{`"current_password"`}},
		{name: "longer than bcrypt reads", method: "POST", path: pw, admin: true, body: map[string]any{"current_password": adminPassword, "new_password": strings.Repeat("x", 73)}, status: 422,
			contains: []string{`"new_password":"must be at most 72 bytes"`}},
		{name: "the same again", method: "POST", path: pw, admin: true, body: map[string]any{"current_password": adminPassword, "new_password": adminPassword}, status: 422,
			contains: []string{`"new_password":"must differ from the current password"`}},
		{name: "not a string", method: "POST", path: pw, admin: true, body: `{"current_password":1}`, status: 422, contains: []string{`"current_password":"must be a string`}},
		{name: "malformed", method: "POST", path: pw, admin: true, body: `{`, status: 422, contains: []string{"invalid_json"}},
		{name: "nothing changed yet", method: "GET", path: "/api/v1/events", headers: bearer(other), status: 200},
		{name: "change", method: "POST", path: pw, admin: true, body: map[string]any{"current_password": adminPassword, "new_password": newPassword}, status: 204},
		{name: "the current token stays", method: "GET", path: "/api/v1/events", admin: true, status: 200},
		{name: "every other token is revoked", method: "GET", path: "/api/v1/events", headers: bearer(other), status: 401},
		{name: "only the current one is listed", method: "GET", path: "/api/v1/auth/tokens", admin: true, status: 200, contains: []string{`"id":1,`}, absent: []string{`"id":2,`}},
		{name: "the old password is refused", method: "POST", path: "/api/v1/auth/token", body: map[string]any{"email": adminEmail, "password": adminPassword}, status: 401},
		{name: "the new one signs in", method: "POST", path: "/api/v1/auth/token", body: map[string]any{"email": adminEmail, "password": newPassword}, status: 200},
	})
}
