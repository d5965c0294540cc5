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
