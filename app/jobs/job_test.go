package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRunNowRecoversAndRecords(t *testing.T) {
	clk := clocktest.New(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
	s := New(Options{Log: quiet(), Now: clk.Now})
	for _, j := range []Job{
		Func{JobName: "boom", Spec: "@every 1h", Fn: func(context.Context) error { panic("kaboom") }},
		Func{JobName: "fails", Spec: "@every 1h", Fn: func(context.Context) error { return errors.New("no luck") }},
		Func{JobName: "fine", Spec: "@every 1h", Fn: func(context.Context) error { return nil }},
		Func{JobName: "idle", Spec: "@every 1h", Fn: func(context.Context) error { return nil }},
	} {
		if err := s.Add(j); err != nil {
			t.Fatal(err)
		}
		if j.Name() != "idle" {
			s.RunNow(j)
		}
	}
	got := map[string]Status{}
	for _, st := range s.Statuses() {
		got[st.Name] = st
	}
	if len(got) != 4 {
		t.Fatalf("statuses %v", got)
	}
	for name, want := range map[string]string{"boom": OutcomePanic, "fails": OutcomeError, "fine": OutcomeOK, "idle": ""} {
		st := got[name]
		if st.Outcome != want || st.Schedule != "@every 1h" || st.Running {
			t.Errorf("%s: %+v, want outcome %q", name, st, want)
		}
		if want != "" && !st.LastRun.Equal(clk.Now()) {
			t.Errorf("%s: last run %v, want the injected clock's %v", name, st.LastRun, clk.Now())
		}
	}
	if got["fails"].Err != "no luck" || !strings.Contains(got["boom"].Err, "kaboom") || got["fine"].Err != "" || !got["idle"].LastRun.IsZero() {
		t.Fatalf("statuses %+v", got)
	}
}

// TestRunDueFollowsTheClock: jobs run when the injected clock reaches their
// turn, never before, so tests move time instead of sleeping.
func TestRunDueFollowsTheClock(t *testing.T) {
	clk := clocktest.New(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
	s := New(Options{Log: quiet(), Now: clk.Now})
	var minute, hour atomic.Int32
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Add(Func{JobName: "minute", Spec: "@every 1m", Fn: func(context.Context) error { minute.Add(1); return nil }}))
	must(s.Add(Func{JobName: "hour", Spec: "@every 1h", Fn: func(context.Context) error { hour.Add(1); return nil }}))
	s.RunDue()
	if minute.Load() != 0 || hour.Load() != 0 {
		t.Fatal("nothing is due before its first turn")
	}
	for range 60 {
		clk.Add(time.Minute)
		s.RunDue()
	}
	if minute.Load() != 60 || hour.Load() != 1 {
		t.Fatalf("after an hour: %d minute runs, %d hour runs", minute.Load(), hour.Load())
	}
}

// TestRunningJobIsShownAndNotStartedTwice: a job in progress says so, and
// a second start while it runs is skipped.
func TestRunningJobIsShownAndNotStartedTwice(t *testing.T) {
	s := New(Options{Log: quiet()})
	release, started := make(chan struct{}), make(chan struct{})
	var runs atomic.Int32
	j := Func{JobName: "slow", Spec: "@every 1h", Fn: func(context.Context) error {
		runs.Add(1)
		close(started)
		<-release
		return nil
	}}
	if err := s.Add(j); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.RunNow(j); close(done) }()
	<-started
	if st := s.Statuses()[0]; !st.Running {
		t.Fatalf("a running job shows %+v", st)
	}
	s.RunNow(j) // returns at once: skipped
	close(release)
	<-done
	if st := s.Statuses()[0]; st.Running || st.Outcome != OutcomeOK || runs.Load() != 1 {
		t.Fatalf("after the run: %+v, %d runs", st, runs.Load())
	}
}

func TestScheduleRunsAndStopWaits(t *testing.T) {
	s := New(Options{Log: quiet()})
	var runs atomic.Int32
	started := make(chan struct{}, 10)
	err := s.Add(Func{JobName: "tick", Spec: "@every 1s", Fn: func(ctx context.Context) error {
		runs.Add(1)
		started <- struct{}{}
		<-ctx.Done() // a long job ends when the scheduler stops
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(Func{JobName: "bad", Spec: "every now and then"}); err == nil {
		t.Fatal("a bad schedule must be refused")
	}
	s.Start()
	<-started // a scheduler that never runs it fails at go test's -timeout
	// A minute is no clock on the job: a Stop that waits for no job ends
	// at once, one that waits for the job only when its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.Stop(ctx)
	if ctx.Err() != nil {
		t.Fatal("Stop did not return once the job ended")
	}
	if runs.Load() != 1 {
		t.Fatalf("%d overlapping runs; SkipIfStillRunning should allow one", runs.Load())
	}
	if st := s.Statuses()[0]; st.Outcome != OutcomeOK || st.Err != "" {
		t.Fatalf("a job stopped on shutdown is no failure: %+v", st)
	}
}

// TestStatusesTellTheNextRun: a job's next run is its schedule's turn
// after its last run, or after now before the first; a job run without
// being added has none.
func TestStatusesTellTheNextRun(t *testing.T) {
	start := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	clk := clocktest.New(start)
	s := New(Options{Log: quiet(), Now: clk.Now})
	hourly := Func{JobName: "hourly", Spec: "@every 1h", Fn: func(context.Context) error { return nil }}
	daily := Func{JobName: "daily", Spec: "@every 24h", Fn: func(context.Context) error { return nil }}
	for _, j := range []Job{hourly, daily} {
		if err := s.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	s.RunNow(hourly)
	clk.Set(start.Add(20 * time.Minute))
	s.RunNow(Func{JobName: "once", Spec: "@every 1h", Fn: func(context.Context) error { return nil }})
	want := map[string]time.Time{
		"hourly": start.Add(time.Hour),                     // from its run at 9:00, not from 9:20
		"daily":  start.Add(20*time.Minute + 24*time.Hour), // never ran: counted from now
		"once":   {},
	}
	for _, st := range s.Statuses() {
		if !st.NextRun.Equal(want[st.Name]) {
			t.Errorf("%s: next run %v, want %v", st.Name, st.NextRun, want[st.Name])
		}
	}
}
