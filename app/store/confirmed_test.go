package store

import (
	"context"
	"slices"
	"testing"

	"github.com/admit/admit/app/model"
)

// TestSetPaidConfirmsOnce: a payment that confirms a registration notes
// registration.confirmed (outgoing webhooks) and the confirmed outcome
// (metrics); a payment recorded on a registration confirmed already notes
// neither again.
func TestSetPaidConfirmsOnce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var seen []model.Change
	s.OnChange(func(_ *Tx, changes []model.Change) error {
		seen = append(seen, changes...)
		return nil
	})
	var outcomes []string
	s.OnOutcome(func(status string) { outcomes = append(outcomes, status) })
	var r *model.Registration
	err := s.Write(ctx, func(tx *Tx) error {
		e := &model.Event{Slug: "paid", Title: "Paid", Kind: model.KindLive, SeriesRegistration: "all", Timezone: "UTC", Status: model.EventPublished}
		if err := tx.InsertEvent(e); err != nil {
			return err
		}
		r = &model.Registration{EventID: e.ID, Name: "A", Email: "a@x.org", Status: model.StatusPendingPayment, Role: "attendee", Locale: "en",
			Amount: 2500, Currency: "EUR", Provider: "stripe", TokenNonce: []byte{1}, TokenHash: []byte{1}}
		return tx.InsertRegistration(r, "a@x.org")
	})
	if err != nil {
		t.Fatal(err)
	}
	seen, outcomes = nil, nil
	for i, pay := range []string{"pi_1", "pi_2"} {
		if err := s.Write(ctx, func(tx *Tx) error {
			return tx.SetPaid(r, model.StatusConfirmed, 2500, "EUR", pay, false)
		}); err != nil {
			t.Fatalf("payment %d: %v", i, err)
		}
	}
	confirmed := slices.DeleteFunc(slices.Clone(seen), func(c model.Change) bool { return c.Type != model.HookRegistrationConfirmed })
	if len(confirmed) != 1 || confirmed[0].ID != r.ID {
		t.Fatalf("registration.confirmed noted %d times (%v), want once", len(confirmed), seen)
	}
	if !slices.Equal(outcomes, []string{model.StatusConfirmed}) {
		t.Fatalf("outcomes %v, want one confirmed", outcomes)
	}
}
