package web

import (
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// TestReturnPageFollowsThePayment: the return page of a payment still being
// confirmed polls a status keyed by the return URL's signature (and
// refreshes without JavaScript); the status says nothing but the outcome,
// and nothing to a guessed id. A return that fails says the payment is
// being checked and not to pay again, never that nothing was charged. The
// cancel page says until when the seat is held and leads back to the
// payment, then, once the hold is over, that the seat is released.
func TestReturnPageFollowsThePayment(t *testing.T) {
	e, f := fakeEnv(t)
	e.createEvent(paidEvent(nil))
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	ret := f.successURL(t, ada.CheckoutID)
	status := "/pay/stripe/status?" + e.tickets.ReturnQuery("stripe", ada.ID)
	json := []string{"Accept", "application/json"}
	e.run(t, []scenario{
		{name: "being confirmed, followed", method: "GET", path: ret, status: 200,
			contains: []string{"being confirmed", `data-status="/pay/stripe/status?registration=`, `src="/static/payment.js"`, `<meta http-equiv="refresh" content="10">`, "updates by itself"}},
		{name: "status: pending", method: "GET", path: status, headers: json, status: 200,
			contains: []string{`{"outcome":"pending","settled":false}`}, absent: []string{ada.Email, "Ada", "1999"}},
		{name: "status of a guessed id", method: "GET", path: "/pay/stripe/status?registration=1", headers: json, status: 404},
		{name: "status with another provider", method: "GET", path: strings.Replace(status, "/stripe/", "/paypal/", 1), headers: json, status: 404},
		{name: "cancel page: held until, back to the payment", method: "GET", path: f.cancelURL(t, ada.CheckoutID), status: 200,
			contains: []string{"nothing was charged", "Your seat is held for you until Sunday 1 November 2026, ", `href="https://pay.example/` + ada.CheckoutID + `"`, "Go back to the payment"}},
	})
	f.paid[ada.CheckoutID] = 1999
	e.run(t, []scenario{
		{name: "confirmed, no longer followed", method: "GET", path: ret, status: 200, contains: []string{"seat is confirmed"}, absent: []string{"data-status", "refresh"}},
		{name: "status: confirmed", method: "GET", path: status, headers: json, status: 200, contains: []string{`{"outcome":"confirmed","settled":true}`}},
	})

	// The provider cannot be asked (here: it was disconnected meanwhile).
	bob := e.reg(e.buy("intro-to-go", "Bob", nil))
	bobRet := f.successURL(t, bob.CheckoutID)
	e.opts.Providers.Remove("stripe")
	e.run(t, []scenario{
		{name: "return that fails", method: "GET", path: bobRet, status: 200,
			contains: []string{"We could not confirm your payment yet.", "Please do not pay again.", "data-status"}, absent: []string{"nothing was charged", "try again"}},
		{name: "in French", method: "GET", path: strings.Replace(bobRet, "lang=en", "lang=fr", 1), status: 200, contains: []string{"Merci de ne pas payer une seconde fois."}},
	})

	// Once the hold is over, the cancel page says the seat is released.
	e.clock.Add(2 * time.Hour)
	if _, err := e.tickets.ExpireHolds(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r := e.reg(bob.ID); r.Status != model.StatusExpired {
		t.Fatalf("bob %s", r.Status)
	}
	e.run(t, []scenario{
		{name: "cancel page after the hold", method: "GET", path: f.cancelURL(t, bob.CheckoutID), status: 200,
			contains: []string{"The seat held for you has been released", "Register again"}, absent: []string{"pay.example"}},
	})
}
