package auth

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// TestBootstrapHashesOnlyWhenCreating: every start calls Bootstrap with the
// configured administrator; the password is hashed (bcrypt: most of a
// small machine's start-up time) only when the account is created, and
// the hash for unknown emails is not made in the start's way either. The
// old Bootstrap hashed the configured password at every call.
func TestBootstrapHashesOnlyWhenCreating(t *testing.T) {
	var mu sync.Mutex
	hashed := map[string]int{}
	orig := hashPassword
	hashPassword = func(p []byte, cost int) ([]byte, error) {
		mu.Lock()
		hashed[string(p)]++
		mu.Unlock()
		return orig(p, cost)
	}
	t.Cleanup(func() { hashPassword = orig })

	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "admit.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for start := 0; start < 3; start++ {
		s := New(st, Options{Cost: bcrypt.MinCost})
		if _, _, err := s.Bootstrap(ctx, "ada@example.org", "first-password"); err != nil {
			t.Fatal(err)
		}
		// Unknown emails are still refused, after the dummy comparison.
		if _, err := s.Login(ctx, "nobody@example.org", "first-password", "api", "127.0.0.1"); !errors.Is(err, model.ErrUnauthorized) {
			t.Fatalf("start %d: unknown email: %v, want unauthorized", start, err)
		}
		if _, err := s.Login(ctx, "ada@example.org", "first-password", "api", "127.0.0.1"); err != nil {
			t.Fatalf("start %d: the administrator cannot sign in: %v", start, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if n := hashed["first-password"]; n != 1 {
		t.Fatalf("the configured password was hashed %d times over 3 starts, want once (when the account was created)", n)
	}
}

// TestLoginNamesTheAccountTried: the sign-in's audit entry in the context
// names the account tried as its target whether the password is right or
// not (the caller logs a failure with it, without reading the user again),
// its actor only once the password is right; an unknown email names none.
// Before, a failure left the entry empty.
func TestLoginNamesTheAccountTried(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "admit.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := New(st, Options{Cost: bcrypt.MinCost})
	if _, _, err := s.Bootstrap(ctx, "ada@example.org", "first-password"); err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByEmail(ctx, "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(u.ID, 10)
	for _, c := range []struct {
		email, password string
		target          string
		actor           int64
	}{
		{"nobody@example.org", "first-password", "", 0},
		{" ADA@example.org", "wrong-password", id, 0},
		{"ada@example.org", "first-password", id, u.ID},
	} {
		a := &store.Audit{}
		_, err := s.Login(store.WithAudit(ctx, a), c.email, c.password, "api", "127.0.0.1")
		if (err == nil) != (c.actor != 0) || a.TargetID != c.target || a.ActorID != c.actor {
			t.Errorf("%s with %s: %v, entry %+v, want target %q and actor %d", c.email, c.password, err, a.AuditEntry, c.target, c.actor)
		}
	}
}
