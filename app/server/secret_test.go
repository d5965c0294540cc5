package server

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

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
