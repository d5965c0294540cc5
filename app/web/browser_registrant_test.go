package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserRegistrantPage: on a phone (390 × 844), the registrant's page
// counts down to the session in the page's language, and the join button
// comes alive when the room opens, 15 minutes before the start, without a
// reload. The server's clock leads: the test's is two seconds before the
// window.
func TestBrowserRegistrantPage(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"refund_policy": "Full refund up to 48 hours before.", "cancel_refund_hours": 48}))
	_, token := e.registerOne("intro-to-go", "Ada Lovelace", "ada@example.org")
	e.clock.Set(time.Date(2026, 12, 1, 16, 44, 58, 0, time.UTC)) // the room opens at 16:45 UTC
	base := e.serve()
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	if st := open(t, ctx, base+"/a/"+token+"?lang=ru"); st != 200 {
		t.Fatalf("page: %d", st)
	}
	screenshot(t, ctx, "registrant-390")
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("at 390 px the page is %d px wide (%v)", w, err)
	}
	if s := text(t, ctx, "li.session .countdown"); !strings.HasPrefix(s, "через 1") {
		t.Errorf("countdown %q, want «через 1… минут»", s)
	}
	if s := text(t, ctx, "li.session time"); !strings.Contains(s, "1 декабря 2026") || !strings.Contains(s, "(Париж)") {
		t.Errorf("session time %q", s)
	}
	if s := text(t, ctx, "#join"); s != "Присоединиться" {
		t.Errorf("join label %q", s)
	}
	// The window opens: the button becomes the main one.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.getElementById("join").classList.contains("secondary")`)); err != nil {
		t.Fatalf("the join button did not come alive: %v", err)
	}
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("join-hint").hidden`)); err != nil || !hidden {
		t.Errorf("the 'opens at' hint still shows: %v %v", hidden, err)
	}
	// The language switch names the languages.
	if s := text(t, ctx, "nav.langs"); !strings.Contains(s, "Français") || !strings.Contains(s, "Русский") || !strings.Contains(s, "Deutsch") {
		t.Errorf("language switch %q", s)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("form.cancel details > summary")), chromedp.WaitVisible(chromedp.CSS("form.cancel button.danger")))
	screenshot(t, ctx, "registrant-390-cancel")
	if s := text(t, ctx, "form.cancel .outcome"); !strings.Contains(s, "бесплатная") {
		t.Errorf("cancel outcome %q", s)
	}
}
