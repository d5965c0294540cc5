package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

// paidByTransfer is Ada, who paid 50.00 EUR by bank transfer for an event
// that refunds a cancellation: her registration's id and access token.
func (e *env) paidByTransfer() (int64, string) {
	e.t.Helper()
	e.connectBank(7)
	ev := e.createEvent(liveEvent(map[string]any{"price": map[string]any{"amount": 5000, "currency": "EUR"},
		"providers": []string{"banktransfer"}, "cancel_refund_hours": 24}))
	ada, _, token := e.registerBank(ev["slug"].(string), "Ada")
	if r := e.markPaid(ada, map[string]any{"amount": 5000}); r.Status != 200 {
		e.t.Fatalf("paid: %d %s", r.Status, r.Body)
	}
	return ada, token
}

// TestAccessPageCountsWhatIsOwedByHand: the registrant's page says what
// cancelling gives back less what the organizer already owes them by hand
// (a bank transfer refunded in part, then in full), as the cancellation
// itself counts it.
func TestAccessPageCountsWhatIsOwedByHand(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry())
	ada, token := e.paidByTransfer()
	outcome := func() string {
		t.Helper()
		r := e.do("GET", "/a/"+token, nil, false)
		if r.Status != 200 {
			t.Fatalf("access page: %d %s", r.Status, r.Body)
		}
		body := spaced(string(r.Body))
		i := strings.Index(body, `<p class="outcome">`)
		if i < 0 {
			t.Fatalf("no outcome on the page:\n%s", body)
		}
		j := strings.Index(body[i:], "</p>")
		return body[i+len(`<p class="outcome">`) : i+j]
	}
	if got := outcome(); !strings.Contains(got, "50.00") {
		t.Fatalf("paid 50.00, nothing refunded: %q", got)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada), map[string]any{"amount": 2000}, true); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"refund_owed":{"method":"manual","amount":2000,"currency":"EUR"}`) {
		t.Fatalf("refund 20.00: %d %s", r.Status, r.Body)
	}
	if got := outcome(); !strings.Contains(got, "30.00") {
		t.Fatalf("20.00 owed by hand: the page offers %q, want 30.00", got)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada), nil, true); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"refund_owed":{"method":"manual","amount":5000,"currency":"EUR"}`) {
		t.Fatalf("refund the rest: %d %s", r.Status, r.Body)
	}
	if got := outcome(); got != "What you paid is already being refunded to you, so cancelling gives nothing more back." {
		t.Fatalf("everything owed by hand: the page says %q", got)
	}
	// Cancelling then says so on the page it leads to, as every other
	// outcome does.
	r := e.do("POST", "/a/"+token+"/cancel", nil, false, "Content-Type", "application/x-www-form-urlencoded")
	if loc := r.Header.Get("Location"); r.Status != 303 || !strings.Contains(loc, "cancelled=refunding") {
		t.Fatalf("cancel: %d %q", r.Status, loc)
	}
	after := spaced(string(e.do("GET", r.Header.Get("Location"), nil, false).Body))
	if want := "What you paid is already being refunded to you; this cancellation adds nothing to it."; !strings.Contains(after, want) {
		t.Fatalf("after cancelling: the page lacks %q:\n%s", want, after)
	}
}

// TestWebhookSaysWhatIsOwedByHand: an outgoing webhook gives the
// registration as the admin API shows it, refund_owed included: a bank
// transfer cancelled by its registrant under a refund policy reaches the
// organizer's endpoint as registration.cancelled with the refund it owes.
func TestWebhookSaysWhatIsOwedByHand(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry(), allowPrivateHooks)
	_, token := e.paidByTransfer()
	hooks := newHookReceiver(t, e.clock.Now)
	e.addHook(hooks)
	if r := e.do("POST", "/a/"+token+"/cancel", nil, false, "Accept", "application/json"); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	e.deliverHooks()
	var cancelled []receivedHook
	for _, h := range hooks.received() {
		if h.Type == model.HookRegistrationCancelled {
			cancelled = append(cancelled, h)
		}
	}
	if len(cancelled) != 1 {
		t.Fatalf("registration.cancelled received %d times: %+v", len(cancelled), hooks.received())
	}
	reg := cancelled[0].Data["registration"].(map[string]any)
	owed, _ := reg["refund_owed"].(map[string]any)
	if owed == nil || owed["method"] != model.RefundManual || num(owed["amount"]) != 5000 || owed["currency"] != "EUR" {
		t.Fatalf("registration.cancelled: refund_owed %v in %v", reg["refund_owed"], reg)
	}
}
