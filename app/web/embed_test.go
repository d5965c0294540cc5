package web

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/admit/admit/app/ticketing"
)

const embedOrigin = "https://www.example.com"

// TestEmbedFrameHeaders: only an event's page with ?embed=1 may be framed,
// and only by http.frame_ancestors; it is the form without the page's
// header and footer, and its links open in the whole window. Every other
// page stays unframeable.
func TestEmbedFrameHeaders(t *testing.T) {
	e := newEnvWith(t, nil, func(_ *ticketing.Options, d *Deps) { d.FrameAncestors = []string{embedOrigin, "http://localhost:3000"} })
	ev := e.createEvent(liveEvent(map[string]any{"title": `Go "<b>" & more`, "description": "Learn **Go** in an hour."}))
	slug := ev["slug"].(string)
	_, token := e.registerOne(slug, "Ada", "ada@example.org")
	for _, c := range []struct {
		path   string
		framed bool
	}{
		{"/e/" + slug + "?embed=1", true},
		{"/e/" + slug + "?embed=1&lang=fr", true},
		{"/e/" + slug, false},
		{"/e/" + slug + "?embed=0", false},
		{"/a/" + token + "?embed=1", false},
		{"/admin/login?embed=1", false},
		{"/api/v1/public/events/" + slug + "?embed=1", false},
	} {
		r := e.do("GET", c.path, nil, false)
		csp, xfo := r.Header.Get("Content-Security-Policy"), r.Header.Get("X-Frame-Options")
		if c.framed {
			if !strings.HasSuffix(csp, "frame-ancestors "+embedOrigin+" http://localhost:3000") || xfo != "" {
				t.Errorf("%s: CSP %q, X-Frame-Options %q", c.path, csp, xfo)
			}
			body := string(r.Body)
			if strings.Contains(body, `<header class="top">`) || strings.Contains(body, `class="langs"`) ||
				!strings.Contains(body, `<base target="_top">`) || !strings.Contains(body, `<body class="embed">`) || !strings.Contains(body, "form") {
				t.Errorf("%s: not the form alone:\n%s", c.path, body)
			}
			if strings.Contains(body, `class="description"`) {
				t.Errorf("%s: the description is sent to the frame", c.path)
			}
		} else if !strings.HasSuffix(csp, "frame-ancestors 'none'") || xfo != "DENY" {
			t.Errorf("%s: CSP %q, X-Frame-Options %q", c.path, csp, xfo)
		}
	}
	got := e.do("GET", fmt.Sprintf("/api/v1/events/%d", num(ev["id"])), nil, true).JSON(t)["embed_snippet"]
	want := `<iframe src="http://tickets.test/e/` + slug + `?embed=1" title="Go &#34;&lt;b&gt;&#34; &amp; more" width="100%" height="720" style="border:0;max-width:42rem" loading="lazy"></iframe>`
	if got != want {
		t.Errorf("embed_snippet:\n got %v\nwant %s", got, want)
	}
	if pub := e.do("GET", "/api/v1/public/events/"+slug, nil, false); strings.Contains(string(pub.Body), "embed_snippet") {
		t.Error("the public answer carries the snippet")
	}

	if page := string(e.do("GET", "/e/"+slug, nil, false).Body); !strings.Contains(page, "<strong>Go</strong>") {
		t.Errorf("the page itself lost its description:\n%s", page)
	}

	// The admin event page shows the snippet to copy, and who may use it.
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	_, page := a.send("GET", fmt.Sprintf("/admin/events/%d", num(ev["id"])), nil)
	if !strings.Contains(page, `<textarea id="embed-snippet"`) || !strings.Contains(page, "&lt;iframe src=&#34;http://tickets.test/e/"+slug+"?embed=1&#34;") ||
		!strings.Contains(page, "<code>"+embedOrigin+"</code>") {
		t.Errorf("admin event page: no snippet\n%s", page)
	}

	// Without http.frame_ancestors, no site may frame even the form.
	plain := newEnv(t)
	plain.createEvent(liveEvent(nil))
	if r := plain.do("GET", "/e/intro-to-go?embed=1", nil, false); !strings.HasSuffix(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("no frame_ancestors: %q", r.Header.Get("Content-Security-Policy"))
	}
}

// hostPage serves on ln, an origin of its own, a page that holds snippet
// and notes when its frame has loaded.
func hostPage(t *testing.T, ln net.Listener, snippet string) string {
	t.Helper()
	page := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Our site</title></head><body>
<h1 id="site">Our site</h1>` + strings.Replace(snippet, "<iframe ", `<iframe onload="var h=document.getElementById('site');h.dataset.loaded='yes';h.dataset.loads=(+h.dataset.loads||0)+1" `, 1) + `</body></html>`
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// framed opens a host page and returns how many registration forms its
// frame shows once it has loaded.
func framed(t *testing.T, ctx context.Context, host string) (*chromedp.Node, int) {
	t.Helper()
	open(t, ctx, host)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`h1[data-loaded="yes"]`)))
	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe")))
	if err != nil || len(frames) != 1 {
		t.Fatalf("iframe: %v %d", err, len(frames))
	}
	forms, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("form.register"), chromedp.FromNode(frames[0]), chromedp.AtLeast(0)))
	if err != nil {
		t.Fatal(err)
	}
	return frames[0], len(forms)
}

// inFrame waits for the frame's load number n (the host page counts
// them) and returns the frame as it is then.
func inFrame(t *testing.T, ctx context.Context, n int) *chromedp.Node {
	t.Helper()
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`h1[data-loads="%d"]`, n))))
	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe")))
	if err != nil || len(frames) != 1 {
		t.Fatalf("iframe: %v %d", err, len(frames))
	}
	return frames[0]
}

// TestBrowserEmbed: the snippet from the event's API answer, in a page of
// an allowed site, shows the form at 390 px; a mistake in the form is shown
// inside the frame (before, the answer opened in the whole window), and
// registering from it shows the confirmation there too, the host page
// staying in the window; a site not allowed gets no form.
func TestBrowserEmbed(t *testing.T) {
	// The allowed site listens first: its origin goes into the
	// configuration.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	allowed := "http://" + ln.Addr().String()
	e := newEnvWith(t, nil, func(_ *ticketing.Options, d *Deps) { d.FrameAncestors = []string{allowed} })
	ev := e.createEvent(liveEvent(nil))
	e.do("PUT", "/api/v1/settings/branding", map[string]any{"name": "Go Academy", "accent_color": "#0f766e"}, true)
	base := e.serve()
	snippet := strings.Replace(e.do("GET", fmt.Sprintf("/api/v1/events/%d", num(ev["id"])), nil, true).JSON(t)["embed_snippet"].(string),
		"http://tickets.test", base, 1)

	hostPage(t, ln, snippet)

	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	frame, n := framed(t, ctx, allowed)
	if n != 1 {
		t.Fatalf("the allowed site's frame shows %d forms", n)
	}
	screenshot(t, ctx, "embedded")
	// A mistake: the answer stays in the frame, the field marked.
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#name"), "Ada Lovelace\r", chromedp.FromNode(frame)), // no email
	)
	frame = inFrame(t, ctx, 2)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#email[aria-invalid="true"]`), chromedp.FromNode(frame)))
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != allowed+"/" {
		t.Fatalf("after a mistake, the window shows %s (%v), want the host page", loc, err)
	}
	screenshot(t, ctx, "embedded-mistake")
	// Corrected: the confirmation, in the frame as well.
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.org\r", chromedp.FromNode(frame)),
	)
	frame = inFrame(t, ctx, 3)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("main .notice.ok"), chromedp.FromNode(frame)))
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != allowed+"/" {
		t.Fatalf("after registering, the window shows %s (%v), want the host page", loc, err)
	}
	confirmation, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"), chromedp.FromNode(frame)))
	if err != nil || !strings.Contains(confirmation, "Ada Lovelace") {
		t.Fatalf("confirmation:\n%s", confirmation)
	}
	screenshot(t, ctx, "registered")

	// Another site: the browser refuses the frame.
	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, n := framed(t, ctx, hostPage(t, other, snippet)); n != 0 {
		t.Fatalf("a site not allowed shows the form")
	}
}

// TestBrowserLogoPreview: on the settings page, a chosen logo shows before
// it is uploaded, and once uploaded it is the one the section keeps.
func TestBrowserLogoPreview(t *testing.T) {
	e := newEnv(t)
	base := e.serve()
	file := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(file, testPNG(t, 90, 30), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	browserSignIn(t, ctx, base)
	open(t, ctx, base+"/admin/settings#branding")
	do(t, ctx,
		chromedp.SetUploadFiles(chromedp.ID("brand-logo"), []string{file}),
		chromedp.WaitVisible(chromedp.CSS(`#logo-chosen img[src^="data:image/png;base64,"]`)),
	)
	screenshot(t, ctx, "chosen")
	if st := clickAndLoad(t, ctx, `form.logo-form button[type="submit"]`); st != 200 {
		t.Fatalf("upload: %d", st)
	}
	do(t, ctx, chromedp.WaitVisible(chromedp.ID("logo-current")))
	screenshot(t, ctx, "uploaded")
}

// TestEmbedFormStaysInFrame: embedded, the forms post inside the frame
// with embed=1 kept, so their mistakes come back framed (the answer may be
// framed by the allowed sites); a paid registration answers with a link to
// the payment that opens in the whole window rather than a redirect inside
// the frame, which the payment page would refuse. Without embed=1 nothing
// changes.
func TestEmbedFormStaysInFrame(t *testing.T) {
	e, _ := fakeEnv(t, func(_ *ticketing.Options, d *Deps) { d.FrameAncestors = []string{embedOrigin} })
	e.createEvent(liveEvent(map[string]any{"slug": "free", "capacity": 1}))
	paid := num(e.createEvent(paidEvent(map[string]any{"title": "Paid Go", "slug": "paid-go"}))["id"])
	checkoutOf := func(email string) string {
		for _, it := range e.do("GET", fmt.Sprintf("/api/v1/events/%d/registrations", paid), nil, true).JSON(t)["items"].([]any) {
			if r := it.(map[string]any); r["email"] == email {
				return e.reg(num(r["id"])).CheckoutURL
			}
		}
		t.Fatalf("no registration of %s", email)
		return ""
	}
	page := string(e.do("GET", "/e/free?embed=1", nil, false).Body)
	if !strings.Contains(page, `action="/e/free?lang=en&amp;embed=1" target="_self"`) {
		t.Fatalf("embedded form:\n%s", page)
	}
	if page := string(e.do("GET", "/e/free", nil, false).Body); strings.Contains(page, "embed=1") || strings.Contains(page, `target="_self"`) {
		t.Fatalf("the page itself changed:\n%s", page)
	}
	form := func(path string, v url.Values) response {
		return e.do("POST", path, v.Encode(), false, "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html")
	}
	r := form("/e/free?lang=en&embed=1", url.Values{"name": {"Ada"}, "email": {"nope"}})
	body := string(r.Body)
	if r.Status != 422 || !strings.HasSuffix(r.Header.Get("Content-Security-Policy"), "frame-ancestors "+embedOrigin) || r.Header.Get("X-Frame-Options") != "" ||
		!strings.Contains(body, `<body class="embed">`) || !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, `target="_self"`) {
		t.Fatalf("a mistake, embedded: %d %q\n%s", r.Status, r.Header.Get("Content-Security-Policy"), body)
	}
	// The waiting list's form, once the event is full.
	if r := form("/e/free?lang=en&embed=1", url.Values{"name": {"Ada"}, "email": {"ada@example.org"}}); r.Status != 201 || !strings.Contains(string(r.Body), `<body class="embed">`) {
		t.Fatalf("registered, embedded: %d\n%s", r.Status, r.Body)
	}
	page = string(e.do("GET", "/e/free?embed=1", nil, false).Body)
	if !strings.Contains(page, `action="/e/free/waitlist?lang=en&amp;embed=1" target="_self"`) {
		t.Fatalf("embedded waiting-list form:\n%s", page)
	}
	r = form("/e/free/waitlist?lang=en&embed=1", url.Values{"name": {"Bo"}, "email": {"bo"}})
	if r.Status != 422 || !strings.HasSuffix(r.Header.Get("Content-Security-Policy"), "frame-ancestors "+embedOrigin) || !strings.Contains(string(r.Body), `<body class="embed">`) {
		t.Fatalf("waiting list mistake, embedded: %d\n%s", r.Status, r.Body)
	}
	// Paid: a link to the payment, opening in the whole window.
	r = form("/e/paid-go?lang=en&embed=1", url.Values{"name": {"Cy"}, "email": {"cy@example.org"}, "provider": {"stripe"}})
	body = string(r.Body)
	checkout := checkoutOf("cy@example.org")
	if r.Status != 201 || checkout == "" || !strings.Contains(body, `<base target="_top">`) ||
		!strings.Contains(body, `<a class="button" href="`+html.EscapeString(checkout)+`">Continue to payment</a>`) {
		t.Fatalf("paid, embedded: %d (checkout %q)\n%s", r.Status, checkout, body)
	}
	r = form("/e/paid-go?lang=en", url.Values{"name": {"Di"}, "email": {"di@example.org"}, "provider": {"stripe"}})
	if r.Status != 303 || r.Header.Get("Location") != checkoutOf("di@example.org") {
		t.Fatalf("paid, not embedded: %d to %q", r.Status, r.Header.Get("Location"))
	}
}
