package ticketing

import (
	"strconv"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

// TestNewHoldWithoutEnd: a provider's hold given with a capture deadline
// and no end ends at its deadline (as a renewal without an end keeps the
// renewed hold's): it was stored with no end, and the next check lapsed it
// at once.
func TestNewHoldWithoutEnd(t *testing.T) {
	w, _ := holdingWorld(t)
	e := w.event(eventSpec{price: 2500, approval: true})
	r := w.mustRegister(e, "ada@example.org", nil)
	ev := w.authorized(r, "evt_auth")
	by := w.clock.Now().Add(3 * 24 * time.Hour)
	ev.Authorization = &payment.AuthorizationTerms{CaptureBy: by}
	if _, err := w.svc.ApplyPayment(w.ctx, ev); err != nil {
		t.Fatal(err)
	}
	if a := w.hold(r); a.ExpiresAt == nil || !a.ExpiresAt.Equal(by) || a.CaptureBy == nil || !a.CaptureBy.Equal(by) {
		t.Fatalf("hold %+v, want capture by and end %v", a, by)
	}
	if _, lapsed, err := w.svc.CheckAuthorizations(w.ctx); err != nil || lapsed != 0 {
		t.Fatalf("check: %d lapsed, %v", lapsed, err)
	}
	if a := w.hold(r); a.Status != model.AuthAuthorized || w.reg(r.ID).Status != model.StatusPendingApproval {
		t.Fatalf("after the check: %+v, %s", a, w.reg(r.ID).Status)
	}
}

// TestSecondHoldKeepsTheFirst: a hold from another checkout arriving while
// the registration awaits approval with its hold is released, and the
// registration keeps tracking the hold it has (which a confirmation then
// captures); it overwrote it, then voided the newcomer, and the first
// stayed held at the provider, untracked, until it lapsed.
func TestSecondHoldKeepsTheFirst(t *testing.T) {
	w, hp := holdingWorld(t)
	e := w.event(eventSpec{price: 2500, approval: true})
	r := w.mustRegister(e, "ada@example.org", nil)
	first := w.authorized(r, "evt_auth")
	if _, err := w.svc.ApplyPayment(w.ctx, first); err != nil {
		t.Fatal(err)
	}
	second := w.authorized(r, "evt_auth_other")
	second.CheckoutID, second.PaymentID = "", "pi_other"
	if _, err := w.svc.ApplyPayment(w.ctx, second); err != nil {
		t.Fatal(err)
	}
	if a := w.hold(r); a.AuthorizationID != first.PaymentID || a.Status != model.AuthAuthorized {
		t.Fatalf("hold %+v, want %s still authorized", a, first.PaymentID)
	}
	if n := hp.voids["void-"+strconv.FormatInt(r.ID, 10)+"-pi_other"]; n != 1 {
		t.Fatalf("voids %v, want the newcomer released once", hp.voids)
	}
	if got := w.reg(r.ID); got.Status != model.StatusPendingApproval {
		t.Fatalf("status %s", got.Status)
	}
	if g, err := w.svc.Confirm(w.ctx, r.ID); err != nil || g.Status != model.StatusConfirmed {
		t.Fatalf("confirm: %+v %v", g, err)
	}
	if n := hp.captures["capture-"+strconv.FormatInt(r.ID, 10)+"-"+first.PaymentID]; n != 1 {
		t.Fatalf("captures %v, want the first hold's", hp.captures)
	}
}
