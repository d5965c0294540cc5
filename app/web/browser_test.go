package web

// Browser tests: the public pages driven in a real (headless) Chromium through
// the DevTools protocol. They need /usr/bin/chromium (Debian's package); without
// it they skip, except on CI (CI=true) where they fail.
//
// ADMIT_SCREENSHOTS=dir writes a full-page PNG of each page visited into dir (a
// relative dir is taken under os.TempDir()).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/admit/admit/app/clocktest"
)

// browserTimeout bounds a browser test when the test binary has no
// deadline of its own.
const browserTimeout = 60 * time.Second

// newBrowser starts a fresh headless Chromium for the test and returns the
// chromedp context of its first tab. Everything ends with the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserFor(t, browserTimeout)
}

// newBrowserFor is newBrowser for a test of many pages. The browser lives
// until the test binary's own deadline (go test -timeout), less a margin to
// report and clean up: a loaded machine is slow, not wrong, so no browser
// test has a clock of its own. Only without a deadline does timeout bound it.
func newBrowserFor(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is not installed: %v", err)
		}
		t.Skipf("chromium is not installed: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clocktest.Patience(t, timeout))
	t.Cleanup(cancel)
	// Chromium now and then fails to start on a loaded machine (it exits
	// before it opens its DevTools port): a failed start is tried again, with
	// a fresh profile, before the test gives up.
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		bctx, stop, err := startChromium(ctx, t, path)
		if err == nil {
			t.Cleanup(stop) // kills the browser and waits for it, before TempDir's cleanup
			return bctx
		}
		stop()
		lastErr = err
		t.Logf("starting chromium (attempt %d): %v", attempt, err)
		if ctx.Err() != nil {
			break
		}
	}
	t.Fatalf("starting chromium: %v", lastErr)
	return nil
}

// startChromium starts one headless Chromium and opens its first tab; stop
// ends it.
func startChromium(ctx context.Context, t *testing.T, path string) (context.Context, func(), error) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate"),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1024, 768),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	stop := func() { bcancel(); acancel() }
	// Start the browser and open the tab now, so that a failure to start says so.
	if err := chromedp.Do(bctx); err != nil {
		return nil, stop, err
	}
	return bctx, stop, nil
}

// open navigates to u and returns the HTTP status of the document.
func open(t *testing.T, ctx context.Context, u string) int64 {
	t.Helper()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	return res.Status
}

// clickAndLoad clicks the element and waits for the page it loads; it returns
// that page's HTTP status.
func clickAndLoad(t *testing.T, ctx context.Context, sel string) int64 {
	t.Helper()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	if res == nil {
		t.Fatalf("click %s: no document response", sel)
	}
	return res.Status
}

// text is the rendered text (innerText) of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// screenshot saves a full-page PNG when ADMIT_SCREENSHOTS names a directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("ADMIT_SCREENSHOTS")
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(os.TempDir(), dir)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, t.Name()+"-"+name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)
}

// registrationID is the id of the only registration of the event.
func (e *env) registrationID(slug string) int64 {
	e.t.Helper()
	ctx := context.Background()
	ev, err := e.store.EventBySlug(ctx, slug)
	if err != nil {
		e.t.Fatal(err)
	}
	regs, err := e.store.Registrations(ctx, ev.ID, "")
	if err != nil {
		e.t.Fatal(err)
	}
	if len(regs) != 1 {
		e.t.Fatalf("%d registrations for %s, want 1", len(regs), slug)
	}
	return regs[0].ID
}

// seatsLeft reads seats_left from the public API over the real listener.
func seatsLeft(t *testing.T, base, slug string) int64 {
	t.Helper()
	res, err := newHTTPClient().Get(base + "/api/v1/public/events/" + slug)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var v struct {
		SeatsLeft *int64 `json:"seats_left"`
	}
	if res.StatusCode != 200 || json.Unmarshal(b, &v) != nil || v.SeatsLeft == nil {
		t.Fatalf("public event: %d %s", res.StatusCode, b)
	}
	return *v.SeatsLeft
}

// TestBrowserRegisterWithoutJavaScript: with scripts off, the plain form
// registers; the emailed link, delivered over SMTP, opens the ticket page.
func TestBrowserRegisterWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	base := e.serve()
	ctx := newBrowser(t)

	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if st := open(t, ctx, base+"/e/intro-to-go"); st != 200 {
		t.Fatalf("event page: %d", st)
	}
	screenshot(t, ctx, "event")
	if h := text(t, ctx, "h1"); h != "Intro to Go" {
		t.Fatalf("h1 %q", h)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.ID("name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("email"), "ada@example.org"),
	)
	if st := clickAndLoad(t, ctx, `form.register button[type="submit"]`); st != 201 {
		t.Fatalf("submit: %d\n%s", st, text(t, ctx, "main"))
	}
	screenshot(t, ctx, "registered")
	if s := text(t, ctx, "main"); !strings.Contains(s, "Thank you, Ada Lovelace: you are registered.") || !strings.Contains(s, "ada@example.org") {
		t.Fatalf("registered page:\n%s", s)
	}

	// The access email goes through a real SMTP server; follow its link.
	id := e.registrationID("intro-to-go")
	srv, d := e.smtp()
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.WaitFor(t, 1, 10*time.Second)
	if len(msgs[0].To) != 1 || msgs[0].To[0] != "ada@example.org" {
		t.Fatalf("mail to %v", msgs[0].To)
	}
	link, err := url.Parse(linkPattern.FindString(msgs[0].Text))
	if err != nil || link.Path == "" {
		t.Fatalf("no access link in the mail:\n%s", msgs[0].Text)
	}
	if tok := e.accessToken(id); link.Path != "/a/"+tok {
		t.Fatalf("mailed link %s, registration %d has token %s", link.Path, id, tok)
	}
	if st := open(t, ctx, base+link.Path); st != 200 {
		t.Fatalf("access page: %d", st)
	}
	screenshot(t, ctx, "access")
	if s := text(t, ctx, "p.hello"); s != "Hello Ada Lovelace," {
		t.Fatalf("hello %q", s)
	}
	if s := text(t, ctx, "p.status"); s != "You are registered" {
		t.Fatalf("status %q", s)
	}
	if s := text(t, ctx, "ul.sessions li"); !strings.Contains(s, "1 December 2026") || !strings.Contains(s, "18:00") {
		t.Fatalf("session %q", s)
	}
}

// TestBrowserEscapesScript: markup in a title or a name is shown as text and
// never runs, on the event page, on the form's error re-render, on the
// confirmation and on the access page.
func TestBrowserEscapesScript(t *testing.T) {
	const title = `<img src=x onerror=alert(1)>`
	const name = `<script>alert(2)</script>`
	e := newEnv(t)
	// The description is Markdown: its raw HTML keeps harmless formatting
	// only, and a javascript: link loses its address.
	ev := e.createEvent(liveEvent(map[string]any{"title": title, "description": "<b onmouseover=alert(3)>bold</b> <script>alert(4)</script>" +
		"[click me](javascript:alert(5)) <a href=\"javascript:alert(6)\" onclick=\"alert(7)\">or me</a> <img src=x onerror=alert(8)>\n\n" +
		"<iframe src=\"javascript:alert(9)\"></iframe><svg onload=alert(10)></svg>"}))
	slug, _ := ev["slug"].(string)
	if slug == "" {
		t.Fatalf("no slug: %v", ev)
	}
	base := e.serve()
	ctx := newBrowser(t)

	// Every dialog is recorded, then dismissed so that the page goes on.
	var mu sync.Mutex
	var dialogs []string
	lctx, stop := context.WithCancel(ctx)
	events := chromedp.Events(lctx, page.JavascriptDialogOpening)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range events {
			if err != nil {
				return
			}
			mu.Lock()
			dialogs = append(dialogs, fmt.Sprintf("%s(%q) on %s", ev.Type, ev.Message, ev.URL))
			mu.Unlock()
			_, _ = chromedp.Call(lctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	defer func() { stop(); <-done }()
	noDialog := func(where string) {
		t.Helper()
		// An onerror handler can fire just after the load event: give it a moment.
		do(t, ctx, chromedp.Sleep(300*time.Millisecond))
		mu.Lock()
		defer mu.Unlock()
		if len(dialogs) > 0 {
			t.Fatalf("%s: a dialog opened: %v", where, dialogs)
		}
	}

	if st := open(t, ctx, base+"/e/"+slug); st != 200 {
		t.Fatalf("event page: %d", st)
	}
	screenshot(t, ctx, "event")
	noDialog("event page")
	if h := text(t, ctx, "h1"); h != title {
		t.Fatalf("h1 %q, want %q", h, title)
	}
	if s, err := chromedp.Run(ctx, chromedp.Title()); err != nil || s != title+" · Admit" {
		t.Fatalf("document title %q %v", s, err)
	}
	if s := text(t, ctx, ".description"); s != "bold click me or me" {
		t.Fatalf("description %q", s)
	}
	// Nothing in it can run: no handler, no script, no javascript: address.
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll(".description *")].filter(el =>
  ["SCRIPT", "IMG", "IFRAME", "SVG", "svg"].includes(el.tagName) || [...el.attributes].some(a => a.name.startsWith("on") || /javascript:/i.test(a.value))).length`)); err != nil || n != 0 {
		t.Fatalf("live markup in the description: %d %v", n, err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".description b").length`)); err != nil || n != 1 {
		t.Fatalf("the description's <b>: %d %v", n, err)
	}

	// An invalid email: the page comes back with the typed name in the field.
	do(t, ctx,
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("email"), "not-an-email"),
	)
	if st := clickAndLoad(t, ctx, `form.register button[type="submit"]`); st != 422 {
		t.Fatalf("invalid email: %d", st)
	}
	screenshot(t, ctx, "invalid")
	noDialog("form re-render")
	if s, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("name"))); err != nil || s != name {
		t.Fatalf("name field %q %v", s, err)
	}
	if h := text(t, ctx, "h1"); h != title {
		t.Fatalf("h1 after re-render %q", h)
	}
	if _, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".field-error"))); err != nil {
		t.Fatalf("no field error on the re-render: %v", err)
	}

	// Correct the email and register.
	do(t, ctx,
		chromedp.Clear(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "ada@example.org"),
	)
	if st := clickAndLoad(t, ctx, `form.register button[type="submit"]`); st != 201 {
		t.Fatalf("register: %d\n%s", st, text(t, ctx, "main"))
	}
	noDialog("registered page")
	if s := text(t, ctx, "p.notice"); !strings.Contains(s, name) {
		t.Fatalf("registered notice %q", s)
	}

	token := e.accessToken(e.registrationID(slug))
	if st := open(t, ctx, base+"/a/"+token); st != 200 {
		t.Fatalf("access page: %d", st)
	}
	screenshot(t, ctx, "access")
	noDialog("access page")
	if h := text(t, ctx, "h1"); h != title {
		t.Fatalf("access h1 %q", h)
	}
	if s := text(t, ctx, "p.hello"); s != "Hello "+name+"," {
		t.Fatalf("hello %q", s)
	}
	// Nothing was injected into the DOM either (the page's own scripts
	// come from /static/).
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("main img, main script:not([src^='/static/']), main b").length`))
	if err != nil || n != 0 {
		t.Fatalf("injected elements: %d %v", n, err)
	}
}

// TestBrowserLanguage: ?lang= and the browser's Accept-Language pick the page
// language.
func TestBrowserLanguage(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	base := e.serve()
	ctx := newBrowser(t)
	htmlLang := func() string {
		t.Helper()
		r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
		if err != nil || !r.Exists {
			t.Fatalf("<html lang>: %+v %v", r, err)
		}
		return r.Value
	}
	button := `form.register button[type="submit"]`

	open(t, ctx, base+"/e/intro-to-go")
	if l, b := htmlLang(), text(t, ctx, button); l != "en" || b != "Register" {
		t.Fatalf("default: lang %q button %q", l, b)
	}

	open(t, ctx, base+"/e/intro-to-go?lang=ru")
	screenshot(t, ctx, "ru")
	if l, b := htmlLang(), text(t, ctx, button); l != "ru" || b != "Зарегистрироваться" {
		t.Fatalf("?lang=ru: lang %q button %q", l, b)
	}
	if s := text(t, ctx, "ul.sessions li"); !strings.Contains(s, "декабря") {
		t.Fatalf("?lang=ru: session %q", s)
	}

	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}}); err != nil {
		t.Fatal(err)
	}
	open(t, ctx, base+"/e/intro-to-go")
	screenshot(t, ctx, "de")
	if l, b := htmlLang(), text(t, ctx, button); l != "de" || b != "Anmelden" {
		t.Fatalf("Accept-Language de: lang %q button %q", l, b)
	}
	if s := text(t, ctx, "ul.sessions li"); !strings.Contains(s, "Dezember") {
		t.Fatalf("Accept-Language de: session %q", s)
	}

	// ?lang= wins over Accept-Language, and the language links switch.
	open(t, ctx, base+"/e/intro-to-go?lang=ru")
	if l := htmlLang(); l != "ru" {
		t.Fatalf("?lang=ru with Accept-Language de: %q", l)
	}
	clickAndLoad(t, ctx, `nav.langs a[hreflang="fr"]`)
	if l, b := htmlLang(), text(t, ctx, button); l != "fr" || b == "Register" || b == "Зарегистрироваться" {
		t.Fatalf("after the fr link: lang %q button %q", l, b)
	}

	// The form keeps the language: a registration from the German page is
	// answered in German.
	open(t, ctx, base+"/e/intro-to-go")
	do(t, ctx,
		chromedp.SendKeys(chromedp.ID("name"), "Jörg"),
		chromedp.SendKeys(chromedp.ID("email"), "joerg@example.org"),
	)
	if st := clickAndLoad(t, ctx, button); st != 201 {
		t.Fatalf("register: %d", st)
	}
	if l := htmlLang(); l != "de" {
		t.Fatalf("registered page lang %q", l)
	}
}

// TestBrowserCancel: the cancel button behind <details> cancels and frees the
// seat.
func TestBrowserCancel(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	_, token := e.registerOne("intro-to-go", "Ada Lovelace", "ada@example.org")
	base := e.serve()
	if n := seatsLeft(t, base, "intro-to-go"); n != 49 {
		t.Fatalf("seats_left before %d", n)
	}
	ctx := newBrowser(t)

	if st := open(t, ctx, base+"/a/"+token); st != 200 {
		t.Fatalf("access page: %d", st)
	}
	danger := `form.cancel button.danger`
	// Closed, the button is hidden.
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("`+danger+`").checkVisibility()`)); err != nil || v {
		t.Fatalf("the cancel button shows before the details open: %v %v", v, err)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS("form.cancel details > summary")),
		chromedp.WaitVisible(chromedp.CSS(danger)),
	)
	screenshot(t, ctx, "open")
	st := clickAndLoad(t, ctx, danger)
	if st != 200 {
		t.Fatalf("after cancel: %d", st)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasPrefix(loc, base+"/a/"+token) {
		t.Fatalf("after cancel at %s", loc)
	}
	screenshot(t, ctx, "cancelled")
	if s := text(t, ctx, "p.status"); s != "Cancelled" {
		t.Fatalf("status %q", s)
	}
	if s := text(t, ctx, "main"); !strings.Contains(s, "Your registration is cancelled.") {
		t.Fatalf("no confirmation notice:\n%s", s)
	}
	// No second cancel button.
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("form.cancel").length`)); err != nil || n != 0 {
		t.Fatalf("cancel form still there: %d %v", n, err)
	}
	if n := seatsLeft(t, base, "intro-to-go"); n != 50 {
		t.Fatalf("seats_left after %d", n)
	}
}
