package ticketing

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/admit/admit/app/store"
)

func TestSlugify(t *testing.T) {
	cases := map[string]string{
		"Intro to Go":           "intro-to-go",
		"Café Résumé 2026!":     "cafe-resume-2026",
		"  --Hello--  World-- ": "hello-world",
		"Вебинар":               "event",
		"":                      "event",
		"Ünïcödé & Co.":         "unicode-co",
	}
	for in, want := range cases {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := New(st, Options{Secret: bytes.Repeat([]byte{1}, 32), PublicURL: "https://x.test"})
	if err != nil {
		t.Fatal(err)
	}
	nonce, token, hash, err := s.newToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(nonce) != 16 || len(token) != 43 || !validTokenShape(token) {
		t.Fatalf("token %q (nonce %d bytes)", token, len(nonce))
	}
	if s.tokenFor(nonce) != token || !bytes.Equal(HashToken(token), hash) {
		t.Fatal("the token cannot be derived again from its nonce")
	}
	if s.AccessURL(nonce) != "https://x.test/a/"+token {
		t.Fatal(s.AccessURL(nonce))
	}
	other, _ := New(st, Options{Secret: bytes.Repeat([]byte{2}, 32)})
	if other.tokenFor(nonce) == token {
		t.Fatal("a token must depend on the secret")
	}
	_, token2, _, _ := s.newToken()
	if token2 == token {
		t.Fatal("two tokens alike")
	}
	if _, err := New(st, Options{Secret: []byte("short")}); err == nil {
		t.Fatal("a short secret must be refused")
	}
}

func TestLoadSecret(t *testing.T) {
	p := filepath.Join(t.TempDir(), "secret.key")
	a, err := LoadSecret(p)
	if err != nil || len(a) != 32 {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key created with mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := LoadSecret(p)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatal("the key must survive a restart")
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("a secret.key readable by others was left %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}
