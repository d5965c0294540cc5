package ticketing

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

// booksLedger is the fake provider with a ledger: what it says of each
// payment (payment.PaymentLookup), set by the test; a payment it has no
// line for is unknown to it.
type booksLedger struct {
	*fakeProvider
	mu    sync.Mutex
	lines map[string]payment.PaymentState
}

func (p *booksLedger) Payment(_ context.Context, _, paymentID string) (payment.PaymentState, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, ok := p.lines[paymentID]
	if !ok {
		return st, fmt.Errorf("ledger: no payment %s: %w", paymentID, payment.ErrNotFound)
	}
	return st, nil
}

func (p *booksLedger) set(paymentID string, st payment.PaymentState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines[paymentID] = st
}

func (w *world) checkBooks(since time.Time) *BooksReport {
	w.t.Helper()
	rep, err := w.svc.CheckBooks(w.ctx, since)
	if err != nil {
		w.t.Fatal(err)
	}
	return rep
}

// booksWorld has three payments of 19.99 EUR that the provider's ledger
// agrees with: Ada's (fee not known), Bob's (a fee of 0.88 EUR said with
// the payment) and Cleo's (5.00 refunded through Admit).
func booksWorld(t *testing.T) (w *world, led *booksLedger, ada, bob, cleo *model.Registration) {
	w = newWorld(t)
	led = &booksLedger{fakeProvider: w.prov, lines: map[string]payment.PaymentState{}}
	w.svc.providers.Set(led)
	e := w.event(eventSpec{price: 1999})
	ada = w.pay(w.mustRegister(e, "ada@example.org", nil))
	bob = w.mustRegister(e, "bob@example.org", nil)
	ev := paid(bob, "evt_bob", 1999, "EUR")
	ev.Fee, ev.FeeCurrency = 88, "EUR"
	if _, err := w.svc.ApplyPayment(w.ctx, ev); err != nil {
		t.Fatal(err)
	}
	bob = w.reg(bob.ID)
	cleo = w.pay(w.mustRegister(e, "cleo@example.org", nil))
	if _, err := w.svc.RefundRegistration(w.ctx, cleo.ID, ptr(int64(500))); err != nil {
		t.Fatal(err)
	}
	cleo = w.reg(cleo.ID)
	led.set(ada.PaymentID, payment.PaymentState{Amount: 1999, Currency: "EUR"})
	led.set(bob.PaymentID, payment.PaymentState{Amount: 1999, Currency: "EUR", Fee: 88, FeeCurrency: "EUR"})
	led.set(cleo.PaymentID, payment.PaymentState{Amount: 1999, Currency: "EUR", Refunded: 500})
	return w, led, ada, bob, cleo
}

// TestBooksMatch: when the provider's ledger says what Admit recorded, every
// payment is checked and matched; --since leaves out the older ones.
func TestBooksMatch(t *testing.T) {
	w, _, _, _, _ := booksWorld(t)
	rep := w.checkBooks(time.Time{})
	if rep.Checked != 3 || rep.Matched != 3 || !rep.Balanced() {
		t.Fatalf("report %+v", rep)
	}
	if rep := w.checkBooks(w.clock.Now().Add(time.Minute)); rep.Checked != 0 || !rep.Balanced() {
		t.Fatalf("since a minute from now: %+v", rep)
	}
}

// TestBooksMismatches: every field where the provider's ledger and Admit's
// record differ is listed with both values, and a payment the provider
// does not know is listed as not checked.
func TestBooksMismatches(t *testing.T) {
	w, led, ada, bob, cleo := booksWorld(t)
	// 7.00 refunded in the provider's dashboard, its webhook lost; a fee
	// Admit never got; Bob's fee settled in another currency; Cleo charged
	// in another currency; Dan's payment unknown to the provider.
	led.set(ada.PaymentID, payment.PaymentState{Amount: 1999, Currency: "EUR", Refunded: 700, Fee: 60, FeeCurrency: "EUR"})
	led.set(bob.PaymentID, payment.PaymentState{Amount: 1999, Currency: "EUR", Fee: 95, FeeCurrency: "USD"})
	led.set(cleo.PaymentID, payment.PaymentState{Amount: 2173, Currency: "USD", Refunded: 500})
	dan := w.pay(w.mustRegister(w.event(eventSpec{price: 1000}), "dan@example.org", nil))

	rep := w.checkBooks(time.Time{})
	money := func(m *model.Money) string {
		if m == nil {
			return "none"
		}
		return fmt.Sprintf("%d %s", m.Amount, m.Currency)
	}
	var got []string
	for _, m := range rep.Mismatches {
		got = append(got, fmt.Sprintf("%d %s %s: %s / %s", m.RegistrationID, m.PaymentID, m.Field, money(m.Admit), money(m.Reported)))
	}
	want := []string{
		fmt.Sprintf("%d %s refunded: 0 EUR / 700 EUR", ada.ID, ada.PaymentID),
		fmt.Sprintf("%d %s fee: none / 60 EUR", ada.ID, ada.PaymentID),
		fmt.Sprintf("%d %s fee: 88 EUR / 95 USD", bob.ID, bob.PaymentID),
		fmt.Sprintf("%d %s charged: 1999 EUR / 2173 USD", cleo.ID, cleo.PaymentID),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("mismatches:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(rep.Unchecked) != 1 || rep.Unchecked[0].RegistrationID != dan.ID || !strings.Contains(rep.Unchecked[0].Reason, "does not know payment "+dan.PaymentID) {
		t.Errorf("not checked: %+v", rep.Unchecked)
	}
	if rep.Checked != 3 || rep.Matched != 0 || rep.Balanced() {
		t.Errorf("checked %d, matched %d", rep.Checked, rep.Matched)
	}
}
