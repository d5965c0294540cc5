package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/admit/admit/app/auth"
	"github.com/admit/admit/app/clocktest"
	"github.com/admit/admit/app/i18n"
	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/mail/mailtest"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/recordings"
	"github.com/admit/admit/app/store"
	"github.com/admit/admit/app/ticketing"
	"github.com/admit/admit/assets"
	"github.com/admit/admit/plugins/banktransfer"
	"github.com/admit/admit/plugins/paypal"
	"github.com/admit/admit/plugins/paypal/paypaltest"
	"github.com/admit/admit/plugins/stripe"
	"github.com/admit/admit/plugins/stripe/stripetest"
)

// env is a whole Admit behind fiber's app.Test: a real SQLite file, the real
// templates and translations, a clock the test moves.
type env struct {
	t       *testing.T
	app     *fiber.App
	store   *store.Store
	tickets *ticketing.Service
	i18n    *i18n.Bundle
	render  *mail.Renderer
	clock   *clocktest.Clock
	auth    *auth.Service
	token   string
	// opts and deps built tickets and app: restart builds them again.
	opts   ticketing.Options
	deps   Deps
	paypal *paypaltest.Server // the fake PayPal, in paypalEnv
	dbPath string             // the database's file, for reopen
}

const adminEmail, adminPassword = "admin@example.org", "correct horse battery"

func sub(t testing.TB, dir string) fs.FS {
	f, err := fs.Sub(assets.FS, dir)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv with payment providers; tweaks change the domain's
// options and the server's dependencies before they are used.
func newEnvWith(t *testing.T, providers *payment.Registry, tweaks ...func(*ticketing.Options, *Deps)) *env {
	t.Helper()
	ctx := context.Background()
	clk := clocktest.New(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	dbPath := filepath.Join(t.TempDir(), "admit.db")
	st := openStore(t, dbPath, clk)
	tr, err := i18n.New(sub(t, "i18n"))
	if err != nil {
		t.Fatal(err)
	}
	rd, err := mail.NewRenderer(sub(t, "email"), tr)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testLogWriter{t}, nil))
	files, err := recordings.NewLocal(filepath.Join(t.TempDir(), "recordings"))
	if err != nil {
		t.Fatal(err)
	}
	opts := ticketing.Options{Secret: bytes.Repeat([]byte{7}, 32), Subjects: ticketing.I18nSubjects{Bundle: tr},
		Renderer: rd, PublicURL: "http://tickets.test", Now: clk.Now, Log: log, Providers: providers, Modules: testModules(),
		Recordings: files}
	opts.Webhooks.Views = HookViews{PublicURL: opts.PublicURL}
	uploads, err := recordings.NewUploads(filepath.Join(t.TempDir(), "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Outbox: st, DB: st, I18n: tr, Pages: sub(t, "public"), Admin: sub(t, "admin"), Log: log, Now: clk.Now, Uploads: uploads}
	for _, f := range tweaks {
		f(&opts, &deps)
	}
	e := &env{t: t, i18n: tr, render: rd, clock: clk, opts: opts, deps: deps, dbPath: dbPath}
	e.build(st)
	if _, _, err := e.auth.Bootstrap(ctx, adminEmail, adminPassword); err != nil {
		t.Fatal(err)
	}
	tok, err := e.auth.Login(ctx, adminEmail, adminPassword, store.TokenAPI, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	e.token = tok
	return e
}

// openStore opens the database at path, on the test's clock, closed when
// the test ends.
func openStore(t *testing.T, path string, clk *clocktest.Clock) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path, store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	st.SetClock(clk.Now)
	t.Cleanup(func() { st.Close() })
	return st
}

// build makes the ticketing service, the admins' sign-in and the app on
// st, from e.opts and e.deps.
func (e *env) build(st *store.Store) {
	e.t.Helper()
	tickets, err := ticketing.New(st, e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	// Tests move the clock by months: the admin's token outlives them
	// unless a test sets the lifetime (withTokenTTL).
	admins := auth.New(st, auth.Options{Cost: bcrypt.MinCost, TokenTTL: 3650 * 24 * time.Hour, Now: e.clock.Now})
	d := e.deps
	d.Tickets, d.Auth, d.Outbox, d.DB = tickets, admins, st, st
	app, err := New(d)
	if err != nil {
		e.t.Fatal(err)
	}
	e.store, e.tickets, e.auth, e.app, e.deps = st, tickets, admins, app, d
}

// restart builds the ticketing service and the app again on the same
// database, as a start of Admit with secret.key holding secret would, and
// connects the providers it finds.
func (e *env) restart(secret []byte) error {
	e.t.Helper()
	o := e.opts
	o.Secret, o.Providers = secret, payment.NewRegistry()
	tickets, err := ticketing.New(e.store, o)
	if err != nil {
		return err
	}
	if err := tickets.LoadProviders(context.Background()); err != nil {
		return err
	}
	d := e.deps
	d.Tickets = tickets
	app, err := New(d)
	if err != nil {
		return err
	}
	e.tickets, e.app, e.opts, e.deps = tickets, app, o, d
	return nil
}

// withTokenTTL gives API tokens the lifetime ttl (auth.token_days) and
// signs the admin in again.
func (e *env) withTokenTTL(ttl time.Duration) {
	e.t.Helper()
	if err := e.auth.Revoke(context.Background(), e.token); err != nil {
		e.t.Fatal(err)
	}
	e.auth = auth.New(e.store, auth.Options{Cost: bcrypt.MinCost, TokenTTL: ttl, Now: e.clock.Now})
	e.deps.Auth = e.auth
	app, err := New(e.deps)
	if err != nil {
		e.t.Fatal(err)
	}
	e.app = app
	e.token = e.login(adminEmail, adminPassword, "192.0.2.1")
}

// response is an answer read whole.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.Body)
	}
	return m
}

// do sends one request; admin adds the bearer token. A string body is sent
// as JSON unless a Content-Type header says otherwise.
func (e *env) do(method, path string, body any, admin bool, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req := httptest.NewRequest(method, path, rd)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if admin {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// createEvent creates an event through the API and returns its JSON.
func (e *env) createEvent(body map[string]any) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/api/v1/events", body, true)
	if r.Status != 201 {
		e.t.Fatalf("create event: %d %s", r.Status, r.Body)
	}
	return r.JSON(e.t)
}

// liveEvent is a published live webinar on 1 December 2026 in Paris.
func liveEvent(extra map[string]any) map[string]any {
	m := map[string]any{
		"title": "Intro to Go", "kind": "live", "timezone": "Europe/Paris", "capacity": 50,
		"join_url": "https://meet.example.org/intro", "status": "published",
		"sessions": []map[string]any{{"starts_at": "2026-12-01T18:00:00+01:00", "duration_minutes": 90}},
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// accessToken composes the mails of a registration as they would be
// delivered and returns the access token the first one with a link carries.
func (e *env) accessToken(registrationID int64) string {
	e.t.Helper()
	for _, m := range e.outbox() {
		if m.RegistrationID == nil || *m.RegistrationID != registrationID {
			continue
		}
		// Not every mail carries the link (checkout_resend leads to the
		// payment).
		if link := linkPattern.FindStringSubmatch(e.compose(m).Text); link != nil {
			return link[1]
		}
	}
	e.t.Fatalf("no mail with an access link for registration %d", registrationID)
	return ""
}

// outbox is every queued or sent mail, oldest first.
func (e *env) outbox() []model.OutboxMail {
	e.t.Helper()
	mails, err := e.store.Outbox(context.Background(), "", 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	slices.SortFunc(mails, func(a, b model.OutboxMail) int { return cmp.Compare(a.ID, b.ID) })
	return mails
}

// lastMail is the last mail of a kind queued for a registration.
func (e *env) lastMail(registrationID int64, kind string) model.OutboxMail {
	e.t.Helper()
	var found *model.OutboxMail
	for _, m := range e.outbox() {
		if m.Kind == kind && m.RegistrationID != nil && *m.RegistrationID == registrationID {
			found = &m
		}
	}
	if found == nil {
		e.t.Fatalf("no %s mail for registration %d", kind, registrationID)
	}
	return *found
}

// compose writes a queued mail as it would leave now.
func (e *env) compose(m model.OutboxMail) mail.Message {
	e.t.Helper()
	msg, err := e.tickets.Compose(context.Background(), m)
	if err != nil {
		e.t.Fatal(err)
	}
	return msg
}

// composed is the last mail of a kind queued for a registration, composed
// as it would leave now.
func (e *env) composed(registrationID int64, kind string) mail.Message {
	e.t.Helper()
	return e.compose(e.lastMail(registrationID, kind))
}

var linkPattern = regexp.MustCompile(`https?://[^\s/]+/a/([A-Za-z0-9_-]{43})`)

func tokenIn(t testing.TB, text string) string {
	t.Helper()
	m := linkPattern.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no access link in:\n%s", text)
	}
	return m[1]
}

// localPath is the path and query of a URL on the test server
// (http://tickets.test/...).
func localPath(t testing.TB, raw string) string {
	t.Helper()
	path, ok := strings.CutPrefix(raw, "http://tickets.test")
	if !ok {
		t.Fatalf("%q is not a URL of the test server", raw)
	}
	return path
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// serve starts the app on a real loopback listener and returns its base URL.
func (e *env) serve() string {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go func() { _ = e.app.Listener(ln) }()
	e.t.Cleanup(func() { _ = e.app.ShutdownWithTimeout(time.Second) })
	return "http://" + ln.Addr().String()
}

func newHTTPClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

func postJSON(c *http.Client, url, body string) (int, string) {
	res, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// testLogWriter sends the server's log to the test's, shown on failure.
type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func postSigned(c *http.Client, url string, body []byte) int {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", stripetest.Sign(whsec, time.Now(), body))
	res, err := c.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// smtp starts an in-process SMTP server and returns it with a dispatcher
// that delivers the outbox to it on the env's clock.
func (e *env) smtp() (*mailtest.Server, *mail.Dispatcher) {
	e.t.Helper()
	srv := mailtest.NewServer(e.t)
	host, port := srv.Addr()
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: host, Port: port, From: "Admit <tickets@example.org>", TLS: "none"})
	if err != nil {
		e.t.Fatal(err)
	}
	return srv, mail.NewDispatcher(e.store, e.tickets, sender, nil, e.clock.Now)
}

// testModules are the payment providers the binary registers (main.go's
// providers), plus extra ones a test adds.
func testModules(extra ...payment.Module) *payment.Modules {
	m := payment.NewModules(stripe.Module(), paypal.Module(), banktransfer.Module())
	for _, x := range extra {
		m.Register(x)
	}
	return m
}
