package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/admit/admit/app/model"
)

// dashboardSection is the dashboard's section labelled by id, as the admin
// sees it now.
func dashboardSection(t *testing.T, a *adminClient, id string) string {
	t.Helper()
	res, body := a.send("GET", "/admin/", nil)
	if res.StatusCode != 200 {
		t.Fatalf("dashboard: %d\n%s", res.StatusCode, body)
	}
	i := strings.Index(body, `aria-labelledby="`+id+`"`)
	if i < 0 {
		t.Fatalf("no section %s:\n%s", id, body)
	}
	return body[i : i+strings.Index(body[i:], "</section>")]
}

// csvRow is registration id's row of the event's CSV, by column name.
func (e *env) csvRow(eventID, id int64) map[string]string {
	e.t.Helper()
	r := e.do("GET", fmt.Sprintf("/api/v1/events/%d/registrations.csv", eventID), nil, true)
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if r.Status != 200 || err != nil || len(rows) < 2 {
		e.t.Fatalf("CSV: %d %v\n%s", r.Status, err, r.Body)
	}
	for _, row := range rows[1:] {
		if row[0] == fmt.Sprint(id) {
			out := map[string]string{}
			for i, name := range rows[0] {
				out[name] = row[i]
			}
			return out
		}
	}
	e.t.Fatalf("CSV has no registration %d:\n%s", id, r.Body)
	return nil
}

// TestPayPalFeeRecorded: PayPal's capture says the fee it kept
// (seller_receivable_breakdown.paypal_fee); Admit records it with the
// payment, and the registrations list, its CSV, the registrants table and
// the dashboard's revenue show it (paid 19.99, PayPal's 3.49% + 0.49 =
// 1.19, net 18.80).
func TestPayPalFeeRecorded(t *testing.T) {
	e, fake := paypalEnv(t)
	ev := e.createEvent(paypalEvent(nil))
	r := e.paypalPaid(t, fake, "Ada Lovelace")
	if want := fake.Capture(r.PaymentID).Fee; want != 119 {
		t.Fatalf("the fake kept %d", want)
	}
	e.run(t, []scenario{{name: "the list", method: "GET", path: fmt.Sprintf("/api/v1/events/%d/registrations", num(ev["id"])), admin: true,
		status: 200, contains: []string{`"provider_fee":{"amount":119,"currency":"EUR"}`}}})
	if row := e.csvRow(num(ev["id"]), r.ID); row["provider_fee"] != "119" || row["provider_fee_currency"] != "EUR" {
		t.Fatalf("CSV row %v", row)
	}
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	rev := dashboardSection(t, a, "revenue-title")
	for _, want := range []string{"Provider fees", "<td class=\"num provider-fees\">1.19\u00a0EUR</td>", "<strong>18.80\u00a0EUR</strong>", "19.99\u00a0EUR"} {
		if !strings.Contains(rev, want) {
			t.Errorf("revenue lacks %q:\n%s", want, rev)
		}
	}
	if strings.Contains(rev, "not known yet") {
		t.Errorf("revenue says a fee is unknown:\n%s", rev)
	}
	_, page := a.send("GET", fmt.Sprintf("/admin/events/%d", num(ev["id"])), nil)
	if !strings.Contains(page, "<td class=\"num provider-fee\" data-label=\"Provider fee\">1.19\u00a0EUR</td>") {
		t.Errorf("registrants table lacks the fee:\n%s", page)
	}
}

// TestStripeFeeLookedUp: Stripe's webhook carries no fee, so the payment is
// recorded without one (the dashboard says so); the fee job then asks
// Stripe for the PaymentIntent's charge and balance transaction (stripe-mock
// answers its fixture: a fee of 0 USD) and records it.
func TestStripeFeeLookedUp(t *testing.T) {
	e, ev, now := salesEnv(t, 1)
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	e.webhook(paidWebhook("evt_ada_fee", ada, ada.Amount), now)
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed {
		t.Fatalf("status %s", g.Status)
	}
	list := fmt.Sprintf("/api/v1/events/%d/registrations", num(ev["id"]))
	e.run(t, []scenario{{name: "not known yet", method: "GET", path: list, admin: true, status: 200, contains: []string{`"provider_fee":null`}}})
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	if rev := dashboardSection(t, a, "revenue-title"); !strings.Contains(rev, "Provider fee not known yet for 1 payment(s)") {
		t.Fatalf("revenue:\n%s", rev)
	}
	if err := e.tickets.LookUpFees(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.run(t, []scenario{{name: "looked up", method: "GET", path: list, admin: true, status: 200, contains: []string{`"provider_fee":{"amount":0,"currency":"USD"}`}}})
	if row := e.csvRow(num(ev["id"]), ada.ID); row["provider_fee"] != "0" || row["provider_fee_currency"] != "USD" {
		t.Fatalf("CSV row %v", row)
	}
	rev := dashboardSection(t, a, "revenue-title")
	if strings.Contains(rev, "not known yet") || strings.Contains(rev, ">USD<") {
		t.Errorf("revenue after the lookup (a zero fee adds no USD row):\n%s", rev)
	}
}
