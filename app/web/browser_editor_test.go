package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/admit/admit/app/model"
)

// TestBrowserEventEditor drives the event editor and the registrants'
// table in Chromium: sign in, create a paid event with a session through
// the form, add a tier and a promo code, move the session after its
// preview, see a buyer who came through the public API and paid, refund
// part of it after its confirmation, export the CSV with the session, sign
// out. ADMIT_SCREENSHOTS=dir keeps a picture of each page.
func TestBrowserEventEditor(t *testing.T) {
	e := stripeEnv(t)
	now := time.Now().UTC().Truncate(time.Second)
	e.clock.Set(now) // webhooks are signed now
	base := e.serve()
	ctx := newBrowserFor(t, 4*browserTimeout)
	browserSignIn(t, ctx, base)
	starts := now.Add(10 * 24 * time.Hour).In(time.UTC)

	// A paid event with one session, through the "new event" form.
	open(t, ctx, base+"/admin/events")
	do(t, ctx,
		chromedp.SendKeys(chromedp.ID("title"), "Go Workshop"),
		chromedp.SetValue(chromedp.ID("timezone"), "UTC"),
		chromedp.SetValue(chromedp.ID("starts_at_0"), starts.Format(localMinute)),
		chromedp.SetValue(chromedp.ID("duration_0"), "90"),
		chromedp.SetValue(chromedp.ID("capacity"), "20"),
		chromedp.SetValue(chromedp.ID("amount"), "20"),
		chromedp.SetValue(chromedp.ID("currency"), "EUR"),
		chromedp.Click(`input[name="providers"][value="stripe"]`),
		chromedp.SetValue(chromedp.ID("status"), "published"),
	)
	if st := clickAndLoad(t, ctx, `form.event-form button[type="submit"]`); st != 200 {
		t.Fatalf("create: %d\n%s", st, text(t, ctx, "main"))
	}
	eventPage, _ := chromedp.Run(ctx, chromedp.Location())
	eventPage, _, _ = strings.Cut(eventPage, "?")

	// The editor: a tier (first with a mistake), a promo code.
	if st := clickAndLoad(t, ctx, `a[href*="/edit"]`); st != 200 {
		t.Fatalf("editor: %d", st)
	}
	screenshot(t, ctx, "editor")
	if s := text(t, ctx, "#amount-hint"); !strings.Contains(s, "Allowed: 1.00\u00a0EUR to 2,000.00\u00a0EUR.") {
		t.Fatalf("price hint %q", s)
	}
	do(t, ctx, chromedp.SendKeys(chromedp.ID("tier_name"), "Early bird"), chromedp.SendKeys(chromedp.ID("tier_amount"), "25"))
	if st := clickAndLoad(t, ctx, `form.add-tier button[type="submit"]`); st != 422 {
		t.Fatalf("tier above the price: %d", st)
	}
	screenshot(t, ctx, "tier-error")
	if s := text(t, ctx, "#tier_amount-error"); !strings.HasPrefix(s, "Enter a price below the event’s price") {
		t.Fatalf("tier error %q", s)
	}
	do(t, ctx, chromedp.SetValue(chromedp.ID("tier_amount"), "15"), chromedp.SetValue(chromedp.ID("tier_quantity"), "10"))
	if st := clickAndLoad(t, ctx, `form.add-tier button[type="submit"]`); st != 200 {
		t.Fatalf("add tier: %d", st)
	}
	if s := text(t, ctx, "p.notice.ok"); s != "The tier is added." {
		t.Fatalf("notice %q", s)
	}
	do(t, ctx, chromedp.SendKeys(chromedp.ID("promo_code"), "FIVE"), chromedp.SetValue(chromedp.ID("promo_kind"), "amount"),
		chromedp.SendKeys(chromedp.ID("promo_value"), "5"), chromedp.SetValue(chromedp.ID("promo_max_uses"), "3"))
	if st := clickAndLoad(t, ctx, `form.add-promo button[type="submit"]`); st != 200 {
		t.Fatalf("add code: %d", st)
	}
	if s := text(t, ctx, "table.promos tbody"); !strings.Contains(s, "FIVE") || !strings.Contains(s, "5.00\u00a0EUR") {
		t.Fatalf("codes %q", s)
	}
	screenshot(t, ctx, "editor-tiers-codes")

	// Someone buys with the code (15 − 5 = 10 EUR) and pays.
	st, body := postJSON(newHTTPClient(), base+"/api/v1/public/events/go-workshop/registrations",
		`{"name":"Ada Lovelace","email":"ada@example.org","promo_code":"FIVE","provider":"stripe"}`)
	if st != 201 {
		t.Fatalf("register: %d %s", st, body)
	}
	ada := e.reg(e.registrationID("go-workshop"))
	if ada.Amount != 1000 {
		t.Fatalf("price with the tier and the code: %d", ada.Amount)
	}
	if r := e.webhook(paidWebhook("evt_ada", ada, 1000), time.Now()); r.Status != 200 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}

	// Moving the session: the preview names Ada and the mail, then it moves.
	open(t, ctx, eventPage+"/edit")
	do(t, ctx, chromedp.SetValue(chromedp.ID("starts_at_0"), starts.Add(time.Hour).Format(localMinute)))
	if st := clickAndLoad(t, ctx, `form.sessions-form button[type="submit"]`); st != 200 {
		t.Fatalf("sessions preview: %d", st)
	}
	screenshot(t, ctx, "sessions-preview")
	if s := text(t, ctx, "main"); !strings.Contains(s, "Registrants told: 1") || !strings.Contains(s, "the schedule changed") {
		t.Fatalf("preview %q", s)
	}
	if st := clickAndLoad(t, ctx, `form.confirm-form button[type="submit"]`); st != 200 {
		t.Fatalf("sessions confirm: %d", st)
	}
	if s := text(t, ctx, "p.notice.ok"); !strings.HasPrefix(s, "The sessions are saved") {
		t.Fatalf("notice %q", s)
	}
	e.lastMail(ada.ID, model.MailEventChanged)

	// The registrants: Ada paid 10 EUR with the tier and the code.
	open(t, ctx, eventPage)
	row := fmt.Sprintf("#registration-%d", ada.ID)
	if s := text(t, ctx, row); !strings.Contains(s, "Ada Lovelace") || !strings.Contains(s, "10.00\u00a0EUR") || !strings.Contains(s, "Early bird") ||
		!strings.Contains(s, "FIVE") || !strings.Contains(s, "Stripe") {
		t.Fatalf("row %q", s)
	}
	screenshot(t, ctx, "registrants")
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "registrants-390")
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("at 390 px the event page is %d px wide (%v)", w, err)
	}
	open(t, ctx, eventPage+"/edit")
	screenshot(t, ctx, "editor-390")
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("body *")].filter(e => !(e.parentElement && e.parentElement.closest(".scroll")) && e.getBoundingClientRect().right > 390).slice(0, 5).map(e => e.tagName + "#" + e.id + "." + e.className).join(" ")`))
		t.Errorf("at 390 px the editor is %d px wide (%v): %s", w, err, wide)
	}
	if _, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}

	// Refund 4 EUR: the row's button asks first.
	open(t, ctx, eventPage)
	do(t, ctx, chromedp.SendKeys(chromedp.ID(fmt.Sprintf("refund-%d", ada.ID)), "4"))
	if st := clickAndLoad(t, ctx, row+` form.refund button`); st != 200 {
		t.Fatalf("refund confirmation: %d", st)
	}
	screenshot(t, ctx, "refund-confirm")
	if h := text(t, ctx, "h1"); h != "Refund Ada Lovelace?" {
		t.Fatalf("confirmation %q", h)
	}
	if st := clickAndLoad(t, ctx, `form.confirm-form button[type="submit"]`); st != 200 {
		t.Fatalf("refund: %d\n%s", st, text(t, ctx, "main"))
	}
	if s := text(t, ctx, "p.notice.ok"); s != "The refund is on its way." {
		t.Fatalf("notice %q", s)
	}
	if r := e.reg(ada.ID); r.AmountRefunded != 400 || r.Status != model.StatusPartiallyRefunded {
		t.Fatalf("after refunding 4: %s, refunded %d", r.Status, r.AmountRefunded)
	}
	if s := text(t, ctx, row); !strings.Contains(s, "4.00\u00a0EUR") || !strings.Contains(s, "Partly refunded") {
		t.Fatalf("row after the refund %q", s)
	}
	screenshot(t, ctx, "refunded")

	// The CSV, as its link downloads it with the session.
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('a[download]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(csv, "ada@example.org") || !strings.Contains(csv, ",1000,400,EUR,Early bird,FIVE,stripe,") {
		t.Fatalf("csv (%v):\n%s", err, csv)
	}

	// Cancelling asks first, and says what it would refund.
	if st := clickAndLoad(t, ctx, `.danger-zone a.button`); st != 200 {
		t.Fatalf("cancel page: %d", st)
	}
	if s := text(t, ctx, "main"); !strings.Contains(s, "Payments refunded in full: 1 (6.00\u00a0EUR)") {
		t.Fatalf("cancel page %q", s)
	}
	screenshot(t, ctx, "cancel-confirm")

	if st := clickAndLoad(t, ctx, `form.logout button`); st != 200 {
		t.Fatalf("sign out: %d", st)
	}
	if s := text(t, ctx, "p.notice.ok"); s != "You are signed out." {
		t.Fatalf("after signing out: %q", s)
	}
}
