package web

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/admit/admit/app/jobs"
)

// TestJobsListed: GET /api/v1/jobs shows each job's schedule and last run,
// outcome and error, and its next run, to administrators only.
func TestJobsListed(t *testing.T) {
	e := newEnv(t)
	sched := jobs.New(jobs.Options{Log: e.deps.Log, Now: e.clock.Now})
	fails := jobs.Func{JobName: "fails", Spec: "@every 1m", Fn: func(context.Context) error { return errors.New("smtp down") }}
	for _, j := range []jobs.Job{fails, jobs.Func{JobName: "never", Spec: "@every 1h", Fn: func(context.Context) error { return nil }}} {
		if err := sched.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	sched.RunNow(fails)
	e.deps.Jobs = sched
	app, err := New(e.deps)
	if err != nil {
		t.Fatal(err)
	}
	e.app = app
	at := func(d time.Duration) string { return e.clock.Now().Add(d).UTC().Format("2006-01-02T15:04:05Z") }
	ran := at(0)
	e.run(t, []scenario{
		{name: "list", method: "GET", path: "/api/v1/jobs", admin: true, status: 200, contains: []string{
			// duration_ms is measured on the real clock (how long the run
			// took), so only the fields around it are fixed.
			`{"name":"fails","schedule":"@every 1m","last_run_at":"` + ran + `","duration_ms":`,
			`"outcome":"error","error":"smtp down","running":false,"next_run_at":"` + at(time.Minute) + `"}`,
			`{"name":"never","schedule":"@every 1h","last_run_at":null,"duration_ms":0,"outcome":"","error":"","running":false,"next_run_at":"` + at(time.Hour) + `"}`}},
		{name: "needs admin", method: "GET", path: "/api/v1/jobs", status: 401},
	})
}
