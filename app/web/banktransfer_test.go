package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/plugins/banktransfer"
)

// bankEvent is a published live webinar at 50 EUR paid by bank transfer.
func bankEvent(capacity int) map[string]any {
	return liveEvent(map[string]any{"price": map[string]any{"amount": 5000, "currency": "EUR"}, "providers": []string{"banktransfer"}, "capacity": capacity})
}

// connectBank sets the bank transfer up through the API, the term in days.
func (e *env) connectBank(termDays int) {
	e.t.Helper()
	r := e.do("PUT", "/api/v1/settings/payments/banktransfer", map[string]any{"account_holder": "Webinars Ltd",
		"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX", "instructions": "Questions? Write to billing@example.org.", "term_days": termDays}, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"connected":true`) {
		e.t.Fatalf("connect the bank transfer: %d %s", r.Status, r.Body)
	}
}

// registerBank registers name by bank transfer and returns the
// registration id, its checkout_url and its access token: pending_payment,
// with a payment page, or, on an event with manual approval,
// pending_approval, with none yet ("").
func (e *env) registerBank(slug, name string) (int64, string, string) {
	e.t.Helper()
	r := e.do("POST", "/api/v1/public/events/"+slug+"/registrations", map[string]any{"name": name,
		"email": strings.ToLower(name) + "@example.org", "provider": "banktransfer"}, false)
	if r.Status != 201 {
		e.t.Fatalf("register %s: %d %s", name, r.Status, r.Body)
	}
	body := r.JSON(e.t)
	reg := body["registration"].(map[string]any)
	checkout, _ := body["checkout_url"].(string)
	if !(reg["status"] == model.StatusPendingPayment && checkout != "" || reg["status"] == model.StatusPendingApproval && body["checkout_url"] == nil) {
		e.t.Fatalf("register %s: %s", name, r.Body)
	}
	id := num(reg["id"])
	return id, checkout, e.accessToken(id)
}

func (e *env) markPaid(id int64, body map[string]any) response {
	e.t.Helper()
	return e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/mark_paid", id), body, true)
}

// spaced writes no-break spaces (between an amount and its currency) as
// spaces, so that tests can look for "50.00 EUR".
func spaced(s string) string { return strings.ReplaceAll(s, "\u00a0", " ") }

func (e *env) mailsOf(id int64, kind string) int {
	n := 0
	for _, m := range e.outbox() {
		if m.Kind == kind && m.RegistrationID != nil && *m.RegistrationID == id {
			n++
		}
	}
	return n
}

// TestBankTransferSettings: the IBAN (check digits, length of its country)
// and the BIC are checked, each refusal naming its field; the term is a
// number of days from 1 to 60; secrets there are none, so everything is
// shown back.
func TestBankTransferSettings(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry())
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"account_holder": "Webinars Ltd", "iban": "DE89 3704 0044 0532 0130 01"}, "iban"},
		{map[string]any{"account_holder": "Webinars Ltd", "iban": "FR76 3000 6000 0112 3456 7890 18"}, "iban"},
		{map[string]any{"account_holder": "Webinars Ltd", "iban": "DE89370400440532013000", "bic": "COBA-DE"}, "bic"},
		{map[string]any{"iban": "DE89370400440532013000"}, "account_holder"},
		{map[string]any{"account_holder": "Webinars Ltd"}, "iban"},
		{map[string]any{"instructions": "Pay at the desk.", "term_days": 0}, "term_days"},
		{map[string]any{"instructions": "Pay at the desk.", "term_days": "two weeks"}, "term_days"},
		{map[string]any{"instructions": "Pay at the desk.", "term_days": []int{1}}, "term_days"},
	} {
		r := e.do("PUT", "/api/v1/settings/payments/banktransfer", c.body, true)
		if r.Status != 422 || !strings.Contains(string(r.Body), `"`+c.field+`"`) {
			t.Errorf("%v: %d %s, want 422 on %s", c.body, r.Status, r.Body, c.field)
		}
	}
	e.connectBank(10)
	r := e.do("GET", "/api/v1/settings/payments/banktransfer", nil, true)
	if !strings.Contains(string(r.Body), `"iban":"DE89 3704 0044 0532 0130 00"`) || !strings.Contains(string(r.Body), `"term_days":"10"`) {
		t.Fatalf("read back: %s", r.Body)
	}
}

// TestBankTransferMarkPaid: a registrant who chooses the bank transfer holds
// a seat with a unique reference, gets the instructions by email and on
// their page; a partial payment keeps them pending with the balance shown,
// more than the balance is refused, the rest confirms them with one access
// mail, and marking it paid again is refused clearly.
func TestBankTransferMarkPaid(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry())
	e.connectBank(5)
	ev := e.createEvent(bankEvent(2))
	slug := ev["slug"].(string)
	ada, checkout, token := e.registerBank(slug, "Ada")
	bob, _, _ := e.registerBank(slug, "Bob")
	if checkout != "http://tickets.test/a/"+token {
		t.Fatalf("checkout_url %q, want the registrant's page", checkout)
	}
	// The seats are held: the event is full.
	if r := e.do("POST", "/api/v1/public/events/"+slug+"/registrations", map[string]any{"name": "Cy", "email": "cy@example.org", "provider": "banktransfer"}, false); r.Status != 409 {
		t.Fatalf("a third registration: %d %s", r.Status, r.Body)
	}
	acc := e.do("GET", "/api/v1/access/"+token, nil, false).JSON(t)
	pay := acc["payment"].(map[string]any)
	ref := pay["reference"].(string)
	if id, ok := banktransfer.ParseReference(ref); !ok || id != ada || num(pay["balance"]) != 5000 {
		t.Fatalf("payment %v", pay)
	}
	bobAcc := e.do("GET", "/api/v1/access/"+e.accessToken(bob), nil, false).JSON(t)
	if bobAcc["payment"].(map[string]any)["reference"] == ref {
		t.Fatal("two registrations share a reference")
	}
	due := e.clock.Now().Add(5 * 24 * time.Hour)
	if got, _ := time.Parse(time.RFC3339, pay["due_at"].(string)); !got.Equal(due) {
		t.Fatalf("due_at %v, want %v", pay["due_at"], due)
	}
	// The instructions, by email and on the page.
	msg := e.composed(ada, model.MailPaymentDue)
	for _, want := range []string{"DE89 3704 0044 0532 0130 00", "COBADEFFXXX", "Webinars Ltd", banktransfer.FormatReference(ref), "50.00 EUR", "billing@example.org", token} {
		if !strings.Contains(spaced(msg.Text), want) || !strings.Contains(spaced(msg.HTML), want) {
			t.Fatalf("payment mail lacks %q:\n%s", want, msg.Text)
		}
	}
	page := spaced(string(e.do("GET", "/a/"+token+"?lang=de", nil, false).Body))
	for _, want := range []string{"Zahlung ausstehend", "DE89 3704 0044 0532 0130 00", banktransfer.FormatReference(ref), "Verwendungszweck", "50,00 EUR"} {
		if !strings.Contains(page, want) {
			t.Fatalf("page lacks %q:\n%s", want, page)
		}
	}
	// Bad input names its field.
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{}, "amount"},
		{map[string]any{"amount": 0}, "amount"},
		{map[string]any{"amount": 100, "date": "yesterday"}, "date"},
		{map[string]any{"amount": 100, "date": "2030-01-01"}, "date"},
		{map[string]any{"amount": 5001}, "amount"},
	} {
		if r := e.markPaid(ada, c.body); r.Status != 422 || !strings.Contains(string(r.Body), `"`+c.field+`"`) {
			t.Errorf("%v: %d %s", c.body, r.Status, r.Body)
		}
	}
	// Partial: still pending, the balance shown.
	r := e.markPaid(ada, map[string]any{"amount": 2000, "date": "2026-11-01"})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"pending_payment"`) || !strings.Contains(string(r.Body), `"balance":3000`) ||
		!strings.Contains(string(r.Body), `"amount_received":2000`) {
		t.Fatalf("partial: %d %s", r.Status, r.Body)
	}
	page = spaced(string(e.do("GET", "/a/"+token, nil, false).Body))
	if !strings.Contains(page, "Received so far: 20.00 EUR. Still to pay: 30.00 EUR.") {
		t.Fatalf("page after a partial payment:\n%s", page)
	}
	if e.mailsOf(ada, model.MailAccess) != 0 {
		t.Fatal("access sent before the full amount")
	}
	if r := e.markPaid(ada, map[string]any{"amount": 3001}); r.Status != 422 || !strings.Contains(spaced(string(r.Body)), "balance of 30.00 EUR") {
		t.Fatalf("more than the balance: %d %s", r.Status, r.Body)
	}
	// The rest: confirmed, access sent once.
	r = e.markPaid(ada, map[string]any{"amount": 3000})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"confirmed"`) || !strings.Contains(string(r.Body), `"balance":0`) {
		t.Fatalf("full: %d %s", r.Status, r.Body)
	}
	// Twice: refused, nothing recorded, no second mail.
	r = e.markPaid(ada, map[string]any{"amount": 3000})
	if r.Status != 409 || !strings.Contains(string(r.Body), `"already_paid"`) {
		t.Fatalf("twice: %d %s", r.Status, r.Body)
	}
	if n := e.mailsOf(ada, model.MailAccess); n != 1 {
		t.Fatalf("%d access mails", n)
	}
	regs := string(e.do("GET", fmt.Sprintf("/api/v1/events/%d/registrations", num(ev["id"])), nil, true).Body)
	if !strings.Contains(regs, fmt.Sprintf(`"id":%d,`, ada)) || !strings.Contains(regs, `"amount_paid":5000`) {
		t.Fatalf("registrations: %s", regs)
	}
	// Recorded by hand for what arrived: no payment processor took a fee,
	// and none is waited for.
	if !strings.Contains(regs, `"provider_fee":{"amount":0,"currency":"EUR"}`) {
		t.Fatalf("a transfer marked paid has no known provider fee: %s", regs)
	}
	// A registration paid by another provider has nothing to mark.
	if r := e.markPaid(99999, map[string]any{"amount": 100}); r.Status != 404 {
		t.Fatalf("unknown registration: %d %s", r.Status, r.Body)
	}
}

// TestBankTransferTermExpires: unpaid at the end of the term, the seat is
// released by the job (once, whatever the number of runs) and the
// registrant told; what had arrived is named; marking it paid then is
// refused; the seat is free for someone else.
func TestBankTransferTermExpires(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry())
	e.connectBank(3)
	ev := e.createEvent(bankEvent(1))
	slug := ev["slug"].(string)
	ada, _, token := e.registerBank(slug, "Ada")
	if r := e.markPaid(ada, map[string]any{"amount": 1000}); r.Status != 200 {
		t.Fatalf("partial: %d %s", r.Status, r.Body)
	}
	ctx := context.Background()
	e.clock.Add(3*24*time.Hour - time.Minute)
	if n, err := e.tickets.ExpireOfflinePayments(ctx); n != 0 || err != nil {
		t.Fatalf("before the term: %d %v", n, err)
	}
	// The ordinary holds job leaves it alone, however long it waits.
	if _, err := e.tickets.ExpireHolds(ctx); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(2 * time.Minute)
	for i, want := range []int64{1, 0} {
		if n, err := e.tickets.ExpireOfflinePayments(ctx); n != want || err != nil {
			t.Fatalf("run %d after the term: %d %v", i, n, err)
		}
	}
	if n := e.mailsOf(ada, model.MailPaymentExpired); n != 1 {
		t.Fatalf("%d notices", n)
	}
	msg := e.composed(ada, model.MailPaymentExpired)
	if !strings.Contains(spaced(msg.Text), "seat has been released") || !strings.Contains(spaced(msg.Text), "We had received 10.00 EUR") {
		t.Fatalf("notice:\n%s", msg.Text)
	}
	acc := e.do("GET", "/api/v1/access/"+token, nil, false).JSON(t)
	if acc["registration"].(map[string]any)["status"] != model.StatusExpired {
		t.Fatalf("access: %v", acc)
	}
	if r := e.markPaid(ada, map[string]any{"amount": 4000}); r.Status != 410 {
		t.Fatalf("marked paid after the term: %d %s", r.Status, r.Body)
	}
	e.registerBank(slug, "Bob") // the seat is free again
}

// TestAdminMarkPaid: the registrants table shows a pending transfer's
// reference and balance with a Mark paid form; its confirmation takes the
// amount and the date, refuses a wrong amount next to the field, records a
// part (the balance shrinks), then the rest (confirmed).
func TestAdminMarkPaid(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry())
	e.connectBank(7)
	ev := e.createEvent(bankEvent(5))
	ada, _, _ := e.registerBank(ev["slug"].(string), "Ada")
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	page := fmt.Sprintf("/admin/events/%d", num(ev["id"]))
	_, body := a.send("GET", page, nil)
	body = spaced(body)
	ref := banktransfer.Reference(ada)
	for _, want := range []string{"Reference " + ref + ": 50.00 EUR still due", fmt.Sprintf(`action="/admin/registrations/%d/mark_paid"`, ada), `value="50.00"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("registrants lack %q:\n%s", want, body)
		}
	}
	confirm := fmt.Sprintf("/admin/registrations/%d/mark_paid?amount=20&back=%s", ada, page)
	_, body = a.send("GET", confirm, nil)
	if !strings.Contains(body, `name="date" type="date"`) || !strings.Contains(body, "<code>"+ref+"</code>") || !strings.Contains(body, `value="20"`) {
		t.Fatalf("confirmation:\n%s", body)
	}
	action := fmt.Sprintf("/admin/registrations/%d/mark_paid", ada)
	st, _, body := a.post(confirm, action, url.Values{"amount": {"60"}, "back": {page}})
	if st != 422 || !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(spaced(body), "balance of 50.00 EUR") {
		t.Fatalf("too much: %d\n%s", st, body)
	}
	st, loc, _ := a.post(confirm, action, url.Values{"amount": {"20"}, "date": {"2026-10-31"}, "back": {page}})
	if st != 303 || !strings.Contains(loc, "done=mark_paid") {
		t.Fatalf("part: %d %s", st, loc)
	}
	_, body = a.send("GET", loc, nil)
	if body = spaced(body); !strings.Contains(body, "The payment has been recorded.") || !strings.Contains(body, "30.00 EUR still due") {
		t.Fatalf("after a part:\n%s", body)
	}
	if st, _, _ = a.post(confirm, action, url.Values{"amount": {"30"}, "back": {page}}); st != 303 {
		t.Fatalf("the rest: %d", st)
	}
	r, err := e.tickets.Registration(context.Background(), ada)
	if err != nil || r.Status != model.StatusConfirmed || r.AmountPaid != 5000 {
		t.Fatalf("after the rest: %+v %v", r, err)
	}
}
