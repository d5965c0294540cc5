package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestRolesMigrationKeepsEveryoneAdmin: upgrading a database from before
// roles makes every user an admin and gives every event to the first user.
func TestRolesMigrationKeepsEveryoneAdmin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admit.db")
	db := databaseBefore(t, path, 23)
	for _, q := range []string{
		`INSERT INTO users(email, password_hash, created_at) VALUES ('first@example.org', 'x', 1), ('second@example.org', 'y', 2)`,
		`INSERT INTO events(slug, title, kind, timezone, status, created_at, updated_at) VALUES
		   ('a', 'A', 'live', 'UTC', 'published', 1, 1), ('b', 'B', 'live', 'UTC', 'draft', 1, 1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	users, err := s.Users(ctx)
	if err != nil || len(users) != 2 {
		t.Fatalf("users %v, %v", users, err)
	}
	for _, u := range users {
		if u.Role != "admin" {
			t.Errorf("%s has role %q after the upgrade, want admin", u.Email, u.Role)
		}
	}
	ids, err := s.VisibleEventIDs(ctx, users[0].ID)
	if err != nil || len(ids) != 2 {
		t.Errorf("the first user owns %v (%v), want both events", ids, err)
	}
	if ids, _ := s.VisibleEventIDs(ctx, users[1].ID); len(ids) != 0 {
		t.Errorf("the second user owns %v", ids)
	}
}
