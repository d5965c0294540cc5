package ticketing

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// join puts email on e's waiting list.
func (w *world) join(e *model.Event, email string, session *int64) (*model.WaitlistEntry, error) {
	return w.svc.JoinWaitlist(w.ctx, e.Slug, WaitInput{Name: "Wait " + email, Email: email, SessionID: session})
}

// line is e's waiting list by email.
func (w *world) line(e *model.Event) map[string]*model.WaitlistEntry {
	w.t.Helper()
	all, err := w.svc.Waitlist(w.ctx, e.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]*model.WaitlistEntry{}
	for _, x := range all {
		out[x.Email] = x
	}
	return out
}

// offer runs the waiting-list job once and wants n offers made.
func (w *world) offer(n int) {
	w.t.Helper()
	got, err := w.svc.OfferSeats(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	if got != n {
		w.t.Fatalf("offers made: %d, want %d", got, n)
	}
}

// offerMails counts the waiting-list offers queued to email.
func (w *world) offerMails(email string) int {
	w.t.Helper()
	all, err := w.store.Outbox(w.ctx, "", 10000)
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, m := range all {
		if m.Kind == model.MailWaitlist && m.To == email {
			n++
			if _, err := w.svc.Compose(w.ctx, m); err != nil {
				w.t.Fatalf("compose offer to %s: %v", email, err)
			}
		}
	}
	return n
}

func (w *world) waitToken(x *model.WaitlistEntry) string { return w.svc.waitTokenFor(x.TokenNonce) }

func TestWaitlistJoin(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{capacity: 1})
	_, err := w.join(e, "early@example.org", nil)
	wantErr(t, "join with a free seat", err, model.ErrSeatsAvailable, "")
	_, err = w.join(w.event(eventSpec{}), "early@example.org", nil)
	wantErr(t, "join an unlimited event", err, model.ErrSeatsAvailable, "")
	w.mustRegister(e, "a@example.org", nil)
	for i, email := range []string{"b@example.org", "c@example.org"} {
		x, err := w.join(e, email, nil)
		if err != nil {
			t.Fatal(err)
		}
		if x.Position != int64(i+1) {
			t.Errorf("%s: position %d, want %d", email, x.Position, i+1)
		}
	}
	_, err = w.join(e, "B@example.org", nil)
	wantErr(t, "join twice", err, model.ErrAlreadyWaiting, "")
	_, err = w.join(e, "a@example.org", nil)
	wantErr(t, "join while registered", err, model.ErrAlreadyRegistered, "")
	_, err = w.svc.JoinWaitlist(w.ctx, e.Slug, WaitInput{Email: "x@example.org"})
	wantErr(t, "join without a name", err, model.ErrValidation, "name")
	_, err = w.svc.JoinWaitlist(w.ctx, e.Slug, WaitInput{Name: "X", Email: "nope"})
	wantErr(t, "join with a bad email", err, model.ErrValidation, "email")
	_, err = w.svc.JoinWaitlist(w.ctx, "no-such-event", WaitInput{Name: "X", Email: "x@example.org"})
	wantErr(t, "join an unknown event", err, model.ErrNotFound, "")

	// Per session: a full session takes a line, a free one does not.
	s1, s2 := sessionStart, sessionStart.Add(24*time.Hour)
	series := w.event(eventSpec{capacity: 1, sessions: []time.Time{s1, s2}})
	first, second := series.Sessions[0].ID, series.Sessions[1].ID
	w.mustRegister(series, "a@example.org", &first)
	if _, err := w.join(series, "b@example.org", &first); err != nil {
		t.Fatal(err)
	}
	_, err = w.join(series, "b@example.org", &second)
	wantErr(t, "join a session with a free seat", err, model.ErrSeatsAvailable, "")
	_, err = w.join(series, "b@example.org", nil)
	wantErr(t, "join a series without a session", err, model.ErrValidation, "session_id")
}

// A cancelled seat goes to the first in line; an offer left unused passes
// to the next; the offer holds the seat against everyone else.
func TestWaitlistOfferExpiryClaimFree(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{capacity: 1})
	a := w.mustRegister(e, "a@example.org", nil)
	for _, email := range []string{"b@example.org", "c@example.org"} {
		if _, err := w.join(e, email, nil); err != nil {
			t.Fatal(err)
		}
	}
	w.offer(0)
	if _, err := w.svc.CancelRegistration(w.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	// The freed seat belongs to the line, not to a newcomer.
	_, err := w.register(e, "late@example.org", nil)
	wantErr(t, "register ahead of the line", err, model.ErrSoldOut, "")
	w.offer(1)
	w.offer(0)
	line := w.line(e)
	if b := line["b@example.org"]; b.Status != model.WaitOffered || !b.OfferExpiresAt.Equal(day0.Add(24*time.Hour)) {
		t.Fatalf("b: %s until %v, want offered for 24h", b.Status, b.OfferExpiresAt)
	}
	if line["c@example.org"].Position != 1 {
		t.Errorf("c's position: %d, want 1", line["c@example.org"].Position)
	}
	if n := w.offerMails("b@example.org"); n != 1 {
		t.Errorf("offers mailed to b: %d, want 1", n)
	}
	if n := w.seatsLeft(e); n != 0 {
		t.Errorf("seats left with an offer out: %d, want 0", n)
	}
	_, err = w.register(e, "late@example.org", nil)
	wantErr(t, "register over an offer", err, model.ErrSoldOut, "")

	// b lets it run out: it passes to c.
	w.clock.Add(24*time.Hour + time.Minute)
	w.offer(1)
	line = w.line(e)
	if line["b@example.org"].Status != model.WaitExpired || line["c@example.org"].Status != model.WaitOffered {
		t.Fatalf("after expiry: b %s, c %s; want expired, offered", line["b@example.org"].Status, line["c@example.org"].Status)
	}
	_, err = w.svc.ClaimOffer(w.ctx, w.waitToken(line["b@example.org"]), "")
	wantErr(t, "claim an expired offer", err, model.ErrGone, "")

	res, err := w.svc.ClaimOffer(w.ctx, w.waitToken(line["c@example.org"]), "")
	if err != nil {
		t.Fatal(err)
	}
	r := res.Registration
	if r.Status != model.StatusConfirmed || r.Email != "c@example.org" {
		t.Fatalf("claimed: %s for %s, want confirmed for c", r.Status, r.Email)
	}
	if got := w.mails(r.ID); len(got) != 1 || got[0] != model.MailAccess {
		t.Errorf("mails after the claim: %v, want the access email", got)
	}
	if c := w.line(e)["c@example.org"]; c.Status != model.WaitClaimed || c.RegistrationID == nil || *c.RegistrationID != r.ID {
		t.Errorf("c after claiming: %+v", c)
	}
	if n := w.seatsLeft(e); n != 0 {
		t.Errorf("seats left: %d, want 0", n)
	}
	_, err = w.svc.ClaimOffer(w.ctx, w.waitToken(w.line(e)["c@example.org"]), "")
	wantErr(t, "claim twice", err, model.ErrGone, "")
	w.offer(0)
}

// A paid event: the claim is a registration awaiting payment with the seat
// held, on to checkout; the payment confirms it.
func TestWaitlistClaimPaid(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{capacity: 1, price: 1500})
	a := w.pay(w.mustRegister(e, "a@example.org", nil))
	if _, err := w.join(e, "b@example.org", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Reject(w.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	w.offer(1)
	res, err := w.svc.ClaimOffer(w.ctx, w.waitToken(w.line(e)["b@example.org"]), "")
	if err != nil {
		t.Fatal(err)
	}
	r := res.Registration
	if r.Status != model.StatusPendingPayment || res.CheckoutURL == "" || r.Amount != 1500 {
		t.Fatalf("claimed: %s, amount %d, checkout %q; want pending_payment with a checkout", r.Status, r.Amount, res.CheckoutURL)
	}
	if n := w.seatsLeft(e); n != 0 {
		t.Errorf("seats left while b pays: %d, want 0", n)
	}
	if got := w.pay(w.reg(r.ID)); got.Status != model.StatusConfirmed {
		t.Errorf("after payment: %s, want confirmed", got.Status)
	}
}

// Raising the capacity offers the new seats; leaving hands an offer on.
func TestWaitlistCapacityRaisedAndLeave(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{capacity: 1})
	w.mustRegister(e, "a@example.org", nil)
	for _, email := range []string{"b@example.org", "c@example.org", "d@example.org"} {
		if _, err := w.join(e, email, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.svc.UpdateEvent(w.ctx, e.ID, EventInput{Capacity: Opt[int64]{Set: true, Value: 2}}); err != nil {
		t.Fatal(err)
	}
	w.offer(1)
	if _, err := w.svc.LeaveWaitlist(w.ctx, w.waitToken(w.line(e)["b@example.org"])); err != nil {
		t.Fatal(err)
	}
	w.offer(1)
	line := w.line(e)
	if line["b@example.org"].Status != model.WaitLeft || line["c@example.org"].Status != model.WaitOffered || line["d@example.org"].Position != 1 {
		t.Fatalf("after b left: b %s, c %s, d at %d", line["b@example.org"].Status, line["c@example.org"].Status, line["d@example.org"].Position)
	}
	_, err := w.svc.LeaveWaitlist(w.ctx, w.waitToken(line["b@example.org"]))
	wantErr(t, "leave twice", err, model.ErrGone, "")
	// A hold that runs out frees its seat for the line too.
	paidEvent := w.event(eventSpec{capacity: 1, price: 1500})
	w.mustRegister(paidEvent, "hold@example.org", nil)
	if _, err := w.join(paidEvent, "next@example.org", nil); err != nil {
		t.Fatal(err)
	}
	w.offer(0)
	w.clock.Add(holdFor + time.Minute)
	if _, err := w.svc.ExpireHolds(w.ctx); err != nil {
		t.Fatal(err)
	}
	w.offer(1)
}

// Cancellations, offers, claims, leaves and newcomers at once never put
// more people in seats than the capacity.
func TestWaitlistNeverOversold(t *testing.T) {
	w := newWorld(t)
	const capacity = 3
	e := w.event(eventSpec{capacity: capacity})
	var seated []*model.Registration
	for i := range capacity {
		seated = append(seated, w.mustRegister(e, fmt.Sprintf("seat%d@example.org", i), nil))
	}
	for i := range 12 {
		if _, err := w.join(e, fmt.Sprintf("wait%d@example.org", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		t.Helper()
		regs, err := w.svc.Registrations(w.ctx, e.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		taken := 0
		for _, r := range regs {
			if r.Active(w.clock.Now()) && r.Role == model.RoleAttendee {
				taken++
			}
		}
		for _, x := range w.line(e) {
			if x.Status == model.WaitOffered && x.OfferExpiresAt.After(w.clock.Now()) {
				taken++
			}
		}
		if taken > capacity {
			t.Fatalf("%s: %d seats taken or offered, capacity %d", when, taken, capacity)
		}
	}
	claims := 0
	for round := range 4 {
		var wg sync.WaitGroup
		for _, r := range seated {
			wg.Add(1)
			go func() { defer wg.Done(); w.svc.CancelRegistration(w.ctx, r.ID) }()
		}
		seated = nil
		var mu sync.Mutex
		for range 3 {
			wg.Add(1)
			go func() { defer wg.Done(); w.svc.OfferSeats(w.ctx) }()
		}
		for _, x := range w.line(e) {
			tok := w.waitToken(x)
			for range 2 { // each claimed twice at once
				wg.Add(1)
				go func() {
					defer wg.Done()
					if res, err := w.svc.ClaimOffer(w.ctx, tok, ""); err == nil {
						mu.Lock()
						claims++
						seated = append(seated, res.Registration)
						mu.Unlock()
					}
				}()
			}
		}
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if res, err := w.register(e, fmt.Sprintf("walkin%d-%d@example.org", round, i), nil); err == nil {
					mu.Lock()
					seated = append(seated, res.Registration)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		check(fmt.Sprintf("round %d", round))
		if round == 1 {
			w.clock.Add(25 * time.Hour) // offers run out and pass on
		}
	}
	if claims == 0 {
		t.Fatal("no offer was claimed: the test proved nothing")
	}
}

// Someone offered a seat who meanwhile holds a registration: the claim
// answers already_registered, and the offer ends so that its seat passes
// on.
func TestWaitlistClaimWhenRegistered(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{capacity: 1})
	a := w.mustRegister(e, "a@example.org", nil)
	for _, email := range []string{"b@example.org", "c@example.org"} {
		if _, err := w.join(e, email, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.svc.CancelRegistration(w.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	w.offer(1)
	// The organizer adds b as a panelist (no seat) meanwhile.
	if _, err := w.svc.AddRegistration(w.ctx, e.ID, RegisterInput{Name: "B", Email: "b@example.org"}, model.RolePanelist); err != nil {
		t.Fatal(err)
	}
	_, err := w.svc.ClaimOffer(w.ctx, w.waitToken(w.line(e)["b@example.org"]), "")
	wantErr(t, "claim while registered", err, model.ErrAlreadyRegistered, "")
	if got := w.line(e)["b@example.org"].Status; got != model.WaitLeft {
		t.Fatalf("b's offer after the refused claim: %s, want left", got)
	}
	w.offer(1)
	if got := w.line(e)["c@example.org"].Status; got != model.WaitOffered {
		t.Fatalf("c: %s, want offered", got)
	}
}
