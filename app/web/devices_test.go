package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// watch fetches a recording through its plain address, which serves the
// device that opens it.
func (e *env) watch(method, path string, headers ...string) response {
	e.t.Helper()
	return e.do(method, path, nil, false, headers...)
}

// browser is one device: its device cookie (once its access page set
// one), its address and its user agent.
type browser struct {
	e      *env
	cookie string
	ip, ua string
}

func (e *env) browser(ip, ua string) *browser { return &browser{e: e, ip: ip, ua: ua} }

func (b *browser) headers(extra ...string) []string {
	h := append([]string{"X-Forwarded-For", b.ip, "User-Agent", b.ua}, extra...)
	if b.cookie != "" {
		h = append(h, "Cookie", deviceCookie+"="+b.cookie)
	}
	return h
}

var (
	deviceCookiePattern = regexp.MustCompile(deviceCookie + `=([A-Za-z0-9_-]+)`)
	videoSrcPattern     = regexp.MustCompile(`<video [^>]*src="([^"]+)"`)
)

// page opens the access page: it keeps the device cookie the page sets and
// returns the stream links of its players.
func (b *browser) page(token string) (links []string, body string) {
	b.e.t.Helper()
	r := b.e.do("GET", "/a/"+token, nil, false, b.headers()...)
	if r.Status != 200 {
		b.e.t.Fatalf("access page: %d %s", r.Status, r.Body)
	}
	if m := deviceCookiePattern.FindStringSubmatch(r.Header.Get("Set-Cookie")); m != nil {
		b.cookie = m[1]
	}
	for _, m := range videoSrcPattern.FindAllStringSubmatch(string(r.Body), -1) {
		links = append(links, html.UnescapeString(m[1]))
	}
	return links, string(r.Body)
}

// link is the signed stream link of the page's first player.
func (b *browser) link(token string) string {
	b.e.t.Helper()
	links, body := b.page(token)
	if len(links) == 0 {
		b.e.t.Fatalf("no player on the access page:\n%s", body)
	}
	return links[0]
}

// get fetches a path as this browser (a range, as players ask).
func (b *browser) get(path string, headers ...string) response {
	b.e.t.Helper()
	return b.e.do("GET", path, nil, false, b.headers(append([]string{"Range", "bytes=0-99"}, headers...)...)...)
}

// httptestRequest is get's request, for app.Test from several goroutines.
func httptestRequest(b *browser, path string) *http.Request {
	req := httptest.NewRequest("GET", path, nil)
	h := b.headers("Range", "bytes=0-99")
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	return req
}

// refusal is the code of a JSON 403.
func refusal(t testing.TB, r response) string {
	t.Helper()
	if r.Status != 403 {
		return fmt.Sprintf("status %d", r.Status)
	}
	code, _ := r.JSON(t)["error"].(map[string]any)["code"].(string)
	return code
}

// trustAll reads every client's address from X-Forwarded-For, so that
// tests can be several networks.
func trustAll(_ *ticketing.Options, d *Deps) {
	d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
}

// streamEnv is an Admit with one uploaded recording and one confirmed
// registration: it answers the registration's id, token and the
// recording's plain address.
func streamEnv(t *testing.T, tweaks ...func(*ticketing.Options, *Deps)) (e *env, reg int64, token, plain string) {
	e = newEnvWith(t, nil, append([]func(*ticketing.Options, *Deps){trustAll}, tweaks...)...)
	_, _, id, _ := e.recordedEvent(5000)
	reg, token = e.registerOne("intro-to-go", "Ada", "ada@example.org")
	return e, reg, token, fmt.Sprintf("/a/%s/recordings/%d", token, id)
}

// TestStreamLinks: the player gets a signed link bound to its device and
// open for ticketing.StreamLinkTTL; copied to another browser or network,
// altered or expired it is refused with a 403 that says why, while a device
// that keeps watching keeps its link.
func TestStreamLinks(t *testing.T) {
	// Three devices may watch: a, an HTTP client and b.
	e, _, token, plain := streamEnv(t, func(o *ticketing.Options, _ *Deps) { o.MaxDevices = 3 })
	a := e.browser("198.51.100.1", "Firefox A")
	link := a.link(token)
	if !strings.HasPrefix(link, plain+"?dev=c") || !strings.Contains(link, "&sig=") {
		t.Fatalf("player link %q is not a signed link bound to the device cookie", link)
	}
	if a.cookie == "" {
		t.Fatal("the access page set no device cookie")
	}
	if r := a.get(link); r.Status != 206 || len(r.Body) != 100 {
		t.Fatalf("own link: %d %d bytes", r.Status, len(r.Body))
	}
	// Another browser: no cookie, another cookie, or the same cookie's link
	// without it, on the same network or another.
	for _, other := range []*browser{
		e.browser("198.51.100.1", "Firefox A"),
		{e: e, ip: "198.51.100.1", ua: "Firefox A", cookie: ticketing.NewDeviceCookie()},
		e.browser("203.0.113.9", "Chrome B"),
	} {
		if got := refusal(t, other.get(link, "Accept", "application/json")); got != "other_device" {
			t.Errorf("link copied to %+v: %s, want other_device", other, got)
		}
	}
	page := e.browser("203.0.113.9", "Chrome B").get(link)
	if page.Status != 403 || !strings.Contains(string(page.Body), "opened on another device or network") {
		t.Errorf("copied link's page: %d\n%.800s", page.Status, page.Body)
	}

	// Altered: another expiry, another recording, no signature, a device
	// id that is not its own.
	for name, bad := range map[string]string{
		"exp":  regexp.MustCompile(`exp=\d+`).ReplaceAllString(link, "exp=9999999999"),
		"sig":  regexp.MustCompile(`sig=[^&]+`).ReplaceAllString(link, "sig=AAAA"),
		"none": regexp.MustCompile(`&sig=[^&]+`).ReplaceAllString(link, ""),
		"dev":  regexp.MustCompile(`dev=[^&]+`).ReplaceAllString(link, "dev=x"),
	} {
		if got := refusal(t, a.get(bad, "Accept", "application/json")); got != "link_invalid" {
			t.Errorf("altered %s: %s, want link_invalid", name, got)
		}
	}

	// Without a cookie (an HTTP client), the plain address serves the video
	// itself, the client's network and user agent counted as its device; so
	// does it with a device cookie.
	api := e.browser("192.0.2.50", "curl/8")
	if r := api.get(plain); r.Status != 206 || len(r.Body) != 100 {
		t.Fatalf("plain address: %d %d bytes", r.Status, len(r.Body))
	}
	if r := a.get(plain); r.Status != 206 || len(r.Body) != 100 {
		t.Errorf("plain address with a device cookie: %d\n%s", r.Status, r.Body)
	}

	// Expiry: b's link, never used, closes after StreamLinkTTL; a keeps
	// watching past it, and its link closes once it has stopped for
	// DeviceIdle.
	b := e.browser("198.51.100.2", "Safari B")
	bLink := b.link(token)
	e.clock.Add(ticketing.StreamLinkTTL - time.Minute)
	if r := a.get(link); r.Status != 206 {
		t.Fatalf("a before expiry: %d", r.Status)
	}
	e.clock.Add(2 * time.Minute)
	if got := refusal(t, b.get(bLink, "Accept", "application/json")); got != "link_expired" {
		t.Errorf("b's unused link after %v: %s, want link_expired", ticketing.StreamLinkTTL+time.Minute, got)
	}
	page = b.get(bLink)
	if page.Status != 403 || !strings.Contains(string(page.Body), "video link has expired") {
		t.Errorf("expired link's page: %d\n%.800s", page.Status, page.Body)
	}
	if r := a.get(link); r.Status != 206 {
		t.Errorf("a, still watching, past its link's expiry: %d", r.Status)
	}
	e.clock.Add(ticketing.DeviceIdle)
	if got := refusal(t, a.get(link, "Accept", "application/json")); got != "link_expired" {
		t.Errorf("a's link after it stopped: %s, want link_expired", got)
	}
	if r := a.get(a.link(token)); r.Status != 206 {
		t.Errorf("a fresh link from the page: %d", r.Status)
	}
}

// TestDeviceLimit: at most recordings.max_devices devices watch one
// registration; the next gets a 403 page that says so, and its turn comes
// once one of them has stopped for ticketing.DeviceIdle.
func TestDeviceLimit(t *testing.T) {
	e, _, token, plain := streamEnv(t)
	a, b, c := e.browser("198.51.100.1", "A"), e.browser("198.51.100.2", "B"), e.browser("198.51.100.3", "C")
	aLink, bLink, cLink := a.link(token), b.link(token), c.link(token)
	if r := a.get(aLink); r.Status != 206 {
		t.Fatalf("a: %d", r.Status)
	}
	e.clock.Add(time.Minute)
	if r := b.get(bLink); r.Status != 206 {
		t.Fatalf("b: %d", r.Status)
	}
	r := c.get(cLink)
	if r.Status != 403 || !strings.Contains(string(r.Body), "already being watched on 2 devices") {
		t.Fatalf("third device: %d\n%.800s", r.Status, r.Body)
	}
	if got := refusal(t, c.get(cLink, "Accept", "application/json")); got != "devices_full" {
		t.Errorf("third device, JSON: %s", got)
	}
	if r := e.do("GET", plain, nil, false, c.headers()...); r.Status != 403 {
		t.Errorf("third device through the plain address: %d", r.Status)
	}
	if _, page := c.page(token); !strings.Contains(page, "already being watched on 2 devices") || strings.Contains(page, "<video") {
		t.Errorf("third device's access page offers a player:\n%s", page)
	}
	// The first two go on; a stops, b keeps fetching.
	if r := a.get(aLink); r.Status != 206 {
		t.Errorf("a again: %d", r.Status)
	}
	e.clock.Add(ticketing.DeviceIdle - time.Minute)
	if r := b.get(bLink); r.Status != 206 {
		t.Fatalf("b again: %d", r.Status)
	}
	if r := c.get(cLink); r.Status != 403 {
		t.Errorf("third device while a has not stopped for long: %d", r.Status)
	}
	e.clock.Add(time.Minute) // a idle for DeviceIdle
	if r := c.get(c.link(token)); r.Status != 206 {
		t.Fatalf("third device once a stopped: %d %s", r.Status, r.Body)
	}
	if got := refusal(t, e.do("GET", plain, nil, false, a.headers("Accept", "application/json")...)); got != "devices_full" {
		t.Errorf("a back while b and c watch: %s", got)
	}
}

// TestDeviceLimitConcurrent: devices arriving at once, exactly
// recordings.max_devices of them watch.
func TestDeviceLimitConcurrent(t *testing.T) {
	e, _, token, _ := streamEnv(t, func(o *ticketing.Options, _ *Deps) { o.MaxDevices = 3 })
	const n = 16
	links := make([]string, n)
	devs := make([]*browser, n)
	for i := range devs {
		devs[i] = e.browser(fmt.Sprintf("198.51.100.%d", i+1), "UA")
		links[i] = devs[i].link(token)
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := e.app.Test(httptestRequest(devs[i], links[i]), -1)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			codes[i] = res.StatusCode
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[206] != 3 || count[403] != n-3 {
		t.Errorf("answers %v, want 3 × 206 and %d × 403", count, n-3)
	}
}

// TestViews: each device starting a recording is a view (time, address,
// user agent), listed by GET /api/v1/registrations/{id}/views and counted
// in the registrations list.
func TestViews(t *testing.T) {
	e, reg, token, _ := streamEnv(t)
	a, b := e.browser("198.51.100.1", "Firefox/140"), e.browser("2001:db8::7", "Chrome/141")
	aLink := a.link(token)
	start := e.clock.Now()
	for range 3 { // one view: ranges of one playback
		if r := a.get(aLink); r.Status != 206 {
			t.Fatalf("a: %d", r.Status)
		}
	}
	e.clock.Add(time.Minute)
	if r := b.get(b.link(token)); r.Status != 206 {
		t.Fatalf("b: %d", r.Status)
	}
	e.clock.Add(ticketing.DeviceIdle + time.Minute)
	if r := a.get(a.link(token)); r.Status != 206 { // back after a pause: a new view
		t.Fatalf("a later: %d", r.Status)
	}
	r := e.do("GET", fmt.Sprintf("/api/v1/registrations/%d/views", reg), nil, true)
	if r.Status != 200 {
		t.Fatalf("views: %d %s", r.Status, r.Body)
	}
	items := r.JSON(t)["items"].([]any)
	want := []struct {
		ip, ua string
		at     time.Time
	}{
		{"198.51.100.1", "Firefox/140", start},
		{"2001:db8::7", "Chrome/141", start.Add(time.Minute)},
		{"198.51.100.1", "Firefox/140", start.Add(ticketing.DeviceIdle + 2*time.Minute)},
	}
	if len(items) != len(want) {
		t.Fatalf("%d views, want %d: %s", len(items), len(want), r.Body)
	}
	for i, w := range want {
		v := items[i].(map[string]any)
		if v["client_ip"] != w.ip || v["user_agent"] != w.ua || v["started_at"] != w.at.Format(time.RFC3339) ||
			v["title"] != "The replay" || v["recording_id"] == nil || v["device"] == "" {
			t.Errorf("view %d: %v, want %s %s at %s", i, v, w.ip, w.ua, w.at.Format(time.RFC3339))
		}
	}
	// The registrations list counts them.
	list := e.do("GET", "/api/v1/events/1/registrations", nil, true).JSON(t)["items"].([]any)
	if v := list[0].(map[string]any)["views"]; num(v) != 3 {
		t.Errorf("registrations list: views %v, want 3", v)
	}
	e.run(t, []scenario{
		{name: "no registration", method: "GET", path: "/api/v1/registrations/999/views", admin: true, status: 404},
		{name: "bad id", method: "GET", path: "/api/v1/registrations/x/views", admin: true, status: 404},
		{name: "signed out", method: "GET", path: fmt.Sprintf("/api/v1/registrations/%d/views", reg), status: 401},
	})
}

// TestRotateToken: a new access link for a registration; the old one
// answers 404 at once (its page, JSON, recordings and signed links), and
// the registrant is mailed the new one in their language.
func TestRotateToken(t *testing.T) {
	e := newEnvWith(t, nil, trustAll)
	srv, d := e.smtp()
	_, _, id, _ := e.recordedEvent(5000)
	r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Zoé", "email": "zoe@example.org", "locale": "fr"}, false)
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	reg := num(r.JSON(t)["registration"].(map[string]any)["id"])
	old := e.accessToken(reg)
	a := e.browser("198.51.100.1", "A")
	oldLink := a.link(old)
	if r := a.get(oldLink); r.Status != 206 {
		t.Fatalf("before: %d", r.Status)
	}
	ctx := context.Background()
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	sent := len(srv.WaitFor(t, 1, 10*time.Second))

	r = e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/rotate_token", reg), nil, true)
	if r.Status != 200 || r.JSON(t)["id"] != float64(reg) {
		t.Fatalf("rotate: %d %s", r.Status, r.Body)
	}
	for _, p := range []string{"/a/" + old, "/api/v1/access/" + old, fmt.Sprintf("/a/%s/recordings/%d", old, id), oldLink,
		"/a/" + old + "/join", "/a/" + old + "/calendar.ics"} {
		if r := e.do("GET", p, nil, false, a.headers()...); r.Status != 404 {
			t.Errorf("old %s: %d, want 404", p, r.Status)
		}
	}
	if r := e.do("POST", "/a/"+old+"/cancel", nil, false); r.Status != 404 {
		t.Errorf("old cancel: %d", r.Status)
	}

	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := srv.WaitFor(t, sent+1, 10*time.Second)
	m := msgs[len(msgs)-1]
	if m.Subject != "Votre nouveau lien d’accès pour Intro to Go" || len(m.To) != 1 || m.To[0] != "zoe@example.org" {
		t.Fatalf("mail: %q to %v", m.Subject, m.To)
	}
	if !strings.Contains(m.Text, "a remplacé votre lien d’accès personnel") || !strings.Contains(m.HTML, "a remplacé votre lien d’accès personnel") {
		t.Errorf("mail not in French:\n%s", m.Text)
	}
	fresh := tokenIn(t, m.Text)
	if fresh == old || strings.Contains(m.Text, old) || strings.Contains(m.HTML, old) {
		t.Fatalf("the mail carries the old link:\n%s", m.Text)
	}
	if r := e.do("GET", "/api/v1/access/"+fresh, nil, false); r.Status != 200 {
		t.Errorf("new link: %d", r.Status)
	}
	// The devices of the old link are forgotten: two new ones may watch.
	for _, b := range []*browser{a, e.browser("198.51.100.2", "B")} {
		if r := b.get(b.link(fresh)); r.Status != 206 {
			t.Errorf("new link on %s: %d", b.ua, r.Status)
		}
	}
	e.run(t, []scenario{
		{name: "no registration", method: "POST", path: "/api/v1/registrations/999/rotate_token", admin: true, status: 404},
		{name: "signed out", method: "POST", path: fmt.Sprintf("/api/v1/registrations/%d/rotate_token", reg), status: 401},
	})
}

// TestStreamAccessMatrix: a link handed out while the registration gave
// access stops at once when it no longer does, with a 403 that says why;
// a partial refund keeps access; unknown and replaced tokens are 404.
func TestStreamAccessMatrix(t *testing.T) {
	e := newEnvWith(t, nil, trustAll)
	_, _, id, _ := e.recordedEvent(5000)
	for _, tc := range []struct {
		status, code, says string
	}{
		{model.StatusConfirmed, "", ""},
		{model.StatusPartiallyRefunded, "", ""},
		{model.StatusPendingPayment, "pending_payment", "payment has not been received"},
		{model.StatusPendingApproval, "pending_approval", "waiting for the organizer"},
		{model.StatusCancelled, "cancelled", "was cancelled"},
		{model.StatusRejected, "rejected", "did not accept"},
		{model.StatusRefunded, "refunded", "was refunded"},
	} {
		t.Run(tc.status, func(t *testing.T) {
			e.t = t
			reg, token := e.registerOne("intro-to-go", tc.status, tc.status+"@example.org")
			b := e.browser("198.51.100.1", tc.status)
			link := b.link(token)
			e.setStatus(reg, tc.status)
			plain := fmt.Sprintf("/a/%s/recordings/%d", token, id)
			if tc.code == "" {
				if r := b.get(link); r.Status != 206 {
					t.Errorf("link: %d", r.Status)
				}
				if r := e.watch("GET", plain, b.headers()...); r.Status != 200 {
					t.Errorf("plain: %d", r.Status)
				}
				return
			}
			for _, p := range []string{link, plain} {
				if got := refusal(t, b.get(p, "Accept", "application/json")); got != tc.code {
					t.Errorf("%s: %s, want %s", p, got, tc.code)
				}
				r := b.get(p)
				if r.Status != 403 || !strings.Contains(string(r.Body), tc.says) {
					t.Errorf("%s page does not say why (%q): %d\n%.600s", p, tc.says, r.Status, r.Body)
				}
			}
			if links, page := b.page(token); len(links) != 0 || !strings.Contains(page, "status-"+tc.status) {
				t.Errorf("access page of a %s registration has players %v", tc.status, links)
			}
		})
	}
	e.t = t
	// Unknown and replaced tokens.
	reg, token := e.registerOne("intro-to-go", "Rotated", "rotated@example.org")
	b := e.browser("198.51.100.1", "R")
	link := b.link(token)
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/rotate_token", reg), nil, true); r.Status != 200 {
		t.Fatalf("rotate: %d", r.Status)
	}
	unknown := strings.Repeat("A", 43)
	for _, p := range []string{link, fmt.Sprintf("/a/%s/recordings/%d", token, id), fmt.Sprintf("/a/%s/recordings/%d", unknown, id),
		strings.Replace(link, token, unknown, 1), "/a/" + unknown} {
		if r := b.get(p); r.Status != 404 {
			t.Errorf("%s: %d, want 404", p, r.Status)
		}
	}
}

// TestRotateTokenAdminUI: the registrants' table links to a confirmation
// that gives a new link, as the API does.
func TestRotateTokenAdminUI(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(nil))
	rid, old := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	base := e.serve()
	a := newAdminClient(t, base)
	a.login(adminEmail, adminPassword)
	_, page := a.send("GET", "/admin/events/1", nil)
	confirm := fmt.Sprintf("/admin/registrations/%d/rotate_token?lang=en", rid)
	if !strings.Contains(page, `href="`+confirm) || !strings.Contains(page, "New link") {
		t.Fatalf("no link to a new access link:\n%s", page)
	}
	res, body := a.send("GET", confirm, nil)
	if res.StatusCode != 200 || !strings.Contains(body, "Give Ada a new access link?") || !strings.Contains(body, "stops working at once") {
		t.Fatalf("confirmation: %d\n%s", res.StatusCode, body)
	}
	res, _ = a.send("POST", fmt.Sprintf("/admin/registrations/%d/rotate_token", rid), url.Values{"csrf": {a.csrf(confirm)}, "back": {"/admin/events/1"}})
	if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), "done=rotate_token") {
		t.Fatalf("the button: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := a.send("GET", res.Header.Get("Location"), nil); !strings.Contains(body, "A new access link is sent") {
		t.Errorf("the event page does not say it:\n%s", body)
	}
	if r := e.do("GET", "/a/"+old, nil, false); r.Status != 404 {
		t.Errorf("old link: %d", r.Status)
	}
	fresh := tokenIn(t, e.composed(rid, model.MailTokenRotated).Text)
	if r := e.do("GET", "/a/"+fresh, nil, false); r.Status != 200 || fresh == old {
		t.Errorf("new link: %d", r.Status)
	}
}
