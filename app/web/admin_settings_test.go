package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/admit/admit/app/jobs"
	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/ticketing"
	"github.com/admit/admit/plugins/paypal/paypaltest"
)

// TestAdminSettingsProviders: Stripe is connected from its form through the
// same check as PUT /api/v1/settings/payments/stripe (stripe-mock): a key
// it refuses is explained next to its input, the secrets typed never come
// back; once connected, the page lists the events that rely on it, and
// disconnecting makes them free when asked.
func TestAdminSettingsProviders(t *testing.T) {
	mock := mockURL(t)
	e := newEnvWith(t, payment.NewRegistry())
	e.createEvent(paidEvent(nil))
	e.createEvent(paidEvent(map[string]any{"title": "Second"}))
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)

	_, body := a.send("GET", "/admin/settings", nil)
	for _, want := range []string{`id="stripe-secret_key" name="secret_key" type="password"`, `id="paypal-client_id"`, `name="mode"`,
		"Not connected", "Check the keys and connect", "No SMTP server is set"} {
		if !strings.Contains(body, want) {
			t.Fatalf("settings lack %q:\n%s", want, body)
		}
	}
	connect := "/admin/settings/payments/stripe"
	// Without the form's token: refused, nothing checked.
	if res, _ := a.send("POST", connect, url.Values{"secret_key": {stripeKeyOK}, "api_base": {mock}}); res.StatusCode != 403 {
		t.Fatalf("without csrf: %d", res.StatusCode)
	}
	for _, tc := range []struct {
		key, want string
		status    int
	}{
		{"", `id="stripe-secret_key-error">Enter a secret key (sk_…) or a restricted key (rk_…) that Stripe accepts. <span class="detail" lang="en">(is required)`, 422},
		{"pk_test_abc", `id="stripe-secret_key-error">Enter a secret key (sk_…) or a restricted key (rk_…) that Stripe accepts. <span class="detail" lang="en">(stripe: that is a publishable key`, 422},
	} {
		res, body := a.send("POST", connect, url.Values{"csrf": {a.csrf("/admin/settings")}, "secret_key": {tc.key},
			"webhook_secret": {"whsec_typed_secret"}, "api_base": {mock}})
		if res.StatusCode != tc.status || !strings.Contains(body, tc.want) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("key %q: %d\n%s", tc.key, res.StatusCode, body)
		}
		if strings.Contains(body, "whsec_typed_secret") || !strings.Contains(body, `value="`+mock+`"`) {
			t.Fatalf("key %q: a secret came back, or the address typed is lost:\n%s", tc.key, body)
		}
	}
	res, _ := a.send("POST", connect, url.Values{"csrf": {a.csrf("/admin/settings")}, "secret_key": {stripeKeyOK},
		"webhook_secret": {whsec}, "api_base": {mock}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || loc != "/admin/settings?done=connected&provider=stripe&lang=en" {
		t.Fatalf("connect: %d %q", res.StatusCode, loc)
	}
	_, body = a.send("GET", "/admin/settings?done=connected&provider=stripe", nil)
	for _, want := range []string{"Card (Stripe) is connected: it accepted the settings.", "sk_test_••••", "Disconnect Card (Stripe)",
		">Intro to Go</a>", ">Second</a>", `name="then" value="free"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("connected page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, stripeKeyOK) || strings.Contains(body, whsec) {
		t.Fatalf("a secret is shown:\n%s", body)
	}
	if r := e.do("GET", "/api/v1/settings/payments/stripe", nil, true); !strings.Contains(string(r.Body), `"connected":true`) {
		t.Fatalf("the API does not see it connected: %s", r.Body)
	}

	// Disconnect: the choice is required, then the events are made free.
	disconnect := connect + "/disconnect"
	res, body = a.send("POST", disconnect, url.Values{"csrf": {a.csrf("/admin/settings")}})
	if res.StatusCode != 422 || !strings.Contains(body, `id="stripe-then-error">Choose whether to pause the events or make them free.`) {
		t.Fatalf("disconnect without a choice: %d\n%s", res.StatusCode, body)
	}
	res, _ = a.send("POST", disconnect, url.Values{"csrf": {a.csrf("/admin/settings")}, "then": {"free"}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done=disconnected_free") {
		t.Fatalf("disconnect: %d %q", res.StatusCode, loc)
	}
	_, body = a.send("GET", "/admin/settings?done=disconnected_free", nil)
	if !strings.Contains(body, "the events that relied on it are now free") || strings.Contains(body, "Disconnect Card (Stripe)") {
		t.Fatalf("after disconnecting:\n%s", body)
	}
	if r := e.do("GET", "/api/v1/events/2", nil, true); !strings.Contains(string(r.Body), `"price":null`) {
		t.Fatalf("not made free: %s", r.Body)
	}
}

// TestAdminSettingsConfiguredProvider: a provider set in the configuration
// has no form: it is changed there.
func TestAdminSettingsConfiguredProvider(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry(), func(o *ticketing.Options, _ *Deps) {
		o.ConfigCredentials = map[string]map[string]string{"paypal": {"client_id": "id", "client_secret": "secret"}}
	})
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	_, body := a.send("GET", "/admin/settings", nil)
	if !strings.Contains(body, "Set in the configuration file or environment") || strings.Contains(body, `id="paypal-client_id"`) {
		t.Fatalf("configured provider:\n%s", body)
	}
}

// TestAdminSettingsTestMail: the test mail goes through the outbox to the
// signed-in administrator; the page says whether it left. Refused by the
// server, it fails, shows its error, and is sent again from the outbox
// page's Retry button.
func TestAdminSettingsTestMail(t *testing.T) {
	e := newEnvWith(t, nil, func(_ *ticketing.Options, d *Deps) {
		d.SMTP = SMTPStatus{Host: "smtp.example.org", Port: 587, TLS: "starttls", From: "Admit <tickets@example.org>", Username: true}
	})
	srv, dispatcher := e.smtp()
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	_, body := a.send("GET", "/admin/settings", nil)
	if !strings.Contains(body, "<code>smtp.example.org:587</code> (starttls)") || !strings.Contains(body, "Send a test email to admin@example.org") {
		t.Fatalf("mail section:\n%s", body)
	}
	send := func() string {
		t.Helper()
		res, _ := a.send("POST", "/admin/settings/mail/test", url.Values{"csrf": {a.csrf("/admin/settings")}})
		loc := res.Header.Get("Location")
		if res.StatusCode != 303 || !strings.HasPrefix(loc, "/admin/settings?done=test_mail&mail=") || !strings.HasSuffix(loc, "#mail") {
			t.Fatalf("test mail: %d %q", res.StatusCode, loc)
		}
		return strings.TrimSuffix(loc, "#mail")
	}
	page := send()
	_, body = a.send("GET", page, nil)
	if !strings.Contains(body, "The test email is queued.") || !strings.Contains(body, "The test email to admin@example.org is waiting in the outbox") {
		t.Fatalf("queued:\n%s", body)
	}
	if err := dispatcher.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != adminEmail || msgs[0].Subject != "Admit: test email" || !strings.Contains(msgs[0].Text, "mail from Admit reaches this address") {
		t.Fatalf("delivered: %+v", msgs)
	}
	_, body = a.send("GET", page, nil)
	if !strings.Contains(body, "The test email to admin@example.org was sent") {
		t.Fatalf("sent:\n%s", body)
	}

	// Refused for good: the page says so, with the server's words.
	srv.Refuse(adminEmail)
	page = send()
	if err := dispatcher.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, body = a.send("GET", page, nil)
	if !strings.Contains(body, "The test email to admin@example.org could not be sent.") || !strings.Contains(body, "Last error:") ||
		!strings.Contains(body, "emails not delivered: 1") {
		t.Fatalf("failed:\n%s", body)
	}
	failed := e.outboxWith(model.MailFailed)
	if len(failed) != 1 {
		t.Fatalf("%d failed mails", len(failed))
	}
	id := failed[0].ID
	_, body = a.send("GET", "/admin/settings/outbox", nil)
	if !strings.Contains(body, fmt.Sprintf(`id="mail-%d"`, id)) || !strings.Contains(body, "Send again") {
		t.Fatalf("outbox page:\n%s", body)
	}
	srv.Accept(adminEmail)
	retry := fmt.Sprintf("/admin/settings/outbox/%d/retry", id)
	res, _ := a.send("POST", retry, url.Values{"csrf": {a.csrf("/admin/settings/outbox")}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || loc != "/admin/settings/outbox?done=mail_retried&lang=en" {
		t.Fatalf("retry: %d %q", res.StatusCode, loc)
	}
	_, body = a.send("GET", "/admin/settings/outbox?done=mail_retried", nil)
	if !strings.Contains(body, "The email is queued again.") || !strings.Contains(body, "Every email was delivered or is on its way.") {
		t.Fatalf("after retry:\n%s", body)
	}
	// Retrying a mail that is not failed says why.
	res, body = a.send("POST", retry, url.Values{"csrf": {a.csrf("/admin/settings/outbox")}})
	if res.StatusCode != 409 || !strings.Contains(body, `class="notice error" role="alert"`) {
		t.Fatalf("second retry: %d\n%s", res.StatusCode, body)
	}
	if err := dispatcher.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("%d mails delivered after the retry, want 2", n)
	}
}

// TestAdminSettingsTestMailShownAtOnce: the test mail is delivered by the
// action itself, so the page it leads to says at once whether it left (or
// why the server refused it), with or without JavaScript. Before, the page
// said "waiting in the outbox" until the outbox job's next run and a reload.
func TestAdminSettingsTestMailShownAtOnce(t *testing.T) {
	var dispatcher *mail.Dispatcher
	e := newEnvWith(t, nil, func(_ *ticketing.Options, d *Deps) {
		d.SMTP = SMTPStatus{Host: "smtp.example.org", Port: 587, TLS: "starttls", From: "Admit <tickets@example.org>"}
		d.SendMail = func(ctx context.Context) error { return dispatcher.Run(ctx) }
	})
	srv, d := e.smtp()
	dispatcher = d
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	send := func() string {
		t.Helper()
		res, _ := a.send("POST", "/admin/settings/mail/test", url.Values{"csrf": {a.csrf("/admin/settings")}})
		if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/admin/settings?mail=") {
			t.Fatalf("test mail: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		_, body := a.send("GET", strings.TrimSuffix(res.Header.Get("Location"), "#mail"), nil)
		if strings.Contains(body, "The test email is queued.") {
			t.Errorf("the page says queued beside the outcome:\n%s", body)
		}
		return body
	}
	if body := send(); !strings.Contains(body, "The test email to admin@example.org was sent") || len(srv.Messages()) != 1 {
		t.Fatalf("sent (%d delivered):\n%s", len(srv.Messages()), body)
	}
	srv.Refuse(adminEmail)
	if body := send(); !strings.Contains(body, "The test email to admin@example.org could not be sent.") || !strings.Contains(body, "Last error:") {
		t.Fatalf("refused:\n%s", body)
	}
}

// outboxWith lists the outbox's mails of a status.
func (e *env) outboxWith(status string) []model.OutboxMail {
	e.t.Helper()
	m, err := e.store.Outbox(context.Background(), status, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// TestAdminJobsPage: each job with its schedule, last run, error and next
// run, as GET /api/v1/jobs gives them.
func TestAdminJobsPage(t *testing.T) {
	var sched *jobs.Scheduler
	e := newEnvWith(t, nil, func(_ *ticketing.Options, d *Deps) {
		sched = jobs.New(jobs.Options{})
		d.Jobs = sched
	})
	broken := jobs.Func{JobName: "broken", Spec: "@every 10m", Fn: func(context.Context) error { return errors.New("disk full") }}
	for _, j := range []jobs.Job{broken, jobs.Func{JobName: "idle", Spec: "@every 1h", Fn: func(context.Context) error { return nil }}} {
		if err := sched.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	sched.RunNow(broken)
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	_, body := a.send("GET", "/admin/settings/jobs", nil)
	row := func(name string) string {
		i := strings.Index(body, `id="job-`+name+`"`)
		if i < 0 {
			t.Fatalf("no row for %s:\n%s", name, body)
		}
		return body[i : i+strings.Index(body[i:], "</tr>")]
	}
	if r := row("broken"); !strings.Contains(r, "@every 10m") || !strings.Contains(r, ">error</span>") || !strings.Contains(r, "disk full") ||
		strings.Contains(r, "not yet") {
		t.Fatalf("broken row: %s", r)
	}
	if r := row("idle"); !strings.Contains(r, "not yet") || !strings.Contains(r, "(UTC)") {
		t.Fatalf("idle row: %s", r)
	}
	if r := e.do("GET", "/api/v1/jobs", nil, true); !strings.Contains(string(r.Body), `"next_run_at":"`) {
		t.Fatalf("jobs API: %s", r.Body)
	}
}

// TestAdminSettingsAdminOnly: the settings pages and their actions are for
// administrators: a co-organizer gets 403 on each, and nothing happens.
func TestAdminSettingsAdminOnly(t *testing.T) {
	w := newCoOrganized(t)
	co := newAdminClient(t, w.serve())
	if res := co.login(w.coEmail, memberPassword); res.StatusCode != 303 {
		t.Fatalf("co-organizer login: %d", res.StatusCode)
	}
	csrf := co.csrf(fmt.Sprintf("/admin/events/%d", w.ours))
	before := len(w.outbox())
	for _, rt := range [][2]string{{"GET", "/admin/settings"}, {"GET", "/admin/settings/outbox"}, {"GET", "/admin/settings/jobs"},
		{"POST", "/admin/settings/payments/stripe"}, {"POST", "/admin/settings/payments/stripe/disconnect"},
		{"POST", "/admin/settings/mail/test"}, {"POST", "/admin/settings/outbox/1/retry"}} {
		var form url.Values
		if rt[0] == "POST" {
			form = url.Values{"csrf": {csrf}, "secret_key": {stripeKeyOK}, "then": {"free"}}
		}
		if res, body := co.send(rt[0], rt[1], form); res.StatusCode != 403 {
			t.Errorf("%s %s as co-organizer: %d\n%.300s", rt[0], rt[1], res.StatusCode, body)
		}
	}
	if n := len(w.outbox()); n != before {
		t.Errorf("%d mails queued by refused requests", n-before)
	}
}

// TestAdminSettingsPayPal: PayPal is connected from its form through the
// same key check as the API (at the PayPal fake): a secret it refuses is
// explained with PayPal's words, what was typed stays but the secret.
func TestAdminSettingsPayPal(t *testing.T) {
	fake := paypaltest.NewServer(t, paypaltest.ClientID, paypaltest.Secret)
	e := newEnvWith(t, payment.NewRegistry())
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	form := func(secret string) url.Values {
		return url.Values{"csrf": {a.csrf("/admin/settings")}, "client_id": {paypaltest.ClientID}, "client_secret": {secret},
			"webhook_id": {fake.WebhookID}, "mode": {"sandbox"}, "api_base": {fake.URL}}
	}
	res, body := a.send("POST", "/admin/settings/payments/paypal", form("wrong secret"))
	if res.StatusCode != 422 || !strings.Contains(body, `id="paypal-client_id-error">Enter the client ID of your PayPal app. <span class="detail" lang="en">(`) ||
		!strings.Contains(body, `value="`+paypaltest.ClientID+`"`) || strings.Contains(body, "wrong secret") {
		t.Fatalf("refused: %d\n%s", res.StatusCode, body)
	}
	res, _ = a.send("POST", "/admin/settings/payments/paypal", form(paypaltest.Secret))
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done=connected&provider=paypal") {
		t.Fatalf("connect: %d %q", res.StatusCode, loc)
	}
	_, body = a.send("GET", "/admin/settings?done=connected&provider=paypal", nil)
	if !strings.Contains(body, "PayPal is connected: it accepted the settings.") || !strings.Contains(body, "Disconnect PayPal") ||
		strings.Contains(body, paypaltest.Secret) {
		t.Fatalf("connected:\n%s", body)
	}
}
