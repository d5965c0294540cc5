// Package jobs runs Admit's scheduled work on robfig/cron: one job per file,
// each idempotent and driven by rows in the database, so that a restart
// neither loses nor repeats anything. A panicking job is logged and runs
// again at its next turn; a job still running when its turn comes again is
// skipped (SkipIfStillRunning).
package jobs

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/admit/admit/app/logging"
	"github.com/robfig/cron/v3"
)

// Job is one piece of scheduled work.
type Job interface {
	Name() string
	// Schedule is a cron spec or "@every 10s".
	Schedule() string
	Run(ctx context.Context) error
}

// Func is a job made of a name, a schedule and a function.
type Func struct {
	JobName string
	Spec    string
	Fn      func(ctx context.Context) error
}

func (f Func) Name() string                  { return f.JobName }
func (f Func) Schedule() string              { return f.Spec }
func (f Func) Run(ctx context.Context) error { return f.Fn(ctx) }

// Sweep is a job that goes through what is due and reports how many it
// handled (holds expired, reminders queued…): the service logs what it
// did, the job keeps only the error.
func Sweep[N any](name, spec string, sweep func(ctx context.Context) (N, error)) Job {
	return Func{JobName: name, Spec: spec, Fn: func(ctx context.Context) error {
		_, err := sweep(ctx)
		return err
	}}
}

// Outcomes of a run.
const (
	OutcomeOK    = "ok"
	OutcomeError = "error"
	OutcomePanic = "panic"
)

// Status is what the scheduler remembers of a job (in memory: a restart
// starts with no runs).
type Status struct {
	Name     string
	Schedule string
	// LastRun is when the last run started (zero: never ran); Outcome is
	// empty until then.
	LastRun  time.Time
	Duration time.Duration
	Outcome  string
	Err      string
	Running  bool
	// NextRun is when the schedule runs the job next: its turn after the
	// last run, or after now when it has not run (zero: a job run without
	// being added, which has no schedule).
	NextRun time.Time
}

// entry is a scheduled job and its record.
type entry struct {
	job      Job
	schedule cron.Schedule
	// next is when the job is due by the injected clock (RunDue).
	next   time.Time
	status Status
}

// Options are the scheduler's dependencies.
type Options struct {
	Log *slog.Logger
	// Now is the clock of the records and of RunDue (default time.Now).
	Now func() time.Time
	// Observe is told each run's outcome, for /metrics (nil: nobody).
	Observe func(job, outcome string)
}

// Scheduler runs jobs until stopped.
type Scheduler struct {
	cron   *cron.Cron
	log    *slog.Logger
	now    func() time.Time
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	jobs   map[string]*entry
	// runMu serialises the runs of each job started by RunNow and RunDue,
	// as SkipIfStillRunning does for the cron's.
	runMu map[string]*sync.Mutex
	// observe is Options.Observe (never nil).
	observe func(job, outcome string)
}

// New creates a scheduler.
func New(o Options) *Scheduler {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Observe == nil {
		o.Observe = func(string, string) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		cron:    cron.New(cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger))),
		log:     logging.Wrap(o.Log),
		now:     o.Now,
		ctx:     ctx,
		cancel:  cancel,
		jobs:    map[string]*entry{},
		runMu:   map[string]*sync.Mutex{},
		observe: o.Observe,
	}
}

// Add schedules a job.
func (s *Scheduler) Add(j Job) error {
	sched, err := cron.ParseStandard(j.Schedule())
	if err != nil {
		return fmt.Errorf("jobs: %s: schedule %q: %w", j.Name(), j.Schedule(), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.jobs[j.Name()]; dup {
		return fmt.Errorf("jobs: %s added twice", j.Name())
	}
	if _, err := s.cron.AddFunc(j.Schedule(), func() { s.RunNow(j) }); err != nil {
		return fmt.Errorf("jobs: %s: schedule %q: %w", j.Name(), j.Schedule(), err)
	}
	s.jobs[j.Name()] = &entry{job: j, schedule: sched, next: sched.Next(s.now()), status: Status{Name: j.Name(), Schedule: j.Schedule()}}
	s.runMu[j.Name()] = &sync.Mutex{}
	return nil
}

// RunNow runs a job once in the calling goroutine, recovering a panic and
// recording the outcome.
func (s *Scheduler) RunNow(j Job) {
	s.mu.Lock()
	e, ok := s.jobs[j.Name()]
	if !ok { // a job run without being added is recorded all the same
		e = &entry{job: j, status: Status{Name: j.Name(), Schedule: j.Schedule()}}
		s.jobs[j.Name()] = e
		s.runMu[j.Name()] = &sync.Mutex{}
	}
	run := s.runMu[j.Name()]
	s.mu.Unlock()
	if !run.TryLock() {
		return // still running: skipped, as the cron would
	}
	defer run.Unlock()

	startedAt, start := s.now(), time.Now()
	s.mu.Lock()
	e.status.Running = true
	s.mu.Unlock()
	outcome, err := OutcomeOK, error(nil)
	// Each run has an id of its own, which every line it logs with ctx
	// carries, with the job's name.
	ctx := logging.WithRun(s.ctx, j.Name(), logging.NewID())
	func() {
		defer func() {
			if r := recover(); r != nil {
				outcome, err = OutcomePanic, fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		err = j.Run(ctx)
	}()
	if err != nil && outcome == OutcomeOK {
		outcome = OutcomeError
	}
	if err != nil && s.ctx.Err() != nil && outcome == OutcomeError {
		outcome, err = OutcomeOK, nil // stopped on shutdown: not a failure
	}
	if err != nil {
		s.log.ErrorContext(ctx, "job failed", "outcome", outcome, "err", err)
	}
	s.observe(j.Name(), outcome)
	s.mu.Lock()
	e.status.Running = false
	e.status.LastRun, e.status.Duration, e.status.Outcome, e.status.Err = startedAt, time.Since(start), outcome, ""
	if err != nil {
		e.status.Err = err.Error()
	}
	s.mu.Unlock()
}

// RunDue runs, one after the other in the calling goroutine, every job
// whose turn has come by the injected clock since it was added or last run
// by RunDue. Tests move their clock and call it instead of waiting for the
// cron.
func (s *Scheduler) RunDue() {
	now := s.now()
	s.mu.Lock()
	var due []Job
	for _, e := range s.jobs {
		if e.schedule != nil && !e.next.After(now) {
			due = append(due, e.job)
			e.next = e.schedule.Next(now)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(due, func(a, b Job) int { return cmp.Compare(a.Name(), b.Name()) })
	for _, j := range due {
		s.RunNow(j)
	}
}

// Statuses lists every job, by name, with its last run and its next.
func (s *Scheduler) Statuses() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, 0, len(s.jobs))
	now := s.now()
	for _, e := range s.jobs {
		st := e.status
		if e.schedule != nil {
			// The schedule counts from the last run (as the cron does),
			// else from now.
			st.NextRun = e.schedule.Next(now)
			if next := e.schedule.Next(st.LastRun); !st.LastRun.IsZero() && next.After(now) {
				st.NextRun = next
			}
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b Status) int { return cmp.Compare(a.Name, b.Name) })
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
