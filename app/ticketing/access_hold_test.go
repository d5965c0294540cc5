package ticketing

import (
	"testing"

	"github.com/admit/admit/app/model"
)

// TestAccessHoldsTheAuthorization: on an event with manual approval,
// Access gives the registration its payment's authorization whatever its
// status (held while it awaits approval, captured once confirmed), so
// that no caller reads the registration again for it; elsewhere it reads
// none.
func TestAccessHoldsTheAuthorization(t *testing.T) {
	w, _ := holdingWorld(t)
	e := w.event(eventSpec{price: 2500, approval: true})
	r := w.mustRegister(e, "ada@example.org", nil)
	held := func(step, want string) {
		t.Helper()
		a, err := w.svc.Access(w.ctx, w.token(r))
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		got := ""
		if a.Registration.Authorization != nil {
			got = a.Registration.Authorization.Status
		}
		if got != want {
			t.Fatalf("%s: authorization %q, want %q", step, got, want)
		}
	}
	held("awaiting payment", "")
	if _, err := w.svc.ApplyPayment(w.ctx, w.authorized(r, "evt_auth")); err != nil {
		t.Fatal(err)
	}
	held("awaiting approval", model.AuthAuthorized)
	if g, err := w.svc.Confirm(w.ctx, r.ID); err != nil || g.Status != model.StatusConfirmed {
		t.Fatalf("confirm: %+v %v", g, err)
	}
	held("confirmed", model.AuthCaptured)

	plain := w.event(eventSpec{price: 2500})
	p := w.mustRegister(plain, "grace@example.org", nil)
	a, err := w.svc.Access(w.ctx, w.token(p))
	if err != nil || a.Registration.Authorization != nil {
		t.Fatalf("without approval: %+v %v", a, err)
	}
}
