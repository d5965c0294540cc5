package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
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
