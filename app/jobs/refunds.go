package jobs

import "context"

// Refunds sends queued refunds to the providers (every minute).
func Refunds(run func(ctx context.Context) error) Job {
	return Func{JobName: "refunds", Spec: "@every 1m", Fn: run}
}
