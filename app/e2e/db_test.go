package e2e

import (
	"database/sql"
	"net/url"
	"testing"

	_ "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3", to check files the server wrote
)

// openReadOnly opens a SQLite file read-only.
func openReadOnly(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// integrityCheck runs PRAGMA integrity_check on a database file, read-only,
// and fails the test unless it says ok.
func integrityCheck(t testing.TB, path string) *sql.DB {
	t.Helper()
	db := openReadOnly(t, path)
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check %s: %v", path, err)
	}
	defer rows.Close()
	var verdict []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		verdict = append(verdict, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("integrity_check %s: %v", path, err)
	}
	if len(verdict) != 1 || verdict[0] != "ok" {
		t.Fatalf("integrity_check %s: %q", path, verdict)
	}
	return db
}

// withoutMail counts the registrations in db that have no mail in its
// outbox: each registration is committed together with its first mail.
func withoutMail(t testing.TB, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM registrations r WHERE NOT EXISTS
		(SELECT 1 FROM outbox o WHERE o.registration_id = r.id)`).Scan(&n); err != nil {
		t.Fatalf("registrations without a mail: %v", err)
	}
	return n
}
