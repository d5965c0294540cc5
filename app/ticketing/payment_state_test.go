package ticketing

import (
	"strconv"
	"testing"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// TestAccessKeepsTheHoldWhenApprovalIsOff: an organizer who switches
// manual approval off leaves a registration awaiting approval with its
// hold; Access still gives it its authorization (the page and the API say
// the money is held, not charged).
func TestAccessKeepsTheHoldWhenApprovalIsOff(t *testing.T) {
	w, _ := holdingWorld(t)
	e := w.event(eventSpec{price: 2500, approval: true})
	r := w.mustRegister(e, "ada@example.org", nil)
	if _, err := w.svc.ApplyPayment(w.ctx, w.authorized(r, "evt_auth")); err != nil {
		t.Fatal(err)
	}
	off := false
	if _, err := w.svc.UpdateEvent(w.ctx, e.ID, EventInput{ApprovalRequired: &off}); err != nil {
		t.Fatal(err)
	}
	a, err := w.svc.Access(w.ctx, w.token(r))
	if err != nil {
		t.Fatal(err)
	}
	if a.Event.ApprovalRequired || a.Registration.Status != model.StatusPendingApproval {
		t.Fatalf("approval %v, status %s", a.Event.ApprovalRequired, a.Registration.Status)
	}
	if h := a.Registration.Authorization; h == nil || h.Status != model.AuthAuthorized || h.DecideBy == nil {
		t.Fatalf("authorization %+v, want the open hold with its decide_by", h)
	}
}

// rawViews hands hookData the registration and event as they are.
type rawViews struct{}

func (rawViews) Registration(r *model.Registration) any { return r }
func (rawViews) Event(e *model.Event) any               { return e }

// TestWebhookCarriesTheAuthorization: an outgoing webhook's registration
// is the admin API's, with its payment's authorization.
func TestWebhookCarriesTheAuthorization(t *testing.T) {
	w, _ := holdingWorld(t)
	w.svc.hooks.Views = rawViews{}
	e := w.event(eventSpec{price: 2500, approval: true})
	r := w.mustRegister(e, "ada@example.org", nil)
	if _, err := w.svc.ApplyPayment(w.ctx, w.authorized(r, "evt_auth")); err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	err := w.store.Write(w.ctx, func(tx *store.Tx) (err error) {
		data, err = w.svc.hookData(tx, model.Change{Type: model.HookRegistrationCreated, ID: r.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := data["registration"].(*model.Registration)
	if got == nil || got.Authorization == nil || got.Authorization.Status != model.AuthAuthorized ||
		got.Authorization.AuthorizationID != "pi_"+strconv.FormatInt(r.ID, 10) || got.Authorization.DecideBy == nil {
		t.Fatalf("webhook registration %+v", got)
	}
}
