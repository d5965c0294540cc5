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

// TestBankTransferAfterApproval: on an event with manual approval, a
// registrant who pays by bank transfer waits for the organizer with nothing
// to pay (no reference, no instructions; the mail and the page say the
// instructions follow), their seat held; confirming opens the payment (a
// reference, the instructions mailed, the term counted from the
// confirmation), and the transfer then confirms at once; rejecting refunds
// nothing and tells them.
func TestBankTransferAfterApproval(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry())
	e.connectBank(5)
	ev := e.createEvent(liveEvent(map[string]any{"price": map[string]any{"amount": 5000, "currency": "EUR"}, "providers": []string{"banktransfer"},
		"capacity": 2, "approval_required": true}))
	slug := ev["slug"].(string)
	if r := e.do("GET", "/api/v1/public/events/"+slug, nil, false); !strings.Contains(string(r.Body), `"approval":{"banktransfer":"pay_after_approval"}`) {
		t.Fatalf("public event: %s", r.Body)
	}
	if page := string(e.do("GET", "/e/"+slug, nil, false).Body); !strings.Contains(page, "Nothing to pay now: the payment instructions follow by email once your registration is approved.") ||
		strings.Contains(page, "Continue to payment") {
		t.Fatalf("event page:\n%s", page)
	}
	srv, d := e.smtp()
	ada, _, _ := e.registerBank(slug, "Ada")
	bob, _, _ := e.registerBank(slug, "Bob")
	// Both seats are held while they wait.
	if r := e.do("POST", "/api/v1/public/events/"+slug+"/registrations", map[string]any{"name": "Cy", "email": "cy@example.org", "provider": "banktransfer"}, false); r.Status != 409 {
		t.Fatalf("a third registration: %d %s", r.Status, r.Body)
	}
	mails := e.delivered(srv, d, 2)
	for _, m := range mails {
		text := spaced(m.Text)
		if !strings.Contains(text, "Nothing to pay yet") || !strings.Contains(text, "50.00 EUR") || strings.Contains(text, "DE89") || strings.Contains(text, "RF") {
			t.Fatalf("pending mail to %v:\n%s", m.To, text)
		}
	}
	if e.mailsOf(ada, model.MailPaymentDue) != 0 {
		t.Fatal("instructions sent before approval")
	}
	token := e.accessToken(ada)
	acc := e.do("GET", "/api/v1/access/"+token, nil, false)
	pay, _ := acc.JSON(t)["payment"].(map[string]any)
	if pay == nil || pay["awaiting_approval"] != true || pay["reference"] != nil || pay["due_at"] != nil || num(pay["amount"]) != 5000 || num(pay["balance"]) != 0 {
		t.Fatalf("access before approval: %s", acc.Body)
	}
	page := spaced(string(e.do("GET", "/a/"+token, nil, false).Body))
	if !strings.Contains(page, "Nothing to pay yet") || !strings.Contains(page, "50.00 EUR (Bank transfer)") || strings.Contains(page, "DE89") {
		t.Fatalf("page before approval:\n%s", page)
	}
	if r := e.markPaid(ada, map[string]any{"amount": 5000}); r.Status != 409 {
		t.Fatalf("marked paid before approval: %d %s", r.Status, r.Body)
	}

	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	if _, body := a.send("GET", fmt.Sprintf("/admin/registrations/%d/confirm", ada), nil); !strings.Contains(body, "the registrant gets the payment instructions with their reference") {
		t.Fatalf("confirmation page:\n%s", body)
	}
	// Confirmed two days later: the term runs from then.
	e.clock.Add(48 * time.Hour)
	confirmedAt := e.clock.Now()
	r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", ada), nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"pending_payment"`) {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	pay = e.do("GET", "/api/v1/access/"+token, nil, false).JSON(t)["payment"].(map[string]any)
	ref, _ := pay["reference"].(string)
	if id, ok := banktransfer.ParseReference(ref); !ok || id != ada || num(pay["balance"]) != 5000 || pay["awaiting_approval"] != nil {
		t.Fatalf("after approval: %v", pay)
	}
	if due, _ := time.Parse(time.RFC3339, pay["due_at"].(string)); !due.Equal(confirmedAt.Add(5 * 24 * time.Hour)) {
		t.Fatalf("due_at %v, want 5 days after the confirmation %v", pay["due_at"], confirmedAt)
	}
	m := e.delivered(srv, d, 1)["ada@example.org"]
	text := spaced(m.Text)
	for _, want := range []string{"the organizer has approved your registration", "DE89 3704 0044 0532 0130 00", banktransfer.FormatReference(ref), "50.00 EUR", "Webinars Ltd"} {
		if !strings.Contains(text, want) {
			t.Fatalf("instructions mail lacks %q:\n%s", want, text)
		}
	}
	if !strings.HasPrefix(m.Subject, "How to pay for") {
		t.Fatalf("subject %q", m.Subject)
	}
	// Paid: confirmed at once (approved before), one access mail.
	if r := e.markPaid(ada, map[string]any{"amount": 5000}); r.Status != 200 || !strings.Contains(string(r.Body), `"status":"confirmed"`) {
		t.Fatalf("paid: %d %s", r.Status, r.Body)
	}
	if n := e.mailsOf(ada, model.MailAccess); n != 1 {
		t.Fatalf("%d access mails", n)
	}

	// Rejected: nothing to refund, the registrant told, the seat free.
	r = e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/reject", bob), nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"rejected"`) || strings.Contains(string(r.Body), "refund_owed") {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	if refunds, err := e.tickets.Refunds(context.Background(), bob); err != nil || len(refunds) != 0 {
		t.Fatalf("refunds %v %v", refunds, err)
	}
	if m := e.delivered(srv, d, 2)["bob@example.org"]; !strings.Contains(m.Text, "could not accept your registration") || strings.Contains(m.Text, "refund") {
		t.Fatalf("rejection mail:\n%s", m.Text)
	}
	cy, _, _ := e.registerBank(slug, "Cy")
	// Approved and never paid: released at the end of the term, counted
	// from the approval.
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", cy), nil, true); r.Status != 200 {
		t.Fatalf("confirm cy: %d %s", r.Status, r.Body)
	}
	e.clock.Add(5*24*time.Hour - time.Minute)
	if n, err := e.tickets.ExpireOfflinePayments(context.Background()); n != 0 || err != nil {
		t.Fatalf("before the term: %d %v", n, err)
	}
	e.clock.Add(2 * time.Minute)
	if n, err := e.tickets.ExpireOfflinePayments(context.Background()); n != 1 || err != nil {
		t.Fatalf("after the term: %d %v", n, err)
	}
	if g := e.reg(cy); g.Status != model.StatusExpired || e.mailsOf(cy, model.MailPaymentExpired) != 1 {
		t.Fatalf("cy %+v", g)
	}
}

// TestBankTransferRefundOwedByHand: a bank transfer cancelled after it
// was paid cannot be refunded by the provider: the refund is recorded as
// owed by the organizer (refund_owed, method manual, in the JSON, the CSV
// and the registrants' table), never sent nor retried; the organizer marks
// it refunded from the table, once, and the registrant is told.
func TestBankTransferRefundOwedByHand(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry())
	e.connectBank(7)
	ev := e.createEvent(bankEvent(5))
	eventID := num(ev["id"])
	ada, _, _ := e.registerBank(ev["slug"].(string), "Ada")
	if r := e.markPaid(ada, map[string]any{"amount": 5000}); r.Status != 200 {
		t.Fatalf("paid: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", ada), nil, true); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada), nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"refund_owed":{"method":"manual","amount":5000,"currency":"EUR"}`) ||
		!strings.Contains(string(r.Body), `"amount_refunded":0`) {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	if err := e.tickets.SendDueRefunds(context.Background()); err != nil {
		t.Fatal(err)
	}
	refunds, err := e.tickets.Refunds(context.Background(), ada)
	if err != nil || len(refunds) != 1 || refunds[0].Method != model.RefundManual || refunds[0].Status != model.RefundQueued || refunds[0].Attempts != 0 {
		t.Fatalf("refunds %+v %v", refunds, err)
	}
	if l := e.listed(eventID, ada); l["refund_owed"] == nil {
		t.Fatalf("listed %v", l)
	}
	if row := e.csvRow(eventID, ada); row["refund_owed"] != "5000" || row["amount_refunded"] != "0" {
		t.Fatalf("CSV %v", row)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada), nil, true); r.Status != 409 || !strings.Contains(string(r.Body), "by hand") {
		t.Fatalf("refund again: %d %s", r.Status, r.Body)
	}

	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	page := fmt.Sprintf("/admin/events/%d", eventID)
	_, body := a.send("GET", page, nil)
	if !strings.Contains(spaced(body), "Refund owed by hand: 50.00 EUR") || !strings.Contains(body, fmt.Sprintf(`/admin/registrations/%d/mark_refunded`, ada)) {
		t.Fatalf("registrants:\n%s", body)
	}
	confirm := fmt.Sprintf("/admin/registrations/%d/mark_refunded?back=%s", ada, url.QueryEscape(page))
	_, body = a.send("GET", confirm, nil)
	if !strings.Contains(spaced(body), "Owed back by hand") || !strings.Contains(body, "Record the refund to Ada") {
		t.Fatalf("confirmation:\n%s", body)
	}
	st, loc, _ := a.post(confirm, fmt.Sprintf("/admin/registrations/%d/mark_refunded", ada), url.Values{"back": {page}})
	if st != 303 || !strings.Contains(loc, "done=mark_refunded") {
		t.Fatalf("mark refunded: %d %s", st, loc)
	}
	if _, body = a.send("GET", loc, nil); !strings.Contains(body, "The refund has been recorded.") || strings.Contains(spaced(body), "Refund owed by hand") {
		t.Fatalf("after:\n%s", body)
	}
	g := e.reg(ada)
	if g.Status != model.StatusRefunded || g.AmountRefunded != 5000 {
		t.Fatalf("refunded %+v", g)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/mark_refunded", ada), nil, true); r.Status != 409 || !strings.Contains(string(r.Body), `"nothing_owed"`) {
		t.Fatalf("twice: %d %s", r.Status, r.Body)
	}
	if msg := e.composed(ada, model.MailRefunded); !strings.Contains(msg.Text, "sent it back to you by bank transfer") {
		t.Fatalf("refund mail:\n%s", msg.Text)
	}
	if e.mailsOf(ada, model.MailRefunded) != 1 {
		t.Fatal("refund mails")
	}
}
