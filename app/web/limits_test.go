package web

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

func prefixes(t testing.TB, cidrs ...string) []netip.Prefix {
	t.Helper()
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

func TestClientIP(t *testing.T) {
	trusted := prefixes(t, "127.0.0.0/8", "::1/128", "10.0.0.0/8")
	cases := []struct {
		name      string
		peer      string
		forwarded []string
		want      string
	}{
		{"direct client", "203.0.113.9", nil, "203.0.113.9"},
		{"direct client that forges the header", "203.0.113.9", []string{"198.51.100.1"}, "203.0.113.9"},
		{"proxy without header", "127.0.0.1", nil, "127.0.0.1"},
		{"proxy", "127.0.0.1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"client forges a hop before the proxy's", "127.0.0.1", []string{"198.51.100.1, 203.0.113.9"}, "203.0.113.9"},
		{"chain of trusted proxies", "127.0.0.1", []string{"198.51.100.1, 203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
		{"header sent twice", "127.0.0.1", []string{"198.51.100.1", "203.0.113.9"}, "203.0.113.9"},
		{"every hop trusted", "127.0.0.1", []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3"},
		{"empty entries", "127.0.0.1", []string{" , 203.0.113.9 ,"}, "203.0.113.9"},
		{"garbage at the end", "127.0.0.1", []string{"203.0.113.9, bogus"}, "127.0.0.1"},
		{"garbage behind a trusted hop", "127.0.0.1", []string{"bogus, 10.0.0.2"}, "10.0.0.2"},
		{"with a port", "127.0.0.1", []string{"203.0.113.9:4711"}, "203.0.113.9"},
		{"IPv6 with a port", "::1", []string{"[2001:db8::7]:4711"}, "2001:db8::7"},
		{"IPv4 in IPv6 peer", "::ffff:127.0.0.1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"IPv4 in IPv6 hop", "127.0.0.1", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"zone", "127.0.0.1", []string{"fe80::1%eth0"}, "127.0.0.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := clientIP(netip.MustParseAddr(c.peer), c.forwarded, trusted)
			if got.String() != c.want {
				t.Fatalf("clientIP(%s, %q) = %s, want %s", c.peer, c.forwarded, got, c.want)
			}
		})
	}
	if got := clientIP(netip.MustParseAddr("127.0.0.1"), []string{"203.0.113.9"}, nil); got.String() != "127.0.0.1" {
		t.Fatalf("no trusted proxy: %s", got)
	}
}

func TestClientKey(t *testing.T) {
	for addr, want := range map[string]string{
		"203.0.113.9":           "203.0.113.9",
		"2001:db8:1:2::1":       "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::99": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":       "2001:db8:1:3::/64",
	} {
		if got := clientKey(netip.MustParseAddr(addr)); got != want {
			t.Errorf("clientKey(%s) = %s, want %s", addr, got, want)
		}
	}
}

// size is how many keys the buckets remember.
func (b *buckets) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// TestBuckets: the per-key token buckets follow the clock they are given,
// and forget the keys whose bucket is full again.
func TestBuckets(t *testing.T) {
	b := perPeriod(3, time.Minute)
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if ok, _ := b.take("a", t0); !ok {
			t.Fatalf("take %d refused", i)
		}
	}
	if ok, wait := b.take("a", t0); ok || wait != 20*time.Second {
		t.Fatalf("fourth take: %v, wait %s; want a refusal for 20s", ok, wait)
	}
	if ok, _ := b.take("b", t0); !ok {
		t.Fatal("another key shares the bucket")
	}
	if w := b.wait("a", t0.Add(19*time.Second)); w != time.Second {
		t.Fatalf("wait after 19s = %s", w)
	}
	if ok, _ := b.take("a", t0.Add(20*time.Second)); !ok {
		t.Fatal("no token after 20s")
	}
	if b.size() != 2 {
		t.Fatalf("%d keys", b.size())
	}
	if ok, _ := b.take("c", t0.Add(70*time.Second)); !ok || b.size() != 2 {
		t.Fatalf("b, full again, should be forgotten, a (used 50s ago) kept: %d keys", b.size())
	}
	if ok, _ := b.take("d", t0.Add(10*time.Minute)); !ok || b.size() != 1 {
		t.Fatalf("after 10 minutes only the new key should be left: %d keys", b.size())
	}
}

// TestBucketsConcurrent: one key taken from many goroutines at once gives
// exactly its burst.
func TestBucketsConcurrent(t *testing.T) {
	b := perPeriod(10, time.Minute)
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := b.take("a", now); ok {
				mu.Lock()
				taken++
				mu.Unlock()
			}
			b.wait(fmt.Sprint("k", i%7), now)
		}()
	}
	wg.Wait()
	if taken != 10 {
		t.Fatalf("%d tokens taken, want 10", taken)
	}
}

// logBuffer keeps what the server logs, for tests that read it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// behindProxy makes app.Test's peer (0.0.0.0) a trusted proxy, so that
// each request names its client in X-Forwarded-For, and sets limits.
func behindProxy(l Limits, holds int) func(*ticketing.Options, *Deps) {
	return func(o *ticketing.Options, d *Deps) {
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")}
		d.Limits = l
		o.HoldsPerClient = holds
	}
}

// from is the header pair of a request from a client behind the proxy.
func from(addr string, more ...string) []string {
	return append([]string{"X-Forwarded-For", "198.51.100.66, " + addr}, more...)
}

func TestClientIPInAccessLog(t *testing.T) {
	for _, c := range []struct {
		name    string
		proxies []netip.Prefix
		want    string
	}{
		{"behind a trusted proxy", []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")}, "client_ip=203.0.113.9 "},
		{"from an untrusted peer", nil, "client_ip=0.0.0.0 "},
	} {
		t.Run(c.name, func(t *testing.T) {
			logs := &logBuffer{}
			e := newEnvWith(t, nil, func(_ *ticketing.Options, d *Deps) {
				d.TrustedProxies = c.proxies
				d.Log = slog.New(slog.NewTextHandler(io.MultiWriter(testLogWriter{t}, logs), nil))
			})
			e.do("GET", "/healthz", nil, false, from("203.0.113.9")...)
			var line string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "path=/healthz") {
					line = l
				}
			}
			if !strings.Contains(line, c.want) {
				t.Fatalf("access log %q lacks %q", line, c.want)
			}
		})
	}
}

// TestPublicLimit: registrations (API and form), promo quotes and the
// return and cancel pages share one allowance per client; reading pages and
// plain quotes do not count; other clients have their own.
func TestPublicLimit(t *testing.T) {
	e, _ := fakeEnv(t, behindProxy(Limits{PublicPerMinute: 3}, 0))
	e.createEvent(liveEvent(nil))
	e.createEvent(paidEvent(map[string]any{"title": "Paid"}))
	path := "/api/v1/public/events/intro-to-go/registrations"
	person := func(n int) map[string]any {
		return map[string]any{"name": "Person", "email": fmt.Sprintf("p%d@example.org", n)}
	}
	a, b := "203.0.113.9", "203.0.113.10"
	limited := []string{`"code":"rate_limited"`}
	e.run(t, []scenario{
		{name: "a 1", method: "POST", path: path, body: person(1), headers: from(a), status: 201},
		{name: "a 2: a plain quote does not count", method: "GET", path: "/api/v1/public/events/paid/quote", headers: from(a), status: 200},
		{name: "a 2: nor the event page", method: "GET", path: "/e/intro-to-go", headers: from(a), status: 200},
		{name: "a 2", method: "POST", path: path, body: person(2), headers: from(a), status: 201},
		{name: "a 3: a promo quote counts", method: "GET", path: "/api/v1/public/events/paid/quote?promo_code=NOPE", headers: from(a), status: 422},
		{name: "a over: registration", method: "POST", path: path, body: person(3), headers: from(a), status: 429, contains: limited, answer: []string{"Retry-After", "20"}},
		{name: "a over: promo quote", method: "GET", path: "/api/v1/public/events/paid/quote?promo_code=NOPE", headers: from(a), status: 429, contains: limited},
		{name: "a over: form, a page in the reader's language", method: "POST", path: "/e/intro-to-go",
			body: "name=Ada&email=ada%40example.org", headers: from(a, "Content-Type", "application/x-www-form-urlencoded", "Accept-Language", "fr"),
			status: 429, contains: []string{"Trop de tentatives", `lang="fr"`}, answer: []string{"Retry-After", "20"}},
		{name: "a over: return page", method: "GET", path: "/pay/stripe/return?registration=1&sig=x", headers: from(a), status: 429, contains: []string{"Too many attempts"}},
		{name: "a over: cancel page", method: "GET", path: "/pay/stripe/cancel?registration=1&sig=x", headers: from(a), status: 429},
		{name: "a over: waiting list", method: "POST", path: "/api/v1/public/events/intro-to-go/waitlist", body: person(3), headers: from(a), status: 429, contains: limited},
		{name: "a over: reading is still fine", method: "GET", path: "/api/v1/public/events/intro-to-go", headers: from(a), status: 200},
		{name: "b has its own allowance", method: "POST", path: path, body: person(4), headers: from(b), status: 201},
		{name: "v6 1", method: "POST", path: path, body: person(5), headers: from("2001:db8:1:2::1"), status: 201},
		{name: "v6 2", method: "POST", path: path, body: person(6), headers: from("2001:db8:1:2::2"), status: 201},
		{name: "v6 3", method: "POST", path: path, body: person(7), headers: from("2001:db8:1:2::3"), status: 201},
		{name: "v6 counts per /64", method: "POST", path: path, body: person(8), headers: from("2001:db8:1:2:ffff::9"), status: 429},
		{name: "another /64", method: "POST", path: path, body: person(9), headers: from("2001:db8:1:3::1"), status: 201},
	})
	e.t = t
	e.clock.Add(20 * time.Second)
	e.run(t, []scenario{
		{name: "a after 20 seconds", method: "POST", path: path, body: person(10), headers: from(a), status: 201},
		{name: "a over again", method: "POST", path: path, body: person(11), headers: from(a), status: 429},
	})
}

// TestPublicLimitOff: 0 switches the limit off.
func TestPublicLimitOff(t *testing.T) {
	e := newEnvWith(t, nil, behindProxy(Limits{}, 0))
	e.createEvent(liveEvent(map[string]any{"capacity": nil}))
	for i := 0; i < 100; i++ {
		r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "P", "email": fmt.Sprintf("p%d@example.org", i)}, false, from("203.0.113.9")...)
		if r.Status != 201 {
			t.Fatalf("registration %d: %d %s", i, r.Status, r.Body)
		}
	}
}

// TestPromoFailuresLimit: ten codes that do not apply per client and hour,
// in quotes and registrations alike; then every code from that client waits.
func TestPromoFailuresLimit(t *testing.T) {
	e := newEnvWith(t, nil, behindProxy(Limits{PromoFailuresPerHour: 10}, 0))
	ev := e.createEvent(paidEvent(nil))
	e.createEvent(liveEvent(map[string]any{"title": "Free"}))
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/promo_codes", num(ev["id"])), map[string]any{"code": "GOOD", "percent_off": 10}, true); r.Status != 201 {
		t.Fatalf("promo: %d %s", r.Status, r.Body)
	}
	quote := func(code string) string { return "/api/v1/public/events/intro-to-go/quote?promo_code=" + code }
	a, b := "203.0.113.9", "203.0.113.10"
	var sc []scenario
	for i := 0; i < 9; i++ {
		sc = append(sc, scenario{name: fmt.Sprintf("a wrong code %d", i+1), method: "GET", path: quote(fmt.Sprintf("BAD%d", i)), headers: from(a), status: 422})
	}
	e.run(t, append(sc, []scenario{
		{name: "a right code does not count", method: "GET", path: quote("GOOD"), headers: from(a), status: 200, contains: []string{`"promo_code":"GOOD"`}},
		{name: "a wrong code 10, in a registration", method: "POST", path: "/api/v1/public/events/free/registrations",
			body: map[string]any{"name": "Ada", "email": "ada@example.org", "promo_code": "BAD9"}, headers: from(a), status: 422, contains: []string{"promo_invalid"}},
		{name: "a wrong code 11", method: "GET", path: quote("BAD10"), headers: from(a), status: 429, contains: []string{`"rate_limited"`}, answer: []string{"Retry-After", "360"}},
		{name: "a right code waits too", method: "GET", path: quote("GOOD"), headers: from(a), status: 429},
		{name: "a registration with a code waits", method: "POST", path: "/api/v1/public/events/free/registrations",
			body: map[string]any{"name": "Ada", "email": "ada@example.org", "promo_code": "GOOD"}, headers: from(a), status: 429},
		{name: "a form with a code waits", method: "POST", path: "/e/free", body: "name=Ada&email=ada%40example.org&promo_code=GOOD",
			headers: from(a, "Content-Type", "application/x-www-form-urlencoded"), status: 429, contains: []string{"Too many attempts"}},
		{name: "a quote without a code is fine", method: "GET", path: "/api/v1/public/events/intro-to-go/quote", headers: from(a), status: 200},
		{name: "a registration without a code is fine", method: "POST", path: "/api/v1/public/events/free/registrations",
			body: map[string]any{"name": "Ada", "email": "ada@example.org"}, headers: from(a), status: 201},
		{name: "b is not a", method: "GET", path: quote("BAD0"), headers: from(b), status: 422},
	}...))
	e.t = t
	e.clock.Add(6 * time.Minute)
	e.run(t, []scenario{
		{name: "a after 6 minutes: one more code", method: "GET", path: quote("BAD11"), headers: from(a), status: 422},
		{name: "a then waits again", method: "GET", path: quote("GOOD"), headers: from(a), status: 429},
	})
}

// TestHoldsPerClient: one client address keeps at most 3 unpaid seats on an
// event; paying for one, or a hold running out, makes room.
func TestHoldsPerClient(t *testing.T) {
	e, f := fakeEnv(t, behindProxy(Limits{}, 3))
	e.createEvent(paidEvent(nil))
	e.createEvent(paidEvent(map[string]any{"title": "Other"}))
	buy := func(slug string, n int, addr string, status int, more ...string) scenario {
		return scenario{name: fmt.Sprintf("%s buys on %s (%d)", addr, slug, n), method: "POST", path: "/api/v1/public/events/" + slug + "/registrations",
			body: map[string]any{"name": "P", "email": fmt.Sprintf("p%d@example.org", n)}, headers: from(addr), status: status, contains: more}
	}
	a, b := "203.0.113.9", "203.0.113.10"
	tooMany := buy("intro-to-go", 4, a, 429, `"code":"too_many_holds"`)
	tooMany.answer = []string{"Retry-After", "1800"}
	e.run(t, []scenario{
		buy("intro-to-go", 1, a, 201), buy("intro-to-go", 2, a, 201), buy("intro-to-go", 3, a, 201),
		tooMany,
		{name: "the form says so in a page", method: "POST", path: "/e/intro-to-go", body: "name=P&email=p4%40example.org",
			headers: from(a, "Content-Type", "application/x-www-form-urlencoded", "Accept-Language", "de"), status: 429,
			contains: []string{"mehrere unbezahlte Plätze"}},
		buy("intro-to-go", 5, b, 201),
		buy("other", 6, a, 201),
	})
	e.t = t
	ev, _ := e.store.EventBySlug(t.Context(), "intro-to-go")
	regs, _ := e.store.Registrations(t.Context(), ev.ID, model.StatusPendingPayment)
	if len(regs) != 4 {
		t.Fatalf("%d holds, want 4 (3 of a, 1 of b)", len(regs))
	}
	// a pays for one: room for one more.
	first := regs[0]
	f.paid[first.CheckoutID] = 1999
	if r := e.do("GET", f.successURL(t, first.CheckoutID), nil, false); r.Status != 200 || e.reg(first.ID).Status != model.StatusConfirmed {
		t.Fatalf("pay: %d %s", r.Status, r.Body)
	}
	e.run(t, []scenario{buy("intro-to-go", 7, a, 201), buy("intro-to-go", 8, a, 429)})
	e.t = t
	// The holds run out: room again.
	e.clock.Add(31 * time.Minute)
	e.run(t, []scenario{buy("intro-to-go", 9, a, 201)})
}

// TestLoginLimits: sign-ins are limited per client address and, for
// failures, per account; an attacked account slows down and recovers.
func TestLoginLimits(t *testing.T) {
	e := newEnvWith(t, nil, behindProxy(Limits{}, 0))
	wrong := map[string]any{"email": adminEmail, "password": "guess"}
	right := map[string]any{"email": adminEmail, "password": adminPassword}
	other := map[string]any{"email": "someone@example.org", "password": "guess"}
	login := "/api/v1/auth/token"
	var sc []scenario
	for i := 0; i < 10; i++ {
		sc = append(sc, scenario{name: fmt.Sprintf("client a, attempt %d", i+1), method: "POST", path: login, body: other, headers: from("203.0.113.9"), status: 401})
	}
	sc = append(sc,
		scenario{name: "client a, attempt 11", method: "POST", path: login, body: right, headers: from("203.0.113.9"), status: 429,
			contains: []string{`"rate_limited"`}, answer: []string{"Retry-After", "6"}},
		scenario{name: "another client is not held back", method: "POST", path: login, body: right, headers: from("203.0.113.10"), status: 200},
	)
	// Ten failures on the admin's account from ten addresses.
	for i := 0; i < 10; i++ {
		sc = append(sc, scenario{name: fmt.Sprintf("guess %d", i+1), method: "POST", path: login, body: wrong, headers: from(fmt.Sprintf("198.51.100.%d", i+1)), status: 401})
	}
	sc = append(sc,
		scenario{name: "the account slows down", method: "POST", path: login, body: right, headers: from("192.0.2.1"), status: 429,
			contains: []string{"this account"}, answer: []string{"Retry-After", "60"}},
		scenario{name: "another account is not held back", method: "POST", path: login, body: map[string]any{"email": "nobody@example.org", "password": "guess"},
			headers: from("192.0.2.2"), status: 401},
	)
	e.run(t, sc)
	e.t = t
	e.clock.Add(time.Minute)
	e.run(t, []scenario{{name: "a minute later the owner signs in", method: "POST", path: login, body: right, headers: from("192.0.2.1"), status: 200}})
}

// TestPasswordChangeLimits: password changes have a client allowance of
// their own, and a wrong current password is a failed sign-in of the
// account, so a stolen token is no way around the sign-in limits.
func TestPasswordChangeLimits(t *testing.T) {
	e := newEnvWith(t, nil, behindProxy(Limits{}, 0))
	pw := "/api/v1/auth/password"
	wrong := map[string]any{"current_password": "a guess", "new_password": "a new long password"}
	right := map[string]any{"current_password": adminPassword, "new_password": "a new long password"}
	signIn := map[string]any{"email": adminEmail, "password": adminPassword}
	var sc []scenario
	for i := 0; i < 10; i++ {
		sc = append(sc, scenario{name: fmt.Sprintf("guess %d", i+1), method: "POST", path: pw, admin: true, body: wrong,
			headers: from(fmt.Sprintf("198.51.100.%d", i+1)), status: 422, contains: []string{`"current_password":"is not right"`}})
	}
	sc = append(sc,
		scenario{name: "the account slows down", method: "POST", path: pw, admin: true, body: right, headers: from("192.0.2.1"), status: 429,
			contains: []string{"this account"}, answer: []string{"Retry-After", "60"}},
		scenario{name: "sign-in too", method: "POST", path: "/api/v1/auth/token", body: signIn, headers: from("192.0.2.2"), status: 429},
	)
	e.run(t, sc)
	e.t = t
	e.clock.Add(time.Minute)
	sc = nil
	for i := 0; i < 10; i++ { // one client: the first one, a minute later, spends the account's token
		sc = append(sc, scenario{name: fmt.Sprintf("client a, change %d", i+1), method: "POST", path: pw, admin: true,
			body: map[string]any{"current_password": adminPassword, "new_password": adminPassword}, headers: from("203.0.113.9"), status: 422})
	}
	sc = append(sc,
		scenario{name: "client a, change 11", method: "POST", path: pw, admin: true, body: right, headers: from("203.0.113.9"), status: 429,
			contains: []string{"from your address"}},
		scenario{name: "client a still signs in", method: "POST", path: "/api/v1/auth/token", body: signIn, headers: from("203.0.113.9"), status: 200},
	)
	e.run(t, sc)
}

// TestAdminUISignInLimits: the admin UI's sign-in shares the account's
// allowance of failures with the API's.
func TestAdminUISignInLimits(t *testing.T) {
	e := newEnvWith(t, nil, behindProxy(Limits{}, 0))
	for i := 0; i < 10; i++ {
		r := e.do("POST", "/api/v1/auth/token", map[string]any{"email": adminEmail, "password": "a guess"}, false, from(fmt.Sprintf("198.51.100.%d", i+1))...)
		if r.Status != 401 {
			t.Fatalf("guess %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	a := newAdminClient(t, e.serve())
	if res := a.login(adminEmail, adminPassword); res.StatusCode != 429 || res.Header.Get("Retry-After") != "60" {
		t.Fatalf("admin UI sign-in on an account under attack: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	e.clock.Add(time.Minute)
	if res := a.login(adminEmail, adminPassword); res.StatusCode != 303 {
		t.Fatalf("a minute later: %d", res.StatusCode)
	}
}
