package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestJSONLogs: with log.format = "json" every line admit writes, from the
// first administrator's password to the shutdown, is one JSON object with
// time, level and msg; request lines carry their fields. The same run
// scrapes /metrics with metrics.token (401 without it).
func TestJSONLogs(t *testing.T) {
	t.Parallel()
	const scraper = "e2e-metrics-token-0123456789"
	s := startServer(t, serverOpts{Env: []string{"ADMIT_LOG__FORMAT=json", "ADMIT_METRICS__TOKEN=" + scraper}})
	if status := api(t, httpClient, "GET", s.base+"/no/such/page", "", nil, nil); status != http.StatusNotFound {
		t.Fatalf("404 page: %d", status)
	}
	if status := api(t, httpClient, "GET", s.base+"/metrics", "", nil, nil); status != http.StatusUnauthorized {
		t.Fatalf("scrape without a token: %d, want 401", status)
	}
	status, body, err := doJSON(httpClient, "GET", s.base+"/metrics", scraper, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("scrape: %d %v", status, err)
	}
	for _, want := range []string{`admit_http_request_duration_seconds_count{method="GET",route="/healthz",status="2xx"}`,
		`admit_http_request_duration_seconds_count{method="GET",route="unmatched",status="4xx"} 1`, `admit_mail_outbox{status="queued"} 0`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the scrape has no %s", want)
		}
	}
	s.stop(t)

	var msgs []string
	var request map[string]any
	password := ""
	for _, line := range strings.Split(strings.TrimSpace(s.stderr.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("a log line is not JSON: %v\n%s", err, line)
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := m[k]; !ok {
				t.Errorf("a log line has no %s: %s", k, line)
			}
		}
		msg, _ := m["msg"].(string)
		msgs = append(msgs, msg)
		if msg == "http" && m["path"] == "/no/such/page" {
			request = m
		}
		if p, ok := m["password"].(string); ok {
			password = p
		}
	}
	if request == nil || request["status"] != float64(404) || request["method"] != "GET" || request["request_id"] == "" {
		t.Errorf("no request line for the 404 with its fields: %v", request)
	}
	if len(password) < 12 {
		t.Errorf("the first administrator's password is not in a JSON line: %q", password)
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{servingLine, "shutting down"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %q line in %s", want, joined)
		}
	}
}
