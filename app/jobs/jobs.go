package jobs

import (
	"context"
	"time"
)

// Func is a job made of a name, a schedule and a function.
type Func struct {
	JobName string
	Spec    string
	Fn      func(ctx context.Context) error
}

func (f Func) Name() string                  { return f.JobName }
func (f Func) Schedule() string              { return f.Spec }
func (f Func) Run(ctx context.Context) error { return f.Fn(ctx) }

// Outbox delivers queued mail (every 2 seconds).
func Outbox(run func(ctx context.Context) error) Job {
	return Func{JobName: "outbox", Spec: "@every 2s", Fn: run}
}

// Holds expires unpaid seat holds whose time has run out (every minute).
func Holds(expire func(ctx context.Context) (int64, error)) Job {
	return Func{JobName: "holds", Spec: "@every 1m", Fn: func(ctx context.Context) error {
		_, err := expire(ctx)
		return err
	}}
}

// Cleanup forgets idempotency keys older than a day (hourly).
func Cleanup(forget func(ctx context.Context, before time.Time) (int64, error), now func() time.Time) Job {
	return Func{JobName: "cleanup", Spec: "@every 1h", Fn: func(ctx context.Context) error {
		_, err := forget(ctx, now().Add(-24*time.Hour))
		return err
	}}
}

// Checkpoint folds the SQLite WAL back into the database (every 5 minutes).
func Checkpoint(run func(ctx context.Context) error) Job {
	return Func{JobName: "checkpoint", Spec: "@every 5m", Fn: run}
}

// Refunds sends queued refunds to the providers (every minute).
func Refunds(run func(ctx context.Context) error) Job {
	return Func{JobName: "refunds", Spec: "@every 1m", Fn: run}
}

// Reconcile asks the providers about checkouts still unpaid, so that a lost
// webhook never leaves a payer without a ticket (every minute).
func Reconcile(run func(ctx context.Context) error) Job {
	return Func{JobName: "reconcile", Spec: "@every 1m", Fn: run}
}
