package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

// handsProvider cannot refund: its Refund answers payment.ErrUnsupported,
// counted.
type handsProvider struct {
	*fakeProvider
	refunds atomic.Int32
}

func (p *handsProvider) Refund(context.Context, payment.RefundRequest) (payment.Refund, error) {
	p.refunds.Add(1)
	return payment.Refund{}, fmt.Errorf("paid by hand: %w", payment.ErrUnsupported)
}

// TestManualRefunds: a refund of a payment whose provider cannot refund is
// owed by the organizer, never sent or retried: declared by the module, the
// provider is not even asked; undeclared, its ErrUnsupported makes it owed
// at once. What is owed counts out of what can be refunded; the organizer
// marks it refunded, once, and the registrant is told.
func TestManualRefunds(t *testing.T) {
	for _, declared := range []bool{true, false} {
		t.Run(fmt.Sprintf("declared %v", declared), func(t *testing.T) {
			w := newWorld(t)
			hp := &handsProvider{fakeProvider: w.prov}
			w.rewire(hp, func(m *payment.Module) { m.ManualRefunds = declared && m.Name == "stripe" })
			e := w.event(eventSpec{price: 2500})
			r := w.pay(w.mustRegister(e, "ada@example.org", nil))
			if _, err := w.svc.CancelRegistration(w.ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			part := int64(1000)
			g, err := w.svc.RefundRegistration(w.ctx, r.ID, &part)
			if err != nil {
				t.Fatalf("refund: %v", err)
			}
			if want := map[bool]int32{true: 0, false: 1}[declared]; hp.refunds.Load() != want {
				t.Fatalf("%d calls to the provider's Refund, want %d", hp.refunds.Load(), want)
			}
			if g.RefundOwed != 1000 || g.AmountRefunded != 0 || g.Refundable() != 1500 || g.Status != model.StatusCancelled {
				t.Fatalf("after a refund owed: %+v", g)
			}
			// The rest: owed too; nothing more can be refunded.
			if g, err = w.svc.RefundRegistration(w.ctx, r.ID, nil); err != nil || g.RefundOwed != 2500 || g.Refundable() != 0 {
				t.Fatalf("the rest: %+v %v", g, err)
			}
			_, err = w.svc.RefundRegistration(w.ctx, r.ID, nil)
			var p *model.Problem
			if !errors.As(err, &p) || !errors.Is(err, model.ErrConflict) || !strings.Contains(p.Message, "by hand") {
				t.Fatalf("more: %v", err)
			}
			// Never sent again, however often the refunds job runs.
			for i := 0; i < 3; i++ {
				w.clock.Add(refundBackoff << 6)
				if err := w.svc.SendDueRefunds(w.ctx); err != nil {
					t.Fatal(err)
				}
			}
			if want := map[bool]int32{true: 0, false: 2}[declared]; hp.refunds.Load() != want {
				t.Fatalf("%d calls to the provider's Refund, want %d", hp.refunds.Load(), want)
			}
			refunds, err := w.store.Refunds(w.ctx, r.ID)
			if err != nil || len(refunds) != 2 {
				t.Fatalf("refunds %v %v", refunds, err)
			}
			for _, f := range refunds {
				if f.Method != model.RefundManual || f.Status != model.RefundQueued {
					t.Fatalf("refund %+v", f)
				}
			}
			g, err = w.svc.MarkRefunded(w.ctx, r.ID)
			if err != nil || g.Status != model.StatusRefunded || g.AmountRefunded != 2500 || g.RefundOwed != 0 {
				t.Fatalf("marked refunded: %+v %v", g, err)
			}
			if _, err := w.svc.MarkRefunded(w.ctx, r.ID); !errors.As(err, &p) || p.Code != "nothing_owed" {
				t.Fatalf("twice: %v", err)
			}
			if got := w.mails(r.ID); strings.Join(got, ",") != "access,cancelled,refunded" {
				t.Fatalf("mails %v", got)
			}
		})
	}
}
