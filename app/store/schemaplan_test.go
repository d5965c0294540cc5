package store

import (
	"context"
	"strings"
	"testing"
)

// The partial index and the triggers that run at every change of a
// registration's status spell their statuses with OR: an IN list of more
// than two values makes SQLite build a throwaway index each time it
// evaluates the predicate (about ten times slower an UPDATE).
func TestRegistrationStatusPredicatesHaveNoINList(t *testing.T) {
	s := openTest(t)
	rows, err := s.r.QueryContext(context.Background(),
		`SELECT name, sql FROM sqlite_master WHERE tbl_name = 'registrations' AND type IN ('index', 'trigger') AND sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	type def struct{ name, sql string }
	defs, err := collect(rows, nil, func(r scanner) (def, error) {
		var d def
		return d, r.Scan(&d.name, &d.sql)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if strings.Contains(strings.ToUpper(d.sql), " IN (") {
			t.Errorf("%s has an IN list:\n%s", d.name, d.sql)
		}
	}
}

// The lookup of a person's live registration is answered by the unique
// partial index: its condition must imply the index's, written the same way.
func TestFindLiveRegistrationUsesTheUniqueIndex(t *testing.T) {
	s := openTest(t)
	qs, err := parseQueries()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+qs["find-live-registration"], 1, 0, "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := collect(rows, nil, func(r scanner) (string, error) {
		var id, parent, notused int
		var detail string
		return detail, r.Scan(&id, &parent, &notused, &detail)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(plan, "; "); !strings.Contains(got, "registrations_one_active") {
		t.Errorf("find-live-registration's plan is %q; want it to use registrations_one_active", got)
	}
}
