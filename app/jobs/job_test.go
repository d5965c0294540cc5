package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunNowRecoversAndRecords(t *testing.T) {
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.RunNow(Func{JobName: "boom", Spec: "@every 1h", Fn: func(context.Context) error { panic("kaboom") }})
	s.RunNow(Func{JobName: "fails", Spec: "@every 1h", Fn: func(context.Context) error { return errors.New("no luck") }})
	s.RunNow(Func{JobName: "fine", Spec: "@every 1h", Fn: func(context.Context) error { return nil }})
	got := map[string]string{}
	for _, st := range s.Statuses() {
		got[st.Name] = st.Err
	}
	if len(got) != 3 || got["fine"] != "" || got["fails"] != "no luck" || len(got["boom"]) == 0 {
		t.Fatalf("statuses %v", got)
	}
}

func TestScheduleRunsAndStopWaits(t *testing.T) {
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
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
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the job never ran")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Stop(ctx)
	if ctx.Err() != nil {
		t.Fatal("Stop did not return once the job ended")
	}
	if runs.Load() != 1 {
		t.Fatalf("%d overlapping runs; SkipIfStillRunning should allow one", runs.Load())
	}
}
