package ticketing

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
)

// TestRenewHoldBeforeCapture: a hold confirmed after its capture deadline
// (PayPal's honor period) is renewed once, then the renewed hold is
// captured, at a provider whose module declares Reauthorize; within the
// deadline, or at a provider that does not declare it, the hold is captured
// as it is. A refused renewal still tries the capture. The provider's
// webhook about the renewal, before or after Admit recorded it, changes
// nothing more.
func TestRenewHoldBeforeCapture(t *testing.T) {
	cases := []struct {
		name       string
		reauth     bool
		after      time.Duration // from the authorization to the confirmation
		refuse     error
		webhook    bool // the provider's word of the renewal comes first
		renewals   int
		captureKey string // the hold captured: "" the first, "re" the renewed one
	}{
		{name: "after the deadline: renewed, then captured", reauth: true, after: 4 * 24 * time.Hour, renewals: 1, captureKey: "re"},
		{name: "the renewal's webhook comes first: not renewed twice", reauth: true, after: 4 * 24 * time.Hour, webhook: true, captureKey: "re"},
		{name: "within the deadline: captured as it is", reauth: true, after: 2 * 24 * time.Hour},
		{name: "no capability: captured as it is", after: 4 * 24 * time.Hour},
		{name: "renewal refused: captured as it is", reauth: true, after: 4 * 24 * time.Hour, refuse: errors.New("REAUTHORIZATION_TOO_SOON"), renewals: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			hp := &holdingProvider{fakeProvider: w.prov, captures: map[string]int{}, voids: map[string]int{}, renewals: map[string]int{}, refuseRenewal: c.refuse}
			w.rewire(hp, func(m *payment.Module) {
				m.Authorize, m.Reauthorize = m.Name == "stripe", c.reauth && m.Name == "stripe"
			})
			e := w.event(eventSpec{price: 2500, approval: true})
			r := w.mustRegister(e, "ada@example.org", nil)
			ev := w.authorized(r, "evt_auth")
			by := w.clock.Now().Add(3 * 24 * time.Hour)
			ev.Authorization.CaptureBy = by
			if _, err := w.svc.ApplyPayment(w.ctx, ev); err != nil {
				t.Fatal(err)
			}
			w.clock.Add(c.after)
			if c.webhook {
				renewed, err := hp.Reauthorize(w.ctx, payment.ReauthorizeRequest{CheckoutID: r.CheckoutID, PaymentID: ev.PaymentID, RegistrationID: r.ID, Amount: r.Amount, Currency: r.Currency})
				if err != nil {
					t.Fatal(err)
				}
				hp.renewals = map[string]int{}
				renewed.ID = "evt_renewed"
				if out, err := w.svc.ApplyPayment(w.ctx, renewed); err != nil || out != Duplicate {
					t.Fatalf("the renewal's webhook: %v %v", out, err)
				}
				if a := w.hold(r); a.AuthorizationID != ev.PaymentID+"-re" || a.Status != model.AuthAuthorized || w.reg(r.ID).Status != model.StatusPendingApproval {
					t.Fatalf("after the renewal's webhook %+v", a)
				}
			}
			g, err := w.svc.Confirm(w.ctx, r.ID)
			if err != nil || g.Status != model.StatusConfirmed || g.AmountPaid != r.Amount {
				t.Fatalf("confirm: %+v %v", g, err)
			}
			n := 0
			for _, k := range hp.renewals {
				n += k
			}
			if n != c.renewals {
				t.Fatalf("%d renewals %v, want %d", n, hp.renewals, c.renewals)
			}
			want := ev.PaymentID
			if c.captureKey == "re" {
				want += "-re"
			}
			if len(hp.captures) != 1 || hp.captures[fmt.Sprintf("capture-%d-%s", r.ID, want)] != 1 {
				t.Fatalf("captures %v, want one of %s", hp.captures, want)
			}
			a := w.hold(r)
			if a.Status != model.AuthCaptured || a.AuthorizationID != want || (c.captureKey == "re") != (a.ReauthorizedAt != nil) {
				t.Fatalf("hold %+v", a)
			}
			if c.captureKey == "re" && !a.CaptureBy.Equal(day0.Add(10*24*time.Hour)) {
				t.Fatalf("renewed deadline %v", a.CaptureBy)
			}
			if got := w.mails(r.ID); strings.Join(got, ",") != "pending,access" {
				t.Fatalf("mails %v", got)
			}
		})
	}
}

// TestRenewalByWebhookKeepsTheEnd: the provider's word of a renewal that
// leaves out the hold's end (or every term) is recorded as Admit's own
// renewal before a capture records it: the end of the hold it renews, a
// capture deadline of the shortest hold when none came. The check then
// neither lapses the renewed hold at once nor flags it early.
func TestRenewalByWebhookKeepsTheEnd(t *testing.T) {
	for _, c := range []struct {
		name  string
		terms func(at time.Time) *payment.AuthorizationTerms
		by    time.Duration // from the renewal
	}{
		{"no end", func(at time.Time) *payment.AuthorizationTerms {
			return &payment.AuthorizationTerms{CaptureBy: at.Add(3 * 24 * time.Hour)}
		}, 3 * 24 * time.Hour},
		{"no terms", func(time.Time) *payment.AuthorizationTerms { return nil }, 7 * 24 * time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, _ := holdingWorld(t)
			e := w.event(eventSpec{price: 2500, approval: true})
			r := w.mustRegister(e, "ada@example.org", nil)
			ev := w.authorized(r, "evt_auth")
			end := w.clock.Now().Add(29 * 24 * time.Hour)
			ev.Authorization = &payment.AuthorizationTerms{CaptureBy: w.clock.Now().Add(3 * 24 * time.Hour), ExpiresAt: end}
			if _, err := w.svc.ApplyPayment(w.ctx, ev); err != nil {
				t.Fatal(err)
			}
			w.clock.Add(4 * 24 * time.Hour)
			at := w.clock.Now()
			renewed := ev
			renewed.ID, renewed.PaymentID, renewed.Authorization = "evt_renewed", ev.PaymentID+"-re", c.terms(at)
			if _, err := w.svc.ApplyPayment(w.ctx, renewed); err != nil {
				t.Fatal(err)
			}
			a := w.hold(r)
			if a.AuthorizationID != renewed.PaymentID || a.ReauthorizedAt == nil || a.ExpiresAt == nil || !a.ExpiresAt.Equal(end) ||
				a.CaptureBy == nil || !a.CaptureBy.Equal(at.Add(c.by)) {
				t.Fatalf("renewed hold %+v (capture by %v, ends %v), want ending %v", a, a.CaptureBy, a.ExpiresAt, end)
			}
			if f, l, err := w.svc.CheckAuthorizations(w.ctx); err != nil || f != 0 || l != 0 {
				t.Fatalf("check after the renewal: flagged %d lapsed %d %v", f, l, err)
			}
			if got := w.mails(r.ID); strings.Join(got, ",") != "pending" {
				t.Fatalf("mails %v", got)
			}
		})
	}
}

// TestHoldTerms: what a hold's terms become, new or renewed, whatever the provider
// left out; a capture deadline never runs past the end.
func TestHoldTerms(t *testing.T) {
	now := day0
	end := now.Add(20 * 24 * time.Hour)
	a := &model.Authorization{ExpiresAt: &end}
	for _, c := range []struct {
		name    string
		a       *model.Authorization
		t       *payment.AuthorizationTerms
		by, exp time.Time
	}{
		{"given", a, &payment.AuthorizationTerms{CaptureBy: now.Add(72 * time.Hour), ExpiresAt: now.Add(25 * 24 * time.Hour)}, now.Add(72 * time.Hour), now.Add(25 * 24 * time.Hour)},
		{"no end: the renewed hold's", a, &payment.AuthorizationTerms{CaptureBy: now.Add(72 * time.Hour)}, now.Add(72 * time.Hour), end},
		{"nothing: the shortest hold, the renewed hold's end", a, nil, now.Add(7 * 24 * time.Hour), end},
		{"nothing known of the end: the deadline", &model.Authorization{}, nil, now.Add(7 * 24 * time.Hour), now.Add(7 * 24 * time.Hour)},
		{"no deadline", a, &payment.AuthorizationTerms{ExpiresAt: now.Add(25 * 24 * time.Hour)}, now.Add(7 * 24 * time.Hour), now.Add(25 * 24 * time.Hour)},
		{"deadline past the end: the end", a, &payment.AuthorizationTerms{CaptureBy: end.Add(48 * time.Hour)}, end, end},
		{"a new hold without an end: its deadline", nil, &payment.AuthorizationTerms{CaptureBy: now.Add(72 * time.Hour)}, now.Add(72 * time.Hour), now.Add(72 * time.Hour)},
		{"a new hold, nothing known: the shortest hold", nil, nil, now.Add(7 * 24 * time.Hour), now.Add(7 * 24 * time.Hour)},
	} {
		by, exp := holdTerms(now, c.a, c.t)
		if !by.Equal(c.by) || !exp.Equal(c.exp) {
			t.Errorf("%s: %v, %v; want %v, %v", c.name, by, exp, c.by, c.exp)
		}
	}
}

// TestLapseWarningWithRenewal: at a provider that renews a hold once after
// its capture deadline (PayPal: honored 3 days, valid 29, renewable once
// from day 4 to day 29), a confirmation after the deadline still takes the
// money until the hold's end, so the organizers are warned a day before
// the end, not a day before the deadline, and the mail names the end. A
// hold renewed already cannot be again: it is flagged a day before its new
// deadline.
func TestLapseWarningWithRenewal(t *testing.T) {
	const day = 24 * time.Hour
	type step struct {
		at              time.Duration // from the authorization
		flagged, lapsed int
	}
	for _, c := range []struct {
		name    string
		renewAt time.Duration // 0: never renewed
		steps   []step
		warned  time.Duration // the deadline the mail names, from the authorization
	}{
		{name: "not renewed: a day before the end", steps: []step{
			{2*day + time.Minute, 0, 0}, {3*day + time.Minute, 0, 0}, {28*day - time.Minute, 0, 0},
			{28*day + time.Minute, 1, 0}, {28*day + 2*time.Minute, 0, 0}, {29*day + time.Minute, 0, 1}},
			warned: 29 * day},
		{name: "renewed: a day before its new deadline", renewAt: 4 * day, steps: []step{
			{5*day + time.Minute, 0, 0}, {6*day + time.Minute, 1, 0}, {7*day + time.Minute, 0, 0}, {29*day + time.Minute, 0, 1}},
			warned: 7 * day},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			hp := &holdingProvider{fakeProvider: w.prov, captures: map[string]int{}, voids: map[string]int{}, renewals: map[string]int{}}
			w.rewire(hp, func(m *payment.Module) { m.Authorize, m.Reauthorize = m.Name == "stripe", m.Name == "stripe" })
			if err := w.store.Write(w.ctx, func(tx *store.Tx) error {
				_, err := tx.InsertUser("org@example.org", "x")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			e := w.event(eventSpec{price: 2500, approval: true})
			r := w.mustRegister(e, "ada@example.org", nil)
			start := w.clock.Now()
			ev := w.authorized(r, "evt_auth")
			ev.Authorization = &payment.AuthorizationTerms{CaptureBy: start.Add(3 * day), ExpiresAt: start.Add(29 * day)}
			if _, err := w.svc.ApplyPayment(w.ctx, ev); err != nil {
				t.Fatal(err)
			}
			for i, s := range c.steps {
				if c.renewAt != 0 && s.at > c.renewAt && w.hold(r).ReauthorizedAt == nil {
					w.clock.Set(start.Add(c.renewAt))
					renewed := ev
					renewed.ID, renewed.PaymentID = "evt_renewed", ev.PaymentID+"-re"
					renewed.Authorization = &payment.AuthorizationTerms{CaptureBy: start.Add(c.renewAt + 3*day), ExpiresAt: start.Add(29 * day)}
					if _, err := w.svc.ApplyPayment(w.ctx, renewed); err != nil {
						t.Fatal(err)
					}
				}
				w.clock.Set(start.Add(s.at))
				f, l, err := w.svc.CheckAuthorizations(w.ctx)
				if err != nil || f != s.flagged || l != s.lapsed {
					t.Fatalf("at day %.2f: flagged %d lapsed %d %v, want %d %d", s.at.Hours()/24, f, l, err, s.flagged, s.lapsed)
				}
				if i == 0 { // the organizer's table says until when too
					if a := w.reg(r.ID).Authorization; a == nil || a.DecideBy == nil || !a.DecideBy.Equal(start.Add(c.warned)) {
						t.Fatalf("decide by %+v, want %v", a, start.Add(c.warned))
					}
				}
			}
			all, err := w.store.Outbox(w.ctx, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			warned := 0
			for _, m := range all {
				if m.Kind == model.MailAuthLapsing {
					warned++
					if want := start.Add(c.warned).UTC().Format(time.RFC1123); !strings.Contains(m.Data, want) {
						t.Errorf("the warning says %s, want %s", m.Data, want)
					}
				}
			}
			if warned != 1 {
				t.Fatalf("%d warnings, want 1", warned)
			}
		})
	}
}
