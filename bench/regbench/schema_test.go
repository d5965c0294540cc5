package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/admit/admit/app/store"
)

// TestRawSchemaMatchesServer: the RAW phases write the same tables, indexes
// and triggers as the server's migrations create, so that RAW stays the
// cost of the same database work when the schema changes.
func TestRawSchemaMatchesServer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(ctx, filepath.Join(dir, "admit.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	server, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "admit.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	raw, err := openRaw(ctx, filepath.Join(dir, "raw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	want, got := schemaObjects(t, server), schemaObjects(t, raw)
	for name, sql := range want {
		if got[name] != sql {
			t.Errorf("%s differs from the server's:\nserver: %s\nraw:    %s", name, sql, got[name])
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is in the RAW schema, not in the server's", name)
		}
	}
}

// schemaObjects maps "type name" to the object's SQL without whitespace,
// for every table, index and trigger of rawTables.
func schemaObjects(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	q := `SELECT type, name, ifnull(sql, '') FROM sqlite_master WHERE tbl_name IN (?` + strings.Repeat(", ?", len(rawTables)-1) + `)`
	args := make([]any, len(rawTables))
	for i, n := range rawTables {
		args[i] = n
	}
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			t.Fatal(err)
		}
		out[typ+" "+name] = squeeze(text)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no schema objects found")
	}
	return out
}

// TestRawQueriesMatchServer: the RAW phases run the server's own statements
// where they do the same thing (app/store/queries, by name).
func TestRawQueriesMatchServer(t *testing.T) {
	files, err := filepath.Glob("../../app/store/queries/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("server queries not found: %v", err)
	}
	named := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := ""
		for _, line := range strings.Split(string(b), "\n") {
			if n, ok := strings.CutPrefix(line, "-- name: "); ok {
				name = strings.TrimSpace(n)
				continue
			}
			if name == "" || strings.HasPrefix(strings.TrimSpace(line), "--") {
				continue
			}
			named[name] += line + "\n"
		}
	}
	for name, raw := range map[string]string{
		"count-seats":          rawCount,
		"insert-payment-event": rawMarkEvent,
		"set-paid":             rawSetPaid,
		"insert-outbox":        rawQueueAccess,
	} {
		server, ok := named[name]
		if !ok {
			t.Errorf("the server has no query %s", name)
			continue
		}
		if squeeze(strings.TrimSuffix(strings.TrimSpace(server), ";")) != squeeze(raw) {
			t.Errorf("%s differs from the server's:\nserver: %s\nraw:    %s", name, server, raw)
		}
	}
}

func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
