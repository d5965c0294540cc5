package web

import (
	"fmt"
	"testing"

	"github.com/admit/admit/plugins/paypal"
)

// TestReconciliationReportPayPal: the fake PayPal keeps a ledger, so Admit's
// books and PayPal's match: two captures (their fees recorded with them), a
// refund made in Admit. A refund made in PayPal's dashboard whose webhook
// has not come yet is listed (refunded: Admit 5.00, PayPal 12.00) until
// the webhook comes.
func TestReconciliationReportPayPal(t *testing.T) {
	e, fake := paypalEnv(t)
	e.createEvent(paypalEvent(nil))
	ada := e.paypalPaid(t, fake, "Ada Lovelace")
	bob := e.paypalPaid(t, fake, "Bob Babbage")
	paypalHooks(t, fake, paypal.EventCaptureCompleted, paypal.EventCaptureCompleted) // the return page applied them
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID), map[string]any{"amount": 500}, true); r.Status != 200 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	paypalHooks(t, fake, paypal.EventCaptureRefunded)
	const report = "/api/v1/reports/reconciliation"
	e.run(t, []scenario{{name: "matched", method: "GET", path: report, admin: true, status: 200,
		contains: []string{`{"since":null,"checked":2,"matched":2,"mismatches":[],"unchecked":[]}`}}})

	fake.DashboardRefund(bob.PaymentID, 700)
	e.run(t, []scenario{{name: "a refund in PayPal's dashboard", method: "GET", path: report + "?since=2026-11-01", admin: true, status: 200,
		contains: []string{`"since":"2026-11-01T00:00:00Z","checked":2,"matched":1,`,
			fmt.Sprintf(`"mismatches":[{"registration_id":%d,"provider":"paypal","payment_id":%q,"field":"refunded","admit":{"amount":0,"currency":"EUR"},"reported":{"amount":700,"currency":"EUR"}}]`, bob.ID, bob.PaymentID)}}})
	if res := e.paypalDeliver(paypalHooks(t, fake, paypal.EventCaptureRefunded)[0]); res.Status != 200 {
		t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}
	e.run(t, []scenario{
		{name: "matched again", method: "GET", path: report, admin: true, status: 200, contains: []string{`"checked":2,"matched":2,"mismatches":[]`}},
		{name: "since after the payments", method: "GET", path: report + "?since=2030-01-01T00:00:00Z", admin: true, status: 200,
			contains: []string{`"checked":0,"matched":0`}},
		{name: "a bad since", method: "GET", path: report + "?since=last+week", admin: true, status: 422, contains: []string{`"since"`}},
		{name: "without a token", method: "GET", path: report, status: 401},
	})
}

// TestReconciliationReportStripeMock: stripe-mock answers its fixture for
// any payment (a charge of 1.00 USD, a fee of 0 USD), so Admit's record of
// a 9.99 EUR payment does not match it: the report lists what differs,
// with both values, and what matches (nothing refunded) is not listed.
func TestReconciliationReportStripeMock(t *testing.T) {
	e, _, now := salesEnv(t, 1)
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	e.webhook(paidWebhook("evt_ada_books", ada, ada.Amount), now)
	ada = e.reg(ada.ID)
	mismatch := func(field, admit, reported string) string {
		return fmt.Sprintf(`{"registration_id":%d,"provider":"stripe","payment_id":%q,"field":%q,"admit":%s,"reported":%s}`,
			ada.ID, ada.PaymentID, field, admit, reported)
	}
	e.run(t, []scenario{{name: "stripe-mock's fixture", method: "GET", path: "/api/v1/reports/reconciliation", admin: true, status: 200,
		contains: []string{`"checked":1,"matched":0,"mismatches":[` +
			mismatch("charged", fmt.Sprintf(`{"amount":%d,"currency":"EUR"}`, ada.Amount), `{"amount":100,"currency":"USD"}`) + "," +
			mismatch("fee", "null", `{"amount":0,"currency":"USD"}`) + `],"unchecked":[]`}}})
}
