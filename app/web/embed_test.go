package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
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
<h1 id="site">Our site</h1>` + strings.Replace(snippet, "<iframe ", `<iframe onload="document.getElementById('site').dataset.loaded='yes'" `, 1) + `</body></html>`
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

// TestBrowserEmbed: the snippet from the event's API answer, in a page of
// an allowed site, shows the form at 390 px, and registering from it opens
// the confirmation in the whole window; a site not allowed gets no form.
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
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#name"), "Ada Lovelace", chromedp.FromNode(frame)),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.org\r", chromedp.FromNode(frame)),
		chromedp.WaitVisible(chromedp.CSS("main .notice.ok")),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasPrefix(loc, base+"/e/") {
		t.Fatalf("after registering, the window shows %s (%v)", loc, err)
	}
	if s := text(t, ctx, "main"); !strings.Contains(s, "Ada Lovelace") {
		t.Fatalf("confirmation:\n%s", s)
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
