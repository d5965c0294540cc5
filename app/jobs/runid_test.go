package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/admit/admit/app/logging"
)

// TestRunsCarryTheirID: every line a job logs with the context of its run,
// and the scheduler's line about a failed run, carries the job's name and
// the run's id; each run has an id of its own.
func TestRunsCarryTheirID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	s := New(Options{Log: log})
	log = logging.Wrap(log) // as the domain's services wrap theirs
	j := Func{JobName: "tidy", Spec: "@every 1h", Fn: func(ctx context.Context) error {
		log.InfoContext(ctx, "tidying")
		return errors.New("nothing to tidy")
	}}
	s.RunNow(j)
	s.RunNow(j)
	var runs []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		id, _ := m["run_id"].(string)
		if m["job"] != "tidy" || len(id) != 16 || strings.Count(line, `"job"`) != 1 {
			t.Fatalf("a line without its run: %s", line)
		}
		runs = append(runs, m["msg"].(string)+" "+id)
	}
	if len(runs) != 4 {
		t.Fatalf("lines %v, want a tidying and a job failed line per run", runs)
	}
	first, second := strings.Fields(runs[0]), strings.Fields(runs[2])
	if !strings.HasSuffix(runs[1], first[1]) || !strings.HasSuffix(runs[3], second[1]) || first[1] == second[1] {
		t.Fatalf("runs %v: want one id per run, shared by its lines", runs)
	}
}
