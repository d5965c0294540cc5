package ticketing

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// TestReportEndedTiers: the organizers get one mail when a tier sells out
// (its quantity paid for; a hold does not count) and one when a tier's
// expiry passes, with its sales; never twice, across a restart too; and
// the price never waited for the report.
func TestReportEndedTiers(t *testing.T) {
	w := newWorld(t)
	if err := w.store.Write(w.ctx, func(tx *store.Tx) error {
		_, err := tx.InsertUser("org@example.org", "x")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e := w.event(eventSpec{capacity: 50, price: 4900})
	expires := day0.Add(48 * time.Hour).Format(time.RFC3339)
	early, err := w.svc.AddTier(w.ctx, e.ID, TierInput{Name: "Early bird", Amount: ptr(int64(2900)), Quantity: ptr(int64(2))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.AddTier(w.ctx, e.ID, TierInput{Name: "Last week", Amount: ptr(int64(3900)), ExpiresAt: &expires}); err != nil {
		t.Fatal(err)
	}
	report := func(want int) {
		t.Helper()
		n, err := w.svc.ReportEndedTiers(w.ctx)
		if err != nil || n != want {
			t.Fatalf("ReportEndedTiers = %d, %v; want %d", n, err, want)
		}
	}
	tierMails := func() []model.OutboxMail {
		t.Helper()
		all, err := w.store.Outbox(w.ctx, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		var out []model.OutboxMail
		for _, m := range all {
			if m.Kind == model.MailTierEnded {
				out = append(out, m)
			}
		}
		return out
	}

	a := w.pay(w.mustRegister(e, "a@example.org", nil))
	b := w.mustRegister(e, "b@example.org", nil) // held, not paid
	if a.Amount != 2900 || b.Amount != 2900 {
		t.Fatalf("early bird price: %d, %d", a.Amount, b.Amount)
	}
	report(0) // one paid, one held: not sold out
	w.pay(b)
	report(1)
	report(0)
	got := tierMails()
	if len(got) != 1 || got[0].To != "org@example.org" || got[0].RegistrationID != nil {
		t.Fatalf("mails: %+v", got)
	}
	msg, err := w.svc.Compose(w.ctx, got[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Early bird", "sold out", "2", "58.00", e.Title} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("sold-out mail lacks %q:\n%s", want, msg.Text)
		}
	}
	if !strings.Contains(msg.Subject, "Early bird") {
		t.Errorf("subject %q", msg.Subject)
	}

	// Past the second tier's expiry the price moved on at once, whether
	// or not the job ran.
	w.clock.Add(49 * time.Hour)
	if c := w.mustRegister(e, "c@example.org", nil); c.Amount != 4900 {
		t.Fatalf("after expiry: %d", c.Amount)
	}
	// A restart: a new service on the same database.
	restart := func() {
		t.Helper()
		text, err := loadText()
		if err != nil {
			t.Fatal(err)
		}
		svc, err := New(w.store, Options{Secret: bytes.Repeat([]byte{7}, 32), Subjects: I18nSubjects{Bundle: text.tr},
			Renderer: text.renderer, PublicURL: "https://tickets.test", Modules: testModules("stripe", "paypal"), Now: w.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		w.svc = svc
	}
	restart()
	report(1)
	report(0)
	restart()
	report(0)
	got = tierMails()
	if len(got) != 2 {
		t.Fatalf("%d tier mails, want 2", len(got))
	}
	msg, err = w.svc.Compose(w.ctx, got[0]) // newest first
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Last week", "end date", "0"} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("expiry mail lacks %q:\n%s", want, msg.Text)
		}
	}
	if early.Sold != 0 {
		t.Errorf("a new tier has sold %d", early.Sold)
	}
}
