package ticketing

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

// lookupProvider is the fake provider that also looks payments up
// (payment.PaymentLookup), answering from a script, one answer per call,
// the last one again once the script is used up.
type lookupProvider struct {
	*fakeProvider
	mu      sync.Mutex
	answers []lookupAnswer
	asked   []string // payment ids, in order
}

type lookupAnswer struct {
	st  payment.PaymentState
	err error
}

func (p *lookupProvider) Payment(_ context.Context, _, paymentID string) (payment.PaymentState, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, paymentID)
	a := p.answers[min(len(p.asked), len(p.answers))-1]
	return a.st, a.err
}

func (p *lookupProvider) calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.asked)
}

// fee is registration r's fee row as stored.
func (w *world) fee(r *model.Registration) model.ProviderFee {
	w.t.Helper()
	fees, err := w.svc.Fees(w.ctx, r.EventID)
	if err != nil {
		w.t.Fatal(err)
	}
	f, ok := fees[r.ID]
	if !ok {
		w.t.Fatalf("registration %d has no fee row", r.ID)
	}
	return f
}

func (w *world) lookUpFees() {
	w.t.Helper()
	if err := w.svc.LookUpFees(w.ctx); err != nil {
		w.t.Fatal(err)
	}
}

// TestFeeCarriedByThePayment: a payment whose event says the provider's
// fee (PayPal's capture) has it recorded in the transaction that records
// the payment, and the provider is never asked for it.
func TestFeeCarriedByThePayment(t *testing.T) {
	w := newWorld(t)
	prov := &lookupProvider{fakeProvider: w.prov, answers: []lookupAnswer{{err: errors.New("must not be asked")}}}
	w.svc.providers.Set(prov)
	e := w.event(eventSpec{price: 1999})
	r := w.mustRegister(e, "ada@example.org", nil)
	ev := paid(r, "evt_paid_fee", 1999, "EUR")
	ev.Fee, ev.FeeCurrency = 119, "EUR"
	if _, err := w.svc.ApplyPayment(w.ctx, ev); err != nil {
		t.Fatal(err)
	}
	if f := w.fee(r); !f.Known() || f.Amount != 119 || f.Currency != "EUR" || f.PaymentID != ev.PaymentID {
		t.Fatalf("fee %+v, want 119 EUR", f)
	}
	w.clock.Add(time.Hour)
	w.lookUpFees()
	if n := prov.calls(); n != 0 {
		t.Fatalf("the provider was asked %d times for a fee the payment carried", n)
	}
}

// TestFeeLookedUpAfterwards: a payment without its fee (Stripe's webhook
// says none) is recorded at once; the fee job then asks the provider, and
// asks again after a growing wait while the provider cannot be reached or
// has not settled the fee, until it has it.
func TestFeeLookedUpAfterwards(t *testing.T) {
	w := newWorld(t)
	prov := &lookupProvider{fakeProvider: w.prov, answers: []lookupAnswer{
		{err: errors.New("connection refused")},
		{st: payment.PaymentState{Amount: 1999, Currency: "EUR"}}, // no balance transaction yet
		{st: payment.PaymentState{Amount: 1999, Currency: "EUR", Fee: 88, FeeCurrency: "USD"}},
	}}
	w.svc.providers.Set(prov)
	e := w.event(eventSpec{price: 1999})
	r := w.pay(w.mustRegister(e, "ada@example.org", nil))
	if r.Status != model.StatusConfirmed {
		t.Fatalf("status %s", r.Status)
	}
	if f := w.fee(r); f.Known() {
		t.Fatalf("fee %+v known before anyone asked", f)
	}
	step := func(advance time.Duration, calls int, want string) {
		t.Helper()
		w.clock.Add(advance)
		w.lookUpFees()
		f := w.fee(r)
		if n := prov.calls(); n != calls {
			t.Fatalf("after %s: the provider was asked %d times, want %d (fee %+v)", advance, n, calls, f)
		}
		if got := f.LastError; want != "" && got != want {
			t.Fatalf("after %s: last error %q, want %q", advance, got, want)
		}
	}
	step(0, 1, "asking stripe about payment pi_1: connection refused")
	step(59*time.Second, 1, "") // not before a minute
	step(time.Second, 2, "the provider has not settled the fee yet")
	step(time.Minute, 2, "") // then two minutes
	step(time.Minute, 3, "")
	if f := w.fee(r); !f.Known() || f.Amount != 88 || f.Currency != "USD" || f.Attempts != 2 {
		t.Fatalf("fee %+v, want 88 USD after 2 failed attempts", f)
	}
	step(24*time.Hour, 3, "") // known: never asked again
}

// TestFeeOfAProviderWithoutLookup: a provider that cannot look payments up
// is asked nothing more, and the fee stays unknown with the reason.
func TestFeeOfAProviderWithoutLookup(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{price: 1999})
	r := w.pay(w.mustRegister(e, "ada@example.org", nil))
	w.lookUpFees()
	f := w.fee(r)
	if f.Known() || f.Attempts != 1 || f.LastError != "the provider does not report its fees" {
		t.Fatalf("fee %+v", f)
	}
	due, err := w.store.DuePaymentFees(w.ctx, w.clock.Now().AddDate(1, 0, 0), 10)
	if err != nil || len(due) != 0 {
		t.Fatalf("still due: %+v, %v", due, err)
	}
}
