package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// lines decodes the JSON lines written to buf.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		out = append(out, m)
	}
	return out
}

func TestHandlerAddsTheContextsIDs(t *testing.T) {
	var buf bytes.Buffer
	log := Wrap(slog.New(slog.NewJSONHandler(&buf, nil)))
	if Wrap(log) != log {
		t.Fatal("a wrapped logger is wrapped again")
	}
	req := WithRequestID(context.Background(), "req-1")
	job := WithRun(context.Background(), "outbox", "run-1")
	log.InfoContext(req, "in a request")
	log.With("component", "x").WarnContext(job, "in a job's run")
	log.InfoContext(req, "said already", RequestIDKey, "req-1")
	log.InfoContext(context.Background(), "about nothing")
	log.Info("without a context")

	tests := []struct {
		msg  string
		want map[string]any
		none []string
	}{
		{"in a request", map[string]any{RequestIDKey: "req-1"}, []string{JobKey, RunIDKey}},
		{"in a job's run", map[string]any{JobKey: "outbox", RunIDKey: "run-1", "component": "x"}, []string{RequestIDKey}},
		{"said already", map[string]any{RequestIDKey: "req-1"}, nil},
		{"about nothing", nil, []string{RequestIDKey, JobKey, RunIDKey}},
		{"without a context", nil, []string{RequestIDKey, JobKey, RunIDKey}},
	}
	got := lines(t, &buf)
	if len(got) != len(tests) {
		t.Fatalf("%d lines, want %d:\n%s", len(got), len(tests), buf.String())
	}
	for i, tc := range tests {
		t.Run(tc.msg, func(t *testing.T) {
			m := got[i]
			if m["msg"] != tc.msg {
				t.Fatalf("line %d is %v, want %q", i, m["msg"], tc.msg)
			}
			for k, v := range tc.want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v", k, m[k], v)
				}
			}
			for _, k := range tc.none {
				if _, ok := m[k]; ok {
					t.Errorf("%s is set: %v", k, m)
				}
			}
		})
	}
	// The same key twice in a JSON object would be two values for one name.
	if n := strings.Count(buf.String(), `"request_id"`); n != 2 {
		t.Errorf("request_id written %d times in all, want 2 (once per line that has it)", n)
	}
}

func TestNewIDDiffers(t *testing.T) {
	a, b := NewID(), NewID()
	if len(a) != 16 || a == b {
		t.Fatalf("NewID gave %q and %q", a, b)
	}
}
