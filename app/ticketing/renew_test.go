package ticketing

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
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

// TestRenewalTerms: what a renewal's terms become, whatever the provider
// left out; a capture deadline never runs past the end.
func TestRenewalTerms(t *testing.T) {
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
	} {
		by, exp := renewalTerms(now, c.a, c.t)
		if !by.Equal(c.by) || !exp.Equal(c.exp) {
			t.Errorf("%s: %v, %v; want %v, %v", c.name, by, exp, c.by, c.exp)
		}
	}
}
