package web

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/admit/admit/app/jobs"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// adminA11yPages are the admin UI's pages checked by axe-core, in order
// (the ones signed in after the others). A new page gets a line here.
var adminA11yPages = []a11yPage{
	{name: "login", path: "/admin/login"},
	{name: "login-error", path: "/admin/login", then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SendKeys(chromedp.ID("email"), adminEmail), chromedp.SendKeys(chromedp.ID("password"), "not it"))
		clickAndLoad(t, ctx, `form.login button[type="submit"]`)
	}},
	{name: "dashboard", path: "/admin/", signedIn: true},
	{name: "events", path: "/admin/events", signedIn: true},
	{name: "events-errors", path: "/admin/events", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SetValue(chromedp.ID("amount"), "0.50"))
		clickAndLoad(t, ctx, `form.event-form button[type="submit"]`)
	}},
	{name: "event", path: "/admin/events/{event}", signedIn: true},
	{name: "event-recording-errors", path: "/admin/events/{event}", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SetValue(chromedp.ID("rec-url"), "http://insecure.example.org/v"))
		clickAndLoad(t, ctx, `form.external-form button[type="submit"]`)
	}},
	{name: "event-followup-errors", path: "/admin/events/{event}", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		clickAndLoad(t, ctx, `form.followup-form button[type="submit"]`)
	}},
	{name: "followup-confirm", path: "/admin/events/{event}", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SetValue(chromedp.ID("followup-message"), "The slides are online.\nThank you!"))
		clickAndLoad(t, ctx, `form.followup-form button[type="submit"]`)
	}},
	{name: "event-search", path: "/admin/events/{event}?q=ada&status=confirmed&sort=amount", signedIn: true},
	{name: "event-edit", path: "/admin/events/{event}/edit", signedIn: true},
	{name: "event-edit-errors", path: "/admin/events/{event}/edit", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SetValue(chromedp.ID("slug"), "Not A Slug"))
		clickAndLoad(t, ctx, `form.edit-form button[type="submit"]`)
	}},
	{name: "event-edit-recording-price-errors", path: "/admin/events/{event}/edit", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SetValue(chromedp.ID("recording_price"), "lots"))
		clickAndLoad(t, ctx, `form.edit-form button[type="submit"]`)
	}},
	{name: "event-edit-tier-errors", path: "/admin/events/{event}/edit", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SetValue(chromedp.ID("tier_amount"), "lots"))
		clickAndLoad(t, ctx, `form.add-tier button[type="submit"]`)
	}},
	{name: "sessions-preview", path: "/admin/events/{event}/edit", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		clickAndLoad(t, ctx, `form.sessions-form button[type="submit"]`)
	}},
	{name: "event-cancel", path: "/admin/events/{event}/cancel", signedIn: true},
	{name: "event-approval", path: "/admin/events/{approval}", signedIn: true},
	{name: "registration-refund-errors", path: "/admin/registrations/{registration}/refund?amount=lots", signedIn: true},
	{name: "registration-resend", path: "/admin/registrations/{registration}/resend", signedIn: true},
	{name: "event-bank-transfer", path: "/admin/events/{bankevent}", signedIn: true},
	{name: "registration-mark-paid", path: "/admin/registrations/{bankreg}/mark_paid?amount=20", signedIn: true},
	{name: "registration-mark-paid-errors", path: "/admin/registrations/{bankreg}/mark_paid?amount=lots", signedIn: true},
	{name: "registration-mark-refunded", path: "/admin/registrations/{owedreg}/mark_refunded", signedIn: true},
	{name: "event-bank-transfer-approval", path: "/admin/events/{laterevent}", signedIn: true},
	{name: "registration-confirm-pay-after", path: "/admin/registrations/{laterreg}/confirm", signedIn: true},
	{name: "settings", path: "/admin/settings", signedIn: true},
	{name: "settings-errors", path: "/admin/settings", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		clickAndLoad(t, ctx, `#provider-paypal form.provider-form button[type="submit"]`)
	}},
	{name: "settings-test-mail", path: "/admin/settings", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		clickAndLoad(t, ctx, `form.test-mail button[type="submit"]`)
	}},
	{name: "settings-branding-errors", path: "/admin/settings", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SetValue(chromedp.ID("brand-accent"), "teal"), chromedp.SetValue(chromedp.ID("brand-privacy"), "ftp://x"))
		clickAndLoad(t, ctx, `form.branding-form button[type="submit"]`)
	}},
	{name: "outbox", path: "/admin/settings/outbox", signedIn: true},
	{name: "jobs", path: "/admin/settings/jobs", signedIn: true},
	{name: "webhooks", path: "/admin/settings/webhooks", signedIn: true},
	{name: "webhooks-errors", path: "/admin/settings/webhooks", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SetValue(chromedp.ID("webhook-url"), "ftp://crm.example.com/hook"))
		clickAndLoad(t, ctx, `form.add-form button[type="submit"]`)
	}},
	{name: "webhooks-created", path: "/admin/settings/webhooks", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SetValue(chromedp.ID("webhook-url"), "http://127.0.0.1:9/crm-hooks"))
		clickAndLoad(t, ctx, `form.add-form button[type="submit"]`)
	}},
	{name: "webhook-log", path: "/admin/settings/webhooks/{webhook}", signedIn: true},
	{name: "audit", path: "/admin/settings/audit", signedIn: true},
	{name: "audit-refused", path: "/admin/settings/audit?outcome=refused", signedIn: true},
	{name: "audit-errors", path: "/admin/settings/audit?since=2026-12-09&until=2026-12-01&action=registration.", signedIn: true},
	{name: "users", path: "/admin/users", signedIn: true},
	{name: "users-errors", path: "/admin/users", signedIn: true, then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SetValue(chromedp.ID("invite-email"), "not an address"))
		clickAndLoad(t, ctx, `form.add-form button[type="submit"]`)
	}},
	{name: "invite", path: "{invite}"},
	{name: "invite-errors", path: "{invite}", then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SendKeys(chromedp.ID("password"), "short"))
		clickAndLoad(t, ctx, `form.login button[type="submit"]`)
	}},
}

// publicA11yPages are the registrants' pages checked by axe-core.
var publicA11yPages = []a11yPage{
	{name: "event-page", path: "/e/{slug}"},
	{name: "event-page-free", path: "/e/{free}"},
	{name: "event-page-errors", path: "/e/{free}", then: func(t *testing.T, ctx context.Context) {
		clickAndLoad(t, ctx, `form.register button[type="submit"]`)
	}},
	{name: "access", path: "/a/{token}"},
	{name: "access-cancel-step", path: "/a/{token}?lang=fr", then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.Click(chromedp.CSS("form.cancel details > summary")), chromedp.WaitVisible(chromedp.CSS("form.cancel button.danger")))
	}},
	{name: "event-page-approval", path: "/e/{approvalslug}"},
	{name: "access-authorized", path: "/a/{authorized}"},
	{name: "access-bank-transfer", path: "/a/{banktoken}"},
	{name: "event-page-bank-transfer-approval", path: "/e/approval-transfer"},
	{name: "access-bank-transfer-approval", path: "/a/{latertoken}"},
	{name: "join-wait", path: "/a/{token}/join"},
	{name: "sold-out-waitlist", path: "/e/{full}"},
	{name: "unknown-event", path: "/e/no-such-event"},
	{name: "event-embed", path: "/e/{slug}?embed=1"},
	// The event page's other states and its promo code's error.
	{name: "event-page-past", path: "/e/{past}"},
	{name: "payment-return", path: "{return}"},
	{name: "payment-cancel", path: "{cancel}"},
	{name: "event-page-promo-error", path: "/e/{slug}", then: func(t *testing.T, ctx context.Context) {
		do(t, ctx, chromedp.SendKeys(chromedp.ID("promo_code"), "NOPE"), chromedp.Click(chromedp.CSS("button.apply")),
			chromedp.WaitVisible(chromedp.CSS("#promo_code-error")))
	}},
}

// a11yFixture is an Admit with something on every page: a paid event with
// a tier, a paid registration, a free event with a registrant.
func a11yFixture(t *testing.T) (base string, vars map[string]string) {
	sched := jobs.New(jobs.Options{})
	e, ev, now := salesEnv(t, 5, func(o *ticketing.Options, d *Deps) { d.Jobs = sched; o.Webhooks.AllowPrivate = true })
	broken := jobs.Func{JobName: "reconcile", Spec: "@every 5m", Fn: func(context.Context) error { return errors.New("provider unreachable") }}
	if err := sched.Add(broken); err != nil {
		t.Fatal(err)
	}
	sched.RunNow(broken)
	// A branding whose colour is too light for white text, with a logo:
	// every public page shows it, and must stay readable.
	if r := e.do("PUT", "/api/v1/settings/branding", map[string]any{"name": "Go Academy", "accent_color": "#ffd400",
		"footer": "Go Academy Ltd, 1 Main Street", "privacy_url": "https://example.com/privacy", "contact_email": "hello@example.com"}, true); r.Status != 200 {
		t.Fatalf("branding: %d %s", r.Status, r.Body)
	}
	if r := e.do("PUT", "/api/v1/settings/branding/logo", testPNG(t, 120, 40), true); r.Status != 200 {
		t.Fatalf("logo: %d %s", r.Status, r.Body)
	}
	ada := e.reg(e.buy("intro-to-go", "Ada Lovelace", nil))
	e.webhook(paidWebhook("evt_ada", ada, 999), now)
	// A partial refund, so that the audit log shows money before and after.
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID), map[string]any{"amount": 100}, true); r.Status != 200 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	// Refusals for the audit log: a refund above what was paid, twice (one
	// row, repeated), and a failed sign-in.
	for range 2 {
		if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID), map[string]any{"amount": 99999}, true); r.Status != 422 {
			t.Fatalf("refund above what was paid: %d %s", r.Status, r.Body)
		}
	}
	if r := e.do("POST", "/api/v1/auth/token", map[string]any{"email": adminEmail, "password": "not the one"}, false); r.Status != 401 {
		t.Fatalf("failed sign-in: %d", r.Status)
	}
	_, token := e.registerOne("free-talk", "Cleo", "cleo@example.org")
	e.upload(num(ev["id"]), fakeVideo(5000), "title", "The replay", "notify", "false")
	// A sold-out event, whose page offers the waiting list.
	soon := []map[string]any{{"starts_at": now.Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}
	e.createEvent(liveEvent(map[string]any{"title": "Full House", "slug": "full-house", "capacity": 1, "sessions": soon}))
	e.registerOne("full-house", "Dora", "dora@example.org")
	// A buyer back from the checkout, whose payment is being confirmed.
	bo := e.reg(e.buy("intro-to-go", "Bo", nil))
	boQuery := e.tickets.ReturnQuery("stripe", bo.ID)
	// An event that took place.
	e.createEvent(liveEvent(map[string]any{"title": "Old Talk", "slug": "old-talk",
		"sessions": []map[string]any{{"starts_at": now.Add(-72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	// A mail that failed for good, for the outbox page.
	if err := e.store.MarkFailed(context.Background(), e.lastMail(ada.ID, model.MailAccess).ID, 12, "550 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	// A registration paid by bank transfer, partly paid.
	e.connectBank(7)
	bank := e.createEvent(liveEvent(map[string]any{"title": "Paid by Transfer", "slug": "by-transfer", "price": map[string]any{"amount": 5000, "currency": "EUR"},
		"providers": []string{"banktransfer"}, "sessions": soon}))
	bankReg, _, bankToken := e.registerBank("by-transfer", "Bea")
	if r := e.markPaid(bankReg, map[string]any{"amount": 2000}); r.Status != 200 {
		t.Fatalf("partial payment: %d %s", r.Status, r.Body)
	}
	// One paid in full, cancelled and refunded: the organizer owes it back
	// by hand.
	owed, _, _ := e.registerBank("by-transfer", "Gus")
	if r := e.markPaid(owed, map[string]any{"amount": 5000}); r.Status != 200 {
		t.Fatalf("payment: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", owed), nil, true); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", owed), nil, true); r.Status != 200 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	// A bank transfer on an event with approval: nothing to pay yet.
	later := e.createEvent(liveEvent(map[string]any{"title": "Approved, then Paid", "slug": "approval-transfer", "price": map[string]any{"amount": 5000, "currency": "EUR"},
		"providers": []string{"banktransfer"}, "sessions": soon, "approval_required": true}))
	laterReg, _, _ := e.registerBank("approval-transfer", "Finn")
	// A co-organizer on the event (its page lists them), invited.
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/registrations", num(ev["id"])),
		map[string]any{"name": "Cora", "email": "cora@example.org", "role": "co_organizer"}, true); r.Status != 201 {
		t.Fatalf("add a co-organizer: %d %s", r.Status, r.Body)
	}
	// A webhook endpoint that failed a test event, then received one.
	hooks := newHookReceiver(t, e.clock.Now)
	hooks.fail[model.HookTest] = 1
	hook := e.addHook(hooks)
	for range 2 {
		if _, err := e.tickets.TestWebhook(context.Background(), hook); err != nil {
			t.Fatal(err)
		}
	}
	// An event with approval, whose registrant's payment is authorized,
	// not charged (the admin table and the registrant's page say so).
	byApproval := e.createEvent(paidEvent(map[string]any{"title": "By Approval", "slug": "by-approval", "approval_required": true, "sessions": soon}))
	bea := e.reg(e.buy("by-approval", "Bea", nil))
	e.authorize(bea, "pi_bea")
	return e.serve(), map[string]string{"webhook": fmt.Sprint(hook), "event": fmt.Sprint(num(ev["id"])), "slug": "intro-to-go", "free": "free-talk", "full": "full-house", "past": "old-talk", "token": token,
		"return": "/pay/stripe/return?" + boQuery + "&session_id=" + bo.CheckoutID, "cancel": "/pay/stripe/cancel?" + boQuery,
		"invite": e.invitationPath("cora@example.org"), "registration": fmt.Sprint(ada.ID),
		"approval": fmt.Sprint(num(byApproval["id"])), "approvalslug": "by-approval", "authorized": e.accessToken(bea.ID),
		"bankevent": fmt.Sprint(num(bank["id"])), "bankreg": fmt.Sprint(bankReg), "banktoken": bankToken,
		"owedreg": fmt.Sprint(owed), "laterevent": fmt.Sprint(num(later["id"])), "latertoken": e.accessToken(laterReg), "laterreg": fmt.Sprint(laterReg)}
}

// TestAccessibilityAdmin: no admin page has a serious or critical WCAG 2
// A/AA violation, at 390 and 1280 px.
func TestAccessibilityAdmin(t *testing.T) {
	axeSource(t)
	base, vars := a11yFixture(t)
	ctx := newBrowserFor(t, 4*browserTimeout)
	checkPages(t, ctx, base, vars, adminA11yPages)
}

// TestAccessibilityPublic: the same for the registrants' pages.
func TestAccessibilityPublic(t *testing.T) {
	axeSource(t)
	base, vars := a11yFixture(t)
	ctx := newBrowserFor(t, 4*browserTimeout)
	checkPages(t, ctx, base, vars, publicA11yPages)
}
