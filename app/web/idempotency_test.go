package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/metrics"
	"github.com/admit/admit/app/model"
)

// postWithKey posts a JSON body with an Idempotency-Key and returns the
// status, the body and whether the answer was a replay.
func postWithKey(c *http.Client, url, key, body string) (int, string, bool) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	res, err := c.Do(req)
	if err != nil {
		return 0, err.Error(), false
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header.Get("Idempotent-Replayed") == "true"
}

// TestIdempotencyKeyUnderConcurrency: paid registrations sent at once with
// one Idempotency-Key make one registration. The key is claimed with the
// registration, before the provider is asked for a checkout; the others get
// the first answer again (same body) or 422 (another body).
func TestIdempotencyKeyUnderConcurrency(t *testing.T) {
	e := stripeEnv(t)
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	e.createEvent(paidEvent(map[string]any{"sessions": []map[string]any{{"starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}}))
	base := e.serve()
	client := newHTTPClient()
	url := base + "/api/v1/public/events/intro-to-go/registrations"

	type answer struct {
		status   int
		body     string
		replayed bool
	}
	race := func(key string, body func(i int) string) []answer {
		var wg sync.WaitGroup
		out := make([]answer, 6)
		start := make(chan struct{})
		for i := range out {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				s, b, r := postWithKey(client, url, key, body(i))
				out[i] = answer{s, b, r}
			}(i)
		}
		close(start)
		wg.Wait()
		return out
	}
	count := func() int {
		regs, err := e.store.Registrations(context.Background(), 1, "")
		if err != nil {
			t.Fatal(err)
		}
		return len(regs)
	}

	// Six buyers, one key: one registration; the five others are told the
	// key was used for another request.
	got := race("k-shared", func(i int) string {
		return fmt.Sprintf(`{"name":"Buyer %d","email":"b%d@example.org","provider":"stripe"}`, i, i)
	})
	created, refused := 0, 0
	for _, a := range got {
		switch {
		case a.status == 201 && !a.replayed:
			created++
		case a.status == 422 && strings.Contains(a.body, "Idempotency-Key"):
			refused++
		default:
			t.Errorf("answer %d %s (replayed %v)", a.status, a.body, a.replayed)
		}
	}
	if n := count(); n != 1 || created != 1 || refused != 5 {
		t.Fatalf("%d registrations, %d created, %d refused; answers %+v", n, created, refused, got)
	}

	// Six retries of one request: one more registration, and every answer
	// is the same.
	got = race("k-retry", func(int) string { return `{"name":"Ada","email":"ada@example.org","provider":"stripe"}` })
	for _, a := range got {
		if a.status != 201 || a.body != got[0].body || !strings.Contains(a.body, "checkout_url") {
			t.Fatalf("answers %+v", got)
		}
	}
	if n := count(); n != 2 {
		t.Fatalf("%d registrations after six retries, want 2", n)
	}
}

// reopen starts Admit again on the same database through a new store
// handle: the old one is closed, and the service and the app are built
// again on the new one.
func (e *env) reopen() {
	e.t.Helper()
	if err := e.store.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.build(openStore(e.t, e.dbPath, e.clock))
}

// TestIdempotentReplayAfterRestart: the answers Idempotency-Keys kept (a
// paid registration with its checkout, a free one, a refusal) come back
// byte for byte from a new Server on a new store handle on the same
// database, and nothing is registered again.
func TestIdempotentReplayAfterRestart(t *testing.T) {
	e, _ := fakeEnv(t)
	e.createEvent(paidEvent(nil))
	e.createEvent(liveEvent(map[string]any{"title": "Small room", "capacity": 1}))
	paid := "/api/v1/public/events/intro-to-go/registrations"
	free := "/api/v1/public/events/small-room/registrations"
	type request struct{ path, key, body string }
	requests := []request{
		{paid, "k-paid", `{"name":"Ada","email":"ada@example.org"}`},
		{free, "k-free", `{"name":"Bob","email":"bob@example.org"}`},
		{free, "k-sold", `{"name":"Cy","email":"cy@example.org"}`},
	}
	first := make([]response, len(requests))
	for i, r := range requests {
		first[i] = e.do("POST", r.path, r.body, false, "Idempotency-Key", r.key)
	}
	if first[0].Status != 201 || !strings.Contains(string(first[0].Body), "checkout_url") || first[1].Status != 201 || first[2].Status != 409 {
		t.Fatalf("first answers: %d %s / %d %s / %d %s", first[0].Status, first[0].Body, first[1].Status, first[1].Body, first[2].Status, first[2].Body)
	}
	e.reopen()
	for i, r := range requests {
		again := e.do("POST", r.path, r.body, false, "Idempotency-Key", r.key)
		if again.Status != first[i].Status || !bytes.Equal(again.Body, first[i].Body) ||
			again.Header.Get("Content-Type") != first[i].Header.Get("Content-Type") || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("%s after the restart: %d %s %v, first %d %s %v", r.key, again.Status, again.Body, again.Header, first[i].Status, first[i].Body, first[i].Header)
		}
	}
	for slug, want := range map[string]int{"intro-to-go": 1, "small-room": 1} {
		ev, err := e.store.EventBySlug(context.Background(), slug)
		if err != nil {
			t.Fatal(err)
		}
		if regs, _ := e.store.Registrations(context.Background(), ev.ID, ""); len(regs) != want {
			t.Fatalf("%s: %d registrations, want %d", slug, len(regs), want)
		}
	}
}

// TestRecordedAnswer: what registerRecord keeps reads back as it was
// answered; a key answered before the status was kept with the body gets
// its status from the body.
func TestRecordedAnswer(t *testing.T) {
	refused := func(err error) []byte { _, b := registerAnswer(nil, err); return b }
	for _, c := range []struct {
		outcome []byte
		status  int
		body    []byte
	}{
		{registerRecord(nil, model.Fail(model.ErrSoldOut, "Sold out.")), 409, refused(model.Fail(model.ErrSoldOut, "Sold out."))},
		{registerRecord(nil, model.Invalid(map[string]string{"name": "is required"})), 422, refused(model.Invalid(map[string]string{"name": "is required"}))},
		{[]byte(`{"registration":{"id":7,"status":"confirmed"}}`), 201, []byte(`{"registration":{"id":7,"status":"confirmed"}}`)},
		{[]byte(`{"error":{"code":"registration_closed","message":"Closed."}}`), 410, []byte(`{"error":{"code":"registration_closed","message":"Closed."}}`)},
		{[]byte(`{"error":{"code":"promo_invalid","message":"No."}}`), 422, []byte(`{"error":{"code":"promo_invalid","message":"No."}}`)},
	} {
		status, body := recordedAnswer(c.outcome)
		if status != c.status || !bytes.Equal(body, c.body) {
			t.Errorf("%s: %d %s, want %d %s", c.outcome, status, body, c.status, c.body)
		}
	}
}

// TestReplayCountedAsAnswered: a replayed answer is counted under its own
// status, not as a failure (it went through the error handler and was
// counted and logged as a 500).
func TestReplayCountedAsAnswered(t *testing.T) {
	var m *metrics.Metrics
	const scraper = "scrape-token-0123456789abcdef"
	e := newEnvWith(t, nil, withMetrics(&m, scraper))
	e.createEvent(liveEvent(nil))
	path := "/api/v1/public/events/intro-to-go/registrations"
	for i := 0; i < 2; i++ {
		if r := e.do("POST", path, `{"name":"Ada","email":"ada@example.org"}`, false, "Idempotency-Key", "k-1"); r.Status != 201 {
			t.Fatalf("registration %d: %d %s", i, r.Status, r.Body)
		}
	}
	for _, line := range strings.Split(string(e.scrape(scraper).Body), "\n") {
		if strings.HasPrefix(line, "admit_http_request_duration_seconds_count") && strings.Contains(line, "registrations") && strings.Contains(line, `status="5xx"`) {
			t.Fatalf("a replay counted as a failure: %s", line)
		}
	}
}
