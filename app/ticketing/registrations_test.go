package ticketing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

func TestFreeRegistration(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   eventSpec
		status string
		mail   string
		left   int64 // seats left after one registration; -1 unlimited
	}{
		{"confirmed at once, one seat taken", eventSpec{capacity: 2}, model.StatusConfirmed, model.MailAccess, 1},
		{"unlimited capacity", eventSpec{}, model.StatusConfirmed, model.MailAccess, -1},
		{"awaiting approval holds a seat", eventSpec{capacity: 2, approval: true}, model.StatusPendingApproval, model.MailPending, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			e := w.event(tc.spec)
			res, err := w.register(e, "ada@example.org", nil)
			wantErr(t, "register", err, nil, "")
			if res.CheckoutURL != "" {
				t.Errorf("a free registration has a checkout: %q", res.CheckoutURL)
			}
			r := w.reg(res.Registration.ID)
			if r.Status != tc.status || r.Amount != 0 || r.Provider != "" || r.HoldExpiresAt != nil {
				t.Errorf("stored: status %s, amount %d, provider %q, hold %v; want %s, free, no provider, no hold",
					r.Status, r.Amount, r.Provider, r.HoldExpiresAt, tc.status)
			}
			if got := w.mails(r.ID); !slices.Equal(got, []string{tc.mail}) {
				t.Errorf("mails %v, want [%s]", got, tc.mail)
			}
			if got := w.seatsLeft(e); got != tc.left {
				t.Errorf("seats left %d, want %d", got, tc.left)
			}
			if co, _ := w.prov.asked(); len(co) != 0 {
				t.Errorf("the provider was asked for %d checkouts", len(co))
			}
		})
	}
}

// Many registrations at once never take more seats than there are.
func TestCapacityNeverExceeded(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spec  eventSpec
		tries int
	}{
		{"one seat", eventSpec{capacity: 1}, 6},
		{"five seats", eventSpec{capacity: 5}, 12},
		{"payment holds count", eventSpec{capacity: 3, price: 2500}, 8},
		{"registrations awaiting approval count", eventSpec{capacity: 2, approval: true}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			e := w.event(tc.spec)
			errs := make([]error, tc.tries)
			var wg sync.WaitGroup
			for i := range tc.tries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = w.register(e, fmt.Sprintf("p%d@example.org", i), nil)
				}()
			}
			wg.Wait()
			var ok, soldOut int64
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, model.ErrSoldOut):
					soldOut++
				default:
					t.Errorf("registration %d: %v", i, err)
				}
			}
			if ok != tc.spec.capacity || soldOut != int64(tc.tries)-tc.spec.capacity {
				t.Errorf("%d registered and %d sold out of %d tries; want %d registered", ok, soldOut, tc.tries, tc.spec.capacity)
			}
			if got := w.seatsLeft(e); got != 0 {
				t.Errorf("seats left %d, want 0", got)
			}
			_, err := w.register(e, "late@example.org", nil)
			wantErr(t, "register when full", err, model.ErrSoldOut, "")
		})
	}
}

func TestPaidRegistrationHoldsASeatAndOpensACheckout(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{capacity: 2, price: 2500})
	res, err := w.register(e, "ada@example.org", nil)
	wantErr(t, "register", err, nil, "")
	r := w.reg(res.Registration.ID)
	key := fmt.Sprintf("checkout-%d", r.ID)
	hold := day0.Add(holdFor)
	if r.Status != model.StatusPendingPayment || r.Amount != 2500 || r.Currency != "EUR" || r.Provider != "stripe" ||
		r.HoldExpiresAt == nil || !r.HoldExpiresAt.Equal(hold) {
		t.Errorf("stored: status %s, %d %s by %q, hold until %v; want pending_payment, 2500 EUR by stripe, hold until %v",
			r.Status, r.Amount, r.Currency, r.Provider, r.HoldExpiresAt, hold)
	}
	if want := "https://pay.test/cs_" + key; res.CheckoutURL != want || r.CheckoutURL != want || r.CheckoutID != "cs_"+key {
		t.Errorf("checkout %q (stored %q, id %q), want %q", res.CheckoutURL, r.CheckoutURL, r.CheckoutID, want)
	}
	co, _ := w.prov.asked()
	if len(co) != 1 {
		t.Fatalf("%d checkouts asked, want 1", len(co))
	}
	c := co[0]
	if c.RegistrationID != r.ID || c.Amount != 2500 || c.Currency != "EUR" || c.Email != "ada@example.org" || c.Title != e.Title ||
		c.IdempotencyKey != key || !c.ExpiresAt.Equal(hold.Add(2*time.Minute)) ||
		!strings.HasPrefix(c.SuccessURL, "https://tickets.test/pay/stripe/return") || !strings.HasPrefix(c.CancelURL, "https://tickets.test/pay/stripe/cancel") {
		t.Errorf("checkout asked: %+v", c)
	}
	if got := w.mails(r.ID); len(got) != 0 {
		t.Errorf("mails %v before payment, want none (access leaves with the payment)", got)
	}
	if got := w.seatsLeft(e); got != 1 {
		t.Errorf("seats left %d, want 1 (the hold takes one)", got)
	}

	// Back from an abandoned tab, or someone else with the address: the
	// answer names nothing, the checkout link goes to the address (once in
	// 10 minutes), no second seat or checkout.
	for i, detail := range []string{"sent", "recent"} {
		again, err := w.register(e, "ada@example.org", nil)
		wantErr(t, "register again", err, model.ErrAlreadyRegistered, "")
		var p *model.Problem
		if again != nil || !errors.As(err, &p) || p.Detail != detail || strings.Contains(p.Message, res.CheckoutURL) {
			t.Errorf("registering again (%d): %+v, %v; want no result and the detail %q", i+1, again, err, detail)
		}
	}
	if got := w.mails(r.ID); !slices.Equal(got, []string{model.MailCheckoutResend}) {
		t.Errorf("mails %v, want one checkout_resend", got)
	}
	if co, _ := w.prov.asked(); len(co) != 1 {
		t.Errorf("%d checkouts asked, want still 1", len(co))
	}
	if got := w.seatsLeft(e); got != 1 {
		t.Errorf("seats left %d after registering again, want 1", got)
	}
}

// A paid registration the provider cannot take keeps no seat.
func TestPaidRegistrationWithoutProvider(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec eventSpec
		fail error // what the provider answers
		want error
	}{
		{"currency the provider does not take", eventSpec{capacity: 1, price: 2500, currency: "GBP"}, nil, model.ErrProviderMissing},
		{"only a provider that is not connected", eventSpec{capacity: 1, price: 2500, providers: []string{"paypal"}}, nil, model.ErrProviderMissing},
		{"provider unreachable", eventSpec{capacity: 1, price: 2500}, errors.New("connection refused"), model.ErrProviderFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			e := w.event(tc.spec)
			w.prov.failCheckout = tc.fail
			_, err := w.register(e, "ada@example.org", nil)
			wantErr(t, "register", err, tc.want, "")
			if got := w.seatsLeft(e); got != 1 {
				t.Errorf("seats left %d, want 1: the seat must be released", got)
			}
			if tc.fail == nil {
				return
			}
			w.prov.failCheckout = nil
			res, err := w.register(e, "ada@example.org", nil)
			wantErr(t, "register once the provider is back", err, nil, "")
			if res.CheckoutURL == "" {
				t.Error("no checkout once the provider is back")
			}
		})
	}
}

func TestHoldExpiryFreesTheSeat(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{capacity: 1, price: 2500})
	a := w.mustRegister(e, "a@example.org", nil)
	_, err := w.register(e, "b@example.org", nil)
	wantErr(t, "register while the seat is held", err, model.ErrSoldOut, "")

	w.clock.Add(holdFor - time.Second)
	_, err = w.register(e, "b@example.org", nil)
	wantErr(t, "register a second before the hold ends", err, model.ErrSoldOut, "")
	if n, err := w.svc.ExpireHolds(w.ctx); err != nil || n != 0 {
		t.Fatalf("ExpireHolds before the hold ends: %d, %v; want 0", n, err)
	}

	w.clock.Add(time.Second)
	if got := w.seatsLeft(e); got != 1 {
		t.Errorf("seats left %d when the hold ends, want 1", got)
	}
	if n, err := w.svc.ExpireHolds(w.ctx); err != nil || n != 1 {
		t.Fatalf("ExpireHolds: %d, %v; want 1", n, err)
	}
	if got := w.reg(a.ID); got.Status != model.StatusExpired {
		t.Errorf("status %s after the hold, want expired", got.Status)
	}
	b := w.mustRegister(e, "b@example.org", nil)
	if b.Status != model.StatusPendingPayment {
		t.Errorf("the freed seat: %s, want pending_payment", b.Status)
	}
}

// In a series registered per session, each session has the event's
// capacity, and a registration is for one session.
func TestSeriesPerSessionCapacity(t *testing.T) {
	w := newWorld(t)
	first, second, past := sessionStart, sessionStart.AddDate(0, 0, 7), day0.Add(-24*time.Hour)
	e := w.event(eventSpec{capacity: 2, sessions: []time.Time{first, second, past}})
	session := map[time.Time]*int64{}
	for _, ss := range e.Sessions {
		session[ss.StartsAt] = ptr(ss.ID)
	}
	if len(session) != 3 {
		t.Fatalf("sessions %+v", e.Sessions)
	}
	for _, step := range []struct {
		email   string
		session *int64
		err     error
		field   string
	}{
		{"a@example.org", session[first], nil, ""},
		{"b@example.org", session[first], nil, ""},
		{"c@example.org", session[first], model.ErrSoldOut, ""},
		{"c@example.org", session[second], nil, ""},
		{"a@example.org", session[second], nil, ""},
		{"a@example.org", session[second], model.ErrAlreadyRegistered, ""},
		{"d@example.org", session[second], model.ErrSoldOut, ""},
		{"d@example.org", nil, model.ErrValidation, "session_id"},
		{"d@example.org", ptr[int64](999999), model.ErrValidation, "session_id"},
		{"d@example.org", session[past], model.ErrClosed, ""},
	} {
		what := fmt.Sprintf("%s for session %v", step.email, step.session)
		if step.session != nil {
			what = fmt.Sprintf("%s for session %d", step.email, *step.session)
		}
		res, err := w.register(e, step.email, step.session)
		wantErr(t, what, err, step.err, step.field)
		if err == nil && (res.Registration.SessionID == nil || *res.Registration.SessionID != *step.session) {
			t.Errorf("%s: registered for session %v", what, res.Registration.SessionID)
		}
	}
	seats, err := w.svc.SeatsLeft(w.ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]int64{*session[first]: 0, *session[second]: 0, *session[past]: 2}
	if seats.Left == nil || *seats.Left != 0 || len(seats.Sessions) != 3 {
		t.Fatalf("seats %+v, want 0 left (per session %v)", seats, want)
	}
	for id, n := range want {
		if seats.Sessions[id] != n {
			t.Errorf("session %d: %d seats left, want %d", id, seats.Sessions[id], n)
		}
	}
}

func TestApprovalRequired(t *testing.T) {
	for _, tc := range []struct {
		name  string
		price int64
	}{{"free", 0}, {"paid", 2500}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			e := w.event(eventSpec{capacity: 2, price: tc.price, approval: true})
			apply := func(email string) *model.Registration {
				t.Helper()
				r := w.mustRegister(e, email, nil)
				if tc.price > 0 {
					if r.Status != model.StatusPendingPayment {
						t.Fatalf("%s: %s before paying, want pending_payment", email, r.Status)
					}
					r = w.pay(r)
				}
				if r.Status != model.StatusPendingApproval || r.AmountPaid != tc.price {
					t.Fatalf("%s: status %s, paid %d; want pending_approval, %d", email, r.Status, r.AmountPaid, tc.price)
				}
				if m := w.mails(r.ID); !slices.Equal(m, []string{model.MailPending}) {
					t.Errorf("%s: mails %v, want [pending]", email, m)
				}
				return r
			}
			a, b := apply("a@example.org"), apply("b@example.org")
			_, err := w.register(e, "c@example.org", nil)
			wantErr(t, "register while both seats await approval", err, model.ErrSoldOut, "")

			got, err := w.svc.Confirm(w.ctx, a.ID)
			wantErr(t, "confirm", err, nil, "")
			if got.Status != model.StatusConfirmed {
				t.Errorf("confirmed: status %s", got.Status)
			}
			if m := w.mails(a.ID); !slices.Equal(m, []string{model.MailPending, model.MailAccess}) {
				t.Errorf("confirmed: mails %v, want [pending access]", m)
			}
			_, err = w.svc.Confirm(w.ctx, a.ID)
			wantErr(t, "confirm twice", err, model.ErrConflict, "")

			got, err = w.svc.Reject(w.ctx, b.ID)
			wantErr(t, "reject", err, nil, "")
			if got.Status != model.StatusRejected || got.AmountRefunded != tc.price {
				t.Errorf("rejected: status %s, refunded %d; want rejected, %d", got.Status, got.AmountRefunded, tc.price)
			}
			w.wantRefunds(t, "rejected", b, upTo(tc.price)...)
			if m := w.mails(b.ID); !slices.Contains(m, model.MailRejected) || slices.Contains(m, model.MailAccess) {
				t.Errorf("rejected: mails %v, want a rejection and no access", m)
			}
			_, err = w.svc.Confirm(w.ctx, b.ID)
			wantErr(t, "confirm a rejected registration", err, model.ErrConflict, "")

			if left := w.seatsLeft(e); left != 1 {
				t.Errorf("seats left %d after the rejection, want 1", left)
			}
			w.mustRegister(e, "c@example.org", nil)
		})
	}
}

// A request that claimed its Idempotency-Key and stopped (the server went
// down) before its checkout opened: the same request again takes its
// registration and opens the checkout; anyone else with the address is
// told the payment page is being prepared, and nothing is sent.
func TestRegisterResumesAStoppedRequest(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{capacity: 2, price: 2500})
	scope := "register:" + e.Slug
	hold := day0.Add(holdFor)
	stopped := &model.Registration{EventID: e.ID, Name: "Ada", Email: "ada@example.org", Status: model.StatusPendingPayment,
		Role: model.RoleAttendee, Locale: "en", Amount: 2500, Currency: "EUR", Provider: "stripe", HoldExpiresAt: &hold}
	err := w.store.Write(w.ctx, func(tx *store.Tx) error {
		if err := tx.SaveIdempotency(scope, "k", store.IdempotencyRecord{RequestHash: []byte("ada")}); err != nil {
			return err
		}
		return w.svc.insertRegistration(tx, stopped, "ada@example.org")
	})
	if err != nil {
		t.Fatal(err)
	}
	in := RegisterInput{Name: "Ada", Email: "ada@example.org"}
	_, err = w.svc.Register(w.ctx, e.Slug, in, nil)
	var p *model.Problem
	if !errors.As(err, &p) || p.Detail != "preparing" {
		t.Fatalf("another request while the checkout is not open: %v", err)
	}
	record := func(res *RegisterResult, err error) []byte {
		if err != nil {
			return []byte("refused " + err.Error())
		}
		return []byte(res.CheckoutURL)
	}
	res, err := w.svc.Register(w.ctx, e.Slug, in, &Idempotency{Key: "k", RequestHash: []byte("ada"), Record: record})
	if err != nil || res.Registration.ID != stopped.ID || res.CheckoutURL == "" {
		t.Fatalf("the stopped request again: %+v, %v; want registration %d with a checkout", res, err, stopped.ID)
	}
	if co, _ := w.prov.asked(); len(co) != 1 {
		t.Fatalf("%d checkouts asked", len(co))
	}
	if got := w.mails(stopped.ID); len(got) != 0 {
		t.Fatalf("mails %v", got)
	}
}

// Registering again with a promo code neither applies nor checks the code,
// and the answer says so: the registration keeps the price it was made at.
func TestRegisterAgainWithPromoCode(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{capacity: 5, price: 2500})
	first := w.mustRegister(e, "ada@example.org", nil)
	for _, code := range []string{"", "NOSUCHCODE"} {
		_, err := w.svc.Register(w.ctx, e.Slug, RegisterInput{Name: "Ada", Email: "ADA@example.org", PromoCode: code}, nil)
		var p *model.Problem
		if !errors.As(err, &p) || !errors.Is(err, model.ErrAlreadyRegistered) {
			t.Fatalf("promo %q: %v, want already_registered", code, err)
		}
		if said := strings.Contains(p.Message, "promo code was not applied"); said != (code != "") {
			t.Errorf("promo %q: message %q (says the code was not applied: %v)", code, p.Message, said)
		}
	}
	if r := w.reg(first.ID); r.Amount != 2500 || r.PromoCode != "" {
		t.Errorf("the first registration changed: amount %d, promo %q", r.Amount, r.PromoCode)
	}
}
