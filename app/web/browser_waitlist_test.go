package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// In Chromium: joining from the sold-out event page, the offer page in each
// language, then the claim: the button takes the seat and lands on the
// registrant's page.
func TestBrowserWaitlistOffer(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"slug": "full", "capacity": 1}))
	al, _ := e.registerOne("full", "Al", "al@example.org")
	base := e.serve()
	ctx := newBrowser(t)
	// Bo joins the line from the sold-out event page.
	if st := open(t, ctx, base+"/e/full?lang=en"); st != 200 {
		t.Fatalf("event page: %d", st)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("form.waitlist #name"), "Bo Waits"),
		chromedp.SendKeys(chromedp.CSS("form.waitlist #email"), "bo@example.org"),
	)
	screenshot(t, ctx, "waitlist-form")
	if st := clickAndLoad(t, ctx, "form.waitlist button"); st != 201 {
		t.Fatalf("join from the page: %d", st)
	}
	screenshot(t, ctx, "waitlist-joined")
	if s := text(t, ctx, "main"); !strings.Contains(s, "Your place in line: 1.") {
		t.Fatalf("after joining:\n%s", s)
	}
	if r := e.do("POST", "/api/v1/registrations/"+strconv.FormatInt(al, 10)+"/cancel", nil, true); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	tok := e.offerToken("bo@example.org")
	claim := map[string]string{"en": "Confirm and take my seat", "fr": "Confirmer et prendre ma place",
		"es": "Confirmar y tomar mi plaza", "ru": "Подтвердить и занять место", "de": "Bestätigen und Platz nehmen"}
	for _, lang := range []string{"en", "fr", "es", "ru", "de"} {
		if st := open(t, ctx, base+"/w/"+tok+"?lang="+lang); st != 200 {
			t.Fatalf("offer page in %s: %d", lang, st)
		}
		screenshot(t, ctx, "waitlist-offer-"+lang)
		if s := text(t, ctx, "form button"); s != claim[lang] {
			t.Errorf("%s: button %q, want %q", lang, s, claim[lang])
		}
		if s := text(t, ctx, "main"); strings.Contains(s, "page.") || !strings.Contains(s, "Bo Waits") {
			t.Errorf("%s: page text:\n%s", lang, s)
		}
	}
	if st := open(t, ctx, base+"/w/"+tok+"?lang=en"); st != 200 {
		t.Fatalf("offer page: %d", st)
	}
	if st := clickAndLoad(t, ctx, "form button"); st != 200 {
		t.Fatalf("after the claim: %d", st)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasPrefix(loc, base+"/a/") {
		t.Fatalf("after the claim at %s, want the access page", loc)
	}
	screenshot(t, ctx, "waitlist-claimed")
	if s := text(t, ctx, "p.status"); s != "You are registered" {
		t.Fatalf("status %q, want \"You are registered\"", s)
	}
}
