package web

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/admit/admit/app/model"
)

// TestAdminUIWebhooks: the settings' webhooks page adds an endpoint (the
// secret shown once, then never), explains a refused address next to the
// field, sends a test event whose attempt the log shows, and deletes.
func TestAdminUIWebhooks(t *testing.T) {
	e := newEnvWith(t, nil, allowPrivateHooks)
	h := newHookReceiver(t, e.clock.Now)
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	const page = "/admin/settings/webhooks"

	_, body := a.send("GET", page, nil)
	if !strings.Contains(body, `aria-current="page">Webhooks</a>`) || strings.Count(body, `type="checkbox"`) != len(model.HookTypes) ||
		strings.Count(body, " checked") != len(model.HookTypes) {
		t.Fatalf("webhooks page:\n%s", body)
	}
	res, body := a.send("POST", page, url.Values{"csrf": {a.csrf(page)}, "url": {"ftp://crm.example.com/hook"}, "events": {"registration.created"}})
	if res.StatusCode != 422 || !strings.Contains(body, `id="webhook-url-error">Enter an https:// address on the internet that Admit may reach.`) ||
		!strings.Contains(body, `aria-invalid="true" aria-describedby="webhook-url-error webhook-url-hint"`) ||
		!strings.Contains(body, `value="ftp://crm.example.com/hook"`) || strings.Count(body, " checked") != 1 {
		t.Fatalf("refused address: %d\n%s", res.StatusCode, body)
	}
	res, body = a.send("POST", page, url.Values{"csrf": {a.csrf(page)}, "url": {h.srv.URL + "/admit"}})
	if res.StatusCode != 422 || !strings.Contains(body, `id="webhook-events-error">Choose at least one event.`) {
		t.Fatalf("no event: %d\n%s", res.StatusCode, body)
	}
	res, body = a.send("POST", page, url.Values{"csrf": {a.csrf(page)}, "url": {h.srv.URL + "/admit"},
		"events": {"registration.confirmed", "event.cancelled"}})
	secret := regexp.MustCompile(`id="webhook-secret" type="text" readonly value="(whsec_[0-9a-f]+)"`).FindStringSubmatch(body)
	if res.StatusCode != 201 || secret == nil || !strings.Contains(body, "it is not shown again") {
		t.Fatalf("add: %d\n%s", res.StatusCode, body)
	}
	h.mu.Lock()
	h.secret = secret[1]
	h.mu.Unlock()
	_, body = a.send("GET", page, nil)
	if strings.Contains(body, "whsec_") || !strings.Contains(body, h.srv.URL+"/admit") || !strings.Contains(body, "<code>registration.confirmed</code>, <code>event.cancelled</code>") {
		t.Fatalf("the list after adding:\n%s", body)
	}
	hooks, _ := e.tickets.Webhooks(t.Context())
	detail := fmt.Sprintf("%s/%d", page, hooks[0].ID)
	_, body = a.send("GET", detail, nil)
	if !strings.Contains(body, "Nothing sent yet.") {
		t.Fatalf("log before any delivery:\n%s", body)
	}
	res, _ = a.send("POST", detail+"/test", url.Values{"csrf": {a.csrf(detail)}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done=webhook_tested") {
		t.Fatalf("test: %d %q", res.StatusCode, loc)
	}
	_, body = a.send("GET", detail+"?done=webhook_tested", nil)
	if len(h.received()) != 1 || !strings.Contains(body, "<code>webhook.test</code>") || !strings.Contains(body, "HTTP 200") ||
		!strings.Contains(body, "Delivered") || !strings.Contains(body, "Test event sent") {
		t.Fatalf("log after the test (%d received):\n%s", len(h.received()), body)
	}
	res, _ = a.send("POST", detail+"/delete", url.Values{"csrf": {a.csrf(detail)}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "done=webhook_deleted") {
		t.Fatalf("delete: %d %q", res.StatusCode, loc)
	}
	if _, body = a.send("GET", page+"?done=webhook_deleted", nil); !strings.Contains(body, "No endpoint yet.") || !strings.Contains(body, "Endpoint deleted") {
		t.Fatalf("after delete:\n%s", body)
	}
}
