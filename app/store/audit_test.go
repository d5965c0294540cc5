package store

import (
	"context"
	"errors"
	"testing"

	"github.com/admit/admit/app/model"
)

// TestAuditCommitsWithItsWrite: the entry a context carries is written by
// the first write that succeeds, in that write's transaction; a write that
// fails takes it down with it; a deferred one waits for RecordAudit.
func TestAuditCommitsWithItsWrite(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := &Audit{AuditEntry: model.AuditEntry{ActorID: 1, ActorEmail: "a@example.org", ClientIP: "192.0.2.1", Action: "tier.delete", TargetType: "tier", TargetID: "7"}}
	actx := WithAudit(ctx, a)
	boom := errors.New("boom")
	if err := s.Write(actx, func(tx *Tx) error { return boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if a.Written() {
		t.Fatal("a failed write logged the action")
	}
	for i := 0; i < 2; i++ { // the second write does not log it again
		if err := s.Write(actx, func(tx *Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordAudit(ctx, a); err != nil { // already written: nothing more
		t.Fatal(err)
	}
	d := &Audit{AuditEntry: model.AuditEntry{Action: "registration.refund", Before: &model.AuditState{Status: "confirmed", AmountPaid: 1999, Currency: "EUR"}}, Deferred: true}
	if err := s.Write(WithAudit(ctx, d), func(tx *Tx) error { return nil }); err != nil || d.Written() {
		t.Fatalf("a deferred entry was taken by a write: %v", err)
	}
	d.After = &model.AuditState{Status: "refunded", AmountPaid: 1999, AmountRefunded: 1999, Currency: "EUR"}
	if err := s.RecordAudit(ctx, d); err != nil || !d.Written() {
		t.Fatal(err)
	}
	got, err := s.AuditLog(ctx, model.AuditFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Action != "tier.delete" || got[1].ClientIP != "192.0.2.1" || got[0].Action != "registration.refund" ||
		got[0].Before.Status != "confirmed" || got[0].After.AmountRefunded != 1999 || got[1].Before != nil {
		t.Fatalf("log %+v", got)
	}
}
