package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// TestRefusalBursts: the same refusal again within the window is one row
// whose repeats and last_at grow; after the window, a new row; refusals by
// nobody signed in start at most model.AuditAnonymousPerHour rows in an
// hour, the rest counted into one row of many addresses; a signed-in
// user's refusals are not capped.
func TestRefusalBursts(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	s := openTest(t)
	s.SetClock(func() time.Time { return now })
	ctx := context.Background()
	failed := func(email, ip string) model.AuditEntry {
		return model.AuditEntry{ActorEmail: email, ClientIP: ip, Action: "auth.sign_in", TargetType: "user", Status: 401, Reason: "unauthorized"}
	}
	for i := 0; i < 3; i++ {
		e := failed("ada@example.org", "192.0.2.1")
		if err := s.RecordRefusal(ctx, &e); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
	}
	rows, err := s.AuditLog(ctx, model.AuditFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Repeats != 3 || rows[0].Outcome != model.AuditRefused || rows[0].Status != 401 ||
		!rows[0].LastAt.Equal(rows[0].At.Add(2*time.Minute)) {
		t.Fatalf("a burst of three: %+v", rows)
	}
	now = now.Add(model.AuditRepeatWindow + time.Second)
	e := failed("ada@example.org", "192.0.2.1")
	if err := s.RecordRefusal(ctx, &e); err != nil {
		t.Fatal(err)
	}
	if rows, _ := s.AuditLog(ctx, model.AuditFilter{Limit: 10}); len(rows) != 2 || rows[0].Repeats != 1 {
		t.Fatalf("after the window: %+v", rows)
	}
	// A flood from many addresses and accounts.
	now = now.Add(2 * time.Hour)
	const flood = model.AuditAnonymousPerHour + 150
	for i := 0; i < flood; i++ {
		e := failed(fmt.Sprintf("guess%d@example.org", i), fmt.Sprintf("198.51.%d.%d", i/250, i%250))
		if err := s.RecordRefusal(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	rows, _ = s.AuditLog(ctx, model.AuditFilter{Limit: 1000, Since: now.Add(-time.Minute)})
	if len(rows) != model.AuditAnonymousPerHour+1 {
		t.Fatalf("%d rows for a flood of %d, want %d", len(rows), flood, model.AuditAnonymousPerHour+1)
	}
	if many := rows[0]; many.ClientIP != model.AuditMany || many.ActorEmail != model.AuditMany || many.Repeats != 150 {
		t.Fatalf("the flood's overflow: %+v", many)
	}
	// A signed-in user's refusals still have rows of their own.
	e = model.AuditEntry{ActorID: 7, ActorEmail: "olga@example.org", ClientIP: "192.0.2.7", Action: "branding.update", Status: 403, Reason: "forbidden"}
	if err := s.RecordRefusal(ctx, &e); err != nil {
		t.Fatal(err)
	}
	if rows, _ := s.AuditLog(ctx, model.AuditFilter{Limit: 1, Outcome: model.AuditRefused, Actor: "olga@example.org"}); len(rows) != 1 || rows[0].ClientIP != "192.0.2.7" {
		t.Fatalf("an organizer's refusal: %+v", rows)
	}
	if rows, _ := s.AuditLog(ctx, model.AuditFilter{Limit: 10, Outcome: model.AuditDone}); len(rows) != 0 {
		t.Fatalf("done filter: %+v", rows)
	}
	if rows, _ := s.AuditLog(ctx, model.AuditFilter{Limit: 10, ClientIP: "192.0.2.1"}); len(rows) != 2 {
		t.Fatalf("address filter: %+v", rows)
	}
}
