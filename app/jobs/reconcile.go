package jobs

import "context"

// Reconcile asks the providers about checkouts still unpaid, so that a lost
// webhook never leaves a payer without a ticket (every minute).
func Reconcile(run func(ctx context.Context) error) Job {
	return Func{JobName: "reconcile", Spec: "@every 1m", Fn: run}
}
