package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// TestOutcomesAfterCommit: the observer hears each status a committed write
// gave a registration (created, moved, expired in bulk, reopened), once,
// also when the caller's copy of the registration was out of date; a status
// that does not move and a write rolled back count nothing.
func TestOutcomesAfterCommit(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var heard []string
	s.OnOutcome(func(status string) { heard = append(heard, status) })
	var e *model.Event
	hold := time.Now().Add(-time.Minute)
	var ids []int64
	var regs []*model.Registration
	err := s.Write(ctx, func(tx *Tx) error {
		e = &model.Event{Slug: "x", Title: "X", Kind: model.KindLive, SeriesRegistration: "all", Timezone: "UTC", Status: model.EventPublished}
		if err := tx.InsertEvent(e); err != nil {
			return err
		}
		for _, n := range []string{"a", "b", "c"} {
			r := &model.Registration{EventID: e.ID, Name: n, Email: n + "@x.org", Status: model.StatusPendingPayment, Role: "attendee", Locale: "en",
				TokenNonce: []byte(n), TokenHash: []byte(n), HoldExpiresAt: &hold}
			if err := tx.InsertRegistration(r, n+"@x.org"); err != nil {
				return err
			}
			ids, regs = append(ids, r.ID), append(regs, r)
		}
		return nil
	})
	if err != nil || !slices.Equal(heard, []string{"pending_payment", "pending_payment", "pending_payment"}) {
		t.Fatalf("created: %v %v", heard, err)
	}
	heard = nil
	if err := s.Write(ctx, func(tx *Tx) error {
		if err := tx.SetPaid(regs[0], model.StatusConfirmed, 100, "EUR", "pay_1", false); err != nil {
			return err
		}
		_, err := tx.SetRegistrationStatus(ids[0], model.StatusConfirmed, model.StatusConfirmed) // no move
		return err
	}); err != nil || !slices.Equal(heard, []string{"confirmed"}) {
		t.Fatalf("paid: %v %v", heard, err)
	}
	// A caller's copy out of date (read before the payment): the state is
	// read and the change made; the status is counted from what it was.
	heard = nil
	if err := s.Write(ctx, func(tx *Tx) error {
		r := *regs[0]
		r.AmountPaid, r.AmountRefunded, r.Status = 100, 100, model.StatusRefunded
		if err := tx.SetRefunded(&r, model.StatusPendingPayment, 0); err != nil {
			return err
		}
		if got, err := tx.Registration(r.ID); err != nil || got.Status != model.StatusRefunded || got.AmountRefunded != 100 {
			t.Errorf("refunded from an old copy: %+v %v", got, err)
		}
		return tx.SetRefunded(&r, model.StatusRefunded, 100) // no move
	}); err != nil || !slices.Equal(heard, []string{"refunded"}) {
		t.Fatalf("refunded: %v %v", heard, err)
	}
	heard = nil
	if err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExpireHolds()
		return err
	}); err != nil || !slices.Equal(heard, []string{"expired", "expired"}) {
		t.Fatalf("expired: %v %v", heard, err)
	}
	heard = nil
	err = s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.SetRegistrationStatus(ids[1], model.StatusExpired, model.StatusCancelled); err != nil {
			return err
		}
		return errors.New("changed my mind")
	})
	if err == nil || len(heard) != 0 {
		t.Fatalf("rolled back: %v %v", heard, err)
	}
}
