package web

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/admit/admit/app/mail/mailtest"
	"github.com/admit/admit/app/model"
)

// testPNG is a small PNG logo of one colour.
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{R: 15, G: 118, B: 110, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testJPEG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBrandingAPI: the branding's fields are checked one by one, the logo
// by its content and size, and both are admin-only settings.
func TestBrandingAPI(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/settings/branding"
	logo := "/api/v1/settings/branding/logo"
	big := append(testPNG(t, 4, 4), make([]byte, model.MaxLogoBytes)...)
	e.run(t, []scenario{
		{name: "empty at first", method: "GET", path: path, admin: true, status: 200, contains: []string{`"name":""`, `"logo_url":null`}},
		{name: "needs a sign-in", method: "GET", path: path, status: 401},
		{name: "bad fields", method: "PUT", path: path, admin: true, status: 422, body: map[string]any{
			"name": "Two\nlines", "accent_color": "blue", "footer": strings.Repeat("x", 501), "privacy_url": "javascript:alert(1)", "contact_email": "nobody"},
			contains: []string{`"name"`, `"accent_color"`, `"footer"`, `"privacy_url"`, `"contact_email"`}},
		{name: "relative privacy url", method: "PUT", path: path, admin: true, status: 422, body: map[string]any{"privacy_url": "/privacy"}, contains: []string{`"privacy_url"`}},
		{name: "short colour", method: "PUT", path: path, admin: true, status: 422, body: map[string]any{"accent_color": "#fff"}, contains: []string{`"accent_color"`}},
		{name: "saved", method: "PUT", path: path, admin: true, status: 200, body: map[string]any{
			"name": "Go Academy", "accent_color": "#0F766E", "footer": "Go Academy Ltd", "privacy_url": "https://example.com/privacy", "contact_email": "hello@example.com"},
			contains: []string{`"name":"Go Academy"`, `"accent_color":"#0f766e"`, `"privacy_url":"https://example.com/privacy"`, `"contact_email":"hello@example.com"`}},
		{name: "read back", method: "GET", path: path, admin: true, status: 200, contains: []string{`"footer":"Go Academy Ltd"`}},
		{name: "not an image", method: "PUT", path: logo, admin: true, status: 415, body: []byte("GIF89a not really"), contains: []string{"unsupported_media_type", `"logo"`}},
		{name: "a GIF", method: "PUT", path: logo, admin: true, status: 415, body: []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), contains: []string{`"logo"`}},
		{name: "a PNG header only", method: "PUT", path: logo, admin: true, status: 415, body: []byte("\x89PNG\r\n\x1a\nbroken"), contains: []string{`"logo"`}},
		{name: "too large", method: "PUT", path: logo, admin: true, status: 413, body: big, contains: []string{"too_large", `"logo"`}},
		{name: "empty", method: "PUT", path: logo, admin: true, status: 422, body: []byte{}, contains: []string{`"logo"`}},
		{name: "a JPEG", method: "PUT", path: logo, admin: true, status: 200, body: testJPEG(t), headers: []string{"Content-Type", "image/jpeg"}, contains: []string{`"logo_url":"/branding/logo?v=`}},
		{name: "a PNG", method: "PUT", path: logo, admin: true, status: 200, body: testPNG(t, 120, 40), headers: []string{"Content-Type", "image/png"}, contains: []string{`"logo_url":"/branding/logo?v=`}},
	})
	e.t = t
	b := e.do("GET", path, nil, true).JSON(t)
	u, _ := b["logo_url"].(string)
	r := e.do("GET", u, nil, false)
	if r.Status != 200 || r.Header.Get("Content-Type") != "image/png" || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") ||
		!bytes.Equal(r.Body, testPNG(t, 120, 40)) {
		t.Fatalf("logo: %d %v", r.Status, r.Header)
	}
	if r := e.do("GET", "/branding/logo?v=old", nil, false); r.Status != 200 || strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("an old version is kept for good: %v", r.Header)
	}
	css := e.do("GET", "/branding/style.css?v=0f766e", nil, false)
	if css.Status != 200 || !strings.Contains(string(css.Body), "--brand: #0f766e") || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("style: %d %s", css.Status, css.Body)
	}
	if r := e.do("DELETE", logo, nil, true); r.Status != 200 || !strings.Contains(string(r.Body), `"logo_url":null`) {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", u, nil, false); r.Status != 404 {
		t.Fatalf("deleted logo still served: %d", r.Status)
	}
}

// TestBrandingAccentContrast: whatever colour is chosen, buttons and links
// keep 4.5:1 on the page's light backgrounds and the text on them too.
func TestBrandingAccentContrast(t *testing.T) {
	for _, c := range []string{"#ffff00", "#ffffff", "#000000", "#0f766e", "#ff6600", "#2456d6", "#e7ecfb", "#777777"} {
		b := &model.Branding{AccentColor: c}
		a := b.AccentText()
		for _, bg := range []string{"#ffffff", "#f4f5f8", "#e7ecfb"} {
			if r := model.Contrast(a, bg); r < 4.5 {
				t.Errorf("%s: accent %s on %s: %.2f", c, a, bg, r)
			}
		}
		if r := model.Contrast(model.Ink(a), a); r < 4.5 {
			t.Errorf("%s: text on %s: %.2f", c, a, r)
		}
		if r := model.Contrast(model.Ink(c), c); r < 4.5 {
			t.Errorf("%s: ink %s: %.2f", c, model.Ink(c), r)
		}
	}
	if got := (&model.Branding{AccentColor: "#0f766e"}).AccentText(); got != "#0f766e" {
		t.Errorf("a dark enough colour is changed: %s", got)
	}
}

var logoImg = regexp.MustCompile(`<img class="logo" src="(/branding/logo\?v=[0-9a-f]+)"`)

// TestBrandingOnPublicPages: the name, logo, colour, footer and privacy
// link appear on the event page and the error page, escaped.
func TestBrandingOnPublicPages(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	before := string(e.do("GET", "/e/intro-to-go", nil, false).Body)
	if !strings.Contains(before, `<span class="brand-name">Admit</span>`) || strings.Contains(before, "/branding/") {
		t.Fatalf("unbranded page:\n%s", before)
	}
	e.do("PUT", "/api/v1/settings/branding", map[string]any{"name": `Go <script>alert(1)</script> Academy`, "accent_color": "#0f766e",
		"footer": "Go Academy Ltd\n1 Main St", "privacy_url": "https://example.com/privacy?a=1&b=2"}, true)
	e.do("PUT", "/api/v1/settings/branding/logo", testPNG(t, 60, 20), true)
	for _, p := range []string{"/e/intro-to-go", "/e/no-such-event", "/a/not-a-token"} {
		body := string(e.do("GET", p, nil, false).Body)
		for _, want := range []string{`Go &lt;script&gt;alert(1)&lt;/script&gt; Academy</span>`, `href="/branding/style.css?v=0f766e"`,
			`<p class="brand-footer">Go Academy Ltd` + "\n1 Main St</p>", `href="https://example.com/privacy?a=1&amp;b=2"`, "Tickets by Admit"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: no %q\n%s", p, want, body)
			}
		}
		if !logoImg.MatchString(body) || strings.Contains(body, "<script>alert") {
			t.Errorf("%s: no logo, or the name not escaped\n%s", p, body)
		}
	}
}

// TestBrandingAdminForm: the settings page saves the branding, shows
// errors next to their fields, and uploads the logo with a preview.
func TestBrandingAdminForm(t *testing.T) {
	e := newEnv(t)
	base := e.serve()
	a := newAdminClient(t, base)
	a.login(adminEmail, adminPassword)
	tok := a.csrf("/admin/settings")
	res, body := a.send("POST", "/admin/settings/branding", url.Values{"csrf": {tok}, "name": {"Go Academy"}, "accent_color": {"teal"},
		"privacy_url": {"ftp://x"}, "footer": {"F"}, "contact_email": {""}})
	if res.StatusCode != 422 || !strings.Contains(body, `id="brand-accent-error"`) || !strings.Contains(body, `id="brand-privacy-error"`) ||
		!strings.Contains(body, `value="teal"`) || !strings.Contains(body, "Write the colour as #rrggbb") {
		t.Fatalf("errors: %d\n%s", res.StatusCode, body)
	}
	res, _ = a.send("POST", "/admin/settings/branding", url.Values{"csrf": {tok}, "name": {"Go Academy"}, "accent_color": {"#0f766e"}})
	if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), "done=branding_saved") {
		t.Fatalf("save: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	upload := func(name string, data []byte) (*http.Response, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.WriteField("csrf", tok)
		f, _ := w.CreateFormFile("logo", name)
		_, _ = f.Write(data)
		_ = w.Close()
		req, _ := http.NewRequest("POST", base+"/admin/settings/branding/logo", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		return a.roundTrip(req)
	}
	res, body = upload("logo.png", []byte("<svg></svg>"))
	if res.StatusCode != 415 || !strings.Contains(body, `id="brand-logo-error"`) {
		t.Fatalf("svg: %d\n%s", res.StatusCode, body)
	}
	res, _ = upload("logo.png", testPNG(t, 90, 30))
	if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), "done=logo_saved") {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	_, body = a.send("GET", res.Header.Get("Location"), nil)
	if !strings.Contains(body, `id="logo-current"`) || !strings.Contains(body, "Logo saved.") || !strings.Contains(body, `value="#0f766e"`) {
		t.Fatalf("page after upload:\n%s", body)
	}
}

// TestBrandedConfirmationDelivered: the confirmation of a real
// registration, delivered over SMTP, carries the branding (the sender's
// name, the inline logo, the colour, the footer), the event's refund policy
// and the organization's contact, keeps a title full of HTML inert, and
// SpamAssassin's local rules still score it 0.
func TestBrandedConfirmationDelivered(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"title": `Go <script>alert("t")</script>`, "slug": "intro-to-go", "refund_policy": "Full refund until 24 hours before."}))
	e.do("PUT", "/api/v1/settings/branding", map[string]any{"name": "Go Academy", "accent_color": "#ffd400",
		"footer": "Go Academy Ltd", "privacy_url": "https://example.com/privacy", "contact_email": "hello@example.com"}, true)
	logo := testPNG(t, 90, 30)
	e.do("PUT", "/api/v1/settings/branding/logo", logo, true)
	srv, d := e.smtp()
	e.registerOne("intro-to-go", "Ada", "ada@example.org")
	if err := d.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, 1, 0)[0]
	if m.ParseError != nil || m.Text == "" || m.HTML == "" {
		t.Fatalf("parts: %v", m.ParseError)
	}
	if from, _ := m.Header.AddressList("From"); len(from) != 1 || from[0].Name != "Go Academy" || from[0].Address != "tickets@example.org" {
		t.Fatalf("From: %v", from)
	}
	var inline, ics bool
	for _, a := range m.Attachments {
		inline = inline || (a.ContentID != "" && a.Related && bytes.Equal(a.Data, logo) && strings.Contains(m.HTML, "cid:"+a.ContentID))
		ics = ics || a.ContentType == "text/calendar"
	}
	if !inline || !ics {
		t.Fatalf("inline logo %v, calendar %v: %+v", inline, ics, m.Attachments)
	}
	// #ffd400 is too light for white text: buttons get it darkened, with
	// text that reads on it.
	accent := (&model.Branding{AccentColor: "#ffd400"}).AccentText()
	for _, want := range []string{"background-color:" + accent, "color:" + model.Ink(accent), "Full refund until 24 hours before.",
		"mailto:hello@example.com", "Go Academy Ltd", "&lt;script&gt;"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML: no %q", want)
		}
	}
	if strings.Contains(m.HTML, "<script") {
		t.Error("HTML: the title's script is live")
	}
	for _, want := range []string{"Full refund until 24 hours before.", "hello@example.com", "Go Academy Ltd"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text: no %q", want)
		}
	}
	s := mailtest.SpamScores(t, [][]byte{m.Raw})[0]
	for rule, pts := range s.Rules {
		if pts > 0 && !(rule == "HTML_MESSAGE" && pts <= 0.001) {
			t.Errorf("SpamAssassin: %s", s)
		}
	}
}
