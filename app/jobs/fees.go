package jobs

import "context"

// ProviderFees asks the providers for the fees of payments recorded without
// one, with a back-off per payment (every minute).
func ProviderFees(run func(ctx context.Context) error) Job {
	return Func{JobName: "provider-fees", Spec: "@every 1m", Fn: run}
}
