package ticketing

import (
	"slices"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

func TestRefundsNeverExceedThePayment(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{price: 2500})
	r := w.pay(w.mustRegister(e, "ada@example.org", nil))
	var sent []int64
	for _, step := range []struct {
		name     string
		amount   *int64 // nil: all that is left
		err      error
		field    string
		status   string
		refunded int64
	}{
		{"more than paid", ptr[int64](2501), model.ErrValidation, "amount", model.StatusConfirmed, 0},
		{"nothing", ptr[int64](0), model.ErrValidation, "amount", model.StatusConfirmed, 0},
		{"a part", ptr[int64](1000), nil, "", model.StatusPartiallyRefunded, 1000},
		{"more than is left", ptr[int64](1501), model.ErrValidation, "amount", model.StatusPartiallyRefunded, 1000},
		{"the rest", nil, nil, "", model.StatusRefunded, 2500},
		{"the rest again", nil, model.ErrConflict, "", model.StatusRefunded, 2500},
		{"one cent more", ptr[int64](1), model.ErrValidation, "amount", model.StatusRefunded, 2500},
	} {
		_, err := w.svc.RefundRegistration(w.ctx, r.ID, step.amount)
		wantErr(t, step.name, err, step.err, step.field)
		if err == nil {
			sent = append(sent, step.refunded-r.AmountRefunded)
		}
		r = w.reg(r.ID)
		if r.Status != step.status || r.AmountRefunded != step.refunded {
			t.Errorf("%s: status %s, refunded %d; want %s, %d", step.name, r.Status, r.AmountRefunded, step.status, step.refunded)
		}
		w.wantRefunds(t, step.name, r, sent...)
	}
}

func TestCancelByRegistrant(t *testing.T) {
	window := ptr[int64](48)
	for _, tc := range []struct {
		name   string
		spec   eventSpec
		unpaid bool      // cancelled before paying
		at     time.Time // when the registrant cancels
		status string
		refund int64
	}{
		{"paid, within cancel_refund_hours", eventSpec{price: 2500, refundHours: window}, false, day0, model.StatusRefunded, 2500},
		{"paid, the last moment of the window", eventSpec{price: 2500, refundHours: window}, false, sessionStart.Add(-48 * time.Hour), model.StatusRefunded, 2500},
		{"paid, after the window", eventSpec{price: 2500, refundHours: window}, false, sessionStart.Add(-47 * time.Hour), model.StatusCancelled, 0},
		{"paid, no automatic refund", eventSpec{price: 2500}, false, day0, model.StatusCancelled, 0},
		{"not paid yet", eventSpec{price: 2500, refundHours: window}, true, day0, model.StatusCancelled, 0},
		{"free", eventSpec{refundHours: window}, false, day0, model.StatusCancelled, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			tc.spec.capacity = 1
			e := w.event(tc.spec)
			r := w.mustRegister(e, "ada@example.org", nil)
			if tc.spec.price > 0 && !tc.unpaid {
				r = w.pay(r)
			}
			w.clock.Set(tc.at)
			for _, attempt := range []string{"cancel", "cancel again"} {
				// Cancelling twice is harmless, also once the cancellation
				// has refunded the registration.
				_, err := w.svc.CancelByRegistrant(w.ctx, w.token(r))
				wantErr(t, attempt, err, nil, "")
				got := w.reg(r.ID)
				if got.Status != tc.status || got.AmountRefunded != tc.refund {
					t.Errorf("%s: status %s, refunded %d; want %s, %d", attempt, got.Status, got.AmountRefunded, tc.status, tc.refund)
				}
				w.wantRefunds(t, attempt, got, upTo(tc.refund)...)
			}
			m := w.mails(r.ID)
			if !slices.Contains(m, model.MailCancelled) || slices.Contains(m, model.MailRefunded) != (tc.refund > 0) {
				t.Errorf("mails %v: want a cancellation, and a refund mail only when refunded", m)
			}
			if left := w.seatsLeft(e); left != 1 {
				t.Errorf("seats left %d after cancelling, want 1", left)
			}
		})
	}
}
