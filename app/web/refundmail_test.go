package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/admit/admit/app/model"
)

// TestRefundMailsKeepTheirFacts: a refund's subject names the amount (it
// read "Refund of <no value>"), in the registrant's language, and a
// partial refund's email that leaves after a later full refund still says
// it was partial (the mail is composed when it leaves, from facts kept
// when it was queued).
func TestRefundMailsKeepTheirFacts(t *testing.T) {
	e, f := fakeEnv(t)
	e.createEvent(paidEvent(nil))
	ada, _ := e.payFake(f, "intro-to-go", "Ada", 1999, nil)
	path := fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID)
	if r := e.do("POST", path, map[string]any{"amount": 500}, true); r.Status != 200 {
		t.Fatalf("partial refund: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", path, nil, true); r.Status != 200 || !strings.Contains(string(r.Body), `"status":"refunded"`) {
		t.Fatalf("refund of the rest: %d %s", r.Status, r.Body)
	}
	var subjects []string
	var partial, full string
	mails := e.outbox()
	for _, m := range mails {
		if m.Kind != model.MailRefunded {
			continue
		}
		subjects = append(subjects, m.Subject)
		msg := e.compose(m)
		if strings.Contains(m.Subject, "5.00\u00a0EUR") {
			partial = msg.Text
		} else {
			full = msg.Text
		}
	}
	if len(subjects) != 2 || subjects[0] != "Refund of 5.00\u00a0EUR: Intro to Go" || subjects[1] != "Refund of 14.99\u00a0EUR: Intro to Go" {
		t.Fatalf("subjects %q", subjects)
	}
	if !strings.Contains(partial, "partial refund") || strings.Contains(partial, "no longer gives access") {
		t.Errorf("the partial refund's mail, composed after the full refund:\n%s", partial)
	}
	if !strings.Contains(full, "no longer gives access") {
		t.Errorf("the full refund's mail:\n%s", full)
	}

	// In the registrant's language.
	bob, _ := e.payFake(f, "intro-to-go", "Bob", 1999, map[string]any{"locale": "fr"})
	e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", bob.ID), map[string]any{"amount": 1250}, true)
	if m := e.lastMail(bob.ID, model.MailRefunded); m.Subject != "Remboursement de 12,50\u00a0EUR\u00a0: Intro to Go" {
		t.Errorf("French subject %q", m.Subject)
	}
}
