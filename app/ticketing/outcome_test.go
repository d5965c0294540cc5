package ticketing

import (
	"slices"
	"testing"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

// What each provider event does, as ApplyPayment reports it (the webhook
// answers it), and who is told of a failed payment.
func TestApplyPaymentOutcomes(t *testing.T) {
	w := newWorld(t)
	e := w.event(eventSpec{capacity: 5, price: 2500})
	ada := w.mustRegister(e, "ada@example.org", nil)
	bob := w.mustRegister(e, "bob@example.org", nil)
	cy := w.mustRegister(e, "cy@example.org", nil)

	foreign := paid(bob, "evt_foreign", 2500, "EUR")
	foreign.CheckoutID = "cs_another_shop" // its metadata names Bob's id
	failed := func(r *model.Registration, id string) payment.Event {
		return payment.Event{ID: id, Provider: "stripe", Kind: payment.Failed, CheckoutID: r.CheckoutID, RegistrationID: r.ID}
	}
	unknown := paid(ada, "evt_unknown", 2500, "EUR")
	unknown.RegistrationID, unknown.CheckoutID, unknown.PaymentID = 0, "cs_nobody", "pi_nobody"

	for _, step := range []struct {
		name      string
		ev        payment.Event
		buyerHere bool
		want      Outcome
		reg       *model.Registration
		status    string
		mails     []string
	}{
		{"a payment", paid(ada, "evt_1", 2500, "EUR"), false, Applied, ada, model.StatusConfirmed, []string{model.MailAccess}},
		{"its redelivery", paid(ada, "evt_1", 2500, "EUR"), false, Duplicate, ada, model.StatusConfirmed, []string{model.MailAccess}},
		{"the same payment under another id", paid(ada, "evt_2", 2500, "EUR"), false, Duplicate, ada, model.StatusConfirmed, []string{model.MailAccess}},
		{"another shop's checkout naming Bob's id", foreign, false, Ignored, bob, model.StatusPendingPayment, nil},
		{"a checkout nobody opened", unknown, false, Ignored, ada, model.StatusConfirmed, []string{model.MailAccess}},
		{"a failure the buyer did not see", failed(bob, "evt_3"), false, Applied, bob, model.StatusExpired, []string{model.MailPaymentFailed}},
		{"the same failure told again", failed(bob, "evt_4"), false, Duplicate, bob, model.StatusExpired, []string{model.MailPaymentFailed}},
		{"a failure shown on the return page", failed(cy, "evt_5"), true, Applied, cy, model.StatusExpired, nil},
		{"its webhook afterwards", failed(cy, "evt_6"), false, Duplicate, cy, model.StatusExpired, nil},
	} {
		got, err := w.svc.applyPayment(w.ctx, step.ev, step.buyerHere)
		if err != nil || got != step.want {
			t.Errorf("%s: %q, %v; want %q", step.name, got, err, step.want)
		}
		if r := w.reg(step.reg.ID); r.Status != step.status {
			t.Errorf("%s: registration %s, want %s", step.name, r.Status, step.status)
		}
		if m := w.mails(step.reg.ID); !slices.Equal(m, step.mails) {
			t.Errorf("%s: mails %v, want %v", step.name, m, step.mails)
		}
	}
	if r := w.reg(bob.ID); r.AmountPaid != 0 || r.PaymentID != "" {
		t.Errorf("another shop's payment was recorded on Bob: %+v", r)
	}
}
