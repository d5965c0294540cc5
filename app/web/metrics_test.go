package web

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/jobs"
	"github.com/admit/admit/app/metrics"
	"github.com/admit/admit/app/ticketing"
)

// withMetrics gives the domain and the server one Metrics, as main does,
// with the metrics.token token.
func withMetrics(m **metrics.Metrics, token string) func(*ticketing.Options, *Deps) {
	return func(o *ticketing.Options, d *Deps) {
		*m = metrics.New(d.Outbox.(metrics.Outbox))
		o.Metrics, d.Metrics, d.MetricsToken = *m, *m, token
	}
}

func (e *env) scrape(token string) response {
	e.t.Helper()
	if token == "" {
		return e.do("GET", "/metrics", nil, false)
	}
	return e.do("GET", "/metrics", nil, false, "Authorization", "Bearer "+token)
}

// TestMetricsAfterTraffic: after registrations, webhooks (applied,
// duplicate, bad signature), a refund, mail and job runs, a scrape shows
// each counter; the latency histogram is labelled by route pattern, never
// by the path with its token or id; without a token a scrape is refused.
func TestMetricsAfterTraffic(t *testing.T) {
	var m *metrics.Metrics
	const scraper = "scrape-token-0123456789abcdef"
	e := stripeEnv(t, withMetrics(&m, scraper))
	e.clock.Set(time.Now().UTC().Truncate(time.Second))

	for _, c := range []struct{ name, auth string }{{"none", ""}, {"wrong", "Bearer nope-nope-nope-nope"}, {"basic", "Basic YWRtaW46YWRtaW4="}} {
		r := e.do("GET", "/metrics", nil, false, "Authorization", c.auth)
		if r.Status != 401 || !strings.Contains(string(r.Body), `"code":"unauthorized"`) {
			t.Fatalf("%s: scrape %d %s, want 401 in JSON", c.name, r.Status, r.Body)
		}
	}

	e.createEvent(liveEvent(map[string]any{"title": "Free Talk", "sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	free := e.do("POST", "/api/v1/public/events/free-talk/registrations", map[string]any{"name": "Fay", "email": "fay@example.org"}, false)
	if free.Status != 201 {
		t.Fatalf("free registration: %d %s", free.Status, free.Body)
	}
	again := e.do("POST", "/api/v1/public/events/free-talk/registrations", map[string]any{"name": "Fay", "email": "fay@example.org"}, false)
	bad := e.do("POST", "/api/v1/public/events/free-talk/registrations", map[string]any{"name": "", "email": "nope"}, false)
	if again.Status != 409 || bad.Status != 422 {
		t.Fatalf("again %d, invalid %d", again.Status, bad.Status)
	}
	token := e.accessToken(num(free.JSON(t)["registration"].(map[string]any)["id"]))
	if r := e.do("GET", "/a/"+token, nil, false); r.Status != 200 {
		t.Fatalf("access page %d", r.Status)
	}

	e.createEvent(paidEvent(map[string]any{"sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	body := paidWebhook("evt_ada", ada, 1999)
	for _, want := range []string{"applied", "duplicate"} {
		if r := e.webhook(body, time.Now()); r.Status != 200 || !strings.Contains(string(r.Body), want) {
			t.Fatalf("webhook: %d %s, want %s", r.Status, r.Body, want)
		}
	}
	if r := e.do("POST", "/webhooks/stripe", body, false, "Stripe-Signature", "t=1,v1=00"); r.Status != 400 {
		t.Fatalf("bad signature: %d", r.Status)
	}
	if r := e.do("POST", "/webhooks/made-up", body, false); r.Status != 400 {
		t.Fatalf("unknown provider: %d", r.Status)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", ada.ID), map[string]any{"amount": 500}, true); r.Status != 200 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/events/%d", 2), nil, true); r.Status != 200 {
		t.Fatalf("event: %d", r.Status)
	}

	srv, dispatcher := e.smtp()
	dispatcher.Observe(m.Mail)
	if err := dispatcher.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(srv.Messages()) == 0 {
		t.Fatal("no mail delivered")
	}
	sched := jobs.New(jobs.Options{Observe: m.Job})
	sched.RunNow(jobs.Func{JobName: "flaky", Spec: "@every 1m", Fn: func(context.Context) error { return errors.New("no") }})
	sched.RunNow(jobs.Func{JobName: "steady", Spec: "@every 1m", Fn: func(context.Context) error { return nil }})

	// The scraper's token and an administrator's API token both work.
	if r := e.scrape(e.token); r.Status != 200 {
		t.Fatalf("admin scrape: %d %s", r.Status, r.Body)
	}
	r := e.scrape(scraper)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	text := string(r.Body)
	for _, want := range []string{
		`admit_registrations_total{outcome="confirmed"} 2`, // Fay, then Ada once paid
		`admit_registrations_total{outcome="pending_payment"} 1`,
		`admit_registrations_total{outcome="partially_refunded"} 1`,
		`admit_registrations_total{outcome="already_registered"} 1`,
		`admit_registrations_total{outcome="validation"} 1`,
		`admit_payments_total{kind="paid",provider="stripe"} 1`,
		`admit_webhooks_total{outcome="applied",provider="stripe"} 1`,
		`admit_webhooks_total{outcome="duplicate",provider="stripe"} 1`,
		`admit_webhooks_total{outcome="bad_signature",provider="stripe"} 1`,
		`admit_webhooks_total{outcome="bad_signature",provider="unknown"} 1`,
		`admit_refunds_total{outcome="succeeded",provider="stripe"} 1`,
		`admit_mail_deliveries_total{outcome="sent"} `,
		`admit_mail_outbox{status="queued"} 0`,
		`admit_mail_outbox{status="failed"} 0`,
		`admit_job_runs_total{job="flaky",outcome="error"} 1`,
		`admit_job_runs_total{job="steady",outcome="ok"} 1`,
		`admit_http_request_duration_seconds_count{method="GET",route="/a/:token",status="2xx"} 1`,
		`admit_http_request_duration_seconds_count{method="GET",route="/api/v1/events/:id",status="2xx"} 1`,
		`admit_http_request_duration_seconds_count{method="POST",route="/api/v1/public/events/:slug/registrations",status="4xx"} 2`,
		`admit_http_request_duration_seconds_count{method="POST",route="/webhooks/:provider",status="2xx"} 2`,
		`admit_http_request_duration_seconds_count{method="GET",route="/metrics",status="4xx"} 3`,
		`admit_http_request_duration_seconds_bucket{method="GET",route="/a/:token",status="2xx",le="10"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the scrape has no %s", want)
		}
	}
	for _, never := range []string{token, "/api/v1/events/2", "made-up", "free-talk"} {
		if strings.Contains(text, never) {
			t.Errorf("the scrape names %q: a label must come from the route table", never)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

// TestRouteLabels: a request refused in a group's middleware counts under
// the group, one that matches no route as "unmatched".
func TestRouteLabels(t *testing.T) {
	var m *metrics.Metrics
	e := newEnvWith(t, nil, withMetrics(&m, ""))
	e.do("GET", "/api/v1/events/7", nil, false)         // 401 in requireAdmin
	e.do("GET", "/no/such/page/secret-123", nil, false) // 404
	text := string(e.scrape(e.token).Body)
	for _, want := range []string{
		`route="/api/v1/*",status="4xx"} 1`,
		`route="unmatched",status="4xx"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %s in\n%s", want, text)
		}
	}
	if strings.Contains(text, "secret-123") {
		t.Error("a raw path became a label")
	}
}

// TestMetricsTokenOfItsOwn: metrics.token opens /metrics and nothing else.
func TestMetricsTokenOfItsOwn(t *testing.T) {
	var m *metrics.Metrics
	const scraper = "scrape-token-0123456789abcdef"
	e := newEnvWith(t, nil, withMetrics(&m, scraper))
	if r := e.scrape(scraper); r.Status != 200 {
		t.Fatalf("scrape %d", r.Status)
	}
	if r := e.do("GET", "/api/v1/events", nil, false, "Authorization", "Bearer "+scraper); r.Status != 401 {
		t.Fatalf("the metrics token opened the API: %d", r.Status)
	}
}
