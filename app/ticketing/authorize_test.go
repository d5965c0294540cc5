package ticketing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

// holdingProvider is the test provider, declared able to authorize: it
// records captures and voids by idempotency key; refuse makes the next
// capture refused.
type holdingProvider struct {
	*fakeProvider
	mu       sync.Mutex
	captures map[string]int // idempotency key → calls
	voids    map[string]int
	refuse   error
	// renewals counts Reauthorize calls by idempotency key; refuseRenewal
	// makes them refused.
	renewals      map[string]int
	refuseRenewal error
}

// Reauthorize renews a hold as PayPal does: a new id, a new 3-day
// deadline, the same end.
func (p *holdingProvider) Reauthorize(_ context.Context, r payment.ReauthorizeRequest) (payment.Event, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.renewals[r.IdempotencyKey]++
	if p.refuseRenewal != nil {
		return payment.Event{}, payment.Refused(p.refuseRenewal)
	}
	by := day0.Add(10 * 24 * time.Hour)
	return payment.Event{ID: "authorization:" + r.PaymentID + "-re", Provider: "stripe", Kind: payment.Authorized, CheckoutID: r.CheckoutID,
		RegistrationID: r.RegistrationID, PaymentID: r.PaymentID + "-re", Amount: r.Amount, Currency: r.Currency,
		Authorization: &payment.AuthorizationTerms{CaptureBy: by, ExpiresAt: day0.Add(29 * 24 * time.Hour)}}, nil
}

func (p *holdingProvider) Capture(_ context.Context, r payment.CaptureRequest) (payment.Event, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.captures[r.IdempotencyKey]++
	if p.refuse != nil {
		return payment.Event{}, payment.Refused(p.refuse)
	}
	return payment.Event{ID: "capture:" + r.PaymentID, Provider: "stripe", Kind: payment.Paid, CheckoutID: r.CheckoutID,
		RegistrationID: r.RegistrationID, PaymentID: r.PaymentID, Amount: r.Amount, Currency: r.Currency}, nil
}

func (p *holdingProvider) Void(_ context.Context, r payment.VoidRequest) (payment.Event, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.voids[r.IdempotencyKey]++
	return payment.Event{ID: "void:" + r.PaymentID, Provider: "stripe", Kind: payment.Voided, PaymentID: r.PaymentID}, nil
}

func (p *holdingProvider) calls() (captures, voids int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.captures {
		captures += n
	}
	for _, n := range p.voids {
		voids += n
	}
	return captures, voids
}

// holdingWorld is a world whose "stripe" module declares Authorize and
// whose provider captures and voids.
func holdingWorld(t *testing.T) (*world, *holdingProvider) {
	t.Helper()
	w := newWorld(t)
	hp := &holdingProvider{fakeProvider: w.prov, captures: map[string]int{}, voids: map[string]int{}, renewals: map[string]int{}}
	w.rewire(hp, func(m *payment.Module) { m.Authorize = m.Name == "stripe" })
	return w, hp
}

// rewire connects p instead of the world's provider, with the test
// modules as tweak changes them.
func (w *world) rewire(p payment.Provider, tweak func(*payment.Module)) {
	w.t.Helper()
	providers := payment.NewRegistry()
	providers.Set(p)
	mods := payment.NewModules()
	for _, m := range testModules("stripe", "paypal").All() {
		tweak(&m)
		mods.Register(m)
	}
	text, err := loadText()
	if err != nil {
		w.t.Fatal(err)
	}
	w.svc, err = New(w.store, Options{Secret: testSecret, Subjects: I18nSubjects{Bundle: text.tr}, Renderer: text.renderer,
		PublicURL: "https://tickets.test", Hold: holdFor, Providers: providers, Modules: mods, Now: w.clock.Now,
		Log: slog.New(slog.NewTextHandler(testLog{w.t}, nil))})
	if err != nil {
		w.t.Fatal(err)
	}
}

// authorized is the provider's word that r's payment is held, for 7 days
// from now.
func (w *world) authorized(r *model.Registration, eventID string) payment.Event {
	end := w.clock.Now().Add(7 * 24 * time.Hour)
	return payment.Event{ID: eventID, Provider: "stripe", Kind: payment.Authorized, CheckoutID: r.CheckoutID, RegistrationID: r.ID,
		PaymentID: fmt.Sprintf("pi_%d", r.ID), Amount: r.Amount, Currency: r.Currency,
		Authorization: &payment.AuthorizationTerms{CaptureBy: end, ExpiresAt: end}}
}

func (w *world) hold(r *model.Registration) *model.Authorization {
	w.t.Helper()
	a, err := w.store.Authorization(w.ctx, r.ID)
	if err != nil {
		w.t.Fatalf("authorization of %d: %v", r.ID, err)
	}
	return a
}

func TestApprovalHoldsThePayment(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, w *world, hp *holdingProvider, e *model.Event, r *model.Registration)
	}{
		{"confirm captures once", func(t *testing.T, w *world, hp *holdingProvider, e *model.Event, r *model.Registration) {
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				wg.Add(1)
				go func() { defer wg.Done(); _, errs[i] = w.svc.Confirm(w.ctx, r.ID) }()
			}
			wg.Wait()
			if !slices.ContainsFunc(errs, func(err error) bool { return err == nil }) {
				t.Fatalf("confirm: %v", errs)
			}
			if len(hp.captures) != 1 {
				t.Fatalf("capture keys %v", hp.captures)
			}
			g := w.reg(r.ID)
			if g.Status != model.StatusConfirmed || g.AmountPaid != r.Amount || w.hold(r).Status != model.AuthCaptured {
				t.Fatalf("confirmed %+v %+v", g, w.hold(r))
			}
			if got := w.mails(r.ID); strings.Join(got, ",") != "pending,access" {
				t.Fatalf("mails %v", got)
			}
		}},
		{"reject voids, never refunds", func(t *testing.T, w *world, hp *holdingProvider, e *model.Event, r *model.Registration) {
			if _, err := w.svc.Reject(w.ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			if c, v := hp.calls(); c != 0 || v != 1 {
				t.Fatalf("captures %d voids %d", c, v)
			}
			refunds, err := w.store.Refunds(w.ctx, r.ID)
			if g := w.reg(r.ID); err != nil || len(refunds) != 0 || g.Status != model.StatusRejected || g.AmountPaid != 0 || w.hold(r).Status != model.AuthVoided {
				t.Fatalf("rejected %+v, refunds %v %v", g, refunds, err)
			}
		}},
		{"cancel voids", func(t *testing.T, w *world, hp *holdingProvider, e *model.Event, r *model.Registration) {
			if _, err := w.svc.CancelRegistration(w.ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			if c, v := hp.calls(); c != 0 || v != 1 || w.hold(r).Status != model.AuthVoided {
				t.Fatalf("captures %d voids %d, %+v", c, v, w.hold(r))
			}
		}},
		{"cancelling the event voids", func(t *testing.T, w *world, hp *holdingProvider, e *model.Event, r *model.Registration) {
			if _, err := w.svc.CancelEvent(w.ctx, e.ID, "Sorry", false); err != nil {
				t.Fatal(err)
			}
			if c, v := hp.calls(); c != 0 || v != 1 || w.hold(r).Status != model.AuthVoided || w.reg(r.ID).Status != model.StatusCancelled {
				t.Fatalf("captures %d voids %d, %+v", c, v, w.hold(r))
			}
		}},
		{"refused capture", func(t *testing.T, w *world, hp *holdingProvider, e *model.Event, r *model.Registration) {
			hp.refuse = errors.New("card declined")
			_, err := w.svc.Confirm(w.ctx, r.ID)
			var p *model.Problem
			if !errors.As(err, &p) || p.Code != "capture_failed" || !strings.Contains(p.Message, "card declined") {
				t.Fatalf("confirm: %v", err)
			}
			if a := w.hold(r); a.Status != model.AuthCaptureFailed || !strings.Contains(a.LastError, "card declined") || w.reg(r.ID).Status != model.StatusPendingApproval {
				t.Fatalf("after refusal %+v", a)
			}
			// Confirmed again: a link to pay, at a checkout that charges.
			hp.refuse = nil
			g, err := w.svc.Confirm(w.ctx, r.ID)
			if err != nil || g.Status != model.StatusPendingPayment || g.CheckoutURL == "" {
				t.Fatalf("confirm again: %+v %v", g, err)
			}
			checkouts, _ := hp.asked()
			if last := checkouts[len(checkouts)-1]; last.Authorize || last.IdempotencyKey != fmt.Sprintf("checkout-%d-approved", r.ID) {
				t.Fatalf("checkout to pay again %+v", last)
			}
			if got := w.pay(g); got.Status != model.StatusConfirmed {
				t.Fatalf("paid again %+v", got)
			}
		}},
		{"voided by the provider lapses", func(t *testing.T, w *world, hp *holdingProvider, e *model.Event, r *model.Registration) {
			out, err := w.svc.ApplyPayment(w.ctx, payment.Event{ID: "evt_canceled", Provider: "stripe", Kind: payment.Voided,
				RegistrationID: r.ID, PaymentID: fmt.Sprintf("pi_%d", r.ID)})
			if err != nil || out != Applied || w.hold(r).Status != model.AuthLapsed {
				t.Fatalf("voided: %v %v %+v", out, err, w.hold(r))
			}
			if got := w.mails(r.ID); strings.Join(got, ",") != "pending,authorization_lapsed" {
				t.Fatalf("mails %v", got)
			}
		}},
		{"the check flags, then lapses", func(t *testing.T, w *world, hp *holdingProvider, e *model.Event, r *model.Registration) {
			start := w.clock.Now()
			for _, step := range []struct {
				at              time.Duration
				flagged, lapsed int
			}{{5 * 24 * time.Hour, 0, 0}, {6*24*time.Hour + time.Minute, 1, 0}, {6*24*time.Hour + 2*time.Minute, 0, 0}, {7*24*time.Hour + time.Minute, 0, 1}, {8 * 24 * time.Hour, 0, 0}} {
				w.clock.Set(start.Add(step.at))
				f, l, err := w.svc.CheckAuthorizations(w.ctx)
				if err != nil || f != step.flagged || l != step.lapsed {
					t.Fatalf("at %v: flagged %d lapsed %d %v", step.at, f, l, err)
				}
			}
			if a := w.hold(r); a.Status != model.AuthLapsed || a.FlaggedAt == nil {
				t.Fatalf("hold %+v", a)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, hp := holdingWorld(t)
			e := w.event(eventSpec{price: 2500, approval: true})
			r := w.mustRegister(e, "ada@example.org", nil)
			checkouts, _ := hp.asked()
			if len(checkouts) != 1 || !checkouts[0].Authorize {
				t.Fatalf("checkout %+v", checkouts)
			}
			for i := 0; i < 2; i++ { // the return page, then the webhook
				out, err := w.svc.ApplyPayment(w.ctx, w.authorized(r, fmt.Sprintf("evt_auth_%d", i)))
				if want := []Outcome{Applied, Duplicate}[i]; err != nil || out != want {
					t.Fatalf("authorized %d: %v %v", i, out, err)
				}
			}
			if g := w.reg(r.ID); g.Status != model.StatusPendingApproval || g.AmountPaid != 0 || g.Authorization == nil || g.Authorization.Status != model.AuthAuthorized {
				t.Fatalf("held %+v", g)
			}
			c.run(t, w, hp, e, w.reg(r.ID))
		})
	}
}

// An authorization that arrives after the seat's hold ran out, when no seat
// is left, is released: nothing is taken, and the buyer is told.
func TestLateAuthorizationWithoutSeatIsVoided(t *testing.T) {
	w, hp := holdingWorld(t)
	e := w.event(eventSpec{price: 2500, approval: true, capacity: 1})
	late := w.mustRegister(e, "late@example.org", nil)
	w.clock.Add(holdFor + time.Minute)
	if _, err := w.svc.ExpireHolds(w.ctx); err != nil {
		t.Fatal(err)
	}
	other := w.mustRegister(e, "other@example.org", nil)
	if _, err := w.svc.ApplyPayment(w.ctx, w.authorized(other, "evt_other")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.ApplyPayment(w.ctx, w.authorized(late, "evt_late")); err != nil {
		t.Fatal(err)
	}
	if g := w.reg(late.ID); g.Status != model.StatusExpired || w.hold(late).Status != model.AuthVoided {
		t.Fatalf("late %+v %+v", g, w.hold(late))
	}
	if c, v := hp.calls(); c != 0 || v != 1 {
		t.Fatalf("captures %d voids %d", c, v)
	}
	if got := w.mails(late.ID); !slices.Contains(got, model.MailLateAuthorization) {
		t.Fatalf("mails %v", got)
	}
}

// Removing a session of a series registered per session cancels its
// registrants; the money held for one awaiting approval is released, as
// when the whole event is cancelled, and nothing is refunded (nothing was
// taken).
func TestRemovedSessionReleasesTheHold(t *testing.T) {
	w, hp := holdingWorld(t)
	first, second := sessionStart, sessionStart.AddDate(0, 0, 7)
	e := w.event(eventSpec{price: 2500, approval: true, sessions: []time.Time{first, second}})
	var keep, drop model.Session
	for _, ss := range e.Sessions {
		if ss.StartsAt.Equal(first) {
			keep = ss
		} else {
			drop = ss
		}
	}
	r := w.mustRegister(e, "ada@example.org", ptr(drop.ID))
	if _, err := w.svc.ApplyPayment(w.ctx, w.authorized(r, "evt_auth")); err != nil {
		t.Fatal(err)
	}
	if a := w.hold(r); a.Status != model.AuthAuthorized {
		t.Fatalf("held %+v", a)
	}
	in := EventInput{Sessions: &[]SessionInput{{ID: ptr(keep.ID), StartsAt: ptr(keep.StartsAt.Format(time.RFC3339)), DurationMinutes: ptr(int64(60))}}}
	if _, err := w.svc.UpdateEvent(w.ctx, e.ID, in); err != nil {
		t.Fatal(err)
	}
	refunds, err := w.store.Refunds(w.ctx, r.ID)
	if c, v := hp.calls(); c != 0 || v != 1 || w.hold(r).Status != model.AuthVoided || w.reg(r.ID).Status != model.StatusCancelled || err != nil || len(refunds) != 0 {
		t.Fatalf("captures %d voids %d, %+v, %s, refunds %v %v", c, v, w.hold(r), w.reg(r.ID).Status, refunds, err)
	}
}
