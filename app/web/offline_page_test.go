package web

import (
	"strings"
	"testing"

	"github.com/admit/admit/app/payment"
)

// bankPageFixture is a partly paid bank transfer (20 of 50 EUR) and one
// awaiting approval: their access tokens.
func bankPageFixture(e *env) (partly, awaiting string) {
	e.t.Helper()
	e.connectBank(5)
	ev := e.createEvent(bankEvent(5))
	ada, _, token := e.registerBank(ev["slug"].(string), "Ada")
	if r := e.markPaid(ada, map[string]any{"amount": 2000}); r.Status != 200 {
		e.t.Fatalf("partial payment: %d %s", r.Status, r.Body)
	}
	later := e.createEvent(liveEvent(map[string]any{"title": "Approved, then Paid", "price": map[string]any{"amount": 5000, "currency": "EUR"},
		"providers": []string{"banktransfer"}, "approval_required": true}))
	_, _, awaiting = e.registerBank(later["slug"].(string), "Finn")
	return token, awaiting
}

// TestBankTransferPageOneNumberFormat: a reader from Mexico (es-MX writes
// 50.00 where Spain writes 50,00) sees every amount of a bank transfer on
// their page (the price, what arrived, what is left; the price awaiting
// approval) written their region's way, as the page's other amounts are,
// in Spanish text. Before, those amounts were written as in Spain.
func TestBankTransferPageOneNumberFormat(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry())
	partly, awaiting := bankPageFixture(e)
	page := spaced(string(e.do("GET", "/a/"+partly+"?lang=es-MX", nil, false).Body))
	for _, want := range []string{"Pague 50.00 EUR como se indica", "<dd>50.00 EUR</dd>", "Recibido hasta ahora: 20.00 EUR. Falta por pagar: 30.00 EUR.",
		"Concepto de la transferencia"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, ",00 EUR") {
		t.Errorf("an amount written as in Spain")
	}
	if t.Failed() {
		t.Fatal(page)
	}
	page = spaced(string(e.do("GET", "/a/"+awaiting+"?lang=es-MX", nil, false).Body))
	if !strings.Contains(page, "instrucciones para pagar 50.00 EUR (Transferencia bancaria)") {
		t.Fatalf("awaiting approval:\n%s", page)
	}
	// Spain's own reader keeps Spain's way.
	if page := spaced(string(e.do("GET", "/a/"+partly+"?lang=es", nil, false).Body)); !strings.Contains(page, "Falta por pagar: 30,00 EUR.") {
		t.Fatalf("in Spain:\n%s", page)
	}
}

// TestBrowserBankTransferPageRegion: the same pages in Chromium for the
// reader from Mexico, at 390 and 1280 px, pass axe (and are screenshot
// with ADMIT_SCREENSHOTS).
func TestBrowserBankTransferPageRegion(t *testing.T) {
	axeSource(t)
	e := newEnvWith(t, payment.NewRegistry())
	partly, awaiting := bankPageFixture(e)
	base := e.serve()
	ctx := newBrowser(t)
	checkPages(t, ctx, base, map[string]string{"partly": partly, "awaiting": awaiting}, []a11yPage{
		{name: "bank-transfer-approval-es-MX", path: "/a/{awaiting}?lang=es-MX"},
		{name: "bank-transfer-es-MX", path: "/a/{partly}?lang=es-MX"},
	})
	if got := text(t, ctx, "section.offline p.notice"); !strings.Contains(spaced(got), "20.00 EUR") {
		t.Fatalf("the balance reads %q", got)
	}
}
