package store

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/admit/admit/app/model"
)

// TestChangesReachTheObserverInTheirWrite: each write's observer sees what
// it changed, once, and only what changed; what the observer queues
// commits with the change, and an observer that fails undoes the write.
func TestChangesReachTheObserverInTheirWrite(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var seen [][]model.Change
	fail := false
	s.OnChange(func(tx *Tx, changes []model.Change) error {
		seen = append(seen, slices.Clone(changes))
		if fail {
			return errors.New("observer refused")
		}
		_, err := tx.InsertUser("observed@example.org", "x") // stands for a queued delivery
		return err
	})
	var e *model.Event
	var r *model.Registration
	err := s.Write(ctx, func(tx *Tx) error {
		e = &model.Event{Slug: "x", Title: "X", Kind: model.KindLive, SeriesRegistration: "all", Timezone: "UTC", Status: model.EventPublished}
		if err := tx.InsertEvent(e); err != nil {
			return err
		}
		r = &model.Registration{EventID: e.ID, Name: "A", Email: "a@x.org", Status: model.StatusConfirmed, Role: "attendee", Locale: "en", TokenNonce: []byte{1}, TokenHash: []byte{1}}
		if err := tx.InsertRegistration(r, "a@x.org"); err != nil {
			return err
		}
		if err := tx.UpdateEvent(e); err != nil {
			return err
		}
		return tx.UpdateEvent(e) // twice: one change
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Change{{Type: model.HookEventCreated, ID: e.ID}, {Type: model.HookRegistrationCreated, ID: r.ID}, {Type: model.HookRegistrationConfirmed, ID: r.ID}, {Type: model.HookEventUpdated, ID: e.ID}}
	if len(seen) != 1 || !slices.Equal(seen[0], want) {
		t.Fatalf("changes %v, want %v", seen, want)
	}
	if _, err := s.UserByEmail(ctx, "observed@example.org"); err != nil {
		t.Fatalf("what the observer wrote was not kept: %v", err)
	}
	// A status that does not move is no change; a write without changes
	// does not call the observer.
	seen = nil
	if err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.SetRegistrationStatus(r.ID, model.StatusPendingPayment, model.StatusCancelled)
		return err
	}); err != nil || len(seen) != 0 {
		t.Fatalf("no change: %v, observer saw %v", err, seen)
	}
	// The observer fails: the cancellation is undone with it.
	fail = true
	err = s.Write(ctx, func(tx *Tx) error {
		_, err := tx.SetRegistrationStatus(r.ID, model.StatusConfirmed, model.StatusCancelled)
		return err
	})
	if err == nil || len(seen) != 1 || !slices.Equal(seen[0], []model.Change{{Type: model.HookRegistrationCancelled, ID: r.ID}}) {
		t.Fatalf("failing observer: %v, saw %v", err, seen)
	}
	if got, _ := s.Registration(ctx, r.ID); got.Status != model.StatusConfirmed {
		t.Fatalf("status %s after a failed observer, want confirmed", got.Status)
	}
}
