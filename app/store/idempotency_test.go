package store

import (
	"bytes"
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// databaseBefore creates the database at path with the migrations numbered
// below version applied, as a release before them left it, and returns it
// open (the caller fills and closes it).
func databaseBefore(t *testing.T, path string, version int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(sqlFiles, "migrations/*.sql")
	for _, name := range names {
		base := filepath.Base(name)
		v, _ := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if v >= version {
			continue
		}
		body, _ := sqlFiles.ReadFile(name)
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		if _, err := db.Exec("INSERT INTO schema_migrations VALUES (?, ?, 0)", v, base); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestIdempotencyOutcomeMigration: the keys kept before the outcome had a
// column of its own read back as they were: a claim (status 0) as a claim,
// an answer (status 1, or the HTTP status of the oldest keys) with its
// bytes, an empty one included; a claim is still answered once, and
// dropped while unanswered only.
func TestIdempotencyOutcomeMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admit.db")
	db := databaseBefore(t, path, 38)
	if _, err := db.Exec(`INSERT INTO idempotency_keys(scope, key, request_hash, status, body, created_at) VALUES
		('register:1', 'claim', x'01', 0, x'', 1),
		('register:1', 'answered', x'02', 1, '{"status":201}', 1),
		('register:1', 'oldest', x'03', 409, '{"error":{"code":"sold_out"}}', 1),
		('register:1', 'empty', x'04', 1, x'', 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	read := func(tx *Tx, key string) *IdempotencyRecord {
		t.Helper()
		a, err := tx.Idempotency("register:1", key)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		return a
	}
	err = s.Write(context.Background(), func(tx *Tx) error {
		for key, want := range map[string][]byte{"claim": nil, "answered": []byte(`{"status":201}`), "oldest": []byte(`{"error":{"code":"sold_out"}}`), "empty": {}} {
			if got := read(tx, key).Outcome; !bytes.Equal(got, want) || (got == nil) != (want == nil) {
				t.Errorf("%s: outcome %q, want %q", key, got, want)
			}
		}
		// The claim is answered once; an answer is not dropped as a claim.
		for _, outcome := range []string{"first", "second"} {
			if err := tx.SaveIdempotency("register:1", "claim", IdempotencyRecord{RequestHash: []byte{1}, Outcome: []byte(outcome)}); err != nil {
				return err
			}
		}
		if err := tx.DropIdempotencyClaim("register:1", "claim"); err != nil {
			return err
		}
		if got := read(tx, "claim").Outcome; string(got) != "first" {
			t.Errorf("the claim answered: %q", got)
		}
		// A new claim, dropped while unanswered.
		if err := tx.SaveIdempotency("register:1", "new", IdempotencyRecord{RequestHash: []byte{5}}); err != nil {
			return err
		}
		if got := read(tx, "new"); got.Outcome != nil {
			t.Errorf("a new claim reads as answered: %q", got.Outcome)
		}
		if err := tx.DropIdempotencyClaim("register:1", "new"); err != nil {
			return err
		}
		if _, err := tx.Idempotency("register:1", "new"); err == nil {
			t.Errorf("the unanswered claim was kept")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
