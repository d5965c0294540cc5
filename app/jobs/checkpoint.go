package jobs

import "context"

// Checkpoint folds the SQLite WAL back into the database (every 5 minutes,
// PASSIVE: see store.Checkpoint). Not scheduled when data.replicated.
func Checkpoint(run func(ctx context.Context) error) Job {
	return Func{JobName: "checkpoint", Spec: "@every 5m", Fn: run}
}
