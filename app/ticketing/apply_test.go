package ticketing

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

func TestApplyPaymentConfirmsOnce(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{capacity: 5, price: 2500})
	r := w.mustRegister(e, "ada@example.org", nil)
	for _, step := range []struct {
		name    string
		ev      payment.Event
		outcome Outcome
	}{
		{"the payment", paid(r, "evt_1", 2500, "EUR"), Applied},
		{"the same event delivered again", paid(r, "evt_1", 2500, "EUR"), Duplicate},
		{"the same payment under another event id (return page, then webhook)", paid(r, "evt_2", 2500, "EUR"), Duplicate},
	} {
		outcome, err := w.svc.ApplyPayment(w.ctx, step.ev)
		wantErr(t, step.name, err, nil, "")
		if outcome != step.outcome {
			t.Errorf("%s: %s, want %s", step.name, outcome, step.outcome)
		}
		got := w.reg(r.ID)
		if got.Status != model.StatusConfirmed || got.AmountPaid != 2500 || got.PaymentID != fmt.Sprintf("pi_%d", r.ID) {
			t.Errorf("%s: status %s, paid %d, payment %q; want confirmed, 2500, pi_%d", step.name, got.Status, got.AmountPaid, got.PaymentID, r.ID)
		}
		if m := w.mails(r.ID); !slices.Equal(m, []string{model.MailAccess}) {
			t.Errorf("%s: mails %v, want one access mail", step.name, m)
		}
	}
	if got := w.seatsLeft(e); got != 4 {
		t.Errorf("seats left %d, want 4", got)
	}

	// The same delivery many times at once: one of them applies it.
	r2 := w.mustRegister(e, "bob@example.org", nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcome, err := w.svc.ApplyPayment(w.ctx, paid(r2, "evt_3", 2500, "EUR"))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("concurrent delivery: %v", err)
			}
			if outcome == Applied {
				applied++
			}
		}()
	}
	wg.Wait()
	if applied != 1 {
		t.Errorf("one event delivered 8 times at once was applied %d times, want 1", applied)
	}
	if m := w.mails(r2.ID); !slices.Equal(m, []string{model.MailAccess}) {
		t.Errorf("mails %v after concurrent deliveries, want one access mail", m)
	}
	w.wantRefunds(t, "payments applied", r2)
}

func TestPaymentThatDoesNotMatchIsNotConfirmed(t *testing.T) {
	for _, tc := range []struct {
		name      string
		amount    int64
		currency  string
		confirmed bool
	}{
		{"the price", 2500, "EUR", true},
		{"the price, currency in lower case", 2500, "eur", true},
		{"one cent short", 2499, "EUR", false},
		{"one cent more", 2501, "EUR", false},
		{"another currency", 2500, "USD", false},
		{"nothing", 0, "EUR", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			e := w.event(eventSpec{capacity: 5, price: 2500})
			r := w.mustRegister(e, "ada@example.org", nil)
			_, err := w.svc.ApplyPayment(w.ctx, paid(r, "evt_1", tc.amount, tc.currency))
			wantErr(t, "apply", err, nil, "")
			got := w.reg(r.ID)
			mailed := slices.Contains(w.mails(r.ID), model.MailAccess)
			if confirmed := got.Status == model.StatusConfirmed; confirmed != tc.confirmed || mailed != tc.confirmed {
				t.Errorf("paid %d %s for 2500 EUR: status %s, access mailed %v; want confirmed and mailed: %v",
					tc.amount, tc.currency, got.Status, mailed, tc.confirmed)
			}
		})
	}
}

// Money that arrives after the hold ran out buys the seat if one is still
// free; otherwise it all goes back.
func TestLatePayment(t *testing.T) {
	for _, tc := range []struct {
		name     string
		capacity int64
		status   string
		refund   int64
		mail     string
	}{
		{"a seat is still free", 2, model.StatusConfirmed, 0, model.MailAccess},
		{"the seat went to someone else", 1, model.StatusRefunded, 2500, model.MailLateRefund},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			e := w.event(eventSpec{capacity: tc.capacity, price: 2500})
			a := w.mustRegister(e, "a@example.org", nil)
			w.clock.Add(holdFor + time.Minute)
			if _, err := w.svc.ExpireHolds(w.ctx); err != nil {
				t.Fatal(err)
			}
			w.mustRegister(e, "b@example.org", nil)
			got := w.pay(a)
			if got.Status != tc.status || got.AmountPaid != 2500 || got.AmountRefunded != tc.refund {
				t.Errorf("status %s, paid %d, refunded %d; want %s, 2500, %d", got.Status, got.AmountPaid, got.AmountRefunded, tc.status, tc.refund)
			}
			if m := w.mails(a.ID); !slices.Equal(m, []string{tc.mail}) {
				t.Errorf("mails %v, want [%s]", m, tc.mail)
			}
			w.wantRefunds(t, "late payment", got, upTo(tc.refund)...)
			if left := w.seatsLeft(e); left != 0 {
				t.Errorf("seats left %d, want 0", left)
			}
		})
	}
}

// Refunds the provider reports (made in its dashboard) never count for more
// than was paid.
func TestReportedRefundCappedAtPayment(t *testing.T) {
	for _, tc := range []struct {
		name string
		ev   payment.Event
	}{
		{"a total above the payment", payment.Event{RefundedTotal: 9999}},
		{"one refund above the payment", payment.Event{Amount: 9999, RefundID: "re_dash"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			e := w.event(eventSpec{price: 2500})
			r := w.pay(w.mustRegister(e, "ada@example.org", nil))
			ev := tc.ev
			ev.ID, ev.Provider, ev.Kind, ev.PaymentID, ev.Currency = "evt_refund", "stripe", payment.Refunded, r.PaymentID, "EUR"
			_, err := w.svc.ApplyPayment(w.ctx, ev)
			wantErr(t, "apply the refund", err, nil, "")
			got := w.reg(r.ID)
			if got.AmountRefunded != 2500 || got.Status != model.StatusRefunded {
				t.Errorf("refunded %d, status %s; want 2500, refunded", got.AmountRefunded, got.Status)
			}
		})
	}
}
