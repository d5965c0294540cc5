package ticketing

import (
	"bytes"
	"context"
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

// testSecret is the access tokens' key of the tests' services.
var testSecret = bytes.Repeat([]byte{0x5a}, 32)
