package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
	"github.com/admit/admit/app/outhooks"
)

// TestOutgoingWebhooksEndToEnd: the binary, configured with
// webhooks.allow_private from its environment, delivers a registration's
// events to an endpoint added through the API, signed with the secret the
// API gave once, through its scheduled job.
func TestOutgoingWebhooksEndToEnd(t *testing.T) {
	var mu sync.Mutex
	var secret string
	var got []string
	arrived := make(chan struct{}, 1) // a delivery was received
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := outhooks.Verify(r.Header.Get(outhooks.Header), secret, body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("delivery %s: %v", body, err)
			w.WriteHeader(400)
			return
		}
		var p struct{ Type string }
		_ = json.Unmarshal(body, &p)
		got = append(got, p.Type)
		select {
		case arrived <- struct{}{}:
		default:
		}
	}))
	defer recv.Close()

	s := startServer(t, serverOpts{Admin: true, Env: []string{"ADMIT_WEBHOOKS__ALLOW_PRIVATE=true"}})
	defer s.stop(t)
	token := s.login(t, adminEmail, adminPassword)
	var hook struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	in := map[string]any{"url": recv.URL + "/hooks", "events": []string{"registration.created", "registration.confirmed"}}
	if status := api(t, httpClient, "POST", s.base+"/api/v1/webhooks", token, in, &hook); status != http.StatusCreated || hook.Secret == "" {
		t.Fatalf("create webhook: %d %+v", status, hook)
	}
	mu.Lock()
	secret = hook.Secret
	mu.Unlock()
	ev := s.createEvent(t, token, "Hooked", 10)
	if status, _, err := register(httpClient, s.base, ev.Slug, "Ada", "ada@example.org"); status != http.StatusCreated || err != nil {
		t.Fatalf("register: %d %v", status, err)
	}
	// The job runs every 2 seconds: wait for both events, as long as the
	// test may run.
	timeout := time.After(clocktest.Patience(t, 5*time.Minute))
	for {
		mu.Lock()
		seen := slices.Clone(got)
		mu.Unlock()
		slices.Sort(seen)
		if slices.Equal(seen, []string{"registration.confirmed", "registration.created"}) {
			return
		}
		if len(seen) > 2 {
			t.Fatalf("received %v\nstderr:\n%s", seen, tail(s.stderr.String(), 30))
		}
		select {
		case <-arrived:
		case <-timeout:
			t.Fatalf("received %v\nstderr:\n%s", seen, tail(s.stderr.String(), 30))
		}
	}
}
