// Package jobs runs Admit's scheduled work on robfig/cron: one job per file,
// each idempotent and driven by rows in the database, so that a restart
// neither loses nor repeats anything. A panicking job is logged and runs
// again at its next turn.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one piece of scheduled work.
type Job interface {
	Name() string
	// Schedule is a cron spec or "@every 10s".
	Schedule() string
	Run(ctx context.Context) error
}

// Status is what the scheduler remembers of a job's last run.
type Status struct {
	Name     string
	LastRun  time.Time
	Duration time.Duration
	Err      string
}

// Scheduler runs jobs until stopped.
type Scheduler struct {
	cron   *cron.Cron
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	status map[string]Status
}

// New creates a scheduler.
func New(log *slog.Logger) *Scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		cron:   cron.New(cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger))),
		log:    log,
		ctx:    ctx,
		cancel: cancel,
		status: map[string]Status{},
	}
}

// Add schedules a job.
func (s *Scheduler) Add(j Job) error {
	if _, err := s.cron.AddFunc(j.Schedule(), func() { s.RunNow(j) }); err != nil {
		return fmt.Errorf("jobs: %s: schedule %q: %w", j.Name(), j.Schedule(), err)
	}
	return nil
}

// RunNow runs a job once in the calling goroutine, recovering a panic and
// recording the outcome.
func (s *Scheduler) RunNow(j Job) {
	start := time.Now()
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		err = j.Run(s.ctx)
	}()
	st := Status{Name: j.Name(), LastRun: start, Duration: time.Since(start)}
	if err != nil && s.ctx.Err() == nil {
		st.Err = err.Error()
		s.log.Error("job failed", "job", j.Name(), "err", err)
	}
	s.mu.Lock()
	s.status[j.Name()] = st
	s.mu.Unlock()
}

// Statuses lists the last run of every job that ran.
func (s *Scheduler) Statuses() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, 0, len(s.status))
	for _, st := range s.status {
		out = append(out, st)
	}
	return out
}

// Start starts the schedule.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling, cancels running jobs' context and waits for them
// (or for ctx).
func (s *Scheduler) Stop(ctx context.Context) {
	done := s.cron.Stop()
	s.cancel()
	select {
	case <-done.Done():
	case <-ctx.Done():
	}
}
