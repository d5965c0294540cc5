package ticketing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
)

// ledgerProvider is a payment provider in memory that keeps a payment's
// refunds as the real ones do: never more than what is left (a refusal
// otherwise), an idempotency key answered once, and a webhook queued for
// every refund, made by Admit or in the provider's dashboard. Its webhooks
// name each refund (PayPal: id and amount), or give the charge's new total
// (Stripe: amount_refunded, and the amount from previous_attributes), or
// both (Stripe's older API versions list the charge's refunds).
type ledgerProvider struct {
	mu      sync.Mutex
	name    string
	named   bool // webhooks and lookups name each refund
	totals  bool // webhooks give the total
	seq     int
	charges map[string]*ledgerCharge   // by payment id
	replies map[string]*ledgerRefund   // by idempotency key
	refused map[string]bool            // idempotency keys refused
	queue   []payment.Event            // webhooks not delivered yet
	failing []string                   // next refund calls: "down" (never arrives), "lost" (done, answer lost)
	asked   []string                   // problems seen in the refunds asked
	closed  []string                   // checkouts closed
	onOpen  func(registrationID int64) // runs inside CreateCheckout
	// parse, when set, reads webhooks (else each is ignored).
	parse func(payment.WebhookRequest) (payment.Event, error)
}

type ledgerCharge struct {
	id, checkout string
	registration int64
	amount       int64
	currency     string
	refunds      []*ledgerRefund
}

type ledgerRefund struct {
	id     string
	amount int64
	total  int64 // the charge's total refunded after it
	told   bool  // Admit has heard of it (answer, webhook or lookup)
}

func newLedgerProvider(name string, named, totals bool) *ledgerProvider {
	return &ledgerProvider{name: name, named: named, totals: totals, charges: map[string]*ledgerCharge{}, replies: map[string]*ledgerRefund{}, refused: map[string]bool{}}
}

func (f *ledgerProvider) Name() string { return f.name }

func (f *ledgerProvider) CreateCheckout(_ context.Context, r payment.CheckoutRequest) (payment.Checkout, error) {
	if f.onOpen != nil {
		f.onOpen(r.RegistrationID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("co_%d", f.seq)
	return payment.Checkout{ID: id, RedirectURL: "https://pay.test/" + id}, nil
}

func (f *ledgerProvider) ParseWebhook(_ context.Context, r payment.WebhookRequest) (payment.Event, error) {
	if f.parse != nil {
		return f.parse(r)
	}
	return payment.Event{}, payment.ErrIgnored
}

func (f *ledgerProvider) Return(context.Context, url.Values) (payment.Event, error) {
	return payment.Event{}, payment.ErrNotApproved
}

func (f *ledgerProvider) Status(_ context.Context, checkoutID string) (payment.Event, error) {
	return payment.Event{ID: "status:" + checkoutID, Provider: f.name, Kind: payment.Pending, CheckoutID: checkoutID}, nil
}

func (f *ledgerProvider) Supports(string) bool                 { return true }
func (f *ledgerProvider) Check(context.Context) error          { return nil }
func (f *ledgerProvider) ReturnedCheckout(q url.Values) string { return q.Get("checkout") }

// CloseCheckout implements payment.CheckoutCloser.
func (f *ledgerProvider) CloseCheckout(_ context.Context, checkoutID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = append(f.closed, checkoutID)
	return nil
}

// pay takes a payment for a checkout and queues its webhook.
func (f *ledgerProvider) pay(r *model.Registration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	c := &ledgerCharge{id: fmt.Sprintf("pay_%d", f.seq), checkout: r.CheckoutID, registration: r.ID, amount: r.Amount, currency: r.Currency}
	f.charges[c.id] = c
	f.queue = append(f.queue, payment.Event{ID: fmt.Sprintf("evt_paid_%d", f.seq), Provider: f.name, Kind: payment.Paid,
		CheckoutID: c.checkout, RegistrationID: c.registration, PaymentID: c.id, Amount: c.amount, Currency: c.currency})
}

func (c *ledgerCharge) refunded() int64 {
	var sum int64
	for _, r := range c.refunds {
		sum += r.amount
	}
	return sum
}

// refund refunds amount of c and queues its webhook; the caller holds mu.
func (f *ledgerProvider) refund(c *ledgerCharge, amount int64) *ledgerRefund {
	f.seq++
	rf := &ledgerRefund{id: fmt.Sprintf("re_%d", f.seq), amount: amount, total: c.refunded() + amount}
	c.refunds = append(c.refunds, rf)
	ev := payment.Event{ID: fmt.Sprintf("evt_refund_%d", f.seq), Provider: f.name, Kind: payment.Refunded, PaymentID: c.id,
		Amount: amount, Currency: c.currency}
	if f.named {
		ev.RefundID, ev.RegistrationID = rf.id, c.registration
	}
	if f.totals {
		ev.RefundedTotal = rf.total
	}
	f.queue = append(f.queue, ev)
	return rf
}

// Refund implements payment.Provider.
func (f *ledgerProvider) Refund(_ context.Context, r payment.RefundRequest) (payment.Refund, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.failing) > 0 {
		mode := f.failing[0]
		f.failing = f.failing[1:]
		if mode == "down" {
			return payment.Refund{}, errors.New("fake: connection refused")
		}
		// Done (or refused) at the provider; the answer never arrives.
		_, _ = f.refundNow(r)
		return payment.Refund{}, errors.New("fake: timeout reading the answer")
	}
	rf, err := f.refundNow(r)
	if errors.Is(err, payment.ErrRefused) {
		f.refused[r.IdempotencyKey] = true // Admit heard it
	}
	if err != nil {
		return payment.Refund{}, err
	}
	rf.told = true
	return payment.Refund{ID: rf.id, Amount: rf.amount, Status: "succeeded"}, nil
}

func (f *ledgerProvider) refundNow(r payment.RefundRequest) (*ledgerRefund, error) {
	if f.refused[r.IdempotencyKey] {
		f.asked = append(f.asked, fmt.Sprintf("refund %s asked again after its refusal", r.IdempotencyKey))
	}
	if rf := f.replies[r.IdempotencyKey]; rf != nil {
		return rf, nil
	}
	c := f.charges[r.PaymentID]
	if c == nil {
		return nil, fmt.Errorf("fake: no payment %s: %w", r.PaymentID, payment.ErrNotFound)
	}
	if left := c.amount - c.refunded(); r.Amount > left {
		return nil, payment.Refused(fmt.Errorf("fake: REFUND_AMOUNT_EXCEEDED: %d asked, %d left", r.Amount, left))
	}
	rf := f.refund(c, r.Amount)
	f.replies[r.IdempotencyKey] = rf
	return rf, nil
}

// Payment implements payment.PaymentLookup.
func (f *ledgerProvider) Payment(_ context.Context, _, paymentID string) (payment.PaymentState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.charges[paymentID]
	if c == nil {
		return payment.PaymentState{}, payment.ErrNotFound
	}
	st := payment.PaymentState{Amount: c.amount, Currency: c.currency, Refunded: c.refunded()}
	for _, rf := range c.refunds {
		rf.told = true
		if f.named {
			st.Refunds = append(st.Refunds, payment.Refund{ID: rf.id, Amount: rf.amount})
		}
	}
	return st, nil
}

// dashboard is the merchant refunding amount in the provider's dashboard.
func (f *ledgerProvider) dashboard(paymentID string, amount int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refund(f.charges[paymentID], amount)
}

// delivered notes that Admit applied a webhook: it tells of its refund, and
// a total tells of every refund it counts.
func (f *ledgerProvider) delivered(ev payment.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.charges[ev.PaymentID]
	if c == nil || ev.Kind != payment.Refunded {
		return
	}
	for _, rf := range c.refunds {
		if rf.id == ev.RefundID || (ev.RefundedTotal > 0 && rf.total <= ev.RefundedTotal) {
			rf.told = true
		}
	}
}

// state is the payment's amount, its refunds' total, and whether Admit
// has heard of every refund.
func (f *ledgerProvider) state(paymentID string) (amount, refunded int64, allTold bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.charges[paymentID]
	if c == nil {
		return 0, 0, true
	}
	allTold = true
	for _, rf := range c.refunds {
		allTold = allTold && rf.told
	}
	return c.amount, c.refunded(), allTold
}

func (f *ledgerProvider) take(i int) payment.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	ev := f.queue[i]
	f.queue = append(f.queue[:i], f.queue[i+1:]...)
	return ev
}

func (f *ledgerProvider) pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.queue)
}

// ledgerRig is a ticketing service on a fresh database with one provider, an
// event at 10.00 EUR and a clock the test moves.
type ledgerRig struct {
	t   *testing.T
	s   *Service
	st  *store.Store
	f   *ledgerProvider
	now time.Time
}

func newLedgerRig(t *testing.T, f *ledgerProvider) *ledgerRig {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "admit.db"), store.Options{Synchronous: "OFF", Readers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g := &ledgerRig{t: t, st: st, f: f, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	st.SetClock(func() time.Time { return g.now })
	reg := payment.NewRegistry()
	reg.Set(f)
	g.s, err = New(st, Options{Secret: bytes.Repeat([]byte{3}, 32), PublicURL: "https://tickets.test", Providers: reg, Modules: testModules("stripe", "paypal"),
		Now: func() time.Time { return g.now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var in EventInput
	body := fmt.Sprintf(`{"title":"Ledger","kind":"live","timezone":"UTC","status":"published","providers":[%q],
		"price":{"amount":1000,"currency":"EUR"},"sessions":[{"starts_at":"2026-04-01T18:00:00Z","duration_minutes":60}]}`, f.name)
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if _, err := g.s.CreateEvent(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	return g
}

// buy registers someone; their checkout is open.
func (g *ledgerRig) buy(email string) *model.Registration {
	g.t.Helper()
	res, err := g.s.Register(context.Background(), "ledger", RegisterInput{Name: "Buyer", Email: email, Provider: g.f.name}, nil)
	if err != nil {
		g.t.Fatal(err)
	}
	return res.Registration
}

func (g *ledgerRig) reg(id int64) *model.Registration {
	g.t.Helper()
	r, err := g.st.Registration(context.Background(), id)
	if err != nil {
		g.t.Fatal(err)
	}
	return r
}

func (g *ledgerRig) deliver(ev payment.Event) {
	g.t.Helper()
	if _, err := g.s.ApplyPayment(context.Background(), ev); err != nil {
		g.t.Fatalf("apply %+v: %v", ev, err)
	}
	g.f.delivered(ev)
}

// refundsJob runs the refunds job a while later.
func (g *ledgerRig) refundsJob() {
	g.now = g.now.Add(2 * time.Hour)
	_ = g.s.SendDueRefunds(context.Background()) // refusals are recorded; the job only logs them
}

// TestRefundLedgerProperty: any interleaving of Admit's refunds (an amount,
// or "the rest"), refunds made in the provider's dashboard, their webhooks
// (in any order, some delivered twice, the payment's own among them), calls
// to the provider that fail or whose answer is lost, and the refunds job:
//
//   - Admit never counts more refunded than the provider holds refunded;
//   - a refund Admit decides never asks for more than the provider holds
//     while Admit has heard of every refund (else the provider refuses it,
//     and a refused refund is never asked again);
//   - once every webhook is in and nothing is on its way, amount_refunded
//     is the provider's total, and "the rest" refunds exactly what the
//     provider still holds: then everything paid is refunded, once.
//
// The three kinds of webhooks are tried: refunds named one by one
// (PayPal), totals only (Stripe), and both (Stripe's older API versions).
func TestRefundLedgerProperty(t *testing.T) {
	runs := 60
	if testing.Short() {
		runs = 10
	}
	for _, kind := range []struct {
		name, provider string
		named, totals  bool
	}{{"named", "paypal", true, false}, {"totals", "stripe", false, true}, {"both", "stripe", true, true}} {
		for seed := range runs {
			t.Run(fmt.Sprintf("%s/%d", kind.name, seed), func(t *testing.T) {
				ledgerRun(t, newLedgerProvider(kind.provider, kind.named, kind.totals), rand.New(rand.NewPCG(uint64(seed), 7)))
			})
		}
	}
}

func ledgerRun(t *testing.T, f *ledgerProvider, rnd *rand.Rand) {
	ctx := context.Background()
	g := newLedgerRig(t, f)
	r := g.buy("ada@example.org")
	f.pay(g.reg(r.ID))
	paymentID := f.queue[0].PaymentID
	var delivered []payment.Event
	var log []string
	check := func() {
		t.Helper()
		cur := g.reg(r.ID)
		_, total, _ := f.state(paymentID)
		if cur.AmountRefunded > total {
			t.Fatalf("Admit counts %d refunded, the provider %d\n%s", cur.AmountRefunded, total, strings.Join(log, "\n"))
		}
		if len(f.asked) > 0 {
			t.Fatalf("%v\n%s", f.asked, strings.Join(log, "\n"))
		}
	}
	organizer := func(amount *int64) {
		paid, before, allTold := f.state(paymentID)
		refunds, _ := g.st.Refunds(ctx, r.ID)
		_, err := g.s.RefundRegistration(ctx, r.ID, amount)
		what := "the rest"
		if amount != nil {
			what = fmt.Sprint(*amount)
		}
		log = append(log, fmt.Sprintf("organizer refunds %s: %v", what, err))
		var p *model.Problem
		if err != nil && !errors.As(err, &p) {
			t.Fatalf("refund: %v", err)
		}
		after, _ := g.st.Refunds(ctx, r.ID)
		for _, nf := range after[len(refunds):] {
			if nf.Reason == "organizer" && allTold && nf.Amount > paid-before {
				t.Fatalf("Admit decided to refund %d while the provider held %d and Admit knew every refund\n%s",
					nf.Amount, paid-before, strings.Join(log, "\n"))
			}
		}
	}

	steps := 10 + rnd.IntN(30)
	for range steps {
		switch rnd.IntN(8) {
		case 0, 1:
			if rnd.IntN(2) == 0 {
				organizer(nil)
			} else {
				a := 1 + rnd.Int64N(400)
				organizer(&a)
			}
		case 2:
			if paid, refunded, _ := f.state(paymentID); paid > refunded {
				a := 1 + rnd.Int64N(max(1, (paid-refunded)/3))
				f.dashboard(paymentID, a)
				log = append(log, fmt.Sprintf("dashboard refunds %d", a))
			}
		case 3, 4:
			if n := f.pending(); n > 0 {
				ev := f.take(rnd.IntN(n))
				g.deliver(ev)
				delivered = append(delivered, ev)
				log = append(log, fmt.Sprintf("deliver %s %s %d (total %d)", ev.ID, ev.Kind, ev.Amount, ev.RefundedTotal))
			}
		case 5:
			if len(delivered) > 0 {
				ev := delivered[rnd.IntN(len(delivered))]
				g.deliver(ev)
				log = append(log, "deliver again "+ev.ID)
			}
		case 6:
			// The next call to the provider fails: it never arrives, or it
			// is done and its answer is lost; often it is an organizer's.
			mode := []string{"down", "lost"}[rnd.IntN(2)]
			f.mu.Lock()
			f.failing = []string{mode}
			f.mu.Unlock()
			log = append(log, "the next refund call: "+mode)
			if rnd.IntN(2) == 0 {
				a := 1 + rnd.Int64N(400)
				organizer(&a)
			}
		case 7:
			g.refundsJob()
			log = append(log, "refunds job")
		}
		check()
	}

	// Calm: the provider answers, every webhook arrives (some twice), the
	// refunds job sends what is queued.
	f.mu.Lock()
	f.failing = nil
	f.mu.Unlock()
	for i := 0; i < 20 && (f.pending() > 0 || g.queued(r.ID) > 0); i++ {
		for f.pending() > 0 {
			ev := f.take(rnd.IntN(f.pending()))
			g.deliver(ev)
			if rnd.IntN(3) == 0 {
				g.deliver(ev)
			}
			log = append(log, fmt.Sprintf("deliver %s %s %d (total %d)", ev.ID, ev.Kind, ev.Amount, ev.RefundedTotal))
		}
		g.refundsJob()
		check()
	}
	paid, total, _ := f.state(paymentID)
	cur := g.reg(r.ID)
	if cur.AmountPaid != paid || cur.AmountRefunded != total {
		t.Fatalf("Admit: paid %d refunded %d; the provider: paid %d refunded %d\n%s", cur.AmountPaid, cur.AmountRefunded, paid, total, strings.Join(log, "\n"))
	}
	// The rest is what the provider still holds.
	organizer(nil)
	for f.pending() > 0 {
		g.deliver(f.take(0))
	}
	paid, total, _ = f.state(paymentID)
	cur = g.reg(r.ID)
	if total != paid || cur.AmountRefunded != paid || cur.Status != model.StatusRefunded {
		t.Fatalf("after the rest: Admit %s refunded %d; the provider refunded %d of %d\n%s", cur.Status, cur.AmountRefunded, total, paid, strings.Join(log, "\n"))
	}
	if _, err := g.s.RefundRegistration(ctx, r.ID, nil); err == nil {
		t.Fatal("a refund past everything paid was accepted")
	}
	check()
}

// queued is how many of a registration's refunds are on their way.
func (g *ledgerRig) queued(id int64) int {
	refunds, err := g.st.Refunds(context.Background(), id)
	if err != nil {
		g.t.Fatal(err)
	}
	n := 0
	for _, f := range refunds {
		if f.Status == model.RefundQueued {
			n++
		}
	}
	return n
}

// TestIdempotencyKeyClaimedBeforeCheckout: a paid registration's key is
// claimed, with the registration, before the provider is asked for a
// checkout; a retry meanwhile waits for the first answer.
func TestIdempotencyKeyClaimedBeforeCheckout(t *testing.T) {
	f := newLedgerProvider("stripe", false, true)
	g := newLedgerRig(t, f)
	idem := func(email string) *Idempotency {
		return &Idempotency{Key: "k", RequestHash: []byte(email), Record: func(res *RegisterResult, err error) []byte {
			if err != nil {
				return []byte("refused " + err.Error())
			}
			return []byte(fmt.Sprint(res.Registration.ID))
		}}
	}
	var claimed bool
	retried := make(chan error, 1)
	f.onOpen = func(id int64) {
		if claimed {
			return
		}
		claimed = true
		// The key is in the database before the provider is asked.
		err := g.st.Write(context.Background(), func(tx *store.Tx) error {
			a, err := tx.Idempotency("register:ledger", "k")
			if err == nil && (a.Outcome != nil || string(a.RequestHash) != "ada") {
				err = fmt.Errorf("claim %+v", a)
			}
			return err
		})
		if err != nil {
			t.Errorf("no claim while the checkout opens: %v", err)
		}
		// A retry and another request with the key, sent now, wait.
		go func() {
			_, err := g.s.Register(context.Background(), "ledger", RegisterInput{Name: "Ada", Email: "ada@example.org", Provider: "stripe"}, idem("ada"))
			retried <- err
		}()
	}
	res, err := g.s.Register(context.Background(), "ledger", RegisterInput{Name: "Ada", Email: "ada@example.org", Provider: "stripe"}, idem("ada"))
	if err != nil {
		t.Fatal(err)
	}
	var replay *Replayed
	if err := <-retried; !errors.As(err, &replay) || string(replay.Outcome) != fmt.Sprint(res.Registration.ID) {
		t.Fatalf("the retry got %v", err)
	}
	_, err = g.s.Register(context.Background(), "ledger", RegisterInput{Name: "Bob", Email: "bob@example.org", Provider: "stripe"}, idem("bob"))
	if !errors.Is(err, model.ErrValidation) {
		t.Fatalf("another request with the key: %v", err)
	}
	regs, _ := g.st.Registrations(context.Background(), 1, "")
	if len(regs) != 1 {
		t.Fatalf("%d registrations", len(regs))
	}
}

// TestCancelledCheckoutClosed: cancelling a registration whose checkout is
// open closes it at a provider that can.
func TestCancelledCheckoutClosed(t *testing.T) {
	f := newLedgerProvider("stripe", false, true)
	g := newLedgerRig(t, f)
	r := g.buy("ada@example.org")
	if _, err := g.s.CancelRegistration(context.Background(), r.ID); err != nil {
		t.Fatal(err)
	}
	if len(f.closed) != 1 || f.closed[0] != r.CheckoutID {
		t.Fatalf("closed %v, want %s", f.closed, r.CheckoutID)
	}
	// A payment that still comes is refunded in full.
	f.pay(g.reg(r.ID))
	g.deliver(f.take(0))
	got := g.reg(r.ID)
	if got.Status != model.StatusRefunded || got.AmountRefunded != 1000 {
		t.Fatalf("registration %+v", got)
	}
}

// TestRefundLedgerInFlight: a refund of Admit's done at the provider whose
// answer was lost is still on its way when a webhook reports a total that
// counts it, with a dashboard refund besides: that total is not taken for
// the dashboard's alone, so nothing is counted twice once the refund is
// through.
func TestRefundLedgerInFlight(t *testing.T) {
	ctx := context.Background()
	f := newLedgerProvider("stripe", false, true)
	g := newLedgerRig(t, f)
	r := g.buy("ada@example.org")
	f.pay(g.reg(r.ID))
	g.deliver(f.take(0))
	f.failing = []string{"lost"}
	three := int64(300)
	if _, err := g.s.RefundRegistration(ctx, r.ID, &three); err != nil {
		t.Fatal(err) // the provider could not be heard: queued
	}
	f.dashboard(g.reg(r.ID).PaymentID, 200)
	g.deliver(f.take(1)) // the dashboard's: total 500, this refund 200
	if got := g.reg(r.ID); got.AmountRefunded != 200 {
		t.Fatalf("with 3.00 on its way: refunded %d, want the dashboard's 200", got.AmountRefunded)
	}
	g.refundsJob()
	g.deliver(f.take(0)) // Admit's own: total 300
	if got := g.reg(r.ID); got.AmountRefunded != 500 || got.Status != model.StatusPartiallyRefunded {
		t.Fatalf("refunded %d (%s), want 500", got.AmountRefunded, got.Status)
	}
}
