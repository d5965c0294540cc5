package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/admit/admit/app/model"
)

// phone sets the tab to a phone's screen, 390 × 844.
func phone(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true}); err != nil {
		t.Fatal(err)
	}
}

// poll waits for a JavaScript expression to be truthy and answers its value.
func poll(t *testing.T, ctx context.Context, what, expr string) string {
	t.Helper()
	for {
		v, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const v = (`+expr+`); return v ? String(v) : ""; })()`))
		if err != nil && ctx.Err() == nil && (strings.Contains(err.Error(), "navigated") || strings.Contains(err.Error(), "context with specified id")) {
			continue // the page reloaded meanwhile: ask the new one
		}
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		return v
	}
}

// clearField empties an input.
func clearField(id string) chromedp.Action[chromedp.Void] {
	set := chromedp.Evaluate[bool](`(() => { document.getElementById("` + id + `").value = ""; return true; })()`)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := set(ctx, t)
		return chromedp.Void{}, err
	}
}

// layoutShift is the page's cumulative layout shift so far.
func layoutShift(t *testing.T, ctx context.Context) float64 {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`new Promise(done => {
  let sum = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) sum += e.value; done(sum); }).observe({type: "layout-shift", buffered: true});
  requestAnimationFrame(() => requestAnimationFrame(() => done(sum)));
})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBrowserEventPageTimeZones: an event in Paris seen from a browser in
// New York shows each session in Paris time and, below it, in New York
// time, without moving the page.
func TestBrowserEventPageTimeZones(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"kind": "series", "sessions": []map[string]any{
		{"starts_at": "2026-12-01T18:00:00+01:00", "duration_minutes": 90},
		{"starts_at": "2026-12-08T09:30:00+01:00", "duration_minutes": 60},
	}}))
	base := e.serve()
	ctx := newBrowser(t)
	phone(t, ctx)
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	if st := open(t, ctx, base+"/e/intro-to-go"); st != 200 {
		t.Fatalf("event page: %d", st)
	}
	first := poll(t, ctx, "the visitor's time", `document.querySelector(".sessions li .local .when").textContent`)
	screenshot(t, ctx, "new-york")
	if s := text(t, ctx, ".sessions li time"); !strings.Contains(s, "1 December 2026") || !strings.Contains(s, "18:00–19:30") || !strings.Contains(s, "Paris") {
		t.Errorf("event's time %q", s)
	}
	// 18:00 in Paris is noon in New York.
	if !strings.Contains(first, "12:00") || !strings.Contains(first, "13:30") || !strings.Contains(first, "New York") || !strings.Contains(first, "Dec") {
		t.Errorf("visitor's time %q", first)
	}
	if s := text(t, ctx, ".sessions li .local .label"); s != "Your time:" {
		t.Errorf("label %q", s)
	}
	second, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".sessions li:nth-child(2) .local")))
	if !strings.Contains(second, "03:30") {
		t.Errorf("second session, visitor's time %q", second)
	}
	if cls := layoutShift(t, ctx); cls > 0.01 {
		src, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise(done => {
  new PerformanceObserver(list => done(JSON.stringify(list.getEntries().map(e => ({v: e.value, t: e.startTime, s: e.sources.map(x => (x.node && x.node.outerHTML || "?").slice(0, 120) + " " + JSON.stringify(x.previousRect) + "→" + JSON.stringify(x.currentRect))}))))).observe({type: "layout-shift", buffered: true});
})`, chromedp.EvalAwaitPromise))
		t.Errorf("layout shift %.3f: %s", cls, src)
	}

	// In the event's own zone the second line is not shown.
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	open(t, ctx, base+"/e/intro-to-go?lang=fr")
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(".sessions .local").checkVisibility()`)); err != nil || v {
		t.Errorf("the visitor's time shows in the event's zone: %v %v", v, err)
	}
	if s := text(t, ctx, ".sessions li time"); !strings.Contains(s, "décembre 2026") || !strings.Contains(s, "18:00") {
		t.Errorf("French: %q", s)
	}
}

// TestBrowserEventPagePrice: the current tier and how long it lasts, and a
// promo code that reprices the page as soon as it is entered; a wrong one
// is said next to the field. Without JavaScript the Apply button does the
// same through the server, and Enter still registers.
func TestBrowserEventPagePrice(t *testing.T) {
	e := stripeEnv(t)
	now := time.Now().UTC().Truncate(time.Second)
	e.clock.Set(now)
	soon := []map[string]any{{"starts_at": now.Add(10 * 24 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}
	ev := e.createEvent(paidEvent(map[string]any{"price": map[string]any{"amount": 4900, "currency": "EUR"}, "capacity": 100, "sessions": soon,
		"refund_policy": "Refunds until a week before.", "cancel_refund_hours": 48}))
	id := num(ev["id"])
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/tiers", id), map[string]any{"name": "Early bird", "price": map[string]any{"amount": 2900, "currency": "EUR"},
		"quantity": 12, "expires_at": now.Add(3*24*time.Hour - time.Hour).Format(time.RFC3339)}, true); r.Status != 201 {
		t.Fatalf("tier: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/promo_codes", id), map[string]any{"code": "SPRING", "percent_off": 50}, true); r.Status != 201 {
		t.Fatalf("promo: %d %s", r.Status, r.Body)
	}
	base := e.serve()
	ctx := newBrowser(t)
	phone(t, ctx)
	open(t, ctx, base+"/e/intro-to-go")
	screenshot(t, ctx, "tier")
	if s := text(t, ctx, ".price-line .price"); s != "29.00\u00a0EUR" {
		t.Errorf("price %q", s)
	}
	if s := text(t, ctx, ".price-line .base"); s != "49.00\u00a0EUR" {
		t.Errorf("struck price %q", s)
	}
	if s := text(t, ctx, ".facts .tier"); s != "Early bird: 3 days left, 12 seats at this price" {
		t.Errorf("tier %q", s)
	}
	if s := text(t, ctx, ".policy"); !strings.Contains(s, "at least 48 hours before the event starts") || !strings.Contains(s, "Refunds until a week before.") {
		t.Errorf("refund policy %q", s)
	}
	// Plenty of seats: not shown.
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".facts .seats").length`)); n != 0 {
		t.Error("seats left shown while there are many")
	}

	// A wrong code: said next to the field, the price stays.
	do(t, ctx, chromedp.SendKeys(chromedp.ID("promo_code"), "WINTER\r"))
	if s := poll(t, ctx, "the promo code's error", `document.getElementById("promo_code-error").textContent`); s != "This promo code is not valid for this event." {
		t.Errorf("error %q", s)
	}
	if v, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("promo_code"), "aria-invalid")); v.Value != "true" {
		t.Errorf("aria-invalid %+v", v)
	}
	// The right one: the price changes in place.
	do(t, ctx, clearField("promo_code"), chromedp.SendKeys(chromedp.ID("promo_code"), "spring"), chromedp.Click(chromedp.CSS("button.apply")))
	if s := poll(t, ctx, "the discount", `!document.querySelector(".facts .discount").hidden && document.querySelector(".facts .discount").textContent`); s != "Promo code SPRING: −14.50\u00a0EUR" {
		t.Errorf("discount %q", s)
	}
	if s := text(t, ctx, ".price-line .price"); s != "14.50\u00a0EUR" {
		t.Errorf("discounted price %q", s)
	}
	if s := text(t, ctx, "#promo_code-error"); s != "" {
		t.Errorf("error left %q", s)
	}
	screenshot(t, ctx, "promo")
	// Still on the page: nothing was submitted.
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != base+"/e/intro-to-go" {
		t.Errorf("at %s", loc)
	}

	// Without JavaScript, Apply asks the server.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	open(t, ctx, base+"/e/intro-to-go?lang=fr")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("name"), "Ada Lovelace"), chromedp.SendKeys(chromedp.ID("promo_code"), "SPRING"))
	if st := clickAndLoad(t, ctx, "button.apply"); st != 200 {
		t.Fatalf("apply: %d", st)
	}
	screenshot(t, ctx, "apply-no-js")
	if s := text(t, ctx, ".price-line .price"); s != "14,50\u00a0EUR" {
		t.Errorf("price after Apply %q", s)
	}
	if s := text(t, ctx, ".facts .discount"); !strings.Contains(s, "SPRING") {
		t.Errorf("discount after Apply %q", s)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("name"))); v != "Ada Lovelace" {
		t.Errorf("the name was lost: %q", v)
	}
	if e.mailKinds()["access"] != 0 || len(e.outbox()) != 0 {
		t.Error("Apply registered")
	}
	// A wrong code: the field says so.
	do(t, ctx, clearField("promo_code"), chromedp.SendKeys(chromedp.ID("promo_code"), "NOPE"))
	if st := clickAndLoad(t, ctx, "button.apply"); st != 422 {
		t.Fatalf("apply a wrong code: %d", st)
	}
	if s := text(t, ctx, "#promo_code-error"); s == "" {
		t.Error("no error next to the field")
	}
	// Enter in the email field pays (the default button), it does not apply.
	do(t, ctx, clearField("promo_code"))
	res, err := chromedp.RunResponse(ctx, chromedp.SendKeys(chromedp.ID("email"), "not-an-email\r"))
	if err != nil || res == nil || res.Status != 422 {
		t.Fatalf("Enter: %+v %v", res, err)
	}
	if s := text(t, ctx, "#email-error"); s == "" {
		t.Error("Enter did not submit the registration")
	}
	if v, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("email"), "aria-describedby")); v.Value != "email-error" {
		t.Errorf("email aria-describedby %+v", v)
	}
}

// TestBrowserRegisterFreeOnPhone: on a phone, with scripts on, the form
// registers for a free event.
func TestBrowserRegisterFreeOnPhone(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"description": "**Bring** a laptop.\n\n- Go 1.24\n- an editor"}))
	base := e.serve()
	ctx := newBrowser(t)
	phone(t, ctx)
	open(t, ctx, base+"/e/intro-to-go?lang=fr")
	screenshot(t, ctx, "event")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".description strong, .description li").length`)); err != nil || n != 3 {
		t.Errorf("Markdown: %d elements %v", n, err)
	}
	if w, _ := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("page %d px wide", w)
	}
	do(t, ctx, chromedp.SendKeys(chromedp.ID("name"), "Ada Lovelace"), chromedp.SendKeys(chromedp.ID("email"), "ada@example.org"))
	if st := clickAndLoad(t, ctx, `form.register button.submit`); st != 201 {
		t.Fatalf("register: %d\n%s", st, text(t, ctx, "main"))
	}
	screenshot(t, ctx, "registered")
	if s := text(t, ctx, "main"); !strings.Contains(s, "Ada Lovelace") {
		t.Fatalf("registered page:\n%s", s)
	}
	if r := e.reg(e.registrationID("intro-to-go")); r.Status != "confirmed" || r.Locale != "fr" {
		t.Fatalf("registration %s %s", r.Status, r.Locale)
	}
}

// TestBrowserPaidRegistrationReturn: on a phone, the form sends the buyer
// to stripe-mock's checkout page (answered here, the test has no network);
// back on the return page the payment is being confirmed; the signed
// webhook lands and the page turns to confirmed by itself.
func TestBrowserPaidRegistrationReturn(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second)) // signatures carry real time
	e.createEvent(paidEvent(map[string]any{"sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	base := e.serve()
	ctx := newBrowser(t)
	phone(t, ctx)

	// Stripe's checkout page, answered in the browser.
	lctx, stop := context.WithCancel(ctx)
	paused := chromedp.Events(lctx, fetch.RequestPaused)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range paused {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(lctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html"}},
				Body:            []byte("<!doctype html><title>Checkout</title><h1>Stripe Checkout</h1>")})
		}
	}()
	defer func() { stop(); <-done }()
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "https://*"}}}); err != nil {
		t.Fatal(err)
	}

	open(t, ctx, base+"/e/intro-to-go")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("name"), "Ada Lovelace"), chromedp.SendKeys(chromedp.ID("email"), "ada@example.org"))
	clickAndLoad(t, ctx, "form.register button.submit")
	r := e.reg(e.registrationID("intro-to-go"))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); r.CheckoutURL == "" || loc != r.CheckoutURL {
		t.Fatalf("at %s, checkout %q", loc, r.CheckoutURL)
	}
	if r.Status != model.StatusPendingPayment {
		t.Fatalf("registration %s", r.Status)
	}

	// Back from Stripe: being confirmed.
	ret := base + "/pay/stripe/return?" + e.tickets.ReturnQuery("stripe", r.ID) + "&session_id=" + r.CheckoutID
	if st := open(t, ctx, ret); st != 200 {
		t.Fatalf("return page: %d", st)
	}
	screenshot(t, ctx, "confirming")
	if s := text(t, ctx, "main .notice"); !strings.Contains(s, "being confirmed") {
		t.Fatalf("return page before the webhook: %q", s)
	}

	// The webhook lands; the page follows.
	if st := postSigned(newHTTPClient(), base+"/webhooks/stripe", paidWebhook("evt_browser", r, r.Amount)); st != 200 {
		t.Fatalf("webhook: %d", st)
	}
	s := poll(t, ctx, "the confirmed page", `document.querySelector("main .notice.ok") && document.querySelector("main").innerText`)
	screenshot(t, ctx, "confirmed")
	if !strings.Contains(s, "your seat is confirmed") || !strings.Contains(s, "We have sent your ticket") {
		t.Fatalf("confirmed page:\n%s", s)
	}
	if e.reg(r.ID).Status != model.StatusConfirmed {
		t.Fatal("not confirmed")
	}
}
