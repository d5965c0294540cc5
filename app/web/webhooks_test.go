package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/outhooks"
	"github.com/admit/admit/app/ticketing"
)

// hookReceiver is an organizer's endpoint: it verifies every signature
// and keeps what it was sent. fail[type] is how many deliveries of that
// type it answers with 500 before it accepts one.
type hookReceiver struct {
	t      *testing.T
	srv    *httptest.Server
	now    func() time.Time
	mu     sync.Mutex
	secret string
	fail   map[string]int
	got    []receivedHook
	// entered, when set, receives each request that then waits for its
	// sender to give up.
	entered chan struct{}
}

type receivedHook struct {
	ID, Type string
	Status   int
	Data     map[string]any
}

func newHookReceiver(t *testing.T, now func() time.Time) *hookReceiver {
	h := &hookReceiver{t: t, now: now, fail: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve)) // 127.0.0.1:0
	t.Cleanup(h.srv.Close)
	return h
}

// hold makes each request wait for its sender to give up, and returns
// the channel that receives each one as it starts waiting.
func (h *hookReceiver) hold() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entered = make(chan struct{})
	return h.entered
}

// release takes back hold: requests are answered again.
func (h *hookReceiver) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entered = nil
}

func (h *hookReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	entered := h.entered
	h.mu.Unlock()
	if entered != nil {
		select {
		case entered <- struct{}{}:
		case <-r.Context().Done():
		}
		<-r.Context().Done()
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := outhooks.Verify(r.Header.Get("Admit-Signature"), h.secret, body, h.now(), 5*time.Minute); err != nil {
		h.t.Errorf("signature of %s: %v", body, err)
		http.Error(w, "bad signature", 400)
		return
	}
	var p struct {
		ID, Type  string
		CreatedAt time.Time `json:"created_at"`
		Data      map[string]any
	}
	if err := json.Unmarshal(body, &p); err != nil || p.ID == "" || p.Type == "" || p.CreatedAt.IsZero() || p.Data == nil {
		h.t.Errorf("body %s: %v", body, err)
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Admit-Event-Id") != p.ID {
		h.t.Errorf("%s %s, Admit-Event-Id %q for %s", r.Method, r.Header.Get("Content-Type"), r.Header.Get("Admit-Event-Id"), p.ID)
	}
	status := 200
	if h.fail[p.Type] > 0 {
		h.fail[p.Type]--
		status = 500
	}
	h.got = append(h.got, receivedHook{ID: p.ID, Type: p.Type, Status: status, Data: p.Data})
	w.WriteHeader(status)
	fmt.Fprint(w, map[int]string{200: "ok", 500: "receiver down"}[status])
}

func (h *hookReceiver) received() []receivedHook {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// subject is the registration's or the event's id the delivery is about.
func (r receivedHook) subject() string {
	if reg, ok := r.Data["registration"].(map[string]any); ok {
		return fmt.Sprintf("%s #%d", r.Type, num(reg["id"]))
	}
	return fmt.Sprintf("%s #%d", r.Type, num(r.Data["event"].(map[string]any)["id"]))
}

func allowPrivateHooks(o *ticketing.Options, _ *Deps) { o.Webhooks.AllowPrivate = true }

// addHook registers the receiver for every event type and gives it the
// signing secret.
func (e *env) addHook(h *hookReceiver) int64 {
	e.t.Helper()
	r := e.do("POST", "/api/v1/webhooks", map[string]any{"url": h.srv.URL + "/admit", "events": model.HookTypes}, true)
	if r.Status != 201 {
		e.t.Fatalf("create webhook: %d %s", r.Status, r.Body)
	}
	m := r.JSON(e.t)
	secret, _ := m["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") || r.Header.Get("Location") != fmt.Sprintf("/api/v1/webhooks/%d", num(m["id"])) {
		e.t.Fatalf("create webhook answered %s (Location %q)", r.Body, r.Header.Get("Location"))
	}
	h.mu.Lock()
	h.secret = secret
	h.mu.Unlock()
	return num(m["id"])
}

func (e *env) deliverHooks() {
	e.t.Helper()
	if err := e.tickets.DeliverWebhooks(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// TestOutgoingWebhooks: every change reaches the organizer's endpoint once,
// signed, with the registration or event as the admin API shows it; a 500
// is retried with the same event id within a minute; the log and the test
// event work; the secret is shown once.
func TestOutgoingWebhooks(t *testing.T) {
	e, f := fakeEnv(t, allowPrivateHooks)
	h := newHookReceiver(t, e.clock.Now)
	h.fail[model.HookRegistrationConfirmed] = 1
	hook := e.addHook(h)

	free := num(e.createEvent(liveEvent(nil))["id"])
	paid := num(e.createEvent(paidEvent(map[string]any{"title": "Paid Go", "slug": "paid-go"}))["id"])
	r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Ada", "email": "ada@example.org"}, false)
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	ada := num(r.JSON(t)["registration"].(map[string]any)["id"])
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", ada), nil, true); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	bob := e.buy("paid-go", "Bob", nil)
	checkout := e.reg(bob).CheckoutID
	f.paid[checkout] = 1999
	for range 2 { // the return page twice: one payment
		e.do("GET", f.successURL(t, checkout), nil, false)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", bob), map[string]any{"amount": 500}, true); r.Status != 200 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/events/%d", free), map[string]any{"title": "Intro to Go, revised"}, true); r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", free), map[string]any{"message": "Sorry"}, true); r.Status != 200 {
		t.Fatalf("cancel event: %d %s", r.Status, r.Body)
	}
	// An event with approval: Cy waits, then is rejected.
	approval := num(e.createEvent(liveEvent(map[string]any{"title": "Go by invitation", "slug": "go-approval", "approval_required": true}))["id"])
	r = e.do("POST", "/api/v1/public/events/go-approval/registrations", map[string]any{"name": "Cy", "email": "cy@example.org"}, false)
	if r.Status != 201 {
		t.Fatalf("register for approval: %d %s", r.Status, r.Body)
	}
	cy := num(r.JSON(t)["registration"].(map[string]any)["id"])
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/reject", cy), nil, true); r.Status != 200 {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}

	e.deliverHooks()
	e.deliverHooks() // nothing is due again before its back-off
	got := h.received()
	if len(got) != 14 {
		t.Fatalf("%d deliveries, want 14 (13 events, one answered 500 and not yet retried): %+v", len(got), got)
	}
	e.clock.Add(30 * time.Second) // the first retry comes within a minute
	e.deliverHooks()
	e.clock.Add(time.Hour)
	e.deliverHooks() // delivered ones are never sent again

	got = h.received()
	ids := map[string][]int{} // event id → statuses answered
	subjects := map[string]string{}
	for _, g := range got {
		ids[g.ID] = append(ids[g.ID], g.Status)
		if s, ok := subjects[g.ID]; ok && s != g.subject() {
			t.Errorf("event %s was %s, then %s", g.ID, s, g.subject())
		}
		subjects[g.ID] = g.subject()
	}
	var seen []string
	retries := 0
	for id, s := range subjects {
		seen = append(seen, s)
		switch {
		case slices.Equal(ids[id], []int{500, 200}) && strings.HasPrefix(s, model.HookRegistrationConfirmed+" "):
			retries++
		case !slices.Equal(ids[id], []int{200}):
			t.Errorf("%s (%s) answered %v", id, s, ids[id])
		}
	}
	if retries != 1 {
		t.Errorf("%d events retried after a 500, want 1", retries)
	}
	slices.Sort(seen)
	want := []string{
		fmt.Sprintf("event.cancelled #%d", free),
		fmt.Sprintf("event.updated #%d", free),
		fmt.Sprintf("payment.succeeded #%d", bob),
		fmt.Sprintf("registration.cancelled #%d", ada),
		fmt.Sprintf("registration.confirmed #%d", bob),
		fmt.Sprintf("registration.created #%d", ada),
		fmt.Sprintf("registration.created #%d", bob),
		fmt.Sprintf("registration.refunded #%d", bob),
		fmt.Sprintf("event.created #%d", free),
		fmt.Sprintf("event.created #%d", paid),
		fmt.Sprintf("event.created #%d", approval),
		fmt.Sprintf("registration.created #%d", cy),
		fmt.Sprintf("registration.rejected #%d", cy),
	}
	// Ada's free registration is confirmed as it is created.
	want = append(want, fmt.Sprintf("registration.confirmed #%d", ada))
	slices.Sort(want)
	if !slices.Equal(seen, want) {
		t.Fatalf("events seen once each:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
	// The data is the admin API's view after the change.
	for _, g := range got {
		if g.Type == model.HookRegistrationRefunded {
			reg := g.Data["registration"].(map[string]any)
			if reg["status"] != model.StatusPartiallyRefunded || num(reg["amount_refunded"]) != 500 || reg["email"] != "bob@example.org" {
				t.Errorf("refunded: %v", reg)
			}
			if ev := g.Data["event"].(map[string]any); num(ev["id"]) != paid || ev["url"] != "http://tickets.test/e/paid-go" {
				t.Errorf("refunded, event: %v", ev)
			}
		}
		if g.Type == model.HookEventUpdated && g.Data["event"].(map[string]any)["title"] != "Intro to Go, revised" {
			t.Errorf("updated: %v", g.Data)
		}
		if g.Type == model.HookRegistrationRejected && g.Data["registration"].(map[string]any)["status"] != model.StatusRejected {
			t.Errorf("rejected: %v", g.Data)
		}
		if g.Type == model.HookEventCreated && num(g.Data["event"].(map[string]any)["id"]) == approval && g.Data["event"].(map[string]any)["title"] != "Go by invitation" {
			t.Errorf("created: %v", g.Data)
		}
	}

	// The delivery log: the retried event's two attempts, newest first.
	log := e.do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hook), nil, true)
	var items struct{ Items []hookAttemptJSON }
	if err := json.Unmarshal(log.Body, &items); err != nil || log.Status != 200 || len(items.Items) != 15 {
		t.Fatalf("deliveries: %d %s", log.Status, log.Body)
	}
	var retried []hookAttemptJSON
	for _, a := range items.Items {
		if a.EventID == "" || a.At.IsZero() || a.DeliveryStatus != model.HookDelivered {
			t.Errorf("log row %+v", a)
		}
		if a.Attempt == 2 || a.StatusCode == 500 {
			retried = append(retried, a)
		}
	}
	if len(retried) != 2 || retried[0].Attempt != 2 || retried[0].StatusCode != 200 || retried[1].Attempt != 1 ||
		retried[1].StatusCode != 500 || retried[1].Error != "receiver down" || retried[0].EventID != retried[1].EventID ||
		retried[0].Type != model.HookRegistrationConfirmed || retried[0].At.Sub(retried[1].At) != 30*time.Second {
		t.Fatalf("retried: %+v", retried)
	}

	// A test event, sent at once.
	test := e.do("POST", fmt.Sprintf("/api/v1/webhooks/%d/test", hook), nil, true)
	if test.Status != 200 || !strings.Contains(string(test.Body), `"type":"webhook.test"`) || !strings.Contains(string(test.Body), `"status_code":200`) {
		t.Fatalf("test: %d %s", test.Status, test.Body)
	}
	if last := h.received()[len(h.received())-1]; last.Type != model.HookTest {
		t.Fatalf("the receiver got %s", last.Type)
	}

	// The secret is shown once: never in the list nor in a read.
	for _, path := range []string{"/api/v1/webhooks", fmt.Sprintf("/api/v1/webhooks/%d", hook)} {
		r := e.do("GET", path, nil, true)
		if r.Status != 200 || strings.Contains(string(r.Body), "secret") || strings.Contains(string(r.Body), "whsec_") ||
			!strings.Contains(string(r.Body), h.srv.URL+"/admit") {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
	}
	if r := e.do("DELETE", fmt.Sprintf("/api/v1/webhooks/%d", hook), nil, true); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	for _, path := range []string{fmt.Sprintf("/api/v1/webhooks/%d", hook), fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hook)} {
		if r := e.do("GET", path, nil, true); r.Status != 404 {
			t.Fatalf("%s after delete: %d", path, r.Status)
		}
	}
	n := len(h.received())
	e.do("PATCH", fmt.Sprintf("/api/v1/events/%d", paid), map[string]any{"title": "Paid Go 2"}, true)
	e.deliverHooks()
	if len(h.received()) != n {
		t.Fatal("a deleted endpoint still receives events")
	}
}

// TestWebhookBackoff: a receiver that always fails is tried for about a
// day, then the delivery has failed; the event id never changes.
func TestWebhookBackoff(t *testing.T) {
	e := newEnvWith(t, nil, allowPrivateHooks)
	h := newHookReceiver(t, e.clock.Now)
	h.fail[model.HookEventUpdated] = 1000
	e.createEvent(liveEvent(nil)) // before the endpoint: one event only
	hook := e.addHook(h)
	start := e.clock.Now()
	e.do("PATCH", "/api/v1/events/1", map[string]any{"title": "Renamed"}, true)
	for i := range 160 {
		e.deliverHooks()
		e.clock.Add(map[bool]time.Duration{true: 30 * time.Second, false: 10 * time.Minute}[i < 4])
	}
	var at []time.Duration
	for _, g := range h.received() {
		if g.ID != h.received()[0].ID {
			t.Fatalf("event id changed: %s then %s", h.received()[0].ID, g.ID)
		}
	}
	log := e.do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hook), nil, true)
	var items struct{ Items []hookAttemptJSON }
	if err := json.Unmarshal(log.Body, &items); err != nil {
		t.Fatal(err)
	}
	for _, a := range slices.Backward(items.Items) {
		at = append(at, a.At.Sub(start))
	}
	if len(at) != 10 || at[1]-at[0] > time.Minute || at[9] < 20*time.Hour || at[9] > 25*time.Hour || items.Items[0].DeliveryStatus != model.HookFailed {
		t.Fatalf("attempts at %v, last %+v", at, items.Items[0])
	}
}

// TestWebhookPrivateAddressRefused: without webhooks.allow_private an
// endpoint on a private, loopback, link-local, CGNAT or unspecified address
// is refused when it is added, naming the field; and a delivery whose
// address turns out private when it connects (a name that resolves
// elsewhere now) is refused by the dialer, after resolution.
func TestWebhookPrivateAddressRefused(t *testing.T) {
	e := newEnv(t)
	h := newHookReceiver(t, e.clock.Now)
	port := h.srv.URL[strings.LastIndex(h.srv.URL, ":"):]
	for url, why := range map[string]string{
		"https://127.0.0.1" + port + "/admit": "loopback",
		"https://localhost" + port + "/admit": "loopback",
		"https://[::1]/admit":                 "loopback",
		"https://10.1.2.3/admit":              "private",
		"https://192.168.1.10/admit":          "private",
		"https://[fd00::1]/admit":             "private",
		"https://100.64.0.1/admit":            "carrier-grade NAT",
		"https://169.254.169.254/latest":      "link-local",
		"https://[::ffff:127.0.0.1]/admit":    "loopback",
		"https://0.0.0.0/admit":               "unspecified",
		"http://203.0.113.7/admit":            "https://",
		"https://user:pw@203.0.113.7/admit":   "password",
		"ftp://203.0.113.7/admit":             "https://",
		"/admit":                              "absolute",
	} {
		r := e.do("POST", "/api/v1/webhooks", map[string]any{"url": url, "events": []string{"registration.created"}}, true)
		fields, _ := r.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)
		if msg, _ := fields["url"].(string); r.Status != 422 || !strings.Contains(msg, why) {
			t.Errorf("%s: %d %s, want 422 naming url (%s)", url, r.Status, r.Body, why)
		}
	}
	for body, field := range map[string]string{
		`{"url":"https://203.0.113.7/admit","events":["registration.nope"]}`:  "events",
		`{"url":"https://203.0.113.7/admit","events":[]}`:                     "events",
		`{"url":"https://203.0.113.7/admit","events":"registration.created"}`: "events",
		`{"events":["registration.created"]}`:                                 "url",
	} {
		r := e.do("POST", "/api/v1/webhooks", body, true)
		if fields, _ := r.JSON(t)["error"].(map[string]any)["fields"].(map[string]any); r.Status != 422 || fields[field] == nil {
			t.Errorf("%s: %d %s, want 422 naming %s", body, r.Status, r.Body, field)
		}
	}
	if r := e.do("GET", "/api/v1/webhooks", nil, true); !strings.Contains(string(r.Body), `"items":[]`) {
		t.Fatalf("refused endpoints were kept: %s", r.Body)
	}

	// Registered while allowed, delivered by the client that refuses
	// private addresses (as after DNS rebinding): nothing reaches it.
	e2 := newEnvWith(t, nil, allowPrivateHooks, func(o *ticketing.Options, _ *Deps) {
		o.Webhooks.Client = outhooks.NewClient(false, 5*time.Second)
	})
	h2 := newHookReceiver(t, e2.clock.Now)
	hook := e2.addHook(h2)
	r := e2.do("POST", fmt.Sprintf("/api/v1/webhooks/%d/test", hook), nil, true)
	var a hookAttemptJSON
	if err := json.Unmarshal(r.Body, &a); err != nil || r.Status != 200 || a.StatusCode != 0 || !strings.Contains(a.Error, "127.0.0.1 is a loopback address") ||
		a.DeliveryStatus != model.HookFailed {
		t.Fatalf("test to a refused address: %d %s", r.Status, r.Body)
	}
	if len(h2.received()) != 0 {
		t.Fatal("the refused address was reached")
	}
}

// TestWebhookStoppedMidDelivery: a delivery cut short by a shutdown is not
// counted as an attempt; it is sent again, as its first, once its lease
// ends.
func TestWebhookStoppedMidDelivery(t *testing.T) {
	e := newEnvWith(t, nil, allowPrivateHooks)
	h := newHookReceiver(t, e.clock.Now)
	e.createEvent(liveEvent(nil)) // before the endpoint: one event only
	hook := e.addHook(h)
	entered := h.hold()
	e.do("PATCH", "/api/v1/events/1", map[string]any{"title": "Renamed"}, true)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-entered
		cancel()
	}()
	if err := e.tickets.DeliverWebhooks(ctx); err == nil {
		t.Fatal("a stopped delivery reported no error")
	}
	h.release()
	e.deliverHooks() // leased: not due yet
	if len(h.received()) != 0 {
		t.Fatal("sent again during its lease")
	}
	e.clock.Add(2 * time.Minute)
	e.deliverHooks()
	var items struct{ Items []hookAttemptJSON }
	_ = json.Unmarshal(e.do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hook), nil, true).Body, &items)
	if len(h.received()) != 1 || len(items.Items) != 1 || items.Items[0].Attempt != 1 || items.Items[0].StatusCode != 200 {
		t.Fatalf("received %d, log %+v", len(h.received()), items.Items)
	}
}

// TestWebhookEventCancelled: cancelling an event sends event.cancelled once
// (no event.updated beside it) and registration.cancelled for each live
// registration it cancels.
func TestWebhookEventCancelled(t *testing.T) {
	e := newEnvWith(t, nil, allowPrivateHooks)
	id := num(e.createEvent(liveEvent(nil))["id"])
	for _, n := range []string{"ada", "bob"} {
		if r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": n, "email": n + "@example.org"}, false); r.Status != 201 {
			t.Fatalf("register: %d %s", r.Status, r.Body)
		}
	}
	h := newHookReceiver(t, e.clock.Now)
	e.addHook(h)
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", id), map[string]any{"message": "Sorry"}, true); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", id), map[string]any{"message": "Sorry"}, true) // again: no change
	e.deliverHooks()
	var got []string
	for _, g := range h.received() {
		got = append(got, g.subject())
	}
	slices.Sort(got)
	want := []string{fmt.Sprintf("event.cancelled #%d", id), "registration.cancelled #1", "registration.cancelled #2"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
