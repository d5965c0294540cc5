package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// pastSession is a one-hour session that ended an hour before now.
func pastSession(now time.Time) []map[string]any {
	return []map[string]any{{"starts_at": now.Add(-2 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}
}

// uploadQuietly attaches a recording without mailing anyone and answers
// its id.
func (e *env) uploadQuietly(eventID int64, size int, fields ...string) int64 {
	e.t.Helper()
	r := e.upload(eventID, fakeVideo(size), append([]string{"title", "The replay", "notify", "false"}, fields...)...)
	if r.Status != 201 {
		e.t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	return num(r.JSON(e.t)["id"])
}

// TestReplaySale: an event whose last session is over is closed until a
// recording is attached; then its page and API sell the recording at the
// recording price, with no seat limit, and a buyer who pays (Stripe,
// through stripe-mock and a signed webhook) is sent straight to it.
func TestReplaySale(t *testing.T) {
	e := stripeEnv(t)
	now := time.Now().UTC().Truncate(time.Second)
	e.clock.Set(now) // signatures carry real time
	ev := e.createEvent(paidEvent(map[string]any{"capacity": 1, "sessions": pastSession(now)}))
	eid := num(ev["id"])
	if ev["recording_price"] != nil || num(ev["recordings_bytes"]) != 0 {
		t.Fatalf("new event: %v", ev)
	}
	reg := "/api/v1/public/events/intro-to-go/registrations"
	buyer := map[string]any{"name": "Ada", "email": "ada@example.org", "provider": "stripe"}

	// Over, no recording: closed, as before.
	e.run(t, []scenario{
		{name: "page closed", method: "GET", path: "/e/intro-to-go", status: 200, contains: []string{"Registration is closed"}, absent: []string{"Watch the recording", `<form method="post" action="/e/intro-to-go`}},
		{name: "api closed", method: "POST", path: reg, body: buyer, status: 410, contains: []string{`"registration_closed"`}},
		{name: "public json", method: "GET", path: "/api/v1/public/events/intro-to-go", status: 200, contains: []string{`"replay":false`}},
		{name: "recording price", method: "PATCH", path: fmt.Sprintf("/api/v1/events/%d", eid), body: `{"recording_price":{"amount":999,"currency":"EUR"}}`, admin: true, status: 200,
			contains: []string{`"recording_price":{"amount":999,"currency":"EUR"}`, `"price":{"amount":1999,"currency":"EUR"}`}},
	})
	e.t = t

	rid := e.uploadQuietly(eid, 4000)
	ev = e.do("GET", fmt.Sprintf("/api/v1/events/%d", eid), nil, true).JSON(t)
	if num(ev["recordings_bytes"]) != 4000 {
		t.Errorf("recordings_bytes %v, want 4000", ev["recordings_bytes"])
	}
	e.run(t, []scenario{
		{name: "public json sells the replay", method: "GET", path: "/api/v1/public/events/intro-to-go", status: 200,
			contains: []string{`"replay":true`, `"amount":999`, `"seats_left":null`, `"sold_out":false`}, absent: []string{"recordings_bytes"}},
		{name: "page sells the recording", method: "GET", path: "/e/intro-to-go", status: 200,
			contains: []string{"Watch the recording", "This event has taken place", `<form method="post" action="/e/intro-to-go?lang=en" class="register replay"`}, absent: []string{"Registration is closed"}},
		{name: "page in french", method: "GET", path: "/e/intro-to-go?lang=fr", status: 200, contains: []string{"Regarder l’enregistrement"}},
		{name: "page in russian", method: "GET", path: "/e/intro-to-go?lang=ru", status: 200, contains: []string{"Смотреть запись"}},
	})
	e.t = t

	// Capacity 1, yet two buyers: a replay takes no live seat.
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	bob := e.reg(e.buy("intro-to-go", "Bob", nil))
	if ada.Amount != 999 || ada.Currency != "EUR" || ada.CheckoutID == "" || bob.Status != model.StatusPendingPayment {
		t.Fatalf("replay registrations: %+v %+v", ada, bob)
	}
	if r := e.webhook(paidWebhook("evt_replay", ada, 999), time.Now()); r.Status != 200 || !strings.Contains(string(r.Body), "applied") {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 999 {
		t.Fatalf("after payment: %s %d", g.Status, g.AmountPaid)
	}
	// The confirmation leads to the recording, not to a live session.
	m := e.composed(ada.ID, model.MailAccess)
	token := tokenIn(t, m.Text)
	for _, want := range []string{"Watch the recording", "http://tickets.test/a/" + token} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("access mail lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "calendar.ics") || strings.Contains(m.Text, "15 minutes") || len(m.Attachments) != 0 {
		t.Errorf("access mail of a replay points to the live session:\n%s", m.Text)
	}
	path := fmt.Sprintf("/a/%s/recordings/%d", token, rid)
	e.run(t, []scenario{
		{name: "access page has the player", method: "GET", path: "/a/" + token, status: 200, contains: []string{`<video controls preload="metadata" playsinline src="` + path + `?dev=`}},
		{name: "access json", method: "GET", path: "/api/v1/access/" + token, status: 200, contains: []string{fmt.Sprintf(`"recordings":[{"id":%d,"title":"The replay"`, rid)}},
	})
	e.t = t
	if r := e.watch("GET", path); r.Status != 200 || len(r.Body) != 4000 {
		t.Errorf("stream: %d %d bytes", r.Status, len(r.Body))
	}
}

// TestReplayAfterPaymentPages: the return page of a paid replay and the
// thank-you page of a free one lead straight to the recording.
func TestReplayAfterPaymentPages(t *testing.T) {
	e, f := fakeEnv(t)
	now := e.clock.Now()
	eid := num(e.createEvent(paidEvent(map[string]any{"sessions": pastSession(now)}))["id"])
	e.uploadQuietly(eid, 1000)
	r := e.reg(e.buy("intro-to-go", "Ada", nil))
	if r.Amount != 1999 {
		t.Fatalf("without a recording price the replay sells at the event's price: %d", r.Amount)
	}
	ret := f.successURL(t, r.CheckoutID)
	if res := e.do("GET", ret, nil, false); res.Status != 200 || strings.Contains(string(res.Body), "Watch the recording") {
		t.Fatalf("before paying: %d %s", res.Status, res.Body)
	}
	f.paid[r.CheckoutID] = 1999
	res := e.do("GET", ret, nil, false)
	token := e.accessToken(r.ID)
	if res.Status != 200 || !strings.Contains(string(res.Body), `<a class="button" href="http://tickets.test/a/`+token+`">Watch the recording</a>`) {
		t.Fatalf("return page: %d %s", res.Status, res.Body)
	}

	// A free event, over, with a recording: the form's thank-you page.
	free := liveEvent(map[string]any{"title": "Free talk", "slug": "free-talk", "sessions": pastSession(now)})
	fid := num(e.createEvent(free)["id"])
	e.uploadQuietly(fid, 1000)
	page := e.do("POST", "/e/free-talk?lang=de", []byte("name=Bea&email=bea%40example.org"), false, "Content-Type", "application/x-www-form-urlencoded")
	if page.Status != 201 || !strings.Contains(string(page.Body), "Aufzeichnung ansehen") {
		t.Fatalf("thank-you page: %d %s", page.Status, page.Body)
	}
	tok := tokenIn(t, string(page.Body))
	if p := e.do("GET", "/a/"+tok, nil, false); !strings.Contains(string(p.Body), "<video") {
		t.Errorf("the link does not lead to the player:\n%s", p.Body)
	}
	// Before it was over, the same page said to look for the email only.
	live := liveEvent(map[string]any{"title": "Live talk", "slug": "live-talk", "sessions": []map[string]any{{"starts_at": now.Add(time.Hour).Format(time.RFC3339), "duration_minutes": 60}}})
	lid := num(e.createEvent(live)["id"])
	e.uploadQuietly(lid, 1000)
	page = e.do("POST", "/e/live-talk", []byte("name=Cy&email=cy%40example.org"), false, "Content-Type", "application/x-www-form-urlencoded")
	if page.Status != 201 || strings.Contains(string(page.Body), "Watch the recording") {
		t.Fatalf("thank-you page of a live event: %d %s", page.Status, page.Body)
	}
}

// TestOnDemandWatchRightAfterPayment: an on-demand video (kind on_demand,
// no sessions) is watchable as soon as it is paid, and everything after the
// payment leads to it.
func TestOnDemandWatchRightAfterPayment(t *testing.T) {
	e, f := fakeEnv(t)
	body := paidEvent(map[string]any{"kind": "on_demand", "title": "Go course", "slug": "go-course"})
	delete(body, "sessions")
	eid := num(e.createEvent(body)["id"])
	rid := e.uploadQuietly(eid, 2000)
	r := e.reg(e.buy("go-course", "Ada", nil))
	f.paid[r.CheckoutID] = 1999
	res := e.do("GET", f.successURL(t, r.CheckoutID), nil, false)
	if res.Status != 200 || !strings.Contains(string(res.Body), "Watch the recording") {
		t.Fatalf("return page: %d %s", res.Status, res.Body)
	}
	m := e.composed(r.ID, model.MailAccess)
	token := tokenIn(t, m.Text)
	if !strings.Contains(m.Text, "Watch the recording") || strings.Contains(m.Text, "No session") {
		t.Errorf("access mail:\n%s", m.Text)
	}
	if s := e.watch("GET", fmt.Sprintf("/a/%s/recordings/%d", token, rid)); s.Status != 200 || len(s.Body) != 2000 {
		t.Errorf("stream right after payment: %d %d bytes", s.Status, len(s.Body))
	}
}

// TestReplaySeriesPerSession: a series registered per session sells its
// replay for the whole event, without a session to pick.
func TestReplaySeriesPerSession(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	eid := num(e.createEvent(liveEvent(map[string]any{"kind": "series", "series_registration": "individual", "capacity": 1, "sessions": []map[string]any{
		{"starts_at": now.Add(-50 * time.Hour).Format(time.RFC3339), "duration_minutes": 60},
		{"starts_at": now.Add(-26 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))["id"])
	e.run(t, []scenario{{name: "closed", method: "POST", path: "/api/v1/public/events/intro-to-go/registrations", body: `{"name":"A","email":"a@example.org"}`, status: 422, contains: []string{`"session_id"`}}})
	e.t = t
	e.uploadQuietly(eid, 1000)
	id, token := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	e.registerOne("intro-to-go", "Bob", "bob@example.org")
	if r := e.reg(id); r.SessionID != nil || r.Status != model.StatusConfirmed {
		t.Fatalf("replay registration %+v", r)
	}
	if p := e.do("GET", "/a/"+token, nil, false); !strings.Contains(string(p.Body), "<video") {
		t.Errorf("no player:\n%s", p.Body)
	}
}

// TestRecordingPriceValidation: recording_price is checked as price is.
func TestRecordingPriceValidation(t *testing.T) {
	e := newEnv(t)
	ev := paidEvent
	onDemand := ev(map[string]any{"kind": "on_demand", "recording_price": map[string]any{"amount": 999, "currency": "EUR"}})
	delete(onDemand, "sessions")
	eid := num(e.createEvent(ev(map[string]any{"recording_price": map[string]any{"amount": 999, "currency": "EUR"}}))["id"])
	path := fmt.Sprintf("/api/v1/events/%d", eid)
	e.run(t, []scenario{
		{name: "below the minimum", method: "POST", path: "/api/v1/events", body: ev(map[string]any{"recording_price": map[string]any{"amount": 50, "currency": "EUR"}}), admin: true, status: 422, contains: []string{`"recording_price.amount":"amount 50 is outside EUR's range`}},
		{name: "above the maximum", method: "POST", path: "/api/v1/events", body: ev(map[string]any{"recording_price": map[string]any{"amount": 300000, "currency": "EUR"}}), admin: true, status: 422, contains: []string{`"recording_price.amount"`}},
		{name: "unknown currency", method: "POST", path: "/api/v1/events", body: ev(map[string]any{"recording_price": map[string]any{"amount": 999, "currency": "XYZ"}}), admin: true, status: 422, contains: []string{`"recording_price.currency":"currency \"XYZ\" is not supported`}},
		{name: "other currency than the price", method: "POST", path: "/api/v1/events", body: ev(map[string]any{"recording_price": map[string]any{"amount": 999, "currency": "USD"}}), admin: true, status: 422, contains: []string{`"recording_price.currency":"must be the event's currency, EUR"`}},
		{name: "no amount", method: "POST", path: "/api/v1/events", body: ev(map[string]any{"recording_price": map[string]any{"currency": "EUR"}}), admin: true, status: 422, contains: []string{`"recording_price.amount":"is required`}},
		{name: "not an object", method: "POST", path: "/api/v1/events", body: ev(map[string]any{"recording_price": "cheap"}), admin: true, status: 422, contains: []string{`"recording_price":"must be an object`}},
		{name: "on demand", method: "POST", path: "/api/v1/events", body: onDemand, admin: true, status: 422, contains: []string{`"recording_price":"an on-demand video sells at its price`}},
		{name: "free event, paid replay", method: "POST", path: "/api/v1/events", body: liveEvent(map[string]any{"slug": "free", "recording_price": map[string]any{"amount": 500, "currency": "USD"}}), admin: true, status: 201, contains: []string{`"price":null`, `"recording_price":{"amount":500,"currency":"USD"}`}},
		{name: "stripe-only currency with paypal", method: "POST", path: "/api/v1/events", body: liveEvent(map[string]any{"slug": "huf", "providers": []string{"paypal"}, "recording_price": map[string]any{"amount": 100000, "currency": "HUF"}}), admin: true, status: 422, contains: []string{`"providers":"PayPal does not accept HUF`}},
		{name: "patch bad", method: "PATCH", path: path, body: `{"recording_price":{"amount":1,"currency":"EUR"}}`, admin: true, status: 422, contains: []string{`"recording_price.amount"`}},
		{name: "price moves to another currency", method: "PATCH", path: path, body: `{"price":{"amount":1999,"currency":"USD"}}`, admin: true, status: 422, contains: []string{`"recording_price.currency":"must be the event's currency, USD"`}},
		{name: "patch null", method: "PATCH", path: path, body: `{"recording_price":null}`, admin: true, status: 200, contains: []string{`"recording_price":null`}},
		{name: "patch set", method: "PATCH", path: path, body: `{"recording_price":{"amount":1500,"currency":"EUR"}}`, admin: true, status: 200, contains: []string{`"recording_price":{"amount":1500,"currency":"EUR"}`}},
		{name: "shown in the list", method: "GET", path: "/api/v1/events", admin: true, status: 200, contains: []string{`"recording_price":{"amount":1500,"currency":"EUR"}`, `"recordings_bytes":0`}},
	})
}
