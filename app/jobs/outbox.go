package jobs

import "context"

// Outbox delivers queued mail (every 2 seconds).
func Outbox(run func(ctx context.Context) error) Job {
	return Func{JobName: "outbox", Spec: "@every 2s", Fn: run}
}
