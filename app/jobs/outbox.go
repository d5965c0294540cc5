package jobs

import (
	"context"
	"errors"
)

// Outbox delivers queued mail, then tells the organizers about mail that
// failed for good since the last time (every 2 seconds). The report runs
// even when delivery stopped on an error, so a failure is never hidden by
// the next one.
func Outbox(deliver func(ctx context.Context) error, reportFailures func(ctx context.Context) (int, error)) Job {
	return Func{JobName: "outbox", Spec: "@every 2s", Fn: func(ctx context.Context) error {
		err := deliver(ctx)
		if reportFailures != nil && ctx.Err() == nil {
			_, rerr := reportFailures(ctx)
			err = errors.Join(err, rerr)
		}
		return err
	}}
}
