package ticketing

import (
	"fmt"
	"testing"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/store"
)

// amountSubjects writes every subject with the amount it is given, so a
// test sees which rule decided it.
type amountSubjects struct{}

func (amountSubjects) Subject(kind, locale string, data map[string]any) string {
	return fmt.Sprintf("%s %s [%v]", kind, locale, data["Amount"])
}

// TestSubjectOneAmountRule: a mail's subject names the same amount whether
// it is written when the mail is queued or again when it leaves in the
// language the registrant switched to: an amount of nothing (a lapsed
// transfer of which nothing had arrived) is in neither. Before, the queued
// subject was given "0.00 EUR" and the one written again nothing.
func TestSubjectOneAmountRule(t *testing.T) {
	w := newWorld(t)
	w.svc.subjects = amountSubjects{}
	e := w.event(eventSpec{price: 1500})
	r := w.mustRegister(e, "ada@example.org", nil)
	for _, c := range []struct {
		kind   string
		amount int64
		want   func(locale string) string
	}{
		{model.MailPaymentExpired, 0, func(l string) string { return model.MailPaymentExpired + " " + l + " [<nil>]" }},
		{model.MailRefunded, 1500, func(l string) string {
			return model.MailRefunded + " " + l + " [" + pricing.FormatMoney(1500, "EUR", l) + "]"
		}},
	} {
		var m *model.OutboxMail
		if err := w.store.Write(w.ctx, func(tx *store.Tx) error {
			var err error
			m, err = w.svc.queueMailRow(tx, r, e, c.kind, map[string]any{"amount": c.amount, "currency": "EUR"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if want := c.want(m.Locale); m.Subject != want {
			t.Errorf("%s queued: %q, want %q", c.kind, m.Subject, want)
		}
		if err := w.store.Write(w.ctx, func(tx *store.Tx) error { return tx.SetRegistrationLocale(r.ID, "fr") }); err != nil {
			t.Fatal(err)
		}
		_, msg, err := w.svc.OutboxMessage(w.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.want("fr"); msg.Subject != want {
			t.Errorf("%s sent in French: %q, want %q", c.kind, msg.Subject, want)
		}
		if err := w.store.Write(w.ctx, func(tx *store.Tx) error { return tx.SetRegistrationLocale(r.ID, m.Locale) }); err != nil {
			t.Fatal(err)
		}
		r = w.reg(r.ID)
	}
}
