package jobs

import "context"

// Webhooks delivers the outgoing webhooks that are due: new events and
// retries (every 2 seconds, so the first retry, 30 seconds after a failure,
// goes within a minute).
func Webhooks(deliver func(ctx context.Context) error) Job {
	return Func{JobName: "webhooks", Spec: "@every 2s", Fn: deliver}
}
