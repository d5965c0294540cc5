package web

import (
	"strings"
	"testing"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/plugins/banktransfer"
)

// TestPaymentInstructionsFollowLanguage: the payment_due mail, queued while
// the registrant read English and sent after they switched their page to
// German, gives the instructions in German, labels included, as a mail
// client reads it off a real SMTP server. Before, its labels stayed English:
// they were written when the mail was queued.
func TestPaymentInstructionsFollowLanguage(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry())
	e.connectBank(5)
	ev := e.createEvent(bankEvent(2))
	ada, _, token := e.registerBank(ev["slug"].(string), "Ada")
	if r := e.do("GET", "/a/"+token+"?lang=de", nil, false); r.Status != 200 {
		t.Fatalf("Ada's page in German: %d", r.Status)
	}
	srv, d := e.smtp()
	got := e.delivered(srv, d, 1)["ada@example.org"]
	ref := banktransfer.FormatReference(banktransfer.Reference(ada))
	text, html := spaced(got.Text), spaced(got.HTML)
	for _, want := range []string{"Kontoinhaber: Webinars Ltd", "IBAN: DE89 3704 0044 0532 0130 00", "Verwendungszweck: " + ref, "50,00 EUR",
		"billing@example.org"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q", want)
		}
	}
	for _, want := range []string{"Kontoinhaber", "Verwendungszweck", ref} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	for _, english := range []string{"Account holder", "Payment reference"} {
		if strings.Contains(text, english) || strings.Contains(html, english) {
			t.Errorf("English %q left in the German mail", english)
		}
	}
	if t.Failed() {
		t.Fatalf("%s\n%s", got.Subject, got.Text)
	}
}
